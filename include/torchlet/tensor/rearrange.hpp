#pragma once
// Ops that move or copy elements into a new layout: tril/triu, diag/diag_embed, flip,
// roll, repeat, tile, repeat_interleave; and nonzero, unique (int64 results, no gradient).
// Each output element is one input element (or zero), so one kernel serves all: a map from
// output element to input element, and a backward that adds g back through the map.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_REARRANGE
#endif

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "torchlet/tensor/detail/strided_view.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet {
namespace detail {

/// a < b with every NaN equal to every other and after all numbers (a strict weak order).
struct NanLastLess {
  template <class Scalar>
  bool operator()(Scalar a, Scalar b) const {
    if constexpr (std::is_floating_point_v<Scalar>) {
      if (std::isnan(a)) return false;
      if (std::isnan(b)) return true;
    }
    return a < b;
  }
};

/// Calls f(i, coords) for every element i of shape s in row-major order.
template <class F>
void for_each_coord(const Shape& s, F f) {
  const std::int64_t n = numel_of(s);
  std::vector<std::int64_t> c(s.size(), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    f(i, c);
    for (auto d = static_cast<std::int64_t>(s.size()) - 1; d >= 0; --d) {
      const auto k = static_cast<std::size_t>(d);
      if (++c[k] < s[k]) break;
      c[k] = 0;
    }
  }
}

/// out (shape os): out[i] = x.flat[src(coords of i)], or 0 where src gives -1 (flat_take).
template <class Scalar, class F>
BasicTensor<Scalar> take_flat(const char* name, const BasicTensor<Scalar>& x, const Shape& os,
                              F src) {
  std::vector<std::int64_t> map(static_cast<std::size_t>(numel_of(os)));
  for_each_coord(os, [&](std::int64_t i, const std::vector<std::int64_t>& c) {
    map[static_cast<std::size_t>(i)] = src(c);
  });
  return flat_take(name, x, os, std::make_shared<const std::vector<std::int64_t>>(std::move(map)));
}

/// The flat offset of coords c in shape s (strides st).
inline std::int64_t flat_of(const std::vector<std::int64_t>& c, const Shape& st) {
  std::int64_t o = 0;
  for (std::size_t k = 0; k < c.size(); ++k) o += c[k] * st[k];
  return o;
}

template <class Scalar>
BasicTensor<Scalar> tri(const char* op, const char* name, const BasicTensor<Scalar>& x,
                        std::int64_t diagonal, bool lower) {
  if (x.dim() < 2)
    throw ShapeError(std::string(op) + ": input must have at least 2 dims, got shape " +
                     to_string(x.shape()));
  const Shape st = contiguous_strides(x.shape());
  const std::size_t r = x.shape().size() - 2, c = r + 1;
  return take_flat(name, x, x.shape(), [&](const std::vector<std::int64_t>& k) {
    const std::int64_t off = k[c] - k[r];
    return (lower ? off <= diagonal : off >= diagonal) ? flat_of(k, st) : std::int64_t{-1};
  });
}

}  // namespace detail

/// torch.tril(x, diagonal): x's [.., rows, cols] matrices with the elements above the
/// `diagonal`-th diagonal (0: the main one, > 0 above it) set to zero.
template <class Scalar>
BasicTensor<Scalar> tril(const BasicTensor<Scalar>& x, std::int64_t diagonal = 0) {
  return detail::tri("tril", "TrilBackward0", x, diagonal, true);
}
/// torch.triu(x, diagonal): x's matrices with the elements below the `diagonal`-th
/// diagonal set to zero.
template <class Scalar>
BasicTensor<Scalar> triu(const BasicTensor<Scalar>& x, std::int64_t diagonal = 0) {
  return detail::tri("triu", "TriuBackward0", x, diagonal, false);
}

/// torch.diag(x, diagonal): for 1-D x [n], the square matrix [n + |d|, n + |d|] with x on
/// the d-th diagonal; for 2-D x, the 1-D d-th diagonal of x.
template <class Scalar>
BasicTensor<Scalar> diag(const BasicTensor<Scalar>& x, std::int64_t diagonal = 0) {
  if (x.dim() == 1) {
    const std::int64_t n = x.size(0), m = n + std::abs(diagonal);
    const std::int64_t r0 = diagonal < 0 ? -diagonal : 0, c0 = diagonal > 0 ? diagonal : 0;
    return detail::take_flat(
        "DiagEmbedBackward0", x, {m, m}, [&](const std::vector<std::int64_t>& k) {
          return k[0] - r0 == k[1] - c0 && k[0] >= r0 && k[1] >= c0 ? k[0] - r0 : std::int64_t{-1};
        });
  }
  if (x.dim() != 2)
    throw ShapeError("diag: input must be 1-D or 2-D, got shape " + to_string(x.shape()));
  const std::int64_t rows = x.size(0), cols = x.size(1);
  const std::int64_t r0 = diagonal < 0 ? -diagonal : 0, c0 = diagonal > 0 ? diagonal : 0;
  const std::int64_t len = std::max<std::int64_t>(0, std::min(rows - r0, cols - c0));
  return detail::take_flat("DiagonalBackward0", x, {len}, [&](const std::vector<std::int64_t>& k) {
    return (k[0] + r0) * cols + k[0] + c0;
  });
}

/// torch.diag_embed(x, offset): x [.., n] -> [.., m, m] (m = n + |offset|) with each last-dim
/// vector on the offset-th diagonal of a matrix over the last two dims (PyTorch's default
/// dim1 = -2, dim2 = -1).
template <class Scalar>
BasicTensor<Scalar> diag_embed(const BasicTensor<Scalar>& x, std::int64_t offset = 0) {
  if (x.dim() < 1) throw ShapeError("diag_embed: input must have at least 1 dim, got a 0-D tensor");
  const std::int64_t n = x.size(-1), m = n + std::abs(offset);
  Shape os = x.shape();
  os.back() = m;
  os.push_back(m);
  const std::int64_t r0 = offset < 0 ? -offset : 0, c0 = offset > 0 ? offset : 0;
  const std::size_t r = os.size() - 2;
  return detail::take_flat("DiagEmbedBackward0", x, os, [&](const std::vector<std::int64_t>& k) {
    if (k[r] - r0 != k[r + 1] - c0 || k[r] < r0 || k[r + 1] < c0) return std::int64_t{-1};
    std::int64_t o = 0;
    for (std::size_t d = 0; d < r; ++d) o = o * os[d] + k[d];
    return o * n + (k[r] - r0);
  });
}

/// torch.flip(x, dims): x with the order of the elements along each of `dims` reversed.
template <class Scalar>
BasicTensor<Scalar> flip(const BasicTensor<Scalar>& x, const std::vector<std::int64_t>& dims) {
  std::vector<bool> flipped(x.shape().size(), false);
  for (auto d : dims) {
    const auto k = static_cast<std::size_t>(detail::wrap_dim("flip", d, x.dim()));
    if (flipped[k])
      throw std::invalid_argument("flip: dim " + std::to_string(k) + " appears more than once");
    flipped[k] = true;
  }
  const Shape st = detail::contiguous_strides(x.shape());
  return detail::take_flat("FlipBackward0", x, x.shape(), [&](const std::vector<std::int64_t>& c) {
    std::int64_t o = 0;
    for (std::size_t k = 0; k < c.size(); ++k)
      o += (flipped[k] ? x.shape()[k] - 1 - c[k] : c[k]) * st[k];
    return o;
  });
}

/// torch.roll(x, shifts, dims): x's elements moved `shifts[i]` places along dims[i],
/// wrapping around; with no dims, the flattened tensor is rolled and reshaped back.
template <class Scalar>
BasicTensor<Scalar> roll(const BasicTensor<Scalar>& x, const std::vector<std::int64_t>& shifts,
                         const std::vector<std::int64_t>& dims = {}) {
  if (dims.empty()) {
    if (shifts.size() != 1)
      throw std::invalid_argument("roll: without dims, shifts must hold one value, got " +
                                  std::to_string(shifts.size()));
    return roll(x.reshape({-1}), shifts, {0}).reshape(x.shape());
  }
  if (shifts.size() != dims.size())
    throw std::invalid_argument("roll: shifts and dims must have the same length, got " +
                                std::to_string(shifts.size()) + " and " +
                                std::to_string(dims.size()));
  std::vector<std::int64_t> shift(x.shape().size(), 0);
  for (std::size_t i = 0; i < dims.size(); ++i)
    shift[static_cast<std::size_t>(detail::wrap_dim("roll", dims[i], x.dim()))] += shifts[i];
  const Shape st = detail::contiguous_strides(x.shape());
  return detail::take_flat("RollBackward0", x, x.shape(), [&](const std::vector<std::int64_t>& c) {
    std::int64_t o = 0;
    for (std::size_t k = 0; k < c.size(); ++k) {
      const std::int64_t n = x.shape()[k];
      o += (((c[k] - shift[k]) % n + n) % n) * st[k];
    }
    return o;
  });
}

/// x.repeat(repeats): x tiled repeats[i] times along dim i; repeats may have more entries
/// than x has dims (x then gains leading dims of size 1), not fewer.
template <class Scalar>
BasicTensor<Scalar> repeat(const BasicTensor<Scalar>& x, const std::vector<std::int64_t>& repeats) {
  if (repeats.size() < x.shape().size())
    throw std::invalid_argument("repeat: the number of repeats (" + std::to_string(repeats.size()) +
                                ") can not be smaller than the number of dims of the input (" +
                                std::to_string(x.dim()) + ", shape " + to_string(x.shape()) + ")");
  Shape in(repeats.size() - x.shape().size(), 1);
  in.insert(in.end(), x.shape().begin(), x.shape().end());
  Shape os(in.size());
  for (std::size_t k = 0; k < in.size(); ++k) {
    if (repeats[k] < 0)
      throw std::invalid_argument("repeat: repeats must be non-negative, got " +
                                  std::to_string(repeats[k]) + " at dim " + std::to_string(k));
    os[k] = in[k] * repeats[k];
  }
  const Shape st = detail::contiguous_strides(in);
  return detail::take_flat("RepeatBackward0", x, os, [&](const std::vector<std::int64_t>& c) {
    std::int64_t o = 0;
    for (std::size_t k = 0; k < c.size(); ++k) o += (c[k] % in[k]) * st[k];
    return o;
  });
}

/// torch.tile(x, reps): as repeat, but reps shorter than x's dims are padded with leading 1s.
template <class Scalar>
BasicTensor<Scalar> tile(const BasicTensor<Scalar>& x, std::vector<std::int64_t> reps) {
  if (reps.size() < x.shape().size()) reps.insert(reps.begin(), x.shape().size() - reps.size(), 1);
  return repeat(x, reps);
}

/// torch.repeat_interleave(x, repeats, dim): each element (slice along dim) repeated
/// `repeats` times in place; with no dim (dim = std::nullopt) x is flattened first.
template <class Scalar>
BasicTensor<Scalar> repeat_interleave(const BasicTensor<Scalar>& x, std::int64_t repeats,
                                      std::optional<std::int64_t> dim = std::nullopt) {
  if (repeats < 0)
    throw std::invalid_argument("repeat_interleave: repeats must be non-negative, got " +
                                std::to_string(repeats));
  if (!dim) return repeat_interleave(x.reshape({-1}), repeats, 0);
  const auto d = static_cast<std::size_t>(
      detail::wrap_dim("repeat_interleave", *dim, std::max<std::int64_t>(x.dim(), 1)));
  const Shape xs = x.dim() == 0 ? Shape{1} : x.shape();
  Shape os = xs;
  os[d] *= repeats;
  const Shape st = detail::contiguous_strides(xs);
  return detail::take_flat("RepeatInterleaveBackward0", x, os,
                           [&](const std::vector<std::int64_t>& c) {
                             std::int64_t o = 0;
                             for (std::size_t k = 0; k < c.size(); ++k)
                               o += (k == d ? c[k] / repeats : c[k]) * st[k];
                             return o;
                           });
}

/// torch.nonzero(x): the int64 coordinates [n, x.dim()] of x's non-zero elements, in
/// row-major order.
template <class Scalar>
BasicTensor<std::int64_t> nonzero(const BasicTensor<Scalar>& x) {
  std::vector<std::int64_t> coords;
  std::int64_t n = 0;
  const Scalar* xp = x.data();
  detail::for_each_coord(x.shape(), [&](std::int64_t i, const std::vector<std::int64_t>& c) {
    if (xp[i] != Scalar(0)) {
      coords.insert(coords.end(), c.begin(), c.end());
      ++n;
    }
  });
  return from_vector<std::int64_t>(coords, {n, x.dim()});
}

/// What unique returns: the sorted distinct values, and (when asked) for each input element
/// the position of its value in `values` (input's shape), and each value's count.
template <class Scalar>
struct UniqueResult {
  BasicTensor<Scalar> values;         ///< The distinct values, ascending (1-D).
  BasicTensor<std::int64_t> inverse;  ///< values[inverse] == x (if return_inverse).
  BasicTensor<std::int64_t> counts;   ///< How often each value occurs (if return_counts).
};

/// torch.unique(x, sorted, return_inverse, return_counts): x's distinct values, ascending
/// (the values always come sorted, which sorted = false allows too), over the flattened x.
/// NaNs count as one value (the last). No gradient, as in PyTorch.
template <class Scalar>
UniqueResult<Scalar> unique(const BasicTensor<Scalar>& x, bool sorted = true,
                            bool return_inverse = false, bool return_counts = false) {
  (void)sorted;
  std::map<Scalar, std::int64_t, detail::NanLastLess> count;
  const Scalar* xp = x.data();
  for (std::int64_t i = 0; i < x.numel(); ++i) ++count[xp[i]];
  std::vector<Scalar> vals;
  std::vector<std::int64_t> cnt;
  std::map<Scalar, std::int64_t, detail::NanLastLess> pos;
  for (const auto& [v, c] : count) {
    pos[v] = static_cast<std::int64_t>(vals.size());
    vals.push_back(v);
    cnt.push_back(c);
  }
  UniqueResult<Scalar> r;
  r.values = from_vector<Scalar>(vals, {static_cast<std::int64_t>(vals.size())});
  if (return_inverse) {
    r.inverse = BasicTensor<std::int64_t>::empty(x.shape());
    for (std::int64_t i = 0; i < x.numel(); ++i) r.inverse.data()[i] = pos[xp[i]];
  }
  if (return_counts)
    r.counts = from_vector<std::int64_t>(cnt, {static_cast<std::int64_t>(cnt.size())});
  return r;
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::tril(std::int64_t diagonal) const {
  return torchlet::tril(*this, diagonal);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::triu(std::int64_t diagonal) const {
  return torchlet::triu(*this, diagonal);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::flip(const std::vector<std::int64_t>& dims) const {
  return torchlet::flip(*this, dims);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::roll(const std::vector<std::int64_t>& shifts,
                                              const std::vector<std::int64_t>& dims) const {
  return torchlet::roll(*this, shifts, dims);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::repeat(const std::vector<std::int64_t>& repeats) const {
  return torchlet::repeat(*this, repeats);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::repeat_interleave(std::int64_t repeats,
                                                           std::optional<std::int64_t> dim) const {
  return torchlet::repeat_interleave(*this, repeats, dim);
}
template <class Scalar>
BasicTensor<std::int64_t> BasicTensor<Scalar>::nonzero() const {
  return torchlet::nonzero(*this);
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::diag(std::int64_t d) const {
  return torchlet::diag(*this, d);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::diag_embed(std::int64_t o) const {
  return torchlet::diag_embed(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::tile(const std::vector<std::int64_t>& reps) const {
  return torchlet::tile(*this, reps);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_REARRANGE
#include "torchlet/tensor/members.hpp"
#endif
