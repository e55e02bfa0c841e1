#pragma once
// optim::Adamax, PyTorch's update rule (float32, in PyTorch's order of operations):
//   d = (maximize ? -grad : grad) + weight_decay * p
//   m = beta1 * m + (1 - beta1) * d
//   u = max(beta2 * u, |d| + eps)
//   p -= lr / (1 - beta1^t) * m / u
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.Adamax's arguments.
struct AdamaxOptions {
  Option<double> lr = Default{2e-3};  ///< Learning rate.
  /// Decay rates of the running average of the gradient and of the infinity norm.
  Option<std::pair<double, double>> betas = Default{std::pair{0.9, 0.999}};
  Option<double> eps = Default{1e-8};          ///< Added to |gradient|.
  Option<double> weight_decay = Default{0.0};  ///< L2 penalty added to the gradient.
  Option<bool> maximize = Default{false};      ///< Maximise the objective instead of minimising it.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("betas.0", betas, 0, OptionRange::unit, "invalid beta parameter at index 0:"),
            option("betas.1", betas, 1, OptionRange::unit, "invalid beta parameter at index 1:"),
            option("eps", eps, OptionRange::nonnegative, "invalid epsilon value"),
            option("weight_decay", weight_decay, OptionRange::nonnegative,
                   "invalid weight_decay value"),
            option("maximize", maximize)};
  }
};

/// Adamax's per-parameter state (PyTorch's state[p]).
struct AdamaxState {
  std::int64_t step = 0;  ///< Updates made so far.
  ///@{
  /// Running average of the gradient and the exponentially weighted infinity norm.
  Tensor exp_avg, exp_inf;
  ///@}
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() {
    return {state_entry("step", step), state_entry("exp_avg", exp_avg),
            state_entry("exp_inf", exp_inf)};
  }
};

/// torch.optim.Adamax: Adam with the infinity norm (Kingma & Ba, 2014).
template <class = void>
class AdamaxImpl : public OptimizerBase<AdamaxOptions, AdamaxState> {
 public:
  using Optimizer::step;
  /// optim::Adamax opt(model.parameters(), {.lr = 2e-3});
  AdamaxImpl(std::vector<Tensor> params, AdamaxOptions options = {})
      : OptimizerBase("Adamax", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  AdamaxImpl(std::vector<ParamGroup<AdamaxOptions>> groups, AdamaxOptions defaults = {})
      : OptimizerBase("Adamax", std::move(groups), defaults) {}

  void step() override {
    for_each_param(
        [](const Tensor& p, const Tensor& grad, AdamaxState& st, const AdamaxOptions& o) {
          namespace td = torchlet::detail;
          const std::int64_t n = p.numel();
          if (!st.exp_avg.defined()) {
            st.exp_avg = zeros<float>(p.shape());
            st.exp_inf = zeros<float>(p.shape());
          }
          ++st.step;
          const float sign = o.maximize ? -1.0f : 1.0f, wd = static_cast<float>(o.weight_decay);
          const double b1 = o.betas->first, b2 = o.betas->second;
          auto P = td::amap(p.data(), n);
          const Eigen::ArrayXf d = sign * td::camap(grad.data(), n) + wd * P;
          auto M = td::amap(st.exp_avg.data(), n);
          auto U = td::amap(st.exp_inf.data(), n);
          M = M * static_cast<float>(b1) + static_cast<float>(1.0 - b1) * d;
          U = (U * static_cast<float>(b2)).max(d.abs() + static_cast<float>(o.eps));
          const double clr = o.lr / (1.0 - std::pow(b1, static_cast<double>(st.step)));
          P += static_cast<float>(-clr) * (M / U);
        });
  }
};
/// Adamax: see AdamaxImpl.
using Adamax = AdamaxImpl<>;

}  // namespace torchlet::optim
