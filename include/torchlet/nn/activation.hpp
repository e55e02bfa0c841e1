#pragma once
// Activation layers: x [*] -> [*] (Softmax / LogSoftmax along `dim`).
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/activation.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// nn.ReLU: max(x, 0), any shape.
template <class = void>
class ReLUImpl : public StatelessModule {
 public:
  /// max(x, 0), elementwise; same shape.
  Tensor forward(const Tensor& x) override { return functional::relu(x); }
};
/// ReLU: see ReLUImpl.
using ReLU = ReLUImpl<>;

/// nn.LeakyReLU: x if x >= 0 else negative_slope * x, any shape.
template <class = void>
class LeakyReLUImpl : public StatelessModule {
 public:
  /// Slope for negative inputs.
  double negative_slope;
  /// nn.LeakyReLU(negative_slope).
  explicit LeakyReLUImpl(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  /// x where x > 0, else negative_slope * x; same shape.
  Tensor forward(const Tensor& x) override { return functional::leaky_relu(x, negative_slope); }
  std::string extra_repr() const override {
    return "negative_slope=" + detail::nnfmt::py_float(negative_slope);
  }
};
/// LeakyReLU: see LeakyReLUImpl.
using LeakyReLU = LeakyReLUImpl<>;

/// nn.GELU: x * Phi(x) (or its tanh approximation), any shape.
template <class = void>
class GELUImpl : public StatelessModule {
 public:
  /// "none" or "tanh".
  std::string approximate;
  /// approximate: "none" (exact, x * Phi(x)) or "tanh".
  explicit GELUImpl(std::string approximate = "none") : approximate(std::move(approximate)) {
    if (this->approximate != "none" && this->approximate != "tanh")
      throw std::invalid_argument("GELU: approximate must be 'none' or 'tanh', got '" +
                                  this->approximate + "'");
  }
  /// x * Phi(x) (or the tanh approximation); same shape.
  Tensor forward(const Tensor& x) override { return functional::gelu(x, approximate); }
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }
};
/// GELU: see GELUImpl.
using GELU = GELUImpl<>;

/// nn.Sigmoid: 1 / (1 + exp(-x)), any shape.
template <class = void>
class SigmoidImpl : public StatelessModule {
 public:
  /// 1 / (1 + exp(-x)), elementwise; same shape.
  Tensor forward(const Tensor& x) override { return functional::sigmoid(x); }
};
/// Sigmoid: see SigmoidImpl.
using Sigmoid = SigmoidImpl<>;

/// nn.Tanh, any shape.
template <class = void>
class TanhImpl : public StatelessModule {
 public:
  /// tanh(x), elementwise; same shape.
  Tensor forward(const Tensor& x) override { return functional::tanh(x); }
};
/// Tanh: see TanhImpl.
using Tanh = TanhImpl<>;

/// Softmax over `dim` (required: PyTorch's implicit dim is deprecated).
template <class = void>
class SoftmaxImpl : public StatelessModule {
 public:
  /// The dim whose lanes sum to 1.
  std::int64_t dim;
  /// nn.Softmax(dim).
  explicit SoftmaxImpl(std::int64_t dim) : dim(dim) {}
  /// softmax over dim; same shape.
  Tensor forward(const Tensor& x) override { return functional::softmax(x, dim); }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
};
/// Softmax: see SoftmaxImpl.
using Softmax = SoftmaxImpl<>;

/// nn.LogSoftmax: log(softmax(x, dim)), computed stably; any shape.
template <class = void>
class LogSoftmaxImpl : public StatelessModule {
 public:
  /// The dim normalised.
  std::int64_t dim;
  /// nn.LogSoftmax(dim).
  explicit LogSoftmaxImpl(std::int64_t dim) : dim(dim) {}
  /// log(softmax(x)) over dim; same shape.
  Tensor forward(const Tensor& x) override { return functional::log_softmax(x, dim); }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
};
/// LogSoftmax: see LogSoftmaxImpl.
using LogSoftmax = LogSoftmaxImpl<>;

}  // namespace torchlet::nn
