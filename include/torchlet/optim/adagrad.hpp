#pragma once
// optim::Adagrad, PyTorch's update rule (float32, in PyTorch's order of operations):
//   d = (maximize ? -grad : grad) + weight_decay * p
//   clr = lr / (1 + (t - 1) * lr_decay)
//   s += d^2   (s starts at initial_accumulator_value)
//   p -= clr * d / (sqrt(s) + eps)
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.Adagrad's arguments.
struct AdagradOptions {
  Option<double> lr = Default{1e-2};                        ///< Learning rate.
  Option<double> lr_decay = Default{0.0};                   ///< lr / (1 + (step - 1) * lr_decay).
  Option<double> weight_decay = Default{0.0};               ///< L2 penalty added to the gradient.
  Option<double> initial_accumulator_value = Default{0.0};  ///< Start of the sum of squares.
  Option<double> eps = Default{1e-10};                      ///< Added to the denominator.
  Option<bool> maximize = Default{false};  ///< Maximise the objective instead of minimising it.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("lr_decay", lr_decay, OptionRange::nonnegative, "invalid lr_decay value"),
            option("weight_decay", weight_decay, OptionRange::nonnegative,
                   "invalid weight_decay value"),
            option("initial_accumulator_value", initial_accumulator_value, OptionRange::nonnegative,
                   "invalid initial_accumulator_value value"),
            option("eps", eps, OptionRange::nonnegative, "invalid epsilon value"),
            option("maximize", maximize)};
  }
};

/// Adagrad's per-parameter state (PyTorch's state[p]).
struct AdagradState {
  std::int64_t step = 0;  ///< Updates made so far.
  Tensor sum;  ///< Sum of the squared gradients (plus initial_accumulator_value), the parameter's
               ///< shape.
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() { return {state_entry("step", step), state_entry("sum", sum)}; }
};

/// torch.optim.Adagrad (Duchi et al., 2011).
template <class = void>
class AdagradImpl : public OptimizerBase<AdagradOptions, AdagradState> {
 public:
  using Optimizer::step;
  /// optim::Adagrad opt(model.parameters(), {.lr = 0.01});
  AdagradImpl(std::vector<Tensor> params, AdagradOptions options = {})
      : OptimizerBase("Adagrad", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  AdagradImpl(std::vector<ParamGroup<AdagradOptions>> groups, AdagradOptions defaults = {})
      : OptimizerBase("Adagrad", std::move(groups), defaults) {}

  void step() override {
    for_each_param(
        [](const Tensor& p, const Tensor& grad, AdagradState& st, const AdagradOptions& o) {
          namespace td = torchlet::detail;
          const std::int64_t n = p.numel();
          // PyTorch fills the sum when the optimizer is made; here before the first update
          // (the same, as the options cannot change in between without a state).
          if (!st.sum.defined())
            st.sum = full<float>(p.shape(), static_cast<float>(o.initial_accumulator_value));
          ++st.step;
          const float sign = o.maximize ? -1.0f : 1.0f, wd = static_cast<float>(o.weight_decay);
          const auto clr =
              static_cast<float>(o.lr / (1.0 + (static_cast<double>(st.step) - 1.0) * o.lr_decay));
          auto P = td::amap(p.data(), n);
          const Eigen::ArrayXf d = sign * td::camap(grad.data(), n) + wd * P;
          auto S = td::amap(st.sum.data(), n);
          S += d * d;
          P += (-clr) * (d / (S.sqrt() + static_cast<float>(o.eps)));
        });
  }
};
/// Adagrad: see AdagradImpl.
using Adagrad = AdagradImpl<>;

}  // namespace torchlet::optim
