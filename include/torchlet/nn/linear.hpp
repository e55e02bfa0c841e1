#pragma once
// nn::Identity, and nn::Linear: y = x W^T + b. x [*, in_features] -> [*, out_features].
// weight [out_features, in_features], bias [out_features]; PyTorch's default init:
// kaiming_uniform_(weight, a = sqrt(5)), bias ~ U(-1/sqrt(in), 1/sqrt(in)).
#include <cmath>

#include "torchlet/nn/functional/linear.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// nn::Identity: forward(x) = x (a placeholder that keeps a model's structure).
template <class = void>
class IdentityImpl : public StatelessModule {
 public:
  /// x itself.
  Tensor forward(const Tensor& x) override { return x; }
};
/// Identity: see IdentityImpl.
using Identity = IdentityImpl<>;

/// nn::Linear: y = x W^T + b; x [*, in_features] -> [*, out_features].
template <class = void>
class LinearImpl : public Module {
 public:
  ///@{
  /// Sizes of the last dim of the input and of the output.
  std::int64_t in_features, out_features;
  ///@}
  ///@{
  /// weight [out_features, in_features]; bias [out_features] (undefined without bias).
  Tensor weight, bias;
  ///@}

  /// Weight kaiming_uniform_(a = sqrt(5)), bias U(-1/sqrt(in_features), 1/sqrt(in_features)), as
  /// PyTorch.
  LinearImpl(std::int64_t in_features, std::int64_t out_features, bool bias = true)
      : in_features(in_features), out_features(out_features) {
    if (in_features < 0 || out_features < 0)
      throw std::invalid_argument(
          "Linear: in_features and out_features must be non-negative, got " +
          std::to_string(in_features) + " and " + std::to_string(out_features));
    weight = empty({out_features, in_features});
    if (bias) this->bias = empty({out_features});
    reset_parameters();
    register_all();
  }

  /// Draws new weights and bias with PyTorch's default initialisation.
  void reset_parameters() {
    if (in_features == 0) {
      init::zeros_(weight);
    } else {
      init::kaiming_uniform_(weight, std::sqrt(5.0));
    }
    if (bias.defined()) {
      const double bound =
          in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
      init::uniform_(bias, -bound, bound);
    }
  }

  /// x: [*, in_features] -> [*, out_features]
  Tensor forward(const Tensor& x) override {
    if (x.dim() < 1 || x.size(-1) != in_features)
      throw ShapeError("Linear(in_features=" + std::to_string(in_features) + "): input has " +
                       (x.dim() ? std::to_string(x.size(-1)) : std::string("no")) +
                       " features (shape " + to_string(x.shape()) + ")");
    return functional::linear(x, weight, bias);
  }

  std::string name() const override { return "Linear"; }
  std::string extra_repr() const override {
    return "in_features=" + std::to_string(in_features) +
           ", out_features=" + std::to_string(out_features) +
           ", bias=" + (bias.defined() ? "True" : "False");
  }

 private:
  void register_all() {
    register_parameter("weight", weight);
    if (bias.defined()) register_parameter("bias", bias);
  }
};
/// Linear: see LinearImpl.
using Linear = LinearImpl<>;

/// nn::Bilinear: y = x1^T A x2 + b. x1 [*, in1_features], x2 [*, in2_features] -> [*,
/// out_features]. weight [out, in1, in2] and bias [out] ~ U(-1/sqrt(in1), 1/sqrt(in1)), as in
/// PyTorch.
template <class = void>
class BilinearImpl : public ModuleFor<Tensor(const Tensor&, const Tensor&)> {
 public:
  ///@{
  /// Sizes of the last dims of x1 and x2, and of the output.
  std::int64_t in1_features, in2_features, out_features;
  ///@}
  ///@{
  /// weight [out_features, in1_features, in2_features]; bias [out_features] (undefined without
  /// bias).
  Tensor weight, bias;
  ///@}

  /// Weight and bias ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch.
  BilinearImpl(std::int64_t in1_features, std::int64_t in2_features, std::int64_t out_features,
               bool bias = true)
      : in1_features(in1_features), in2_features(in2_features), out_features(out_features) {
    if (in1_features <= 0 || in2_features <= 0 || out_features < 0)
      throw std::invalid_argument(
          "Bilinear: in1_features and in2_features must be positive and out_features "
          "non-negative, got " +
          std::to_string(in1_features) + ", " + std::to_string(in2_features) + ", " +
          std::to_string(out_features));
    weight = empty({out_features, in1_features, in2_features});
    if (bias) this->bias = empty({out_features});
    reset_parameters();
    register_all();
  }
  /// Draws new weights and bias with PyTorch's default initialisation.
  void reset_parameters() {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in1_features));
    init::uniform_(weight, -bound, bound);
    if (bias.defined()) init::uniform_(bias, -bound, bound);
  }

  /// y[..., o] = x1 W[o] x2^T + b[o]; x1 [*, in1_features], x2 [*, in2_features] -> [*,
  /// out_features]. Called as bilinear(x1, x2), with the hooks.
  Tensor forward(const Tensor& x1, const Tensor& x2) override {
    return functional::bilinear(x1, x2, weight, bias);
  }
  std::string extra_repr() const override {
    return "in1_features=" + std::to_string(in1_features) +
           ", in2_features=" + std::to_string(in2_features) +
           ", out_features=" + std::to_string(out_features) +
           ", bias=" + (bias.defined() ? "True" : "False");
  }

 private:
  void register_all() {
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
};
/// Bilinear: see BilinearImpl.
using Bilinear = BilinearImpl<>;

}  // namespace torchlet::nn
