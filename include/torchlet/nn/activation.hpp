#pragma once
// Activation layers: x [*] -> [*] (Softmax / LogSoftmax along `dim`).
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/activation.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// nn.ReLU: max(x, 0), any shape.
class ReLU : public StatelessModule {
 public:
  /// max(x, 0), elementwise; same shape.
  Tensor forward(const Tensor& x) override { return functional::relu(x); }
};

/// nn.LeakyReLU: x if x >= 0 else negative_slope * x, any shape.
class LeakyReLU : public StatelessModule {
 public:
  /// Slope for negative inputs.
  double negative_slope;
  /// nn.LeakyReLU(negative_slope).
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  /// x where x > 0, else negative_slope * x; same shape.
  Tensor forward(const Tensor& x) override { return functional::leaky_relu(x, negative_slope); }
  std::string extra_repr() const override {
    return "negative_slope=" + detail::nnfmt::py_float(negative_slope);
  }
};

/// nn.GELU: x * Phi(x) (or its tanh approximation), any shape.
class GELU : public StatelessModule {
 public:
  /// "none" or "tanh".
  std::string approximate;
  /// approximate: "none" (exact, x * Phi(x)) or "tanh".
  explicit GELU(std::string approximate = "none") : approximate(std::move(approximate)) {
    if (this->approximate != "none" && this->approximate != "tanh")
      throw std::invalid_argument("GELU: approximate must be 'none' or 'tanh', got '" +
                                  this->approximate + "'");
  }
  /// x * Phi(x) (or the tanh approximation); same shape.
  Tensor forward(const Tensor& x) override { return functional::gelu(x, approximate); }
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }
};

/// nn.Sigmoid: 1 / (1 + exp(-x)), any shape.
class Sigmoid : public StatelessModule {
 public:
  /// 1 / (1 + exp(-x)), elementwise; same shape.
  Tensor forward(const Tensor& x) override { return functional::sigmoid(x); }
};

/// nn.Tanh, any shape.
class Tanh : public StatelessModule {
 public:
  /// tanh(x), elementwise; same shape.
  Tensor forward(const Tensor& x) override { return functional::tanh(x); }
};

/// Softmax over `dim` (required: PyTorch's implicit dim is deprecated).
class Softmax : public StatelessModule {
 public:
  /// The dim whose lanes sum to 1.
  std::int64_t dim;
  /// nn.Softmax(dim).
  explicit Softmax(std::int64_t dim) : dim(dim) {}
  /// softmax over dim; same shape.
  Tensor forward(const Tensor& x) override { return functional::softmax(x, dim); }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
};

/// nn.LogSoftmax: log(softmax(x, dim)), computed stably; any shape.
class LogSoftmax : public StatelessModule {
 public:
  /// The dim normalised.
  std::int64_t dim;
  /// nn.LogSoftmax(dim).
  explicit LogSoftmax(std::int64_t dim) : dim(dim) {}
  /// log(softmax(x)) over dim; same shape.
  Tensor forward(const Tensor& x) override { return functional::log_softmax(x, dim); }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
};

}  // namespace torchlet::nn
