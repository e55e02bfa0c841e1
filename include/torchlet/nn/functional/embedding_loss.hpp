#pragma once
// Margin and embedding losses (PyTorch 1.13's formulas), templated on the element type and
// composed of tensor ops (their gradients are the ops'); y holds labels 1 or -1:
//   margin_ranking_loss(x1, x2, y, {.margin}): max(0, -y (x1 - x2) + margin).
//   hinge_embedding_loss(x, y, {.margin}): x where y = 1, max(0, margin - x) where y = -1.
//   soft_margin_loss(x, y): log(1 + exp(-y x)).
//   multilabel_soft_margin_loss(x [N, C], y [N, C] in {0, 1}, {.weight}): the mean over C of
//       -w (y log(sigmoid(x)) + (1 - y) log(sigmoid(-x))) -> per sample [N].
//   cosine_embedding_loss(x1 [N, D], x2, y [N], {.margin}): 1 - cos where y = 1,
//       max(0, cos - margin) where y = -1 (cos with 1e-12 added to each squared norm).
//   multi_margin_loss(x [N, C], target [N], {.p, .margin, .weight}): the sum over j != t of
//       max(0, margin - x[t] + x[j])^p (times weight[t]) / C -> per sample [N].
//   multilabel_margin_loss(x [N, C], target [N, C]): target lists each sample's classes,
//       ended by -1; the sum over its classes j and the other classes k of
//       max(0, 1 - (x[j] - x[k])) / C -> per sample [N].
//   triplet_margin_loss(anchor [N, D], positive, negative, {.margin, .p, .eps, .swap}):
//       max(d(a, p) - d(a, n) + margin, 0) with pairwise_distance d (swap: d(a, n) replaced by
//       d(p, n) where smaller).
//   triplet_margin_with_distance_loss(a, p, n, {.distance_function, .margin, .swap}): the
//       same with any distance (default pairwise_distance).
// The losses over [N, C] also take one unbatched sample [C] (a 0-dim target for
// multi_margin_loss). reduction: mean (the default), sum or none.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/activation_extra.hpp"
#include "torchlet/nn/functional/distance.hpp"
#include "torchlet/nn/functional/loss_reduction.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn {

/// Arguments of margin_ranking_loss / MarginRankingLoss after the labels.
struct MarginRankingLossOptions {
  double margin = 0.0;                    ///< The wanted gap between the ranked scores.
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of hinge_embedding_loss / HingeEmbeddingLoss after the labels.
struct HingeEmbeddingLossOptions {
  double margin = 1.0;                    ///< Where the loss of a -1 label stops.
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of soft_margin_loss / SoftMarginLoss after the labels.
struct SoftMarginLossOptions {
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of multilabel_soft_margin_loss / MultiLabelSoftMarginLoss after the labels.
struct MultiLabelSoftMarginLossOptions {
  Tensor weight = {};                     ///< [C], a weight per class (or broadcastable).
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of cosine_embedding_loss / CosineEmbeddingLoss after the labels.
struct CosineEmbeddingLossOptions {
  double margin = 0.0;                    ///< -1 labels cost cos - margin when positive.
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of multi_margin_loss / MultiMarginLoss after the target.
struct MultiMarginLossOptions {
  int p = 1;                              ///< 1 or 2: the power of each hinge.
  double margin = 1.0;                    ///< The wanted gap to the target's score.
  Tensor weight = {};                     ///< [C], a weight per target class.
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of multilabel_margin_loss / MultiLabelMarginLoss after the target.
struct MultiLabelMarginLossOptions {
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of triplet_margin_loss / TripletMarginLoss after the three inputs.
struct TripletMarginLossOptions {
  double margin = 1.0;                    ///< The wanted gap between the two distances.
  double p = 2.0;                         ///< The norm of pairwise_distance.
  double eps = 1e-6;                      ///< pairwise_distance's eps.
  bool swap = false;                      ///< Use d(positive, negative) where it is smaller.
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};
/// Arguments of triplet_margin_with_distance_loss / TripletMarginWithDistanceLoss after the
/// three inputs; T is the element type of the tensors the distance takes.
template <class T = float>
struct TripletMarginWithDistanceLossOptions {
  /// Any callable (x1, x2) -> distances [N] (a lambda, a function, a functor; a module through
  /// a lambda capturing it); empty: pairwise_distance.
  std::function<BasicTensor<T>(const BasicTensor<T>&, const BasicTensor<T>&)> distance_function =
      {};
  double margin = 1.0;                    ///< The wanted gap between the two distances.
  bool swap = false;                      ///< Use d(positive, negative) where it is smaller.
  Reduction reduction = Reduction::mean;  ///< none, mean or sum.
};

}  // namespace torchlet::nn

namespace torchlet::detail {

/// Throws unless `a` and `b` have the same number of dims (what PyTorch checks of the inputs
/// of the ranking and embedding losses).
template <class = void>
inline void check_same_dims(const char* op, const char* what_a, const Shape& a, const char* what_b,
                            const Shape& b) {
  if (a.size() != b.size())
    throw ShapeError(std::string(op) + ": " + what_a + " " + to_string(a) + " and " + what_b + " " +
                     to_string(b) + " must have the same number of dims");
}

/// The float mask [N, C] (or [C]) of class `target[n]` per row, for input x [N, C] or [C].
template <class T>
BasicTensor<T> class_mask(const char* op, const BasicTensor<T>& x, const LongTensor& target) {
  if (x.dim() != 1 && x.dim() != 2)
    throw ShapeError(std::string(op) + ": expected input [N, C] or [C], got " +
                     to_string(x.shape()));
  const std::int64_t C = x.size(x.dim() - 1), N = x.dim() == 2 ? x.size(0) : 1;
  const bool ok =
      x.dim() == 2 ? target.shape() == Shape{N} : (target.dim() == 0 || target.shape() == Shape{1});
  if (!ok)
    throw ShapeError(std::string(op) + ": target " + to_string(target.shape()) +
                     " does not match input " + to_string(x.shape()) + " (expected " +
                     (x.dim() == 2 ? to_string(Shape{N}) : std::string("a 0-dim target")) + ")");
  auto mask = zeros<T>(x.shape());
  for (std::int64_t n = 0; n < N; ++n) {
    const std::int64_t t = target.data()[n];
    if (t < 0 || t >= C)
      throw std::out_of_range(std::string(op) + ": target " + std::to_string(t) +
                              " is out of bounds for " + std::to_string(C) + " classes (at index " +
                              std::to_string(n) + ")");
    mask.data()[n * C + t] = T(1);
  }
  return mask;
}

/// Elementwise min of a and b, the gradient to the smaller (torch.min(a, b) without ties).
template <class T>
BasicTensor<T> smaller_of(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return where(lt(b, a), b, a);
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// x1 [*], x2 [*], y [*] labels 1 / -1 -> max(0, -y (x1 - x2) + margin).
template <class T>
BasicTensor<T> margin_ranking_loss(const BasicTensor<T>& x1, const BasicTensor<T>& x2,
                                   const BasicTensor<T>& y,
                                   const MarginRankingLossOptions& options = {}) {
  const char* op = "margin_ranking_loss";
  detail::check_same_dims(op, "input1", x1.shape(), "input2", x2.shape());
  detail::check_same_dims(op, "input1", x1.shape(), "target", y.shape());
  const auto per = (static_cast<T>(options.margin) - y * (x1 - x2)).relu();
  return detail::reduce(op, per, options.reduction);
}

/// x [*] distances, y [*] labels 1 / -1 -> x where y = 1, max(0, margin - x) where y = -1.
template <class T>
BasicTensor<T> hinge_embedding_loss(const BasicTensor<T>& x, const BasicTensor<T>& y,
                                    const HingeEmbeddingLossOptions& options = {}) {
  const char* op = "hinge_embedding_loss";
  detail::broadcast_shapes(op, x.shape(), y.shape());
  const auto margin_part = (static_cast<T>(options.margin) - x).relu();
  const auto per = where(ne(y, full<T>({}, T(1))), margin_part, T(0)) +
                   where(ne(y, full<T>({}, T(-1))), x, T(0));
  return detail::reduce(op, per, options.reduction);
}

/// x [*], y [*] labels 1 / -1 -> log(1 + exp(-y x)).
template <class T>
BasicTensor<T> soft_margin_loss(const BasicTensor<T>& x, const BasicTensor<T>& y,
                                const SoftMarginLossOptions& options = {}) {
  const char* op = "soft_margin_loss";
  detail::broadcast_shapes(op, x.shape(), y.shape());
  return detail::reduce(op, -logsigmoid(y * x), options.reduction);
}

/// x [N, C] logits, y [N, C] in {0, 1} -> per sample [N] the mean over the classes of
/// -w (y log(sigmoid(x)) + (1 - y) log(sigmoid(-x))).
template <class T>
BasicTensor<T> multilabel_soft_margin_loss(const BasicTensor<T>& x, const BasicTensor<T>& y,
                                           const MultiLabelSoftMarginLossOptions& options = {}) {
  const char* op = "multilabel_soft_margin_loss";
  if (x.dim() < 1)
    throw ShapeError(std::string(op) + ": expected input [N, C] or [C], got " +
                     to_string(x.shape()));
  if (x.shape() != y.shape())
    throw ShapeError(std::string(op) + ": target " + to_string(y.shape()) +
                     " must have the same shape as input " + to_string(x.shape()));
  auto per = -(y * logsigmoid(x) + (T(1) - y) * logsigmoid(-x));
  if (options.weight.defined()) {
    detail::broadcast_shapes(op, options.weight.shape(), x.shape());
    per = per * options.weight.detach().template to<T>();
  }
  const std::int64_t cdim = x.dim() == 1 ? 0 : 1;
  per = sum(per, cdim) / static_cast<T>(x.size(cdim));
  return detail::reduce(op, per, options.reduction);
}

/// x1 [N, D] (or [D]), x2 like x1, y [N] (or 0-dim) labels 1 / -1 -> 1 - cos(x1, x2) where
/// y = 1, max(0, cos - margin) where y = -1.
template <class T>
BasicTensor<T> cosine_embedding_loss(const BasicTensor<T>& x1, const BasicTensor<T>& x2,
                                     const BasicTensor<T>& y,
                                     const CosineEmbeddingLossOptions& options = {}) {
  const char* op = "cosine_embedding_loss";
  if (x1.shape() != x2.shape())
    throw ShapeError(std::string(op) + ": input1 " + to_string(x1.shape()) + " and input2 " +
                     to_string(x2.shape()) + " must have the same shape");
  if (!((x1.dim() == 2 && y.shape() == Shape{x1.size(0)}) || (x1.dim() == 1 && y.dim() == 0)))
    throw ShapeError(std::string(op) +
                     ": expected inputs [N, D] with a target [N], or [D] with "
                     "a 0-dim target; got inputs " +
                     to_string(x1.shape()) + " and target " + to_string(y.shape()));
  const std::int64_t d = x1.dim() - 1;
  const T tiny = T(1e-12);
  const auto prod = sum(x1 * x2, d);
  const auto denom = ((sum(x1 * x1, d) + tiny) * (sum(x2 * x2, d) + tiny)).sqrt();
  const auto cos = prod / denom;
  const auto per =
      where(eq(y, full<T>({}, T(1))), T(1) - cos, T(0)) +
      where(eq(y, full<T>({}, T(-1))), (cos - static_cast<T>(options.margin)).relu(), T(0));
  return detail::reduce(op, per, options.reduction);
}

/// x [N, C] scores, target [N] class indices (or x [C] and a 0-dim target) -> per sample the
/// sum over j != target of max(0, margin - x[target] + x[j])^p (times weight[target]) / C.
template <class T>
BasicTensor<T> multi_margin_loss(const BasicTensor<T>& x, const LongTensor& target,
                                 const MultiMarginLossOptions& options = {}) {
  const char* op = "multi_margin_loss";
  if (options.p != 1 && options.p != 2)
    throw std::invalid_argument(std::string(op) + ": only p == 1 and p == 2 are supported, got " +
                                std::to_string(options.p));
  const auto mask = detail::class_mask(op, x, target);
  const std::int64_t cdim = x.dim() - 1, C = x.size(cdim);
  const auto x_target = sum(x * mask, cdim, true);
  auto z = (static_cast<T>(options.margin) - x_target + x).relu();
  if (options.p == 2) z = z * z;
  z = z * (T(1) - mask);  // j == target costs nothing
  if (options.weight.defined()) {
    const auto& w = options.weight;
    if (w.dim() != 1 || w.size(0) != C)
      throw ShapeError(std::string(op) + ": weight " + to_string(w.shape()) +
                       " must have one value per class (" + std::to_string(C) + ")");
    z = z * sum(mask * w.detach().template to<T>(), cdim, true);  // weight[target] per row
  }
  return detail::reduce(op, sum(z, cdim) / static_cast<T>(C), options.reduction);
}

/// x [N, C] scores, target [N, C] class indices, each row's classes first, then -1 (or x [C]
/// and target [C]) -> per sample the sum over its classes j and the other classes k of
/// max(0, 1 - (x[j] - x[k])) / C.
template <class T>
BasicTensor<T> multilabel_margin_loss(const BasicTensor<T>& x, const LongTensor& target,
                                      const MultiLabelMarginLossOptions& options = {}) {
  const char* op = "multilabel_margin_loss";
  if (x.dim() != 1 && x.dim() != 2)
    throw ShapeError(std::string(op) + ": expected input [N, C] or [C], got " +
                     to_string(x.shape()));
  if (target.shape() != x.shape())
    throw ShapeError(std::string(op) + ": target " + to_string(target.shape()) +
                     " must have the same shape as input " + to_string(x.shape()));
  const std::int64_t C = x.size(x.dim() - 1), N = x.dim() == 2 ? x.size(0) : 1;
  // pairs[n, j, k] = (times j is listed in row n) * (k is not listed in row n)
  auto pairs = zeros<T>({N, C, C});
  std::vector<T> listed(static_cast<std::size_t>(C)), is_target(static_cast<std::size_t>(C));
  for (std::int64_t n = 0; n < N; ++n) {
    std::fill(listed.begin(), listed.end(), T(0));
    std::fill(is_target.begin(), is_target.end(), T(0));
    for (std::int64_t i = 0; i < C; ++i) {
      const std::int64_t t = target.data()[n * C + i];
      if (t < -1 || t >= C)
        throw std::out_of_range(std::string(op) + ": target " + std::to_string(t) +
                                " is out of bounds for " + std::to_string(C) +
                                " classes (expected -1 to end a row; at index " +
                                std::to_string(n * C + i) + ")");
      if (t == -1) break;
      listed[static_cast<std::size_t>(t)] += T(1);
      is_target[static_cast<std::size_t>(t)] = T(1);
    }
    for (std::int64_t j = 0; j < C; ++j)
      for (std::int64_t k = 0; k < C; ++k)
        pairs.data()[(n * C + j) * C + k] =
            listed[static_cast<std::size_t>(j)] * (T(1) - is_target[static_cast<std::size_t>(k)]);
  }
  const auto rows = x.reshape({N, C});
  const auto gap = rows.unsqueeze(2) - rows.unsqueeze(1);  // [N, C, C]: x[j] - x[k]
  auto per = sum(sum((T(1) - gap).relu() * pairs, 2), 1) / static_cast<T>(C);
  if (x.dim() == 1) per = per.reshape({});
  return detail::reduce(op, per, options.reduction);
}

/// anchor, positive, negative [N, D] (or [D]) -> max(d(a, p) - d(a, n) + margin, 0) with
/// d = pairwise_distance(p, eps).
template <class T>
BasicTensor<T> triplet_margin_loss(const BasicTensor<T>& anchor, const BasicTensor<T>& positive,
                                   const BasicTensor<T>& negative,
                                   const TripletMarginLossOptions& options = {}) {
  const char* op = "triplet_margin_loss";
  detail::check_same_dims(op, "anchor", anchor.shape(), "positive", positive.shape());
  detail::check_same_dims(op, "anchor", anchor.shape(), "negative", negative.shape());
  const PairwiseDistanceOptions d{.p = options.p, .eps = options.eps};
  const auto d_pos = pairwise_distance(anchor, positive, d);
  auto d_neg = pairwise_distance(anchor, negative, d);
  if (options.swap) d_neg = detail::smaller_of(d_neg, pairwise_distance(positive, negative, d));
  const auto per = (d_pos - d_neg + static_cast<T>(options.margin)).relu();
  return detail::reduce(op, per, options.reduction);
}

/// anchor, positive, negative [N, D] -> max(d(a, p) - d(a, n) + margin, 0) with any distance
/// d (default pairwise_distance).
template <class T>
BasicTensor<T> triplet_margin_with_distance_loss(
    const BasicTensor<T>& anchor, const BasicTensor<T>& positive, const BasicTensor<T>& negative,
    const TripletMarginWithDistanceLossOptions<T>& options = {}) {
  const char* op = "triplet_margin_with_distance_loss";
  detail::check_same_dims(op, "anchor", anchor.shape(), "positive", positive.shape());
  detail::check_same_dims(op, "anchor", anchor.shape(), "negative", negative.shape());
  if (!(options.margin > 0))
    throw std::invalid_argument(std::string(op) + ": margin must be greater than 0, got " +
                                std::to_string(options.margin));
  const auto dist = [&](const BasicTensor<T>& a, const BasicTensor<T>& b) {
    return options.distance_function ? options.distance_function(a, b) : pairwise_distance(a, b);
  };
  const auto d_pos = dist(anchor, positive);
  auto d_neg = dist(anchor, negative);
  if (options.swap) d_neg = detail::smaller_of(d_neg, dist(positive, negative));
  const auto per = (d_pos - d_neg + static_cast<T>(options.margin)).relu();
  return detail::reduce(op, per, options.reduction);
}

}  // namespace torchlet::nn::functional
