#pragma once
// optim::RMSprop, PyTorch's update rule (float32, in PyTorch's order of operations):
//   d = (maximize ? -grad : grad) + weight_decay * p
//   s = alpha * s + (1 - alpha) * d^2
//   avg = sqrt(s - g_avg^2) + eps, g_avg = alpha * g_avg + (1 - alpha) * d   (centered)
//   avg = sqrt(s) + eps                                                      (otherwise)
//   momentum > 0: b = momentum * b + d / avg, p -= lr * b;  else p -= lr * d / avg
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.RMSprop's arguments.
struct RMSpropOptions {
  Option<double> lr = Default{1e-2};  ///< Learning rate.
  Option<double> alpha =
      Default{0.99};  ///< Smoothing constant of the running average of the squared gradient.
  Option<double> eps = Default{1e-8};          ///< Added to the denominator.
  Option<double> weight_decay = Default{0.0};  ///< L2 penalty added to the gradient.
  Option<double> momentum = Default{0.0};      ///< Momentum factor.
  Option<bool> centered = Default{
      false};  ///< Normalise by the variance estimate (subtracting the averaged gradient's square).
  Option<bool> maximize = Default{false};  ///< Maximise the objective instead of minimising it.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("alpha", alpha, OptionRange::nonnegative, "invalid alpha value"),
            option("eps", eps, OptionRange::nonnegative, "invalid epsilon value"),
            option("weight_decay", weight_decay, OptionRange::nonnegative,
                   "invalid weight_decay value"),
            option("momentum", momentum, OptionRange::nonnegative, "invalid momentum value"),
            option("centered", centered),
            option("maximize", maximize)};
  }
};

/// RMSprop's per-parameter state (PyTorch's state[p]).
struct RMSpropState {
  std::int64_t step = 0;  ///< Updates made so far.
  ///@{
  /// Running averages of the squared gradient, the momentum buffer, the averaged gradient
  /// (centered); each of the parameter's shape.
  Tensor square_avg, momentum_buffer, grad_avg;
  ///@}
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() {
    return {state_entry("step", step), state_entry("square_avg", square_avg),
            state_entry("momentum_buffer", momentum_buffer), state_entry("grad_avg", grad_avg)};
  }
};

/// torch.optim.RMSprop.
template <class = void>
class RMSpropImpl : public OptimizerBase<RMSpropOptions, RMSpropState> {
 public:
  using Optimizer::step;
  /// optim::RMSprop opt(model.parameters(), {.lr = 1e-2});
  RMSpropImpl(std::vector<Tensor> params, RMSpropOptions options = {})
      : OptimizerBase("RMSprop", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  RMSpropImpl(std::vector<ParamGroup<RMSpropOptions>> groups, RMSpropOptions defaults = {})
      : OptimizerBase("RMSprop", std::move(groups), defaults) {}

  void step() override {
    for_each_param(
        [](const Tensor& p, const Tensor& grad, RMSpropState& st, const RMSpropOptions& o) {
          namespace td = torchlet::detail;
          const std::int64_t n = p.numel();
          if (!st.square_avg.defined()) st.square_avg = zeros<float>(p.shape());
          if (o.momentum > 0 && !st.momentum_buffer.defined())
            st.momentum_buffer = zeros<float>(p.shape());
          if (o.centered && !st.grad_avg.defined()) st.grad_avg = zeros<float>(p.shape());
          ++st.step;
          const float sign = o.maximize ? -1.0f : 1.0f, wd = static_cast<float>(o.weight_decay);
          const auto alpha = static_cast<float>(o.alpha), c = static_cast<float>(1.0 - o.alpha);
          const auto lr = static_cast<float>(o.lr), eps = static_cast<float>(o.eps),
                     mom = static_cast<float>(o.momentum);
          auto P = td::amap(p.data(), n);
          const auto G = td::camap(grad.data(), n);
          // d is materialized: p changes below while d is still needed.
          Eigen::ArrayXf d = sign * G + wd * P;
          auto S = td::amap(st.square_avg.data(), n);
          S = S * alpha + (c * d) * d;
          Eigen::ArrayXf avg;
          if (o.centered) {
            auto GA = td::amap(st.grad_avg.data(), n);
            GA = GA * alpha + c * d;
            avg = (S + (-1.0f * GA) * GA).sqrt() + eps;
          } else {
            avg = S.sqrt() + eps;
          }
          if (o.momentum > 0) {
            auto B = td::amap(st.momentum_buffer.data(), n);
            B = B * mom + d / avg;
            P += (-lr) * B;
          } else {
            P += (-lr) * (d / avg);
          }
        });
  }
};
/// RMSprop: see RMSpropImpl.
using RMSprop = RMSpropImpl<>;

}  // namespace torchlet::optim
