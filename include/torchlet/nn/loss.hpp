#pragma once
// Loss modules: modules holding their options and calling nn::functional's losses,
// `nn::CrossEntropyLoss loss_fn{{.label_smoothing = 0.1}}; auto loss = loss_fn(logits,
// labels);`. Each is a nn::ModuleFor<Tensor(input, target)>: called with (input, target)
// through operator(), hooks included; a call with one tensor does not compile.
#include "torchlet/nn/functional/loss.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// Base of the losses taking (input, target) tensors of the same shape (PyTorch's
/// nn.modules.loss._Loss): forward(input, target), called as loss(input, target).
class LossModule : public ModuleFor<Tensor(const Tensor&, const Tensor&)> {};

/// input [N, C, d...] logits, target [N, d...] class indices (or class probabilities like input).
class CrossEntropyLoss : public ModuleFor<Tensor(const Tensor&, const LongTensor&),
                                          Tensor(const Tensor&, const Tensor&)> {
 public:
  /// ignore_index, reduction, label_smoothing, weight.
  CrossEntropyLossOptions options;
  /// nn.CrossEntropyLoss(weight, ignore_index, reduction, label_smoothing).
  CrossEntropyLoss(CrossEntropyLossOptions options = {}) : options(std::move(options)) {}
  /// input [N, C] or [N, C, d1, ...] logits, target [N] or [N, d1, ...] class indices -> scalar (or
  /// per-element with Reduction::none).
  Tensor forward(const Tensor& input, const LongTensor& target) override {
    return functional::cross_entropy(input, target, options);
  }
  /// input [N, C, ...] logits, target the same shape holding class probabilities.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::cross_entropy(input, target, options);
  }
};

/// input [N, C, d...] log-probabilities, target [N, d...] class indices.
class NLLLoss : public ModuleFor<Tensor(const Tensor&, const LongTensor&)> {
 public:
  /// ignore_index, reduction, weight.
  NLLLossOptions options;
  /// nn.NLLLoss(weight, ignore_index, reduction).
  NLLLoss(NLLLossOptions options = {}) : options(std::move(options)) {}
  /// input [N, C] or [N, C, d1, ...] log-probabilities, target [N] or [N, d1, ...] class indices.
  Tensor forward(const Tensor& input, const LongTensor& target) override {
    return functional::nll_loss(input, target, options);
  }
};

/// Mean squared error (nn.MSELoss): input and target of the same shape.
class MSELoss : public LossModule {
 public:
  /// reduction.
  MSELossOptions options;
  /// nn.MSELoss(reduction): `nn::MSELoss{{.reduction = Reduction::sum}}`.
  MSELoss(MSELossOptions options = {}) : options(options) {}
  /// (input - target)^2, reduced; input and target [*], same shape.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::mse_loss(input, target, options);
  }
};

/// Mean absolute error (nn.L1Loss): input and target of the same shape.
class L1Loss : public LossModule {
 public:
  /// reduction.
  L1LossOptions options;
  /// nn.L1Loss(reduction): `nn::L1Loss{{.reduction = Reduction::sum}}`.
  L1Loss(L1LossOptions options = {}) : options(options) {}
  /// |input - target|, reduced; input and target [*], same shape.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::l1_loss(input, target, options);
  }
};

/// input probabilities in [0, 1], target of the same shape.
class BCELoss : public LossModule {
 public:
  /// weight, reduction.
  BCELossOptions options;
  /// nn.BCELoss(weight, reduction).
  BCELoss(BCELossOptions options = {}) : options(std::move(options)) {}
  /// input [*] probabilities in [0, 1], target [*] in [0, 1] -> scalar (or [*] with
  /// Reduction::none).
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::binary_cross_entropy(input, target, options);
  }
};

/// input logits, target of the same shape.
class BCEWithLogitsLoss : public LossModule {
 public:
  /// weight, reduction, pos_weight.
  BCEWithLogitsLossOptions options;
  /// nn.BCEWithLogitsLoss(weight, reduction, pos_weight).
  BCEWithLogitsLoss(BCEWithLogitsLossOptions options = {}) : options(std::move(options)) {}
  /// input [*] logits, target [*] in [0, 1] -> scalar (or [*] with Reduction::none).
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::binary_cross_entropy_with_logits(input, target, options);
  }
};

/// Huber loss (nn.HuberLoss): quadratic below delta, linear above.
class HuberLoss : public LossModule {
 public:
  /// reduction, delta.
  HuberLossOptions options;
  /// nn.HuberLoss(reduction, delta).
  HuberLoss(HuberLossOptions options = {}) : options(options) {}
  /// input and target [*], same shape.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::huber_loss(input, target, options);
  }
};

/// Smooth L1 loss (nn.SmoothL1Loss): Huber loss divided by beta.
class SmoothL1Loss : public LossModule {
 public:
  /// reduction, beta.
  SmoothL1LossOptions options;
  /// nn.SmoothL1Loss(reduction, beta).
  SmoothL1Loss(SmoothL1LossOptions options = {}) : options(options) {}
  /// input and target [*], same shape.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::smooth_l1_loss(input, target, options);
  }
};

}  // namespace torchlet::nn
