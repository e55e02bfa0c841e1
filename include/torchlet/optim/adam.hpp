#pragma once
// optim::Adam and optim::AdamW, PyTorch's update rules (float32, in PyTorch's order):
//   d = maximize ? -grad : grad
//   Adam: d += weight_decay * p;  AdamW: p *= 1 - lr * weight_decay
//   m = beta1 * m + (1 - beta1) * d,  v = beta2 * v + (1 - beta2) * d^2
//   amsgrad: v_max = max(v_max, v), used for v below
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include <cmath>
#include <utility>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

namespace detail {
/// The defaults that tell AdamOptions and AdamWOptions apart.
struct AdamDefaults {
  static constexpr double weight_decay = 0.0;
};
struct AdamWDefaults {
  static constexpr double weight_decay = 1e-2;
};
}  // namespace detail

/// Fields in the order of torch.optim.Adam's / AdamW's arguments: AdamOptions and
/// AdamWOptions, which differ only in weight_decay's default (0 and 1e-2) and meaning.
template <class Defaults>
struct BasicAdamOptions {
  Option<double> lr = Default{1e-3};  ///< Learning rate.
  Option<std::pair<double, double>> betas = Default{std::pair{
      0.9, 0.999}};  ///< Decay rates of the running averages of the gradient and of its square.
  Option<double> eps = Default{1e-8};  ///< Added to the denominator.
  /// Adam: L2 penalty added to the gradient; AdamW: decoupled decay, p -= lr * weight_decay * p.
  Option<double> weight_decay = Default{Defaults::weight_decay};
  Option<bool> amsgrad =
      Default{false};  ///< Use the maximum of the past squared-gradient averages (AMSGrad).
  Option<bool> maximize = Default{false};  ///< Maximise the objective instead of minimising it.

  /// Every option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("betas.0", betas, 0, OptionRange::unit, "invalid beta parameter at index 0:"),
            option("betas.1", betas, 1, OptionRange::unit, "invalid beta parameter at index 1:"),
            option("eps", eps, OptionRange::nonnegative, "invalid epsilon value"),
            option("weight_decay", weight_decay, OptionRange::nonnegative,
                   "invalid weight_decay value"),
            option("amsgrad", amsgrad),
            option("maximize", maximize)};
  }
};
/// torch.optim.Adam's options.
using AdamOptions = BasicAdamOptions<detail::AdamDefaults>;
/// torch.optim.AdamW's options (weight_decay 1e-2 by default).
using AdamWOptions = BasicAdamOptions<detail::AdamWDefaults>;

/// Adam's per-parameter state (PyTorch's state[p]).
struct AdamState {
  std::int64_t step = 0;  ///< Updates made so far.
  ///@{
  /// Running averages of the gradient and of its square, and their maximum (AMSGrad); each of the
  /// parameter's shape.
  Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
  ///@}
  /// The state under PyTorch's names (fields.hpp).
  std::vector<StateField> fields() {
    return {state_entry("step", step), state_entry("exp_avg", exp_avg),
            state_entry("exp_avg_sq", exp_avg_sq), state_entry("max_exp_avg_sq", max_exp_avg_sq)};
  }
};

}  // namespace torchlet::optim

namespace torchlet::detail {

/// One Adam(W) update of p; decoupled = AdamW's weight decay.
template <class O>
void adam_update(const Tensor& p, const Tensor& grad, optim::AdamState& st, const O& o,
                 bool decoupled) {
  const float sign = o.maximize ? -1.0f : 1.0f;
  const double b1 = o.betas->first, b2 = o.betas->second;
  if (!st.exp_avg.defined()) {
    st.exp_avg = zeros<float>(p.shape());
    st.exp_avg_sq = zeros<float>(p.shape());
  }
  if (o.amsgrad && !st.max_exp_avg_sq.defined()) st.max_exp_avg_sq = zeros<float>(p.shape());
  ++st.step;
  float wd = static_cast<float>(o.weight_decay);
  const auto decay = static_cast<float>(1.0 - o.lr * o.weight_decay);
  if (decoupled) wd = 0.0f;
  const auto fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2);
  const auto c1 = static_cast<float>(1.0 - b1), c2 = static_cast<float>(1.0 - b2);
  const double t = static_cast<double>(st.step);
  const double bias_correction1 = 1.0 - std::pow(b1, t), bias_correction2 = 1.0 - std::pow(b2, t);
  const auto step_size = static_cast<float>(o.lr / bias_correction1);
  const auto bc2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
  const auto eps = static_cast<float>(o.eps);
  float* pp = p.data();
  const float* gp = grad.data();
  float* mp = st.exp_avg.data();
  float* vp = st.exp_avg_sq.data();
  float* vmaxp = o.amsgrad ? st.max_exp_avg_sq.data() : nullptr;
  // Chunks on the intra-op threads (elementwise: the same bits for any thread count).
  parallel_elementwise(p.numel(), [&](std::int64_t i0, std::int64_t i1) {
    const std::int64_t n = i1 - i0;
    auto P = amap(pp + i0, n);
    const auto G = camap(gp + i0, n);
    if (decoupled) P *= decay;
    auto M = amap(mp + i0, n);
    auto V = amap(vp + i0, n);
    if (wd != 0) {
      M = M * fb1 + c1 * (sign * G + wd * P);
      V = V * fb2 + (c2 * (sign * G + wd * P)) * (sign * G + wd * P);
    } else {
      M = M * fb1 + c1 * (sign * G);
      V = V * fb2 + (c2 * (sign * G)) * (sign * G);
    }
    if (vmaxp) {
      auto Vmax = amap(vmaxp + i0, n);
      Vmax = Vmax.max(V);
      P += (-step_size) * (M / (Vmax.sqrt() / bc2_sqrt + eps));
    } else {
      P += (-step_size) * (M / (V.sqrt() / bc2_sqrt + eps));
    }
  });
}

}  // namespace torchlet::detail

namespace torchlet::optim {

/// torch.optim.Adam.
template <class = void>
class AdamImpl : public OptimizerBase<AdamOptions, AdamState> {
 public:
  using Optimizer::step;
  /// optim::Adam opt(model.parameters(), {.lr = 1e-3});
  AdamImpl(std::vector<Tensor> params, AdamOptions options = {})
      : OptimizerBase("Adam", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  AdamImpl(std::vector<ParamGroup<AdamOptions>> groups, AdamOptions defaults = {})
      : OptimizerBase("Adam", std::move(groups), defaults) {}
  void step() override {
    for_each_param([](const Tensor& p, const Tensor& g, AdamState& st, const AdamOptions& o) {
      detail::adam_update(p, g, st, o, false);
    });
  }
};
/// Adam: see AdamImpl.
using Adam = AdamImpl<>;

/// Adam with decoupled weight decay (Loshchilov & Hutter).
template <class = void>
class AdamWImpl : public OptimizerBase<AdamWOptions, AdamState> {
 public:
  using Optimizer::step;
  /// optim::AdamW opt(model.parameters(), {.lr = 1e-3, .weight_decay = 1e-2});
  AdamWImpl(std::vector<Tensor> params, AdamWOptions options = {})
      : OptimizerBase("AdamW", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  AdamWImpl(std::vector<ParamGroup<AdamWOptions>> groups, AdamWOptions defaults = {})
      : OptimizerBase("AdamW", std::move(groups), defaults) {}
  void step() override {
    for_each_param([](const Tensor& p, const Tensor& g, AdamState& st, const AdamWOptions& o) {
      detail::adam_update(p, g, st, o, true);
    });
  }
};
/// AdamW: see AdamWImpl.
using AdamW = AdamWImpl<>;

}  // namespace torchlet::optim
