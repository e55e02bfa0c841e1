#pragma once
// Schedulers that multiply the learning rate by a factor per epoch:
//   StepLR             lr *= gamma every step_size epochs
//   MultiStepLR        lr *= gamma at each milestone
//   ExponentialLR      lr *= gamma every epoch
//   LambdaLR           lr = base_lr * lr_lambda(epoch)
//   MultiplicativeLR   lr *= lr_lambda(epoch)
//   ConstantLR         lr = base_lr * factor for total_iters epochs, then base_lr
//   LinearLR           the factor moves linearly from start_factor to end_factor
//   PolynomialLR       lr = base_lr * (1 - epoch / total_iters)^power until total_iters
#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "torchlet/optim/lr_scheduler/base.hpp"

namespace torchlet::optim {

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
  std::optional<std::vector<double>> closed_form_lr() const override {
    const std::int64_t decays = last_epoch / step_size;  // floor division, as PyTorch's //
    return scaled(std::pow(gamma, static_cast<double>(decays)));
  }
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
  std::optional<std::vector<double>> closed_form_lr() const override {
    const auto passed =
        std::upper_bound(milestones.begin(), milestones.end(), last_epoch) - milestones.begin();
    return scaled(std::pow(gamma, static_cast<double>(passed)));
  }
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
  std::optional<std::vector<double>> closed_form_lr() const override {
    return scaled(std::pow(gamma, static_cast<double>(last_epoch)));
  }
  std::vector<double> get_lr() override {
    auto lrs = current_lrs();
    if (last_epoch == 0) return lrs;
    for (auto& lr : lrs) lr *= gamma;
    return lrs;
  }
};

/// lr = base_lr * lr_lambda(epoch): one function for every group, or one per group.
class LambdaLR : public LRScheduler {
 public:
  /// The factor of each epoch, as a function of the epoch.
  using Lambda = std::function<double(std::int64_t)>;
  /// One lr_lambda for every group.
  LambdaLR(Optimizer& optimizer, const Lambda& lr_lambda)
      : LambdaLR(optimizer, std::vector<Lambda>(optimizer.num_param_groups(), lr_lambda)) {}
  /// One lr_lambda per group.
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas)
      : LRScheduler(optimizer), lr_lambdas(std::move(lr_lambdas)) {
    check_lambdas("LambdaLR", this->lr_lambdas, optimizer);
    initial_step();
  }
  /// The functions, one per group.
  std::vector<Lambda> lr_lambdas;

  /// Checks there is one function per group.
  static void check_lambdas(const char* op, const std::vector<Lambda>& f, const Optimizer& o) {
    if (f.size() != o.num_param_groups())
      throw std::invalid_argument(std::string(op) + ": expected " +
                                  std::to_string(o.num_param_groups()) + " lr_lambdas, but got " +
                                  std::to_string(f.size()));
    for (const auto& fn : f)
      if (!fn) throw std::invalid_argument(std::string(op) + ": an lr_lambda is empty");
  }

 protected:
  std::vector<double> get_lr() override {
    std::vector<double> lrs;
    for (std::size_t g = 0; g < base_lrs.size(); ++g)
      lrs.push_back(base_lrs[g] * lr_lambdas[g](last_epoch));
    return lrs;
  }
};

/// lr *= lr_lambda(epoch) every epoch after the first: one function, or one per group.
class MultiplicativeLR : public LRScheduler {
 public:
  /// One lr_lambda for every group.
  MultiplicativeLR(Optimizer& optimizer, const LambdaLR::Lambda& lr_lambda)
      : MultiplicativeLR(optimizer,
                         std::vector<LambdaLR::Lambda>(optimizer.num_param_groups(), lr_lambda)) {}
  /// One lr_lambda per group.
  MultiplicativeLR(Optimizer& optimizer, std::vector<LambdaLR::Lambda> lr_lambdas)
      : LRScheduler(optimizer), lr_lambdas(std::move(lr_lambdas)) {
    LambdaLR::check_lambdas("MultiplicativeLR", this->lr_lambdas, optimizer);
    initial_step();
  }
  /// The functions, one per group.
  std::vector<LambdaLR::Lambda> lr_lambdas;

 protected:
  std::vector<double> get_lr() override {
    auto lrs = current_lrs();
    if (last_epoch > 0)
      for (std::size_t g = 0; g < lrs.size(); ++g) lrs[g] *= lr_lambdas[g](last_epoch);
    return lrs;
  }
};

/// lr = base_lr * factor until epoch total_iters, then base_lr (a warm-up).
class ConstantLR : public LRScheduler {
 public:
  /// ConstantLR(optimizer, factor=1/3, total_iters=5), as in PyTorch.
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, std::int64_t total_iters = 5)
      : LRScheduler(optimizer), factor(factor), total_iters(total_iters) {
    if (!(factor >= 0 && factor <= 1))
      throw std::invalid_argument(
          "ConstantLR: constant multiplicative factor expected to be between 0 and 1, got " +
          std::to_string(factor));
    initial_step();
  }
  /// The factor before total_iters.
  double factor;
  /// Epochs at the reduced rate.
  std::int64_t total_iters;

 protected:
  std::optional<std::vector<double>> closed_form_lr() const override {
    return scaled(factor + (last_epoch >= total_iters ? 1.0 - factor : 0.0));
  }
  std::vector<double> get_lr() override {
    auto lrs = current_lrs();
    if (last_epoch == 0)
      for (auto& lr : lrs) lr *= factor;
    else if (last_epoch == total_iters)
      for (auto& lr : lrs) lr *= 1.0 / factor;
    return lrs;
  }
};

/// The factor of base_lr moves linearly from start_factor to end_factor over total_iters
/// epochs, then stays.
class LinearLR : public LRScheduler {
 public:
  /// LinearLR(optimizer, start_factor=1/3, end_factor=1, total_iters=5), as in PyTorch.
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           std::int64_t total_iters = 5)
      : LRScheduler(optimizer),
        start_factor(start_factor),
        end_factor(end_factor),
        total_iters(total_iters) {
    if (!(start_factor > 0 && start_factor <= 1))
      throw std::invalid_argument(
          "LinearLR: starting multiplicative factor expected to be greater than 0 and less or "
          "equal to 1, got " +
          std::to_string(start_factor));
    if (!(end_factor >= 0 && end_factor <= 1))
      throw std::invalid_argument(
          "LinearLR: ending multiplicative factor expected to be between 0 and 1, got " +
          std::to_string(end_factor));
    initial_step();
  }
  ///@{
  /// The factors at epoch 0 and from total_iters on, and the epochs between them.
  double start_factor, end_factor;
  std::int64_t total_iters;
  ///@}

 protected:
  std::optional<std::vector<double>> closed_form_lr() const override {
    const double done =
        static_cast<double>(std::min(total_iters, last_epoch)) / static_cast<double>(total_iters);
    return scaled(start_factor + (end_factor - start_factor) * done);
  }
  std::vector<double> get_lr() override {
    auto lrs = current_lrs();
    if (last_epoch == 0) {
      for (auto& lr : lrs) lr *= start_factor;
    } else if (last_epoch <= total_iters) {
      const double f =
          1.0 + (end_factor - start_factor) /
                    (static_cast<double>(total_iters) * start_factor +
                     static_cast<double>(last_epoch - 1) * (end_factor - start_factor));
      for (auto& lr : lrs) lr *= f;
    }
    return lrs;
  }
};

/// lr = base_lr * (1 - epoch / total_iters)^power until total_iters, then 0 (PyTorch 1.13).
class PolynomialLR : public LRScheduler {
 public:
  /// PolynomialLR(optimizer, total_iters=5, power=1), as in PyTorch.
  PolynomialLR(Optimizer& optimizer, std::int64_t total_iters = 5, double power = 1.0)
      : LRScheduler(optimizer), total_iters(total_iters), power(power) {
    if (total_iters <= 0)
      throw std::invalid_argument("PolynomialLR: total_iters must be positive, got " +
                                  std::to_string(total_iters));
    initial_step();
  }
  /// Epochs of the decay.
  std::int64_t total_iters;
  /// The polynomial's power.
  double power;

 protected:
  std::optional<std::vector<double>> closed_form_lr() const override {
    return scaled(std::pow(1.0 - static_cast<double>(std::min(total_iters, last_epoch)) /
                                     static_cast<double>(total_iters),
                           power));
  }
  std::vector<double> get_lr() override {
    auto lrs = current_lrs();
    if (last_epoch == 0 || last_epoch > total_iters) return lrs;
    const double T = static_cast<double>(total_iters), e = static_cast<double>(last_epoch);
    const double f = std::pow((1.0 - e / T) / (1.0 - (e - 1) / T), power);
    for (auto& lr : lrs) lr *= f;
    return lrs;
  }
};

}  // namespace torchlet::optim
