#pragma once
// optim::Adadelta, PyTorch's update rule (float32, in PyTorch's order of operations):
//   d = (maximize ? -grad : grad) + weight_decay * p
//   s = rho * s + (1 - rho) * d^2
//   delta = sqrt(u + eps) / sqrt(s + eps) * d
//   u = rho * u + (1 - rho) * delta^2
//   p -= lr * delta
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.Adadelta's arguments.
struct AdadeltaOptions {
  Option<double> lr = Default{1.0};            ///< Scales the update.
  Option<double> rho = Default{0.9};           ///< Decay rate of the running averages.
  Option<double> eps = Default{1e-6};          ///< Added inside the square roots.
  Option<double> weight_decay = Default{0.0};  ///< L2 penalty added to the gradient.
  Option<bool> maximize = Default{false};      ///< Maximise the objective instead of minimising it.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("rho", rho, OptionRange::any),
            option("eps", eps, OptionRange::nonnegative, "invalid epsilon value"),
            option("weight_decay", weight_decay, OptionRange::nonnegative,
                   "invalid weight_decay value"),
            option("maximize", maximize)};
  }
  /// rho must lie in [0, 1].
  void check_more(const std::string& op) const {
    if (!(rho >= 0.0 && rho <= 1.0))
      throw std::invalid_argument(op + ": invalid rho value " + std::to_string(rho.value()) +
                                  " (expected in [0, 1])");
  }
};

/// Adadelta's per-parameter state (PyTorch's state[p]).
struct AdadeltaState {
  std::int64_t step = 0;  ///< Updates made so far.
  ///@{
  /// Running averages of the squared gradient and of the squared update.
  Tensor square_avg, acc_delta;
  ///@}
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() {
    return {state_entry("step", step), state_entry("square_avg", square_avg),
            state_entry("acc_delta", acc_delta)};
  }
};

/// torch.optim.Adadelta (Zeiler, 2012).
template <class = void>
class AdadeltaImpl : public OptimizerBase<AdadeltaOptions, AdadeltaState> {
 public:
  using Optimizer::step;
  /// optim::Adadelta opt(model.parameters(), {.lr = 1.0});
  AdadeltaImpl(std::vector<Tensor> params, AdadeltaOptions options = {})
      : OptimizerBase("Adadelta", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  AdadeltaImpl(std::vector<ParamGroup<AdadeltaOptions>> groups, AdadeltaOptions defaults = {})
      : OptimizerBase("Adadelta", std::move(groups), defaults) {}

  void step() override {
    for_each_param(
        [](const Tensor& p, const Tensor& grad, AdadeltaState& st, const AdadeltaOptions& o) {
          namespace td = torchlet::detail;
          const std::int64_t n = p.numel();
          if (!st.square_avg.defined()) {
            st.square_avg = zeros<float>(p.shape());
            st.acc_delta = zeros<float>(p.shape());
          }
          ++st.step;
          const float sign = o.maximize ? -1.0f : 1.0f, wd = static_cast<float>(o.weight_decay);
          const auto rho = static_cast<float>(o.rho), c = static_cast<float>(1.0 - o.rho),
                     eps = static_cast<float>(o.eps), lr = static_cast<float>(o.lr);
          float* pp = p.data();
          const float* gp = grad.data();
          float* sp = st.square_avg.data();
          float* up = st.acc_delta.data();
          // Chunks on the intra-op threads (elementwise: same bits for any count).
          td::parallel_elementwise(n, [&](std::int64_t i0, std::int64_t i1) {
            const std::int64_t m = i1 - i0;
            auto P = td::amap(pp + i0, m);
            const Eigen::ArrayXf d = sign * td::camap(gp + i0, m) + wd * P;
            auto S = td::amap(sp + i0, m);
            auto U = td::amap(up + i0, m);
            S = S * rho + (c * d) * d;
            const Eigen::ArrayXf delta = (U + eps).sqrt() / (S + eps).sqrt() * d;
            U = U * rho + (c * delta) * delta;
            P += (-lr) * delta;
          });
        });
  }
};
/// Adadelta: see AdadeltaImpl.
using Adadelta = AdadeltaImpl<>;

}  // namespace torchlet::optim
