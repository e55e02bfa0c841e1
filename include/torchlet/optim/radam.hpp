#pragma once
// optim::RAdam, PyTorch's update rule (float32, in PyTorch's order of operations):
//   d = grad + weight_decay * p
//   m = beta1 m + (1 - beta1) d,  v = beta2 v + (1 - beta2) d^2,  m_hat = m / (1 - beta1^t)
//   rho_inf = 2 / (1 - beta2) - 1,  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
//   rho_t > 5: p -= m_hat lr sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t  (the rectification
//              r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)))
//   otherwise: p -= m_hat lr
#include <cmath>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.RAdam's arguments (1.13 has no maximize).
struct RAdamOptions {
  Option<double> lr = Default{1e-3};  ///< Learning rate.
  /// Decay rates of the running averages of the gradient and of its square.
  Option<std::pair<double, double>> betas = Default{std::pair{0.9, 0.999}};
  Option<double> eps = Default{1e-8};          ///< Added to the denominator.
  Option<double> weight_decay = Default{0.0};  ///< L2 penalty added to the gradient.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("betas.0", betas, 0, OptionRange::unit, "invalid beta parameter at index 0:"),
            option("betas.1", betas, 1, OptionRange::unit, "invalid beta parameter at index 1:"),
            option("eps", eps, OptionRange::nonnegative, "invalid epsilon value"),
            option("weight_decay", weight_decay, OptionRange::nonnegative,
                   "invalid weight_decay value")};
  }
};

/// RAdam's per-parameter state (PyTorch's state[p]).
struct RAdamState {
  std::int64_t step = 0;  ///< Updates made so far.
  ///@{
  /// Running averages of the gradient and of its square.
  Tensor exp_avg, exp_avg_sq;
  ///@}
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() {
    return {state_entry("step", step), state_entry("exp_avg", exp_avg),
            state_entry("exp_avg_sq", exp_avg_sq)};
  }
};

/// torch.optim.RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2019).
template <class = void>
class RAdamImpl : public OptimizerBase<RAdamOptions, RAdamState> {
 public:
  using Optimizer::step;
  /// optim::RAdam opt(model.parameters(), {.lr = 1e-3});
  RAdamImpl(std::vector<Tensor> params, RAdamOptions options = {})
      : OptimizerBase("RAdam", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  RAdamImpl(std::vector<ParamGroup<RAdamOptions>> groups, RAdamOptions defaults = {})
      : OptimizerBase("RAdam", std::move(groups), defaults) {}

  void step() override {
    for_each_param([](const Tensor& p, const Tensor& grad, RAdamState& st, const RAdamOptions& o) {
      namespace td = torchlet::detail;
      const std::int64_t n = p.numel();
      if (!st.exp_avg.defined()) {
        st.exp_avg = zeros<float>(p.shape());
        st.exp_avg_sq = zeros<float>(p.shape());
      }
      ++st.step;
      const double t = static_cast<double>(st.step), b1 = o.betas->first, b2 = o.betas->second;
      const double bc1 = 1.0 - std::pow(b1, t), bc2 = 1.0 - std::pow(b2, t);
      const float wd = static_cast<float>(o.weight_decay);
      auto P = td::amap(p.data(), n);
      const Eigen::ArrayXf d = td::camap(grad.data(), n) + wd * P;
      auto M = td::amap(st.exp_avg.data(), n);
      auto V = td::amap(st.exp_avg_sq.data(), n);
      M = M * static_cast<float>(b1) + static_cast<float>(1.0 - b1) * d;
      V = V * static_cast<float>(b2) + (static_cast<float>(1.0 - b2) * d) * d;
      const Eigen::ArrayXf m_hat = M / static_cast<float>(bc1);
      const double rho_inf = 2.0 / (1.0 - b2) - 1.0;
      const double rho_t = rho_inf - 2.0 * t * std::pow(b2, t) / bc2;
      const auto lr = static_cast<float>(o.lr);
      if (rho_t > 5.0) {
        const double rect = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                      ((rho_inf - 4) * (rho_inf - 2) * rho_t));
        const Eigen::ArrayXf adaptive =
            static_cast<float>(std::sqrt(bc2)) / (V.sqrt() + static_cast<float>(o.eps));
        P -= ((m_hat * lr) * adaptive) * static_cast<float>(rect);
      } else {
        P -= m_hat * lr;
      }
    });
  }
};
/// RAdam: see RAdamImpl.
using RAdam = RAdamImpl<>;

}  // namespace torchlet::optim
