#pragma once
// nn::init: in-place initialisers with PyTorch's fan and gain rules.
// Weights are [fan_out, fan_in, *receptive_field]; fan_in = size(1) * receptive field.
#include <algorithm>
#include <cmath>
#include <string>

#include "torchlet/tensor.hpp"

namespace torchlet::nn::init {

/// The fans of a weight tensor (nn.init._calculate_fan_in_and_fan_out).
struct Fans {
  ///@{
  /// Inputs and outputs per unit: [out, in, *k] -> in * prod(k), out * prod(k).
  std::int64_t fan_in, fan_out;
  ///@}
};

template <class = void>
inline Fans calculate_fan_in_and_fan_out(const Tensor& t) {
  if (t.dim() < 2)
    throw ShapeError(
        "calculate_fan_in_and_fan_out: fan in and fan out can not be computed for tensor with "
        "fewer "
        "than 2 dimensions (shape " +
        to_string(t.shape()) + ")");
  std::int64_t rf = 1;
  for (std::int64_t d = 2; d < t.dim(); ++d) rf *= t.size(d);
  return {t.size(1) * rf, t.size(0) * rf};
}

/// Recommended gain for a nonlinearity (torch.nn.init.calculate_gain).
template <class = void>
inline double calculate_gain(const std::string& nonlinearity, double param = 0.01) {
  for (const char* one : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                          "conv_transpose2d", "conv_transpose3d", "sigmoid"})
    if (nonlinearity == one) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw std::invalid_argument("calculate_gain: unsupported nonlinearity '" + nonlinearity + "'");
}

template <class = void>
inline const Tensor& uniform_(const Tensor& t, double a = 0.0, double b = 1.0,
                              Generator& gen = default_generator()) {
  NoGradGuard g;
  float* p = t.data();
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t i = 0; i < t.numel(); ++i)
    p[i] = static_cast<float>(a + (b - a) * gen.uniform());
  torchlet::detail::commit_write(t);  // a strided view: into its base
  return t;
}
template <class = void>
inline const Tensor& normal_(const Tensor& t, double mean = 0.0, double std = 1.0,
                             Generator& gen = default_generator()) {
  NoGradGuard g;
  float* p = t.data();
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(mean + std * gen.normal());
  torchlet::detail::commit_write(t);  // a strided view: into its base
  return t;
}
template <class = void>
inline const Tensor& constant_(const Tensor& t, double v) {
  NoGradGuard g;
  return t.fill_(static_cast<float>(v));
}
template <class = void>
inline const Tensor& zeros_(const Tensor& t) {
  return constant_(t, 0.0);
}
template <class = void>
inline const Tensor& ones_(const Tensor& t) {
  return constant_(t, 1.0);
}

template <class = void>
inline const Tensor& xavier_uniform_(const Tensor& t, double gain = 1.0,
                                     Generator& gen = default_generator()) {
  const auto f = calculate_fan_in_and_fan_out(t);
  const double a = gain * std::sqrt(6.0 / static_cast<double>(f.fan_in + f.fan_out));
  return uniform_(t, -a, a, gen);
}
template <class = void>
inline const Tensor& xavier_normal_(const Tensor& t, double gain = 1.0,
                                    Generator& gen = default_generator()) {
  const auto f = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(f.fan_in + f.fan_out)), gen);
}

enum class FanMode { fan_in, fan_out };

/// "fan_in" / "fan_out", as PyTorch spells the mode argument.
template <class = void>
inline FanMode fan_mode(const std::string& mode) {
  if (mode == "fan_in") return FanMode::fan_in;
  if (mode == "fan_out") return FanMode::fan_out;
  throw std::invalid_argument("kaiming init: mode " + mode +
                              " not supported, please use fan_in or fan_out");
}

template <class = void>
inline const Tensor& kaiming_uniform_(const Tensor& t, double a = 0.0,
                                      FanMode mode = FanMode::fan_in,
                                      const std::string& nonlinearity = "leaky_relu",
                                      Generator& gen = default_generator()) {
  const auto f = calculate_fan_in_and_fan_out(t);
  const double fan = static_cast<double>(mode == FanMode::fan_in ? f.fan_in : f.fan_out);
  const double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / fan);
  return uniform_(t, -bound, bound, gen);
}
template <class = void>
inline const Tensor& kaiming_normal_(const Tensor& t, double a = 0.0,
                                     FanMode mode = FanMode::fan_in,
                                     const std::string& nonlinearity = "leaky_relu",
                                     Generator& gen = default_generator()) {
  const auto f = calculate_fan_in_and_fan_out(t);
  const double fan = static_cast<double>(mode == FanMode::fan_in ? f.fan_in : f.fan_out);
  return normal_(t, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(fan), gen);
}

template <class = void>
inline const Tensor& kaiming_uniform_(const Tensor& t, double a, const std::string& mode,
                                      const std::string& nonlinearity = "leaky_relu",
                                      Generator& gen = default_generator()) {
  return kaiming_uniform_(t, a, fan_mode(mode), nonlinearity, gen);
}
template <class = void>
inline const Tensor& kaiming_normal_(const Tensor& t, double a, const std::string& mode,
                                     const std::string& nonlinearity = "leaky_relu",
                                     Generator& gen = default_generator()) {
  return kaiming_normal_(t, a, fan_mode(mode), nonlinearity, gen);
}

/// Normal(mean, std) redrawn until inside [a, b] (torch.nn.init.trunc_normal_; a and b are absolute
/// bounds).
template <class = void>
inline const Tensor& trunc_normal_(const Tensor& t, double mean = 0.0, double std = 1.0,
                                   double a = -2.0, double b = 2.0,
                                   Generator& gen = default_generator()) {
  if (!(a < b))
    throw std::invalid_argument("trunc_normal_: expected a < b, got a=" + std::to_string(a) +
                                ", b=" + std::to_string(b));
  if (!(std > 0))
    throw std::invalid_argument("trunc_normal_: std must be positive, got " + std::to_string(std));
  NoGradGuard g;
  float* p = t.data();
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    double v;
    int tries = 0;
    do v = mean + std * gen.normal();
    while ((v < a || v > b) && ++tries < 1000);
    p[i] = static_cast<float>(std::clamp(v, a, b));
  }
  torchlet::detail::commit_write(t);  // a strided view: into its base
  return t;
}

/// The identity matrix in a 2-D tensor (torch.nn.init.eye_).
template <class = void>
inline const Tensor& eye_(const Tensor& t) {
  if (t.dim() != 2)
    throw ShapeError("eye_: only tensors with 2 dimensions are supported, got " +
                     to_string(t.shape()));
  NoGradGuard g;
  t.fill_(0.0f);
  for (std::int64_t i = 0; i < std::min(t.size(0), t.size(1)); ++i)
    t.data()[i * t.size(1) + i] = 1.0f;
  torchlet::detail::commit_write(t);  // a strided view: into its base
  return t;
}

}  // namespace torchlet::nn::init
