#pragma once
// More elementwise math: isfinite/isnan/isinf (-> BoolTensor), nan_to_num, sign, trunc, frac,
// atan2, erf, erfinv, lerp, isclose (in the tensors' own dtype), clamp with tensor bounds, and
// the recorded unary and binary elementwise ops they are made of. Binary ops broadcast;
// gradients as PyTorch's (zero for sign and trunc). fmod, remainder, div with a rounding_mode
// and floor_divide: tensor/division.hpp.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_MATH_EXTRA
#endif

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

#include "torchlet/tensor/comparison.hpp"

namespace torchlet {
namespace detail {

/// The recorded backward of an elementwise op whose derivatives are constant where they
/// exist (sign, fmod, maximum, clamp, ...): under create_graph the gradient is g times the
/// derivative at g = 1, a constant tensor.
struct LocallyConstant {};

/// out = f(x) elementwise, recorded as `name` with dx = df(x, g) elementwise. The backward
/// records itself under create_graph when `rdf` is given: LocallyConstant, or a function of
/// (g, x as a variable) made of recorded ops.
template <class Scalar, class F, class DF, class R = std::nullptr_t>
BasicTensor<Scalar> unary_op(const char* name, const BasicTensor<Scalar>& x, F f, DF df,
                             R rdf = nullptr) {
  auto out = BasicTensor<Scalar>::empty(x.shape());
  const Scalar* xp = x.data();
  Scalar* op = out.data();
  for (std::int64_t i = 0; i < x.numel(); ++i) op[i] = f(xp[i]);
  if (needs_graph<Scalar>({&x})) {
    record(
        out, name, {&x},
        [name, df, rdf, sx = SavedTensor<Scalar>(x), xs = x.shape()](const BasicTensor<Scalar>& g) {
          static_cast<void>(rdf);  // unused without a recorded form (clang warns)
          const Scalar* xp = sx.data(name);
          if constexpr (std::is_same_v<R, LocallyConstant> && is_floating_v<Scalar>) {
            if (is_grad_enabled()) [[unlikely]] {  // create_graph: g times a constant
              auto c = BasicTensor<Scalar>::empty(xs);
              for (std::int64_t i = 0; i < c.numel(); ++i) c.data()[i] = df(xp[i], Scalar(1));
              return std::vector<BasicTensor<Scalar>>{g * c};
            }
          } else if constexpr (!std::is_same_v<R, std::nullptr_t> && is_floating_v<Scalar>) {
            if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded ops
              return std::vector<BasicTensor<Scalar>>{rdf(g, sx.variable(name, xs))};
          }
          auto gi = BasicTensor<Scalar>::empty(xs);
          for (std::int64_t i = 0; i < gi.numel(); ++i) gi.data()[i] = df(xp[i], g.data()[i]);
          return std::vector<BasicTensor<Scalar>>{gi};
        });
    if constexpr (!std::is_same_v<R, std::nullptr_t>) mark_differentiable_backward(out);
  }
  return out;
}

/// out = f(a, b) broadcast, recorded as `name` with da = da_f(x, y, g), db = db_f(x, y, g)
/// per output element (then summed to each input's shape). The backward records itself
/// under create_graph when `rd` is given: LocallyConstant (g times the derivatives at g = 1,
/// constant tensors: clamp, fmod, maximum, ...), or a function of (g, a, b as variables)
/// returning {da, db} of the broadcast shape, made of recorded ops.
template <class Scalar, class F, class DA, class DB, class R = std::nullptr_t>
BasicTensor<Scalar> binary_op(const char* op, const char* name, const BasicTensor<Scalar>& a,
                              const BasicTensor<Scalar>& b, F f, DA da_f, DB db_f, R rd = nullptr) {
  const Shape os = broadcast_shapes(op, a.shape(), b.shape());
  auto out = BasicTensor<Scalar>::empty(os);
  const Scalar* ap = a.data();
  const Scalar* bp = b.data();
  Scalar* dst = out.data();
  for_each_broadcast<2>(os, {&a.shape(), &b.shape()},
                        [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                          dst[i] = f(ap[o[0]], bp[o[1]]);
                        });
  if (needs_graph<Scalar>({&a, &b}))
    record(out, name, {&a, &b},
           [name, da_f, db_f, rd, ga = a.requires_grad(), gb = b.requires_grad(),
            sa = SavedTensor<Scalar>(a), sb = SavedTensor<Scalar>(b), as = a.shape(),
            bs = b.shape(), os](const BasicTensor<Scalar>& g) {
             const Scalar* ap = sa.data(name);
             const Scalar* bp = sb.data(name);
             static_cast<void>(rd);  // unused without a recorded form (clang warns)
             if constexpr (std::is_same_v<R, LocallyConstant> && is_floating_v<Scalar>) {
               if (is_grad_enabled()) [[unlikely]] {  // create_graph: g times constants
                 auto ca = BasicTensor<Scalar>::empty(os), cb = BasicTensor<Scalar>::empty(os);
                 for_each_broadcast<2>(os, {&as, &bs},
                                       [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                                         ca.data()[i] = da_f(ap[o[0]], bp[o[1]], Scalar(1));
                                         cb.data()[i] = db_f(ap[o[0]], bp[o[1]], Scalar(1));
                                       });
                 BasicTensor<Scalar> da, db;
                 if (ga) da = sum_to_recorded(g * ca, as);
                 if (gb) db = sum_to_recorded(g * cb, bs);
                 return std::vector<BasicTensor<Scalar>>{da, db};
               }
             } else if constexpr (!std::is_same_v<R, std::nullptr_t> && is_floating_v<Scalar>) {
               if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                 auto d = rd(g, sa.variable(name, as), sb.variable(name, bs));
                 return std::vector<BasicTensor<Scalar>>{
                     ga ? sum_to_recorded(d[0], as) : BasicTensor<Scalar>(),
                     gb ? sum_to_recorded(d[1], bs) : BasicTensor<Scalar>()};
               }
             }
             auto da = BasicTensor<Scalar>::empty(os), db = BasicTensor<Scalar>::empty(os);
             const Scalar* gp = g.data();
             for_each_broadcast<2>(os, {&as, &bs},
                                   [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                                     da.data()[i] = da_f(ap[o[0]], bp[o[1]], gp[i]);
                                     db.data()[i] = db_f(ap[o[0]], bp[o[1]], gp[i]);
                                   });
             return std::vector<BasicTensor<Scalar>>{ga ? sum_to(da, as) : BasicTensor<Scalar>(),
                                                     gb ? sum_to(db, bs) : BasicTensor<Scalar>()};
           });
  if constexpr (!std::is_same_v<R, std::nullptr_t>) mark_differentiable_backward(out);
  return out;
}

/// erfinv by Newton's method on std::erf from a closed-form first guess (Giles' bound is not
/// needed: three steps reach double precision on (-1, 1)).
template <class Scalar>
Scalar erfinv_scalar(Scalar y) {
  if (y <= Scalar(-1))
    return y == Scalar(-1) ? -std::numeric_limits<Scalar>::infinity()
                           : std::numeric_limits<Scalar>::quiet_NaN();
  if (y >= Scalar(1))
    return y == Scalar(1) ? std::numeric_limits<Scalar>::infinity()
                          : std::numeric_limits<Scalar>::quiet_NaN();
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
  return static_cast<Scalar>(x);
}

template <class Scalar, class P>
BasicTensor<bool> classify(const BasicTensor<Scalar>& x, P p) {
  auto out = BasicTensor<bool>::empty(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) out.data()[i] = p(x.data()[i]);
  return out;
}

}  // namespace detail

/// torch.isfinite(x): true where x is neither infinite nor NaN.
template <class Scalar>
BasicTensor<bool> isfinite(const BasicTensor<Scalar>& x) {
  return detail::classify(x, [](Scalar v) {
    if constexpr (std::is_floating_point_v<Scalar>) return std::isfinite(v);
    return true;
  });
}
/// torch.isnan(x): true where x is NaN.
template <class Scalar>
BasicTensor<bool> isnan(const BasicTensor<Scalar>& x) {
  return detail::classify(x, [](Scalar v) {
    if constexpr (std::is_floating_point_v<Scalar>) return std::isnan(v);
    return false;
  });
}
/// torch.isinf(x): true where x is +inf or -inf.
template <class Scalar>
BasicTensor<bool> isinf(const BasicTensor<Scalar>& x) {
  return detail::classify(x, [](Scalar v) {
    if constexpr (std::is_floating_point_v<Scalar>) return std::isinf(v);
    return false;
  });
}

/// torch.nan_to_num(x, nan, posinf, neginf): NaN -> nan, +inf -> posinf (default: the
/// largest finite T), -inf -> neginf (default: the lowest). Gradient: g where x is finite.
template <class Scalar>
BasicTensor<Scalar> nan_to_num(const BasicTensor<Scalar>& x,
                               std::type_identity_t<Scalar> nan = Scalar(0),
                               std::type_identity_t<std::optional<Scalar>> posinf = {},
                               std::type_identity_t<std::optional<Scalar>> neginf = {}) {
  const Scalar pi = posinf.value_or(std::numeric_limits<Scalar>::max());
  const Scalar ni = neginf.value_or(std::numeric_limits<Scalar>::lowest());
  return detail::unary_op(
      "NanToNumBackward0", x,
      [=](Scalar v) { return std::isnan(v)   ? nan
                             : std::isinf(v) ? (v > 0 ? pi : ni)
                                             : v; },
      [](Scalar v, Scalar g) { return std::isfinite(v) ? g : Scalar(0); },
      detail::LocallyConstant{});
}

/// torch.sign(x): -1, 0 or 1 (NaN stays NaN). Gradient zero.
template <class Scalar>
BasicTensor<Scalar> sign(const BasicTensor<Scalar>& x) {
  return detail::unary_op(
      "SignBackward0", x,
      [](Scalar v) { return std::isnan(v) ? v : Scalar((v > Scalar(0)) - (v < Scalar(0))); },
      [](Scalar, Scalar) { return Scalar(0); }, detail::LocallyConstant{});
}
/// torch.trunc(x): rounded toward zero. Gradient zero.
template <class Scalar>
BasicTensor<Scalar> trunc(const BasicTensor<Scalar>& x) {
  return detail::unary_op(
      "TruncBackward0", x, [](Scalar v) { return std::trunc(v); },
      [](Scalar, Scalar) { return Scalar(0); }, detail::LocallyConstant{});
}
/// torch.frac(x): x - trunc(x). Gradient g.
template <class Scalar>
BasicTensor<Scalar> frac(const BasicTensor<Scalar>& x) {
  return detail::unary_op(
      "FracBackward0", x, [](Scalar v) { return v - std::trunc(v); },
      [](Scalar, Scalar g) { return g; }, detail::LocallyConstant{});
}
/// torch.erf(x). Gradient 2 / sqrt(pi) exp(-x^2) g.
template <class Scalar>
BasicTensor<Scalar> erf(const BasicTensor<Scalar>& x) {
  return detail::unary_op(
      "ErfBackward0", x, [](Scalar v) { return std::erf(v); },
      [](Scalar v, Scalar g) { return g * Scalar(M_2_SQRTPI) * std::exp(-v * v); },
      [](const BasicTensor<Scalar>& g, const BasicTensor<Scalar>& v) {
        return g * (v * v * Scalar(-1)).exp() * Scalar(M_2_SQRTPI);
      });
}
/// torch.erfinv(x): the inverse of erf on [-1, 1] (NaN outside). Gradient
/// sqrt(pi) / 2 exp(erfinv(x)^2) g.
template <class Scalar>
BasicTensor<Scalar> erfinv(const BasicTensor<Scalar>& x) {
  return detail::unary_op(
      "ErfinvBackward0", x, [](Scalar v) { return detail::erfinv_scalar(v); },
      [](Scalar v, Scalar g) {
        const Scalar y = detail::erfinv_scalar(v);
        return g * Scalar(1 / M_2_SQRTPI) * std::exp(y * y);
      },
      [](const BasicTensor<Scalar>& g, const BasicTensor<Scalar>& v) {
        const auto y = erfinv(v);
        return g * (y * y).exp() * Scalar(1 / M_2_SQRTPI);
      });
}

/// torch.atan2(a, b): the angle of (b, a), broadcast. Gradients b g / (a^2 + b^2) and
/// -a g / (a^2 + b^2).
template <class Scalar>
BasicTensor<Scalar> atan2(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  return detail::binary_op(
      "atan2", "Atan2Backward0", a, b, [](Scalar x, Scalar y) { return std::atan2(x, y); },
      [](Scalar x, Scalar y, Scalar g) { return g * y / (x * x + y * y); },
      [](Scalar x, Scalar y, Scalar g) { return -g * x / (x * x + y * y); },
      [](const BasicTensor<Scalar>& g, const BasicTensor<Scalar>& x, const BasicTensor<Scalar>& y) {
        const auto gd = g / (x * x + y * y);
        return std::vector<BasicTensor<Scalar>>{gd * y, gd * x * Scalar(-1)};
      });
}

/// torch.lerp(start, end, weight): start + weight * (end - start), all broadcast; the
/// gradients flow to all three.
template <class Scalar>
BasicTensor<Scalar> lerp(const BasicTensor<Scalar>& start, const BasicTensor<Scalar>& end,
                         const BasicTensor<Scalar>& weight) {
  return start + weight * (end - start);
}
/// torch.lerp(start, end, weight) with a number weight.
template <class Scalar, detail::ScalarFor<Scalar> S>
BasicTensor<Scalar> lerp(const BasicTensor<Scalar>& start, const BasicTensor<Scalar>& end,
                         S weight) {
  return start + (end - start) * static_cast<Scalar>(weight);
}

/// torch.clamp(x, min, max) with tensor bounds (broadcast; either may be undefined for
/// none): max(min(x, max), min). Gradients go to whichever operand the result came from.
template <class Scalar>
BasicTensor<Scalar> clamp(const BasicTensor<Scalar>& x, const BasicTensor<Scalar>& min,
                          const BasicTensor<Scalar>& max) {
  if (!min.defined() && !max.defined())
    throw std::invalid_argument("clamp: at least one of min and max must be given");
  BasicTensor<Scalar> out = x;
  if (min.defined())
    out = detail::binary_op(
        "clamp", "ClampBackward1", out, min, [](Scalar v, Scalar lo) { return v < lo ? lo : v; },
        [](Scalar v, Scalar lo, Scalar g) { return v < lo ? Scalar(0) : g; },
        [](Scalar v, Scalar lo, Scalar g) { return v < lo ? g : Scalar(0); },
        detail::LocallyConstant{});
  if (max.defined())
    out = detail::binary_op(
        "clamp", "ClampBackward1", out, max, [](Scalar v, Scalar hi) { return v > hi ? hi : v; },
        [](Scalar v, Scalar hi, Scalar g) { return v > hi ? Scalar(0) : g; },
        [](Scalar v, Scalar hi, Scalar g) { return v > hi ? g : Scalar(0); },
        detail::LocallyConstant{});
  return out;
}

/// torch.isclose(a, b, rtol, atol, equal_nan): |a - b| <= atol + rtol * |b| elementwise,
/// broadcast, computed in T (as PyTorch computes it in the tensors' dtype); equal values
/// (infinities included) are close.
template <class Scalar>
BasicTensor<bool> isclose(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b,
                          double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false) {
  if (rtol < 0 || atol < 0)
    throw std::invalid_argument("isclose: rtol and atol must be non-negative, got rtol " +
                                std::to_string(rtol) + " and atol " + std::to_string(atol));
  const Shape os = detail::broadcast_shapes("isclose", a.shape(), b.shape());
  auto out = BasicTensor<bool>::empty(os);
  const Scalar* ap = a.data();
  const Scalar* bp = b.data();
  detail::for_each_broadcast<2>(
      os, {&a.shape(), &b.shape()}, [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
        out.data()[i] = detail::close_in_dtype(ap[o[0]], bp[o[1]], rtol, atol, equal_nan);
      });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::sign() const {
  return torchlet::sign(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::trunc() const {
  return torchlet::trunc(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::frac() const {
  return torchlet::frac(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::erf() const {
  return torchlet::erf(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::erfinv() const {
  return torchlet::erfinv(*this);
}
template <class Scalar>
BasicTensor<bool> BasicTensor<Scalar>::isnan() const {
  return torchlet::isnan(*this);
}
template <class Scalar>
BasicTensor<bool> BasicTensor<Scalar>::isinf() const {
  return torchlet::isinf(*this);
}
template <class Scalar>
BasicTensor<bool> BasicTensor<Scalar>::isfinite() const {
  return torchlet::isfinite(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::nan_to_num(Scalar nan, std::optional<Scalar> posinf,
                                                    std::optional<Scalar> neginf) const {
  return torchlet::nan_to_num(*this, nan, posinf, neginf);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::atan2(const BasicTensor& o) const {
  return torchlet::atan2(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::lerp(const BasicTensor& end,
                                              const BasicTensor& weight) const {
  return torchlet::lerp(*this, end, weight);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::lerp(const BasicTensor& end, Scalar weight) const {
  return torchlet::lerp(*this, end, weight);
}
template <class Scalar>
BasicTensor<bool> BasicTensor<Scalar>::isclose(const BasicTensor& o, double rtol, double atol,
                                               bool equal_nan) const {
  return torchlet::isclose(*this, o, rtol, atol, equal_nan);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_MATH_EXTRA
#include "torchlet/tensor/members.hpp"
#endif
