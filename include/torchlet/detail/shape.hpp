#pragma once
// The Shape alias and the shape helpers below every layer (autograd/ stores output shapes
// and names them in errors): to_string, numel_of, contiguous_strides. tensor/shape.hpp
// adds dim wrapping and broadcasting.
#include <cstdint>
#include <string>
#include <vector>

namespace torchlet {

/// The sizes of a tensor's dims ([N, C, H, W]), as torch.Size.
using Shape = std::vector<std::int64_t>;

/// "[64, 1, 28, 28]"
inline std::string to_string(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

namespace detail {

/// The number of elements of a tensor of this shape (the product of the sizes).
inline std::int64_t numel_of(const Shape& s) {
  std::int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

/// Row-major strides of a contiguous tensor.
inline Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  std::int64_t acc = 1;
  for (std::size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

}  // namespace detail
}  // namespace torchlet
