#pragma once
// Loss modules: callable objects holding their options and calling nn::functional's
// losses, `nn::CrossEntropyLoss loss_fn{{.label_smoothing = 0.1}}; auto loss = loss_fn(logits, labels);`.
// They are modules (print as PyTorch does) taking (input, target).
#include "torchlet/nn/functional/loss.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::detail {

/// Base of the loss modules: forward(x) alone is an error (a loss takes input and target).
class LossModule : public nn::StatelessModule {
 public:
  Tensor forward(const Tensor&) override {
    throw std::logic_error(name() + ": a loss is called with (input, target)");
  }
};

}  // namespace torchlet::detail

namespace torchlet::nn {

/// input [N, C, d...] logits, target [N, d...] class indices (or class probabilities like input).
class CrossEntropyLoss : public torchlet::detail::LossModule {
 public:
  CrossEntropyLossOptions options;
  CrossEntropyLoss(CrossEntropyLossOptions options = {}) : options(std::move(options)) {}
  Tensor operator()(const Tensor& input, const LongTensor& target) const {
    return functional::cross_entropy(input, target, options);
  }
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::cross_entropy(input, target, options);
  }
};

/// input [N, C, d...] log-probabilities, target [N, d...] class indices.
class NLLLoss : public torchlet::detail::LossModule {
 public:
  NLLLossOptions options;
  NLLLoss(NLLLossOptions options = {}) : options(std::move(options)) {}
  Tensor operator()(const Tensor& input, const LongTensor& target) const {
    return functional::nll_loss(input, target, options);
  }
};

class MSELoss : public torchlet::detail::LossModule {
 public:
  Reduction reduction;
  MSELoss(Reduction reduction = Reduction::mean) : reduction(reduction) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::mse_loss(input, target, reduction);
  }
};

class L1Loss : public torchlet::detail::LossModule {
 public:
  Reduction reduction;
  L1Loss(Reduction reduction = Reduction::mean) : reduction(reduction) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::l1_loss(input, target, reduction);
  }
};

/// input probabilities in [0, 1], target of the same shape.
class BCELoss : public torchlet::detail::LossModule {
 public:
  BCELossOptions options;
  BCELoss(BCELossOptions options = {}) : options(std::move(options)) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::binary_cross_entropy(input, target, options);
  }
};

/// input logits, target of the same shape.
class BCEWithLogitsLoss : public torchlet::detail::LossModule {
 public:
  BCEWithLogitsLossOptions options;
  BCEWithLogitsLoss(BCEWithLogitsLossOptions options = {}) : options(std::move(options)) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::binary_cross_entropy_with_logits(input, target, options);
  }
};

class HuberLoss : public torchlet::detail::LossModule {
 public:
  HuberLossOptions options;
  HuberLoss(HuberLossOptions options = {}) : options(options) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::huber_loss(input, target, options.reduction, options.delta);
  }
};

class SmoothL1Loss : public torchlet::detail::LossModule {
 public:
  SmoothL1LossOptions options;
  SmoothL1Loss(SmoothL1LossOptions options = {}) : options(options) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return functional::smooth_l1_loss(input, target, options.reduction, options.beta);
  }
};

}  // namespace torchlet::nn
