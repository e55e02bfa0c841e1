#pragma once
// Shape ops, all views sharing storage: reshape/view/flatten/squeeze/unsqueeze,
// transpose/t/mT/permute, expand/expand_as, diagonal, unfold, as_strided (strided views,
// PyTorch's strides and storage_offset); clone, contiguous, to<U>, fill_/copy_. Each records
// its backward beside it.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_VIEWS
#endif

#include <algorithm>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "torchlet/tensor/broadcast.hpp"

namespace torchlet {
namespace detail {

// Defined in tensor/binary.hpp: copy_'s create_graph path needs it declared here.
template <class Scalar>
BasicTensor<Scalar> sum_to_recorded(BasicTensor<Scalar> g, const Shape& shape);

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

template <class Scalar>
// NOLINTNEXTLINE(performance-unnecessary-value-param): moved into infer_shape below
BasicTensor<Scalar> BasicTensor<Scalar>::reshape(Shape s) const {
  return detail::view_as_shape("ReshapeAliasBackward0", *this,
                               detail::infer_shape("reshape", std::move(s), numel(), shape()));
}
template <class Scalar>
// NOLINTNEXTLINE(performance-unnecessary-value-param): moved into infer_shape below
BasicTensor<Scalar> BasicTensor<Scalar>::view(Shape s) const {
  return detail::view_as_shape("ViewBackward0", *this,
                               detail::infer_shape("view", std::move(s), numel(), shape()), true);
}
/// Merges dims start_dim..end_dim into one: [2, 3, 4].flatten(1) -> [2, 12].
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::flatten(std::int64_t start_dim,
                                                 std::int64_t end_dim) const {
  const std::int64_t n = dim();
  if (n == 0) return reshape({1});
  const auto s = detail::wrap_dim("flatten", start_dim, n),
             e = detail::wrap_dim("flatten", end_dim, n);
  if (s > e)
    throw std::invalid_argument("flatten: start_dim (" + std::to_string(start_dim) +
                                ") cannot come after end_dim (" + std::to_string(end_dim) + ")");
  Shape out(shape().begin(), shape().begin() + s);
  std::int64_t m = 1;
  for (auto i = s; i <= e; ++i) m *= shape()[static_cast<std::size_t>(i)];
  out.push_back(m);
  out.insert(out.end(), shape().begin() + e + 1, shape().end());
  return detail::view_as_shape("ViewBackward0", *this, std::move(out));
}
/// Removes every dim of size 1.
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::squeeze() const {
  Shape s;
  std::vector<std::int64_t> st;
  const auto& xst = impl_->strides;
  for (std::size_t i = 0; i < shape().size(); ++i)
    if (shape()[i] != 1) {
      s.push_back(shape()[i]);
      if (!xst.empty()) st.push_back(xst[i]);
    }
  if (xst.empty()) return detail::view_as_shape("SqueezeBackward0", *this, std::move(s));
  return detail::view_as_shape("SqueezeBackward0", *this, std::move(s), false, std::move(st));
}
/// Removes dim d if its size is 1 (otherwise returns the same shape).
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::squeeze(std::int64_t d) const {
  d = detail::wrap_dim("squeeze", d, dim());
  Shape s = shape();
  if (s.empty() || s[static_cast<std::size_t>(d)] != 1)
    return detail::view_as_shape("SqueezeBackward1", *this, std::move(s));
  s.erase(s.begin() + d);
  if (impl_->strides.empty()) return detail::view_as_shape("SqueezeBackward1", *this, std::move(s));
  auto st = impl_->strides;
  st.erase(st.begin() + d);
  return detail::view_as_shape("SqueezeBackward1", *this, std::move(s), false, std::move(st));
}
/// Inserts a dim of size 1 at d (d in [-dim()-1, dim()]).
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::unsqueeze(std::int64_t d) const {
  d = detail::wrap_dim("unsqueeze", d, dim() + 1);
  Shape s = shape();
  s.insert(s.begin() + d, 1);
  if (impl_->strides.empty())
    return detail::view_as_shape("UnsqueezeBackward0", *this, std::move(s));
  auto st = impl_->strides;  // ATen's stride for the new dim
  st.insert(
      st.begin() + d,
      d >= dim() ? 1 : shape()[static_cast<std::size_t>(d)] * st[static_cast<std::size_t>(d)]);
  return detail::view_as_shape("UnsqueezeBackward0", *this, std::move(s), false, std::move(st));
}

namespace detail {

/// The view of x with its dims reordered as `dims` (checked by the caller), recorded as
/// `name`: permute's PermuteBackward0, transpose's TransposeBackward0, t's TBackward0.
template <class Scalar>
BasicTensor<Scalar> permuted_view(const char* name, const BasicTensor<Scalar>& x, const Shape& p,
                                  const Shape& inv);

}  // namespace detail

/// Reorders the dims: out.size(i) = size(dims[i]). A view (strides permuted); the gradient
/// is permuted back.
template <class Scalar>
BasicTensor<Scalar> permute(const BasicTensor<Scalar>& x, const Shape& dims) {
  const auto nd = x.dim();
  if (static_cast<std::int64_t>(dims.size()) != nd)
    throw ShapeError("permute: number of dims don't match in permute (input " +
                     to_string(x.shape()) + " has " + std::to_string(nd) + ", dims " +
                     to_string(dims) + " has " + std::to_string(dims.size()) + ")");
  Shape p(dims.size()), inv(dims.size());
  std::vector<bool> used(dims.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    p[i] = detail::wrap_dim("permute", dims[i], nd);
    if (used[static_cast<std::size_t>(p[i])])
      throw std::invalid_argument("permute: repeated dim in " + to_string(dims));
    used[static_cast<std::size_t>(p[i])] = true;
    inv[static_cast<std::size_t>(p[i])] = static_cast<std::int64_t>(i);
  }
  return detail::permuted_view("PermuteBackward0", x, p, inv);
}

template <class Scalar>
BasicTensor<Scalar> detail::permuted_view(const char* name, const BasicTensor<Scalar>& x,
                                          const Shape& p, const Shape& inv) {
  Shape os(p.size());
  std::vector<std::int64_t> ost(p.size());
  const auto xst = x.stride();
  for (std::size_t i = 0; i < p.size(); ++i) {
    os[i] = x.shape()[static_cast<std::size_t>(p[i])];
    ost[i] = xst[static_cast<std::size_t>(p[i])];
  }
  auto out = detail::make_strided_view(x, std::move(os), std::move(ost), x.impl()->offset);
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(out, name, {&x}, [inv, p, in_shape = x.shape()](const BasicTensor<Scalar>& g) {
      if (is_grad_enabled()) [[unlikely]]  // create_graph: a recorded permute
        return std::vector<BasicTensor<Scalar>>{g.permute(inv)};
      auto gi = BasicTensor<Scalar>::empty(in_shape);
      detail::permute_copy(g.data(), g.shape(), inv, gi.data());
      return std::vector<BasicTensor<Scalar>>{gi};
    });
    detail::mark_differentiable_backward(out);
  }
  return out;
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::permute(const Shape& dims) const {
  return torchlet::permute(*this, dims);
}

/// Swaps dims dim0 and dim1 (a view).
template <class Scalar>
BasicTensor<Scalar> transpose(const BasicTensor<Scalar>& x, std::int64_t dim0, std::int64_t dim1) {
  const auto nd = x.dim();
  Shape p(static_cast<std::size_t>(nd));
  std::iota(p.begin(), p.end(), 0);
  const auto d0 = detail::wrap_dim("transpose", dim0, nd);
  const auto d1 = detail::wrap_dim("transpose", dim1, nd);
  if (nd) std::swap(p[static_cast<std::size_t>(d0)], p[static_cast<std::size_t>(d1)]);
  return detail::permuted_view("TransposeBackward0", x, p, p);  // a swap is its own inverse
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::transpose(std::int64_t d0, std::int64_t d1) const {
  return torchlet::transpose(*this, d0, d1);
}

/// Transpose of a tensor with at most 2 dims (0-D and 1-D tensors: a view of the same shape).
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::t() const {
  if (dim() > 2)
    throw ShapeError("t: expects a tensor with <= 2 dimensions, but self is " +
                     std::to_string(dim()) + "D (shape " + to_string(shape()) + ")");
  Shape p(static_cast<std::size_t>(dim()));  // a view even for < 2 dims, as PyTorch's
  std::iota(p.begin(), p.end(), 0);
  std::reverse(p.begin(), p.end());
  return detail::permuted_view("TBackward0", *this, p, p);
}

/// x.mT: the last two dims swapped (a view); needs at least 2 dims.
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::mT() const {
  if (dim() < 2)
    throw ShapeError("mT: tensor.mT is only supported on matrices or batches of matrices. Got " +
                     std::to_string(dim()) + "-D tensor (shape " + to_string(shape()) + ")");
  return torchlet::transpose(*this, -2, -1);
}

/// x.T: all dims reversed (PyTorch deprecates it for other than 2 dims, and so warns; this
/// library does not warn).
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::T() const {
  Shape dims(static_cast<std::size_t>(dim()));
  for (std::size_t d = 0; d < dims.size(); ++d)
    dims[d] = static_cast<std::int64_t>(dims.size() - 1 - d);
  return permute(dims);
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::H() const {
  if (dim() != 2)
    throw ShapeError("H: tensor.H is only supported on matrices (2-D tensors). Got " +
                     std::to_string(dim()) + "-D tensor (shape " + to_string(shape()) +
                     "). For batches of matrices, consider using tensor.mH");
  return torchlet::transpose(*this, 0, 1);
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::mH() const {
  if (dim() < 2)
    throw ShapeError("mH: tensor.mH is only supported on matrices or batches of matrices. Got " +
                     std::to_string(dim()) + "-D tensor (shape " + to_string(shape()) + ")");
  return torchlet::transpose(*this, -2, -1);
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::adjoint() const {
  return mH();
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::as_strided(
    const Shape& size, const std::vector<std::int64_t>& stride,
    std::optional<std::int64_t> storage_offset) const {
  if (size.size() != stride.size())
    throw std::invalid_argument("as_strided: mismatch in length of strides and shape (shape " +
                                to_string(size) + ", strides " + to_string(stride) + ")");
  for (std::size_t d = 0; d < size.size(); ++d) {
    if (size[d] < 0)
      throw std::invalid_argument("as_strided: negative size " + std::to_string(size[d]) + " in " +
                                  to_string(size));
    if (stride[d] < 0)
      throw std::invalid_argument(
          "as_strided: negative strides are not supported at the moment, got strides: " +
          to_string(stride));
  }
  const std::int64_t off = storage_offset.value_or(this->storage_offset());
  if (off < 0)
    throw std::invalid_argument("as_strided: Tensor: invalid storage offset " +
                                std::to_string(off));
  const auto& impl = *impl_;
  const auto have = static_cast<std::int64_t>(impl.storage ? impl.storage->size() : 0);
  if (detail::numel_of(size) > 0) {
    std::int64_t need = off + 1;
    for (std::size_t d = 0; d < size.size(); ++d) need += (size[d] - 1) * stride[d];
    if (need > have)
      throw std::out_of_range("as_strided: setStorage: sizes " + to_string(size) + ", strides " +
                              to_string(stride) + ", storage offset " + std::to_string(off) +
                              ", and itemsize " + std::to_string(sizeof(Scalar)) +
                              " requiring a storage size of " +
                              std::to_string(need * static_cast<std::int64_t>(sizeof(Scalar))) +
                              " are out of bounds for storage of size " +
                              std::to_string(have * static_cast<std::int64_t>(sizeof(Scalar))));
  }
  auto out = detail::make_strided_view(*this, size, stride, static_cast<std::size_t>(off));
  if constexpr (!detail::is_floating_v<Scalar>) {
    return out;
  } else {
    if (!detail::needs_graph<Scalar>({this})) return out;
    // The gradient lands in the storage's elements the view took (summed where it overlaps
    // itself), read back with this tensor's own layout.
    detail::record(
        out, "AsStridedBackward0", {this},
        [size, stride, off, have,
         in = detail::Geometry{shape(), this->stride(), this->storage_offset()}](
            const BasicTensor& g) {
          if (is_grad_enabled()) [[unlikely]] {
            // create_graph: the same two steps as recorded flat maps (a scatter
            // into the storage's elements, a gather with this tensor's layout)
            std::vector<std::int64_t> to(static_cast<std::size_t>(g.numel())),
                from(static_cast<std::size_t>(detail::numel_of(in.shape)));
            detail::for_each_strided(size, stride, [&](std::int64_t i, std::int64_t o) {
              to[static_cast<std::size_t>(i)] = off + o;
            });
            detail::for_each_strided(in.shape, in.strides, [&](std::int64_t i, std::int64_t o) {
              from[static_cast<std::size_t>(i)] = in.offset + o;
            });
            const auto buf = detail::flat_put(
                g, {have}, std::make_shared<const std::vector<std::int64_t>>(std::move(to)));
            return std::vector<BasicTensor>{detail::flat_take(
                "IndexBackward0", buf, in.shape,
                std::make_shared<const std::vector<std::int64_t>>(std::move(from)))};
          }
          std::vector<Scalar> buf(static_cast<std::size_t>(have), Scalar(0));
          const Scalar* src = g.data();
          detail::for_each_strided(size, stride, [&](std::int64_t i, std::int64_t o) {
            buf[static_cast<std::size_t>(off + o)] += src[i];
          });
          auto gi = BasicTensor::empty(in.shape);
          Scalar* dst = gi.data();
          detail::for_each_strided(in.shape, in.strides, [&](std::int64_t i, std::int64_t o) {
            dst[i] = buf[static_cast<std::size_t>(in.offset + o)];
          });
          return std::vector<BasicTensor>{gi};
        });
    detail::mark_differentiable_backward(out);
    return out;
  }
}

/// x.expand(sizes): dims of size 1 repeated to `sizes` (-1 keeps a size; new leading dims
/// allowed) without copying (stride 0). In-place writes into the result throw, as in PyTorch.
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::expand(const Shape& sizes) const {
  if (static_cast<std::int64_t>(sizes.size()) < dim())
    throw ShapeError("expand: the number of sizes provided (" + std::to_string(sizes.size()) +
                     ") must be greater or equal to the number of dimensions in the tensor (" +
                     std::to_string(dim()) + ")");
  return detail::strided_view("ExpandBackward0", *this, [sizes](const detail::Geometry& in) {
    const std::size_t n = sizes.size(), lead = n - in.shape.size();
    detail::Geometry out{Shape(n), std::vector<std::int64_t>(n, 0), in.offset};
    for (std::size_t i = 0; i < n; ++i) {
      if (i < lead) {
        if (sizes[i] < 0)
          throw ShapeError("expand: the expanded size of the tensor (" + std::to_string(sizes[i]) +
                           ") isn't allowed in a leading, non-existing dimension " +
                           std::to_string(i));
        out.shape[i] = sizes[i];
        continue;
      }
      const auto have = in.shape[i - lead];
      if (sizes[i] == -1 || sizes[i] == have) {
        out.shape[i] = have;
        out.strides[i] = in.strides[i - lead];
      } else if (have == 1 && sizes[i] >= 0) {
        out.shape[i] = sizes[i];
      } else {
        throw ShapeError("expand: the expanded size of the tensor (" + std::to_string(sizes[i]) +
                         ") must match the existing size (" + std::to_string(have) +
                         ") at non-singleton dimension " + std::to_string(i) + ".  Target sizes: " +
                         to_string(sizes) + ".  Tensor sizes: " + to_string(in.shape));
      }
    }
    return out;
  });
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::expand_as(const BasicTensor& other) const {
  return expand(other.shape());
}

/// x.diagonal(offset, dim1, dim2): the offset-th diagonal of the (dim1, dim2) planes, as a
/// last dim (a view).
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::diagonal(std::int64_t offset, std::int64_t dim1,
                                                  std::int64_t dim2) const {
  const auto d1 = detail::wrap_dim("diagonal", dim1, dim()),
             d2 = detail::wrap_dim("diagonal", dim2, dim());
  if (d1 == d2)
    throw std::invalid_argument("diagonal: diagonal dimensions cannot be identical " +
                                std::to_string(dim1) + ", " + std::to_string(dim2));
  return detail::strided_view("DiagonalBackward0", *this, [=](const detail::Geometry& in) {
    const auto a = static_cast<std::size_t>(d1), b = static_cast<std::size_t>(d2);
    std::int64_t len = offset >= 0 ? std::min(in.shape[a], in.shape[b] - offset)
                                   : std::min(in.shape[a] + offset, in.shape[b]);
    len = std::max<std::int64_t>(len, 0);
    detail::Geometry out{{}, {}, in.offset};
    if (len > 0) out.offset += offset >= 0 ? offset * in.strides[b] : -offset * in.strides[a];
    for (std::size_t i = 0; i < in.shape.size(); ++i)
      if (i != a && i != b) {
        out.shape.push_back(in.shape[i]);
        out.strides.push_back(in.strides[i]);
      }
    out.shape.push_back(len);
    out.strides.push_back(in.strides[a] + in.strides[b]);
    return out;
  });
}

/// x.unfold(dim, size, step): every window of `size` elements along dim, `step` apart, as a
/// new last dim: [.., n, ..] -> [.., (n - size) / step + 1, .., size] (a view).
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::unfold(std::int64_t dimension, std::int64_t size,
                                                std::int64_t step) const {
  const auto d = detail::wrap_dim("unfold", dimension, dim());
  const std::int64_t have = dim() == 0 ? 1 : shape()[static_cast<std::size_t>(d)];
  if (size > have || size < 0)
    throw std::invalid_argument("unfold: maximum size for tensor at dimension " +
                                std::to_string(d) + " is " + std::to_string(have) +
                                " but size is " + std::to_string(size));
  if (step <= 0)
    throw std::invalid_argument("unfold: step is " + std::to_string(step) + " but must be > 0");
  return detail::strided_view("UnfoldBackward0", *this, [=](const detail::Geometry& in) {
    detail::Geometry out = in;
    if (in.shape.empty()) {
      out.shape = {size};
      out.strides = {1};
      return out;
    }
    const auto k = static_cast<std::size_t>(d);
    out.shape[k] = (in.shape[k] - size) / step + 1;
    out.strides[k] = in.strides[k] * step;
    out.shape.push_back(size);
    out.strides.push_back(in.strides[k]);
    return out;
  });
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::clone() const {
  auto out = BasicTensor::empty(shape());
  if (numel()) std::memcpy(static_cast<void*>(out.data()), data(), sizeof(Scalar) * numel());
  if (detail::needs_graph<Scalar>({this})) {
    detail::record(out, "CloneBackward0", {this},
                   [](const BasicTensor& g) { return std::vector<BasicTensor>{g}; });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

namespace autograd {
/// Backward of a dtype conversion From -> To: converts the gradient back to From and
/// hands it to the input's node (a Node<From>).
template <class From, class To>
struct ToCopyNode final : Node<To> {
  std::vector<BasicTensor<To>> apply(const BasicTensor<To>&) override { return {}; }
  void release() noexcept override {}
  void run(bool) override {
    BasicTensor<To> g = std::move(this->grad);
    this->grad = BasicTensor<To>();
    if (!this->next[0]) return;
    if (is_grad_enabled() && g.requires_grad()) [[unlikely]] {  // create_graph: a recorded to()
      Node<To>::template deliver<From>(this->node_name, *this->next[0], g.template to<From>());
      return;
    }
    auto gi = BasicTensor<From>::empty(g.shape());
    const To* s = g.data();
    From* d = gi.data();
    for (std::int64_t i = 0; i < g.numel(); ++i) d[i] = static_cast<From>(s[i]);
    Node<To>::template deliver<From>(this->node_name, *this->next[0], std::move(gi));
  }
};
}  // namespace autograd

/// Element type conversion (x.to(torch.float64)); gradients flow between float types.
template <class Scalar>
template <class U>
BasicTensor<U> BasicTensor<Scalar>::to() const {
  if constexpr (std::is_same_v<Scalar, U>) {
    return *this;
  } else {
    auto out = BasicTensor<U>::empty(shape());
    const Scalar* s = data();
    U* d = out.data();
    for (std::int64_t i = 0; i < numel(); ++i) d[i] = static_cast<U>(s[i]);
    if constexpr (std::is_floating_point_v<Scalar> && std::is_floating_point_v<U>) {
      if (detail::needs_graph<Scalar>({this})) {
        auto node = std::make_shared<autograd::ToCopyNode<Scalar, U>>();
        node->node_name = "ToCopyBackward0";
        node->next.push_back(detail::gradient_edge(*this));
        node->out_shape = shape();
        node->differentiable_backward = true;
        out.impl()->requires_grad = true;
        out.impl()->grad_fn = std::move(node);
      }
    }
    return out;
  }
}

template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::fill_(Scalar value) const {
  detail::check_inplace("fill_", *this);
  const bool graph = detail::needs_graph<Scalar>({this});
  auto prev = graph ? detail::gradient_edge(*this) : nullptr;
  std::fill_n(data(), numel(), value);
  detail::bump_version(*this);
  if constexpr (detail::is_floating_v<Scalar>) {
    if (graph) {  // the old values no longer matter: a zero gradient (a constant)
      detail::rebase_history(*this, "FillBackward0", prev, nullptr, [](const BasicTensor& g) {
        return std::vector<BasicTensor>{zeros_like(g)};
      });
      detail::mark_inplace_differentiable(*this);
    }
  }
  return *this;
}

/// Copies src (broadcast to this tensor's shape) into this tensor.
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::copy_(const BasicTensor& src) const {
  detail::check_inplace("copy_", *this, src.requires_grad());
  if (src.shape() != shape() && detail::broadcast_shapes("copy_", shape(), src.shape()) != shape())
    throw ShapeError("copy_: source shape " + to_string(src.shape()) +
                     " cannot be broadcast to destination shape " + to_string(shape()));
  detail::check_no_partial_overlap("copy_", *this, src);
  const bool graph = detail::needs_graph<Scalar>({this, &src});
  auto prev = graph ? detail::gradient_edge(*this) : nullptr;
  if (src.shape() == shape()) {
    if (numel()) std::memmove(static_cast<void*>(data()), src.data(), sizeof(Scalar) * numel());
  } else {
    detail::broadcast_into(*this, src, shape(), data(),
                           [](const auto&, const auto& y) { return y; });
  }
  detail::bump_version(*this);
  if constexpr (detail::is_floating_v<Scalar>) {
    if (graph) {
      detail::rebase_history(
          *this, "CopyBackwards", prev, &src,
          [ga = prev != nullptr, gs = src.requires_grad(), ss = src.shape()](const BasicTensor& g) {
            BasicTensor ds;
            if (gs)  // create_graph: a recorded sum
              ds = is_grad_enabled() ? detail::sum_to_recorded(g, ss) : detail::sum_to(g, ss);
            return std::vector<BasicTensor>{ga ? zeros_like(g) : BasicTensor(), ds};
          });
      detail::mark_inplace_differentiable(*this);
    }
  }
  return *this;
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_VIEWS
#include "torchlet/tensor/members.hpp"
#endif
