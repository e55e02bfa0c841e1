#pragma once
// nn::utils::clip_grad_norm_ and clip_grad_value_: in-place gradient clipping, as in
// torch.nn.utils. Parameters without a gradient are skipped.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::utils {

/// Scales all gradients by min(1, max_norm / (total_norm + 1e-6)), where total_norm is the
/// norm_type-norm of the per-parameter gradient norms (the norm of all gradients
/// concatenated), as torch.nn.utils.clip_grad_norm_: norm_type = infinity for the max-norm,
/// -infinity for the min, 0 for the count of nonzero elements, any other real p for
/// (sum |g|^p)^(1/p) (negative p included). NaN propagates (the total and the gradients become
/// NaN; error_if_nonfinite = true throws instead). No gradients: returns 0. Returns total_norm
/// (0-dim).
template <class = void>
inline Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm,
                              double norm_type = 2.0, bool error_if_nonfinite = false) {
  if (std::isnan(norm_type))
    throw std::invalid_argument("clip_grad_norm_: norm_type must be a number, got nan");
  std::vector<Tensor> grads;
  for (auto& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return scalar_tensor<float>(0.0f);
  // torch.norm(values, norm_type), accumulated in double; NaN propagates.
  const auto norm_of = [norm_type](const auto& values, std::int64_t n) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (std::isinf(norm_type)) {
      double acc = norm_type > 0 ? 0.0 : std::numeric_limits<double>::infinity();
      for (std::int64_t i = 0; i < n; ++i) {
        const double a = std::abs(static_cast<double>(values[i]));
        if (std::isnan(a)) return nan;
        acc = norm_type > 0 ? std::max(acc, a) : std::min(acc, a);
      }
      return acc;
    }
    double acc = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double a = std::abs(static_cast<double>(values[i]));
      if (std::isnan(a)) return nan;
      acc += norm_type == 0 ? (a != 0 ? 1.0 : 0.0) : std::pow(a, norm_type);
    }
    return norm_type == 0 ? acc : std::pow(acc, 1.0 / norm_type);
  };
  // Per-parameter norms (float, as PyTorch keeps them), then the norm of those.
  std::vector<float> norms;
  norms.reserve(grads.size());
  for (auto& g : grads) norms.push_back(static_cast<float>(norm_of(g.data(), g.numel())));
  const auto total_norm =
      static_cast<float>(norm_of(norms.data(), static_cast<std::int64_t>(norms.size())));
  if (error_if_nonfinite && !std::isfinite(total_norm))
    throw std::runtime_error(
        "clip_grad_norm_: the total norm of order " + std::to_string(norm_type) +
        " for gradients from `parameters` is non-finite, so it cannot be clipped");
  const float coef = static_cast<float>(max_norm) / (total_norm + 1e-6f);
  const float clamped = std::isnan(coef) ? coef : std::min(coef, 1.0f);  // torch.clamp(max=1)
  NoGradGuard no_grad;
  for (auto& g : grads) detail::amap(g.data(), g.numel()) *= clamped;
  return scalar_tensor<float>(total_norm);
}

/// clip_grad_norm_ of one parameter.
template <class = void>
inline Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                              bool error_if_nonfinite = false) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

/// Clamps every gradient element into [-clip_value, clip_value].
template <class = void>
inline void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  if (!(clip_value >= 0))
    throw std::invalid_argument("clip_grad_value_: clip_value must be non-negative, got " +
                                std::to_string(clip_value));
  const auto c = static_cast<float>(clip_value);
  NoGradGuard no_grad;
  for (auto& p : parameters)
    if (p.defined() && p.grad().defined()) {
      auto g = detail::amap(p.grad().data(), p.grad().numel());
      g = g.max(-c).min(c);
    }
}

}  // namespace torchlet::nn::utils
