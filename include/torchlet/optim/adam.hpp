#pragma once
// optim::Adam and optim::AdamW, PyTorch's update rules (float32, in PyTorch's order):
//   d = (maximize ? -grad : grad) (+ weight_decay * p for Adam; AdamW first does p *= 1 - lr *
//   weight_decay) m = beta1 * m + (1 - beta1) * d,  v = beta2 * v + (1 - beta2) * d^2,  (amsgrad:
//   v_max = max(v_max, v)) p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include <cmath>
#include <utility>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::detail {
template <class O>
std::vector<OptionRef> adam_fields(O& o);
template <class O>
void adam_check(const O& o, const std::string& op);
}  // namespace torchlet::detail

namespace torchlet::optim {

/// Fields in the order of torch.optim.Adam's arguments.
struct AdamOptions {
  double lr = 1e-3;  ///< Learning rate.
  std::pair<double, double> betas = {
      0.9, 0.999};    ///< Decay rates of the running averages of the gradient and of its square.
  double eps = 1e-8;  ///< Added to the denominator.
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient.
  bool amsgrad = false;       ///< Use the maximum of the past squared-gradient averages (AMSGrad).
  bool maximize = false;      ///< Maximise the objective instead of minimising it.

  /// The options by name, for get_option / set_option and state_dict.
  std::vector<torchlet::detail::OptionRef> fields() { return torchlet::detail::adam_fields(*this); }
  /// Throws std::invalid_argument naming `op` for an invalid value.
  void check(const std::string& op) const { torchlet::detail::adam_check(*this, op); }
};

/// Fields in the order of torch.optim.AdamW's arguments (Adam's, with weight_decay 1e-2).
struct AdamWOptions {
  double lr = 1e-3;  ///< Learning rate.
  std::pair<double, double> betas = {
      0.9, 0.999};    ///< Decay rates of the running averages of the gradient and of its square.
  double eps = 1e-8;  ///< Added to the denominator.
  double weight_decay = 1e-2;  ///< Decoupled weight decay: p -= lr * weight_decay * p.
  bool amsgrad = false;        ///< Use the maximum of the past squared-gradient averages (AMSGrad).
  bool maximize = false;       ///< Maximise the objective instead of minimising it.

  /// The options by name, for get_option / set_option and state_dict.
  std::vector<torchlet::detail::OptionRef> fields() { return torchlet::detail::adam_fields(*this); }
  /// Throws std::invalid_argument naming `op` for an invalid value.
  void check(const std::string& op) const { torchlet::detail::adam_check(*this, op); }
};

/// Adam's per-parameter state (PyTorch's state[p]).
struct AdamState {
  std::int64_t step = 0;  ///< Updates made so far.
  ///@{
  /// Running averages of the gradient and of its square, and their maximum (AMSGrad); each of the
  /// parameter's shape.
  Tensor exp_avg, exp_avg_sq, max_exp_avg_sq;
  ///@}
  /// The state under PyTorch's names ("step", "exp_avg", ...).
  std::map<std::string, Tensor> to_map() const {
    if (!exp_avg.defined()) return {};
    std::map<std::string, Tensor> m{{"step", scalar_tensor<float>(static_cast<float>(step))},
                                    {"exp_avg", exp_avg},
                                    {"exp_avg_sq", exp_avg_sq}};
    if (max_exp_avg_sq.defined()) m["max_exp_avg_sq"] = max_exp_avg_sq;
    return m;
  }
  /// Reads back what to_map() wrote.
  static AdamState from_map(const std::map<std::string, Tensor>& m) {
    AdamState s;
    auto get = [&](const char* k) {
      auto it = m.find(k);
      return it == m.end() ? Tensor{} : it->second;
    };
    if (auto st = get("step"); st.defined()) s.step = static_cast<std::int64_t>(st.item());
    s.exp_avg = get("exp_avg");
    s.exp_avg_sq = get("exp_avg_sq");
    s.max_exp_avg_sq = get("max_exp_avg_sq");
    return s;
  }
};

}  // namespace torchlet::optim

namespace torchlet::detail {

template <class O>
std::vector<OptionRef> adam_fields(O& o) {
  return {{"lr", &o.lr},
          {"betas.0", &o.betas.first},
          {"betas.1", &o.betas.second},
          {"eps", &o.eps},
          {"weight_decay", &o.weight_decay},
          {"amsgrad", nullptr, &o.amsgrad},
          {"maximize", nullptr, &o.maximize}};
}
template <class O>
void adam_check(const O& o, const std::string& op) {
  if (!(o.lr >= 0))
    throw std::invalid_argument(op + ": invalid learning rate " + std::to_string(o.lr));
  if (!(o.eps >= 0))
    throw std::invalid_argument(op + ": invalid epsilon value " + std::to_string(o.eps));
  if (!(o.betas.first >= 0 && o.betas.first < 1))
    throw std::invalid_argument(
        op + ": invalid beta parameter at index 0: " + std::to_string(o.betas.first));
  if (!(o.betas.second >= 0 && o.betas.second < 1))
    throw std::invalid_argument(
        op + ": invalid beta parameter at index 1: " + std::to_string(o.betas.second));
  if (!(o.weight_decay >= 0))
    throw std::invalid_argument(op + ": invalid weight_decay value " +
                                std::to_string(o.weight_decay));
}

/// One Adam(W) update of p; decoupled = AdamW's weight decay.
template <class O>
void adam_update(const Tensor& p, const Tensor& grad, optim::AdamState& st, const O& o,
                 bool decoupled) {
  const float sign = o.maximize ? -1.0f : 1.0f;
  const double b1 = o.betas.first, b2 = o.betas.second;
  auto P = amap(p.data(), p.numel());
  const auto G = camap(grad.data(), grad.numel());
  if (!st.exp_avg.defined()) {
    st.exp_avg = zeros<float>(p.shape());
    st.exp_avg_sq = zeros<float>(p.shape());
  }
  if (o.amsgrad && !st.max_exp_avg_sq.defined()) st.max_exp_avg_sq = zeros<float>(p.shape());
  ++st.step;
  float wd = static_cast<float>(o.weight_decay);
  if (decoupled) {
    P *= static_cast<float>(1.0 - o.lr * o.weight_decay);
    wd = 0.0f;
  }
  auto M = amap(st.exp_avg.data(), p.numel());
  auto V = amap(st.exp_avg_sq.data(), p.numel());
  const auto fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2);
  const auto c1 = static_cast<float>(1.0 - b1), c2 = static_cast<float>(1.0 - b2);
  if (wd != 0) {
    M = M * fb1 + c1 * (sign * G + wd * P);
    V = V * fb2 + (c2 * (sign * G + wd * P)) * (sign * G + wd * P);
  } else {
    M = M * fb1 + c1 * (sign * G);
    V = V * fb2 + (c2 * (sign * G)) * (sign * G);
  }
  const double t = static_cast<double>(st.step);
  const double bias_correction1 = 1.0 - std::pow(b1, t), bias_correction2 = 1.0 - std::pow(b2, t);
  const auto step_size = static_cast<float>(o.lr / bias_correction1);
  const auto bc2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
  const auto eps = static_cast<float>(o.eps);
  if (o.amsgrad) {
    auto Vmax = amap(st.max_exp_avg_sq.data(), p.numel());
    Vmax = Vmax.max(V);
    P += (-step_size) * (M / (Vmax.sqrt() / bc2_sqrt + eps));
  } else {
    P += (-step_size) * (M / (V.sqrt() / bc2_sqrt + eps));
  }
}

}  // namespace torchlet::detail

namespace torchlet::optim {

/// torch.optim.Adam.
class Adam : public OptimizerBase<AdamOptions, AdamState> {
 public:
  /// optim::Adam opt(model.parameters(), {.lr = 1e-3});
  Adam(std::vector<Tensor> params, AdamOptions options = {})
      : OptimizerBase("Adam", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  Adam(std::vector<ParamGroup<AdamOptions>> groups, AdamOptions defaults = {})
      : OptimizerBase("Adam", std::move(groups), defaults) {}
  void step() override {
    for_each_param([](const Tensor& p, const Tensor& g, AdamState& st, const AdamOptions& o) {
      torchlet::detail::adam_update(p, g, st, o, false);
    });
  }
};

/// Adam with decoupled weight decay (Loshchilov & Hutter).
class AdamW : public OptimizerBase<AdamWOptions, AdamState> {
 public:
  /// optim::AdamW opt(model.parameters(), {.lr = 1e-3, .weight_decay = 1e-2});
  AdamW(std::vector<Tensor> params, AdamWOptions options = {})
      : OptimizerBase("AdamW", std::move(params), options) {}
  /// Parameter groups, each with its own options or the defaults.
  AdamW(std::vector<ParamGroup<AdamWOptions>> groups, AdamWOptions defaults = {})
      : OptimizerBase("AdamW", std::move(groups), defaults) {}
  void step() override {
    for_each_param([](const Tensor& p, const Tensor& g, AdamState& st, const AdamWOptions& o) {
      torchlet::detail::adam_update(p, g, st, o, true);
    });
  }
};

}  // namespace torchlet::optim
