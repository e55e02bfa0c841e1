#pragma once
// Distances between two batches of vectors, as torch.nn.functional's (PyTorch 1.13),
// templated on the element type and composed of tensor ops (one fused node: the clamped norm):
//   cosine_similarity(x1, x2, {.dim = 1, .eps = 1e-8}): x1 and x2 broadcast to one shape S;
//       sum over dim of (x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)) -> S without dim.
//   pairwise_distance(x1, x2, {.p = 2, .eps = 1e-6, .keepdim = false}): the p-norm of
//       x1 - x2 + eps over the last dim of the broadcast shape -> [N] for [N, D] inputs
//       (a 0-dim tensor for [D] ones; the dim kept as size 1 with keepdim).
#include <string>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"
#include "torchlet/tensor/norm.hpp"

namespace torchlet::nn {

/// Arguments of cosine_similarity / CosineSimilarity after the two inputs.
struct CosineSimilarityOptions {
  std::int64_t dim = 1;  ///< The dim holding the vectors (of the broadcast shape).
  double eps = 1e-8;     ///< Each norm is clamped below at eps.
};

/// Arguments of pairwise_distance / PairwiseDistance after the two inputs.
struct PairwiseDistanceOptions {
  double p = 2.0;        ///< The norm's order (any real, inf included).
  double eps = 1e-6;     ///< Added to x1 - x2 before the norm (keeps it differentiable at 0).
  bool keepdim = false;  ///< Keep the reduced last dim as size 1.
};

}  // namespace torchlet::nn

namespace torchlet::detail {

/// x broadcast to `shape` (a copy; the gradient sums back to x's shape), or x itself.
template <class T>
BasicTensor<T> broadcast_to(const BasicTensor<T>& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return mul(x, ones<T>(shape));
}

/// max(||x||_2 over dim, eps), keepdim, with PyTorch 1.13's gradient: d/dx = x / max(||x||,
/// eps) also where the clamp is active (1.13 clamps the norm in place under no_grad).
template <class T>
BasicTensor<T> clamped_norm(const BasicTensor<T>& x, std::int64_t dim, double eps) {
  BasicTensor<T> n;
  {
    NoGradGuard no_grad;
    n = norm(x, 2.0, dim, true);
    n.clamp_(static_cast<T>(eps));
  }
  if (needs_graph<T>({&x}))
    record(n, "ClampedNormBackward", {&x},
           [sx = SavedTensor<T>(x), sn = SavedTensor<T>(n), xs = x.shape(),
            ns = n.shape()](const BasicTensor<T>& g) {
             if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded ops
               return std::vector<BasicTensor<T>>{sx.variable("ClampedNormBackward", xs) * g /
                                                  sn.output_variable("ClampedNormBackward", ns)};
             NoGradGuard no_grad;
             return std::vector<BasicTensor<T>>{div(mul(sx.tensor("ClampedNormBackward", xs), g),
                                                    sn.tensor("ClampedNormBackward", ns))};
           });
  mark_differentiable_backward(n);
  return n;
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// x1, x2 broadcastable, e.g. [N, D] -> [N] with dim 1: the cosine of the angle between
/// x1 and x2 along dim (see the file comment).
template <class T>
BasicTensor<T> cosine_similarity(const BasicTensor<T>& x1, const BasicTensor<T>& x2,
                                 const CosineSimilarityOptions& options = {}) {
  const Shape shape = detail::broadcast_shapes("cosine_similarity", x1.shape(), x2.shape());
  const auto nd = static_cast<std::int64_t>(shape.size());
  if (options.dim < -nd || options.dim >= nd || nd == 0)
    throw std::out_of_range("cosine_similarity: dim " + std::to_string(options.dim) +
                            " is out of range for inputs broadcast to " + to_string(shape));
  const std::int64_t dim = options.dim < 0 ? options.dim + nd : options.dim;
  const auto a = detail::broadcast_to(x1, shape), b = detail::broadcast_to(x2, shape);
  const auto an = div(a, detail::clamped_norm(a, dim, options.eps));
  const auto bn = div(b, detail::clamped_norm(b, dim, options.eps));
  return sum(mul(an, bn), dim);
}

/// x1, x2 broadcastable, e.g. [N, D] -> [N]: the p-norm distance of each pair of rows
/// (see the file comment).
template <class T>
BasicTensor<T> pairwise_distance(const BasicTensor<T>& x1, const BasicTensor<T>& x2,
                                 const PairwiseDistanceOptions& options = {}) {
  const Shape shape = detail::broadcast_shapes("pairwise_distance", x1.shape(), x2.shape());
  if (shape.empty())
    throw ShapeError("pairwise_distance: expected inputs with at least one dim, got " +
                     to_string(x1.shape()) + " and " + to_string(x2.shape()));
  const auto d = add(sub(x1, x2), full<T>({}, static_cast<T>(options.eps)));
  return norm(d, options.p, static_cast<std::int64_t>(shape.size()) - 1, options.keepdim);
}

}  // namespace torchlet::nn::functional
