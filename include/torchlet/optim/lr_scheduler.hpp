#pragma once
// Learning-rate schedulers, PyTorch's torch.optim.lr_scheduler: constructing one sets
// the epoch-0 learning rates; call step() once per epoch (or per batch for OneCycleLR)
// after optimizer.step(). The rules are PyTorch's chainable forms, so schedulers see the
// learning rate as the optimizer holds it:
//   StepLR             lr *= gamma every step_size epochs
//   MultiStepLR        lr *= gamma at each milestone
//   ExponentialLR      lr *= gamma every epoch
//   CosineAnnealingLR  lr = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2
//   OneCycleLR         warm up from max_lr / div_factor to max_lr, anneal to min_lr (momentum
//   cycled inversely) ReduceLROnPlateau  lr *= factor when a metric stops improving for `patience`
//   epochs
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// A scheduler's state (state_dict / load_state_dict): named numbers, lists as "name.i".
using SchedulerStateDict = std::map<std::string, double>;

/// Base of the epoch-driven schedulers (PyTorch's _LRScheduler).
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  /// Moves to the next epoch and sets every group's learning rate.
  void step() {
    ++step_count_;
    ++last_epoch;
    const auto lrs = get_lr();
    for (std::size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
    last_lr_ = lrs;
  }
  /// The learning rates set by the last step(), one per group.
  const std::vector<double>& get_last_lr() const noexcept { return last_lr_; }

  /// last_epoch, the step count, base_lrs and the last rates (keys as in PyTorch's state_dict).
  virtual SchedulerStateDict state_dict() const {
    SchedulerStateDict s{{"last_epoch", static_cast<double>(last_epoch)},
                         {"_step_count", static_cast<double>(step_count_)}};
    put_list(s, "base_lrs", base_lrs);
    put_list(s, "_last_lr", last_lr_);
    return s;
  }
  /// Restores a state_dict(); throws std::invalid_argument if a key is missing.
  virtual void load_state_dict(const SchedulerStateDict& s) {
    last_epoch = static_cast<std::int64_t>(get(s, "last_epoch"));
    step_count_ = static_cast<std::int64_t>(get(s, "_step_count"));
    base_lrs = get_list(s, "base_lrs");
    last_lr_ = get_list(s, "_last_lr");
  }

  /// The epoch count (-1 before the initial step).
  std::int64_t last_epoch = -1;
  /// Each group's learning rate when the scheduler was made (PyTorch's initial_lr).
  std::vector<double> base_lrs;

 protected:
  /// Records each group's current learning rate as its base rate.
  explicit LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
    for (std::size_t g = 0; g < optimizer.num_param_groups(); ++g)
      base_lrs.push_back(optimizer.get_lr(g));
  }
  /// Called at the end of each derived constructor: epoch 0.
  void initial_step() {
    step_count_ = 0;
    step();
  }
  /// The learning rates of epoch last_epoch, from the current ones (chainable form).
  virtual std::vector<double> get_lr() = 0;
  /// Each group's current learning rate.
  std::vector<double> current_lrs() const {
    std::vector<double> out;
    for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g)
      out.push_back(optimizer_.get_lr(g));
    return out;
  }
  /// Stores a list in a flat state dict as key.size, key.0, key.1, ...
  static void put_list(SchedulerStateDict& s, const std::string& key,
                       const std::vector<double>& v) {
    s[key + ".size"] = static_cast<double>(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) s[key + "." + std::to_string(i)] = v[i];
  }
  /// The value of `key`; throws std::invalid_argument if it is missing.
  static double get(const SchedulerStateDict& s, const std::string& key) {
    auto it = s.find(key);
    if (it == s.end())
      throw std::invalid_argument("lr_scheduler load_state_dict: missing key '" + key + "'");
    return it->second;
  }
  /// A list stored by put_list.
  static std::vector<double> get_list(const SchedulerStateDict& s, const std::string& key) {
    std::vector<double> v(static_cast<std::size_t>(get(s, key + ".size")));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = get(s, key + "." + std::to_string(i));
    return v;
  }

  /// The optimizer whose learning rates this scheduler sets.
  Optimizer& optimizer_;
  /// Number of step() calls (PyTorch's _step_count).
  std::int64_t step_count_ = 0;
  /// The rates set by the last step().
  std::vector<double> last_lr_;
};

/// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  /// lr = base_lr * gamma^(epoch / step_size) (integer division).
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1)
      : LRScheduler(optimizer), step_size(step_size), gamma(gamma) {
    if (step_size <= 0)
      throw std::invalid_argument("StepLR: step_size must be positive, got " +
                                  std::to_string(step_size));
    initial_step();
  }
  /// Epochs between two decays.
  std::int64_t step_size;
  /// Multiplicative factor of each decay.
  double gamma;

 protected:
  std::vector<double> get_lr() override {
    auto lrs = current_lrs();
    if (last_epoch == 0 || last_epoch % step_size != 0) return lrs;
    for (auto& lr : lrs) lr *= gamma;
    return lrs;
  }
};

/// lr *= gamma at each milestone epoch (a milestone listed twice multiplies twice).
class MultiStepLR : public LRScheduler {
 public:
  /// lr is multiplied by gamma at each of the milestones (epochs, increasing).
  MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma = 0.1)
      : LRScheduler(optimizer), milestones(std::move(milestones)), gamma(gamma) {
    std::sort(this->milestones.begin(), this->milestones.end());
    initial_step();
  }
  /// Epochs at which the rate decays.
  std::vector<std::int64_t> milestones;
  /// Multiplicative factor of each decay.
  double gamma;

 protected:
  std::vector<double> get_lr() override {
    auto lrs = current_lrs();
    const auto hits = std::count(milestones.begin(), milestones.end(), last_epoch);
    if (hits == 0) return lrs;
    for (auto& lr : lrs) lr *= std::pow(gamma, static_cast<double>(hits));
    return lrs;
  }
};

/// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  /// lr = base_lr * gamma^epoch.
  ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma(gamma) {
    initial_step();
  }
  /// Multiplicative factor per epoch.
  double gamma;

 protected:
  std::vector<double> get_lr() override {
    auto lrs = current_lrs();
    if (last_epoch == 0) return lrs;
    for (auto& lr : lrs) lr *= gamma;
    return lrs;
  }
};

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

/// ReduceLROnPlateau's arguments after the optimizer, in PyTorch's order.
struct ReduceLROnPlateauOptions {
  std::string mode = "min";            ///< or "max"
  double factor = 0.1;                 ///< The rates are multiplied by this on a plateau.
  std::int64_t patience = 10;          ///< Epochs without improvement tolerated before reducing.
  double threshold = 1e-4;             ///< The least change that counts as an improvement.
  std::string threshold_mode = "rel";  ///< or "abs"
  std::int64_t cooldown = 0;           ///< Epochs to wait after a reduction before counting again.
  double min_lr = 0.0;                 ///< The rates never go below this.
  double eps = 1e-8;                   ///< Reductions smaller than this are skipped.
};

/// Multiplies the learning rates by `factor` once the metric passed to step() has not
/// improved (by more than `threshold`) for more than `patience` epochs.
class ReduceLROnPlateau {
 public:
  /// ReduceLROnPlateau(optimizer, mode, factor, patience, ...), as in PyTorch.
  explicit ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {})
      : options(std::move(options)), optimizer_(optimizer) {
    const auto& o = this->options;
    if (o.factor >= 1.0)
      throw std::invalid_argument("ReduceLROnPlateau: factor should be < 1.0, got " +
                                  std::to_string(o.factor));
    if (o.mode != "min" && o.mode != "max")
      throw std::invalid_argument("ReduceLROnPlateau: mode " + o.mode + " is unknown!");
    if (o.threshold_mode != "rel" && o.threshold_mode != "abs")
      throw std::invalid_argument("ReduceLROnPlateau: threshold mode " + o.threshold_mode +
                                  " is unknown!");
    best = worse();
    for (std::size_t g = 0; g < optimizer.num_param_groups(); ++g)
      last_lr_.push_back(optimizer.get_lr(g));
  }

  /// Records this epoch's metric (e.g. the validation loss) and reduces the rates if it plateaued.
  void step(double metric) {
    ++last_epoch;
    if (is_better(metric, best)) {
      best = metric;
      num_bad_epochs = 0;
    } else {
      ++num_bad_epochs;
    }
    if (cooldown_counter > 0) {
      --cooldown_counter;
      num_bad_epochs = 0;
    }
    if (num_bad_epochs > options.patience) {
      for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
        const double old_lr = optimizer_.get_lr(g),
                     new_lr = std::max(old_lr * options.factor, options.min_lr);
        if (old_lr - new_lr > options.eps) optimizer_.set_lr(g, new_lr);
      }
      cooldown_counter = options.cooldown;
      num_bad_epochs = 0;
    }
    last_lr_.clear();
    for (std::size_t g = 0; g < optimizer_.num_param_groups(); ++g)
      last_lr_.push_back(optimizer_.get_lr(g));
  }
  /// The learning rates after the last step(), one per group.
  const std::vector<double>& get_last_lr() const noexcept { return last_lr_; }

  /// best, num_bad_epochs, cooldown_counter, last_epoch and the last rates.
  SchedulerStateDict state_dict() const {
    return {{"best", best},
            {"num_bad_epochs", static_cast<double>(num_bad_epochs)},
            {"cooldown_counter", static_cast<double>(cooldown_counter)},
            {"last_epoch", static_cast<double>(last_epoch)}};
  }
  /// Restores a state_dict(); throws std::invalid_argument if a key is missing.
  void load_state_dict(const SchedulerStateDict& s) {
    auto get = [&](const char* k) {
      auto it = s.find(k);
      if (it == s.end())
        throw std::invalid_argument(
            std::string("ReduceLROnPlateau load_state_dict: missing key '") + k + "'");
      return it->second;
    };
    best = get("best");
    num_bad_epochs = static_cast<std::int64_t>(get("num_bad_epochs"));
    cooldown_counter = static_cast<std::int64_t>(get("cooldown_counter"));
    last_epoch = static_cast<std::int64_t>(get("last_epoch"));
  }

  /// The options given.
  ReduceLROnPlateauOptions options;
  /// The best metric seen so far.
  double best;
  ///@{
  /// Epochs without improvement, epochs left to wait after a reduction, and step() calls.
  std::int64_t num_bad_epochs = 0, cooldown_counter = 0, last_epoch = 0;
  ///@}

 private:
  double worse() const {
    return options.mode == "min" ? std::numeric_limits<double>::infinity()
                                 : -std::numeric_limits<double>::infinity();
  }
  bool is_better(double a, double b) const {
    if (options.mode == "min")
      return options.threshold_mode == "rel" ? a < b * (1.0 - options.threshold)
                                             : a < b - options.threshold;
    return options.threshold_mode == "rel" ? a > b * (options.threshold + 1.0)
                                           : a > b + options.threshold;
  }
  Optimizer& optimizer_;
  std::vector<double> last_lr_;
};

}  // namespace torchlet::optim
