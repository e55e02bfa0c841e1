#pragma once
// optim::NAdam, PyTorch 1.13's update rule (float32, in PyTorch's order of operations):
//   d = grad + weight_decay * p
//   mu_t = beta1 (1 - 0.5 * 0.96^(t psi)),  mu_{t+1} likewise  (psi = momentum_decay)
//   mu_product *= mu_t;  next = mu_product * mu_t * mu_{t+1}  (PyTorch 1.13 counts mu_t twice
//                                                             here; kept for parity)
//   m = beta1 m + (1 - beta1) d,  v = beta2 v + (1 - beta2) d^2
//   den = sqrt(v / (1 - beta2^t)) + eps
//   p -= lr (1 - mu_t) / (1 - mu_product) * d / den + lr mu_{t+1} / (1 - next) * m / den
#include <cmath>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.NAdam's arguments (1.13 has no maximize).
struct NAdamOptions {
  Option<double> lr = Default{2e-3};  ///< Learning rate.
  /// Decay rates of the running averages of the gradient and of its square.
  Option<std::pair<double, double>> betas = Default{std::pair{0.9, 0.999}};
  Option<double> eps = Default{1e-8};             ///< Added to the denominator.
  Option<double> weight_decay = Default{0.0};     ///< L2 penalty added to the gradient.
  Option<double> momentum_decay = Default{4e-3};  ///< psi of the momentum schedule.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("betas.0", betas, 0, OptionRange::unit, "invalid beta parameter at index 0:"),
            option("betas.1", betas, 1, OptionRange::unit, "invalid beta parameter at index 1:"),
            option("eps", eps, OptionRange::nonnegative, "invalid epsilon value"),
            option("weight_decay", weight_decay, OptionRange::nonnegative,
                   "invalid weight_decay value"),
            option("momentum_decay", momentum_decay, OptionRange::nonnegative,
                   "invalid momentum_decay value")};
  }
};

/// NAdam's per-parameter state (PyTorch's state[p]).
struct NAdamState {
  std::int64_t step = 0;    ///< Updates made so far.
  double mu_product = 1.0;  ///< Product of the momentum coefficients (a float, as PyTorch's).
  ///@{
  /// Running averages of the gradient and of its square.
  Tensor exp_avg, exp_avg_sq;
  ///@}
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() {
    return {state_entry("step", step), state_entry("mu_product", mu_product),
            state_entry("exp_avg", exp_avg), state_entry("exp_avg_sq", exp_avg_sq)};
  }
};

/// torch.optim.NAdam: Adam with Nesterov momentum (Dozat, 2016).
template <class = void>
class NAdamImpl : public OptimizerBase<NAdamOptions, NAdamState> {
 public:
  using Optimizer::step;
  /// optim::NAdam opt(model.parameters(), {.lr = 2e-3});
  NAdamImpl(std::vector<Tensor> params, NAdamOptions options = {})
      : OptimizerBase("NAdam", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  NAdamImpl(std::vector<ParamGroup<NAdamOptions>> groups, NAdamOptions defaults = {})
      : OptimizerBase("NAdam", std::move(groups), defaults) {}

  void step() override {
    for_each_param([](const Tensor& p, const Tensor& grad, NAdamState& st, const NAdamOptions& o) {
      namespace td = torchlet::detail;
      const std::int64_t n = p.numel();
      if (!st.exp_avg.defined()) {
        st.exp_avg = zeros<float>(p.shape());
        st.exp_avg_sq = zeros<float>(p.shape());
      }
      ++st.step;
      const double t = static_cast<double>(st.step), b1 = o.betas->first, b2 = o.betas->second;
      const double bias_correction2 = 1.0 - std::pow(b2, t);
      const double mu = b1 * (1.0 - 0.5 * std::pow(0.96, t * o.momentum_decay));
      const double mu_next = b1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * o.momentum_decay));
      // mu_product is a float tensor in PyTorch: float products.
      const float prod = static_cast<float>(st.mu_product) * static_cast<float>(mu);
      st.mu_product = prod;
      const float prod_next = prod * static_cast<float>(mu) * static_cast<float>(mu_next);
      const float wd = static_cast<float>(o.weight_decay);
      auto P = td::amap(p.data(), n);
      const Eigen::ArrayXf d = td::camap(grad.data(), n) + wd * P;
      auto M = td::amap(st.exp_avg.data(), n);
      auto V = td::amap(st.exp_avg_sq.data(), n);
      M = M * static_cast<float>(b1) + static_cast<float>(1.0 - b1) * d;
      V = V * static_cast<float>(b2) + (static_cast<float>(1.0 - b2) * d) * d;
      const Eigen::ArrayXf denom =
          (V / static_cast<float>(bias_correction2)).sqrt() + static_cast<float>(o.eps);
      const auto c1 = static_cast<float>(-o.lr * (1.0 - mu) / (1.0 - static_cast<double>(prod)));
      const auto c2 = static_cast<float>(-o.lr * mu_next / (1.0 - static_cast<double>(prod_next)));
      P += c1 * (d / denom);
      P += c2 * (M / denom);
    });
  }
};
/// NAdam: see NAdamImpl.
using NAdam = NAdamImpl<>;

}  // namespace torchlet::optim
