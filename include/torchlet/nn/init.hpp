#pragma once
// nn::init: in-place initialisers with PyTorch's fan and gain rules.
// Weights are [fan_out, fan_in, *receptive_field]; fan_in = size(1) * receptive field.
#include <cmath>
#include <string>

#include "torchlet/tensor.hpp"

namespace torchlet::nn::init {

struct Fans {
  std::int64_t fan_in, fan_out;
};

inline Fans calculate_fan_in_and_fan_out(const Tensor& t) {
  if (t.dim() < 2)
    throw ShapeError("calculate_fan_in_and_fan_out: fan in and fan out can not be computed for tensor with fewer "
                     "than 2 dimensions (shape " + to_string(t.shape()) + ")");
  std::int64_t rf = 1;
  for (std::int64_t d = 2; d < t.dim(); ++d) rf *= t.size(d);
  return {t.size(1) * rf, t.size(0) * rf};
}

/// Recommended gain for a nonlinearity (torch.nn.init.calculate_gain).
inline double calculate_gain(const std::string& nonlinearity, double param = 0.01) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.rfind("conv", 0) == 0) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw std::invalid_argument("calculate_gain: unsupported nonlinearity '" + nonlinearity + "'");
}

inline const Tensor& uniform_(const Tensor& t, double a = 0.0, double b = 1.0, Generator& gen = default_generator()) {
  NoGradGuard g;
  float* p = t.data();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(a + (b - a) * gen.uniform());
  return t;
}
inline const Tensor& normal_(const Tensor& t, double mean = 0.0, double std = 1.0, Generator& gen = default_generator()) {
  NoGradGuard g;
  float* p = t.data();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(mean + std * gen.normal());
  return t;
}
inline const Tensor& constant_(const Tensor& t, double v) {
  NoGradGuard g;
  return t.fill_(static_cast<float>(v));
}
inline const Tensor& zeros_(const Tensor& t) { return constant_(t, 0.0); }
inline const Tensor& ones_(const Tensor& t) { return constant_(t, 1.0); }

inline const Tensor& xavier_uniform_(const Tensor& t, double gain = 1.0, Generator& gen = default_generator()) {
  const auto f = calculate_fan_in_and_fan_out(t);
  const double a = gain * std::sqrt(6.0 / static_cast<double>(f.fan_in + f.fan_out));
  return uniform_(t, -a, a, gen);
}
inline const Tensor& xavier_normal_(const Tensor& t, double gain = 1.0, Generator& gen = default_generator()) {
  const auto f = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(f.fan_in + f.fan_out)), gen);
}

enum class FanMode { fan_in, fan_out };

inline const Tensor& kaiming_uniform_(const Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                                      const std::string& nonlinearity = "leaky_relu",
                                      Generator& gen = default_generator()) {
  const auto f = calculate_fan_in_and_fan_out(t);
  const double fan = static_cast<double>(mode == FanMode::fan_in ? f.fan_in : f.fan_out);
  const double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / fan);
  return uniform_(t, -bound, bound, gen);
}
inline const Tensor& kaiming_normal_(const Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                                     const std::string& nonlinearity = "leaky_relu",
                                     Generator& gen = default_generator()) {
  const auto f = calculate_fan_in_and_fan_out(t);
  const double fan = static_cast<double>(mode == FanMode::fan_in ? f.fan_in : f.fan_out);
  return normal_(t, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(fan), gen);
}

}  // namespace torchlet::nn::init
