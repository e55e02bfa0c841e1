#pragma once
// nn::utils::clip_grad_norm_ and clip_grad_value_: in-place gradient clipping, as in
// torch.nn.utils. Parameters without a gradient are skipped.
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
/// concatenated; norm_type = infinity for the max-norm). Returns total_norm (0-dim).
inline Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm,
                              double norm_type = 2.0, bool error_if_nonfinite = false) {
  if (!(norm_type > 0))
    throw std::invalid_argument("clip_grad_norm_: norm_type must be positive, got " +
                                std::to_string(norm_type));
  const bool inf = std::isinf(norm_type);
  std::vector<Tensor> grads;
  for (auto& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return scalar_tensor<float>(0.0f);
  // Per-parameter norms (float, as PyTorch keeps them), then the norm of those.
  std::vector<float> norms;
  for (auto& g : grads) {
    const float* d = g.data();
    double acc = 0;
    for (std::int64_t i = 0; i < g.numel(); ++i) {
      const double a = std::abs(static_cast<double>(d[i]));
      if (inf)
        acc = std::max(acc, a);
      else
        acc += std::pow(a, norm_type);
    }
    norms.push_back(static_cast<float>(inf ? acc : std::pow(acc, 1.0 / norm_type)));
  }
  double total = 0;
  for (float n : norms)
    total = inf ? std::max(total, static_cast<double>(n))
                : total + std::pow(static_cast<double>(n), norm_type);
  const float total_norm = static_cast<float>(inf ? total : std::pow(total, 1.0 / norm_type));
  if (error_if_nonfinite && !std::isfinite(total_norm))
    throw std::runtime_error(
        "clip_grad_norm_: the total norm of order " + std::to_string(norm_type) +
        " for gradients from `parameters` is non-finite, so it cannot be clipped");
  const float coef = std::min(static_cast<float>(max_norm) / (total_norm + 1e-6f), 1.0f);
  NoGradGuard no_grad;
  for (auto& g : grads) detail::amap(g.data(), g.numel()) *= coef;
  return scalar_tensor<float>(total_norm);
}

inline Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                              bool error_if_nonfinite = false) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

/// Clamps every gradient element into [-clip_value, clip_value].
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
