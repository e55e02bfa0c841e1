#pragma once
// nn::LayerNorm: x [*, normalized_shape] normalized over its last dims,
// y = (x - mean) / sqrt(var + eps) * weight + bias; weight = 1 and bias = 0 of shape
// normalized_shape (when elementwise_affine).
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/normalization.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// LayerNorm's arguments after normalized_shape, in PyTorch's order.
struct LayerNormOptions {
  double eps = 1e-5;               ///< Added to the variance.
  bool elementwise_affine = true;  ///< Learnable weight and bias of normalized_shape.
};

/// nn.LayerNorm: x [*, normalized_shape] normalised over its last dims -> same shape.
template <class = void>
class LayerNormImpl : public Module {
 public:
  /// The trailing dims normalised over.
  Shape normalized_shape;
  /// Added to the variance.
  double eps;
  /// Whether weight and bias exist.
  bool elementwise_affine;
  ///@{
  /// weight (init 1) and bias (init 0), each of normalized_shape; undefined without
  /// elementwise_affine.
  Tensor weight, bias;
  ///@}

  /// nn.LayerNorm(normalized_shape, eps, elementwise_affine).
  LayerNormImpl(Shape normalized_shape, LayerNormOptions options = {})
      : normalized_shape(std::move(normalized_shape)),
        eps(options.eps),
        elementwise_affine(options.elementwise_affine) {
    if (this->normalized_shape.empty())
      throw std::invalid_argument("LayerNorm: normalized_shape must have at least one dimension");
    detail::check_shape("LayerNorm", this->normalized_shape);
    if (elementwise_affine) {
      weight = ones<float>(this->normalized_shape);
      bias = zeros<float>(this->normalized_shape);
    }
    register_all();
  }
  /// nn.LayerNorm(n): normalises over the last dim, of size n.
  LayerNormImpl(std::int64_t normalized_shape, LayerNormOptions options = {})
      : LayerNormImpl(Shape{normalized_shape}, options) {}

  /// weight to 1, bias to 0.
  void reset_parameters() {
    if (!elementwise_affine) return;
    init::ones_(weight);
    init::zeros_(bias);
  }

  /// x: [*, normalized_shape] -> same shape
  Tensor forward(const Tensor& x) override {
    return functional::layer_norm(x, normalized_shape, weight, bias, eps);
  }

  std::string extra_repr() const override {
    return detail::nnfmt::py_tuple(normalized_shape) + ", eps=" + detail::nnfmt::py_float(eps) +
           ", elementwise_affine=" + detail::nnfmt::py_bool(elementwise_affine);
  }

 private:
  void register_all() {
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
};
/// LayerNorm: see LayerNormImpl.
using LayerNorm = LayerNormImpl<>;

}  // namespace torchlet::nn
