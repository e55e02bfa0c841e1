#pragma once
// Walking the elements of a strided tensor in row-major order (below every layer: the
// tensor's data(), saved tensors and view gradients gather and scatter with it).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "torchlet/detail/shape.hpp"

namespace torchlet::detail {

/// Calls f(i, off) for the elements of a tensor of `shape` with `strides` in row-major order:
/// i counts 0, 1, ..., off is the element's position relative to the storage offset.
template <class F>
void for_each_strided(const Shape& shape, const std::vector<std::int64_t>& strides, F&& f) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  if (n == 0) return;
  const std::size_t nd = shape.size();
  if (nd == 0) {
    f(std::int64_t{0}, std::int64_t{0});
    return;
  }
  const std::int64_t last = shape[nd - 1], ls = strides[nd - 1];
  std::vector<std::int64_t> idx(nd, 0);
  std::int64_t off = 0;
  for (std::int64_t i = 0; i < n; i += last) {
    for (std::int64_t k = 0; k < last; ++k) f(i + k, off + k * ls);
    for (std::size_t d = nd - 1; d-- > 0;) {
      off += strides[d];
      if (++idx[d] < shape[d]) break;
      off -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
}

/// Copies the elements of src (sizes `shape`, `strides`) into dst, row-major. A last dim
/// that is not contiguous (a transpose) is copied in 32 x 32 tiles of the last two dims.
template <class T>
void gather_strided(const T* src, const Shape& shape, const std::vector<std::int64_t>& strides,
                    T* dst) {
  const std::size_t nd = shape.size();
  if (nd >= 2 && strides[nd - 1] != 1) {
    const std::int64_t rows = shape[nd - 2], cols = shape[nd - 1], sr = strides[nd - 2],
                       sc = strides[nd - 1];
    constexpr std::int64_t tile = 32;
    const Shape outer(shape.begin(), shape.end() - 2);
    const std::vector<std::int64_t> outer_strides(strides.begin(), strides.end() - 2);
    for_each_strided(outer, outer_strides, [&](std::int64_t b, std::int64_t off) {
      T* d = dst + b * rows * cols;
      const T* s = src + off;
      for (std::int64_t i0 = 0; i0 < rows; i0 += tile)
        for (std::int64_t j0 = 0; j0 < cols; j0 += tile)
          for (std::int64_t i = i0; i < std::min(rows, i0 + tile); ++i)
            for (std::int64_t j = j0; j < std::min(cols, j0 + tile); ++j)
              d[i * cols + j] = s[i * sr + j * sc];
    });
    return;
  }
  for_each_strided(shape, strides, [&](std::int64_t i, std::int64_t off) { dst[i] = src[off]; });
}

}  // namespace torchlet::detail
