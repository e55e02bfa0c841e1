#pragma once
// optim::SGD, PyTorch's update rule (float32, in PyTorch's order of operations):
//   d = (maximize ? -grad : grad) + weight_decay * p
//   b = momentum * b + (1 - dampening) * d   (b = d on the first step)
//   d = nesterov ? d + momentum * b : b       (when momentum != 0)
//   p -= lr * d
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.SGD's arguments.
struct SGDOptions {
  Option<double> lr = Default{1e-3};           ///< Learning rate.
  Option<double> momentum = Default{0.0};      ///< Momentum factor.
  Option<double> dampening = Default{0.0};     ///< Dampening of the momentum.
  Option<double> weight_decay = Default{0.0};  ///< L2 penalty added to the gradient.
  Option<bool> nesterov =
      Default{false};  ///< Nesterov momentum (needs momentum > 0 and no dampening).
  Option<bool> maximize = Default{false};  ///< Maximise the objective instead of minimising it.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("momentum", momentum, OptionRange::nonnegative, "invalid momentum value"),
            option("dampening", dampening),
            option("weight_decay", weight_decay, OptionRange::nonnegative,
                   "invalid weight_decay value"),
            option("nesterov", nesterov),
            option("maximize", maximize)};
  }
  /// The rule that spans fields: Nesterov needs a momentum and no dampening.
  void check_more(const std::string& op) const {
    if (nesterov && (momentum <= 0 || dampening != 0))
      throw std::invalid_argument(op +
                                  ": nesterov momentum requires a momentum and zero dampening");
  }
};

/// SGD's per-parameter state (PyTorch's state[p]).
struct SGDState {
  Tensor momentum_buffer;  ///< The momentum buffer, of the parameter's shape (undefined before the
                           ///< first step or without momentum).
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() { return {state_entry("momentum_buffer", momentum_buffer)}; }
};

/// torch.optim.SGD, with momentum, dampening, Nesterov, weight decay.
template <class = void>
class SGDImpl : public OptimizerBase<SGDOptions, SGDState> {
 public:
  using Optimizer::step;
  /// optim::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});
  SGDImpl(std::vector<Tensor> params, SGDOptions options = {})
      : OptimizerBase("SGD", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  SGDImpl(std::vector<ParamGroup<SGDOptions>> groups, SGDOptions defaults = {})
      : OptimizerBase("SGD", std::move(groups), defaults) {}

  void step() override {
    for_each_param([](const Tensor& p, const Tensor& grad, SGDState& st, const SGDOptions& o) {
      const auto lr = static_cast<float>(o.lr), mom = static_cast<float>(o.momentum),
                 damp1 = static_cast<float>(1.0 - o.dampening),
                 wd = static_cast<float>(o.weight_decay);
      const float sign = o.maximize ? -1.0f : 1.0f;
      const bool first = mom != 0 && !st.momentum_buffer.defined();
      if (first) st.momentum_buffer = Tensor::empty(p.shape());
      float* pp = p.data();
      const float* gp = grad.data();
      float* bp = mom != 0 ? st.momentum_buffer.data() : nullptr;
      // Chunks of the parameter on the intra-op threads (elementwise: same bits for any count).
      detail::parallel_elementwise(p.numel(), [&](std::int64_t i0, std::int64_t i1) {
        const std::int64_t n = i1 - i0;
        auto P = detail::amap(pp + i0, n);
        const auto G = detail::camap(gp + i0, n);
        if (mom == 0) {
          if (wd == 0)
            P += (-lr) * (sign * G);
          else
            P += (-lr) * (sign * G + wd * P);
          return;
        }
        auto B = detail::amap(bp + i0, n);
        if (first)
          B = sign * G + wd * P;
        else
          B = B * mom + damp1 * (sign * G + wd * P);
        if (o.nesterov)
          P += (-lr) * ((sign * G + wd * P) + mom * B);
        else
          P += (-lr) * B;
      });
    });
  }
};
/// SGD: see SGDImpl.
using SGD = SGDImpl<>;

}  // namespace torchlet::optim
