#pragma once
// optim::Optimizer: the interface every optimizer implements: step() and zero_grad().
// Parameters are handles sharing storage with the model's, so step() updates the
// model in place.
#include <string>
#include <vector>

#include "torchlet/tensor.hpp"

namespace torchlet::optim {

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params) : params_(std::move(params)) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      if (!params_[i].defined())
        throw std::invalid_argument("Optimizer: parameter " + std::to_string(i) + " is an undefined tensor");
      if (!params_[i].is_leaf())
        throw std::invalid_argument("Optimizer: can't optimize a non-leaf Tensor (parameter " + std::to_string(i) + ")");
    }
  }
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Applies one update from the parameters' current gradients.
  virtual void step() = 0;
  /// Clears gradients: drops them (set_to_none, PyTorch's default) or zeroes them.
  void zero_grad(bool set_to_none = true) {
    for (auto& p : params_) {
      if (!p.grad().defined()) continue;
      if (set_to_none) p.set_grad({});
      else p.grad().zero_();
    }
  }
  const std::vector<Tensor>& parameters() const noexcept { return params_; }

 protected:
  std::vector<Tensor> params_;
};

}  // namespace torchlet::optim
