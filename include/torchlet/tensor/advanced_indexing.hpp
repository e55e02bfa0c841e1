#pragma once
// PyTorch's x[...] reads and writes: torchlet::indexing (Slice, None, Ellipsis, TensorIndex,
// as libtorch's torch::indexing), x.index({...}), x.index_put_({...}, v) (accumulate, a
// scalar or a broadcast tensor), index_put, masked_select, masked_fill_, masked_scatter_
// and masked_scatter, with PyTorch's gradients and in-place autograd rules.
//
//   x[1, ..., None]           x.index({1, Ellipsis, None})
//   x[:, 0::2]                x.index({Slice(), Slice(0, None, 2)})
//   x[mask] = v               x.index_put_({mask}, v)
//   x[rows, cols] += v        x.index_put_({rows, cols}, v, true)  (accumulate)
//
// A read with basic indices only (ints, 0-D int64 tensors, slices, None, Ellipsis) returns a
// VIEW sharing x's storage, with PyTorch's strides and storage offset (x[:, 0::2] has stride
// 2 * x.stride(1)), so x.index({Slice(), Slice(0, None, 2)}).copy_(v) writes into x (CopySlices
// on a non-leaf, PyTorch's error on a view of a leaf that requires grad). Its grad_fn is named
// after the last view op PyTorch's applySlicing takes (SelectBackward0, SliceBackward0,
// UnsqueezeBackward0, AliasBackward0 when none). A read with an index tensor or a mask
// (including true / false) is a copy (IndexBackward0), as in PyTorch; index_put_ with basic
// indices copies into that view (CopySlices, as PyTorch's setitem), with an index tensor or a
// mask, or accumulate, it records IndexPutBackward0.
// Such an index list is resolved to the element offsets of x it names (x is contiguous), so
// reads gather and writes scatter along those offsets; the gradient of a read adds back into
// x's shape at the same offsets.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_ADVANCED_INDEXING
#endif

#include <algorithm>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "torchlet/tensor/indexing_ops.hpp"
#include "torchlet/tensor/rearrange.hpp"

namespace torchlet {
namespace indexing {

/// torch::indexing::None: a new dim of size 1 (Python's None / numpy.newaxis in x[...]).
inline constexpr std::nullopt_t None = std::nullopt;

/// The type of Ellipsis.
struct EllipsisIndexType {};
/// torch::indexing::Ellipsis: as many full slices as the other indices leave (Python's ...).
inline constexpr EllipsisIndexType Ellipsis{};

/// torch::indexing::Slice(start, stop, step): Python's start:stop:step; each end may be None
/// (the whole dim), negative ends count from the end and are clamped to the dim, as in
/// Python; step must be positive (as PyTorch requires).
class Slice {
 public:
  /// Slice() is `:`, Slice(a, None) is `a:`, Slice(None, b) is `:b`, Slice(a, b, s) `a:b:s`.
  Slice(std::optional<std::int64_t> start = std::nullopt,
        std::optional<std::int64_t> stop = std::nullopt,
        std::optional<std::int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step) {}
  /// The start, or None.
  std::optional<std::int64_t> start() const { return start_; }
  /// The stop, or None.
  std::optional<std::int64_t> stop() const { return stop_; }
  /// The step, or None (1).
  std::optional<std::int64_t> step() const { return step_; }

 private:
  std::optional<std::int64_t> start_, stop_, step_;
};

/// torch::indexing::TensorIndex: one entry of an index list, built implicitly from an
/// integer, a Slice, None, Ellipsis, a bool, a LongTensor (int64 indices) or a BoolTensor
/// (a mask), so that `x.index({Slice(), 0, mask})` reads like `x[:, 0, mask]`.
class TensorIndex {
 public:
  // The constructors are implicit on purpose: braces build an index list.
  /// None: a new dim of size 1.
  TensorIndex(std::nullopt_t) : v_(std::nullopt) {}
  /// Ellipsis.
  TensorIndex(EllipsisIndexType) : v_(EllipsisIndexType{}) {}
  /// An integer: selects one position of a dim, removing it (negative counts from the end).
  template <std::integral I>
  requires(!std::same_as<I, bool>) TensorIndex(I i) : v_(static_cast<std::int64_t>(i)) {}
  /// true / false: as a 0-D BoolTensor (a new dim of size 1 or 0).
  TensorIndex(bool b) : v_(BasicTensor<bool>::empty({})) {
    std::get<BasicTensor<bool>>(v_).data()[0] = b;
  }
  /// A Slice.
  TensorIndex(Slice s) : v_(s) {}
  /// An int64 index tensor (advanced indexing: index tensors broadcast together; a 0-D one
  /// selects, as an integer).
  TensorIndex(BasicTensor<std::int64_t> t) : v_(std::move(t)) {}
  /// A bool mask over the next mask.dim() dims (as its nonzero() coordinates).
  TensorIndex(BasicTensor<bool> m) : v_(std::move(m)) {}
  /// A tensor of another dtype: accepted here, rejected when the index is used (PyTorch:
  /// "tensors used as indices must be long, byte or bool tensors").
  template <class U>
  requires(!std::same_as<U, std::int64_t> && !std::same_as<U, bool>)
      TensorIndex(const BasicTensor<U>&)
      : v_(BadDtype{dtype_name<U>()}) {}

  /// Whether this is None.
  bool is_none() const { return std::holds_alternative<std::nullopt_t>(v_); }
  /// Whether this is Ellipsis.
  bool is_ellipsis() const { return std::holds_alternative<EllipsisIndexType>(v_); }
  /// Whether this is an integer.
  bool is_integer() const { return std::holds_alternative<std::int64_t>(v_); }
  /// Whether this is a Slice.
  bool is_slice() const { return std::holds_alternative<Slice>(v_); }
  /// Whether this is an int64 index tensor.
  bool is_tensor() const { return std::holds_alternative<BasicTensor<std::int64_t>>(v_); }
  /// Whether this is a bool mask (or true / false).
  bool is_bool_tensor() const { return std::holds_alternative<BasicTensor<bool>>(v_); }
  /// The integer (throws std::bad_variant_access if this is not one).
  std::int64_t integer() const { return std::get<std::int64_t>(v_); }
  /// The Slice.
  const Slice& slice() const { return std::get<Slice>(v_); }
  /// The int64 index tensor.
  const BasicTensor<std::int64_t>& tensor() const {
    return std::get<BasicTensor<std::int64_t>>(v_);
  }
  /// The bool mask.
  const BasicTensor<bool>& bool_tensor() const { return std::get<BasicTensor<bool>>(v_); }
  /// The dtype name of an index tensor of an unsupported dtype, or nullptr.
  const char* unsupported_dtype() const {
    const auto* b = std::get_if<BadDtype>(&v_);
    return b ? b->name : nullptr;
  }

 private:
  struct BadDtype {
    const char* name;
  };
  std::variant<std::nullopt_t, EllipsisIndexType, std::int64_t, Slice, BasicTensor<std::int64_t>,
               BasicTensor<bool>, BadDtype>
      v_;
};

}  // namespace indexing

namespace detail {

/// Element offsets (into a contiguous tensor) and the shape they form, row-major.
struct IndexPlan {
  Shape shape;
  std::shared_ptr<const std::vector<std::int64_t>> offsets;
};

/// One dim of a strided walk over a contiguous tensor.
struct WalkDim {
  std::int64_t size = 1, stride = 0;
};

/// The offsets of a row-major walk over `dims`.
inline std::vector<std::int64_t> walk_offsets(const std::vector<WalkDim>& dims) {
  std::int64_t n = 1;
  for (const auto& d : dims) n *= d.size;
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  std::vector<std::int64_t> c(dims.size(), 0);
  std::int64_t off = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    out[static_cast<std::size_t>(i)] = off;
    for (std::size_t d = dims.size(); d-- > 0;) {
      off += dims[d].stride;
      if (++c[d] < dims[d].size) break;
      off -= dims[d].stride * c[d];
      c[d] = 0;
    }
  }
  return out;
}

/// Python's start:stop:step on a dim of size n -> (first, count); step must be positive.
inline std::pair<std::int64_t, std::int64_t> slice_range(const char* op, const indexing::Slice& s,
                                                         std::int64_t n) {
  const std::int64_t step = s.step().value_or(1);
  if (step <= 0)
    throw std::invalid_argument(std::string(op) + ": slice step must be greater than zero, got " +
                                std::to_string(step));
  auto clamp_end = [n](std::int64_t v) {
    if (v < 0) v += n;
    return std::clamp<std::int64_t>(v, 0, n);
  };
  const std::int64_t start = clamp_end(s.start().value_or(0));
  const std::int64_t stop = s.stop() ? clamp_end(*s.stop()) : n;
  return {start, stop > start ? (stop - start + step - 1) / step : 0};
}

/// Checks an index list against a tensor of shape xs (index dtypes, one Ellipsis at most, no
/// more dims indexed than xs has); returns the number of xs's dims the entries take.
inline std::int64_t check_index_list(const char* op, const Shape& xs,
                                     const std::vector<indexing::TensorIndex>& indices) {
  const auto nd = static_cast<std::int64_t>(xs.size());
  std::int64_t consumed = 0;
  int ellipses = 0;
  for (const auto& ix : indices) {
    if (const char* bad = ix.unsupported_dtype())
      throw std::invalid_argument(std::string(op) +
                                  ": tensors used as indices must be long (int64) or bool "
                                  "tensors, got an index tensor of dtype " +
                                  bad);
    if (ix.is_ellipsis())
      ++ellipses;
    else if (ix.is_integer() || ix.is_slice() || ix.is_tensor())
      ++consumed;
    else if (ix.is_bool_tensor())
      consumed += ix.bool_tensor().dim();
  }
  if (ellipses > 1)
    throw std::invalid_argument(std::string(op) +
                                ": an index can only have a single ellipsis ('...'), got " +
                                std::to_string(ellipses));
  if (consumed > nd)
    throw std::out_of_range(std::string(op) + ": too many indices for tensor of dimension " +
                            std::to_string(nd) + " (the index takes " + std::to_string(consumed) +
                            " dims; input shape " + to_string(xs) + ")");
  return consumed;
}

/// Whether every entry of an index list is basic (an integer, a 0-D int64 tensor, a Slice,
/// None or Ellipsis): x.index then returns a view.
inline bool basic_index_list(const std::vector<indexing::TensorIndex>& indices) {
  return std::all_of(indices.begin(), indices.end(), [](const indexing::TensorIndex& ix) {
    return ix.is_none() || ix.is_ellipsis() || ix.is_integer() || ix.is_slice() ||
           (ix.is_tensor() && ix.tensor().dim() == 0);
  });
}

/// The geometry of x[indices] for a basic index list (basic_index_list), x's geometry `in`,
/// as PyTorch's applySlicing takes it: an integer selects (the dim goes, the offset moves), a
/// slice keeps the dim with stride * step, None inserts a size-1 dim (stride size * stride
/// of the dim it precedes, 1 at the end), Ellipsis skips the dims no other entry takes.
/// `name`, if given, receives the grad_fn name of the last view op PyTorch takes: a slice
/// that keeps a whole dim (0:n:1 with n given) is skipped when the list has more than one
/// entry; with no op left, "AliasBackward0".
inline Geometry basic_index_geometry(const char* op, const Geometry& in,
                                     const std::vector<indexing::TensorIndex>& indices,
                                     std::int64_t consumed, const char** name = nullptr) {
  Geometry out = in;
  const auto nd = static_cast<std::int64_t>(in.shape.size());
  const char* last = "AliasBackward0";
  std::size_t d = 0;    // the dim of `out` the next entry indexes
  std::int64_t xd = 0;  // the dim of x it indexes
  for (const auto& ix : indices) {
    if (ix.is_none()) {
      const std::int64_t st = d < out.shape.size() ? out.shape[d] * out.strides[d] : 1;
      out.shape.insert(out.shape.begin() + static_cast<std::ptrdiff_t>(d), 1);
      out.strides.insert(out.strides.begin() + static_cast<std::ptrdiff_t>(d), st);
      ++d;
      last = "UnsqueezeBackward0";
    } else if (ix.is_ellipsis()) {
      d += static_cast<std::size_t>(nd - consumed);
      xd += nd - consumed;
    } else if (ix.is_slice()) {
      const auto& sl = ix.slice();
      const std::int64_t n = out.shape[d];
      const auto [start, len] = slice_range(op, sl, n);
      const bool whole =
          sl.start().value_or(0) == 0 && sl.stop() && *sl.stop() == n && sl.step().value_or(1) == 1;
      if (!whole || indices.size() == 1) last = "SliceBackward0";
      out.offset += start * out.strides[d];
      out.shape[d] = len;
      out.strides[d] *= sl.step().value_or(1);
      ++d;
      ++xd;
    } else {  // an integer or a 0-D int64 tensor: select
      const std::int64_t n = out.shape[d];
      std::int64_t i = ix.is_integer() ? ix.integer() : ix.tensor().item();
      if (i < -n || i >= n)
        throw std::out_of_range(std::string(op) + ": index " + std::to_string(i) +
                                " is out of bounds for dimension " + std::to_string(xd) +
                                " with size " + std::to_string(n) + " (input shape " +
                                to_string(in.shape) + ")");
      if (i < 0) i += n;
      out.offset += i * out.strides[d];
      out.shape.erase(out.shape.begin() + static_cast<std::ptrdiff_t>(d));
      out.strides.erase(out.strides.begin() + static_cast<std::ptrdiff_t>(d));
      ++xd;
      last = "SelectBackward0";
    }
  }
  if (name) *name = last;
  return out;
}

/// Resolves an index list on a tensor of shape xs (PyTorch's rules): ints select, slices and
/// None keep / add dims, Ellipsis stands for the dims no other entry takes, masks become
/// their nonzero() coordinates, and the index tensors broadcast together to a shape B. B
/// takes the place of the indexed dims when those are adjacent, else it goes first.
inline IndexPlan make_index_plan(const char* op, const Shape& xs,
                                 const std::vector<indexing::TensorIndex>& indices) {
  const auto nd = static_cast<std::int64_t>(xs.size());
  const Shape xst = contiguous_strides(xs);
  const std::int64_t consumed = check_index_list(op, xs, indices);
  std::vector<WalkDim> v;                      // dims after the basic indices
  std::vector<BasicTensor<std::int64_t>> adv;  // their index tensors (undefined: none)
  std::vector<std::int64_t> xdim;              // x's dim behind each (-1: a new dim)
  std::int64_t base = 0, d = 0;
  auto keep = [&](BasicTensor<std::int64_t> t = {}) {
    const auto k = static_cast<std::size_t>(d);
    v.push_back({xs[k], xst[k]});
    adv.push_back(std::move(t));
    xdim.push_back(d++);
  };
  auto add_new = [&](BasicTensor<std::int64_t> t = {}) {
    v.push_back({1, 0});
    adv.push_back(std::move(t));
    xdim.push_back(-1);
  };
  for (const auto& ix : indices) {
    if (ix.is_none()) {
      add_new();
    } else if (ix.is_ellipsis()) {
      for (std::int64_t k = 0; k < nd - consumed; ++k) keep();
    } else if (ix.is_integer() || (ix.is_tensor() && ix.tensor().dim() == 0)) {
      // A 0-D int64 tensor selects, as an integer (PyTorch's rule).
      const std::int64_t n = xs[static_cast<std::size_t>(d)];
      std::int64_t i = ix.is_integer() ? ix.integer() : ix.tensor().item();
      if (i < -n || i >= n)
        throw std::out_of_range(std::string(op) + ": index " + std::to_string(i) +
                                " is out of bounds for dimension " + std::to_string(d) +
                                " with size " + std::to_string(n) + " (input shape " +
                                to_string(xs) + ")");
      if (i < 0) i += n;
      base += i * xst[static_cast<std::size_t>(d++)];
    } else if (ix.is_slice()) {
      const auto k = static_cast<std::size_t>(d);
      const auto [start, len] = slice_range(op, ix.slice(), xs[k]);
      base += start * xst[k];
      v.push_back({len, ix.slice().step().value_or(1) * xst[k]});
      adv.emplace_back();
      xdim.push_back(d++);
    } else if (ix.is_tensor()) {
      keep(ix.tensor());
    } else {  // a bool mask
      const auto& m = ix.bool_tensor();
      if (m.dim() == 0) {  // true / false: a new dim of size 1, indexed by [0] or []
        add_new(zeros<std::int64_t>({m.item() ? 1 : 0}));
        continue;
      }
      for (std::int64_t k = 0; k < m.dim(); ++k)
        if (m.shape()[static_cast<std::size_t>(k)] != xs[static_cast<std::size_t>(d + k)])
          throw ShapeError(std::string(op) + ": the shape of the mask " + to_string(m.shape()) +
                           " at index " + std::to_string(k) +
                           " does not match the shape of the indexed tensor " + to_string(xs) +
                           " at index " + std::to_string(d + k));
      const auto coords = nonzero(m);  // [count, m.dim()]
      const std::int64_t count = coords.size(0), md = m.dim();
      for (std::int64_t k = 0; k < md; ++k) {
        auto col = BasicTensor<std::int64_t>::empty({count});
        for (std::int64_t r = 0; r < count; ++r) col.data()[r] = coords.data()[r * md + k];
        keep(std::move(col));
      }
    }
  }
  while (d < nd) keep();

  IndexPlan plan;
  std::vector<std::size_t> pos;
  for (std::size_t k = 0; k < adv.size(); ++k)
    if (adv[k].defined()) pos.push_back(k);
  if (pos.empty()) {
    for (const auto& w : v) plan.shape.push_back(w.size);
    auto offs = walk_offsets(v);
    for (auto& o : offs) o += base;
    plan.offsets = std::make_shared<const std::vector<std::int64_t>>(std::move(offs));
    return plan;
  }
  Shape bs = adv[pos[0]].shape();
  for (std::size_t j = 1; j < pos.size(); ++j) {
    const Shape& s = adv[pos[j]].shape();
    try {
      bs = broadcast_shapes(op, bs, s);
    } catch (const ShapeError&) {
      std::string shapes;
      for (auto k : pos) shapes += (shapes.empty() ? "" : ", ") + to_string(adv[k].shape());
      throw ShapeError(std::string(op) +
                       ": shape mismatch: indexing tensors could not be broadcast together "
                       "with shapes " +
                       shapes);
    }
  }
  std::vector<std::int64_t> advoff(static_cast<std::size_t>(numel_of(bs)), 0);
  for (auto k : pos) {
    const std::int64_t n = v[k].size, stride = v[k].stride;
    const std::int64_t* ip = adv[k].data();
    for (std::int64_t j = 0; j < adv[k].numel(); ++j)
      if (ip[j] < -n || ip[j] >= n)
        throw std::out_of_range(std::string(op) + ": index " + std::to_string(ip[j]) +
                                " is out of bounds for dimension " +
                                std::to_string(xdim[k] < 0 ? 0 : xdim[k]) + " with size " +
                                std::to_string(n) + " (input shape " + to_string(xs) + ")");
    const Shape& s = adv[k].shape();
    for_each_broadcast<1>(bs, {&s}, [&](std::int64_t i, const std::array<std::int64_t, 1>& o) {
      const std::int64_t j = ip[o[0]];
      advoff[static_cast<std::size_t>(i)] += (j < 0 ? j + n : j) * stride;
    });
  }
  const bool adjacent = pos.back() - pos.front() + 1 == pos.size();
  std::vector<WalkDim> pre, post;
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (adv[k].defined()) continue;
    (adjacent && k < pos.front() ? pre : post).push_back(v[k]);
  }
  for (const auto& w : pre) plan.shape.push_back(w.size);
  plan.shape.insert(plan.shape.end(), bs.begin(), bs.end());
  for (const auto& w : post) plan.shape.push_back(w.size);
  const auto preoff = walk_offsets(pre), postoff = walk_offsets(post);
  std::vector<std::int64_t> offs;
  offs.reserve(preoff.size() * advoff.size() * postoff.size());
  for (auto a : preoff)
    for (auto b : advoff)
      for (auto c : postoff) offs.push_back(base + a + b + c);
  plan.offsets = std::make_shared<const std::vector<std::int64_t>>(std::move(offs));
  return plan;
}

/// The offsets of x's elements (shape xs) where mask holds, mask broadcast to xs, or with
/// expand = true to the broadcast of both (masked_select).
inline IndexPlan mask_plan(const char* op, const Shape& xs, const BasicTensor<bool>& mask,
                           bool expand) {
  Shape os;
  try {
    os = broadcast_shapes(op, xs, mask.shape());
  } catch (const ShapeError&) {
    os = {-1};
  }
  if (os == Shape{-1} || (!expand && os != xs))
    throw ShapeError(std::string(op) + ": mask of shape " + to_string(mask.shape()) +
                     (expand ? " is not broadcastable with" : " does not broadcast to") +
                     " the input's shape " + to_string(xs));
  std::vector<std::int64_t> offs;
  const bool* mp = mask.data();
  const Shape& ms = mask.shape();
  for_each_broadcast<2>(os, {&xs, &ms}, [&](std::int64_t, const std::array<std::int64_t, 2>& o) {
    if (mp[o[1]]) offs.push_back(o[0]);
  });
  IndexPlan plan;
  plan.shape = {static_cast<std::int64_t>(offs.size())};
  plan.offsets = std::make_shared<const std::vector<std::int64_t>>(std::move(offs));
  return plan;
}

/// A new tensor of plan.shape holding x's elements at plan.offsets; the gradient adds back
/// into x's shape at those offsets (flat_take: recorded under create_graph).
template <class Scalar>
BasicTensor<Scalar> take_offsets(const char* name, const BasicTensor<Scalar>& x,
                                 const IndexPlan& plan) {
  return flat_take(name, x, plan.shape, plan.offsets);
}

/// The shape a value of shape `values` takes when written into an indexing result of shape
/// `result`: PyTorch drops leading size-1 dims of the value first (x[0] = ones(1, n)), then
/// it must broadcast to `result`.
inline Shape put_value_shape(const char* op, const Shape& result, const Shape& values) {
  Shape vs = values;
  while (vs.size() > result.size() && vs.front() == 1) vs.erase(vs.begin());
  bool ok = vs.size() <= result.size();
  for (std::size_t k = 0; ok && k < vs.size(); ++k) {
    const auto want = result[result.size() - vs.size() + k];
    ok = vs[k] == want || vs[k] == 1;
  }
  if (!ok)
    throw ShapeError(std::string(op) + ": shape mismatch: value tensor of shape " +
                     to_string(values) + " cannot be broadcast to indexing result of shape " +
                     to_string(result));
  return vs;
}

/// Writes (or with accumulate adds) `values`, broadcast to plan.shape, into x at
/// plan.offsets, in order (where offsets repeat, the last write wins). Autograd as PyTorch:
/// x's gradient is g with the written places zeroed (g itself for accumulate), values' is g
/// at the written places summed down to values' shape.
template <class Scalar>
void put_offsets(const char* op, const char* name, const BasicTensor<Scalar>& x,
                 const IndexPlan& plan, const BasicTensor<Scalar>& values, bool accumulate) {
  const Shape vs = put_value_shape(op, plan.shape, values.shape());
  check_inplace(op, x, values.requires_grad());
  const bool graph = needs_graph<Scalar>({&x, &values});
  std::shared_ptr<autograd::NodeBase> prev = graph ? gradient_edge(x) : nullptr;
  // A value sharing x's storage is read before any write lands.
  BasicTensor<Scalar> copy;
  const Scalar* vp = values.data();
  if (values.impl()->storage == x.impl()->storage) {
    copy = BasicTensor<Scalar>::empty(values.shape());
    std::copy_n(vp, values.numel(), copy.data());
    vp = copy.data();
  }
  Scalar* xp = x.data();
  const auto& offs = *plan.offsets;
  for_each_broadcast<1>(plan.shape, {&vs},
                        [&](std::int64_t i, const std::array<std::int64_t, 1>& o) {
                          const auto at = offs[static_cast<std::size_t>(i)];
                          if (accumulate)
                            xp[at] += vp[o[0]];
                          else
                            xp[at] = vp[o[0]];
                        });
  bump_version(x);
  if constexpr (is_floating_v<Scalar>) {
    if (!graph) return;
    rebase_history(
        x, name, prev, &values,
        [gx = prev != nullptr, gv = values.requires_grad(), p = plan.offsets, rs = plan.shape, vs,
         full = values.shape(), accumulate](const BasicTensor<Scalar>& g) {
          BasicTensor<Scalar> dx, dv;
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            if (gx) {
              dx = g;
              if (!accumulate) {
                auto keep = ones<Scalar>(g.shape());
                for (auto at : *p) keep.data()[at] = Scalar(0);
                dx = g * keep;
              }
            }
            if (gv) dv = sum_to_recorded(flat_take("IndexBackward0", g, rs, p), vs).reshape(full);
            return std::vector<BasicTensor<Scalar>>{dx, dv};
          }
          if (gx) {
            dx = BasicTensor<Scalar>::empty(g.shape());
            std::copy_n(g.data(), g.numel(), dx.data());
            if (!accumulate)
              for (auto at : *p) dx.data()[at] = Scalar(0);
          }
          if (gv) {
            auto at = BasicTensor<Scalar>::empty(rs);
            for (std::size_t i = 0; i < p->size(); ++i) at.data()[i] = g.data()[(*p)[i]];
            auto s = sum_to(at, vs);
            dv = BasicTensor<Scalar>::empty(full);
            std::copy_n(s.data(), s.numel(), dv.data());
          }
          return std::vector<BasicTensor<Scalar>>{dx, dv};
        });
    mark_inplace_differentiable(x);  // x a view: its base's CopySlices
  }
}

/// PyTorch's overlap checks of x[indices] = values (at::indexing::set_item). With basic entries
/// only it is copy_ into the view x[indices] of values expanded to the view's shape (after its
/// leading size-1 dims are dropped): a partial overlap is rejected (a 0-D or broadcast values
/// is never: PyTorch fills or expands, and cannot decide). With index tensors it is
/// index_put_ on the view the basic entries take: values (leading size-1 dims dropped) may
/// share no element with it, nor may an index tensor of x's dtype; except where PyTorch
/// turns the write into masked_fill_ (one mask, one value, no accumulate). O(1) when no
/// tensor shares x's storage.
template <class Scalar>
void check_index_put_overlap(const char* op, const BasicTensor<Scalar>& x,
                             const std::vector<indexing::TensorIndex>& indices,
                             const BasicTensor<Scalar>& values, bool accumulate) {
  const auto& xi = *x.impl();
  const auto shares = [&](const auto& t) { return t.impl()->storage.get() == xi.storage.get(); };
  // The index tensors of x's dtype (int64 indices of a LongTensor, masks of a BoolTensor).
  const auto same_dtype_index = [](const indexing::TensorIndex& ix) {
    if constexpr (std::is_same_v<Scalar, std::int64_t>)
      return ix.is_tensor() && ix.tensor().dim() > 0 ? &ix.tensor() : nullptr;
    else if constexpr (std::is_same_v<Scalar, bool>)
      return ix.is_bool_tensor() && ix.bool_tensor().dim() > 0 ? &ix.bool_tensor() : nullptr;
    else
      return static_cast<const BasicTensor<Scalar>*>(nullptr);
  };
  bool any = shares(values);
  for (const auto& ix : indices)
    if (const auto* t = same_dtype_index(ix)) any = any || shares(*t);
  if (!any) return;
  // The view the basic entries take: an index tensor keeps its dims, a 0-D bool adds one.
  std::vector<indexing::TensorIndex> view_list;
  int tensors = 0, masks = 0;  // index tensors; masks with dims among them
  for (const auto& ix : indices) {
    if (ix.is_tensor() && ix.tensor().dim() > 0) {
      ++tensors;
      view_list.emplace_back(indexing::Slice());
    } else if (ix.is_bool_tensor()) {
      ++tensors;
      if (ix.bool_tensor().dim() == 0) view_list.emplace_back(indexing::None);
      for (std::int64_t d = 0; d < ix.bool_tensor().dim(); ++d) {
        if (d == 0) ++masks;
        view_list.emplace_back(indexing::Slice());
      }
    } else {
      view_list.push_back(ix);
    }
  }
  const Geometry g = basic_index_geometry(op, Geometry{x.shape(), x.stride(), 0}, view_list,
                                          check_index_list(op, x.shape(), view_list));
  const MemLayout view{xi.storage.get(), static_cast<std::int64_t>(xi.offset) + g.offset, &g.shape,
                       &g.strides};
  const auto vl = mem_layout(*values.impl());
  std::size_t lead = 0;  // values' leading size-1 dims, which PyTorch drops
  while (lead < values.shape().size() && values.shape()[lead] == 1) ++lead;
  const Shape vs(values.shape().begin() + static_cast<std::ptrdiff_t>(lead), values.shape().end());
  std::vector<std::int64_t> vst;
  for (std::size_t d = lead; d < values.shape().size(); ++d) vst.push_back(layout_stride(vl, d));
  if (tensors == 0) {  // copy_ of values, expanded to the view's shape (expand's strides)
    if (values.shape() == g.shape) return check_overlap(op, view, vl, false, false);
    if (values.dim() == 0 || vs.size() > g.shape.size()) return;
    const std::size_t nd = g.shape.size(), off = nd - vs.size();
    std::vector<std::int64_t> est(nd);
    for (std::size_t i = nd; i-- > 0;) {
      const bool has = i >= off;
      const std::int64_t size = has ? vs[i - off] : 1;
      if (size != g.shape[i]) return;  // broadcast (stride 0): not decided; or a shape error
      est[i] = has ? vst[i - off] : (i + 1 < nd ? g.shape[i + 1] * est[i + 1] : 1);
    }
    return check_overlap(op, view, MemLayout{vl.storage, vl.offset, &g.shape, &est}, false, false);
  }
  if (!accumulate && values.numel() == 1 && tensors == 1 && masks == 1) return;  // masked_fill_
  check_overlap(op, view, MemLayout{vl.storage, vl.offset, &vs, &vst}, false, true);
  for (const auto& ix : indices)
    if (const auto* t = same_dtype_index(ix))
      check_overlap(op, view, mem_layout(*t->impl()), false, true);
}

}  // namespace detail

/// torch.index_put_(x, indices, values, accumulate) and x[indices] = values: writes values
/// (broadcast to the indexed shape, after dropping its leading size-1 dims as PyTorch's
/// setitem does; torch.index_put_ itself refuses them) into x at every place the index list names;
/// any TensorIndex form is accepted (x[:, 0::2] = v is x.index_put_({Slice(), Slice(0, None, 2)},
/// v)). accumulate = true adds instead, and repeated places then receive every value; without it,
/// where an index repeats a place the last write (in row-major order of the indexed shape) wins
/// (PyTorch leaves that order unspecified). Autograd as PyTorch's in-place ops: rejected on
/// a leaf that requires grad; x's gradient is zero at the overwritten places, values' the
/// gradient there (summed over broadcast dims). Returns x.
template <class Scalar>
const BasicTensor<Scalar>& index_put_(const BasicTensor<Scalar>& x,
                                      const std::vector<indexing::TensorIndex>& indices,
                                      const BasicTensor<Scalar>& values, bool accumulate = false) {
  if (!accumulate && detail::basic_index_list(indices)) {
    // libtorch's x.index_put_({Slice(), 1}, v) and Python's x[:, 1] = v: a copy_ into the
    // view the indices name (CopySlices on a non-leaf) of values expanded to its shape, as
    // setitem copies (so x[0:2] = x[1] is no partial overlap), checked as the general path
    // (the view's geometry only: no offset of every written element).
    const auto geometry = detail::basic_index_geometry(
        "index_put_", detail::Geometry{x.shape(), x.stride(), 0}, indices,
        detail::check_index_list("index_put_", x.shape(), indices));
    detail::check_index_put_overlap("index_put_", x, indices, values, accumulate);
    const Shape vs = detail::put_value_shape("index_put_", geometry.shape, values.shape());
    detail::check_inplace("index_put_", x, values.requires_grad());
    auto view = x.index(indices);
    const auto v = vs == values.shape() ? values : values.reshape(vs);
    view.copy_(v.shape() == view.shape() ? v : v.expand(view.shape()));
    return x;
  }
  auto plan = detail::make_index_plan("index_put_", x.shape(), indices);
  detail::check_index_put_overlap("index_put_", x, indices, values, accumulate);
  detail::put_offsets("index_put_", "IndexPutBackward0", x, plan, values, accumulate);
  return x;
}
/// x[indices] = value (or += value with accumulate) for a number.
template <class Scalar, detail::ScalarFor<Scalar> S>
const BasicTensor<Scalar>& index_put_(const BasicTensor<Scalar>& x,
                                      const std::vector<indexing::TensorIndex>& indices, S value,
                                      bool accumulate = false) {
  return index_put_(x, indices, scalar_tensor<Scalar>(static_cast<Scalar>(value)), accumulate);
}
/// torch.index_put(x, indices, values, accumulate): index_put_ on a copy of x.
template <class Scalar>
BasicTensor<Scalar> index_put(const BasicTensor<Scalar>& x,
                              const std::vector<indexing::TensorIndex>& indices,
                              const BasicTensor<Scalar>& values, bool accumulate = false) {
  auto out = x.clone();
  index_put_(out, indices, values, accumulate);
  return out;
}
/// torch.index_put(x, indices, value, accumulate) for a number.
template <class Scalar, detail::ScalarFor<Scalar> S>
BasicTensor<Scalar> index_put(const BasicTensor<Scalar>& x,
                              const std::vector<indexing::TensorIndex>& indices, S value,
                              bool accumulate = false) {
  return index_put(x, indices, scalar_tensor<Scalar>(static_cast<Scalar>(value)), accumulate);
}

/// torch.masked_select(x, mask): the 1-D tensor of x's elements where mask holds (x and mask
/// broadcast together), in row-major order. The gradient adds back at those places.
template <class Scalar>
BasicTensor<Scalar> masked_select(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask) {
  return detail::take_offsets("MaskedSelectBackward0", x,
                              detail::mask_plan("masked_select", x.shape(), mask, true));
}

/// x.masked_fill_(mask, value): writes value where mask (broadcast to x's shape) holds. value:
/// a number or a 0-D tensor (which receives the sum of the gradient at the filled places).
template <class Scalar>
const BasicTensor<Scalar>& masked_fill_(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask,
                                        const BasicTensor<Scalar>& value) {
  if (value.dim() != 0)
    throw ShapeError("masked_fill_: value must be a 0-D tensor, got shape " +
                     to_string(value.shape()));
  // A BoolTensor's mask may share its storage: PyTorch's partial-overlap rule.
  if constexpr (std::is_same_v<Scalar, bool>)
    detail::check_no_partial_overlap("masked_fill_", x, mask);
  detail::put_offsets("masked_fill_", "MaskedFillBackward0", x,
                      detail::mask_plan("masked_fill_", x.shape(), mask, false), value, false);
  return x;
}
/// x.masked_fill_(mask, value) with a number.
template <class Scalar, detail::ScalarFor<Scalar> S>
const BasicTensor<Scalar>& masked_fill_(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask,
                                        S value) {
  return masked_fill_(x, mask, scalar_tensor<Scalar>(static_cast<Scalar>(value)));
}

/// x.masked_scatter_(mask, source): copies source's first k elements (row-major, k = the
/// number of places where mask, broadcast to x's shape, holds) into those places in order.
/// source needs at least k elements. Gradients: x's is zero at the written places; source's
/// holds the gradient there in its first k elements, zero after.
template <class Scalar>
const BasicTensor<Scalar>& masked_scatter_(const BasicTensor<Scalar>& x,
                                           const BasicTensor<bool>& mask,
                                           const BasicTensor<Scalar>& source) {
  auto plan = detail::mask_plan("masked_scatter_", x.shape(), mask, false);
  const std::int64_t k = plan.shape[0];
  if (source.numel() < k)
    throw ShapeError(
        "masked_scatter_: source must have at least as many elements as mask has "
        "true entries (" +
        std::to_string(k) + "), got source of shape " + to_string(source.shape()) + " with " +
        std::to_string(source.numel()) + " elements");
  const auto flat = source.reshape({-1});
  detail::put_offsets("masked_scatter_", "MaskedScatterBackward0", x, plan,
                      k == flat.numel() ? flat : flat.slice(0, 0, k), false);
  return x;
}
/// torch.masked_scatter(x, mask, source): masked_scatter_ on a copy of x broadcast with mask.
template <class Scalar>
BasicTensor<Scalar> masked_scatter(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask,
                                   const BasicTensor<Scalar>& source) {
  const Shape os = detail::broadcast_shapes("masked_scatter", x.shape(), mask.shape());
  BasicTensor<Scalar> out;
  if (os == x.shape()) {
    out = x.clone();
  } else {
    // x expanded to os: every element of os at its x offset (the gradient sums back).
    std::vector<std::int64_t> offs;
    const Shape& xs = x.shape();
    detail::for_each_broadcast<1>(
        os, {&xs},
        [&](std::int64_t, const std::array<std::int64_t, 1>& o) { offs.push_back(o[0]); });
    out = detail::take_offsets(
        "ExpandBackward0", x,
        detail::IndexPlan{os, std::make_shared<const std::vector<std::int64_t>>(std::move(offs))});
  }
  masked_scatter_(out, mask, source);
  return out;
}

// ---- methods ----------------------------------------------------------------------

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::index(
    const std::vector<indexing::TensorIndex>& indices) const {
  if (detail::basic_index_list(indices)) {  // a view, as PyTorch's basic indexing
    const std::int64_t consumed = detail::check_index_list("index", shape(), indices);
    const char* name = nullptr;
    detail::basic_index_geometry("index", detail::Geometry{shape(), stride(), 0}, indices, consumed,
                                 &name);
    return detail::strided_view(name, *this, [&](const detail::Geometry& in) {
      return detail::basic_index_geometry("index", in, indices, consumed);
    });
  }
  return detail::take_offsets("IndexBackward0", *this,
                              detail::make_index_plan("index", shape(), indices));
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::index_put_(
    const std::vector<indexing::TensorIndex>& indices, const BasicTensor& values,
    bool accumulate) const {
  return torchlet::index_put_(*this, indices, values, accumulate);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::index_put_(
    const std::vector<indexing::TensorIndex>& indices, Scalar value, bool accumulate) const {
  return torchlet::index_put_(*this, indices, value, accumulate);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::index_put(
    const std::vector<indexing::TensorIndex>& indices, const BasicTensor& values,
    bool accumulate) const {
  return torchlet::index_put(*this, indices, values, accumulate);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::index_put(
    const std::vector<indexing::TensorIndex>& indices, Scalar value, bool accumulate) const {
  return torchlet::index_put(*this, indices, value, accumulate);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::masked_select(const BasicTensor<bool>& mask) const {
  return torchlet::masked_select(*this, mask);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::masked_fill_(const BasicTensor<bool>& mask,
                                                             Scalar value) const {
  return torchlet::masked_fill_(*this, mask, value);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::masked_fill_(const BasicTensor<bool>& mask,
                                                             const BasicTensor& value) const {
  return torchlet::masked_fill_(*this, mask, value);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::masked_scatter_(const BasicTensor<bool>& mask,
                                                                const BasicTensor& source) const {
  return torchlet::masked_scatter_(*this, mask, source);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::masked_scatter(const BasicTensor<bool>& mask,
                                                        const BasicTensor& source) const {
  return torchlet::masked_scatter(*this, mask, source);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_ADVANCED_INDEXING
#include "torchlet/tensor/members.hpp"
#endif
