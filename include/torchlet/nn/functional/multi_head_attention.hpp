#pragma once
// multi_head_attention_forward: nn.MultiheadAttention's computation, sequence first. query
// [L, N, E], key [S, N, kdim], value [S, N, vdim] -> output [L, N, E], weights [N, L, S]:
// the q/k/v projections, bias_k/bias_v and zero attention, one additive mask from attn_mask
// and key_padding_mask, the heads through the fused attention kernel, the output projection.
#include <limits>
#include <tuple>

#include "torchlet/nn/functional/attention.hpp"
#include "torchlet/nn/functional/linear.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

/// F.multi_head_attention_forward's keyword arguments after out_proj_bias, in PyTorch's order.
struct MultiHeadAttentionForwardOptions {
  /// Dropout on the attention weights only in training.
  bool training = true;
  /// [N, S] ([S] unbatched): bool true = key ignored, or float added.
  AttentionMask<float> key_padding_mask = {};
  /// Whether to return the attention weights.
  bool need_weights = true;
  /// [L, S] or [N * num_heads, L, S]: bool true = not allowed to attend, or float added.
  AttentionMask<float> attn_mask = {};
  /// Use q_proj_weight, k_proj_weight, v_proj_weight instead of in_proj_weight.
  bool use_separate_proj_weight = false;
  ///@{
  /// [E, E], [E, kdim], [E, vdim]: the separate projections.
  Tensor q_proj_weight = {}, k_proj_weight = {}, v_proj_weight = {};
  ///@}
  ///@{
  /// [N * num_heads, S, head_dim]: keys and values used as they are (no projection).
  Tensor static_k = {}, static_v = {};
  ///@}
  /// Average the weights over the heads ([N, L, S]) rather than [N, num_heads, L, S].
  bool average_attn_weights = true;
};

/// F.multi_head_attention_forward (sequence first): query [L, N, E], key [S, N, kdim], value
/// [S, N, vdim] (or unbatched [L, E], [S, kdim], [S, vdim]) -> (output [L, N, E], weights [N,
/// L, S] averaged over heads or [N, num_heads, L, S]; undefined unless need_weights).
template <class = void>
inline std::tuple<Tensor, Tensor> multi_head_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value, std::int64_t embed_dim_to_check,
    std::int64_t num_heads, const Tensor& in_proj_weight, const Tensor& in_proj_bias,
    const Tensor& bias_k, const Tensor& bias_v, bool add_zero_attn, double dropout_p,
    const Tensor& out_proj_weight, const Tensor& out_proj_bias,
    const MultiHeadAttentionForwardOptions& options = {}) {
  const char* op = "multi_head_attention_forward";
  const auto& o = options;
  auto str = [](const Shape& s) { return to_string(s); };
  if (query.dim() != 2 && query.dim() != 3)
    throw ShapeError(std::string(op) +
                     ": query should be unbatched 2-D [L, E] or batched 3-D "
                     "[L, N, E], got " +
                     str(query.shape()));
  const bool batched = query.dim() == 3;
  if (key.dim() != query.dim() || value.dim() != query.dim())
    throw ShapeError(std::string(op) + ": for " + (batched ? "batched 3-D" : "unbatched 2-D") +
                     " query " + str(query.shape()) + ", key and value should be " +
                     std::to_string(query.dim()) + "-D, got " + str(key.shape()) + " and " +
                     str(value.shape()));
  const Tensor q_in = batched ? query : query.unsqueeze(1);
  const Tensor k_in = batched ? key : key.unsqueeze(1);
  const Tensor v_in = batched ? value : value.unsqueeze(1);
  AttentionMask<float> kpm = o.key_padding_mask;
  if (kpm.defined()) {
    if (kpm.shape().size() != (batched ? 2u : 1u))
      throw ShapeError(std::string(op) + ": key_padding_mask should be " +
                       (batched ? "2-D [N, S]" : "1-D [S]") + ", got " + str(kpm.shape()));
    if (!batched) {
      if (kpm.is_bool())
        kpm.bool_mask = kpm.bool_mask.unsqueeze(0);
      else
        kpm.float_mask = kpm.float_mask.unsqueeze(0);
    }
  }
  const auto L = q_in.size(0), N = q_in.size(1), E = q_in.size(2);
  const auto S0 = k_in.size(0);
  if (E != embed_dim_to_check)
    throw ShapeError(std::string(op) + ": was expecting embedding dimension of " +
                     std::to_string(embed_dim_to_check) + ", but got " + std::to_string(E) +
                     " (query " + str(query.shape()) + ")");
  if (num_heads <= 0 || E % num_heads != 0)
    throw std::invalid_argument(std::string(op) + ": embed_dim " + std::to_string(E) +
                                " not divisible by num_heads " + std::to_string(num_heads));
  const auto H = num_heads, hd = E / H;
  if (k_in.size(1) != N || v_in.size(1) != N || v_in.size(0) != S0)
    throw ShapeError(std::string(op) + ": key " + str(key.shape()) + " and value " +
                     str(value.shape()) + " do not match query " + str(query.shape()) +
                     " (expected [S, N, *] with N = " + std::to_string(N) + ")");
  if (!o.use_separate_proj_weight && key.shape() != value.shape())
    throw ShapeError(std::string(op) + ": key shape " + str(key.shape()) +
                     " does not match value shape " + str(value.shape()));
  // Projections: x [len, N, in] -> [len, N, E].
  Tensor q, k, v;
  auto b_chunk = [&](std::int64_t i) {
    return in_proj_bias.defined() ? in_proj_bias.narrow(0, i * E, E) : Tensor{};
  };
  if (!o.use_separate_proj_weight) {
    if (!in_proj_weight.defined() || in_proj_weight.shape() != Shape{3 * E, E})
      throw ShapeError(std::string(op) +
                       ": in_proj_weight should be [3 * E, E] = " + str({3 * E, E}) + ", got " +
                       (in_proj_weight.defined() ? str(in_proj_weight.shape()) : "None"));
    q = linear(q_in, in_proj_weight.narrow(0, 0, E), b_chunk(0));
    k = linear(k_in, in_proj_weight.narrow(0, E, E), b_chunk(1));
    v = linear(v_in, in_proj_weight.narrow(0, 2 * E, E), b_chunk(2));
  } else {
    if (!o.q_proj_weight.defined() || !o.k_proj_weight.defined() || !o.v_proj_weight.defined())
      throw std::invalid_argument(std::string(op) +
                                  ": use_separate_proj_weight needs q_proj_weight, "
                                  "k_proj_weight and v_proj_weight");
    q = linear(q_in, o.q_proj_weight, b_chunk(0));
    k = linear(k_in, o.k_proj_weight, b_chunk(1));
    v = linear(v_in, o.v_proj_weight, b_chunk(2));
  }
  // bias_k / bias_v: one more key and value per batch element.
  std::int64_t extra = 0;
  if (bias_k.defined() != bias_v.defined())
    throw std::invalid_argument(std::string(op) +
                                ": bias_k and bias_v must both be set or both unset");
  if (bias_k.defined()) {
    if (o.static_k.defined() || o.static_v.defined())
      throw std::invalid_argument(std::string(op) + ": bias cannot be added to static key/value");
    k = cat<float>({k, bias_k.reshape({1, 1, E}) * ones({1, N, 1})}, 0);
    v = cat<float>({v, bias_v.reshape({1, 1, E}) * ones({1, N, 1})}, 0);
    ++extra;
  }
  // Heads: [len, N, E] -> [N * H, len, hd].
  auto heads = [&](const Tensor& x) { return x.reshape({x.size(0), N * H, hd}).transpose(0, 1); };
  q = heads(q);
  auto check_static = [&](const Tensor& s, const char* name) {
    if (s.dim() != 3 || s.size(0) != N * H || s.size(2) != hd)
      throw ShapeError(std::string(op) + ": expecting " + name +
                       " [N * num_heads, S, head_dim] = [" + std::to_string(N * H) + ", S, " +
                       std::to_string(hd) + "], got " + str(s.shape()));
  };
  if (o.static_k.defined()) {
    check_static(o.static_k, "static_k");
    k = o.static_k;
  } else {
    k = heads(k);
  }
  if (o.static_v.defined()) {
    check_static(o.static_v, "static_v");
    v = o.static_v;
  } else {
    v = heads(v);
  }
  if (add_zero_attn) {
    k = cat<float>({k, zeros({N * H, 1, hd})}, 1);
    v = cat<float>({v, zeros({N * H, 1, hd})}, 1);
    ++extra;
  }
  const auto S = k.size(1);
  if (v.size(1) != S)
    throw ShapeError(std::string(op) + ": keys " + str(k.shape()) + " and values " +
                     str(v.shape()) + " have different lengths");
  // One additive mask [1 or N * H, L, S]: attn_mask (bool true -> -inf), then key_padding_mask
  // per batch element; the added key columns (bias_k, zero attention) are never masked.
  const auto Sm = S - extra;  // the key columns the masks cover
  const auto& am = o.attn_mask;
  if (am.defined()) {  // [L, Sm] or [N * H, L, Sm]
    const Shape ms = am.shape();
    if (ms.size() == 2 ? ms != Shape{L, Sm} : (ms.size() != 3 || ms != Shape{N * H, L, Sm}))
      throw ShapeError(std::string(op) + ": the shape of the attn_mask is " + str(ms) +
                       ", but should be " + str({L, Sm}) + " or " + str({N * H, L, Sm}) +
                       " ([L, S] or [N * num_heads, L, S])");
  }
  if (kpm.defined() && kpm.shape() != Shape{N, Sm})
    throw ShapeError(std::string(op) + ": expecting key_padding_mask shape of " + str({N, Sm}) +
                     ", but got " + str(kpm.shape()));
  Tensor bias;
  if (am.defined() || kpm.defined()) {
    NoGradGuard no_grad;
    const std::int64_t Bm = (kpm.defined() || (am.defined() && am.shape().size() == 3)) ? N * H : 1;
    bias = zeros({Bm, L, S});
    float* bp = bias.data();
    const float ninf = -std::numeric_limits<float>::infinity();
    if (am.defined()) {
      const std::int64_t per = am.shape().size() == 3 ? L * Sm : 0;
      for (std::int64_t b = 0; b < Bm; ++b)
        for (std::int64_t i = 0; i < L; ++i)
          for (std::int64_t j = 0; j < Sm; ++j) {
            const std::int64_t at = b * per + i * Sm + j;
            bp[(b * L + i) * S + j] =
                am.is_bool() ? (am.bool_mask.data()[at] ? ninf : 0.0f) : am.float_mask.data()[at];
          }
    }
    if (kpm.defined())
      for (std::int64_t b = 0; b < Bm; ++b)
        for (std::int64_t j = 0; j < Sm; ++j) {
          const std::int64_t at = (b / H) * Sm + j;
          const bool ignore = kpm.is_bool() && kpm.bool_mask.data()[at];
          const float add = kpm.is_bool() ? 0.0f : kpm.float_mask.data()[at];
          for (std::int64_t i = 0; i < L; ++i) {
            float& x = bp[(b * L + i) * S + j];
            x = ignore ? ninf : x + add;
          }
        }
  }
  ScaledDotProductAttentionOptions<float> so;
  if (bias.defined()) so.attn_mask = bias;
  so.dropout_p = o.training ? dropout_p : 0.0;
  auto res = detail::attention(op, q, k, v, so, o.need_weights);
  // [N * H, L, hd] -> [L, N, E] -> out_proj.
  Tensor out = res.output.transpose(0, 1).reshape({L, N, E});
  out = linear(out, out_proj_weight, out_proj_bias);
  Tensor w;
  if (o.need_weights) {
    w = res.weights.reshape({N, H, L, S});
    if (o.average_attn_weights) w = w.sum(1) / static_cast<float>(H);
    if (!batched) w = w.squeeze(0);
  }
  if (!batched) out = out.squeeze(1);
  return {out, w};
}

}  // namespace torchlet::nn::functional
