#pragma once
// The machinery of views (tensor/views.hpp, tensor/indexing.hpp, tensor/advanced_indexing.hpp):
// a view's Geometry (sizes, strides, storage offset), strided_view (a view whose geometry is
// computed from x's, with the backward that adds the gradient back at the places it took),
// view_as_shape (reshape/view), permute_copy, and the gathers and scatters along flat maps
// (flat_take, flat_put) that copies instead of views use.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_STRIDED_VIEW
#endif

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>

#include "torchlet/tensor/broadcast.hpp"

namespace torchlet {
namespace detail {

/// Resolves one -1 in `shape` against numel; throws ShapeError on mismatch.
inline Shape infer_shape(const char* op, Shape shape, std::int64_t numel, const Shape& from) {
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0)
        throw ShapeError(std::string(op) + ": only one dimension can be inferred (shape " +
                         to_string(shape) + ")");
      infer = static_cast<std::int64_t>(i);
    } else if (shape[i] < 0) {
      throw ShapeError(std::string(op) + ": invalid shape dimension " + std::to_string(shape[i]) +
                       " in " + to_string(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      throw ShapeError(std::string(op) + ": shape " + to_string(shape) +
                       " is invalid for input of size " + std::to_string(numel) + " (shape " +
                       to_string(from) + ")");
    shape[static_cast<std::size_t>(infer)] = numel / known;
  } else if (known != numel) {
    throw ShapeError(std::string(op) + ": shape " + to_string(shape) +
                     " is invalid for input of size " + std::to_string(numel) + " (shape " +
                     to_string(from) + ")");
  }
  return shape;
}

/// A view of x with another shape; its backward views the gradient with x's shape. A strided
/// x is viewed where ATen can (view_strides) and otherwise copied, or with `must_view`
/// (x.view) rejected as PyTorch does.
template <class Scalar>
BasicTensor<Scalar> view_as_shape(const char* name, const BasicTensor<Scalar>& x, Shape shape,
                                  bool must_view = false,
                                  std::optional<std::vector<std::int64_t>> strides = std::nullopt) {
  if (must_view && !x.impl()->strides.empty() && !view_strides(x.shape(), x.impl()->strides, shape))
    throw ShapeError(
        "view: view size is not compatible with input tensor's size and stride (at "
        "least one dimension spans across two contiguous subspaces); shape " +
        to_string(x.shape()) + ", strides " + to_string(x.stride()) + ", target " +
        to_string(shape) + ". Use .reshape(...) instead.");
  auto out = strides ? make_strided_view(x, std::move(shape), std::move(*strides), x.impl()->offset)
                     : make_view(x, std::move(shape));
  if (needs_graph<Scalar>({&x})) {
    record(out, name, {&x}, [in_shape = x.shape()](const BasicTensor<Scalar>& g) {
      if (is_grad_enabled()) [[unlikely]]  // create_graph: a recorded reshape
        return std::vector<BasicTensor<Scalar>>{g.reshape(in_shape)};
      return std::vector<BasicTensor<Scalar>>{make_view(g, in_shape)};
    });
    mark_differentiable_backward(out);
  }
  return out;
}

/// Copies x [*s] into the permuted layout out [s[p[0]], ..., s[p[n-1]]].
template <class Scalar>
void permute_copy(const Scalar* x, const Shape& s, const Shape& p, Scalar* out) {
  const std::size_t nd = s.size();
  const std::int64_t n = numel_of(s);
  if (n == 0) return;
  if (nd == 0) {
    out[0] = x[0];
    return;
  }
  const Shape in_st = contiguous_strides(s);
  Shape os(nd), st(nd);  // output shape and, per output dim, the input stride
  for (std::size_t d = 0; d < nd; ++d) {
    os[d] = s[static_cast<std::size_t>(p[d])];
    st[d] = in_st[static_cast<std::size_t>(p[d])];
  }
  if (nd == 2 && p[0] == 1) {  // Eigen's blocked transpose
    mmap(out, os[0], os[1]) = cmmap(x, s[0], s[1]).transpose();
    return;
  }
  // Innermost output dim contiguous in the input: copy runs.
  const std::int64_t run = st[nd - 1] == 1 ? os[nd - 1] : 1;
  const std::size_t outer_dims = run > 1 ? nd - 1 : nd;
  std::vector<std::int64_t> idx(outer_dims, 0);
  std::int64_t off = 0;
  for (std::int64_t i = 0; i < n; i += run) {
    if (run > 1)
      std::copy_n(x + off, run, out + i);
    else
      out[i] = x[off];
    for (std::size_t d = outer_dims; d-- > 0;) {
      off += st[d];
      if (++idx[d] < os[d]) break;
      off -= st[d] * idx[d];
      idx[d] = 0;
    }
  }
}

/// Sizes, strides and storage offset of a tensor's elements.
struct Geometry {
  Shape shape;
  std::vector<std::int64_t> strides;
  std::int64_t offset = 0;
};

/// A map from each element of a result to the flat offset of the element it copies, or -1
/// for a zero: shared by a gather's node and its backward's.
using FlatMap = std::shared_ptr<const std::vector<std::int64_t>>;

template <class Scalar>
BasicTensor<Scalar> flat_put(const BasicTensor<Scalar>& g, const Shape& xs, const FlatMap& map);

/// out (shape os): out[i] = x.flat[map[i]], or 0 where map[i] < 0. Recorded as `name`: the
/// gradient adds g back to the source elements (under create_graph the recorded flat_put,
/// whose backward is this gather again).
template <class Scalar>
BasicTensor<Scalar> flat_take(const char* name, const BasicTensor<Scalar>& x, const Shape& os,
                              const FlatMap& map) {
  auto out = BasicTensor<Scalar>::empty(os);
  const Scalar* xp = x.data();
  Scalar* op = out.data();
  const auto& m = *map;
  for (std::size_t i = 0; i < m.size(); ++i) op[i] = m[i] < 0 ? Scalar(0) : xp[m[i]];
  if constexpr (is_floating_v<Scalar>) {
    if (needs_graph<Scalar>({&x})) {
      record(out, name, {&x}, [map, xs = x.shape()](const BasicTensor<Scalar>& g) {
        return std::vector<BasicTensor<Scalar>>{flat_put(g, xs, map)};
      });
      mark_differentiable_backward(out);
    }
  }
  return out;
}

/// zeros of shape xs with g.flat[i] added at map[i] (map[i] >= 0): flat_take's gradient.
/// Recorded ("IndexPutBackward0", its backward the gather flat_take) when g requires grad.
template <class Scalar>
BasicTensor<Scalar> flat_put(const BasicTensor<Scalar>& g, const Shape& xs, const FlatMap& map) {
  auto out = zeros<Scalar>(xs);
  Scalar* dp = out.data();
  const Scalar* gp = g.data();
  const auto& m = *map;
  for (std::size_t i = 0; i < m.size(); ++i)
    if (m[i] >= 0) dp[m[i]] += gp[i];
  if (needs_graph<Scalar>({&g})) {
    record(out, "IndexPutBackward0", {&g}, [map, gs = g.shape()](const BasicTensor<Scalar>& gg) {
      return std::vector<BasicTensor<Scalar>>{flat_take("IndexBackward0", gg, gs, map)};
    });
    mark_differentiable_backward(out);
  }
  return out;
}

/// A strided view of x whose geometry `geom` computes from x's; the backward adds the
/// gradient into zeros of x's shape at the places the view took (geom applied to a
/// contiguous x), so overlapping views (expand) sum as they should. The backward keeps a
/// copy of geom (create_graph: the scatter's own backward is the view), so geom must own
/// what it captures.
template <class Scalar, class F>
BasicTensor<Scalar> strided_view(const char* name, const BasicTensor<Scalar>& x, F geom) {
  Geometry g = geom(Geometry{x.shape(), x.stride(), x.storage_offset()});
  auto out = make_strided_view(x, std::move(g.shape), std::move(g.strides),
                               static_cast<std::size_t>(g.offset));
  if (needs_graph<Scalar>({&x})) {
    record(out, name, {&x},
           [rel = geom(Geometry{x.shape(), contiguous_strides(x.shape()), 0}), in_shape = x.shape(),
            name, geom](const BasicTensor<Scalar>& gr) {
             auto gi = zeros<Scalar>(in_shape);
             Scalar* dst = gi.data() + rel.offset;
             const Scalar* src = gr.data();
             for_each_strided(rel.shape, rel.strides,
                              [&](std::int64_t i, std::int64_t off) { dst[off] += src[i]; });
             if (is_grad_enabled() && gr.requires_grad()) [[unlikely]] {
               // create_graph: gi is linear in gr, and its backward is the view itself
               record(gi, "StridedViewBackwardBackward", {&gr},
                      [name, geom](const BasicTensor<Scalar>& gg) {
                        return std::vector<BasicTensor<Scalar>>{strided_view(name, gg, geom)};
                      });
               mark_differentiable_backward(gi);
             }
             return std::vector<BasicTensor<Scalar>>{gi};
           });
    mark_differentiable_backward(out);
  }
  return out;
}

}  // namespace detail
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_STRIDED_VIEW
#include "torchlet/tensor/members.hpp"
#endif
