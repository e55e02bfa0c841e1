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
template <class = void>
class CrossEntropyLossImpl : public ModuleFor<Tensor(const Tensor&, const LongTensor&),
                                              Tensor(const Tensor&, const Tensor&)> {
 public:
  /// ignore_index, reduction, label_smoothing, weight.
  CrossEntropyLossOptions options;
  /// nn.CrossEntropyLoss(weight, ignore_index, reduction, label_smoothing).
  CrossEntropyLossImpl(CrossEntropyLossOptions options = {}) : options(std::move(options)) {}
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
/// CrossEntropyLoss: see CrossEntropyLossImpl.
using CrossEntropyLoss = CrossEntropyLossImpl<>;

/// input [N, C, d...] log-probabilities, target [N, d...] class indices.
template <class = void>
class NLLLossImpl : public ModuleFor<Tensor(const Tensor&, const LongTensor&)> {
 public:
  /// ignore_index, reduction, weight.
  NLLLossOptions options;
  /// nn.NLLLoss(weight, ignore_index, reduction).
  NLLLossImpl(NLLLossOptions options = {}) : options(std::move(options)) {}
  /// input [N, C] or [N, C, d1, ...] log-probabilities, target [N] or [N, d1, ...] class indices.
  Tensor forward(const Tensor& input, const LongTensor& target) override {
    return functional::nll_loss(input, target, options);
  }
};
/// NLLLoss: see NLLLossImpl.
using NLLLoss = NLLLossImpl<>;

/// Mean squared error (nn.MSELoss): input and target of the same shape.
template <class = void>
class MSELossImpl : public LossModule {
 public:
  /// reduction.
  MSELossOptions options;
  /// nn.MSELoss(reduction): `nn::MSELoss{{.reduction = Reduction::sum}}`.
  MSELossImpl(MSELossOptions options = {}) : options(options) {}
  /// (input - target)^2, reduced; input and target [*], same shape.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::mse_loss(input, target, options);
  }
};
/// MSELoss: see MSELossImpl.
using MSELoss = MSELossImpl<>;

/// Mean absolute error (nn.L1Loss): input and target of the same shape.
template <class = void>
class L1LossImpl : public LossModule {
 public:
  /// reduction.
  L1LossOptions options;
  /// nn.L1Loss(reduction): `nn::L1Loss{{.reduction = Reduction::sum}}`.
  L1LossImpl(L1LossOptions options = {}) : options(options) {}
  /// |input - target|, reduced; input and target [*], same shape.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::l1_loss(input, target, options);
  }
};
/// L1Loss: see L1LossImpl.
using L1Loss = L1LossImpl<>;

/// input probabilities in [0, 1], target of the same shape.
template <class = void>
class BCELossImpl : public LossModule {
 public:
  /// weight, reduction.
  BCELossOptions options;
  /// nn.BCELoss(weight, reduction).
  BCELossImpl(BCELossOptions options = {}) : options(std::move(options)) {}
  /// input [*] probabilities in [0, 1], target [*] in [0, 1] -> scalar (or [*] with
  /// Reduction::none).
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::binary_cross_entropy(input, target, options);
  }
};
/// BCELoss: see BCELossImpl.
using BCELoss = BCELossImpl<>;

/// input logits, target of the same shape.
template <class = void>
class BCEWithLogitsLossImpl : public LossModule {
 public:
  /// weight, reduction, pos_weight.
  BCEWithLogitsLossOptions options;
  /// nn.BCEWithLogitsLoss(weight, reduction, pos_weight).
  BCEWithLogitsLossImpl(BCEWithLogitsLossOptions options = {}) : options(std::move(options)) {}
  /// input [*] logits, target [*] in [0, 1] -> scalar (or [*] with Reduction::none).
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::binary_cross_entropy_with_logits(input, target, options);
  }
};
/// BCEWithLogitsLoss: see BCEWithLogitsLossImpl.
using BCEWithLogitsLoss = BCEWithLogitsLossImpl<>;

/// Huber loss (nn.HuberLoss): quadratic below delta, linear above.
template <class = void>
class HuberLossImpl : public LossModule {
 public:
  /// reduction, delta.
  HuberLossOptions options;
  /// nn.HuberLoss(reduction, delta).
  HuberLossImpl(HuberLossOptions options = {}) : options(options) {}
  /// input and target [*], same shape.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::huber_loss(input, target, options);
  }
};
/// HuberLoss: see HuberLossImpl.
using HuberLoss = HuberLossImpl<>;

/// Smooth L1 loss (nn.SmoothL1Loss): Huber loss divided by beta.
template <class = void>
class SmoothL1LossImpl : public LossModule {
 public:
  /// reduction, beta.
  SmoothL1LossOptions options;
  /// nn.SmoothL1Loss(reduction, beta).
  SmoothL1LossImpl(SmoothL1LossOptions options = {}) : options(options) {}
  /// input and target [*], same shape.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::smooth_l1_loss(input, target, options);
  }
};
/// SmoothL1Loss: see SmoothL1LossImpl.
using SmoothL1Loss = SmoothL1LossImpl<>;

}  // namespace torchlet::nn
