#pragma once
// Elementwise ops beyond the arithmetic: maximum, minimum (broadcasting).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_ELEMENTWISE_EXTRA
#endif

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "torchlet/tensor/math_extra.hpp"

namespace torchlet {
namespace detail {

/// maximum (is_max) or minimum of a and b, broadcast. The gradient goes to the larger
/// (smaller) operand, and half to each where they are equal (as PyTorch).
template <class T>
BasicTensor<T> extremum(const char* op, const char* name, const BasicTensor<T>& a,
                        const BasicTensor<T>& b, bool is_max) {
  // The share of the gradient that goes to a (b gets the rest).
  auto share_a = [is_max](T x, T y) {
    return x == y ? T(0.5) : (is_max ? x > y : x < y) ? T(1) : T(0);
  };
  return binary_op(
      op, name, a, b,
      [is_max](T x, T y) {
        if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(x) || std::isnan(y)) return std::isnan(x) ? x : y;  // NaN propagates
        }
        return is_max ? std::max(x, y) : std::min(x, y);
      },
      [share_a](T x, T y, T g) { return g * share_a(x, y); },
      [share_a](T x, T y, T g) { return g * (T(1) - share_a(x, y)); });
}

}  // namespace detail

/// torch.maximum(a, b): the elementwise larger of a and b (broadcast; NaN propagates).
/// Gradient: to the larger operand, half to each where a == b.
template <class T>
BasicTensor<T> maximum(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return detail::extremum("maximum", "MaximumBackward0", a, b, true);
}
/// torch.minimum(a, b): the elementwise smaller of a and b (broadcast; NaN propagates).
/// Gradient: to the smaller operand, half to each where a == b.
template <class T>
BasicTensor<T> minimum(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return detail::extremum("minimum", "MinimumBackward0", a, b, false);
}

template <class T>
BasicTensor<T> BasicTensor<T>::maximum(const BasicTensor& o) const {
  return torchlet::maximum(*this, o);
}
template <class T>
BasicTensor<T> BasicTensor<T>::minimum(const BasicTensor& o) const {
  return torchlet::minimum(*this, o);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_ELEMENTWISE_EXTRA
#include "torchlet/tensor/members.hpp"
#endif
