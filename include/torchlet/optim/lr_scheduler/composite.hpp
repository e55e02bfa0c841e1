#pragma once
// Schedulers made of schedulers, which they hold by reference (the parts must outlive them):
//   SequentialLR      the first scheduler until milestones[0], the next one from there, ...
//   ChainedScheduler  every scheduler stepped each epoch, their factors multiplied
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "torchlet/optim/lr_scheduler/base.hpp"

namespace torchlet::optim {

/// Runs schedulers[i] from milestones[i - 1] on; at a milestone the next scheduler starts
/// from its epoch 0. Stepped like any scheduler.
class SequentialLR {
 public:
  /// SequentialLR(optimizer, [warmup, decay], milestones=[5]), as in PyTorch: the schedulers
  /// were made on `optimizer` (each made its epoch-0 step; SequentialLR undoes them and
  /// restarts the first).
  SequentialLR(Optimizer& optimizer, std::vector<std::reference_wrapper<LRScheduler>> schedulers,
               std::vector<std::int64_t> milestones)
      : schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
    if (schedulers_.empty())
      throw std::invalid_argument("SequentialLR: expects at least one scheduler");
    for (std::size_t i = 0; i < schedulers_.size(); ++i)
      if (&schedulers_[i].get().optimizer() != &optimizer)
        throw std::invalid_argument(
            "SequentialLR: expects all schedulers to belong to the same optimizer, but "
            "scheduler " +
            std::to_string(i) + " has a different one");
    if (milestones_.size() != schedulers_.size() - 1)
      throw std::invalid_argument(
          "SequentialLR: expects number of schedulers provided to be one more than the number "
          "of milestone points, but got " +
          std::to_string(schedulers_.size()) + " schedulers and " +
          std::to_string(milestones_.size()) + " milestones");
    last_epoch = 0;
    for (std::size_t g = 0; g < optimizer.num_param_groups(); ++g)
      optimizer.set_lr(g, optimizer.initial_lrs.at(g));
    for (auto& s : schedulers_) s.get().last_epoch -= 1;
    schedulers_[0].get().initial_step();
    last_lr_ = schedulers_[0].get().get_last_lr();
  }

  /// The next epoch: steps the scheduler whose stretch it is (from its epoch 0 at a milestone).
  void step() {
    ++last_epoch;
    const auto idx = static_cast<std::size_t>(
        std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch) - milestones_.begin());
    LRScheduler& s = schedulers_[idx];
    if (idx > 0 && milestones_[idx - 1] == last_epoch)
      s.step_to(0);
    else
      s.step();
    last_lr_ = s.get_last_lr();
  }
  /// The learning rates after the last step(), one per group.
  const std::vector<double>& get_last_lr() const noexcept { return last_lr_; }

  /// last_epoch and each scheduler's state under "_schedulers.i.".
  SchedulerStateDict state_dict() const {
    SchedulerStateDict s{{"last_epoch", static_cast<double>(last_epoch)}};
    for (std::size_t i = 0; i < schedulers_.size(); ++i)
      for (auto& [k, v] : schedulers_[i].get().state_dict())
        s["_schedulers." + std::to_string(i) + "." + k] = v;
    return s;
  }
  /// Restores a state_dict(); throws std::invalid_argument if a key is missing.
  void load_state_dict(const SchedulerStateDict& s) {
    for (std::size_t i = 0; i < schedulers_.size(); ++i) {
      const std::string prefix = "_schedulers." + std::to_string(i) + ".";
      SchedulerStateDict part;
      for (auto& [k, v] : s)
        if (k.rfind(prefix, 0) == 0) part[k.substr(prefix.size())] = v;
      schedulers_[i].get().load_state_dict(part);
    }
    auto it = s.find("last_epoch");
    if (it == s.end())
      throw std::invalid_argument("SequentialLR load_state_dict: missing key 'last_epoch'");
    last_epoch = static_cast<std::int64_t>(it->second);
  }

  /// Epochs stepped.
  std::int64_t last_epoch = 0;

 private:
  std::vector<std::reference_wrapper<LRScheduler>> schedulers_;
  std::vector<std::int64_t> milestones_;
  std::vector<double> last_lr_;
};

/// Steps every scheduler each epoch: chainable schedulers multiply their factors
/// (ChainedScheduler([ConstantLR(...), ExponentialLR(...)])).
class ChainedScheduler {
 public:
  /// The schedulers, stepped in this order.
  explicit ChainedScheduler(std::vector<std::reference_wrapper<LRScheduler>> schedulers)
      : schedulers_(std::move(schedulers)) {
    if (schedulers_.empty())
      throw std::invalid_argument("ChainedScheduler: expects at least one scheduler");
    record();
  }
  /// Steps every scheduler.
  void step() {
    for (auto& s : schedulers_) s.get().step();
    record();
  }
  /// The learning rates after the last step(), one per group.
  const std::vector<double>& get_last_lr() const noexcept { return last_lr_; }

  /// Each scheduler's state under "_schedulers.i.".
  SchedulerStateDict state_dict() const {
    SchedulerStateDict s;
    for (std::size_t i = 0; i < schedulers_.size(); ++i)
      for (auto& [k, v] : schedulers_[i].get().state_dict())
        s["_schedulers." + std::to_string(i) + "." + k] = v;
    return s;
  }
  /// Restores a state_dict(); throws std::invalid_argument if a key is missing.
  void load_state_dict(const SchedulerStateDict& s) {
    for (std::size_t i = 0; i < schedulers_.size(); ++i) {
      const std::string prefix = "_schedulers." + std::to_string(i) + ".";
      SchedulerStateDict part;
      for (auto& [k, v] : s)
        if (k.rfind(prefix, 0) == 0) part[k.substr(prefix.size())] = v;
      schedulers_[i].get().load_state_dict(part);
    }
    record();
  }

 private:
  void record() {
    const Optimizer& o = schedulers_.back().get().optimizer();
    last_lr_.clear();
    for (std::size_t g = 0; g < o.num_param_groups(); ++g) last_lr_.push_back(o.get_lr(g));
  }
  std::vector<std::reference_wrapper<LRScheduler>> schedulers_;
  std::vector<double> last_lr_;
};

}  // namespace torchlet::optim
