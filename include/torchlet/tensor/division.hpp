#pragma once
// Division with rounding and its remainders, broadcast, in the tensors' own type: fmod (the
// sign of the dividend), remainder (the sign of the divisor, Python's %), div with a
// rounding_mode ("trunc" or "floor") and floor_divide; an integer divisor holding 0 throws
// PyTorch's ZeroDivisionError. Gradients as PyTorch's. True division (a / b, div(a, b)):
// tensor/binary.hpp.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_DIVISION
#endif

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "torchlet/tensor/math_extra.hpp"

namespace torchlet {

namespace detail {

/// How div rounds its quotient: toward zero or toward minus infinity.
enum class Rounding { trunc, floor };

/// The rounding_mode argument of torch.div: "trunc" or "floor".
inline Rounding parse_rounding_mode(std::string_view mode) {
  if (mode == "trunc") return Rounding::trunc;
  if (mode == "floor") return Rounding::floor;
  throw std::invalid_argument(
      "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '" +
      std::string(mode) + "'");
}

/// a / b rounded as PyTorch's div_trunc and div_floor kernels round it (for floating types
/// the floor of a quotient computed from fmod, so that 1 // 0.1 is 9 as in Python).
template <class Scalar>
Scalar div_rounded(Scalar a, Scalar b, Rounding r) {
  if constexpr (std::is_integral_v<Scalar>) {
    auto q = static_cast<Scalar>(a / b);
    if constexpr (std::is_signed_v<Scalar>)
      if (r == Rounding::floor && static_cast<Scalar>(a % b) != Scalar(0) &&
          ((a < Scalar(0)) != (b < Scalar(0))))
        --q;
    return q;
  } else {
    if (r == Rounding::trunc) return std::trunc(a / b);
    if (b == Scalar(0)) return a / b;
    const Scalar mod = std::fmod(a, b);
    Scalar q = (a - mod) / b;
    if (mod != Scalar(0) && ((b < Scalar(0)) != (mod < Scalar(0)))) q -= Scalar(1);
    if (q == Scalar(0)) return std::copysign(Scalar(0), a / b);
    Scalar fl = std::floor(q);
    if (q - fl > Scalar(0.5)) fl += Scalar(1);
    return fl;
  }
}

/// Throws PyTorch's ZeroDivisionError when an integer divisor holds a zero.
template <class Scalar>
void check_integer_divisor(const char* op, const BasicTensor<Scalar>& b) {
  if constexpr (std::is_integral_v<Scalar>) {
    const Scalar* p = b.data();
    for (std::int64_t i = 0; i < b.numel(); ++i)
      if (p[i] == Scalar(0))
        throw std::domain_error(std::string(op) +
                                ": ZeroDivisionError: integer division by zero (the divisor, a " +
                                dtype_name<Scalar>() + " tensor, holds a 0)");
  }
}

}  // namespace detail

/// torch.fmod(a, b): a - trunc(a / b) * b (the sign of a), broadcast. Gradients: g and
/// -trunc(a / b) g.
template <class Scalar>
BasicTensor<Scalar> fmod(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  detail::check_integer_divisor("fmod", b);
  return detail::binary_op(
      "fmod", "FmodBackward1", a, b, [](Scalar x, Scalar y) { return std::fmod(x, y); },
      [](Scalar, Scalar, Scalar g) { return g; },
      [](Scalar x, Scalar y, Scalar g) { return -g * std::trunc(x / y); },
      detail::LocallyConstant{});
}
/// torch.fmod(a, s) with a number, in the result type of a with s (PyTorch's promotion: a
/// LongTensor with 1.5 gives float32, with 2 int64).
template <class Scalar, detail::ScalarFor<Scalar> S>
BasicTensor<detail::scalar_result_t<Scalar, S>> fmod(const BasicTensor<Scalar>& a, S s) {
  using R = detail::scalar_result_t<Scalar, S>;
  return fmod(a.template to<R>(), scalar_tensor<R>(static_cast<R>(s)));
}
/// torch.remainder(a, b): a - floor(a / b) * b (the sign of b, Python's %), broadcast.
/// Gradients: g and -floor(a / b) g.
template <class Scalar>
BasicTensor<Scalar> remainder(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  detail::check_integer_divisor("remainder", b);
  return detail::binary_op(
      "remainder", "RemainderBackward1", a, b,
      [](Scalar x, Scalar y) {
        const Scalar r = std::fmod(x, y);
        return r != Scalar(0) && ((r < Scalar(0)) != (y < Scalar(0))) ? r + y : r;
      },
      [](Scalar, Scalar, Scalar g) { return g; },
      [](Scalar x, Scalar y, Scalar g) { return -g * std::floor(x / y); },
      detail::LocallyConstant{});
}
/// torch.remainder(a, s) with a number, in the result type of a with s (as fmod).
template <class Scalar, detail::ScalarFor<Scalar> S>
BasicTensor<detail::scalar_result_t<Scalar, S>> remainder(const BasicTensor<Scalar>& a, S s) {
  using R = detail::scalar_result_t<Scalar, S>;
  return remainder(a.template to<R>(), scalar_tensor<R>(static_cast<R>(s)));
}
/// torch.div(a, b, rounding_mode=...): the quotient rounded, "trunc" toward zero or "floor"
/// toward minus infinity, broadcast; the result keeps the tensors' type (an int64 quotient of
/// LongTensors, where div(a, b) is float32). An integer divisor holding 0 throws (PyTorch's
/// ZeroDivisionError); bool tensors are refused as in PyTorch. Gradients: zero (PyTorch's).
template <class Scalar>
BasicTensor<Scalar> div(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b,
                        std::string_view rounding_mode) {
  static_assert(!std::is_same_v<Scalar, bool>,
                "div with a rounding_mode: not implemented for bool tensors (PyTorch: "
                "\"div_trunc_cpu\" not implemented for 'Bool'); convert to an integer type first");
  const detail::Rounding mode = detail::parse_rounding_mode(rounding_mode);
  detail::check_integer_divisor("div", b);
  return detail::binary_op(
      "div", "DivBackward2", a, b,
      [mode](Scalar x, Scalar y) { return detail::div_rounded(x, y, mode); },
      [](Scalar, Scalar, Scalar) { return Scalar(0); },
      [](Scalar, Scalar, Scalar) { return Scalar(0); }, detail::LocallyConstant{});
}
/// torch.div(a, b, rounding_mode) for tensors of two types: computed in the promoted type
/// (torch.result_type).
template <class A, class B>
requires(!std::is_same_v<A, B>) BasicTensor<detail::promote_t<A, B>> div(
    const BasicTensor<A>& a, const BasicTensor<B>& b, std::string_view rounding_mode) {
  using R = detail::promote_t<A, B>;
  return div(a.template to<R>(), b.template to<R>(), rounding_mode);
}
/// torch.div(a, s, rounding_mode) with a number: the type of a with s (LongTensor with 2 stays
/// int64, LongTensor with 2.5 is float32).
template <class Scalar, detail::Arithmetic S>
BasicTensor<detail::scalar_result_t<Scalar, S>> div(const BasicTensor<Scalar>& a, S s,
                                                    std::string_view rounding_mode) {
  using R = detail::scalar_result_t<Scalar, S>;
  return div(a.template to<R>(), scalar_tensor<R>(static_cast<R>(s)), rounding_mode);
}
/// torch.floor_divide(a, b): div(a, b, "floor") (PyTorch 1.13 rounds toward minus infinity).
template <class A, class B>
BasicTensor<detail::promote_t<A, B>> floor_divide(const BasicTensor<A>& a,
                                                  const BasicTensor<B>& b) {
  return div(a, b, "floor");
}
/// torch.floor_divide(a, s) with a number: div(a, s, "floor").
template <class Scalar, detail::Arithmetic S>
BasicTensor<detail::scalar_result_t<Scalar, S>> floor_divide(const BasicTensor<Scalar>& a, S s) {
  return div(a, s, "floor");
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::fmod(const BasicTensor& o) const {
  return torchlet::fmod(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::fmod(Scalar o) const {
  return torchlet::fmod(*this, scalar_tensor<Scalar>(o));
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::remainder(const BasicTensor& o) const {
  return torchlet::remainder(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::remainder(Scalar o) const {
  return torchlet::remainder(*this, scalar_tensor<Scalar>(o));
}
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_DIVISION
#include "torchlet/tensor/members.hpp"
#endif
