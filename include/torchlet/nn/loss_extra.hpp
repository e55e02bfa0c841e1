#pragma once
// The other loss modules of torch.nn (issue 15), each holding its options and calling its
// nn::functional twin (nn/functional/distribution_loss.hpp, embedding_loss.hpp), with
// PyTorch's defaults: `nn::KLDivLoss kl{{.reduction = nn::Reduction::batchmean}}; auto l =
// kl(log_probs, probs);`. Forwards take the inputs PyTorch's take (two or three tensors,
// class indices as a LongTensor), through operator() with hooks.
#include <utility>

#include "torchlet/nn/distance.hpp"
#include "torchlet/nn/functional/ctc_loss.hpp"
#include "torchlet/nn/functional/distribution_loss.hpp"
#include "torchlet/nn/functional/embedding_loss.hpp"
#include "torchlet/nn/loss.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// The losses of three tensors (x1, x2, y), (input, target, var) or (anchor, positive,
/// negative).
using TripletLossModule = ModuleFor<Tensor(const Tensor&, const Tensor&, const Tensor&)>;

/// nn.KLDivLoss(reduction='mean', log_target=False): input [*] log-probabilities, target [*].
template <class = void>
class KLDivLossImpl : public LossModule {
 public:
  /// reduction (batchmean too), log_target.
  KLDivLossOptions options;
  /// nn.KLDivLoss(reduction, log_target).
  KLDivLossImpl(KLDivLossOptions options = {}) : options(options) {}
  /// input [*] log-probabilities, target [*] probabilities (log-probabilities with log_target).
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::kl_div(input, target, options);
  }
};
/// KLDivLoss: see KLDivLossImpl.
using KLDivLoss = KLDivLossImpl<>;

/// nn.PoissonNLLLoss(log_input=True, full=False, eps=1e-8, reduction='mean').
template <class = void>
class PoissonNLLLossImpl : public LossModule {
 public:
  /// log_input, full, eps, reduction.
  PoissonNLLLossOptions options;
  /// nn.PoissonNLLLoss(log_input, full, eps, reduction).
  PoissonNLLLossImpl(PoissonNLLLossOptions options = {}) : options(options) {}
  /// input [*] log-rates (rates without log_input), target [*] counts.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::poisson_nll_loss(input, target, options);
  }
};
/// PoissonNLLLoss: see PoissonNLLLossImpl.
using PoissonNLLLoss = PoissonNLLLossImpl<>;

/// nn.GaussianNLLLoss(full=False, eps=1e-6, reduction='mean'): called as loss(input, target,
/// var).
template <class = void>
class GaussianNLLLossImpl : public TripletLossModule {
 public:
  /// full, eps, reduction.
  GaussianNLLLossOptions options;
  /// nn.GaussianNLLLoss(full, eps, reduction).
  GaussianNLLLossImpl(GaussianNLLLossOptions options = {}) : options(options) {}
  /// input [N, *] means, target like input, var [N, *], [N] or [N, ..., 1] variances.
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var) override {
    return functional::gaussian_nll_loss(input, target, var, options);
  }
};
/// GaussianNLLLoss: see GaussianNLLLossImpl.
using GaussianNLLLoss = GaussianNLLLossImpl<>;

/// nn.MarginRankingLoss(margin=0.0, reduction='mean'): called as loss(x1, x2, y).
template <class = void>
class MarginRankingLossImpl : public TripletLossModule {
 public:
  /// margin, reduction.
  MarginRankingLossOptions options;
  /// nn.MarginRankingLoss(margin, reduction).
  MarginRankingLossImpl(MarginRankingLossOptions options = {}) : options(options) {}
  /// x1 [*], x2 [*] scores, y [*] labels 1 (x1 ranks higher) or -1.
  Tensor forward(const Tensor& x1, const Tensor& x2, const Tensor& y) override {
    return functional::margin_ranking_loss(x1, x2, y, options);
  }
};
/// MarginRankingLoss: see MarginRankingLossImpl.
using MarginRankingLoss = MarginRankingLossImpl<>;

/// nn.HingeEmbeddingLoss(margin=1.0, reduction='mean').
template <class = void>
class HingeEmbeddingLossImpl : public LossModule {
 public:
  /// margin, reduction.
  HingeEmbeddingLossOptions options;
  /// nn.HingeEmbeddingLoss(margin, reduction).
  HingeEmbeddingLossImpl(HingeEmbeddingLossOptions options = {}) : options(options) {}
  /// x [*] distances, y [*] labels 1 (similar) or -1.
  Tensor forward(const Tensor& x, const Tensor& y) override {
    return functional::hinge_embedding_loss(x, y, options);
  }
};
/// HingeEmbeddingLoss: see HingeEmbeddingLossImpl.
using HingeEmbeddingLoss = HingeEmbeddingLossImpl<>;

/// nn.SoftMarginLoss(reduction='mean').
template <class = void>
class SoftMarginLossImpl : public LossModule {
 public:
  /// reduction.
  SoftMarginLossOptions options;
  /// nn.SoftMarginLoss(reduction).
  SoftMarginLossImpl(SoftMarginLossOptions options = {}) : options(options) {}
  /// x [*] scores, y [*] labels 1 or -1.
  Tensor forward(const Tensor& x, const Tensor& y) override {
    return functional::soft_margin_loss(x, y, options);
  }
};
/// SoftMarginLoss: see SoftMarginLossImpl.
using SoftMarginLoss = SoftMarginLossImpl<>;

/// nn.MultiLabelSoftMarginLoss(weight=None, reduction='mean').
template <class = void>
class MultiLabelSoftMarginLossImpl : public LossModule {
 public:
  /// weight, reduction.
  MultiLabelSoftMarginLossOptions options;
  /// nn.MultiLabelSoftMarginLoss(weight, reduction).
  MultiLabelSoftMarginLossImpl(MultiLabelSoftMarginLossOptions options = {})
      : options(std::move(options)) {}
  /// x [N, C] logits, y [N, C] labels in {0, 1} -> scalar (or [N] with Reduction::none).
  Tensor forward(const Tensor& x, const Tensor& y) override {
    return functional::multilabel_soft_margin_loss(x, y, options);
  }
};
/// MultiLabelSoftMarginLoss: see MultiLabelSoftMarginLossImpl.
using MultiLabelSoftMarginLoss = MultiLabelSoftMarginLossImpl<>;

/// nn.CosineEmbeddingLoss(margin=0.0, reduction='mean'): called as loss(x1, x2, y).
template <class = void>
class CosineEmbeddingLossImpl : public TripletLossModule {
 public:
  /// margin, reduction.
  CosineEmbeddingLossOptions options;
  /// nn.CosineEmbeddingLoss(margin, reduction).
  CosineEmbeddingLossImpl(CosineEmbeddingLossOptions options = {}) : options(options) {}
  /// x1, x2 [N, D] (or [D]), y [N] (or 0-dim) labels 1 (similar) or -1.
  Tensor forward(const Tensor& x1, const Tensor& x2, const Tensor& y) override {
    return functional::cosine_embedding_loss(x1, x2, y, options);
  }
};
/// CosineEmbeddingLoss: see CosineEmbeddingLossImpl.
using CosineEmbeddingLoss = CosineEmbeddingLossImpl<>;

/// nn.MultiMarginLoss(p=1, margin=1.0, weight=None, reduction='mean').
template <class = void>
class MultiMarginLossImpl : public ModuleFor<Tensor(const Tensor&, const LongTensor&)> {
 public:
  /// p, margin, weight, reduction.
  MultiMarginLossOptions options;
  /// nn.MultiMarginLoss(p, margin, weight, reduction).
  MultiMarginLossImpl(MultiMarginLossOptions options = {}) : options(std::move(options)) {}
  /// x [N, C] scores, target [N] class indices -> scalar (or [N] with Reduction::none).
  Tensor forward(const Tensor& x, const LongTensor& target) override {
    return functional::multi_margin_loss(x, target, options);
  }
};
/// MultiMarginLoss: see MultiMarginLossImpl.
using MultiMarginLoss = MultiMarginLossImpl<>;

/// nn.MultiLabelMarginLoss(reduction='mean').
template <class = void>
class MultiLabelMarginLossImpl : public ModuleFor<Tensor(const Tensor&, const LongTensor&)> {
 public:
  /// reduction.
  MultiLabelMarginLossOptions options;
  /// nn.MultiLabelMarginLoss(reduction).
  MultiLabelMarginLossImpl(MultiLabelMarginLossOptions options = {}) : options(options) {}
  /// x [N, C] scores, target [N, C] class indices ended by -1 -> scalar (or [N]).
  Tensor forward(const Tensor& x, const LongTensor& target) override {
    return functional::multilabel_margin_loss(x, target, options);
  }
};
/// MultiLabelMarginLoss: see MultiLabelMarginLossImpl.
using MultiLabelMarginLoss = MultiLabelMarginLossImpl<>;

/// nn.TripletMarginLoss(margin=1.0, p=2.0, eps=1e-6, swap=False, reduction='mean'): called
/// as loss(anchor, positive, negative).
template <class = void>
class TripletMarginLossImpl : public TripletLossModule {
 public:
  /// margin, p, eps, swap, reduction.
  TripletMarginLossOptions options;
  /// nn.TripletMarginLoss(margin, p, eps, swap, reduction).
  TripletMarginLossImpl(TripletMarginLossOptions options = {}) : options(options) {}
  /// anchor, positive, negative [N, D] (or [D]) -> scalar (or [N] with Reduction::none).
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative) override {
    return functional::triplet_margin_loss(anchor, positive, negative, options);
  }
};
/// TripletMarginLoss: see TripletMarginLossImpl.
using TripletMarginLoss = TripletMarginLossImpl<>;

/// nn.TripletMarginWithDistanceLoss(distance_function=None, margin=1.0, swap=False,
/// reduction='mean'): called as loss(anchor, positive, negative). Without a distance
/// function it holds a PairwiseDistance child named distance_function, as PyTorch's does.
template <class = void>
class TripletMarginWithDistanceLossImpl : public TripletLossModule {
 public:
  /// distance_function, margin, swap, reduction.
  TripletMarginWithDistanceLossOptions<float> options;
  /// The default distance (registered as child "distance_function" when options has none).
  PairwiseDistance default_distance;
  /// nn.TripletMarginWithDistanceLoss(distance_function, margin, swap, reduction).
  TripletMarginWithDistanceLossImpl(TripletMarginWithDistanceLossOptions<float> options = {})
      : options(std::move(options)) {
    if (!this->options.distance_function) register_module("distance_function", default_distance);
  }
  /// anchor, positive, negative [N, D] -> scalar (or [N] with Reduction::none).
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative) override {
    auto o = options;
    if (!o.distance_function)
      o.distance_function = [this](const Tensor& a, const Tensor& b) {
        return default_distance(a, b);
      };
    return functional::triplet_margin_with_distance_loss(anchor, positive, negative, o);
  }
};
/// TripletMarginWithDistanceLoss: see TripletMarginWithDistanceLossImpl.
using TripletMarginWithDistanceLoss = TripletMarginWithDistanceLossImpl<>;

/// nn.CTCLoss(blank=0, reduction='mean', zero_infinity=False): called as loss(log_probs,
/// targets, input_lengths, target_lengths).
template <class = void>
class CTCLossImpl : public ModuleFor<Tensor(const Tensor&, const LongTensor&, const LongTensor&,
                                            const LongTensor&)> {
 public:
  /// blank, reduction, zero_infinity.
  CTCLossOptions options;
  /// nn.CTCLoss(blank, reduction, zero_infinity).
  CTCLossImpl(CTCLossOptions options = {}) : options(options) {}
  /// log_probs [T, N, C], targets [N, S] padded or 1-D concatenated, input_lengths [N],
  /// target_lengths [N] -> scalar (or [N] with Reduction::none).
  Tensor forward(const Tensor& log_probs, const LongTensor& targets,
                 const LongTensor& input_lengths, const LongTensor& target_lengths) override {
    return functional::ctc_loss(log_probs, targets, input_lengths, target_lengths, options);
  }
};
/// CTCLoss: see CTCLossImpl.
using CTCLoss = CTCLossImpl<>;

}  // namespace torchlet::nn
