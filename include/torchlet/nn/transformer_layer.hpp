#pragma once
// nn::TransformerEncoderLayer and nn::TransformerDecoderLayer, the layers nn::TransformerEncoder
// and nn::TransformerDecoder stack (nn/transformer.hpp). Shapes (sequence first; [N, L, E] with
// batch_first; no N unbatched): src [S, N, E] -> [S, N, E]; tgt [T, N, E], memory [S, N, E] ->
// [T, N, E]. Masks: [L, S] or [N * nhead, L, S] (bool true = not allowed, or float added);
// *_key_padding_mask [N, S] (bool true = ignored, or float added).
#include <string>

#include "torchlet/nn/attention.hpp"
#include "torchlet/nn/dropout.hpp"
#include "torchlet/nn/functional/activation.hpp"
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

/// TransformerDecoderLayer's and TransformerDecoder's forward masks.
struct TransformerDecoderForwardOptions {
  TransformerMask tgt_mask = {};                 ///< [T, T] or [N * nhead, T, T].
  TransformerMask memory_mask = {};              ///< [T, S] or [N * nhead, T, S].
  TransformerMask tgt_key_padding_mask = {};     ///< [N, T] ([T] unbatched).
  TransformerMask memory_key_padding_mask = {};  ///< [N, S] ([S] unbatched).
};

namespace detail {

/// F.relu or F.gelu by name; throws naming the module otherwise.
template <class = void>
inline std::string check_activation(const char* module, const std::string& activation) {
  if (activation != "relu" && activation != "gelu")
    throw std::invalid_argument(std::string(module) + ": activation should be relu/gelu, not " +
                                activation);
  return activation;
}

}  // namespace detail

/// nn.TransformerEncoderLayer: self-attention then a feed-forward block, each with a residual
/// connection and a LayerNorm (after, or before with norm_first). src [S, N, E] -> same shape.
template <class = void>
class TransformerEncoderLayerImpl
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
  TransformerEncoderLayerImpl(std::int64_t d_model, std::int64_t nhead,
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
  TransformerEncoderLayerImpl clone() const {
    TransformerEncoderLayerImpl c(d_model, nhead, options);
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
/// TransformerEncoderLayer: see TransformerEncoderLayerImpl.
using TransformerEncoderLayer = TransformerEncoderLayerImpl<>;

/// nn.TransformerDecoderLayer: self-attention, attention over the encoder's output (memory),
/// then a feed-forward block, each with a residual connection and a LayerNorm. tgt [T, N, E],
/// memory [S, N, E] -> [T, N, E].
template <class = void>
class TransformerDecoderLayerImpl
    : public ModuleFor<Tensor(const Tensor&, const Tensor&),
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
  TransformerDecoderLayerImpl(std::int64_t d_model, std::int64_t nhead,
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
  TransformerDecoderLayerImpl clone() const {
    TransformerDecoderLayerImpl c(d_model, nhead, options);
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
/// TransformerDecoderLayer: see TransformerDecoderLayerImpl.
using TransformerDecoderLayer = TransformerDecoderLayerImpl<>;

}  // namespace torchlet::nn
