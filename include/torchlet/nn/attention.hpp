#pragma once
// nn::MultiheadAttention: attention over num_heads heads of embed_dim / num_heads features.
// query [L, N, E], key [S, N, kdim], value [S, N, vdim] ([N, L, E], ... with batch_first; [L,
// E], ... unbatched) -> (output [L, N, E], weights [N, L, S] or [N, num_heads, L, S]).
#include <memory>
#include <tuple>

#include "torchlet/nn/functional/multi_head_attention.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/linear.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// torch.nn.modules.linear.NonDynamicallyQuantizableLinear: a Linear under another name (the
/// output projection of MultiheadAttention, printed as PyTorch prints it).
template <class = void>
class NonDynamicallyQuantizableLinearImpl : public Linear {
 public:
  using Linear::Linear;
  std::string name() const override { return "NonDynamicallyQuantizableLinear"; }
};
/// NonDynamicallyQuantizableLinear: see NonDynamicallyQuantizableLinearImpl.
using NonDynamicallyQuantizableLinear = NonDynamicallyQuantizableLinearImpl<>;

/// MultiheadAttention's arguments after embed_dim and num_heads, in PyTorch's order.
struct MultiheadAttentionOptions {
  double dropout = 0.0;        ///< Dropout on the attention weights (in training).
  bool bias = true;            ///< in_proj_bias and out_proj.bias.
  bool add_bias_kv = false;    ///< bias_k and bias_v: one more key and value.
  bool add_zero_attn = false;  ///< One more key and value of zeros.
  std::int64_t kdim = 0;       ///< Width of key (0: embed_dim).
  std::int64_t vdim = 0;       ///< Width of value (0: embed_dim).
  bool batch_first = false;    ///< Inputs and outputs [N, L, E] rather than [L, N, E].
};

/// MultiheadAttention's forward keyword arguments, in PyTorch's order.
struct MultiheadAttentionForwardOptions {
  /// [N, S] ([S] unbatched): bool true = this key is ignored, or float added to the scores.
  functional::AttentionMask<float> key_padding_mask = {};
  /// Whether to return the attention weights (else the second tensor is undefined).
  bool need_weights = true;
  /// [L, S] or [N * num_heads, L, S]: bool true = not allowed to attend, or float added.
  functional::AttentionMask<float> attn_mask = {};
  /// Weights averaged over the heads [N, L, S], or per head [N, num_heads, L, S].
  bool average_attn_weights = true;
};

/// nn.MultiheadAttention: `auto [out, weights] = mha(q, k, v, {.key_padding_mask = m});`.
template <class = void>
class MultiheadAttentionImpl
    : public ModuleFor<std::tuple<Tensor, Tensor>(const Tensor&, const Tensor&, const Tensor&),
                       std::tuple<Tensor, Tensor>(const Tensor&, const Tensor&, const Tensor&,
                                                  const MultiheadAttentionForwardOptions&)> {
 public:
  ///@{
  /// embed_dim (E), the widths of key and value, the number of heads and E / num_heads.
  std::int64_t embed_dim, kdim, vdim, num_heads, head_dim;
  ///@}
  /// Dropout probability on the attention weights.
  double dropout;
  /// Inputs and outputs batch first.
  bool batch_first;
  /// One more key and value of zeros.
  bool add_zero_attn;
  /// [3 E, E] packed q, k, v projections (undefined when kdim or vdim differ from E).
  Tensor in_proj_weight;
  ///@{
  /// [E, E], [E, kdim], [E, vdim]: separate projections (defined only when kdim or vdim
  /// differ from E).
  Tensor q_proj_weight, k_proj_weight, v_proj_weight;
  ///@}
  /// [3 E] (undefined without bias).
  Tensor in_proj_bias;
  ///@{
  /// [1, 1, E] (defined with add_bias_kv).
  Tensor bias_k, bias_v;
  ///@}
  /// The output projection E -> E.
  NonDynamicallyQuantizableLinear out_proj;

  /// nn.MultiheadAttention(embed_dim, num_heads, ...): xavier_uniform_ projections, zero
  /// biases, xavier_normal_ bias_k/bias_v, as PyTorch.
  MultiheadAttentionImpl(std::int64_t embed_dim, std::int64_t num_heads,
                         MultiheadAttentionOptions options = {})
      : embed_dim(embed_dim),
        kdim(options.kdim ? options.kdim : embed_dim),
        vdim(options.vdim ? options.vdim : embed_dim),
        num_heads(num_heads),
        head_dim(check(embed_dim, num_heads, options)),
        dropout(options.dropout),
        batch_first(options.batch_first),
        add_zero_attn(options.add_zero_attn),
        out_proj(embed_dim, embed_dim, options.bias) {
    if (same_embed_dim()) {
      in_proj_weight = empty({3 * embed_dim, embed_dim});
      register_parameter("in_proj_weight", in_proj_weight);
    } else {
      q_proj_weight = empty({embed_dim, embed_dim});
      k_proj_weight = empty({embed_dim, kdim});
      v_proj_weight = empty({embed_dim, vdim});
      register_parameter("q_proj_weight", q_proj_weight);
      register_parameter("k_proj_weight", k_proj_weight);
      register_parameter("v_proj_weight", v_proj_weight);
    }
    if (options.bias) {
      in_proj_bias = empty({3 * embed_dim});
      register_parameter("in_proj_bias", in_proj_bias);
    }
    register_module("out_proj", out_proj);
    if (options.add_bias_kv) {
      bias_k = empty({1, 1, embed_dim});
      bias_v = empty({1, 1, embed_dim});
      register_parameter("bias_k", bias_k);
      register_parameter("bias_v", bias_v);
    }
    reset_parameters();
  }

  /// PyTorch's _reset_parameters: xavier_uniform_ on the projections, zeros on in_proj_bias and
  /// out_proj.bias, xavier_normal_ on bias_k and bias_v.
  void reset_parameters() {
    if (same_embed_dim()) {
      init::xavier_uniform_(in_proj_weight);
    } else {
      init::xavier_uniform_(q_proj_weight);
      init::xavier_uniform_(k_proj_weight);
      init::xavier_uniform_(v_proj_weight);
    }
    if (in_proj_bias.defined()) {
      init::zeros_(in_proj_bias);
      init::zeros_(out_proj.bias);
    }
    if (bias_k.defined()) init::xavier_normal_(bias_k);
    if (bias_v.defined()) init::xavier_normal_(bias_v);
  }

  /// mha(query, key, value): forward with the default options (weights averaged over heads).
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key,
                                     const Tensor& value) override {
    return forward(query, key, value, MultiheadAttentionForwardOptions{});
  }
  /// query [L, N, E] ([N, L, E] batch_first, [L, E] unbatched), key [S, N, kdim], value [S, N,
  /// vdim] -> (output like query, weights [N, L, S] / [N, num_heads, L, S], undefined unless
  /// need_weights).
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const MultiheadAttentionForwardOptions& options) override {
    const bool batched = query.dim() == 3;
    auto seq_first = [&](const Tensor& x) {
      return batch_first && batched && x.dim() == 3 ? x.transpose(0, 1) : x;
    };
    if (query.dim() < 1 || query.size(-1) != embed_dim)
      throw ShapeError("MultiheadAttention(embed_dim=" + std::to_string(embed_dim) +
                       "): query has " + (query.dim() ? std::to_string(query.size(-1)) : "no") +
                       " features (shape " + to_string(query.shape()) + ")");
    if (key.dim() < 1 || key.size(-1) != kdim || value.dim() < 1 || value.size(-1) != vdim)
      throw ShapeError("MultiheadAttention(kdim=" + std::to_string(kdim) +
                       ", vdim=" + std::to_string(vdim) + "): key " + to_string(key.shape()) +
                       " and value " + to_string(value.shape()) + " do not match");
    auto [out, weights] = functional::multi_head_attention_forward(
        seq_first(query), seq_first(key), seq_first(value), embed_dim, num_heads, in_proj_weight,
        in_proj_bias, bias_k, bias_v, add_zero_attn, dropout, out_proj.weight, out_proj.bias,
        {.training = is_training(),
         .key_padding_mask = options.key_padding_mask,
         .need_weights = options.need_weights,
         .attn_mask = options.attn_mask,
         .use_separate_proj_weight = !same_embed_dim(),
         .q_proj_weight = q_proj_weight,
         .k_proj_weight = k_proj_weight,
         .v_proj_weight = v_proj_weight,
         .average_attn_weights = options.average_attn_weights});
    return {seq_first(out), weights};
  }

  std::string name() const override { return "MultiheadAttention"; }

 private:
  bool same_embed_dim() const { return kdim == embed_dim && vdim == embed_dim; }
  static std::int64_t check(std::int64_t embed_dim, std::int64_t num_heads,
                            const MultiheadAttentionOptions& o) {
    if (embed_dim <= 0 || num_heads <= 0)
      throw std::invalid_argument(
          "MultiheadAttention: embed_dim and num_heads must be positive, "
          "got embed_dim=" +
          std::to_string(embed_dim) + " and num_heads=" + std::to_string(num_heads));
    if (embed_dim % num_heads != 0)
      throw std::invalid_argument(
          "MultiheadAttention: embed_dim must be divisible by num_heads, "
          "got embed_dim=" +
          std::to_string(embed_dim) + " and num_heads=" + std::to_string(num_heads));
    if (o.kdim < 0 || o.vdim < 0)
      throw std::invalid_argument("MultiheadAttention: kdim and vdim must be non-negative");
    if (!(o.dropout >= 0.0 && o.dropout <= 1.0))
      throw std::invalid_argument("MultiheadAttention: dropout must be in [0, 1], got " +
                                  std::to_string(o.dropout));
    return embed_dim / num_heads;
  }
};
/// MultiheadAttention: see MultiheadAttentionImpl.
using MultiheadAttention = MultiheadAttentionImpl<>;

}  // namespace torchlet::nn
