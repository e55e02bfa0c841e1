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
class KLDivLoss : public LossModule {
 public:
  /// reduction (batchmean too), log_target.
  KLDivLossOptions options;
  /// nn.KLDivLoss(reduction, log_target).
  KLDivLoss(KLDivLossOptions options = {}) : options(options) {}
  /// input [*] log-probabilities, target [*] probabilities (log-probabilities with log_target).
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::kl_div(input, target, options);
  }
};

/// nn.PoissonNLLLoss(log_input=True, full=False, eps=1e-8, reduction='mean').
class PoissonNLLLoss : public LossModule {
 public:
  /// log_input, full, eps, reduction.
  PoissonNLLLossOptions options;
  /// nn.PoissonNLLLoss(log_input, full, eps, reduction).
  PoissonNLLLoss(PoissonNLLLossOptions options = {}) : options(options) {}
  /// input [*] log-rates (rates without log_input), target [*] counts.
  Tensor forward(const Tensor& input, const Tensor& target) override {
    return functional::poisson_nll_loss(input, target, options);
  }
};

/// nn.GaussianNLLLoss(full=False, eps=1e-6, reduction='mean'): called as loss(input, target,
/// var).
class GaussianNLLLoss : public TripletLossModule {
 public:
  /// full, eps, reduction.
  GaussianNLLLossOptions options;
  /// nn.GaussianNLLLoss(full, eps, reduction).
  GaussianNLLLoss(GaussianNLLLossOptions options = {}) : options(options) {}
  /// input [N, *] means, target like input, var [N, *], [N] or [N, ..., 1] variances.
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var) override {
    return functional::gaussian_nll_loss(input, target, var, options);
  }
};

/// nn.MarginRankingLoss(margin=0.0, reduction='mean'): called as loss(x1, x2, y).
class MarginRankingLoss : public TripletLossModule {
 public:
  /// margin, reduction.
  MarginRankingLossOptions options;
  /// nn.MarginRankingLoss(margin, reduction).
  MarginRankingLoss(MarginRankingLossOptions options = {}) : options(options) {}
  /// x1 [*], x2 [*] scores, y [*] labels 1 (x1 ranks higher) or -1.
  Tensor forward(const Tensor& x1, const Tensor& x2, const Tensor& y) override {
    return functional::margin_ranking_loss(x1, x2, y, options);
  }
};

/// nn.HingeEmbeddingLoss(margin=1.0, reduction='mean').
class HingeEmbeddingLoss : public LossModule {
 public:
  /// margin, reduction.
  HingeEmbeddingLossOptions options;
  /// nn.HingeEmbeddingLoss(margin, reduction).
  HingeEmbeddingLoss(HingeEmbeddingLossOptions options = {}) : options(options) {}
  /// x [*] distances, y [*] labels 1 (similar) or -1.
  Tensor forward(const Tensor& x, const Tensor& y) override {
    return functional::hinge_embedding_loss(x, y, options);
  }
};

/// nn.SoftMarginLoss(reduction='mean').
class SoftMarginLoss : public LossModule {
 public:
  /// reduction.
  SoftMarginLossOptions options;
  /// nn.SoftMarginLoss(reduction).
  SoftMarginLoss(SoftMarginLossOptions options = {}) : options(options) {}
  /// x [*] scores, y [*] labels 1 or -1.
  Tensor forward(const Tensor& x, const Tensor& y) override {
    return functional::soft_margin_loss(x, y, options);
  }
};

/// nn.MultiLabelSoftMarginLoss(weight=None, reduction='mean').
class MultiLabelSoftMarginLoss : public LossModule {
 public:
  /// weight, reduction.
  MultiLabelSoftMarginLossOptions options;
  /// nn.MultiLabelSoftMarginLoss(weight, reduction).
  MultiLabelSoftMarginLoss(MultiLabelSoftMarginLossOptions options = {})
      : options(std::move(options)) {}
  /// x [N, C] logits, y [N, C] labels in {0, 1} -> scalar (or [N] with Reduction::none).
  Tensor forward(const Tensor& x, const Tensor& y) override {
    return functional::multilabel_soft_margin_loss(x, y, options);
  }
};

/// nn.CosineEmbeddingLoss(margin=0.0, reduction='mean'): called as loss(x1, x2, y).
class CosineEmbeddingLoss : public TripletLossModule {
 public:
  /// margin, reduction.
  CosineEmbeddingLossOptions options;
  /// nn.CosineEmbeddingLoss(margin, reduction).
  CosineEmbeddingLoss(CosineEmbeddingLossOptions options = {}) : options(options) {}
  /// x1, x2 [N, D] (or [D]), y [N] (or 0-dim) labels 1 (similar) or -1.
  Tensor forward(const Tensor& x1, const Tensor& x2, const Tensor& y) override {
    return functional::cosine_embedding_loss(x1, x2, y, options);
  }
};

/// nn.MultiMarginLoss(p=1, margin=1.0, weight=None, reduction='mean').
class MultiMarginLoss : public ModuleFor<Tensor(const Tensor&, const LongTensor&)> {
 public:
  /// p, margin, weight, reduction.
  MultiMarginLossOptions options;
  /// nn.MultiMarginLoss(p, margin, weight, reduction).
  MultiMarginLoss(MultiMarginLossOptions options = {}) : options(std::move(options)) {}
  /// x [N, C] scores, target [N] class indices -> scalar (or [N] with Reduction::none).
  Tensor forward(const Tensor& x, const LongTensor& target) override {
    return functional::multi_margin_loss(x, target, options);
  }
};

/// nn.MultiLabelMarginLoss(reduction='mean').
class MultiLabelMarginLoss : public ModuleFor<Tensor(const Tensor&, const LongTensor&)> {
 public:
  /// reduction.
  MultiLabelMarginLossOptions options;
  /// nn.MultiLabelMarginLoss(reduction).
  MultiLabelMarginLoss(MultiLabelMarginLossOptions options = {}) : options(options) {}
  /// x [N, C] scores, target [N, C] class indices ended by -1 -> scalar (or [N]).
  Tensor forward(const Tensor& x, const LongTensor& target) override {
    return functional::multilabel_margin_loss(x, target, options);
  }
};

/// nn.TripletMarginLoss(margin=1.0, p=2.0, eps=1e-6, swap=False, reduction='mean'): called
/// as loss(anchor, positive, negative).
class TripletMarginLoss : public TripletLossModule {
 public:
  /// margin, p, eps, swap, reduction.
  TripletMarginLossOptions options;
  /// nn.TripletMarginLoss(margin, p, eps, swap, reduction).
  TripletMarginLoss(TripletMarginLossOptions options = {}) : options(options) {}
  /// anchor, positive, negative [N, D] (or [D]) -> scalar (or [N] with Reduction::none).
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative) override {
    return functional::triplet_margin_loss(anchor, positive, negative, options);
  }
};

/// nn.TripletMarginWithDistanceLoss(distance_function=None, margin=1.0, swap=False,
/// reduction='mean'): called as loss(anchor, positive, negative). Without a distance
/// function it holds a PairwiseDistance child named distance_function, as PyTorch's does.
class TripletMarginWithDistanceLoss : public TripletLossModule {
 public:
  /// distance_function, margin, swap, reduction.
  TripletMarginWithDistanceLossOptions<float> options;
  /// The default distance (registered as child "distance_function" when options has none).
  PairwiseDistance default_distance;
  /// nn.TripletMarginWithDistanceLoss(distance_function, margin, swap, reduction).
  TripletMarginWithDistanceLoss(TripletMarginWithDistanceLossOptions<float> options = {})
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

/// nn.CTCLoss(blank=0, reduction='mean', zero_infinity=False): called as loss(log_probs,
/// targets, input_lengths, target_lengths).
class CTCLoss : public ModuleFor<Tensor(const Tensor&, const LongTensor&, const LongTensor&,
                                        const LongTensor&)> {
 public:
  /// blank, reduction, zero_infinity.
  CTCLossOptions options;
  /// nn.CTCLoss(blank, reduction, zero_infinity).
  CTCLoss(CTCLossOptions options = {}) : options(options) {}
  /// log_probs [T, N, C], targets [N, S] padded or 1-D concatenated, input_lengths [N],
  /// target_lengths [N] -> scalar (or [N] with Reduction::none).
  Tensor forward(const Tensor& log_probs, const LongTensor& targets,
                 const LongTensor& input_lengths, const LongTensor& target_lengths) override {
    return functional::ctc_loss(log_probs, targets, input_lengths, target_lengths, options);
  }
};

}  // namespace torchlet::nn
