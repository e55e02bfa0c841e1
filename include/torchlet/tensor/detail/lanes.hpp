#pragma once
// The lanes of a reduction (tensor/reduction.hpp, variance.hpp, norm.hpp, reduction_extra.hpp,
// ...): a tensor [*pre, n, *post] is viewed as (outer = prod(pre), n, inner = prod(post)); a
// "lane" is the n elements x[o, :, i] (stride inner) that reduce to one output value. Here:
// DimSplit and how a dim (or every element) splits, the walk over the lanes, the expansion of
// a reduced gradient back over the input's shape, the deterministic sum of n elements, and
// the permute that moves a list of reduced dims last.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_LANES
#endif

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/parallel.hpp"
#include "torchlet/tensor/binary.hpp"
#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet {
namespace detail {

/// A tensor's shape as (outer, n, inner) around the reduced dim, and the shape it reduces to.
struct DimSplit {
  std::int64_t outer = 1, n = 1, inner = 1;
  Shape reduced;  // shape after reduction (keepdim applied)
};

inline DimSplit split_dim(const char* op, const Shape& s, std::int64_t& dim, bool keepdim) {
  const auto nd = static_cast<std::int64_t>(s.size());
  dim = wrap_dim(op, dim, nd);
  DimSplit r;
  if (nd == 0) return r;
  for (std::int64_t i = 0; i < nd; ++i) {
    const auto d = s[static_cast<std::size_t>(i)];
    if (i < dim)
      r.outer *= d;
    else if (i > dim)
      r.inner *= d;
    else
      r.n = d;
    if (i != dim)
      r.reduced.push_back(d);
    else if (keepdim)
      r.reduced.push_back(1);
  }
  return r;
}
/// The whole tensor as one lane.
inline DimSplit all_split(std::int64_t numel) {
  DimSplit r;
  r.n = numel;
  return r;
}

/// Calls f(lane, out_index) for every lane; lane(k) is the k-th element of the lane.
template <class Scalar, class F>
void for_each_lane(const Scalar* p, const DimSplit& sp, F f) {
  for (std::int64_t o = 0; o < sp.outer; ++o)
    for (std::int64_t i = 0; i < sp.inner; ++i) {
      // An empty lane (n == 0, p may be null) is never read: no offset on a null pointer.
      const Scalar* base = sp.n > 0 ? p + o * sp.n * sp.inner + i : p;
      const std::int64_t stride = sp.inner;
      f([base, stride](std::int64_t k) -> const Scalar& { return base[k * stride]; },
        o* sp.inner + i);
    }
}

/// gi[o, k, i] = f(g[o, i], o * inner + i, k) for the input shape: the usual shape of a
/// reduction's backward (g has the reduced shape, with or without keepdim).
template <class Scalar, class F>
BasicTensor<Scalar> expand_lanes(const BasicTensor<Scalar>& g, const Shape& in_shape,
                                 const DimSplit& sp, F f) {
  auto out = BasicTensor<Scalar>::empty(in_shape);
  const Scalar* gp = g.data();
  Scalar* op = out.data();
  for (std::int64_t o = 0; o < sp.outer; ++o)
    for (std::int64_t k = 0; k < sp.n; ++k)
      for (std::int64_t i = 0; i < sp.inner; ++i) {
        const auto j = o * sp.inner + i;
        op[(o * sp.n + k) * sp.inner + i] = f(gp[j], j, k);
      }
  return out;
}

/// Broadcasts a reduced gradient g back over `dim`, times scale.
template <class Scalar>
BasicTensor<Scalar> expand_reduced(const BasicTensor<Scalar>& g, const Shape& in_shape,
                                   const DimSplit& sp, Scalar scale) {
  if (sp.inner == 1 && scale == Scalar(1)) {  // rows: replicate each g value n times
    auto out = BasicTensor<Scalar>::empty(in_shape);
    for (std::int64_t o = 0; o < sp.outer; ++o)
      amap(out.data() + o * sp.n, sp.n).setConstant(g.data()[o]);
    return out;
  }
  return expand_lanes(g, in_shape, sp,
                      [scale](Scalar gv, std::int64_t, std::int64_t) { return gv * scale; });
}

/// expand_reduced made of recorded ops (a backward under create_graph).
template <class Scalar>
BasicTensor<Scalar> expand_reduced_recorded(const BasicTensor<Scalar>& g, const Shape& in_shape,
                                            const DimSplit& sp, Scalar scale) {
  auto e = g.reshape({sp.outer, 1, sp.inner}) + zeros<Scalar>({sp.outer, sp.n, sp.inner});
  if (scale != Scalar(1)) e = e * scale;
  return e.reshape(in_shape);
}

template <class Scalar>
using acc_t = std::conditional_t<std::is_floating_point_v<Scalar>, Scalar, std::int64_t>;

/// Sum of n floating-point elements: the vectorised sum of each chunk of kElementwiseGrain
/// elements (on the intra-op threads; float and double through vector_kernels), the chunks'
/// sums added in order, so the result is the same bits for any thread count (parallel.hpp's
/// parallel_reduce).
template <class Scalar>
Scalar sum_all(const Scalar* p, std::int64_t n) {
  const auto chunk_sum = [p](std::int64_t b, std::int64_t e) {
    if constexpr (std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>)
      return vector_kernels<Scalar>().sum(p + b, e - b);
    else
      return camap(p + b, e - b).sum();
  };
  return parallel_reduce(
      std::int64_t(0), n, kElementwiseGrain, Scalar(0),
      [&chunk_sum](std::int64_t b, std::int64_t e, Scalar acc) { return acc + chunk_sum(b, e); },
      [](Scalar a, Scalar b) { return a + b; });
}

/// x with `dims` moved to the end and flattened into one: [kept..., prod(dims)] (recorded
/// permute + reshape, so gradients flow). `reduced` receives the shape after reducing
/// `dims` (size 1 there with keepdim). An empty `dims` means every dim, as torch's dim=[].
template <class Scalar>
BasicTensor<Scalar> lanes_last(const char* op, const BasicTensor<Scalar>& x,
                               std::vector<std::int64_t> dims, bool keepdim, Shape& reduced) {
  const auto nd = x.dim();
  if (dims.empty())
    for (std::int64_t d = 0; d < nd; ++d) dims.push_back(d);
  std::vector<bool> is_reduced(static_cast<std::size_t>(std::max<std::int64_t>(nd, 1)), false);
  for (auto& d : dims) {
    d = wrap_dim(op, d, nd);
    if (is_reduced[static_cast<std::size_t>(d)])
      throw std::invalid_argument(std::string(op) + ": dim " + std::to_string(d) +
                                  " appears multiple times in the list of dims " +
                                  to_string(Shape(dims.begin(), dims.end())));
    is_reduced[static_cast<std::size_t>(d)] = true;
  }
  Shape order, kept;
  reduced.clear();
  for (std::int64_t d = 0; d < nd; ++d) {
    const auto s = x.shape()[static_cast<std::size_t>(d)];
    if (is_reduced[static_cast<std::size_t>(d)]) {
      if (keepdim) reduced.push_back(1);
      continue;
    }
    order.push_back(d);
    kept.push_back(s);
    reduced.push_back(s);
  }
  std::int64_t n = 1;
  for (std::int64_t d = 0; d < nd; ++d)
    if (is_reduced[static_cast<std::size_t>(d)]) {
      order.push_back(d);
      n *= x.shape()[static_cast<std::size_t>(d)];
    }
  bool identity = true;
  for (std::size_t i = 0; i < order.size(); ++i) identity = identity && order[i] == std::int64_t(i);
  kept.push_back(n);
  return (identity ? x : x.permute(order)).reshape(kept);
}

}  // namespace detail
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_LANES
#include "torchlet/tensor/members.hpp"
#endif
