#pragma once
// optim::ASGD, averaged SGD, PyTorch's update rule (float32, in PyTorch's order):
//   d = (maximize ? -grad : grad) + weight_decay * p
//   p *= 1 - lambd * eta;  p -= eta * d
//   ax += mu * (p - ax)   (ax = p while mu == 1)
//   eta = lr / (1 + lambd * lr * t)^alpha,  mu = 1 / max(1, t - t0)
// eta and mu are float scalars, as PyTorch's 0-dim float tensors.
#include <algorithm>
#include <cmath>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.ASGD's arguments.
struct ASGDOptions {
  Option<double> lr = Default{1e-2};           ///< Learning rate.
  Option<double> lambd = Default{1e-4};        ///< Decay term.
  Option<double> alpha = Default{0.75};        ///< Power of the eta update.
  Option<double> t0 = Default{1e6};            ///< Step at which averaging starts.
  Option<double> weight_decay = Default{0.0};  ///< L2 penalty added to the gradient.
  Option<bool> maximize = Default{false};      ///< Maximise the objective instead of minimising it.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("lambd", lambd),
            option("alpha", alpha),
            option("t0", t0),
            option("weight_decay", weight_decay, OptionRange::nonnegative,
                   "invalid weight_decay value"),
            option("maximize", maximize)};
  }
};

/// ASGD's per-parameter state (PyTorch's state[p]).
struct ASGDState {
  std::int64_t step = 0;  ///< Updates made so far.
  double eta = -1.0;      ///< The current step size (lr before the first update).
  double mu = 1.0;        ///< The averaging coefficient.
  Tensor ax;              ///< The averaged parameter, of the parameter's shape.
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() {
    return {state_entry("step", step), state_entry("eta", eta), state_entry("mu", mu),
            state_entry("ax", ax)};
  }
};

/// torch.optim.ASGD (Polyak & Juditsky, 1992): SGD whose averaged iterate is kept in the
/// state ("ax").
template <class = void>
class ASGDImpl : public OptimizerBase<ASGDOptions, ASGDState> {
 public:
  using Optimizer::step;
  /// optim::ASGD opt(model.parameters(), {.lr = 0.01});
  ASGDImpl(std::vector<Tensor> params, ASGDOptions options = {})
      : OptimizerBase("ASGD", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  ASGDImpl(std::vector<ParamGroup<ASGDOptions>> groups, ASGDOptions defaults = {})
      : OptimizerBase("ASGD", std::move(groups), defaults) {}

  void step() override {
    for_each_param([](const Tensor& p, const Tensor& grad, ASGDState& st, const ASGDOptions& o) {
      namespace td = torchlet::detail;
      const std::int64_t n = p.numel();
      if (!st.ax.defined()) {
        st.ax = zeros<float>(p.shape());
        st.eta = static_cast<float>(o.lr);
        st.mu = 1.0;
      }
      ++st.step;
      const float sign = o.maximize ? -1.0f : 1.0f, wd = static_cast<float>(o.weight_decay);
      auto P = td::amap(p.data(), n);
      const Eigen::ArrayXf d = sign * td::camap(grad.data(), n) + wd * P;
      P *= static_cast<float>(1.0 - o.lambd * st.eta);
      P += static_cast<float>(-st.eta) * d;
      auto AX = td::amap(st.ax.data(), n);
      if (st.mu != 1.0)
        AX += (P - AX) * static_cast<float>(st.mu);
      else
        AX = P;
      const double t = static_cast<double>(st.step);
      st.eta = static_cast<float>(o.lr / std::pow(1.0 + o.lambd * o.lr * t, o.alpha));
      st.mu = static_cast<float>(1.0 / std::max(1.0, t - o.t0));
    });
  }
};
/// ASGD: see ASGDImpl.
using ASGD = ASGDImpl<>;

}  // namespace torchlet::optim
