#pragma once
// optim::SGD, PyTorch's update rule (float32, in PyTorch's order of operations):
//   d = (maximize ? -grad : grad) + weight_decay * p
//   b = momentum * b + (1 - dampening) * d   (b = d on the first step)
//   d = nesterov ? d + momentum * b : b       (when momentum != 0)
//   p -= lr * d
#include "torchlet/detail/eigen.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.SGD's arguments.
struct SGDOptions {
  double lr = 1e-3;           ///< Learning rate.
  double momentum = 0.0;      ///< Momentum factor.
  double dampening = 0.0;     ///< Dampening of the momentum.
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient.
  bool nesterov = false;      ///< Nesterov momentum (needs momentum > 0 and no dampening).
  bool maximize = false;      ///< Maximise the objective instead of minimising it.

  /// The options by name, for get_option / set_option and state_dict.
  std::vector<torchlet::detail::OptionRef> fields() {
    return {{"lr", &lr},
            {"momentum", &momentum},
            {"dampening", &dampening},
            {"weight_decay", &weight_decay},
            {"nesterov", nullptr, &nesterov},
            {"maximize", nullptr, &maximize}};
  }
  /// Throws std::invalid_argument naming `op` for an invalid value.
  void check(const std::string& op) const {
    if (!(lr >= 0))
      throw std::invalid_argument(op + ": invalid learning rate " + std::to_string(lr));
    if (!(momentum >= 0))
      throw std::invalid_argument(op + ": invalid momentum value " + std::to_string(momentum));
    if (!(weight_decay >= 0))
      throw std::invalid_argument(op + ": invalid weight_decay value " +
                                  std::to_string(weight_decay));
    if (nesterov && (momentum <= 0 || dampening != 0))
      throw std::invalid_argument(op +
                                  ": nesterov momentum requires a momentum and zero dampening");
  }
};

/// SGD's per-parameter state (PyTorch's state[p]).
struct SGDState {
  Tensor momentum_buffer;  ///< The momentum buffer, of the parameter's shape (undefined before the
                           ///< first step or without momentum).
  /// The state under PyTorch's names ("momentum_buffer").
  std::map<std::string, Tensor> to_map() const {
    if (!momentum_buffer.defined()) return {};
    return {{"momentum_buffer", momentum_buffer}};
  }
  /// Reads back what to_map() wrote.
  static SGDState from_map(const std::map<std::string, Tensor>& m) {
    SGDState s;
    if (auto it = m.find("momentum_buffer"); it != m.end()) s.momentum_buffer = it->second;
    return s;
  }
};

/// torch.optim.SGD, with momentum, dampening, Nesterov, weight decay.
class SGD : public OptimizerBase<SGDOptions, SGDState> {
 public:
  /// optim::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});
  SGD(std::vector<Tensor> params, SGDOptions options = {})
      : OptimizerBase("SGD", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  SGD(std::vector<ParamGroup<SGDOptions>> groups, SGDOptions defaults = {})
      : OptimizerBase("SGD", std::move(groups), defaults) {}

  void step() override {
    for_each_param([](const Tensor& p, const Tensor& grad, SGDState& st, const SGDOptions& o) {
      const auto lr = static_cast<float>(o.lr), mom = static_cast<float>(o.momentum),
                 damp1 = static_cast<float>(1.0 - o.dampening),
                 wd = static_cast<float>(o.weight_decay);
      const float sign = o.maximize ? -1.0f : 1.0f;
      auto P = torchlet::detail::amap(p.data(), p.numel());
      const auto G = torchlet::detail::camap(grad.data(), grad.numel());
      if (mom == 0) {
        if (wd == 0)
          P += (-lr) * (sign * G);
        else
          P += (-lr) * (sign * G + wd * P);
        return;
      }
      auto& buf = st.momentum_buffer;
      const bool first = !buf.defined();
      if (first) buf = Tensor::empty(p.shape());
      auto B = torchlet::detail::amap(buf.data(), buf.numel());
      if (first)
        B = sign * G + wd * P;
      else
        B = B * mom + damp1 * (sign * G + wd * P);
      if (o.nesterov)
        P += (-lr) * ((sign * G + wd * P) + mom * B);
      else
        P += (-lr) * B;
    });
  }
};

}  // namespace torchlet::optim
