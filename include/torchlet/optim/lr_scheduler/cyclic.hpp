#pragma once
// Schedulers that follow a curve:
//   CosineAnnealingLR  lr = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2
//   CosineAnnealingWarmRestarts  the same over T_i epochs, restarting (T_i *= T_mult)
//   CyclicLR           lr between base_lr and max_lr in triangles (triangular, triangular2,
//                      exp_range or a scale_fn), momentum cycled inversely
//   OneCycleLR         warm up from max_lr / div_factor to max_lr, anneal to min_lr (momentum
//                      cycled inversely)
#include <array>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "torchlet/optim/lr_scheduler/base.hpp"

namespace torchlet::optim {

/// Cosine annealing from base_lr to eta_min over T_max epochs (and back up after, as in PyTorch).
class CosineAnnealingLR : public LRScheduler {
 public:
  /// lr follows half a cosine from base_lr down to eta_min over T_max epochs.
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0.0)
      : LRScheduler(optimizer), T_max(T_max), eta_min(eta_min) {
    if (T_max <= 0)
      throw std::invalid_argument("CosineAnnealingLR: T_max must be positive, got " +
                                  std::to_string(T_max));
    initial_step();
  }
  /// Epochs of half a period.
  std::int64_t T_max;
  /// The lowest rate.
  double eta_min;

 protected:
  std::optional<std::vector<double>> closed_form_lr() const override {
    std::vector<double> lrs;
    for (double base : base_lrs)
      lrs.push_back(eta_min +
                    (base - eta_min) *
                        (1 + std::cos(3.14159265358979323846 * static_cast<double>(last_epoch) /
                                      static_cast<double>(T_max))) /
                        2);
    return lrs;
  }
  std::vector<double> get_lr() override {
    auto lrs = current_lrs();
    const double pi = 3.14159265358979323846, T = static_cast<double>(T_max),
                 e = static_cast<double>(last_epoch);
    for (std::size_t g = 0; g < lrs.size(); ++g) {
      if (last_epoch == 0) continue;
      if (step_count_ == 1 && last_epoch > 0)
        lrs[g] = eta_min + (base_lrs[g] - eta_min) * (1 + std::cos(e * pi / T)) / 2;
      else if ((last_epoch - 1 - T_max) % (2 * T_max) == 0)
        lrs[g] = lrs[g] + (base_lrs[g] - eta_min) * (1 - std::cos(pi / T)) / 2;
      else
        lrs[g] =
            (1 + std::cos(pi * e / T)) / (1 + std::cos(pi * (e - 1) / T)) * (lrs[g] - eta_min) +
            eta_min;
    }
    return lrs;
  }
};

/// OneCycleLR's arguments after max_lr, in PyTorch's order. Give total_steps, or epochs
/// and steps_per_epoch.
struct OneCycleLROptions {
  std::int64_t total_steps = 0;         ///< Steps in the cycle (or 0: epochs * steps_per_epoch).
  std::int64_t epochs = 0;              ///< Epochs, when total_steps is 0.
  std::int64_t steps_per_epoch = 0;     ///< Steps per epoch, when total_steps is 0.
  double pct_start = 0.3;               ///< Fraction of the steps spent raising the rate.
  std::string anneal_strategy = "cos";  ///< or "linear"
  bool cycle_momentum = true;           ///< Move momentum (or beta1) opposite to the rate.
  double base_momentum = 0.85;          ///< Momentum at the peak rate.
  double max_momentum = 0.95;           ///< Momentum at the lowest rates.
  double div_factor = 25.0;             ///< initial_lr = max_lr / div_factor.
  double final_div_factor = 1e4;        ///< min_lr = initial_lr / final_div_factor.
  bool three_phase =
      false;  ///< Three phases (up, back down to initial_lr, then to min_lr) instead of two.
};

/// The 1cycle policy, stepped once per batch: lr rises from max_lr / div_factor to max_lr
/// over pct_start of the steps, then falls to initial_lr / final_div_factor; momentum (or
/// Adam's beta1) moves the other way between max_momentum and base_momentum.
class OneCycleLR : public LRScheduler {
 public:
  /// One max_lr for every group.
  OneCycleLR(Optimizer& optimizer, double max_lr, OneCycleLROptions options = {})
      : OneCycleLR(optimizer, std::vector<double>(optimizer.num_param_groups(), max_lr),
                   std::move(options)) {}
  /// One max_lr per group.
  OneCycleLR(Optimizer& optimizer, std::vector<double> max_lrs, OneCycleLROptions options = {})
      : LRScheduler(optimizer), options(std::move(options)) {
    auto& o = this->options;
    if (o.total_steps > 0)
      total_steps = o.total_steps;
    else if (o.epochs > 0 && o.steps_per_epoch > 0)
      total_steps = o.epochs * o.steps_per_epoch;
    else
      throw std::invalid_argument(
          "OneCycleLR: give a positive total_steps, or positive epochs and steps_per_epoch");
    if (!(o.pct_start >= 0 && o.pct_start <= 1))
      throw std::invalid_argument("OneCycleLR: expected pct_start between 0 and 1, got " +
                                  std::to_string(o.pct_start));
    if (o.anneal_strategy != "cos" && o.anneal_strategy != "linear")
      throw std::invalid_argument("OneCycleLR: anneal_strategy must be 'cos' or 'linear', got '" +
                                  o.anneal_strategy + "'");
    const std::size_t groups = optimizer.num_param_groups();
    if (max_lrs.size() != groups)
      throw std::invalid_argument("OneCycleLR: expected " + std::to_string(groups) +
                                  " values for max_lr, got " + std::to_string(max_lrs.size()));
    const double T = static_cast<double>(total_steps);
    if (o.three_phase)
      phases_ = {{o.pct_start * T - 1, kInitial, kMax, kMaxM, kBaseM},
                 {2 * o.pct_start * T - 2, kMax, kInitial, kBaseM, kMaxM},
                 {T - 1, kInitial, kMin, kMaxM, kMaxM}};
    else
      phases_ = {{o.pct_start * T - 1, kInitial, kMax, kMaxM, kBaseM},
                 {T - 1, kMax, kMin, kBaseM, kMaxM}};
    if (o.cycle_momentum) {
      if (optimizer.has_option("betas.0"))
        momentum_key_ = "betas.0";
      else if (optimizer.has_option("momentum"))
        momentum_key_ = "momentum";
      else
        throw std::invalid_argument(
            "OneCycleLR: optimizer must support momentum with `cycle_momentum` option enabled");
    }
    for (std::size_t g = 0; g < groups; ++g) {
      const double initial = max_lrs[g] / o.div_factor;
      values_.push_back(
          {initial, max_lrs[g], initial / o.final_div_factor, o.max_momentum, o.base_momentum});
      if (o.cycle_momentum) optimizer.set_option(g, momentum_key_, o.max_momentum);
      base_lrs[g] = initial;
      optimizer.initial_lrs[g] = initial;
    }
    initial_step();
  }
  /// The options given.
  OneCycleLROptions options;
  /// Steps in the cycle (from the options).
  std::int64_t total_steps = 0;

 protected:
  std::vector<double> get_lr() override {
    if (last_epoch > total_steps)
      throw std::out_of_range("OneCycleLR: tried to step " + std::to_string(last_epoch + 1) +
                              " times; the specified number of total steps is " +
                              std::to_string(total_steps));
    const double step_num = static_cast<double>(last_epoch);
    std::vector<double> lrs;
    for (std::size_t g = 0; g < values_.size(); ++g) {
      const auto& v = values_[g];
      double start_step = 0, lr = 0, momentum = 0;
      for (std::size_t i = 0; i < phases_.size(); ++i) {
        const auto& ph = phases_[i];
        if (step_num <= ph.end_step || i + 1 == phases_.size()) {
          const double pct = (step_num - start_step) / (ph.end_step - start_step);
          lr = anneal(v[ph.start_lr], v[ph.end_lr], pct);
          momentum = anneal(v[ph.start_m], v[ph.end_m], pct);
          break;
        }
        start_step = ph.end_step;
      }
      lrs.push_back(lr);
      if (options.cycle_momentum) optimizer_.set_option(g, momentum_key_, momentum);
    }
    return lrs;
  }

 private:
  enum Slot { kInitial, kMax, kMin, kMaxM, kBaseM };
  struct Phase {
    double end_step;
    Slot start_lr, end_lr, start_m, end_m;
  };
  double anneal(double start, double end, double pct) const {
    if (options.anneal_strategy == "linear") return (end - start) * pct + start;
    const double cos_out = std::cos(3.14159265358979323846 * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  std::vector<Phase> phases_;
  std::vector<std::array<double, 5>> values_;  // per group, indexed by Slot
  std::string momentum_key_;
};

/// Cosine annealing with warm restarts (SGDR): lr = eta_min + (base_lr - eta_min)
/// (1 + cos(pi T_cur / T_i)) / 2, where T_cur counts the epochs since the last restart and
/// the i-th period lasts T_i = T_0 T_mult^i epochs.
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  /// CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0), as in PyTorch.
  CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0, std::int64_t T_mult = 1,
                              double eta_min = 0.0)
      : LRScheduler(optimizer), T_0(T_0), T_mult(T_mult), eta_min(eta_min) {
    if (T_0 <= 0)
      throw std::invalid_argument(
          "CosineAnnealingWarmRestarts: expected a positive integer T_0, got " +
          std::to_string(T_0));
    if (T_mult < 1)
      throw std::invalid_argument(
          "CosineAnnealingWarmRestarts: expected an integer T_mult >= 1, got " +
          std::to_string(T_mult));
    initial_step();
  }
  using LRScheduler::step;
  /// Jumps to a fractional epoch (`sched.step(epoch + i / iters)` per batch, as in PyTorch).
  void step(double epoch) {
    if (epoch < 0)
      throw std::invalid_argument(
          "CosineAnnealingWarmRestarts::step: expected a non-negative epoch, got " +
          std::to_string(epoch));
    const double t0 = static_cast<double>(T_0), mult = static_cast<double>(T_mult);
    if (epoch >= t0) {
      if (T_mult == 1) {
        T_cur = std::fmod(epoch, t0);
      } else {
        const double n = std::floor(std::log(epoch / t0 * (mult - 1) + 1) / std::log(mult));
        T_cur = epoch - t0 * (std::pow(mult, n) - 1) / (mult - 1);
        T_i = t0 * std::pow(mult, n);
      }
    } else {
      T_i = t0;
      T_cur = epoch;
    }
    ++step_count_;
    last_epoch = static_cast<std::int64_t>(std::floor(epoch));
    apply(rates());
  }
  ///@{
  /// The first period, its growth factor and the lowest rate.
  std::int64_t T_0, T_mult;
  double eta_min;
  ///@}
  ///@{
  /// The current period and the epochs since the last restart.
  double T_i = 0, T_cur = 0;
  ///@}

  /// The base state plus T_i and T_cur.
  SchedulerStateDict state_dict() const override {
    auto s = LRScheduler::state_dict();
    s["T_i"] = T_i;
    s["T_cur"] = T_cur;
    return s;
  }
  /// Restores a state_dict().
  void load_state_dict(const SchedulerStateDict& s) override {
    LRScheduler::load_state_dict(s);
    T_i = get(s, "T_i");
    T_cur = get(s, "T_cur");
  }

 protected:
  std::vector<double> get_lr() override {
    if (last_epoch == 0) {
      T_i = static_cast<double>(T_0);
      T_cur = 0;
    } else {
      T_cur += 1;
      if (T_cur >= T_i) {
        T_cur -= T_i;
        T_i *= static_cast<double>(T_mult);
      }
    }
    return rates();
  }

 private:
  std::vector<double> rates() const {
    std::vector<double> lrs;
    for (double base : base_lrs)
      lrs.push_back(eta_min +
                    (base - eta_min) * (1 + std::cos(3.14159265358979323846 * T_cur / T_i)) / 2);
    return lrs;
  }
};

/// CyclicLR's arguments after max_lr, in PyTorch's order.
struct CyclicLROptions {
  double step_size_up = 2000;       ///< Steps from base_lr up to max_lr.
  double step_size_down = 0;        ///< Steps back down (0: step_size_up, PyTorch's None).
  std::string mode = "triangular";  ///< "triangular", "triangular2" or "exp_range".
  double gamma = 1.0;               ///< exp_range's factor per step: gamma^iterations.
  /// A custom scale (replaces mode): scale_fn(cycle) or scale_fn(iterations).
  std::function<double(double)> scale_fn = nullptr;
  std::string scale_mode = "cycle";  ///< With scale_fn: "cycle" or "iterations".
  bool cycle_momentum = true;        ///< Move momentum opposite to the rate.
  double base_momentum = 0.8;        ///< Momentum at the peak rate.
  double max_momentum = 0.9;         ///< Momentum at base_lr.
};

/// Cycles each group's rate between base_lr and max_lr (Smith, 2017), stepped once per batch;
/// the amplitude is scaled per cycle (triangular2: halved) or per step (exp_range: gamma^t).
/// With cycle_momentum the momentum moves from max_momentum down to base_momentum and back.
class CyclicLR : public LRScheduler {
 public:
  /// One base_lr and max_lr for every group.
  CyclicLR(Optimizer& optimizer, double base_lr, double max_lr, CyclicLROptions options = {})
      : CyclicLR(optimizer, std::vector<double>(optimizer.num_param_groups(), base_lr),
                 std::vector<double>(optimizer.num_param_groups(), max_lr), std::move(options)) {}
  /// One base_lr and max_lr per group.
  CyclicLR(Optimizer& optimizer, std::vector<double> base_lr, std::vector<double> max_lr,
           CyclicLROptions options = {})
      : LRScheduler(optimizer), max_lrs(std::move(max_lr)), options(std::move(options)) {
    auto& o = this->options;
    const std::size_t groups = optimizer.num_param_groups();
    if (base_lr.size() != groups || max_lrs.size() != groups)
      throw std::invalid_argument(
          "CyclicLR: expected " + std::to_string(groups) + " values for base_lr and max_lr, got " +
          std::to_string(base_lr.size()) + " and " + std::to_string(max_lrs.size()));
    if (!o.scale_fn && o.mode != "triangular" && o.mode != "triangular2" && o.mode != "exp_range")
      throw std::invalid_argument("CyclicLR: mode " + o.mode + " is invalid and scale_fn is None");
    if (o.scale_fn && o.scale_mode != "cycle" && o.scale_mode != "iterations")
      throw std::invalid_argument("CyclicLR: scale_mode must be 'cycle' or 'iterations', got '" +
                                  o.scale_mode + "'");
    if (!(o.step_size_up > 0) || o.step_size_down < 0)
      throw std::invalid_argument(
          "CyclicLR: step_size_up must be positive and step_size_down "
          "non-negative");
    if (o.cycle_momentum && !optimizer.has_option("momentum"))
      throw std::invalid_argument(
          "CyclicLR: optimizer must support momentum with `cycle_momentum` option enabled");
    const double down = o.step_size_down > 0 ? o.step_size_down : o.step_size_up;
    total_size_ = o.step_size_up + down;
    step_ratio_ = o.step_size_up / total_size_;
    for (std::size_t g = 0; g < groups; ++g) {
      optimizer.set_lr(g, base_lr[g]);
      optimizer.initial_lrs[g] = base_lr[g];
      if (o.cycle_momentum) optimizer.set_option(g, "momentum", o.max_momentum);
    }
    base_lrs = std::move(base_lr);
    initial_step();
  }
  /// Each group's highest rate.
  std::vector<double> max_lrs;
  /// The options given.
  CyclicLROptions options;

 protected:
  std::vector<double> get_lr() override {
    const double e = static_cast<double>(last_epoch);
    const double cycle = std::floor(1 + e / total_size_);
    const double x = 1.0 + e / total_size_ - cycle;
    const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
    const double scale = scale_of(cycle, e);
    std::vector<double> lrs;
    for (std::size_t g = 0; g < base_lrs.size(); ++g) {
      lrs.push_back(base_lrs[g] + (max_lrs[g] - base_lrs[g]) * scale_factor * scale);
      if (options.cycle_momentum)
        optimizer_.set_option(
            g, "momentum",
            options.max_momentum -
                (options.max_momentum - options.base_momentum) * scale_factor * scale);
    }
    return lrs;
  }

 private:
  double scale_of(double cycle, double iterations) const {
    if (options.scale_fn)
      return options.scale_fn(options.scale_mode == "cycle" ? cycle : iterations);
    if (options.mode == "triangular2") return 1.0 / std::pow(2.0, cycle - 1);
    if (options.mode == "exp_range") return std::pow(options.gamma, iterations);
    return 1.0;
  }
  double total_size_ = 0, step_ratio_ = 0;
};

}  // namespace torchlet::optim
