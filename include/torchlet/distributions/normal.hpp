#pragma once
// Normal (torch.distributions.Normal): loc and scale broadcast to the batch shape.
//   loc, scale [broadcastable] -> batch_shape; sample / rsample -> [*sample_shape, *batch_shape];
//   log_prob(value [*, *batch_shape]) -> [broadcast shape]; entropy -> [*batch_shape].
#include <numbers>

#include "torchlet/distributions/distribution.hpp"

namespace torchlet::distributions {

/// A batch of normal distributions N(loc, scale^2) (torch.distributions.Normal): `Normal
/// dist(loc, scale)`. rsample() is reparameterised (loc + eps * scale), so gradients flow to
/// loc and scale through the draw.
template <class T>
class BasicNormal : public Distribution<T, T> {
  using Base = Distribution<T, T>;

 public:
  /// Normal(loc, scale, validate_args): loc and scale broadcast together; scale > 0.
  BasicNormal(const BasicTensor<T>& loc, const BasicTensor<T>& scale,
              std::optional<bool> validate_args = std::nullopt)
      : Base(torchlet::detail::broadcast_shapes("Normal", loc.shape(), scale.shape()), {},
             validate_args),
        loc_(detail::broadcast_to(loc, this->batch_shape())),
        scale_(detail::broadcast_to(scale, this->batch_shape())) {
    if (this->validate_args()) {
      detail::check_constraint("Normal", "parameter loc", loc, "Real()",
                               [](T v) { return v == v; });
      detail::check_constraint("Normal", "parameter scale", scale, "GreaterThan(lower_bound=0.0)",
                               [](T v) { return v > T(0); });
    }
  }
  /// Normal(loc, scale) of two numbers: a single distribution (batch_shape []).
  BasicNormal(T loc, T scale, std::optional<bool> validate_args = std::nullopt)
      : BasicNormal(full<T>({}, loc), full<T>({}, scale), validate_args) {}

  /// The means, broadcast to [*batch].
  const BasicTensor<T>& loc() const { return loc_; }
  /// The standard deviations, broadcast to [*batch].
  const BasicTensor<T>& scale() const { return scale_; }

  /// A reparameterised draw loc + eps * scale with eps ~ N(0, 1) from `gen`:
  /// [*sample_shape, *batch], differentiable in loc and scale (torch's rsample).
  BasicTensor<T> rsample(const Shape& sample_shape = {},
                         Generator& gen = default_generator()) const {
    const auto eps = randn<T>(this->extended_shape(sample_shape), gen);
    return loc_ + eps * scale_;
  }
  /// -(value - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi)) -> [broadcast shape].
  BasicTensor<T> log_prob(const BasicTensor<T>& value) const override {
    if (this->validate_args())
      detail::check_constraint("Normal", "value", value, "Real()", [](T v) { return v == v; });
    detail::value_batch_shape("Normal", value.shape(), this->batch_shape());
    const auto var = scale_.pow(T(2));
    const T log_sqrt_2pi = T(0.5 * std::log(2 * std::numbers::pi));
    return -(value - loc_).pow(T(2)) / (var * T(2)) - log(scale_) - log_sqrt_2pi;
  }
  /// 0.5 + 0.5 log(2 pi) + log(scale) -> [*batch].
  BasicTensor<T> entropy() const override {
    return log(scale_) + T(0.5 + 0.5 * std::log(2 * std::numbers::pi));
  }
  /// loc [*batch].
  BasicTensor<T> mean() const override { return loc_; }
  /// scale [*batch].
  BasicTensor<T> stddev() const override { return scale_; }
  /// scale^2 [*batch].
  BasicTensor<T> variance() const override { return scale_.pow(T(2)); }

 protected:
  /// loc + eps * scale without a gradient.
  BasicTensor<T> draw(const Shape& sample_shape, Generator& gen) const override {
    return rsample(sample_shape, gen);
  }

 private:
  BasicTensor<T> loc_, scale_;
};

/// torch.distributions.Normal over float32 parameters.
using Normal = BasicNormal<float>;

}  // namespace torchlet::distributions
