#pragma once
// Losses between distributions (PyTorch 1.13's formulas), templated on the element type and
// composed of tensor ops (their gradients are the ops'):
//   kl_div(input, target, {.reduction, .log_target}): input log-probabilities [*], target
//       probabilities (or log-probabilities) broadcastable to it; target (log target -
//       input), 0 where target is 0. Reduction::batchmean divides the sum by input.size(0).
//   poisson_nll_loss(input, target, {.log_input, .full, .eps, .reduction}): exp(input) -
//       target input (log_input), else input - target log(input + eps); full adds Stirling's
//       term target log(target) - target + 0.5 log(2 pi target) where target > 1.
//   gaussian_nll_loss(input, target, var, {.full, .eps, .reduction}): 0.5 (log(var) +
//       (input - target)^2 / var) (+ 0.5 log(2 pi) with full), var clamped below at eps (its
//       gradient passes the clamp, as in PyTorch). var has input's shape, or one dim fewer
//       (one variance per sample), or a last dim of 1 (one variance for all features).
#include <cmath>
#include <numbers>
#include <string>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/loss_reduction.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn {

/// Arguments of kl_div / KLDivLoss after the target.
struct KLDivLossOptions {
  /// none, mean (over every element, PyTorch's default), sum or batchmean (the sum divided by
  /// the batch size: the KL divergence's definition).
  Reduction reduction = Reduction::mean;
  bool log_target = false;  ///< The target holds log-probabilities.
};

/// Arguments of poisson_nll_loss / PoissonNLLLoss after the target.
struct PoissonNLLLossOptions {
  bool log_input = true;  ///< The input is log(rate) (else the rate itself).
  bool full = false;      ///< Add Stirling's approximation of log(target!).
  double eps = 1e-8;      ///< Added to the rate before its log when log_input is false.
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};

/// Arguments of gaussian_nll_loss / GaussianNLLLoss after var.
struct GaussianNLLLossOptions {
  bool full = false;                      ///< Add the constant 0.5 log(2 pi).
  double eps = 1e-6;                      ///< var is clamped below at eps.
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};

}  // namespace torchlet::nn

namespace torchlet::nn::functional {

/// input [*] log-probabilities, target broadcastable to it -> the KL divergence (see the
/// file comment).
template <class T>
BasicTensor<T> kl_div(const BasicTensor<T>& input, const BasicTensor<T>& target,
                      const KLDivLossOptions& options = {}) {
  detail::broadcast_shapes("kl_div", input.shape(), target.shape());
  BasicTensor<T> per;
  if (options.log_target) {
    per = target.exp() * (target - input);
  } else {
    // xlogy(t, t) - t * input: 0 where t is 0 (log of 1 there keeps the gradient finite).
    const auto positive = target > T(0);
    per = target * where(positive, target, T(1)).log() - target * input;
  }
  if (options.reduction == Reduction::batchmean) {
    const T batch = input.dim() ? static_cast<T>(input.size(0)) : T(1);
    return sum(per) / batch;
  }
  return detail::reduce("kl_div", per, options.reduction);
}

/// input [*] log-rates (or rates), target [*] counts -> the Poisson negative log likelihood
/// (see the file comment).
template <class T>
BasicTensor<T> poisson_nll_loss(const BasicTensor<T>& input, const BasicTensor<T>& target,
                                const PoissonNLLLossOptions& options = {}) {
  detail::broadcast_shapes("poisson_nll_loss", input.shape(), target.shape());
  BasicTensor<T> per = options.log_input
                           ? input.exp() - target * input
                           : input - target * (input + static_cast<T>(options.eps)).log();
  if (options.full) {
    const auto big = target > T(1);
    const auto t = where(big, target, T(1));  // the term is 0 where target <= 1
    const auto stirling =
        t * t.log() - t + (t * static_cast<T>(2 * std::numbers::pi)).log() * T(0.5);
    per = per + where(big, stirling, T(0));
  }
  return detail::reduce("poisson_nll_loss", per, options.reduction);
}

/// input [N, *], target like input, var [N, *], [N] (one fewer dim) or [N, ..., 1] -> the
/// Gaussian negative log likelihood (see the file comment).
template <class T>
BasicTensor<T> gaussian_nll_loss(const BasicTensor<T>& input, const BasicTensor<T>& target,
                                 const BasicTensor<T>& var,
                                 const GaussianNLLLossOptions& options = {}) {
  const char* op = "gaussian_nll_loss";
  BasicTensor<T> v = var;
  if (var.shape() != input.shape()) {
    const Shape& in = input.shape();
    const Shape lead(in.begin(), in.end() - (in.empty() ? 0 : 1));
    if (!in.empty() && var.shape() == lead) {
      v = var.unsqueeze(-1);  // one variance per sample
    } else if (!in.empty() && var.dim() == input.dim() && var.shape().back() == 1 &&
               Shape(var.shape().begin(), var.shape().end() - 1) == lead) {
      // one variance for all features of a sample: broadcast
    } else {
      throw ShapeError(std::string(op) + ": var " + to_string(var.shape()) +
                       " is of incorrect size: expected the input's shape " + to_string(in) + ", " +
                       to_string(lead) + " or that with a last dim of 1");
    }
  }
  detail::broadcast_shapes(op, input.shape(), target.shape());
  for (std::int64_t i = 0; i < var.numel(); ++i)
    if (var.data()[i] < T(0))
      throw std::invalid_argument(std::string(op) + ": var has a negative entry " +
                                  std::to_string(var.data()[i]) + " at index " + std::to_string(i) +
                                  "; expected variances >= 0");
  BasicTensor<T> lift;  // clamp(v, eps) - v, a constant: the clamp passes v's gradient
  {
    NoGradGuard no_grad;
    lift = v.detach().clamp(static_cast<T>(options.eps)) - v.detach();
  }
  const auto vc = v + lift;
  const auto d = input - target;
  auto per = (vc.log() + d * d / vc) * T(0.5);
  if (options.full) per = per + static_cast<T>(0.5 * std::log(2 * std::numbers::pi));
  return detail::reduce(op, per, options.reduction);
}

}  // namespace torchlet::nn::functional
