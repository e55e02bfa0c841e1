#pragma once
// Classification losses, each one fused graph node with its backward. input: logits or
// log-probabilities [N, C] or [N, C, d1, ...], or [C]:
//   cross_entropy(input, LongTensor target [N, d1, ...])  log_softmax + NLL, with class weight,
//       ignore_index and label_smoothing, or (input, Tensor target like input) class probabilities.
//   nll_loss(log_probs, LongTensor target [N, d1, ...])
// reduction: Reduction::mean (the default; the weighted mean over non-ignored targets),
// Reduction::sum, or Reduction::none (the per-element losses). Per-element work is
// accumulated in double where PyTorch sums.
#include <cmath>
#include <limits>
#include <vector>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/loss_reduction.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn {

/// Arguments of cross_entropy / CrossEntropyLoss after the target, in PyTorch's order.
struct CrossEntropyLossOptions {
  Tensor weight = {};  ///< [C], a rescaling weight per class
  std::int64_t ignore_index =
      -100;  ///< Targets equal to this class contribute nothing (and are not counted in the mean).
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
  double label_smoothing =
      0.0;  ///< Mixes the one-hot target with the uniform distribution by this amount.
};
/// Arguments of nll_loss / NLLLoss after the target.
struct NLLLossOptions {
  Tensor weight = {};                     ///< [C], a rescaling weight per class.
  std::int64_t ignore_index = -100;       ///< Targets equal to this class contribute nothing.
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};

}  // namespace torchlet::nn

namespace torchlet::detail {

/// The class layout of input [N, C, d...] (or [C]): outer = N, c = C, inner = prod(d...).
struct ClassLayout {
  std::int64_t outer = 1, c = 1, inner = 1;
  Shape target_shape;  // [N, d...] (or [] for an unbatched [C] input)
};

template <class = void>
inline ClassLayout class_layout(const char* op, const Tensor& input) {
  ClassLayout l;
  if (input.dim() == 1) {
    l.c = input.size(0);
    return l;
  }
  if (input.dim() < 2)
    throw ShapeError(std::string(op) + ": expected input [N, C] or [N, C, d1, ...] (or [C]), got " +
                     to_string(input.shape()));
  l.outer = input.size(0);
  l.c = input.size(1);
  l.target_shape.push_back(l.outer);
  for (std::int64_t d = 2; d < input.dim(); ++d) {
    l.inner *= input.size(d);
    l.target_shape.push_back(input.size(d));
  }
  return l;
}

/// cross_entropy's input gradient as recorded ops (a backward under create_graph):
/// dx = gi * (p * A - K) with p = softmax(x) over the classes, A = (1 - ls) w_t + ls / C *
/// sum_k w_k and K = (1 - ls) w_t [c == t] + ls / C w_c at each counted position (0 where the
/// target is ignored), gi the loss's gradient there. p is the softmax of log(probs) put in the
/// input's place in the graph: it equals probs, and softmax's derivatives depend on p alone.
/// log(probs) in the place in the graph of the input whose softmax probs is (its gradient
/// edge `edge`): softmax(log(probs)) = probs, with softmax's recorded derivatives.
template <class = void>
Tensor log_probs_in_graph(const Tensor& probs, const std::shared_ptr<autograd::NodeBase>& edge,
                          bool leaf) {
  Tensor xv;
  {
    NoGradGuard no_grad;
    xv = probs.log();
  }
  auto node = std::static_pointer_cast<autograd::Node<float>>(edge);
  (leaf ? xv.impl()->grad_accumulator : xv.impl()->grad_fn) = std::move(node);
  xv.impl()->requires_grad = true;
  return xv;
}

template <class = void>
Tensor cross_entropy_grad_recorded(const Tensor& g, const Tensor& probs,
                                   const std::shared_ptr<autograd::NodeBase>& edge, bool leaf,
                                   const std::int64_t* t, const float* w, const ClassLayout& l,
                                   double ls, double denom, double wsum_all, nn::Reduction r,
                                   std::int64_t ignore) {
  const std::int64_t O = l.outer, C = l.c, I = l.inner;
  const auto p = log_probs_in_graph(probs, edge, leaf).reshape({O, C, I}).softmax(1);
  const float a = static_cast<float>(1 - ls), b = static_cast<float>(ls / static_cast<double>(C));
  auto coef = zeros<float>({O, 1, I});
  auto k = zeros<float>({O, C, I});
  for (std::int64_t o = 0; o < O; ++o)
    for (std::int64_t i = 0; i < I; ++i) {
      const std::int64_t tc = t[o * I + i];
      if (tc == ignore) continue;
      const float wt = w ? w[tc] : 1.0f;
      coef.data()[o * I + i] = a * wt + b * static_cast<float>(wsum_all);
      float* kp = k.data() + o * C * I + i;
      kp[tc * I] += a * wt;
      if (ls > 0)
        for (std::int64_t c = 0; c < C; ++c) kp[c * I] += b * (w ? w[c] : 1.0f);
    }
  const auto gi =
      loss_grad_recorded(g, r, denom)
          .reshape({r == nn::Reduction::none ? O : 1, 1, r == nn::Reduction::none ? I : 1});
  return ((p * coef - k) * gi).reshape(probs.shape());
}

template <class = void>
inline void check_class_target(const char* op, const Tensor& input, const LongTensor& target,
                               const ClassLayout& l, const Tensor& weight,
                               std::int64_t ignore_index) {
  if (target.shape() != l.target_shape)
    throw ShapeError(std::string(op) + ": target " + to_string(target.shape()) +
                     " does not match input " + to_string(input.shape()) +
                     " (expected class indices of shape " + to_string(l.target_shape) + ")");
  if (weight.defined() && (weight.dim() != 1 || weight.size(0) != l.c))
    throw ShapeError(std::string(op) + ": weight " + to_string(weight.shape()) +
                     " must have one value per class (" + std::to_string(l.c) + ")");
  const std::int64_t* t = target.data();
  for (std::int64_t i = 0; i < target.numel(); ++i)
    if (t[i] != ignore_index && (t[i] < 0 || t[i] >= l.c))
      throw std::out_of_range(std::string(op) + ": target " + std::to_string(t[i]) +
                              " is out of bounds for " + std::to_string(l.c) +
                              " classes (at index " + std::to_string(i) + ")");
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// input [N, C, d...] logits, target [N, d...] class indices -> loss (see the file comment).
template <class = void>
inline Tensor cross_entropy(const Tensor& input, const LongTensor& target,
                            const CrossEntropyLossOptions& options = {}) {
  using detail::ClassLayout;
  const ClassLayout l = detail::class_layout("cross_entropy", input);
  const Tensor& weight = options.weight;
  detail::check_class_target("cross_entropy", input, target, l, weight, options.ignore_index);
  const double ls = options.label_smoothing;
  if (!(ls >= 0.0 && ls <= 1.0))
    throw std::invalid_argument("cross_entropy: label_smoothing must be between 0.0 and 1.0, got " +
                                std::to_string(ls));
  const std::int64_t C = l.c, I = l.inner, positions = l.outer * I;
  const float* x = input.data();
  const std::int64_t* t = target.data();
  const float* w = weight.defined() ? weight.data() : nullptr;
  double wsum_all = 0;  // sum_c w_c (for the smoothing term's gradient)
  for (std::int64_t c = 0; c < C; ++c) wsum_all += w ? w[c] : 1.0;
  auto probs = Tensor::empty(input.shape());
  std::vector<double> per(static_cast<std::size_t>(positions));
  float* const pr = probs.data();
  // Rows on the intra-op threads; the target weights are summed afterwards, in order.
  detail::parallel_rows(l.outer, C * I * 8, [&](std::int64_t o0, std::int64_t o1) {
    for (std::int64_t o = o0; o < o1; ++o)
      for (std::int64_t i = 0; i < I; ++i) {
        const std::int64_t base = o * C * I + i, pos = o * I + i;
        const float* row = x + base;
        float* p = pr + base;
        float mx = -std::numeric_limits<float>::infinity();
        for (std::int64_t c = 0; c < C; ++c) mx = std::max(mx, row[c * I]);
        float s = 0;
        for (std::int64_t c = 0; c < C; ++c) s += (p[c * I] = std::exp(row[c * I] - mx));
        const float inv = 1.0f / s;
        for (std::int64_t c = 0; c < C; ++c) p[c * I] *= inv;
        const std::int64_t tc = t[pos];
        if (tc == options.ignore_index) {
          per[static_cast<std::size_t>(pos)] = 0;
          continue;
        }
        const double lse = static_cast<double>(mx) + std::log(static_cast<double>(s));
        const double wt = w ? w[tc] : 1.0;
        double loss = -wt * (row[tc * I] - lse);
        if (ls > 0) {
          double smooth = 0;
          for (std::int64_t c = 0; c < C; ++c) smooth -= (w ? w[c] : 1.0) * (row[c * I] - lse);
          loss = (1 - ls) * loss + ls / static_cast<double>(C) * smooth;
        }
        per[static_cast<std::size_t>(pos)] = loss;
      }
  });
  double denom = 0;  // sum of w[target] over non-ignored positions
  for (std::int64_t pos = 0; pos < positions; ++pos)
    if (t[pos] != options.ignore_index) denom += w ? w[t[pos]] : 1.0;
  auto out = detail::reduce_loss("cross_entropy", per, l.target_shape, options.reduction, denom);
  if (detail::needs_graph<float>({&input})) {
    detail::record(out, "NllLossBackward0", {&input},
                   [probs, st = detail::SavedTensor<std::int64_t>(target),
                    sw = detail::SavedTensor<float>(weight), l, ls, denom, wsum_all,
                    r = options.reduction, ignore = options.ignore_index,
                    edge = detail::gradient_edge(input), leaf = input.is_leaf()](const Tensor& g) {
                     if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded ops
                       return std::vector<Tensor>{detail::cross_entropy_grad_recorded(
                           g, probs, edge, leaf, st.data("NllLossBackward0"),
                           sw.defined() ? sw.data("NllLossBackward0") : nullptr, l, ls, denom,
                           wsum_all, r, ignore)};
                     // d loss_i / d x_c = (1 - ls) w_t (p_c - [c == t]) + ls / C (sum_k w_k p_c -
                     // w_c)
                     const std::int64_t C = l.c, I = l.inner;
                     auto dx = Tensor::empty(probs.shape());
                     const float* w = sw.defined() ? sw.data("NllLossBackward0") : nullptr;
                     const float* pp = probs.data();
                     float* d = dx.data();
                     const std::int64_t* t = st.data("NllLossBackward0");
                     const float a = static_cast<float>(1 - ls),
                                 b = static_cast<float>(ls / static_cast<double>(C));
                     detail::parallel_rows(
                         l.outer, C * I * 4, [&](std::int64_t o0, std::int64_t o1) {
                           for (std::int64_t o = o0; o < o1; ++o)
                             for (std::int64_t i = 0; i < I; ++i) {
                               const std::int64_t base = o * C * I + i, pos = o * I + i;
                               const std::int64_t tc = t[pos];
                               if (tc == ignore) {
                                 for (std::int64_t c = 0; c < C; ++c) d[base + c * I] = 0;
                                 continue;
                               }
                               const float gi = detail::loss_grad_at(g, r, denom, pos);
                               const float wt = w ? w[tc] : 1.0f;
                               const float sw = static_cast<float>(wsum_all);
                               for (std::int64_t c = 0; c < C; ++c) {
                                 const float p = pp[base + c * I];
                                 float v = a * wt * p;
                                 if (ls > 0) v += b * (sw * p - (w ? w[c] : 1.0f));
                                 d[base + c * I] = v * gi;
                               }
                               d[base + tc * I] -= a * wt * gi;
                             }
                         });
                     return std::vector<Tensor>{dx};
                   });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

/// input [N, C, d...] logits, target [N, C, d...] class probabilities (PyTorch's soft-label
/// form). A float target of another shape is an error: class indices must be a LongTensor.
template <class = void>
inline Tensor cross_entropy(const Tensor& input, const Tensor& target,
                            const CrossEntropyLossOptions& options = {}) {
  const auto l = detail::class_layout("cross_entropy", input);
  if (target.shape() != input.shape())
    throw ShapeError(
        "cross_entropy: a float target holds class probabilities and must have the input's shape " +
        to_string(input.shape()) + ", got " + to_string(target.shape()) +
        "; class indices must be a LongTensor (int64) of shape " + to_string(l.target_shape));
  const Tensor& weight = options.weight;
  if (weight.defined() && (weight.dim() != 1 || weight.size(0) != l.c))
    throw ShapeError("cross_entropy: weight " + to_string(weight.shape()) +
                     " must have one value per class (" + std::to_string(l.c) + ")");
  const double ls = options.label_smoothing;
  if (!(ls >= 0.0 && ls <= 1.0))
    throw std::invalid_argument("cross_entropy: label_smoothing must be between 0.0 and 1.0, got " +
                                std::to_string(ls));
  const std::int64_t C = l.c, I = l.inner, positions = l.outer * I;
  const float* x = input.data();
  const float* q0 = target.data();
  const float* w = weight.defined() ? weight.data() : nullptr;
  auto probs = Tensor::empty(input.shape());
  std::vector<double> per(static_cast<std::size_t>(positions));
  auto q = [&](std::int64_t idx) {
    return static_cast<float>(q0[idx] * (1 - ls) + ls / static_cast<double>(C));
  };
  for (std::int64_t o = 0; o < l.outer; ++o)
    for (std::int64_t i = 0; i < I; ++i) {
      const std::int64_t base = o * C * I + i;
      float mx = -std::numeric_limits<float>::infinity();
      for (std::int64_t c = 0; c < C; ++c) mx = std::max(mx, x[base + c * I]);
      float s = 0;
      for (std::int64_t c = 0; c < C; ++c)
        s += (probs.data()[base + c * I] = std::exp(x[base + c * I] - mx));
      for (std::int64_t c = 0; c < C; ++c) probs.data()[base + c * I] /= s;
      const double lse = static_cast<double>(mx) + std::log(static_cast<double>(s));
      double loss = 0;
      for (std::int64_t c = 0; c < C; ++c)
        loss -= (w ? w[c] : 1.0) * q(base + c * I) * (x[base + c * I] - lse);
      per[static_cast<std::size_t>(o * I + i)] = loss;
    }
  auto out = detail::reduce_loss("cross_entropy", per, l.target_shape, options.reduction,
                                 static_cast<double>(positions));
  if (detail::needs_graph<float>({&input})) {
    std::vector<float> qs(static_cast<std::size_t>(input.numel()));
    for (std::int64_t k = 0; k < input.numel(); ++k) qs[static_cast<std::size_t>(k)] = q(k);
    detail::record(
        out, "CrossEntropyBackward", {&input},
        [probs, qs = std::move(qs), st = detail::SavedTensor<float>(target),
         sw = detail::SavedTensor<float>(weight), l, positions, r = options.reduction,
         edge = detail::gradient_edge(input), leaf = input.is_leaf()](const Tensor& g) {
          // d loss_i / d x_c = (sum_k w_k q_k) p_c - w_c q_c; q: the smoothed target
          // copied in forward, the target itself checked as PyTorch does
          const std::int64_t C = l.c, I = l.inner;
          st.check("CrossEntropyBackward");
          const float* w = sw.defined() ? sw.data("CrossEntropyBackward") : nullptr;
          if (is_grad_enabled()) [[unlikely]] {        // create_graph: recorded ops
            auto wq = Tensor::empty({l.outer, C, I});  // w_c q_c, a constant
            for (std::int64_t k = 0; k < wq.numel(); ++k)
              wq.data()[k] = (w ? w[(k / I) % C] : 1.0f) * qs[static_cast<std::size_t>(k)];
            Tensor swq;
            {
              NoGradGuard no_grad;
              swq = wq.sum(1, true);
            }
            const bool none = r == nn::Reduction::none;
            const auto gi = detail::loss_grad_recorded(g, r, static_cast<double>(positions))
                                .reshape({none ? l.outer : 1, 1, none ? I : 1});
            const auto p = detail::log_probs_in_graph(probs, edge, leaf).reshape({l.outer, C, I});
            return std::vector<Tensor>{((p.softmax(1) * swq - wq) * gi).reshape(probs.shape())};
          }
          auto dx = Tensor::empty(probs.shape());
          for (std::int64_t o = 0; o < l.outer; ++o)
            for (std::int64_t i = 0; i < I; ++i) {
              const std::int64_t base = o * C * I + i;
              const float gi =
                  detail::loss_grad_at(g, r, static_cast<double>(positions), o * I + i);
              float swq = 0;
              for (std::int64_t c = 0; c < C; ++c)
                swq += (w ? w[c] : 1.0f) * qs[static_cast<std::size_t>(base + c * I)];
              for (std::int64_t c = 0; c < C; ++c) {
                const auto k = base + c * I;
                dx.data()[k] =
                    (swq * probs.data()[k] - (w ? w[c] : 1.0f) * qs[static_cast<std::size_t>(k)]) *
                    gi;
              }
            }
          return std::vector<Tensor>{dx};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

template <class U>
Tensor cross_entropy(const Tensor&, const BasicTensor<U>&, const CrossEntropyLossOptions& = {}) {
  static_assert(sizeof(U) == 0,
                "cross_entropy: class indices must be a LongTensor (int64); convert with "
                ".to<std::int64_t>()");
  return {};
}

/// input [N, C, d...] log-probabilities, target [N, d...] class indices: -w[t] * input[t].
template <class = void>
inline Tensor nll_loss(const Tensor& input, const LongTensor& target,
                       const NLLLossOptions& options = {}) {
  const auto l = detail::class_layout("nll_loss", input);
  const Tensor& weight = options.weight;
  detail::check_class_target("nll_loss", input, target, l, weight, options.ignore_index);
  const std::int64_t C = l.c, I = l.inner, positions = l.outer * I;
  const float* w = weight.defined() ? weight.data() : nullptr;
  std::vector<double> per(static_cast<std::size_t>(positions));
  double denom = 0;
  for (std::int64_t o = 0; o < l.outer; ++o)
    for (std::int64_t i = 0; i < I; ++i) {
      const std::int64_t pos = o * I + i, tc = target.data()[pos];
      if (tc == options.ignore_index) continue;
      const double wt = w ? w[tc] : 1.0;
      denom += wt;
      per[static_cast<std::size_t>(pos)] = -wt * input.data()[o * C * I + tc * I + i];
    }
  auto out = detail::reduce_loss("nll_loss", per, l.target_shape, options.reduction, denom);
  if (detail::needs_graph<float>({&input})) {
    detail::record(out, "NllLossBackward0", {&input},
                   [shape = input.shape(), st = detail::SavedTensor<std::int64_t>(target),
                    sw = detail::SavedTensor<float>(weight), l, denom, r = options.reduction,
                    ignore = options.ignore_index](const Tensor& g) {
                     const std::int64_t* t = st.data("NllLossBackward0");
                     const float* w = sw.defined() ? sw.data("NllLossBackward0") : nullptr;
                     if (is_grad_enabled()) [[unlikely]] {  // create_graph: dx = M * g
                       auto m = zeros<float>({l.outer, l.c, l.inner});
                       for (std::int64_t o = 0; o < l.outer; ++o)
                         for (std::int64_t i = 0; i < l.inner; ++i) {
                           const std::int64_t tc = t[o * l.inner + i];
                           if (tc != ignore)
                             m.data()[(o * l.c + tc) * l.inner + i] = -(w ? w[tc] : 1.0f);
                         }
                       const bool none = r == Reduction::none;
                       const auto gi = detail::loss_grad_recorded(g, r, denom)
                                           .reshape({none ? l.outer : 1, 1, none ? l.inner : 1});
                       return std::vector<Tensor>{(m * gi).reshape(shape)};
                     }
                     auto dx = zeros<float>(shape);
                     for (std::int64_t o = 0; o < l.outer; ++o)
                       for (std::int64_t i = 0; i < l.inner; ++i) {
                         const std::int64_t pos = o * l.inner + i, tc = t[pos];
                         if (tc == ignore) continue;
                         const float wt = w ? w[tc] : 1.0f;
                         dx.data()[o * l.c * l.inner + tc * l.inner + i] =
                             -wt * detail::loss_grad_at(g, r, denom, pos);
                       }
                     return std::vector<Tensor>{dx};
                   });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

template <class U>
Tensor nll_loss(const Tensor&, const BasicTensor<U>&, const NLLLossOptions& = {}) {
  static_assert(
      sizeof(U) == 0,
      "nll_loss: class indices must be a LongTensor (int64); convert with .to<std::int64_t>()");
  return {};
}

}  // namespace torchlet::nn::functional
