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
template <class Scalar>
BasicTensor<Scalar> extremum(const char* op, const char* name, const BasicTensor<Scalar>& a,
                             const BasicTensor<Scalar>& b, bool is_max) {
  // The share of the gradient that goes to a (b gets the rest).
  auto share_a = [is_max](Scalar x, Scalar y) {
    return x == y ? Scalar(0.5) : (is_max ? x > y : x < y) ? Scalar(1) : Scalar(0);
  };
  return binary_op(
      op, name, a, b,
      [is_max](Scalar x, Scalar y) {
        if constexpr (std::is_floating_point_v<Scalar>) {
          if (std::isnan(x) || std::isnan(y)) return std::isnan(x) ? x : y;  // NaN propagates
        }
        return is_max ? std::max(x, y) : std::min(x, y);
      },
      [share_a](Scalar x, Scalar y, Scalar g) { return g * share_a(x, y); },
      [share_a](Scalar x, Scalar y, Scalar g) { return g * (Scalar(1) - share_a(x, y)); },
      LocallyConstant{});
}

}  // namespace detail

/// torch.maximum(a, b): the elementwise larger of a and b (broadcast; NaN propagates).
/// Gradient: to the larger operand, half to each where a == b.
template <class Scalar>
BasicTensor<Scalar> maximum(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  return detail::extremum("maximum", "MaximumBackward0", a, b, true);
}
/// torch.minimum(a, b): the elementwise smaller of a and b (broadcast; NaN propagates).
/// Gradient: to the smaller operand, half to each where a == b.
template <class Scalar>
BasicTensor<Scalar> minimum(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  return detail::extremum("minimum", "MinimumBackward0", a, b, false);
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::maximum(const BasicTensor& o) const {
  return torchlet::maximum(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::minimum(const BasicTensor& o) const {
  return torchlet::minimum(*this, o);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_ELEMENTWISE_EXTRA
#include "torchlet/tensor/members.hpp"
#endif
