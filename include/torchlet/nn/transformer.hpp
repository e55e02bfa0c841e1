#pragma once
// The Transformer of "Attention Is All You Need", as torch.nn builds it. Shapes (sequence
// first; [N, L, E] with batch_first; no N unbatched): src [S, N, E], tgt [T, N, E] -> [T, N,
// E]. Masks: src_mask [S, S], tgt_mask [T, T], memory_mask [T, S] (bool true = not allowed, or
// float added); *_key_padding_mask [N, S] / [N, T] (bool true = ignored, or float added).
#include <memory>
#include <optional>
#include <string>

#include "torchlet/nn/attention.hpp"
#include "torchlet/nn/container.hpp"
#include "torchlet/nn/dropout.hpp"
#include "torchlet/nn/functional/activation.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/linear.hpp"
#include "torchlet/nn/normalization.hpp"

namespace torchlet::nn {

/// A mask argument of the Transformer modules: a bool or float tensor, or none.
using TransformerMask = functional::AttentionMask<float>;

/// The arguments of TransformerEncoderLayer and TransformerDecoderLayer after d_model and
/// nhead, in PyTorch's order.
struct TransformerLayerOptions {
  std::int64_t dim_feedforward = 2048;  ///< Width of the feed-forward block.
  double dropout = 0.1;                 ///< Dropout everywhere (attention weights too).
  std::string activation = "relu";      ///< "relu" or "gelu".
  double layer_norm_eps = 1e-5;         ///< The LayerNorms' eps.
  bool batch_first = false;             ///< Inputs and outputs [N, L, E].
  bool norm_first = false;              ///< LayerNorm before each block (pre-norm).
};

/// TransformerEncoderLayer's forward masks.
struct TransformerEncoderLayerForwardOptions {
  TransformerMask src_mask = {};              ///< [S, S] or [N * nhead, S, S].
  TransformerMask src_key_padding_mask = {};  ///< [N, S] ([S] unbatched).
};

/// TransformerEncoder's forward masks (PyTorch names the first one `mask` there).
struct TransformerEncoderForwardOptions {
  TransformerMask mask = {};                  ///< [S, S] or [N * nhead, S, S].
  TransformerMask src_key_padding_mask = {};  ///< [N, S] ([S] unbatched).
};

/// TransformerDecoderLayer's and TransformerDecoder's forward masks.
struct TransformerDecoderForwardOptions {
  TransformerMask tgt_mask = {};                 ///< [T, T] or [N * nhead, T, T].
  TransformerMask memory_mask = {};              ///< [T, S] or [N * nhead, T, S].
  TransformerMask tgt_key_padding_mask = {};     ///< [N, T] ([T] unbatched).
  TransformerMask memory_key_padding_mask = {};  ///< [N, S] ([S] unbatched).
};

/// Transformer's forward masks.
struct TransformerForwardOptions {
  TransformerMask src_mask = {};                 ///< [S, S] or [N * nhead, S, S].
  TransformerMask tgt_mask = {};                 ///< [T, T] or [N * nhead, T, T].
  TransformerMask memory_mask = {};              ///< [T, S] or [N * nhead, T, S].
  TransformerMask src_key_padding_mask = {};     ///< [N, S] ([S] unbatched).
  TransformerMask tgt_key_padding_mask = {};     ///< [N, T] ([T] unbatched).
  TransformerMask memory_key_padding_mask = {};  ///< [N, S] ([S] unbatched).
};

namespace detail {

/// F.relu or F.gelu by name; throws naming the module otherwise.
inline std::string check_activation(const char* module, const std::string& activation) {
  if (activation != "relu" && activation != "gelu")
    throw std::invalid_argument(std::string(module) + ": activation should be relu/gelu, not " +
                                activation);
  return activation;
}

}  // namespace detail

/// nn.TransformerEncoderLayer: self-attention then a feed-forward block, each with a residual
/// connection and a LayerNorm (after, or before with norm_first). src [S, N, E] -> same shape.
class TransformerEncoderLayer
    : public ModuleFor<Tensor(const Tensor&),
                       Tensor(const Tensor&, const TransformerEncoderLayerForwardOptions&)> {
 public:
  ///@{
  /// Model width and number of heads.
  std::int64_t d_model, nhead;
  ///@}
  /// The remaining constructor arguments.
  TransformerLayerOptions options;
  /// Self-attention over src.
  MultiheadAttention self_attn;
  /// d_model -> dim_feedforward.
  Linear linear1;
  /// Dropout inside the feed-forward block.
  Dropout dropout;
  /// dim_feedforward -> d_model.
  Linear linear2;
  ///@{
  /// LayerNorms of the attention and feed-forward blocks.
  LayerNorm norm1, norm2;
  ///@}
  ///@{
  /// Dropouts on the outputs of the attention and feed-forward blocks.
  Dropout dropout1, dropout2;
  ///@}

  /// nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
  /// layer_norm_eps, batch_first, norm_first).
  TransformerEncoderLayer(std::int64_t d_model, std::int64_t nhead,
                          const TransformerLayerOptions& options = {})
      : d_model(d_model),
        nhead(nhead),
        options((detail::check_activation("TransformerEncoderLayer", options.activation), options)),
        self_attn(d_model, nhead, {.dropout = options.dropout, .batch_first = options.batch_first}),
        linear1(d_model, options.dim_feedforward),
        dropout(options.dropout),
        linear2(options.dim_feedforward, d_model),
        norm1(d_model, {.eps = options.layer_norm_eps}),
        norm2(d_model, {.eps = options.layer_norm_eps}),
        dropout1(options.dropout),
        dropout2(options.dropout) {
    register_module("self_attn", self_attn);
    register_module("linear1", linear1);
    register_module("dropout", dropout);
    register_module("linear2", linear2);
    register_module("norm1", norm1);
    register_module("norm2", norm2);
    register_module("dropout1", dropout1);
    register_module("dropout2", dropout2);
  }

  /// A deep copy (copy.deepcopy): the same configuration, parameters and training mode.
  TransformerEncoderLayer clone() const {
    TransformerEncoderLayer c(d_model, nhead, options);
    c.load_state_dict(state_dict());
    c.train(is_training());
    return c;
  }

  /// src [S, N, E] -> [S, N, E], without masks.
  Tensor forward(const Tensor& src) override {
    return forward(src, TransformerEncoderLayerForwardOptions{});
  }
  /// src [S, N, E] ([N, S, E] batch_first, [S, E] unbatched) -> same shape.
  Tensor forward(const Tensor& src, const TransformerEncoderLayerForwardOptions& masks) override {
    Tensor x = src;
    if (options.norm_first) {
      x = x + sa_block(norm1(x), masks);
      x = x + ff_block(norm2(x));
    } else {
      x = norm1(x + sa_block(x, masks));
      x = norm2(x + ff_block(x));
    }
    return x;
  }

  std::string name() const override { return "TransformerEncoderLayer"; }

 private:
  Tensor sa_block(const Tensor& x, const TransformerEncoderLayerForwardOptions& masks) {
    auto [y, w] = self_attn(x, x, x,
                            {.key_padding_mask = masks.src_key_padding_mask,
                             .need_weights = false,
                             .attn_mask = masks.src_mask});
    return dropout1(y);
  }
  Tensor ff_block(const Tensor& x) {
    Tensor h = linear1(x);
    h = options.activation == "gelu" ? functional::gelu(h) : functional::relu(h);
    return dropout2(linear2(dropout(h)));
  }
};

/// nn.TransformerDecoderLayer: self-attention, attention over the encoder's output (memory),
/// then a feed-forward block, each with a residual connection and a LayerNorm. tgt [T, N, E],
/// memory [S, N, E] -> [T, N, E].
class TransformerDecoderLayer : public ModuleFor<Tensor(const Tensor&, const Tensor&),
                                                 Tensor(const Tensor&, const Tensor&,
                                                        const TransformerDecoderForwardOptions&)> {
 public:
  ///@{
  /// Model width and number of heads.
  std::int64_t d_model, nhead;
  ///@}
  /// The remaining constructor arguments.
  TransformerLayerOptions options;
  /// Self-attention over tgt.
  MultiheadAttention self_attn;
  /// Attention from tgt to memory.
  MultiheadAttention multihead_attn;
  /// d_model -> dim_feedforward.
  Linear linear1;
  /// Dropout inside the feed-forward block.
  Dropout dropout;
  /// dim_feedforward -> d_model.
  Linear linear2;
  ///@{
  /// LayerNorms of the three blocks.
  LayerNorm norm1, norm2, norm3;
  ///@}
  ///@{
  /// Dropouts on the outputs of the three blocks.
  Dropout dropout1, dropout2, dropout3;
  ///@}

  /// nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
  /// layer_norm_eps, batch_first, norm_first).
  TransformerDecoderLayer(std::int64_t d_model, std::int64_t nhead,
                          const TransformerLayerOptions& options = {})
      : d_model(d_model),
        nhead(nhead),
        options((detail::check_activation("TransformerDecoderLayer", options.activation), options)),
        self_attn(d_model, nhead, {.dropout = options.dropout, .batch_first = options.batch_first}),
        multihead_attn(d_model, nhead,
                       {.dropout = options.dropout, .batch_first = options.batch_first}),
        linear1(d_model, options.dim_feedforward),
        dropout(options.dropout),
        linear2(options.dim_feedforward, d_model),
        norm1(d_model, {.eps = options.layer_norm_eps}),
        norm2(d_model, {.eps = options.layer_norm_eps}),
        norm3(d_model, {.eps = options.layer_norm_eps}),
        dropout1(options.dropout),
        dropout2(options.dropout),
        dropout3(options.dropout) {
    register_module("self_attn", self_attn);
    register_module("multihead_attn", multihead_attn);
    register_module("linear1", linear1);
    register_module("dropout", dropout);
    register_module("linear2", linear2);
    register_module("norm1", norm1);
    register_module("norm2", norm2);
    register_module("norm3", norm3);
    register_module("dropout1", dropout1);
    register_module("dropout2", dropout2);
    register_module("dropout3", dropout3);
  }

  /// A deep copy (copy.deepcopy): the same configuration, parameters and training mode.
  TransformerDecoderLayer clone() const {
    TransformerDecoderLayer c(d_model, nhead, options);
    c.load_state_dict(state_dict());
    c.train(is_training());
    return c;
  }

  /// tgt [T, N, E], memory [S, N, E] -> [T, N, E], without masks.
  Tensor forward(const Tensor& tgt, const Tensor& memory) override {
    return forward(tgt, memory, TransformerDecoderForwardOptions{});
  }
  /// tgt [T, N, E] ([N, T, E] batch_first, [T, E] unbatched), memory [S, N, E] -> like tgt.
  Tensor forward(const Tensor& tgt, const Tensor& memory,
                 const TransformerDecoderForwardOptions& masks) override {
    Tensor x = tgt;
    if (options.norm_first) {
      x = x + sa_block(norm1(x), masks);
      x = x + mha_block(norm2(x), memory, masks);
      x = x + ff_block(norm3(x));
    } else {
      x = norm1(x + sa_block(x, masks));
      x = norm2(x + mha_block(x, memory, masks));
      x = norm3(x + ff_block(x));
    }
    return x;
  }

  std::string name() const override { return "TransformerDecoderLayer"; }

 private:
  Tensor sa_block(const Tensor& x, const TransformerDecoderForwardOptions& masks) {
    auto [y, w] = self_attn(x, x, x,
                            {.key_padding_mask = masks.tgt_key_padding_mask,
                             .need_weights = false,
                             .attn_mask = masks.tgt_mask});
    return dropout1(y);
  }
  Tensor mha_block(const Tensor& x, const Tensor& mem,
                   const TransformerDecoderForwardOptions& masks) {
    auto [y, w] = multihead_attn(x, mem, mem,
                                 {.key_padding_mask = masks.memory_key_padding_mask,
                                  .need_weights = false,
                                  .attn_mask = masks.memory_mask});
    return dropout2(y);
  }
  Tensor ff_block(const Tensor& x) {
    Tensor h = linear1(x);
    h = options.activation == "gelu" ? functional::gelu(h) : functional::relu(h);
    return dropout3(linear2(dropout(h)));
  }
};

/// nn.TransformerEncoder: num_layers copies of an encoder layer, then an optional LayerNorm.
/// src [S, N, E] -> same shape.
class TransformerEncoder
    : public ModuleFor<Tensor(const Tensor&),
                       Tensor(const Tensor&, const TransformerEncoderForwardOptions&)> {
 public:
  /// The layers: deep copies of the layer given (equal initial parameters, as PyTorch).
  ModuleListOf<TransformerEncoderLayer> layers;
  /// Number of layers.
  std::int64_t num_layers;
  /// The final LayerNorm (null without one).
  std::shared_ptr<LayerNorm> norm;

  /// nn.TransformerEncoder(encoder_layer, num_layers, norm): clones encoder_layer num_layers
  /// times.
  TransformerEncoder(const TransformerEncoderLayer& encoder_layer, std::int64_t num_layers,
                     std::optional<LayerNorm> norm = std::nullopt)
      : num_layers(num_layers) {
    if (num_layers < 0)
      throw std::invalid_argument("TransformerEncoder: num_layers must be non-negative, got " +
                                  std::to_string(num_layers));
    for (std::int64_t i = 0; i < num_layers; ++i) layers.push_back(encoder_layer.clone());
    register_module("layers", layers);
    if (norm) this->norm = register_module("norm", std::make_shared<LayerNorm>(std::move(*norm)));
  }

  /// src [S, N, E] -> [S, N, E], without masks.
  Tensor forward(const Tensor& src) override {
    return forward(src, TransformerEncoderForwardOptions{});
  }
  /// src [S, N, E] ([N, S, E] batch_first, [S, E] unbatched) -> same shape.
  Tensor forward(const Tensor& src, const TransformerEncoderForwardOptions& masks) override {
    Tensor x = src;
    for (auto& layer : layers)
      x = layer(x, {.src_mask = masks.mask, .src_key_padding_mask = masks.src_key_padding_mask});
    if (norm) x = (*norm)(x);
    return x;
  }

  std::string name() const override { return "TransformerEncoder"; }
};

/// nn.TransformerDecoder: num_layers copies of a decoder layer, then an optional LayerNorm.
/// tgt [T, N, E], memory [S, N, E] -> [T, N, E].
class TransformerDecoder : public ModuleFor<Tensor(const Tensor&, const Tensor&),
                                            Tensor(const Tensor&, const Tensor&,
                                                   const TransformerDecoderForwardOptions&)> {
 public:
  /// The layers: deep copies of the layer given (equal initial parameters, as PyTorch).
  ModuleListOf<TransformerDecoderLayer> layers;
  /// Number of layers.
  std::int64_t num_layers;
  /// The final LayerNorm (null without one).
  std::shared_ptr<LayerNorm> norm;

  /// nn.TransformerDecoder(decoder_layer, num_layers, norm): clones decoder_layer num_layers
  /// times.
  TransformerDecoder(const TransformerDecoderLayer& decoder_layer, std::int64_t num_layers,
                     std::optional<LayerNorm> norm = std::nullopt)
      : num_layers(num_layers) {
    if (num_layers < 0)
      throw std::invalid_argument("TransformerDecoder: num_layers must be non-negative, got " +
                                  std::to_string(num_layers));
    for (std::int64_t i = 0; i < num_layers; ++i) layers.push_back(decoder_layer.clone());
    register_module("layers", layers);
    if (norm) this->norm = register_module("norm", std::make_shared<LayerNorm>(std::move(*norm)));
  }

  /// tgt [T, N, E], memory [S, N, E] -> [T, N, E], without masks.
  Tensor forward(const Tensor& tgt, const Tensor& memory) override {
    return forward(tgt, memory, TransformerDecoderForwardOptions{});
  }
  /// tgt [T, N, E] ([N, T, E] batch_first, [T, E] unbatched), memory [S, N, E] -> like tgt.
  Tensor forward(const Tensor& tgt, const Tensor& memory,
                 const TransformerDecoderForwardOptions& masks) override {
    Tensor x = tgt;
    for (auto& layer : layers) x = layer(x, memory, masks);
    if (norm) x = (*norm)(x);
    return x;
  }

  std::string name() const override { return "TransformerDecoder"; }
};

/// nn.Transformer's arguments after d_model and nhead, in PyTorch's order.
struct TransformerOptions {
  std::int64_t num_encoder_layers = 6;  ///< Encoder depth.
  std::int64_t num_decoder_layers = 6;  ///< Decoder depth.
  std::int64_t dim_feedforward = 2048;  ///< Width of the feed-forward blocks.
  double dropout = 0.1;                 ///< Dropout everywhere.
  std::string activation = "relu";      ///< "relu" or "gelu".
  double layer_norm_eps = 1e-5;         ///< The LayerNorms' eps.
  bool batch_first = false;             ///< Inputs and outputs [N, L, E].
  bool norm_first = false;              ///< Pre-norm layers.
};

/// nn.Transformer: an encoder over src and a decoder over tgt attending to the encoder's
/// output. src [S, N, E], tgt [T, N, E] -> [T, N, E]; every weight matrix xavier_uniform_.
class Transformer
    : public ModuleFor<Tensor(const Tensor&, const Tensor&),
                       Tensor(const Tensor&, const Tensor&, const TransformerForwardOptions&)> {
 public:
  ///@{
  /// Model width and number of heads.
  std::int64_t d_model, nhead;
  ///@}
  /// Inputs and outputs [N, L, E].
  bool batch_first;
  /// The encoder (with a final LayerNorm).
  TransformerEncoder encoder;
  /// The decoder (with a final LayerNorm).
  TransformerDecoder decoder;

  /// nn.Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward,
  /// dropout, activation, layer_norm_eps, batch_first, norm_first); PyTorch's defaults
  /// (d_model 512, nhead 8).
  explicit Transformer(std::int64_t d_model = 512, std::int64_t nhead = 8,
                       const TransformerOptions& options = {})
      : d_model(d_model),
        nhead(nhead),
        batch_first(options.batch_first),
        encoder(TransformerEncoderLayer(d_model, nhead, layer_options(options)),
                options.num_encoder_layers, LayerNorm(d_model, {.eps = options.layer_norm_eps})),
        decoder(TransformerDecoderLayer(d_model, nhead, layer_options(options)),
                options.num_decoder_layers, LayerNorm(d_model, {.eps = options.layer_norm_eps})) {
    register_module("encoder", encoder);
    register_module("decoder", decoder);
    reset_parameters();
  }

  /// xavier_uniform_ on every parameter of more than one dim (PyTorch's _reset_parameters).
  void reset_parameters() {
    for (auto& p : parameters())
      if (p.dim() > 1) init::xavier_uniform_(p);
  }

  /// src [S, N, E], tgt [T, N, E] -> [T, N, E], without masks.
  Tensor forward(const Tensor& src, const Tensor& tgt) override {
    return forward(src, tgt, TransformerForwardOptions{});
  }
  /// src [S, N, E], tgt [T, N, E] ([N, *, E] batch_first; [S, E], [T, E] unbatched) -> like
  /// tgt.
  Tensor forward(const Tensor& src, const Tensor& tgt,
                 const TransformerForwardOptions& masks) override {
    const bool batched = src.dim() == 3;
    const int bd = batch_first ? 0 : 1;
    if (batched && (tgt.dim() != 3 || src.size(bd) != tgt.size(bd)))
      throw ShapeError("Transformer: the batch number of src and tgt must be equal (src " +
                       to_string(src.shape()) + ", tgt " + to_string(tgt.shape()) + ")");
    if (src.dim() < 1 || tgt.dim() < 1 || src.size(-1) != d_model || tgt.size(-1) != d_model)
      throw ShapeError("Transformer(d_model=" + std::to_string(d_model) +
                       "): the feature number of src and tgt must be equal to d_model (src " +
                       to_string(src.shape()) + ", tgt " + to_string(tgt.shape()) + ")");
    Tensor memory =
        encoder(src, {.mask = masks.src_mask, .src_key_padding_mask = masks.src_key_padding_mask});
    return decoder(tgt, memory,
                   {.tgt_mask = masks.tgt_mask,
                    .memory_mask = masks.memory_mask,
                    .tgt_key_padding_mask = masks.tgt_key_padding_mask,
                    .memory_key_padding_mask = masks.memory_key_padding_mask});
  }

  /// The causal mask [sz, sz]: 0 on and below the diagonal, -inf above (float).
  static Tensor generate_square_subsequent_mask(std::int64_t sz) {
    if (sz < 0)
      throw std::invalid_argument("generate_square_subsequent_mask: sz must be non-negative, got " +
                                  std::to_string(sz));
    auto m = zeros({sz, sz});
    for (std::int64_t i = 0; i < sz; ++i)
      for (std::int64_t j = i + 1; j < sz; ++j)
        m.data()[i * sz + j] = -std::numeric_limits<float>::infinity();
    return m;
  }

  std::string name() const override { return "Transformer"; }

 private:
  static TransformerLayerOptions layer_options(const TransformerOptions& o) {
    return {.dim_feedforward = o.dim_feedforward,
            .dropout = o.dropout,
            .activation = o.activation,
            .layer_norm_eps = o.layer_norm_eps,
            .batch_first = o.batch_first,
            .norm_first = o.norm_first};
  }
};

}  // namespace torchlet::nn
