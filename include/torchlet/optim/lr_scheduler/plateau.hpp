#pragma once
// ReduceLROnPlateau: lr *= factor when a metric stops improving for `patience` epochs.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "torchlet/optim/lr_scheduler/base.hpp"

namespace torchlet::optim {

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
