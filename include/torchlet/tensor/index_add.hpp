#pragma once
// index_add and index_copy (and in place), with PyTorch's gradients: src's slices along a dim
// added (or copied) into x's slices at the positions a 1-D int64 index gives.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_INDEX_ADD
#endif

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/tensor/indexing_ops.hpp"

namespace torchlet {

namespace detail {

/// index_add / index_copy of src's slices along dim into x's slices index[k] (1-D index).
template <class Scalar>
BasicTensor<Scalar> index_write_impl(const char* op, const char* name, const BasicTensor<Scalar>& x,
                                     std::int64_t dim, const BasicTensor<std::int64_t>& index,
                                     const BasicTensor<Scalar>& src, Scalar alpha, ScatterKind kind,
                                     bool inplace) {
  if (index.dim() > 1)
    throw ShapeError(std::string(op) + ": index must be 0-D or 1-D, got shape " +
                     to_string(index.shape()));
  const Shape xs = x.dim() == 0 ? Shape{1} : x.shape();
  dim = wrap_dim(op, dim, static_cast<std::int64_t>(xs.size()));
  const auto oi = outer_inner(xs, dim);
  const std::int64_t m = index.numel();
  Shape want = xs;
  want[static_cast<std::size_t>(dim)] = m;
  const Shape ss = src.dim() == 0 ? Shape{1} : src.shape();
  if (ss != want)
    throw ShapeError(std::string(op) + ": src must have shape " + to_string(want) + " (input " +
                     to_string(x.shape()) + " with dim " + std::to_string(dim) +
                     " of the index's length " + std::to_string(m) + "), got " +
                     to_string(src.shape()));
  const std::int64_t* ip = index.data();
  std::vector<std::int64_t> idx(static_cast<std::size_t>(m));
  for (std::int64_t k = 0; k < m; ++k) {
    if (ip[k] < 0 || ip[k] >= oi.n)
      throw std::out_of_range(std::string(op) + ": index " + std::to_string(ip[k]) +
                              " is out of bounds for dimension " + std::to_string(dim) +
                              " with size " + std::to_string(oi.n) + " (input shape " +
                              to_string(x.shape()) + ")");
    idx[static_cast<std::size_t>(k)] = ip[k];
  }
  if (inplace) {
    check_inplace(op, x, src.requires_grad());
    check_no_overlap(op, x, src);
    if constexpr (std::is_same_v<Scalar, std::int64_t>) check_no_overlap(op, x, index);
  }
  const bool graph = needs_graph<Scalar>({&x, &src});
  std::shared_ptr<autograd::NodeBase> prev = graph && inplace ? gradient_edge(x) : nullptr;
  BasicTensor<Scalar> out = inplace ? x : x.detach().clone();
  Scalar* dst = out.data();
  const Scalar* sp = src.data();
  for (std::int64_t o = 0; o < oi.outer; ++o)
    for (std::int64_t k = 0; k < m; ++k) {
      auto d = amap(dst + (o * oi.n + idx[static_cast<std::size_t>(k)]) * oi.inner, oi.inner);
      auto s = camap(sp + (o * m + k) * oi.inner, oi.inner);
      if (kind == ScatterKind::copy)
        d = s;
      else if (alpha == Scalar(1))
        d += s;
      else
        d += s * alpha;
    }
  if (inplace) bump_version(x);
  if (!graph) return out;
  auto bw = [gs = src.requires_grad(), idx, oi, m, alpha, kind, src_shape = src.shape(), xs, dim](
                const BasicTensor<Scalar>& g, bool gx) {
    BasicTensor<Scalar> dx, ds;
    if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
      if (gx) {
        dx = g;
        if (kind == ScatterKind::copy) {
          auto keep = ones<Scalar>(g.shape());
          for (std::int64_t o = 0; o < oi.outer; ++o)
            for (std::int64_t k = 0; k < m; ++k)
              amap(keep.data() + (o * oi.n + idx[static_cast<std::size_t>(k)]) * oi.inner, oi.inner)
                  .setZero();
          dx = g * keep;
        }
      }
      if (gs) {
        ds = index_select(g.reshape(xs), dim, from_vector<std::int64_t>(idx, {m}));
        if (kind == ScatterKind::add && alpha != Scalar(1)) ds = ds * alpha;
        ds = ds.reshape(src_shape);
      }
      return std::vector<BasicTensor<Scalar>>{dx, ds};
    }
    if (gx) {
      dx = g.clone().detach();
      if (kind == ScatterKind::copy)
        for (std::int64_t o = 0; o < oi.outer; ++o)
          for (std::int64_t k = 0; k < m; ++k)
            amap(dx.data() + (o * oi.n + idx[static_cast<std::size_t>(k)]) * oi.inner, oi.inner)
                .setZero();
    }
    if (gs) {
      ds = BasicTensor<Scalar>::empty(src_shape);
      for (std::int64_t o = 0; o < oi.outer; ++o)
        for (std::int64_t k = 0; k < m; ++k) {
          auto s =
              camap(g.data() + (o * oi.n + idx[static_cast<std::size_t>(k)]) * oi.inner, oi.inner);
          auto d = amap(ds.data() + (o * m + k) * oi.inner, oi.inner);
          if (kind == ScatterKind::add && alpha != Scalar(1))
            d = s * alpha;
          else
            d = s;
        }
    }
    return std::vector<BasicTensor<Scalar>>{dx, ds};
  };
  record_write(out, name, std::move(prev), x, src, inplace, std::move(bw));
  return out;
}

}  // namespace detail

/// torch.index_add(x, dim, index, src, alpha): a copy of x with alpha * src's slice k (along
/// dim) added to x's slice index[k]; index is 1-D int64 and src is x's shape with index's
/// length at dim. Gradients: x's is g, src's is alpha * g.index_select(dim, index).
template <class Scalar>
BasicTensor<Scalar> index_add(const BasicTensor<Scalar>& x, std::int64_t dim,
                              const BasicTensor<std::int64_t>& index,
                              const BasicTensor<Scalar>& src, Scalar alpha = Scalar(1)) {
  return detail::index_write_impl("index_add", "IndexAddBackward0", x, dim, index, src, alpha,
                                  detail::ScatterKind::add, false);
}
/// x.index_add_(dim, index, src, alpha): index_add into x itself.
template <class Scalar>
const BasicTensor<Scalar>& index_add_(const BasicTensor<Scalar>& x, std::int64_t dim,
                                      const BasicTensor<std::int64_t>& index,
                                      const BasicTensor<Scalar>& src, Scalar alpha = Scalar(1)) {
  detail::index_write_impl("index_add_", "IndexAddBackward0", x, dim, index, src, alpha,
                           detail::ScatterKind::add, true);
  return x;
}
/// torch.index_copy(x, dim, index, src): a copy of x with src's slice k (along dim) copied
/// into x's slice index[k]. Gradients: x's is g with those slices zeroed, src's is
/// g.index_select(dim, index).
template <class Scalar>
BasicTensor<Scalar> index_copy(const BasicTensor<Scalar>& x, std::int64_t dim,
                               const BasicTensor<std::int64_t>& index,
                               const BasicTensor<Scalar>& src) {
  return detail::index_write_impl("index_copy", "IndexCopyBackward0", x, dim, index, src, Scalar(1),
                                  detail::ScatterKind::copy, false);
}
/// x.index_copy_(dim, index, src): index_copy into x itself.
template <class Scalar>
const BasicTensor<Scalar>& index_copy_(const BasicTensor<Scalar>& x, std::int64_t dim,
                                       const BasicTensor<std::int64_t>& index,
                                       const BasicTensor<Scalar>& src) {
  detail::index_write_impl("index_copy_", "IndexCopyBackward0", x, dim, index, src, Scalar(1),
                           detail::ScatterKind::copy, true);
  return x;
}

// ---- methods ----------------------------------------------------------------------

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::index_add(std::int64_t dim,
                                                   const BasicTensor<std::int64_t>& index,
                                                   const BasicTensor& src, Scalar alpha) const {
  return torchlet::index_add(*this, dim, index, src, alpha);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::index_copy(std::int64_t dim,
                                                    const BasicTensor<std::int64_t>& index,
                                                    const BasicTensor& src) const {
  return torchlet::index_copy(*this, dim, index, src);
}
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_INDEX_ADD
#include "torchlet/tensor/members.hpp"
#endif
