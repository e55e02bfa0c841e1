#pragma once
// Index-driven reads and writes: gather, scatter / scatter_add (and in place) and one_hot, with
// PyTorch's gradients (index_add, index_copy: tensor/index_add.hpp; masked_fill:
// tensor/masked.hpp).
// gather/scatter: index has the input's number of dims; along `dim` it holds positions,
// elsewhere its size may not exceed the input's (nor src's).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_INDEXING_OPS
#endif

#include <memory>
#include <string>
#include <utility>

#include "torchlet/tensor/comparison.hpp"
#include "torchlet/tensor/indexing.hpp"

namespace torchlet {

template <class Scalar>
BasicTensor<Scalar> gather(const BasicTensor<Scalar>& x, std::int64_t dim,
                           const BasicTensor<std::int64_t>& index);

namespace detail {

/// Checks gather/scatter's index against the input (and src, if given) and its values.
inline void check_gather_index(const char* op, const Shape& xs, std::int64_t dim,
                               const BasicTensor<std::int64_t>& index, const Shape* src) {
  const auto nd = static_cast<std::int64_t>(xs.size());
  if (index.dim() != std::max<std::int64_t>(nd, 1) && !(nd == 0 && index.dim() == 0))
    throw ShapeError(std::string(op) + ": index must have as many dims as the input (" +
                     std::to_string(nd) + "), got index shape " + to_string(index.shape()));
  for (std::int64_t d = 0; d < index.dim() && nd > 0; ++d) {
    const auto k = static_cast<std::size_t>(d);
    if (d != dim && index.shape()[k] > xs[k])
      throw ShapeError(std::string(op) + ": index size " + std::to_string(index.shape()[k]) +
                       " exceeds the input's size " + std::to_string(xs[k]) + " at dim " +
                       std::to_string(d) + " (index " + to_string(index.shape()) + ", input " +
                       to_string(xs) + ")");
    if (src && index.shape()[k] > (*src)[k])
      throw ShapeError(std::string(op) + ": index size " + std::to_string(index.shape()[k]) +
                       " exceeds src's size " + std::to_string((*src)[k]) + " at dim " +
                       std::to_string(d) + " (index " + to_string(index.shape()) + ", src " +
                       to_string(*src) + ")");
  }
  const std::int64_t n = nd == 0 ? 1 : xs[static_cast<std::size_t>(dim)];
  const std::int64_t* ip = index.data();
  for (std::int64_t i = 0; i < index.numel(); ++i)
    if (ip[i] < 0 || ip[i] >= n)
      throw std::out_of_range(std::string(op) + ": index " + std::to_string(ip[i]) +
                              " is out of bounds for dimension " + std::to_string(dim) +
                              " with size " + std::to_string(n) + " (input shape " + to_string(xs) +
                              ")");
}

/// Calls f(p, x_off, s_off) for every element p of `index` (row-major): x_off is the
/// element of a tensor of shape xs at index's coordinates with dim replaced by index[p];
/// s_off the element of a tensor of shape ss at index's own coordinates.
template <class F>
void for_each_gather(const Shape& xs, const Shape& ss, std::int64_t dim,
                     const BasicTensor<std::int64_t>& index, F f) {
  const auto nd = static_cast<std::int64_t>(index.shape().size());
  const std::int64_t* ip = index.data();
  if (nd == 0) {
    if (index.numel() == 1) f(std::int64_t{0}, std::int64_t{0}, std::int64_t{0});
    return;
  }
  const Shape xst = contiguous_strides(xs), sst = contiguous_strides(ss);
  const auto& is = index.shape();
  const auto dd = static_cast<std::size_t>(dim);
  std::vector<std::int64_t> c(static_cast<std::size_t>(nd), 0);
  std::int64_t xo = 0, so = 0;  // offsets of the coordinates c (without dim in xo)
  for (std::int64_t p = 0; p < index.numel(); ++p) {
    f(p, xo + ip[p] * xst[dd], so);
    for (std::int64_t d = nd - 1; d >= 0; --d) {
      const auto k = static_cast<std::size_t>(d);
      ++c[k];
      if (d != dim) xo += xst[k];
      so += sst[k];
      if (c[k] < is[k]) break;
      if (d != dim) xo -= xst[k] * c[k];
      so -= sst[k] * c[k];
      c[k] = 0;
    }
  }
}

/// The gradient of a gather: zeros of shape xs with g added at the gathered places.
template <class Scalar>
BasicTensor<Scalar> gather_backward(const BasicTensor<Scalar>& g, const Shape& xs, std::int64_t dim,
                                    const BasicTensor<std::int64_t>& index) {
  auto gi = zeros<Scalar>(xs);
  Scalar* dst = gi.data();
  const Scalar* src = g.data();
  for_each_gather(xs, g.shape(), dim, index,
                  [&](std::int64_t, std::int64_t xo, std::int64_t so) { dst[xo] += src[so]; });
  return gi;
}

enum class ScatterKind { copy, add };

/// out (shape of x, holding x's values) gets src's values written or added at index.
template <class Scalar>
void scatter_into(Scalar* out, const Shape& xs, std::int64_t dim,
                  const BasicTensor<std::int64_t>& index, const Scalar* src, const Shape& ss,
                  ScatterKind kind) {
  if (kind == ScatterKind::copy)
    for_each_gather(xs, ss, dim, index,
                    [&](std::int64_t, std::int64_t xo, std::int64_t so) { out[xo] = src[so]; });
  else
    for_each_gather(xs, ss, dim, index,
                    [&](std::int64_t, std::int64_t xo, std::int64_t so) { out[xo] += src[so]; });
}

/// The backward of scatter / scatter_add: (dx, dsrc) for the output gradient g.
template <class Scalar>
std::vector<BasicTensor<Scalar>> scatter_backward(const BasicTensor<Scalar>& g, bool gx, bool gs,
                                                  const Shape& ss, std::int64_t dim,
                                                  const BasicTensor<std::int64_t>& index,
                                                  ScatterKind kind) {
  BasicTensor<Scalar> dx, ds;
  if (gx) {
    dx = g.clone().detach();
    if (kind == ScatterKind::copy) {
      Scalar* p = dx.data();
      for_each_gather(g.shape(), ss, dim, index,
                      [&](std::int64_t, std::int64_t xo, std::int64_t) { p[xo] = Scalar(0); });
    }
  }
  if (gs) {
    ds = zeros<Scalar>(ss);
    Scalar* p = ds.data();
    const Scalar* q = g.data();
    for_each_gather(g.shape(), ss, dim, index,
                    [&](std::int64_t, std::int64_t xo, std::int64_t so) { p[so] = q[xo]; });
  }
  return {dx, ds};
}

/// scatter_backward made of recorded ops (create_graph): x's gradient is g (times a constant
/// mask of the places not written, for scatter), src's (shape ss) is g gathered at index,
/// copied into the leading corner of zeros when src is larger than index.
template <class Scalar>
std::vector<BasicTensor<Scalar>> scatter_backward_recorded(const BasicTensor<Scalar>& g, bool gx,
                                                           bool gs, const Shape& ss,
                                                           std::int64_t dim,
                                                           const BasicTensor<std::int64_t>& index,
                                                           ScatterKind kind) {
  BasicTensor<Scalar> dx, ds;
  if (gx) {
    dx = g;
    if (kind == ScatterKind::copy) {
      auto keep = ones<Scalar>(g.shape());
      Scalar* p = keep.data();
      for_each_gather(g.shape(), index.shape(), dim, index,
                      [&](std::int64_t, std::int64_t xo, std::int64_t) { p[xo] = Scalar(0); });
      dx = g * keep;
    }
  }
  if (gs) ds = torchlet::gather(g, dim, index);
  if (gs && ds.shape() != ss) {  // a recorded copy_ into a view of zeros (CopySlices)
    auto full = zeros<Scalar>(ss), part = full;
    for (std::int64_t d = 0; d < ds.dim(); ++d)
      part = part.narrow(d, 0, ds.shape()[static_cast<std::size_t>(d)]);
    part.copy_(ds);
    ds = full;
  }
  return {dx, ds};
}

/// The history of a write of src into x that gave out (scatter, index_add, index_copy): in
/// place (out is x) out's history continues from prev, x's history before the write, through
/// the op's node; otherwise out is a new tensor recorded from x and src. bw(g, gx) gives x's
/// gradient (when gx) and src's.
template <class Scalar, class Backward>
void record_write(const BasicTensor<Scalar>& out, const char* name,
                  std::shared_ptr<autograd::NodeBase> prev, const BasicTensor<Scalar>& x,
                  const BasicTensor<Scalar>& src, bool inplace, Backward bw) {
  if (inplace) {
    const bool gx = prev != nullptr;
    rebase_history(out, name, std::move(prev), &src,
                   [bw = std::move(bw), gx](const BasicTensor<Scalar>& g) { return bw(g, gx); });
  } else {
    record(out, name, {&x, &src},
           [bw = std::move(bw), gx = x.requires_grad()](const BasicTensor<Scalar>& g) {
             return bw(g, gx);
           });
  }
  mark_inplace_differentiable(out);  // out a view: its base's CopySlices
}

/// scatter / scatter_add into a copy of x (inplace = false) or into x itself.
template <class Scalar>
BasicTensor<Scalar> scatter_impl(const char* op, const char* name, const BasicTensor<Scalar>& x,
                                 std::int64_t dim, const BasicTensor<std::int64_t>& index,
                                 const BasicTensor<Scalar>& src, ScatterKind kind, bool inplace) {
  dim = wrap_dim(op, dim, std::max<std::int64_t>(x.dim(), 1));
  if (src.dim() != index.dim())
    throw ShapeError(std::string(op) + ": src must have as many dims as index (" +
                     std::to_string(index.dim()) + "), got src shape " + to_string(src.shape()));
  check_gather_index(op, x.shape(), dim, index, &src.shape());
  if (inplace) {
    check_inplace(op, x, src.requires_grad());
    check_no_overlap(op, x, src);
    if constexpr (std::is_same_v<Scalar, std::int64_t>) check_no_overlap(op, x, index);
  }
  const bool graph = needs_graph<Scalar>({&x, &src});
  std::shared_ptr<autograd::NodeBase> prev = graph && inplace ? gradient_edge(x) : nullptr;
  BasicTensor<Scalar> out = inplace ? x : x.detach().clone();
  scatter_into(out.data(), x.shape(), dim, index, src.data(), src.shape(), kind);
  if (inplace) bump_version(x);
  if (!graph) return out;
  const bool gs = src.requires_grad();
  auto bw = [gs, ss = src.shape(), dim, kind, si = SavedTensor<std::int64_t>(index),
             is = index.shape(), name](const BasicTensor<Scalar>& g, bool gx) {
    if (is_grad_enabled()) [[unlikely]]  // create_graph
      return scatter_backward_recorded(g, gx, gs, ss, dim, si.tensor(name, is), kind);
    return scatter_backward(g, gx, gs, ss, dim, si.tensor(name, is), kind);
  };
  record_write(out, name, std::move(prev), x, src, inplace, std::move(bw));
  return out;
}

}  // namespace detail

/// torch.gather(x, dim, index): out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (and
/// likewise for any dim); the result has index's shape. index: int64, as many dims as x,
/// each size at most x's except along dim. The gradient adds g back at the gathered places.
template <class Scalar>
BasicTensor<Scalar> gather(const BasicTensor<Scalar>& x, std::int64_t dim,
                           const BasicTensor<std::int64_t>& index) {
  dim = detail::wrap_dim("gather", dim, std::max<std::int64_t>(x.dim(), 1));
  detail::check_gather_index("gather", x.shape(), dim, index, nullptr);
  auto out = BasicTensor<Scalar>::empty(index.shape());
  Scalar* op = out.data();
  const Scalar* xp = x.data();
  detail::for_each_gather(x.shape(), index.shape(), dim, index,
                          [&](std::int64_t p, std::int64_t xo, std::int64_t) { op[p] = xp[xo]; });
  if (detail::needs_graph<Scalar>({&x}))
    detail::record(out, "GatherBackward0", {&x},
                   [xs = x.shape(), dim, si = detail::SavedTensor<std::int64_t>(index),
                    is = index.shape()](const BasicTensor<Scalar>& g) {
                     if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded scatter_add
                       return std::vector<BasicTensor<Scalar>>{detail::scatter_impl(
                           "scatter_add", "ScatterAddBackward0", zeros<Scalar>(xs), dim,
                           si.tensor("GatherBackward0", is), g, detail::ScatterKind::add, false)};
                     return std::vector<BasicTensor<Scalar>>{
                         detail::gather_backward(g, xs, dim, si.tensor("GatherBackward0", is))};
                   });
  detail::mark_differentiable_backward(out);
  return out;
}

/// torch.scatter(x, dim, index, src): a copy of x with out[i][index[i][j][k]][k] =
/// src[i][j][k] for dim = 1 (likewise for any dim), over index's extent. Where index repeats
/// a place the last write wins (PyTorch leaves the order unspecified). Gradients: x's is g
/// with the written places zeroed, src's is g gathered at index.
template <class Scalar>
BasicTensor<Scalar> scatter(const BasicTensor<Scalar>& x, std::int64_t dim,
                            const BasicTensor<std::int64_t>& index,
                            const BasicTensor<Scalar>& src) {
  return detail::scatter_impl("scatter", "ScatterBackward0", x, dim, index, src,
                              detail::ScatterKind::copy, false);
}
/// torch.scatter(x, dim, index, value): a copy of x with `value` at the places index names.
/// The result keeps x's type, value converted to it as PyTorch converts it (a LongTensor
/// with 0.5 writes 0: truncated toward zero).
template <class Scalar, detail::ScalarFor<Scalar> S>
BasicTensor<Scalar> scatter(const BasicTensor<Scalar>& x, std::int64_t dim,
                            const BasicTensor<std::int64_t>& index, S value) {
  return detail::scatter_impl("scatter", "ScatterBackward1", x, dim, index,
                              full<Scalar>(index.shape(), static_cast<Scalar>(value)),
                              detail::ScatterKind::copy, false);
}
/// x.scatter_(dim, index, src): scatter into x itself (PyTorch's in-place rules for
/// autograd: not on a leaf that requires grad).
template <class Scalar>
const BasicTensor<Scalar>& scatter_(const BasicTensor<Scalar>& x, std::int64_t dim,
                                    const BasicTensor<std::int64_t>& index,
                                    const BasicTensor<Scalar>& src) {
  detail::scatter_impl("scatter_", "ScatterBackward0", x, dim, index, src,
                       detail::ScatterKind::copy, true);
  return x;
}
/// x.scatter_(dim, index, value): writes `value` into x at the places index names.
template <class Scalar, detail::ScalarFor<Scalar> S>
const BasicTensor<Scalar>& scatter_(const BasicTensor<Scalar>& x, std::int64_t dim,
                                    const BasicTensor<std::int64_t>& index, S value) {
  detail::scatter_impl("scatter_", "ScatterBackward1", x, dim, index,
                       full<Scalar>(index.shape(), static_cast<Scalar>(value)),
                       detail::ScatterKind::copy, true);
  return x;
}
/// torch.scatter_add(x, dim, index, src): a copy of x with src's values added at the places
/// index names (repeats accumulate). Gradients: x's is g, src's is g gathered at index.
template <class Scalar>
BasicTensor<Scalar> scatter_add(const BasicTensor<Scalar>& x, std::int64_t dim,
                                const BasicTensor<std::int64_t>& index,
                                const BasicTensor<Scalar>& src) {
  return detail::scatter_impl("scatter_add", "ScatterAddBackward0", x, dim, index, src,
                              detail::ScatterKind::add, false);
}
/// x.scatter_add_(dim, index, src): scatter_add into x itself.
template <class Scalar>
const BasicTensor<Scalar>& scatter_add_(const BasicTensor<Scalar>& x, std::int64_t dim,
                                        const BasicTensor<std::int64_t>& index,
                                        const BasicTensor<Scalar>& src) {
  detail::scatter_impl("scatter_add_", "ScatterAddBackward0", x, dim, index, src,
                       detail::ScatterKind::add, true);
  return x;
}

/// torch.nn.functional.one_hot(labels, num_classes): int64 labels [*] -> [*, num_classes]
/// int64 with a 1 at each label. num_classes = -1 takes max(labels) + 1.
inline BasicTensor<std::int64_t> one_hot(const BasicTensor<std::int64_t>& labels,
                                         std::int64_t num_classes = -1) {
  const std::int64_t* lp = labels.data();
  const std::int64_t n = labels.numel();
  for (std::int64_t i = 0; i < n; ++i)
    if (lp[i] < 0)
      throw std::invalid_argument("one_hot: class values must be non-negative, got " +
                                  std::to_string(lp[i]) + " at position " + std::to_string(i));
  if (num_classes == -1) {
    if (n == 0)
      throw std::invalid_argument(
          "one_hot: cannot infer num_classes from an empty tensor (pass num_classes)");
    num_classes = *std::max_element(lp, lp + n) + 1;
  }
  if (num_classes < 1)
    throw std::invalid_argument("one_hot: num_classes must be positive or -1, got " +
                                std::to_string(num_classes));
  for (std::int64_t i = 0; i < n; ++i)
    if (lp[i] < 0 || lp[i] >= num_classes)
      throw std::invalid_argument("one_hot: class values must be in [0, " +
                                  std::to_string(num_classes) + "), got " + std::to_string(lp[i]) +
                                  " at position " + std::to_string(i));
  Shape os = labels.shape();
  os.push_back(num_classes);
  auto out = zeros<std::int64_t>(os);
  for (std::int64_t i = 0; i < n; ++i) out.data()[i * num_classes + lp[i]] = 1;
  return out;
}

// ---- methods ----------------------------------------------------------------------

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::gather(std::int64_t dim,
                                                const BasicTensor<std::int64_t>& index) const {
  return torchlet::gather(*this, dim, index);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::scatter(std::int64_t dim,
                                                 const BasicTensor<std::int64_t>& index,
                                                 const BasicTensor& src) const {
  return torchlet::scatter(*this, dim, index, src);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::scatter_(std::int64_t dim,
                                                         const BasicTensor<std::int64_t>& index,
                                                         const BasicTensor& src) const {
  return torchlet::scatter_(*this, dim, index, src);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::scatter_add(std::int64_t dim,
                                                     const BasicTensor<std::int64_t>& index,
                                                     const BasicTensor& src) const {
  return torchlet::scatter_add(*this, dim, index, src);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::scatter_add_(std::int64_t dim,
                                                             const BasicTensor<std::int64_t>& index,
                                                             const BasicTensor& src) const {
  return torchlet::scatter_add_(*this, dim, index, src);
}
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_INDEXING_OPS
#include "torchlet/tensor/members.hpp"
#endif
