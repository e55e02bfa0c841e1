#pragma once
// Shapes, dimension wrapping and broadcasting rules (NumPy/PyTorch semantics).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "torchlet/detail/shape.hpp"
#include "torchlet/errors.hpp"

namespace torchlet {

namespace detail {

/// The number of elements of a shape given by a user, validated: no negative sizes, no
/// overflow.
inline std::int64_t checked_numel(std::string_view op, const Shape& s) {
  std::int64_t n = 1;
  for (auto d : s) {
    if (d < 0) throw ShapeError(std::string(op) + ": negative dimension in shape " + to_string(s));
    if (__builtin_mul_overflow(n, d, &n))  // (no division: this runs for every new tensor)
      throw ShapeError(std::string(op) + ": shape " + to_string(s) + " has too many elements");
  }
  return n;
}
/// Validates a shape given by a user: no negative sizes, no overflow.
inline void check_shape(std::string_view op, const Shape& s) { checked_numel(op, s); }

/// Maps a possibly negative dim into [0, ndim); throws std::out_of_range otherwise.
inline std::int64_t wrap_dim(std::string_view op, std::int64_t dim, std::int64_t ndim) {
  const std::int64_t lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;
  if (dim < lo || dim > hi)
    throw std::out_of_range(
        std::string(op) + ": dimension out of range (expected to be in range of [" +
        std::to_string(lo) + ", " + std::to_string(hi) + "], but got " + std::to_string(dim) + ")");
  return dim < 0 ? dim + (ndim == 0 ? 1 : ndim) : dim;
}

/// Broadcast result shape of a and b; throws ShapeError naming op and both shapes.
inline Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ShapeError(std::string(op) + ": shapes " + to_string(a) + " and " + to_string(b) +
                       " cannot be broadcast (size " + std::to_string(da) + " vs " +
                       std::to_string(db) + " at dimension " + std::to_string(i) + ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/// Strides of `s` seen through the broadcast shape `out` (0 where broadcast).
inline Shape broadcast_strides(const Shape& s, const Shape& out) {
  Shape st(out.size(), 0);
  const Shape cs = contiguous_strides(s);
  const std::size_t off = out.size() - s.size();
  for (std::size_t i = 0; i < s.size(); ++i) st[i + off] = s[i] == 1 ? 0 : cs[i];
  return st;
}

}  // namespace detail
}  // namespace torchlet
