#pragma once
// LRScheduler, the base of the epoch-driven learning-rate schedulers (PyTorch's
// _LRScheduler), and SchedulerStateDict.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
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
    apply(get_lr());
  }
  /// Jumps to `epoch` (PyTorch's step(epoch), what SequentialLR does at a milestone): the
  /// closed-form rates of that epoch where the scheduler has them, else the chainable ones.
  void step_to(std::int64_t epoch) {
    ++step_count_;
    last_epoch = epoch;
    auto closed = closed_form_lr();
    apply(closed ? *closed : get_lr());
  }
  /// The optimizer whose learning rates this scheduler sets.
  Optimizer& optimizer() const noexcept { return optimizer_; }
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
    for (std::size_t g = optimizer.initial_lrs.size(); g < optimizer.num_param_groups(); ++g)
      optimizer.initial_lrs.push_back(optimizer.get_lr(g));
    base_lrs.assign(
        optimizer.initial_lrs.begin(),
        optimizer.initial_lrs.begin() + static_cast<std::ptrdiff_t>(optimizer.num_param_groups()));
  }
  /// Sets every group's learning rate and records them as the last ones.
  void apply(const std::vector<double>& lrs) {
    for (std::size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
    last_lr_ = lrs;
  }
  /// The rates of epoch last_epoch from base_lrs alone (PyTorch's _get_closed_form_lr), for
  /// the schedulers that have such a formula; nullopt for the others.
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
  /// Called at the end of each derived constructor: epoch 0.
  void initial_step() {
    step_count_ = 0;
    step();
  }
  /// The learning rates of epoch last_epoch, from the current ones (chainable form).
  virtual std::vector<double> get_lr() = 0;
  /// base_lrs times `factor`.
  std::vector<double> scaled(double factor) const {
    std::vector<double> out;
    for (double b : base_lrs) out.push_back(b * factor);
    return out;
  }
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

  friend class SequentialLR;
};

}  // namespace torchlet::optim
