#pragma once
// Indexing along a dim: narrow, slice (with a step), select, operator[] and index_select.
// A tensor [*pre, n, *post] is seen as (outer = prod(pre), n, inner = prod(post)).
// narrow/slice/select/operator[] return views sharing storage (strided unless the result is
// one row-major block); the backward scatters the gradient into zeros of the source's shape.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_INDEXING
#endif

#include <cstring>

#include "torchlet/tensor/detail/strided_view.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet {
namespace detail {

struct OuterInner {
  std::int64_t outer = 1, n = 1, inner = 1;
};
inline OuterInner outer_inner(const Shape& s, std::int64_t dim) {
  OuterInner r;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(s.size()); ++i) {
    const auto d = s[static_cast<std::size_t>(i)];
    if (i < dim)
      r.outer *= d;
    else if (i > dim)
      r.inner *= d;
    else
      r.n = d;
  }
  return r;
}

/// The gradient of a selection by lane positions (max/min along a dim, sort, topk, mode,
/// index_select): g [outer, k, inner] added into zeros [outer, n, inner] at
/// [o, idx[o, j, i], i]; idx: int64 [outer, k, inner]. Recorded ("ScatterAddBackward0", its
/// backward lane_take) when g requires grad, so it differentiates again under create_graph.
template <class Scalar>
BasicTensor<Scalar> lane_put(const BasicTensor<Scalar>& g, const BasicTensor<std::int64_t>& idx,
                             std::int64_t n);
/// x [outer, n, inner] read at [o, idx[o, j, i], i]: [outer, k, inner] (idx's shape).
/// Recorded ("GatherBackward0", its backward lane_put).
template <class Scalar>
BasicTensor<Scalar> lane_take(const BasicTensor<Scalar>& x, const BasicTensor<std::int64_t>& idx);

/// Calls f(s, t) for every element s of idx [outer, k, inner] with t the offset of
/// [o, idx[o, j, i], i] in [outer, n, inner]: the walk lane_put and lane_take share.
template <class F>
void lane_walk(const BasicTensor<std::int64_t>& idx, std::int64_t n, F f) {
  const auto outer = idx.size(0), k = idx.size(1), inner = idx.size(2);
  const std::int64_t* ip = idx.data();
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t j = 0; j < k; ++j)
      for (std::int64_t i = 0; i < inner; ++i) {
        const auto s = (o * k + j) * inner + i;
        f(s, (o * n + ip[s]) * inner + i);
      }
}

template <class Scalar>
BasicTensor<Scalar> lane_put(const BasicTensor<Scalar>& g, const BasicTensor<std::int64_t>& idx,
                             std::int64_t n) {
  auto out = zeros<Scalar>({idx.size(0), n, idx.size(2)});
  const Scalar* gp = g.data();
  Scalar* op = out.data();
  lane_walk(idx, n, [&](std::int64_t s, std::int64_t t) { op[t] += gp[s]; });
  if (needs_graph<Scalar>({&g})) {
    record(out, "ScatterAddBackward0", {&g}, [idx](const BasicTensor<Scalar>& gg) {
      return std::vector<BasicTensor<Scalar>>{lane_take(gg, idx)};
    });
    mark_differentiable_backward(out);
  }
  return out;
}

template <class Scalar>
BasicTensor<Scalar> lane_take(const BasicTensor<Scalar>& x, const BasicTensor<std::int64_t>& idx) {
  const auto n = x.size(1);
  auto out = BasicTensor<Scalar>::empty(idx.shape());
  const Scalar* xp = x.data();
  Scalar* op = out.data();
  lane_walk(idx, n, [&](std::int64_t s, std::int64_t t) { op[s] = xp[t]; });
  if (needs_graph<Scalar>({&x})) {
    record(out, "GatherBackward0", {&x}, [idx, n](const BasicTensor<Scalar>& gg) {
      return std::vector<BasicTensor<Scalar>>{lane_put(gg, idx, n)};
    });
    mark_differentiable_backward(out);
  }
  return out;
}

/// Elements start, start + step, ... (len of them) of dim d, as a view of shape out_shape
/// (the source's shape with size len at d, or with d removed for select).
template <class Scalar>
BasicTensor<Scalar> take_along(const char* name, const BasicTensor<Scalar>& x, std::int64_t d,
                               std::int64_t start, std::int64_t len, std::int64_t step,
                               const Shape& out_shape) {
  const bool drop = out_shape.size() < x.shape().size();
  return strided_view(name, x, [=](const Geometry& in) {
    Geometry out = in;
    const auto k = static_cast<std::size_t>(d);
    out.offset += start * in.strides[k];
    out.shape[k] = len;
    out.strides[k] *= step;
    if (drop) {
      out.shape.erase(out.shape.begin() + d);
      out.strides.erase(out.strides.begin() + d);
    }
    return out;
  });
}

}  // namespace detail

/// x.narrow(dim, start, length): elements [start, start + length) of dim (start may be
/// negative). Throws std::out_of_range if the range leaves the dim.
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::narrow(std::int64_t d, std::int64_t start,
                                                std::int64_t length) const {
  if (dim() == 0) throw std::out_of_range("narrow: cannot be applied to a 0-dim tensor");
  d = detail::wrap_dim("narrow", d, dim());
  const auto sz = shape()[static_cast<std::size_t>(d)];
  if (start < -sz || start > sz)
    throw std::out_of_range("narrow: start " + std::to_string(start) +
                            " is out of range for dimension " + std::to_string(d) + " of size " +
                            std::to_string(sz) + " (shape " + to_string(shape()) + ")");
  if (start < 0) start += sz;
  if (length < 0 || start + length > sz)
    throw std::out_of_range("narrow: start " + std::to_string(start) + " + length " +
                            std::to_string(length) + " exceeds dimension " + std::to_string(d) +
                            " of size " + std::to_string(sz) + " (shape " + to_string(shape()) +
                            ")");
  Shape os = shape();
  os[static_cast<std::size_t>(d)] = length;
  return detail::take_along("SliceBackward0", *this, d, start, length, 1, std::move(os));
}

/// x.slice(dim, start, end, step) = x[..., start:end:step, ...] along dim, with Python's
/// slice rules: negative start/end count from the end and out-of-range bounds clamp.
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::slice(std::int64_t d, std::int64_t start, std::int64_t end,
                                               std::int64_t step) const {
  if (dim() == 0) throw std::out_of_range("slice: cannot be applied to a 0-dim tensor");
  d = detail::wrap_dim("slice", d, dim());
  if (step <= 0)
    throw std::invalid_argument("slice: step must be positive, got " + std::to_string(step));
  const auto sz = shape()[static_cast<std::size_t>(d)];
  if (start < 0) start += sz;
  if (end < 0) end += sz;
  start = std::clamp<std::int64_t>(start, 0, sz);
  end = std::clamp<std::int64_t>(end, start, sz);
  const auto len = (end - start + step - 1) / step;
  Shape os = shape();
  os[static_cast<std::size_t>(d)] = len;
  return detail::take_along("SliceBackward0", *this, d, start, len, step, std::move(os));
}

/// x.select(dim, i): index i of dim, which is removed (i may be negative).
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::select(std::int64_t d, std::int64_t i) const {
  if (dim() == 0) throw std::out_of_range("select: cannot be applied to a 0-dim tensor");
  d = detail::wrap_dim("select", d, dim());
  const auto n = shape()[static_cast<std::size_t>(d)];
  if (i < -n || i >= n)
    throw std::out_of_range("select: index " + std::to_string(i) +
                            " is out of bounds for dimension " + std::to_string(d) + " with size " +
                            std::to_string(n));
  if (i < 0) i += n;
  Shape os = shape();
  os.erase(os.begin() + d);
  return detail::take_along("SelectBackward0", *this, d, i, 1, 1, std::move(os));
}

/// x[i]: index i of the first dim (a view).
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::operator[](std::int64_t i) const {
  if (dim() == 0) throw std::out_of_range("operator[]: invalid index of a 0-dim tensor");
  const auto n = shape()[0];
  if (i < -n || i >= n)
    throw std::out_of_range("operator[]: index " + std::to_string(i) +
                            " is out of bounds for dimension 0 with size " + std::to_string(n));
  return select(0, i);
}

/// x.index_select(dim, index): the entries of dim listed in `index` (int64, 0-D or 1-D,
/// each in [0, size(dim))). The gradient adds back into the selected entries.
template <class Scalar>
BasicTensor<Scalar> index_select(const BasicTensor<Scalar>& x, std::int64_t d,
                                 const BasicTensor<std::int64_t>& index) {
  if (index.dim() > 1)
    throw ShapeError("index_select: index must be 0-D or 1-D, got shape " +
                     to_string(index.shape()));
  const bool scalar_input = x.dim() == 0;
  d = detail::wrap_dim("index_select", d, x.dim());
  const Shape xs = scalar_input ? Shape{1} : x.shape();
  const auto oi = detail::outer_inner(xs, d);
  const std::int64_t m = index.numel();
  const std::int64_t* ip = index.data();
  for (std::int64_t k = 0; k < m; ++k)
    if (ip[k] < 0 || ip[k] >= oi.n)
      throw std::out_of_range("index_select: index " + std::to_string(ip[k]) +
                              " is out of bounds for dimension " + std::to_string(d) +
                              " with size " + std::to_string(oi.n) + " (shape " +
                              to_string(x.shape()) + ")");
  Shape os = xs;
  os[static_cast<std::size_t>(d)] = m;
  if (scalar_input) os = index.dim() == 0 ? Shape{} : Shape{m};
  auto out = BasicTensor<Scalar>::empty(os);
  const Scalar* src = x.data();
  Scalar* dst = out.data();
  for (std::int64_t o = 0; o < oi.outer; ++o)
    for (std::int64_t k = 0; k < m; ++k)
      std::copy_n(src + (o * oi.n + ip[k]) * oi.inner, oi.inner, dst + (o * m + k) * oi.inner);
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(out, "IndexSelectBackward0", {&x},
                   [si = detail::SavedTensor<std::int64_t>(index), m, oi,
                    in_shape = x.shape()](const BasicTensor<Scalar>& g) {
                     const std::int64_t* idx = si.data("IndexSelectBackward0");
                     if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded lane_put
                       auto lanes = BasicTensor<std::int64_t>::empty({oi.outer, m, oi.inner});
                       for (std::int64_t o = 0; o < oi.outer; ++o)
                         for (std::int64_t k = 0; k < m; ++k)
                           std::fill_n(lanes.data() + (o * m + k) * oi.inner, oi.inner, idx[k]);
                       return std::vector<BasicTensor<Scalar>>{
                           detail::lane_put(g.reshape({oi.outer, m, oi.inner}), lanes, oi.n)
                               .reshape(in_shape)};
                     }
                     auto gi = zeros<Scalar>(in_shape);
                     for (std::int64_t o = 0; o < oi.outer; ++o)
                       for (std::int64_t k = 0; k < m; ++k)
                         detail::amap(gi.data() + (o * oi.n + idx[k]) * oi.inner, oi.inner) +=
                             detail::camap(g.data() + (o * m + k) * oi.inner, oi.inner);
                     return std::vector<BasicTensor<Scalar>>{gi};
                   });
    detail::mark_differentiable_backward(out);
  }
  return out;
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::index_select(
    std::int64_t d, const BasicTensor<std::int64_t>& index) const {
  return torchlet::index_select(*this, d, index);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_INDEXING
#include "torchlet/tensor/members.hpp"
#endif
