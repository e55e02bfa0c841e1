#pragma once
// The element types of tensors in files (io::Dtype, with safetensors' spelling), AnyTensor
// (a tensor of any of torchlet's element types) and the conversions both file formats
// share: little-endian copies and the widening of types torchlet has no tensor for
// (F16, BF16 -> float; I8, I16, U16 -> int32; U32 -> int64).
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::io {

/// Element types of saved tensors, with safetensors' spelling (the .pt format maps its
/// storage types onto the same set).
enum class Dtype { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

inline const char* dtype_str(Dtype d) {
  constexpr const char* names[] = {"BOOL", "U8",  "I8",  "I16", "U16", "F16", "BF16",
                                   "I32",  "U32", "F32", "F64", "I64", "U64"};
  return names[static_cast<int>(d)];
}
inline std::size_t itemsize(Dtype d) {
  constexpr std::size_t sizes[] = {1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8};
  return sizes[static_cast<int>(d)];
}
inline std::optional<Dtype> parse_dtype(const std::string& s) {
  for (int i = 0; i <= static_cast<int>(Dtype::U64); ++i)
    if (s == dtype_str(static_cast<Dtype>(i))) return static_cast<Dtype>(i);
  return std::nullopt;
}
/// The dtype torchlet writes for a BasicTensor<T>.
template <class T>
constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<T, float>)
    return Dtype::F32;
  else if constexpr (std::is_same_v<T, double>)
    return Dtype::F64;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return Dtype::I64;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return Dtype::I32;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return Dtype::U8;
  else if constexpr (std::is_same_v<T, bool>)
    return Dtype::BOOL;
  else
    static_assert(sizeof(T) == 0, "safetensors: unsupported tensor element type");
}

/// A tensor of any of the element types torchlet has.
using AnyTensor = std::variant<Tensor, DoubleTensor, LongTensor, IntTensor, ByteTensor, BoolTensor>;

/// Shape of an AnyTensor.
inline const Shape& shape_of(const AnyTensor& t) {
  return std::visit([](const auto& x) -> const Shape& { return x.shape(); }, t);
}

/// The tensor converted to element type T (a copy unless it already is one).
template <class T>
BasicTensor<T> to_dtype(const AnyTensor& any) {
  return std::visit(
      [](const auto& x) -> BasicTensor<T> {
        using U = typename std::remove_cvref_t<decltype(x)>::scalar_type;
        if constexpr (std::is_same_v<U, T>) {
          return x;
        } else {
          auto out = BasicTensor<T>::empty(x.shape());
          const U* src = x.data();
          for (std::int64_t i = 0; i < x.numel(); ++i) out.data()[i] = static_cast<T>(src[i]);
          return out;
        }
      },
      any);
}

namespace detail {

/// Copies n elements of size `size` from little-endian bytes into native order.
inline void copy_le(void* dst, const std::uint8_t* src, std::size_t n, std::size_t size) {
  if (n) std::memcpy(dst, src, n * size);
  if constexpr (std::endian::native == std::endian::big) {
    auto* d = static_cast<std::uint8_t*>(dst);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t a = 0, b = size - 1; a < b; ++a, --b)
        std::swap(d[i * size + a], d[i * size + b]);
  }
}

inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FFu;
  std::uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      std::uint32_t m = man;
      do {
        ++e;
        m <<= 1;
      } while ((m & 0x400u) == 0);
      bits = sign | static_cast<std::uint32_t>(127 - 15 - e) << 23 | (m & 0x3FFu) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | man << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  return std::bit_cast<float>(bits);
}

template <class T, class Raw>
BasicTensor<T> widen(const Shape& shape, const std::uint8_t* src, std::int64_t n,
                     T (*convert)(Raw)) {
  auto out = BasicTensor<T>::empty(shape);
  for (std::int64_t i = 0; i < n; ++i) {
    Raw r;
    copy_le(&r, src + static_cast<std::size_t>(i) * sizeof(Raw), 1, sizeof(Raw));
    out.data()[i] = convert(r);
  }
  return out;
}

template <class T>
BasicTensor<T> exact(const Shape& shape, const std::uint8_t* src, std::int64_t n) {
  auto out = BasicTensor<T>::empty(shape);
  copy_le(out.data(), src, static_cast<std::size_t>(n), sizeof(T));
  return out;
}

}  // namespace detail

}  // namespace torchlet::io
