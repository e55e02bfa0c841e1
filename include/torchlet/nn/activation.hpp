#pragma once
// Activation layers: x [*] -> [*] (Softmax / LogSoftmax along `dim`).
#include "torchlet/nn/functional/activation.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

class ReLU : public StatelessModule {
 public:
  Tensor forward(const Tensor& x) override { return functional::relu(x); }
};

class LeakyReLU : public StatelessModule {
 public:
  double negative_slope;
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override { return functional::leaky_relu(x, negative_slope); }
  std::string extra_repr() const override {
    return "negative_slope=" + torchlet::detail::nnfmt::py_float(negative_slope);
  }
};

class GELU : public StatelessModule {
 public:
  std::string approximate;
  /// approximate: "none" (exact, x * Phi(x)) or "tanh".
  explicit GELU(std::string approximate = "none") : approximate(std::move(approximate)) {
    if (this->approximate != "none" && this->approximate != "tanh")
      throw std::invalid_argument("GELU: approximate must be 'none' or 'tanh', got '" + this->approximate + "'");
  }
  Tensor forward(const Tensor& x) override { return functional::gelu(x, approximate); }
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }
};

class Sigmoid : public StatelessModule {
 public:
  Tensor forward(const Tensor& x) override { return functional::sigmoid(x); }
};

class Tanh : public StatelessModule {
 public:
  Tensor forward(const Tensor& x) override { return functional::tanh(x); }
};

/// Softmax over `dim` (required: PyTorch's implicit dim is deprecated).
class Softmax : public StatelessModule {
 public:
  std::int64_t dim;
  explicit Softmax(std::int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& x) override { return functional::softmax(x, dim); }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
};

class LogSoftmax : public StatelessModule {
 public:
  std::int64_t dim;
  explicit LogSoftmax(std::int64_t dim) : dim(dim) {}
  Tensor forward(const Tensor& x) override { return functional::log_softmax(x, dim); }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
};

}  // namespace torchlet::nn
