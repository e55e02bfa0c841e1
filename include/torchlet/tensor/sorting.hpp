#pragma once
// Sorting along a dim: sort, argsort, topk, kthvalue. Values come with their int64 indices
// (ValuesIndices); the gradient flows back to the places the values came from.
// Ordering is stable (equal values keep their order) and NaN counts as the largest value.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_SORTING
#endif

#include <algorithm>
#include <numeric>
#include <string>

#include "torchlet/tensor/indexing.hpp"
#include "torchlet/tensor/reduction.hpp"

namespace torchlet {
namespace detail {

/// a before b in ascending order, NaN last.
template <class Scalar>
bool sort_less(Scalar a, Scalar b) {
  if constexpr (std::is_floating_point_v<Scalar>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

/// Sorts every lane of x along dim (stable) and keeps its first k entries: values and
/// indices of shape x's with size k at dim, recorded as `name` (the gradient adds back at
/// the indices).
template <class Scalar>
ValuesIndices<Scalar> sorted_lanes(const char* op, const char* name, const BasicTensor<Scalar>& x,
                                   std::int64_t dim, std::int64_t k, bool descending) {
  const Shape xs = x.dim() == 0 ? Shape{1} : x.shape();
  dim = wrap_dim(op, dim, static_cast<std::int64_t>(xs.size()));
  const auto oi = outer_inner(xs, dim);
  Shape os = xs;
  os[static_cast<std::size_t>(dim)] = k;
  if (x.dim() == 0) os = {};
  auto values = BasicTensor<Scalar>::empty(os);
  auto indices = BasicTensor<std::int64_t>::empty(os);
  const Scalar* src = x.data();
  Scalar* vp = values.data();
  std::int64_t* ip = indices.data();
  std::vector<std::int64_t> order(static_cast<std::size_t>(oi.n));
  for (std::int64_t o = 0; o < oi.outer; ++o)
    for (std::int64_t in = 0; in < oi.inner; ++in) {
      const Scalar* lane = src + o * oi.n * oi.inner + in;
      std::iota(order.begin(), order.end(), std::int64_t{0});
      auto at = [&](std::int64_t j) { return lane[j * oi.inner]; };
      if (descending)
        std::stable_sort(order.begin(), order.end(),
                         [&](std::int64_t a, std::int64_t b) { return sort_less(at(b), at(a)); });
      else
        std::stable_sort(order.begin(), order.end(),
                         [&](std::int64_t a, std::int64_t b) { return sort_less(at(a), at(b)); });
      for (std::int64_t j = 0; j < k; ++j) {
        const std::int64_t dst = (o * k + j) * oi.inner + in;
        ip[dst] = order[static_cast<std::size_t>(j)];
        vp[dst] = at(ip[dst]);
      }
    }
  if (needs_graph<Scalar>({&x}))
    record(values, name, {&x},
           [name, in_shape = x.shape(), oi, k,
            si = SavedTensor<std::int64_t>(indices)](const BasicTensor<Scalar>& g) {
             if (is_grad_enabled()) [[unlikely]]  // create_graph: a recorded lane_put
               return std::vector<BasicTensor<Scalar>>{
                   lane_put(g.reshape({oi.outer, k, oi.inner}),
                            si.tensor(name, {oi.outer, k, oi.inner}), oi.n)
                       .reshape(in_shape)};
             const std::int64_t* p = si.data(name);
             auto gi = zeros<Scalar>(in_shape);
             for (std::int64_t o = 0; o < oi.outer; ++o)
               for (std::int64_t j = 0; j < k; ++j)
                 for (std::int64_t in = 0; in < oi.inner; ++in) {
                   const std::int64_t s = (o * k + j) * oi.inner + in;
                   gi.data()[(o * oi.n + p[s]) * oi.inner + in] += g.data()[s];
                 }
             return std::vector<BasicTensor<Scalar>>{gi};
           });
  mark_differentiable_backward(values);
  return {values, indices};
}

}  // namespace detail

/// torch.sort(x, dim, descending): x's values sorted along dim, with the int64 positions
/// they came from. Stable (equal values keep their order; PyTorch's stable=True); NaN sorts
/// as the largest value.
template <class Scalar>
ValuesIndices<Scalar> sort(const BasicTensor<Scalar>& x, std::int64_t dim = -1,
                           bool descending = false) {
  const std::int64_t n = x.dim() == 0 ? 1 : x.size(detail::wrap_dim("sort", dim, x.dim()));
  return detail::sorted_lanes("sort", "SortBackward0", x, dim, n, descending);
}

/// torch.argsort(x, dim, descending): the int64 positions that sort x along dim (as sort's
/// indices; stable).
template <class Scalar>
BasicTensor<std::int64_t> argsort(const BasicTensor<Scalar>& x, std::int64_t dim = -1,
                                  bool descending = false) {
  NoGradGuard no_grad;
  return sort(x, dim, descending).indices;
}

/// torch.topk(x, k, dim, largest, sorted): the k largest (or smallest) values along dim
/// and their int64 positions, in order (largest first when largest). Ties keep their order.
/// Throws std::invalid_argument unless 0 <= k <= size(dim).
template <class Scalar>
ValuesIndices<Scalar> topk(const BasicTensor<Scalar>& x, std::int64_t k, std::int64_t dim = -1,
                           bool largest = true, bool sorted = true) {
  (void)sorted;  // the k values always come sorted, which sorted = false allows too
  const std::int64_t n = x.dim() == 0 ? 1 : x.size(detail::wrap_dim("topk", dim, x.dim()));
  if (k < 0 || k > n)
    throw std::invalid_argument("topk: k must be in [0, " + std::to_string(n) +
                                "] (the size of dim " + std::to_string(dim) + " of shape " +
                                to_string(x.shape()) + "), got " + std::to_string(k));
  return detail::sorted_lanes("topk", "TopkBackward0", x, dim, k, largest);
}

/// torch.kthvalue(x, k, dim, keepdim): the k-th smallest value (k counts from 1) along dim
/// and its int64 position. Throws std::invalid_argument unless 1 <= k <= size(dim).
template <class Scalar>
ValuesIndices<Scalar> kthvalue(const BasicTensor<Scalar>& x, std::int64_t k, std::int64_t dim = -1,
                               bool keepdim = false) {
  const std::int64_t n = x.dim() == 0 ? 1 : x.size(detail::wrap_dim("kthvalue", dim, x.dim()));
  if (k < 1 || k > n)
    throw std::invalid_argument("kthvalue: k must be in [1, " + std::to_string(n) +
                                "] (the size of dim " + std::to_string(dim) + " of shape " +
                                to_string(x.shape()) + "), got " + std::to_string(k));
  auto r = detail::sorted_lanes("kthvalue", "KthvalueBackward0", x, dim, k, false);
  if (x.dim() == 0) return r;
  const std::int64_t d = detail::wrap_dim("kthvalue", dim, x.dim());
  ValuesIndices<Scalar> out{r.values.narrow(d, k - 1, 1), r.indices.narrow(d, k - 1, 1)};
  if (!keepdim) {
    out.values = out.values.squeeze(d);
    out.indices = out.indices.squeeze(d);
  }
  return out;
}

template <class Scalar>
ValuesIndices<Scalar> BasicTensor<Scalar>::sort(std::int64_t dim, bool descending) const {
  return torchlet::sort(*this, dim, descending);
}
template <class Scalar>
BasicTensor<std::int64_t> BasicTensor<Scalar>::argsort(std::int64_t dim, bool descending) const {
  return torchlet::argsort(*this, dim, descending);
}
template <class Scalar>
ValuesIndices<Scalar> BasicTensor<Scalar>::topk(std::int64_t k, std::int64_t dim, bool largest,
                                                bool sorted) const {
  return torchlet::topk(*this, k, dim, largest, sorted);
}
template <class Scalar>
ValuesIndices<Scalar> BasicTensor<Scalar>::kthvalue(std::int64_t k, std::int64_t dim,
                                                    bool keepdim) const {
  return torchlet::kthvalue(*this, k, dim, keepdim);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_SORTING
#include "torchlet/tensor/members.hpp"
#endif
