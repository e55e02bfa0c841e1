#pragma once
// optim::Rprop, PyTorch's update rule (float32, elementwise):
//   g = maximize ? -grad : grad;  s = sign(g * prev)
//   step_size = clamp(step_size * (s > 0 ? eta_plus : s < 0 ? eta_minus : 1), min, max)
//   where s < 0: g = 0   (no update after a sign change)
//   p -= sign(g) * step_size;  prev = g
#include <algorithm>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.Rprop's arguments.
struct RpropOptions {
  Option<double> lr = Default{1e-2};  ///< The initial step size.
  /// (eta_minus, eta_plus): the step size's factors after a sign change and after none.
  Option<std::pair<double, double>> etas = Default{std::pair{0.5, 1.2}};
  /// (min, max): the bounds of the step size.
  Option<std::pair<double, double>> step_sizes = Default{std::pair{1e-6, 50.0}};
  Option<bool> maximize = Default{false};  ///< Maximise the objective instead of minimising it.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("etas.0", etas, 0),
            option("etas.1", etas, 1),
            option("step_sizes.0", step_sizes, 0),
            option("step_sizes.1", step_sizes, 1),
            option("maximize", maximize)};
  }
  /// 0 < eta_minus < 1 < eta_plus, as PyTorch checks.
  void check_more(const std::string& op) const {
    if (!(0.0 < etas->first && etas->first < 1.0 && 1.0 < etas->second))
      throw std::invalid_argument(op + ": invalid eta values: expected 0 < eta_minus < 1 < " +
                                  "eta_plus, got (" + std::to_string(etas->first) + ", " +
                                  std::to_string(etas->second) + ")");
  }
};

/// Rprop's per-parameter state (PyTorch's state[p]).
struct RpropState {
  std::int64_t step = 0;  ///< Updates made so far.
  ///@{
  /// The previous (masked) gradient and the per-element step sizes.
  Tensor prev, step_size;
  ///@}
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() {
    return {state_entry("step", step), state_entry("prev", prev),
            state_entry("step_size", step_size)};
  }
};

/// torch.optim.Rprop, resilient backpropagation (Riedmiller & Braun, 1993).
template <class = void>
class RpropImpl : public OptimizerBase<RpropOptions, RpropState> {
 public:
  using Optimizer::step;
  /// optim::Rprop opt(model.parameters(), {.lr = 0.01, .etas = {0.5, 1.2}});
  RpropImpl(std::vector<Tensor> params, RpropOptions options = {})
      : OptimizerBase("Rprop", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  RpropImpl(std::vector<ParamGroup<RpropOptions>> groups, RpropOptions defaults = {})
      : OptimizerBase("Rprop", std::move(groups), defaults) {}

  void step() override {
    for_each_param([](const Tensor& p, const Tensor& grad, RpropState& st, const RpropOptions& o) {
      namespace td = torchlet::detail;
      const std::int64_t n = p.numel();
      if (!st.prev.defined()) {
        st.prev = zeros<float>(p.shape());
        st.step_size = full<float>(p.shape(), static_cast<float>(o.lr));
      }
      ++st.step;
      const float sign = o.maximize ? -1.0f : 1.0f;
      const auto eta_minus = static_cast<float>(o.etas->first),
                 eta_plus = static_cast<float>(o.etas->second),
                 lo = static_cast<float>(o.step_sizes->first),
                 hi = static_cast<float>(o.step_sizes->second);
      float* P = p.data();
      const float* G = grad.data();
      float* prev = st.prev.data();
      float* size = st.step_size.data();
      for (std::int64_t i = 0; i < n; ++i) {
        float g = sign * G[i];
        const float s = g * prev[i];
        const float factor = s > 0 ? eta_plus : (s < 0 ? eta_minus : 1.0f);
        size[i] = std::clamp(size[i] * factor, lo, hi);
        if (s < 0) g = 0.0f;
        const float sg = g > 0 ? 1.0f : (g < 0 ? -1.0f : 0.0f);
        P[i] -= sg * size[i];
        prev[i] = g;
      }
    });
  }
};
/// Rprop: see RpropImpl.
using Rprop = RpropImpl<>;

}  // namespace torchlet::optim
