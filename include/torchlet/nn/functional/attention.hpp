#pragma once
// Attention. B = the leading (batch) dims, L = target length, S = source length,
// E = query/key width, Ev = value width.
//   scaled_dot_product_attention(q [B, L, E], k [B, S, E], v [B, S, Ev]) -> [B, L, Ev]:
//     softmax(q k^T * scale + mask) v, one fused graph node (forward and backward over
//     per-batch GEMMs), in any floating type T (float and double: gradcheck).
// multi_head_attention_forward (nn/functional/multi_head_attention.hpp) runs the same kernel.
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

/// An optional attention mask, bool or floating (what PyTorch's `attn_mask` /
/// `key_padding_mask` arguments accept): converts implicitly from a BasicTensor<bool> or a
/// BasicTensor<T>, so `{.attn_mask = m}` takes either. A float mask is added to the scores;
/// what a bool one means is the caller's (scaled_dot_product_attention: true = takes part;
/// MultiheadAttention: true = masked out).
template <class T>
struct AttentionMask {
  /// The bool mask (undefined unless the mask is bool).
  BasicTensor<bool> bool_mask;
  /// The float mask (undefined unless the mask is floating).
  BasicTensor<T> float_mask;

  /// No mask.
  AttentionMask() = default;
  /// A bool mask.
  AttentionMask(BasicTensor<bool> mask)  // NOLINT(google-explicit-constructor)
      : bool_mask(std::move(mask)) {}
  /// A float mask, added to the scores.
  AttentionMask(BasicTensor<T> mask)  // NOLINT(google-explicit-constructor)
      : float_mask(std::move(mask)) {}

  /// Whether there is a mask.
  bool defined() const { return bool_mask.defined() || float_mask.defined(); }
  /// Whether the mask is bool.
  bool is_bool() const { return bool_mask.defined(); }
  /// The mask's shape (empty when undefined).
  Shape shape() const {
    return is_bool() ? bool_mask.shape() : float_mask.defined() ? float_mask.shape() : Shape{};
  }
};

/// scaled_dot_product_attention's keyword arguments, in PyTorch's order.
template <class T>
struct ScaledDotProductAttentionOptions {
  /// Broadcast to [B, L, S]: bool (true = takes part) or float (added to the scores).
  AttentionMask<T> attn_mask = {};
  /// Dropout probability on the attention weights (applied whenever > 0, as PyTorch).
  double dropout_p = 0.0;
  /// Only the lower triangle (query i sees keys j <= i); excludes attn_mask.
  bool is_causal = false;
  /// The factor of q k^T (1 / sqrt(E) when unset).
  std::optional<double> scale = std::nullopt;
};

namespace detail {

/// What the fused attention kernel returns: the output and (when asked) the attention weights
/// after dropout, [B, L, S], each with its own graph node.
template <class T>
struct AttentionResult {
  BasicTensor<T> output;   ///< [B, L, Ev]
  BasicTensor<T> weights;  ///< [B, L, S], undefined unless asked for
};

/// The mask as an additive bias broadcast to [B, L, S] (stride 0 over B when it is [L, S] or
/// [1.., L, S]): bool true -> 0, false -> -inf. Returns the bias and whether it varies with B.
template <class T>
std::pair<BasicTensor<T>, bool> attention_bias(const char* op, const AttentionMask<T>& mask,
                                               const Shape& lead, std::int64_t L, std::int64_t S) {
  Shape full = lead;
  full.push_back(L);
  full.push_back(S);
  const Shape ms = mask.shape();
  bool ok = ms.size() <= full.size();
  for (std::size_t i = 0; ok && i < ms.size(); ++i) {
    const auto m = ms[ms.size() - 1 - i], f = full[full.size() - 1 - i];
    ok = m == f || m == 1;
  }
  if (!ok)
    throw ShapeError(std::string(op) + ": attn_mask " + to_string(ms) +
                     " cannot be broadcast to the attention scores " + to_string(full) +
                     " ([*, L, S])");
  NoGradGuard no_grad;
  BasicTensor<T> bias;
  if (mask.is_bool()) {
    bias = where(mask.bool_mask, zeros<T>(ms), -std::numeric_limits<T>::infinity());
  } else {
    bias = mask.float_mask.detach();
  }
  const bool per_batch = numel_of(ms) != L * S || (ms.size() >= 2 && ms[ms.size() - 2] != L);
  if (per_batch) return {zeros<T>(full) + bias, true};
  if (ms != Shape{L, S}) bias = bias.reshape({L, S}).clone();
  return {bias, false};
}

/// Row softmax of the [L, S] scores in place; a row of -inf gives NaN, as in PyTorch.
template <class M>
void softmax_rows(M& s) {
  for (Eigen::Index i = 0; i < s.rows(); ++i) {
    auto row = s.row(i);
    const auto mx = row.maxCoeff();
    row = (row.array() - mx).exp().matrix();
    row /= row.sum();
  }
}

/// The fused kernel behind scaled_dot_product_attention and multi_head_attention_forward:
/// The attention's backward as recorded ops (create_graph): the weights recomputed from the
/// saved q and k with recorded ops (scores = scale q k^T + add, where add is the constant bias or
/// the float mask's variable, and -inf above the diagonal when causal), then dV = Pd^T g, dS =
/// P .* (dPd - rowsum(dPd .* P)) with dPd = g V^T times the dropout factor D, dQ = scale dS K,
/// dK = scale dS^T Q, the mask's gradient dS summed to its shape. Without v (the weights'
/// node), g is the gradient of the weights itself.
template <class T>
std::vector<BasicTensor<T>> attention_backward_recorded(
    const BasicTensor<T>& g, const BasicTensor<T>& q, const BasicTensor<T>& k,
    const BasicTensor<T>& v, const BasicTensor<T>& add, bool causal, const BasicTensor<T>& D,
    T scale, bool gq, bool gk, bool gv, bool mask_grad, const Shape& mshape) {
  auto scores = q.matmul(k.transpose(-2, -1)) * scale;
  if (add.defined()) scores = scores + add;
  if (causal) {
    const auto L = scores.size(-2), S = scores.size(-1);
    auto tri = zeros<T>({L, S});
    for (std::int64_t i = 0; i < L; ++i)
      for (std::int64_t j = i + 1; j < S; ++j)
        tri.data()[i * S + j] = -std::numeric_limits<T>::infinity();
    scores = scores + tri;
  }
  const auto P = scores.softmax(-1);
  BasicTensor<T> dq, dk, dv, dm;
  auto dPd = g;
  if (v.defined()) {
    if (gv) dv = (D.defined() ? P * D : P).transpose(-2, -1).matmul(g);
    dPd = g.matmul(v.transpose(-2, -1));
  }
  if (gq || gk || mask_grad) {
    const auto dP = D.defined() ? dPd * D : dPd;
    const auto dS = P * (dP - (dP * P).sum(-1, true));
    if (gq) dq = dS.matmul(k) * scale;
    if (gk) dk = dS.transpose(-2, -1).matmul(q) * scale;
    if (mask_grad) dm = sum_to_recorded(dS, mshape);
  }
  if (v.defined()) return {dq, dk, dv, dm};
  return {dq, dk, dm};
}

/// q [B, L, E], k [B, S, E], v [B, S, Ev] (the same leading dims B) -> output [B, L, Ev] and,
/// when want_weights, the weights [B, L, S] after dropout.
template <class T>
AttentionResult<T> attention(const char* op, const BasicTensor<T>& q, const BasicTensor<T>& k,
                             const BasicTensor<T>& v, const ScaledDotProductAttentionOptions<T>& o,
                             bool want_weights, Generator& gen = default_generator()) {
  if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2 || q.dim() != k.dim() || q.dim() != v.dim())
    throw ShapeError(std::string(op) +
                     ": expected query [*, L, E], key [*, S, E] and value [*, "
                     "S, Ev] with the same number of dims (at least 2), got " +
                     to_string(q.shape()) + ", " + to_string(k.shape()) + " and " +
                     to_string(v.shape()));
  const Shape lead(q.shape().begin(), q.shape().end() - 2);
  const auto L = q.size(-2), E = q.size(-1), S = k.size(-2), Ev = v.size(-1);
  if (Shape(k.shape().begin(), k.shape().end() - 2) != lead ||
      Shape(v.shape().begin(), v.shape().end() - 2) != lead || k.size(-1) != E || v.size(-2) != S)
    throw ShapeError(std::string(op) + ": query " + to_string(q.shape()) + ", key " +
                     to_string(k.shape()) + " and value " + to_string(v.shape()) +
                     " do not match (expected [*, L, E], [*, S, E], [*, S, Ev] with the same *)");
  if (o.is_causal && o.attn_mask.defined())
    throw std::invalid_argument(std::string(op) +
                                ": is_causal and attn_mask cannot both be set (is_causal "
                                "implies a lower-triangular mask)");
  if (!(o.dropout_p >= 0.0 && o.dropout_p <= 1.0))
    throw std::invalid_argument(std::string(op) + ": dropout_p must be in [0, 1], got " +
                                std::to_string(o.dropout_p));
  const std::int64_t B = numel_of(lead);
  const T scale = static_cast<T>(
      o.scale ? *o.scale : 1.0 / std::sqrt(static_cast<double>(std::max<std::int64_t>(E, 1))));
  BasicTensor<T> bias;
  bool per_batch = false;
  if (o.attn_mask.defined())
    std::tie(bias, per_batch) = attention_bias(op, o.attn_mask, lead, L, S);
  const bool dropout = o.dropout_p > 0.0;

  Shape ps = lead, os = lead;
  ps.insert(ps.end(), {L, S});
  os.insert(os.end(), {L, Ev});
  auto P = BasicTensor<T>::empty(ps);  // softmax(scores), before dropout
  BasicTensor<T> D;                    // dropout's 0 or 1 / (1 - p)
  BasicTensor<T> Pd = P;               // weights after dropout
  if (dropout) {
    D = BasicTensor<T>::empty(ps);
    Pd = BasicTensor<T>::empty(ps);
    const T keep = o.dropout_p >= 1.0 ? T(0) : static_cast<T>(1.0 / (1.0 - o.dropout_p));
    const std::unique_lock lock(gen.mutex());
    T* d = D.data();
    for (std::int64_t i = 0; i < D.numel(); ++i) d[i] = gen.uniform() < o.dropout_p ? T(0) : keep;
  }
  auto out = BasicTensor<T>::empty(os);
  const T ninf = -std::numeric_limits<T>::infinity();
  for (std::int64_t b = 0; b < B; ++b) {
    auto Pb = mmap(P.data() + b * L * S, L, S);
    const auto Qb = cmmap(q.data() + b * L * E, L, E);
    const auto Kb = cmmap(k.data() + b * S * E, S, E);
    // scores = scale * Q K^T (+ bias) : [L, E] @ [E, S]
    Pb.noalias() = scale * (Qb * Kb.transpose());
    if (bias.defined()) Pb += cmmap(bias.data() + (per_batch ? b * L * S : 0), L, S);
    if (o.is_causal)
      for (std::int64_t i = 0; i < L; ++i)
        for (std::int64_t j = i + 1; j < S; ++j) Pb(i, j) = ninf;
    softmax_rows(Pb);
    if (dropout)
      amap(Pd.data() + b * L * S, L * S) =
          camap(P.data() + b * L * S, L * S) * camap(D.data() + b * L * S, L * S);
    // out = Pd V : [L, S] @ [S, Ev]
    mmap(out.data() + b * L * Ev, L, Ev).noalias() =
        cmmap(Pd.data() + b * L * S, L, S) * cmmap(v.data() + b * S * Ev, S, Ev);
  }
  AttentionResult<T> res{out, {}};
  const BasicTensor<T>& fmask = o.attn_mask.float_mask;
  const bool mask_grad = fmask.defined() && fmask.requires_grad();
  // dS = P .* (dP - rowsum(dP .* P)) for one batch, in place of dP; dP [L, S].
  auto softmax_backward = [L, S](T* dp, const T* p) {
    auto dP = mmap(dp, L, S);
    const auto Pm = cmmap(p, L, S);
    const Eigen::Matrix<T, Eigen::Dynamic, 1> dot = (dP.array() * Pm.array()).rowwise().sum();
    dP = ((dP.array().colwise() - dot.array()) * Pm.array()).matrix();
  };
  if (needs_graph<T>({&q, &k, &v, &fmask})) {
    const bool gq = q.requires_grad(), gk = k.requires_grad(), gv = v.requires_grad();
    record(out, "ScaledDotProductAttentionBackward", {&q, &k, &v, &fmask},
           [sq = SavedTensor<T>(q), sk = SavedTensor<T>(k), sv = SavedTensor<T>(v), qs = q.shape(),
            ks = k.shape(), vs = v.shape(), P, D, Pd, gq, gk, gv, mask_grad,
            mshape = o.attn_mask.shape(), ps, B, L, S, E, Ev, scale, softmax_backward,
            sm = SavedTensor<T>(mask_grad ? fmask : BasicTensor<T>()), bias,
            causal = o.is_causal](const BasicTensor<T>& g) {
             const char* name = "ScaledDotProductAttentionBackward";
             if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded ops
               return attention_backward_recorded(g, sq.variable(name, qs), sk.variable(name, ks),
                                                  sv.variable(name, vs),
                                                  mask_grad ? sm.variable(name, mshape) : bias,
                                                  causal, D, scale, gq, gk, gv, mask_grad, mshape);
             const T* qd = sq.data(name);
             const T* kd = sk.data(name);
             const T* vd = sv.data(name);
             BasicTensor<T> dq, dk, dv, dm;
             if (gq) dq = BasicTensor<T>::empty(qs);
             if (gk) dk = BasicTensor<T>::empty(ks);
             if (gv) dv = BasicTensor<T>::empty(vs);
             const bool need_ds = gq || gk || mask_grad;
             auto dS = need_ds ? BasicTensor<T>::empty(ps) : BasicTensor<T>{};
             for (std::int64_t b = 0; b < B; ++b) {
               const auto G = cmmap(g.data() + b * L * Ev, L, Ev);
               if (gv)  // dV = Pd^T G : [S, L] @ [L, Ev]
                 mmap(dv.data() + b * S * Ev, S, Ev).noalias() =
                     cmmap(Pd.data() + b * L * S, L, S).transpose() * G;
               if (!need_ds) continue;
               T* ds = dS.data() + b * L * S;
               // dPd = G V^T : [L, Ev] @ [Ev, S]
               mmap(ds, L, S).noalias() = G * cmmap(vd + b * S * Ev, S, Ev).transpose();
               if (D.defined()) amap(ds, L * S) *= camap(D.data() + b * L * S, L * S);
               softmax_backward(ds, P.data() + b * L * S);
               const auto dSb = cmmap(ds, L, S);
               if (gq)  // dQ = scale dS K : [L, S] @ [S, E]
                 mmap(dq.data() + b * L * E, L, E).noalias() =
                     scale * (dSb * cmmap(kd + b * S * E, S, E));
               if (gk)  // dK = scale dS^T Q : [S, L] @ [L, E]
                 mmap(dk.data() + b * S * E, S, E).noalias() =
                     scale * (dSb.transpose() * cmmap(qd + b * L * E, L, E));
             }
             if (mask_grad) dm = sum_to(dS, mshape);
             return std::vector<BasicTensor<T>>{dq, dk, dv, dm};
           });
    mark_differentiable_backward(out);
  }
  if (want_weights) {
    // A second node for the weights: d/dscores of Pd = P .* D through the softmax.
    res.weights = dropout ? Pd : P.clone();
    if (needs_graph<T>({&q, &k, &fmask})) {
      const bool gq = q.requires_grad(), gk = k.requires_grad();
      record(res.weights, "AttentionWeightsBackward", {&q, &k, &fmask},
             [sq = SavedTensor<T>(q), sk = SavedTensor<T>(k), qs = q.shape(), ks = k.shape(), P, D,
              gq, gk, mask_grad, mshape = o.attn_mask.shape(), ps, B, L, S, E, scale,
              softmax_backward, sm = SavedTensor<T>(mask_grad ? fmask : BasicTensor<T>()), bias,
              causal = o.is_causal](const BasicTensor<T>& g) {
               if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                 const char* name = "AttentionWeightsBackward";
                 return attention_backward_recorded(
                     g, sq.variable(name, qs), sk.variable(name, ks), BasicTensor<T>(),
                     mask_grad ? sm.variable(name, mshape) : bias, causal, D, scale, gq, gk, false,
                     mask_grad, mshape);
               }
               const T* qd = sq.data("AttentionWeightsBackward");
               const T* kd = sk.data("AttentionWeightsBackward");
               BasicTensor<T> dq, dk, dm;
               if (gq) dq = BasicTensor<T>::empty(qs);
               if (gk) dk = BasicTensor<T>::empty(ks);
               auto dS = g.clone();
               if (D.defined()) dS *= D;
               for (std::int64_t b = 0; b < B; ++b) {
                 T* ds = dS.data() + b * L * S;
                 softmax_backward(ds, P.data() + b * L * S);
                 const auto dSb = cmmap(ds, L, S);
                 if (gq)
                   mmap(dq.data() + b * L * E, L, E).noalias() =
                       scale * (dSb * cmmap(kd + b * S * E, S, E));
                 if (gk)
                   mmap(dk.data() + b * S * E, S, E).noalias() =
                       scale * (dSb.transpose() * cmmap(qd + b * L * E, L, E));
               }
               if (mask_grad) dm = sum_to(dS, mshape);
               return std::vector<BasicTensor<T>>{dq, dk, dm};
             });
      mark_differentiable_backward(res.weights);
    }
  }
  return res;
}

}  // namespace detail

/// F.scaled_dot_product_attention: softmax(q k^T * scale + mask) v, with dropout on the
/// weights when dropout_p > 0. q [*, L, E], k [*, S, E], v [*, S, Ev] -> [*, L, Ev]; attn_mask
/// broadcasts to [*, L, S] (bool: true = takes part; float: added); is_causal masks j > i.
/// One fused graph node; gradients for q, k, v and a float mask.
template <class T>
BasicTensor<T> scaled_dot_product_attention(
    const BasicTensor<T>& query, const BasicTensor<T>& key, const BasicTensor<T>& value,
    const ScaledDotProductAttentionOptions<T>& options = {}) {
  return detail::attention("scaled_dot_product_attention", query, key, value, options, false)
      .output;
}

}  // namespace torchlet::nn::functional
