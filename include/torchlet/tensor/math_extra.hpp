#pragma once
// More elementwise math: isfinite/isnan/isinf (-> BoolTensor), nan_to_num, sign, trunc, frac,
// fmod, remainder, div with a rounding_mode, floor_divide, atan2, erf, erfinv, lerp, isclose (in
// the tensors' own dtype), clamp with tensor bounds. Binary ops broadcast; gradients as PyTorch's
// (zero for sign and trunc).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_MATH_EXTRA
#endif

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "torchlet/tensor/comparison.hpp"

namespace torchlet {
namespace detail {

/// out = f(x) elementwise, recorded as `name` with dx = df(x, out, g) elementwise.
template <class T, class F, class DF>
BasicTensor<T> unary_op(const char* name, const BasicTensor<T>& x, F f, DF df) {
  auto out = BasicTensor<T>::empty(x.shape());
  const T* xp = x.data();
  T* op = out.data();
  for (std::int64_t i = 0; i < x.numel(); ++i) op[i] = f(xp[i]);
  if (needs_graph<T>({&x}))
    record(out, name, {&x},
           [name, df, sx = SavedTensor<T>(x), xs = x.shape()](const BasicTensor<T>& g) {
             const T* xp = sx.data(name);
             auto gi = BasicTensor<T>::empty(xs);
             for (std::int64_t i = 0; i < gi.numel(); ++i) gi.data()[i] = df(xp[i], g.data()[i]);
             return std::vector<BasicTensor<T>>{gi};
           });
  return out;
}

/// out = f(a, b) broadcast, recorded as `name` with da = da_f(x, y, g), db = db_f(x, y, g)
/// per output element (then summed to each input's shape). With `to_a` (a predicate on
/// (x, y): whether the gradient goes to a, else to b, as for clamp), the backward records
/// itself under create_graph as g times constant masks.
template <class T, class F, class DA, class DB, class M = std::nullptr_t>
BasicTensor<T> binary_op(const char* op, const char* name, const BasicTensor<T>& a,
                         const BasicTensor<T>& b, F f, DA da_f, DB db_f, M to_a = nullptr) {
  const Shape os = broadcast_shapes(op, a.shape(), b.shape());
  auto out = BasicTensor<T>::empty(os);
  const T* ap = a.data();
  const T* bp = b.data();
  T* dst = out.data();
  for_each_broadcast<2>(os, {&a.shape(), &b.shape()},
                        [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                          dst[i] = f(ap[o[0]], bp[o[1]]);
                        });
  if (needs_graph<T>({&a, &b}))
    record(out, name, {&a, &b},
           [name, da_f, db_f, to_a, ga = a.requires_grad(), gb = b.requires_grad(),
            sa = SavedTensor<T>(a), sb = SavedTensor<T>(b), as = a.shape(), bs = b.shape(),
            os](const BasicTensor<T>& g) {
             const T* ap = sa.data(name);
             const T* bp = sb.data(name);
             static_cast<void>(to_a);  // unused without a mask (clang warns)
             if constexpr (!std::is_same_v<M, std::nullptr_t>) {
               if (is_grad_enabled()) [[unlikely]] {  // create_graph: g times constant masks
                 auto ma = BasicTensor<T>::empty(os);
                 for_each_broadcast<2>(os, {&as, &bs},
                                       [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                                         ma.data()[i] = to_a(ap[o[0]], bp[o[1]]) ? T(1) : T(0);
                                       });
                 BasicTensor<T> da, db;
                 if (ga) da = sum_to_recorded(g * ma, as);
                 if (gb) db = sum_to_recorded(g * (T(1) - ma), bs);
                 return std::vector<BasicTensor<T>>{da, db};
               }
             }
             auto da = BasicTensor<T>::empty(os), db = BasicTensor<T>::empty(os);
             const T* gp = g.data();
             for_each_broadcast<2>(os, {&as, &bs},
                                   [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                                     da.data()[i] = da_f(ap[o[0]], bp[o[1]], gp[i]);
                                     db.data()[i] = db_f(ap[o[0]], bp[o[1]], gp[i]);
                                   });
             return std::vector<BasicTensor<T>>{ga ? sum_to(da, as) : BasicTensor<T>(),
                                                gb ? sum_to(db, bs) : BasicTensor<T>()};
           });
  if constexpr (!std::is_same_v<M, std::nullptr_t>) mark_differentiable_backward(out);
  return out;
}

/// erfinv by Newton's method on std::erf from a closed-form first guess (Giles' bound is not
/// needed: three steps reach double precision on (-1, 1)).
template <class T>
T erfinv_scalar(T y) {
  if (y <= T(-1))
    return y == T(-1) ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::quiet_NaN();
  if (y >= T(1))
    return y == T(1) ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::quiet_NaN();
  if (std::isnan(y)) return y;
  const double yd = static_cast<double>(y);
  // Winitzki's approximation, then Newton steps in double.
  const double a = 0.147, l = std::log(1 - yd * yd);
  const double t = 2 / (M_PI * a) + l / 2;
  double x = std::copysign(std::sqrt(std::sqrt(t * t - l / a) - t), yd);
  for (int i = 0; i < 4; ++i) {
    const double err = std::erf(x) - yd;
    x -= err / (M_2_SQRTPI * std::exp(-x * x));
  }
  return static_cast<T>(x);
}

template <class T, class P>
BasicTensor<bool> classify(const BasicTensor<T>& x, P p) {
  auto out = BasicTensor<bool>::empty(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) out.data()[i] = p(x.data()[i]);
  return out;
}

}  // namespace detail

/// torch.isfinite(x): true where x is neither infinite nor NaN.
template <class T>
BasicTensor<bool> isfinite(const BasicTensor<T>& x) {
  return detail::classify(x, [](T v) {
    if constexpr (std::is_floating_point_v<T>) return std::isfinite(v);
    return true;
  });
}
/// torch.isnan(x): true where x is NaN.
template <class T>
BasicTensor<bool> isnan(const BasicTensor<T>& x) {
  return detail::classify(x, [](T v) {
    if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
    return false;
  });
}
/// torch.isinf(x): true where x is +inf or -inf.
template <class T>
BasicTensor<bool> isinf(const BasicTensor<T>& x) {
  return detail::classify(x, [](T v) {
    if constexpr (std::is_floating_point_v<T>) return std::isinf(v);
    return false;
  });
}

/// torch.nan_to_num(x, nan, posinf, neginf): NaN -> nan, +inf -> posinf (default: the
/// largest finite T), -inf -> neginf (default: the lowest). Gradient: g where x is finite.
template <class T>
BasicTensor<T> nan_to_num(const BasicTensor<T>& x, std::type_identity_t<T> nan = T(0),
                          std::type_identity_t<std::optional<T>> posinf = {},
                          std::type_identity_t<std::optional<T>> neginf = {}) {
  const T pi = posinf.value_or(std::numeric_limits<T>::max());
  const T ni = neginf.value_or(std::numeric_limits<T>::lowest());
  return detail::unary_op(
      "NanToNumBackward0", x,
      [=](T v) { return std::isnan(v)   ? nan
                        : std::isinf(v) ? (v > 0 ? pi : ni)
                                        : v; },
      [](T v, T g) { return std::isfinite(v) ? g : T(0); });
}

/// torch.sign(x): -1, 0 or 1 (NaN stays NaN). Gradient zero.
template <class T>
BasicTensor<T> sign(const BasicTensor<T>& x) {
  return detail::unary_op(
      "SignBackward0", x, [](T v) { return std::isnan(v) ? v : T((v > T(0)) - (v < T(0))); },
      [](T, T) { return T(0); });
}
/// torch.trunc(x): rounded toward zero. Gradient zero.
template <class T>
BasicTensor<T> trunc(const BasicTensor<T>& x) {
  return detail::unary_op(
      "TruncBackward0", x, [](T v) { return std::trunc(v); }, [](T, T) { return T(0); });
}
/// torch.frac(x): x - trunc(x). Gradient g.
template <class T>
BasicTensor<T> frac(const BasicTensor<T>& x) {
  return detail::unary_op(
      "FracBackward0", x, [](T v) { return v - std::trunc(v); }, [](T, T g) { return g; });
}
/// torch.erf(x). Gradient 2 / sqrt(pi) exp(-x^2) g.
template <class T>
BasicTensor<T> erf(const BasicTensor<T>& x) {
  return detail::unary_op(
      "ErfBackward0", x, [](T v) { return std::erf(v); },
      [](T v, T g) { return g * T(M_2_SQRTPI) * std::exp(-v * v); });
}
/// torch.erfinv(x): the inverse of erf on [-1, 1] (NaN outside). Gradient
/// sqrt(pi) / 2 exp(erfinv(x)^2) g.
template <class T>
BasicTensor<T> erfinv(const BasicTensor<T>& x) {
  return detail::unary_op(
      "ErfinvBackward0", x, [](T v) { return detail::erfinv_scalar(v); },
      [](T v, T g) {
        const T y = detail::erfinv_scalar(v);
        return g * T(1 / M_2_SQRTPI) * std::exp(y * y);
      });
}

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
template <class T>
T div_rounded(T a, T b, Rounding r) {
  if constexpr (std::is_integral_v<T>) {
    auto q = static_cast<T>(a / b);
    if constexpr (std::is_signed_v<T>)
      if (r == Rounding::floor && static_cast<T>(a % b) != T(0) && ((a < T(0)) != (b < T(0)))) --q;
    return q;
  } else {
    if (r == Rounding::trunc) return std::trunc(a / b);
    if (b == T(0)) return a / b;
    const T mod = std::fmod(a, b);
    T q = (a - mod) / b;
    if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) q -= T(1);
    if (q == T(0)) return std::copysign(T(0), a / b);
    T fl = std::floor(q);
    if (q - fl > T(0.5)) fl += T(1);
    return fl;
  }
}

/// Throws PyTorch's ZeroDivisionError when an integer divisor holds a zero.
template <class T>
void check_integer_divisor(const char* op, const BasicTensor<T>& b) {
  if constexpr (std::is_integral_v<T>) {
    const T* p = b.data();
    for (std::int64_t i = 0; i < b.numel(); ++i)
      if (p[i] == T(0))
        throw std::domain_error(std::string(op) +
                                ": ZeroDivisionError: integer division by zero (the divisor, a " +
                                dtype_name<T>() + " tensor, holds a 0)");
  }
}

}  // namespace detail

/// torch.fmod(a, b): a - trunc(a / b) * b (the sign of a), broadcast. Gradients: g and
/// -trunc(a / b) g.
template <class T>
BasicTensor<T> fmod(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  detail::check_integer_divisor("fmod", b);
  return detail::binary_op(
      "fmod", "FmodBackward1", a, b, [](T x, T y) { return std::fmod(x, y); },
      [](T, T, T g) { return g; }, [](T x, T y, T g) { return -g * std::trunc(x / y); });
}
/// torch.fmod(a, s) with a number, in the result type of a with s (PyTorch's promotion: a
/// LongTensor with 1.5 gives float32, with 2 int64).
template <class T, detail::ScalarFor<T> S>
BasicTensor<detail::scalar_result_t<T, S>> fmod(const BasicTensor<T>& a, S s) {
  using R = detail::scalar_result_t<T, S>;
  return fmod(a.template to<R>(), scalar_tensor<R>(static_cast<R>(s)));
}
/// torch.remainder(a, b): a - floor(a / b) * b (the sign of b, Python's %), broadcast.
/// Gradients: g and -floor(a / b) g.
template <class T>
BasicTensor<T> remainder(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  detail::check_integer_divisor("remainder", b);
  return detail::binary_op(
      "remainder", "RemainderBackward1", a, b,
      [](T x, T y) {
        const T r = std::fmod(x, y);
        return r != T(0) && ((r < T(0)) != (y < T(0))) ? r + y : r;
      },
      [](T, T, T g) { return g; }, [](T x, T y, T g) { return -g * std::floor(x / y); });
}
/// torch.remainder(a, s) with a number, in the result type of a with s (as fmod).
template <class T, detail::ScalarFor<T> S>
BasicTensor<detail::scalar_result_t<T, S>> remainder(const BasicTensor<T>& a, S s) {
  using R = detail::scalar_result_t<T, S>;
  return remainder(a.template to<R>(), scalar_tensor<R>(static_cast<R>(s)));
}
/// torch.div(a, b, rounding_mode=...): the quotient rounded, "trunc" toward zero or "floor"
/// toward minus infinity, broadcast; the result keeps the tensors' type (an int64 quotient of
/// LongTensors, where div(a, b) is float32). An integer divisor holding 0 throws (PyTorch's
/// ZeroDivisionError); bool tensors are refused as in PyTorch. Gradients: zero (PyTorch's).
template <class T>
BasicTensor<T> div(const BasicTensor<T>& a, const BasicTensor<T>& b,
                   std::string_view rounding_mode) {
  static_assert(!std::is_same_v<T, bool>,
                "div with a rounding_mode: not implemented for bool tensors (PyTorch: "
                "\"div_trunc_cpu\" not implemented for 'Bool'); convert to an integer type first");
  const detail::Rounding mode = detail::parse_rounding_mode(rounding_mode);
  detail::check_integer_divisor("div", b);
  return detail::binary_op(
      "div", "DivBackward2", a, b, [mode](T x, T y) { return detail::div_rounded(x, y, mode); },
      [](T, T, T) { return T(0); }, [](T, T, T) { return T(0); });
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
template <class T, detail::Arithmetic S>
BasicTensor<detail::scalar_result_t<T, S>> div(const BasicTensor<T>& a, S s,
                                               std::string_view rounding_mode) {
  using R = detail::scalar_result_t<T, S>;
  return div(a.template to<R>(), scalar_tensor<R>(static_cast<R>(s)), rounding_mode);
}
/// torch.floor_divide(a, b): div(a, b, "floor") (PyTorch 1.13 rounds toward minus infinity).
template <class A, class B>
BasicTensor<detail::promote_t<A, B>> floor_divide(const BasicTensor<A>& a,
                                                  const BasicTensor<B>& b) {
  return div(a, b, "floor");
}
/// torch.floor_divide(a, s) with a number: div(a, s, "floor").
template <class T, detail::Arithmetic S>
BasicTensor<detail::scalar_result_t<T, S>> floor_divide(const BasicTensor<T>& a, S s) {
  return div(a, s, "floor");
}

/// torch.atan2(a, b): the angle of (b, a), broadcast. Gradients b g / (a^2 + b^2) and
/// -a g / (a^2 + b^2).
template <class T>
BasicTensor<T> atan2(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return detail::binary_op(
      "atan2", "Atan2Backward0", a, b, [](T x, T y) { return std::atan2(x, y); },
      [](T x, T y, T g) { return g * y / (x * x + y * y); },
      [](T x, T y, T g) { return -g * x / (x * x + y * y); });
}

/// torch.lerp(start, end, weight): start + weight * (end - start), all broadcast; the
/// gradients flow to all three.
template <class T>
BasicTensor<T> lerp(const BasicTensor<T>& start, const BasicTensor<T>& end,
                    const BasicTensor<T>& weight) {
  return start + weight * (end - start);
}
/// torch.lerp(start, end, weight) with a number weight.
template <class T, detail::ScalarFor<T> S>
BasicTensor<T> lerp(const BasicTensor<T>& start, const BasicTensor<T>& end, S weight) {
  return start + (end - start) * static_cast<T>(weight);
}

/// torch.clamp(x, min, max) with tensor bounds (broadcast; either may be undefined for
/// none): max(min(x, max), min). Gradients go to whichever operand the result came from.
template <class T>
BasicTensor<T> clamp(const BasicTensor<T>& x, const BasicTensor<T>& min,
                     const BasicTensor<T>& max) {
  if (!min.defined() && !max.defined())
    throw std::invalid_argument("clamp: at least one of min and max must be given");
  BasicTensor<T> out = x;
  if (min.defined())
    out = detail::binary_op(
        "clamp", "ClampBackward1", out, min, [](T v, T lo) { return v < lo ? lo : v; },
        [](T v, T lo, T g) { return v < lo ? T(0) : g; },
        [](T v, T lo, T g) { return v < lo ? g : T(0); }, [](T v, T lo) { return !(v < lo); });
  if (max.defined())
    out = detail::binary_op(
        "clamp", "ClampBackward1", out, max, [](T v, T hi) { return v > hi ? hi : v; },
        [](T v, T hi, T g) { return v > hi ? T(0) : g; },
        [](T v, T hi, T g) { return v > hi ? g : T(0); }, [](T v, T hi) { return !(v > hi); });
  return out;
}

/// torch.isclose(a, b, rtol, atol, equal_nan): |a - b| <= atol + rtol * |b| elementwise,
/// broadcast, computed in T (as PyTorch computes it in the tensors' dtype); equal values
/// (infinities included) are close.
template <class T>
BasicTensor<bool> isclose(const BasicTensor<T>& a, const BasicTensor<T>& b, double rtol = 1e-5,
                          double atol = 1e-8, bool equal_nan = false) {
  if (rtol < 0 || atol < 0)
    throw std::invalid_argument("isclose: rtol and atol must be non-negative, got rtol " +
                                std::to_string(rtol) + " and atol " + std::to_string(atol));
  const Shape os = detail::broadcast_shapes("isclose", a.shape(), b.shape());
  auto out = BasicTensor<bool>::empty(os);
  const T* ap = a.data();
  const T* bp = b.data();
  detail::for_each_broadcast<2>(
      os, {&a.shape(), &b.shape()}, [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
        out.data()[i] = detail::close_in_dtype(ap[o[0]], bp[o[1]], rtol, atol, equal_nan);
      });
  return out;
}

template <class T>
BasicTensor<T> BasicTensor<T>::sign() const {
  return torchlet::sign(*this);
}
template <class T>
BasicTensor<T> BasicTensor<T>::trunc() const {
  return torchlet::trunc(*this);
}
template <class T>
BasicTensor<T> BasicTensor<T>::frac() const {
  return torchlet::frac(*this);
}
template <class T>
BasicTensor<T> BasicTensor<T>::erf() const {
  return torchlet::erf(*this);
}
template <class T>
BasicTensor<T> BasicTensor<T>::erfinv() const {
  return torchlet::erfinv(*this);
}
template <class T>
BasicTensor<bool> BasicTensor<T>::isnan() const {
  return torchlet::isnan(*this);
}
template <class T>
BasicTensor<bool> BasicTensor<T>::isinf() const {
  return torchlet::isinf(*this);
}
template <class T>
BasicTensor<bool> BasicTensor<T>::isfinite() const {
  return torchlet::isfinite(*this);
}
template <class T>
BasicTensor<T> BasicTensor<T>::nan_to_num(T nan, std::optional<T> posinf,
                                          std::optional<T> neginf) const {
  return torchlet::nan_to_num(*this, nan, posinf, neginf);
}
template <class T>
BasicTensor<T> BasicTensor<T>::fmod(const BasicTensor& o) const {
  return torchlet::fmod(*this, o);
}
template <class T>
BasicTensor<T> BasicTensor<T>::fmod(T o) const {
  return torchlet::fmod(*this, scalar_tensor<T>(o));
}
template <class T>
BasicTensor<T> BasicTensor<T>::remainder(const BasicTensor& o) const {
  return torchlet::remainder(*this, o);
}
template <class T>
BasicTensor<T> BasicTensor<T>::remainder(T o) const {
  return torchlet::remainder(*this, scalar_tensor<T>(o));
}
template <class T>
BasicTensor<T> BasicTensor<T>::atan2(const BasicTensor& o) const {
  return torchlet::atan2(*this, o);
}
template <class T>
BasicTensor<T> BasicTensor<T>::lerp(const BasicTensor& end, const BasicTensor& weight) const {
  return torchlet::lerp(*this, end, weight);
}
template <class T>
BasicTensor<T> BasicTensor<T>::lerp(const BasicTensor& end, T weight) const {
  return torchlet::lerp(*this, end, weight);
}
template <class T>
BasicTensor<bool> BasicTensor<T>::isclose(const BasicTensor& o, double rtol, double atol,
                                          bool equal_nan) const {
  return torchlet::isclose(*this, o, rtol, atol, equal_nan);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_MATH_EXTRA
#include "torchlet/tensor/members.hpp"
#endif
