#pragma once
// optim::SGD, PyTorch's update rule:
//   g = grad + weight_decay * p
//   b = momentum * b + (1 - dampening) * g   (b = g on the first step)
//   g = nesterov ? g + momentum * b : b
//   p -= lr * g
#include "torchlet/detail/eigen.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.SGD's arguments.
struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options = {}) : Optimizer(std::move(params)), options(options) {
    if (options.lr < 0) throw std::invalid_argument("SGD: invalid learning rate " + std::to_string(options.lr));
    if (options.momentum < 0) throw std::invalid_argument("SGD: invalid momentum " + std::to_string(options.momentum));
    if (options.weight_decay < 0)
      throw std::invalid_argument("SGD: invalid weight_decay " + std::to_string(options.weight_decay));
    if (options.nesterov && (options.momentum <= 0 || options.dampening != 0))
      throw std::invalid_argument("SGD: nesterov momentum requires a momentum and zero dampening");
    momentum_buffers_.resize(params_.size());
  }

  void step() override {
    NoGradGuard no_grad;
    const auto lr = static_cast<float>(options.lr), mom = static_cast<float>(options.momentum),
               damp = static_cast<float>(options.dampening), wd = static_cast<float>(options.weight_decay);
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const Tensor& p = params_[i];
      const Tensor g = p.grad();
      if (!g.defined()) continue;
      auto P = detail::amap(p.data(), p.numel());
      const auto G = detail::camap(g.data(), g.numel());
      const float sign = options.maximize ? -1.0f : 1.0f;
      if (mom == 0 && wd == 0) {
        P -= (sign * lr) * G;
        continue;
      }
      Eigen::ArrayXf d = G;
      if (wd != 0) d += wd * P;
      if (mom != 0) {
        auto& buf = momentum_buffers_[i];
        if (!buf.defined()) {
          buf = Tensor::empty(p.shape());
          detail::amap(buf.data(), buf.numel()) = d;
        } else {
          auto B = detail::amap(buf.data(), buf.numel());
          B = mom * B + (1 - damp) * d;
        }
        const auto B = detail::camap(buf.data(), buf.numel());
        if (options.nesterov) d += mom * B;
        else d = B;
      }
      P -= (sign * lr) * d;
    }
  }

  SGDOptions options;

 private:
  std::vector<Tensor> momentum_buffers_;
};

}  // namespace torchlet::optim
