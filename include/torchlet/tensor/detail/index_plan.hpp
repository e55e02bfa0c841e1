#pragma once
// How x.index({...}), x.index_put_({...}, v) and the masked ops (tensor/advanced_indexing.hpp,
// tensor/masked.hpp) find their elements: an index list or a mask is resolved to the element
// offsets of x it names (x is contiguous), reads gather along those offsets and writes scatter
// along them; the gradient of a read adds back into x's shape at the same offsets. A basic index
// list (ints, slices, None, Ellipsis) gives a view's geometry instead.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_INDEX_PLAN
#endif

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/tensor/detail/strided_view.hpp"
#include "torchlet/tensor/indexing_ops.hpp"
#include "torchlet/tensor/rearrange.hpp"
#include "torchlet/tensor/tensor_index.hpp"

namespace torchlet {

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

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_INDEX_PLAN
#include "torchlet/tensor/members.hpp"
#endif
