#pragma once
// Shape ops, all views sharing storage: reshape/view/flatten/squeeze/unsqueeze,
// transpose/t/mT/permute, expand/expand_as, diagonal, unfold, as_strided (strided views,
// PyTorch's strides and storage_offset), and contiguous. Each records its backward beside it.
// (Their machinery: tensor/detail/strided_view.hpp; clone, to<U>, fill_, copy_: tensor/copy.hpp.)

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
#include "torchlet/tensor/detail/strided_view.hpp"

namespace torchlet {

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

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_VIEWS
#include "torchlet/tensor/members.hpp"
#endif
