#pragma once
// nn::LayerNorm: x [*, normalized_shape] normalized over its last dims,
// y = (x - mean) / sqrt(var + eps) * weight + bias; weight = 1 and bias = 0 of shape
// normalized_shape (when elementwise_affine).
#include "torchlet/nn/functional/normalization.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// LayerNorm's arguments after normalized_shape, in PyTorch's order.
struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;
};

class LayerNorm : public Module {
 public:
  Shape normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;

  LayerNorm(Shape normalized_shape, LayerNormOptions options = {})
      : normalized_shape(std::move(normalized_shape)), eps(options.eps), elementwise_affine(options.elementwise_affine) {
    if (this->normalized_shape.empty())
      throw std::invalid_argument("LayerNorm: normalized_shape must have at least one dimension");
    detail::check_shape("LayerNorm", this->normalized_shape);
    if (elementwise_affine) {
      weight = ones<float>(this->normalized_shape);
      bias = zeros<float>(this->normalized_shape);
    }
    register_all();
  }
  LayerNorm(std::int64_t normalized_shape, LayerNormOptions options = {})
      : LayerNorm(Shape{normalized_shape}, options) {}
  LayerNorm(LayerNorm&& o)
      : normalized_shape(std::move(o.normalized_shape)), eps(o.eps), elementwise_affine(o.elementwise_affine),
        weight(std::move(o.weight)), bias(std::move(o.bias)) {
    copy_state_from(o);
    register_all();
  }

  void reset_parameters() {
    if (!elementwise_affine) return;
    init::ones_(weight);
    init::zeros_(bias);
  }

  /// x: [*, normalized_shape] -> same shape
  Tensor forward(const Tensor& x) override { return functional::layer_norm(x, normalized_shape, weight, bias, eps); }

  std::string extra_repr() const override {
    return torchlet::detail::nnfmt::py_tuple(normalized_shape) + ", eps=" + torchlet::detail::nnfmt::py_float(eps) +
           ", elementwise_affine=" + torchlet::detail::nnfmt::py_bool(elementwise_affine);
  }

 private:
  void register_all() {
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
};

}  // namespace torchlet::nn
