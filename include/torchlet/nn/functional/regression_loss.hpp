#pragma once
// Regression and binary losses, input and target of the same shape [*], each one fused
// graph node with its backward: mse_loss, l1_loss, huber_loss, smooth_l1_loss,
// binary_cross_entropy, binary_cross_entropy_with_logits. Every loss takes its keyword
// arguments as one options struct last, as PyTorch's keywords: `mse_loss(a, b, {.reduction =
// Reduction::sum})`, `smooth_l1_loss(a, b, {.beta = 0.5})`. reduction: Reduction::mean (the
// default), Reduction::sum, or Reduction::none (the per-element losses). Per-element work
// is accumulated in double where PyTorch sums.
#include <cmath>
#include <concepts>
#include <limits>
#include <vector>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/loss_reduction.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn {

/// Arguments of binary_cross_entropy / BCELoss after the target.
struct BCELossOptions {
  Tensor weight = {};                     ///< broadcast to the input's shape
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of binary_cross_entropy_with_logits / BCEWithLogitsLoss after the target.
struct BCEWithLogitsLossOptions {
  Tensor weight = {};                     ///< broadcast to the input's shape
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
  Tensor pos_weight = {};                 ///< [C] (the last dim), weight of the positive examples
};
/// Arguments of mse_loss / MSELoss after the target.
struct MSELossOptions {
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of l1_loss / L1Loss after the target.
struct L1LossOptions {
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of huber_loss / HuberLoss after the target.
struct HuberLossOptions {
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
  double delta = 1.0;                     ///< Where the loss turns from quadratic to linear.
};
/// Arguments of smooth_l1_loss / SmoothL1Loss after the target.
struct SmoothL1LossOptions {
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
  double beta = 1.0;                      ///< Where the loss turns from quadratic to linear.
};

}  // namespace torchlet::nn

namespace torchlet::detail {

template <class = void>
inline void check_same_shape(const char* op, const Tensor& input, const Tensor& target) {
  if (input.shape() != target.shape())
    throw ShapeError(std::string(op) + ": target " + to_string(target.shape()) +
                     " must have the same shape as input " + to_string(input.shape()));
}

/// `w` broadcast to `shape` as a plain buffer (ones when undefined).
template <class = void>
inline Tensor broadcast_weight(const char* op, const Tensor& w, const Shape& shape) {
  if (!w.defined()) return ones<float>(shape);
  if (broadcast_shapes(op, w.shape(), shape) != shape)
    throw ShapeError(std::string(op) + ": weight " + to_string(w.shape()) +
                     " does not broadcast to the input " + to_string(shape));
  NoGradGuard no_grad;
  return mul(ones<float>(shape), w.detach());
}

/// Shared body of the elementwise regression losses: per[i] = f(x[i] - y[i]),
/// d per / d x = df(x - y), d per / d y = -df(x - y). dr, when given, is df as recorded
/// tensor ops (Tensor diff -> Tensor): the backward then records itself under create_graph.
template <class F, class DF, class DR = std::nullptr_t>
Tensor pointwise_loss(const char* op, const char* node, const Tensor& input, const Tensor& target,
                      nn::Reduction r, F f, DF df, DR dr = nullptr) {
  check_same_shape(op, input, target);
  const std::int64_t n = input.numel();
  std::vector<double> per(static_cast<std::size_t>(n));
  const float* x = input.data();
  const float* y = target.data();
  for (std::int64_t i = 0; i < n; ++i) per[static_cast<std::size_t>(i)] = f(x[i] - y[i]);
  auto loss = reduce_loss(op, per, input.shape(), r, static_cast<double>(n));
  if (needs_graph<float>({&input, &target})) {
    const bool gx = input.requires_grad(), gy = target.requires_grad();
    record(loss, node, {&input, &target},
           [sx = SavedTensor<float>(input), sy = SavedTensor<float>(target), node,
            shape = input.shape(), r, n, gx, gy, df, dr](const Tensor& g) {
             static_cast<void>(dr);  // unused when the loss has no recorded derivative
             if constexpr (!std::is_same_v<DR, std::nullptr_t>) {
               if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                 const auto d = dr(sx.variable(node, shape) - sy.variable(node, shape)) *
                                loss_grad_recorded(g, r, static_cast<double>(n));
                 return std::vector<Tensor>{gx ? d : Tensor{}, gy ? -d : Tensor{}};
               }
             }
             const float* xd = sx.data(node);
             const float* yd = sy.data(node);
             auto d = Tensor::empty(shape);
             for (std::int64_t i = 0; i < n; ++i)
               d.data()[i] = static_cast<float>(df(xd[i] - yd[i])) *
                             loss_grad_at(g, r, static_cast<double>(n), i);
             Tensor dy;
             if (gy) {
               dy = Tensor::empty(d.shape());
               amap(dy.data(), n) = -camap(d.data(), n);
             }
             return std::vector<Tensor>{gx ? d : Tensor{}, dy};
           });
    if constexpr (!std::is_same_v<DR, std::nullptr_t>) mark_differentiable_backward(loss);
  }
  return loss;
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// (input - target)^2; input and target [*], same shape.
template <class = void>
inline Tensor mse_loss(const Tensor& input, const Tensor& target,
                       const MSELossOptions& options = {}) {
  return detail::pointwise_loss(
      "mse_loss", "MseLossBackward0", input, target, options.reduction,
      [](float d) { return double(d) * d; }, [](float d) { return 2.0f * d; },
      [](const Tensor& d) { return d * 2.0f; });
}

/// |input - target|; input and target [*], same shape.
template <class = void>
inline Tensor l1_loss(const Tensor& input, const Tensor& target,
                      const L1LossOptions& options = {}) {
  return detail::pointwise_loss(
      "l1_loss", "L1LossBackward", input, target, options.reduction,
      [](float d) { return std::abs(double(d)); },
      [](float d) { return d > 0 ? 1.0f : (d < 0 ? -1.0f : 0.0f); },
      [](const Tensor& d) {  // sign(d): a constant
        NoGradGuard no_grad;
        return d.sign();
      });
}

/// 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); d = input - target.
template <class = void>
inline Tensor huber_loss(const Tensor& input, const Tensor& target,
                         const HuberLossOptions& options = {}) {
  const double delta = options.delta;
  if (!(delta > 0))
    throw std::invalid_argument("huber_loss: delta must be positive, got " + std::to_string(delta));
  const auto dl = static_cast<float>(delta);
  return detail::pointwise_loss(
      "huber_loss", "HuberLossBackward0", input, target, options.reduction,
      [dl](float d) {
        const float z = std::abs(d);
        return static_cast<double>(z < dl ? 0.5f * z * z : dl * (z - 0.5f * dl));
      },
      [dl](float d) { return d < -dl ? -dl : (d > dl ? dl : d); },
      [dl](const Tensor& d) {  // d clamped to [-delta, delta]
        BasicTensor<bool> inside;
        Tensor edge;
        {
          NoGradGuard no_grad;
          inside = d.abs() <= dl;
          edge = d.sign() * dl;
        }
        return where(inside, d, edge);
      });
}

/// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (l1_loss when beta = 0).
template <class = void>
inline Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                             const SmoothL1LossOptions& options = {}) {
  const double beta = options.beta;
  if (!(beta >= 0))
    throw std::invalid_argument("smooth_l1_loss: beta must be non-negative, got " +
                                std::to_string(beta));
  if (beta == 0) return l1_loss(input, target, {.reduction = options.reduction});
  const auto b = static_cast<float>(beta);
  return detail::pointwise_loss(
      "smooth_l1_loss", "SmoothL1LossBackward0", input, target, options.reduction,
      [b](float d) {
        const float z = std::abs(d);
        return static_cast<double>(z < b ? 0.5f * z * z / b : z - 0.5f * b);
      },
      [b](float d) { return d <= -b ? -1.0f : (d >= b ? 1.0f : d / b); },
      [b](const Tensor& d) {  // d / beta inside (-beta, beta), else sign(d)
        BasicTensor<bool> inside;
        Tensor edge;
        {
          NoGradGuard no_grad;
          inside = d.abs() < b;
          edge = d.sign();
        }
        return where(inside, d / b, edge);
      });
}

template <class U>
Tensor mse_loss(const Tensor&, const BasicTensor<U>&, const MSELossOptions& = {}) {
  static_assert(
      sizeof(U) == 0,
      "mse_loss: target must be a float Tensor like the input; convert with .to<float>()");
  return {};
}
template <class U>
Tensor l1_loss(const Tensor&, const BasicTensor<U>&, const L1LossOptions& = {}) {
  static_assert(sizeof(U) == 0,
                "l1_loss: target must be a float Tensor like the input; convert with .to<float>()");
  return {};
}

/// The positional form of the reduction (`mse_loss(a, b, Reduction::sum)`) is a compile error
/// that names the one argument style: `mse_loss(a, b, {.reduction = Reduction::sum})`.
template <class R>
requires std::same_as<R, Reduction> Tensor mse_loss(const Tensor&, const Tensor&, R) {
  static_assert(sizeof(R) == 0,
                "mse_loss: pass the reduction as an option: mse_loss(a, b, {.reduction = ...})");
  return {};
}
/// See mse_loss(const Tensor&, const Tensor&, R): `l1_loss(a, b, {.reduction = ...})`.
template <class R>
requires std::same_as<R, Reduction> Tensor l1_loss(const Tensor&, const Tensor&, R) {
  static_assert(sizeof(R) == 0,
                "l1_loss: pass the reduction as an option: l1_loss(a, b, {.reduction = ...})");
  return {};
}
/// See mse_loss(const Tensor&, const Tensor&, R): `huber_loss(a, b, {.reduction, .delta})`.
template <class R, class... More>
requires std::same_as<R, Reduction> Tensor huber_loss(const Tensor&, const Tensor&, R, More...) {
  static_assert(sizeof(R) == 0,
                "huber_loss: pass the options as a struct: huber_loss(a, b, {.reduction = ..., "
                ".delta = ...})");
  return {};
}
/// See mse_loss(const Tensor&, const Tensor&, R): `smooth_l1_loss(a, b, {.reduction, .beta})`.
template <class R, class... More>
requires std::same_as<R, Reduction> Tensor smooth_l1_loss(const Tensor&, const Tensor&, R,
                                                          More...) {
  static_assert(sizeof(R) == 0,
                "smooth_l1_loss: pass the options as a struct: smooth_l1_loss(a, b, {.reduction = "
                "..., .beta = ...})");
  return {};
}

/// -w (t log(x) + (1 - t) log(1 - x)), logs clamped at -100; input probabilities in [0, 1].
template <class = void>
inline Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                                   const BCELossOptions& options = {}) {
  detail::check_same_shape("binary_cross_entropy", input, target);
  const Tensor w = detail::broadcast_weight("binary_cross_entropy", options.weight, input.shape());
  const std::int64_t n = input.numel();
  const float* x = input.data();
  const float* y = target.data();
  std::vector<double> per(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    if (!(x[i] >= 0.0f && x[i] <= 1.0f))
      throw std::domain_error(
          "binary_cross_entropy: all elements of input should be between 0 and 1, got " +
          std::to_string(x[i]) + " at index " + std::to_string(i) +
          " (use binary_cross_entropy_with_logits for logits)");
    const float lx = std::max(std::log(x[i]), -100.0f), l1x = std::max(std::log1p(-x[i]), -100.0f);
    per[static_cast<std::size_t>(i)] = w.data()[i] * ((y[i] - 1.0f) * l1x - y[i] * lx);
  }
  auto out = detail::reduce_loss("binary_cross_entropy", per, input.shape(), options.reduction,
                                 static_cast<double>(n));
  if (detail::needs_graph<float>({&input}))
    detail::record(
        out, "BinaryCrossEntropyBackward0", {&input},
        [sx = detail::SavedTensor<float>(input), sy = detail::SavedTensor<float>(target),
         sw = detail::SavedTensor<float>(options.weight), shape = input.shape(), w, n,
         r = options.reduction](const Tensor& g) {
          // d/dx = w (x - t) / max(x (1 - x), 1e-12); w: the weight broadcast in forward
          const char* name = "BinaryCrossEntropyBackward0";
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            sw.check(name);
            const auto x = sx.variable(name, shape);
            const auto v = (1.0f - x) * x;
            BasicTensor<bool> big;
            {
              NoGradGuard no_grad;
              big = v > 1e-12f;
            }
            return std::vector<Tensor>{w * (x - sy.tensor(name, shape)) /
                                       where(big, v, scalar_tensor<float>(1e-12f)) *
                                       detail::loss_grad_recorded(g, r, static_cast<double>(n))};
          }
          const float* xd = sx.data(name);
          const float* yd = sy.data(name);
          sw.check(name);
          auto dx = Tensor::empty(shape);
          for (std::int64_t i = 0; i < n; ++i) {
            const float x = xd[i];
            dx.data()[i] = w.data()[i] * (x - yd[i]) / std::max((1.0f - x) * x, 1e-12f) *
                           detail::loss_grad_at(g, r, static_cast<double>(n), i);
          }
          return std::vector<Tensor>{dx};
        });
  detail::mark_differentiable_backward(out);
  return out;
}

/// binary_cross_entropy(sigmoid(input), target), computed stably from the logits;
/// pos_weight [C] (the input's last dim) weights the positive term.
template <class = void>
inline Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                               const BCEWithLogitsLossOptions& options = {}) {
  const char* op = "binary_cross_entropy_with_logits";
  detail::check_same_shape(op, input, target);
  const Tensor w = detail::broadcast_weight(op, options.weight, input.shape());
  Tensor pw;
  if (options.pos_weight.defined())
    pw = detail::broadcast_weight(op, options.pos_weight, input.shape());
  const std::int64_t n = input.numel();
  const float* x = input.data();
  const float* y = target.data();
  std::vector<double> per(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    // (1 - t) x + (1 + (pw - 1) t) (log(1 + exp(-|x|)) + max(-x, 0))
    const float lw = pw.defined() ? (pw.data()[i] - 1.0f) * y[i] + 1.0f : 1.0f;
    const float v =
        (1.0f - y[i]) * x[i] + lw * (std::log1p(std::exp(-std::abs(x[i]))) + std::max(-x[i], 0.0f));
    per[static_cast<std::size_t>(i)] = static_cast<double>(w.data()[i]) * v;
  }
  auto out = detail::reduce_loss(op, per, input.shape(), options.reduction, static_cast<double>(n));
  if (detail::needs_graph<float>({&input}))
    detail::record(out, "BinaryCrossEntropyWithLogitsBackward0", {&input},
                   [sx = detail::SavedTensor<float>(input), sy = detail::SavedTensor<float>(target),
                    sw = detail::SavedTensor<float>(options.weight),
                    spw = detail::SavedTensor<float>(options.pos_weight), shape = input.shape(), w,
                    pw, n, r = options.reduction](const Tensor& g) {
                     // d/dx = w ((pw t + 1 - t) sigmoid(x) - pw t); w, pw: broadcast in forward
                     const char* name = "BinaryCrossEntropyWithLogitsBackward0";
                     if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                       sw.check(name);
                       spw.check(name);
                       const auto t = sy.tensor(name, shape);
                       const auto pt = pw.defined() ? pw * t : t;
                       return std::vector<Tensor>{
                           w * ((pt + 1.0f - t) * sx.variable(name, shape).sigmoid() - pt) *
                           detail::loss_grad_recorded(g, r, static_cast<double>(n))};
                     }
                     const float* xd = sx.data(name);
                     const float* yd = sy.data(name);
                     sw.check(name);
                     spw.check(name);
                     auto dx = Tensor::empty(shape);
                     for (std::int64_t i = 0; i < n; ++i) {
                       const float x = xd[i], t = yd[i];
                       const float pt = pw.defined() ? pw.data()[i] * t : t;
                       const float s = 1.0f / (1.0f + std::exp(-x));
                       dx.data()[i] = w.data()[i] * ((pt + 1.0f - t) * s - pt) *
                                      detail::loss_grad_at(g, r, static_cast<double>(n), i);
                     }
                     return std::vector<Tensor>{dx};
                   });
  detail::mark_differentiable_backward(out);
  return out;
}

}  // namespace torchlet::nn::functional
