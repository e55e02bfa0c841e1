#pragma once
// The Transformer of "Attention Is All You Need", as torch.nn builds it: nn::TransformerEncoder
// and nn::TransformerDecoder (stacks of the layers of nn/transformer_layer.hpp) and
// nn::Transformer. Shapes (sequence first; [N, L, E] with batch_first; no N unbatched): src [S,
// N, E], tgt [T, N, E] -> [T, N, E]. Masks: src_mask [S, S], tgt_mask [T, T], memory_mask [T,
// S] (bool true = not allowed, or float added); *_key_padding_mask [N, S] / [N, T] (bool true =
// ignored, or float added).
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "torchlet/nn/container.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/normalization.hpp"
#include "torchlet/nn/transformer_layer.hpp"

namespace torchlet::nn {

/// TransformerEncoder's forward masks (PyTorch names the first one `mask` there).
struct TransformerEncoderForwardOptions {
  TransformerMask mask = {};                  ///< [S, S] or [N * nhead, S, S].
  TransformerMask src_key_padding_mask = {};  ///< [N, S] ([S] unbatched).
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

/// nn.TransformerEncoder: num_layers copies of an encoder layer, then an optional LayerNorm.
/// src [S, N, E] -> same shape.
template <class = void>
class TransformerEncoderImpl
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
  TransformerEncoderImpl(const TransformerEncoderLayer& encoder_layer, std::int64_t num_layers,
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
/// TransformerEncoder: see TransformerEncoderImpl.
using TransformerEncoder = TransformerEncoderImpl<>;

/// nn.TransformerDecoder: num_layers copies of a decoder layer, then an optional LayerNorm.
/// tgt [T, N, E], memory [S, N, E] -> [T, N, E].
template <class = void>
class TransformerDecoderImpl : public ModuleFor<Tensor(const Tensor&, const Tensor&),
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
  TransformerDecoderImpl(const TransformerDecoderLayer& decoder_layer, std::int64_t num_layers,
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
/// TransformerDecoder: see TransformerDecoderImpl.
using TransformerDecoder = TransformerDecoderImpl<>;

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
template <class = void>
class TransformerImpl
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
  explicit TransformerImpl(std::int64_t d_model = 512, std::int64_t nhead = 8,
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
/// Transformer: see TransformerImpl.
using Transformer = TransformerImpl<>;

}  // namespace torchlet::nn
