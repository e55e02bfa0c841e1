#pragma once
// Comparisons (eq, ne, lt, le, gt, ge and their operators -> BoolTensor, no gradient),
// where(condition, a, b) and allclose, all broadcasting.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_COMPARISON
#endif

#include "torchlet/tensor/binary.hpp"

namespace torchlet {

// ---- comparisons (no gradient) -> BoolTensor -----------------------------------
#define TORCHLET_COMPARISON(name, sym)                                                           \
  template <class Scalar>                                                                        \
  BasicTensor<bool> name(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {           \
    return detail::broadcast_apply<Scalar, bool>(#name, a, b, [](const auto& x, const auto& y) { \
      if constexpr (std::is_arithmetic_v<std::decay_t<decltype(x)>> &&                           \
                    std::is_arithmetic_v<std::decay_t<decltype(y)>>)                             \
        return x sym y;                                                                          \
      else                                                                                       \
        return (x sym y).template cast<bool>();                                                  \
    });                                                                                          \
  }                                                                                              \
  template <class Scalar>                                                                        \
  BasicTensor<bool> operator sym(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {   \
    return name(a, b);                                                                           \
  }                                                                                              \
  template <class Scalar, detail::SameKindScalar<Scalar> S>                                      \
  BasicTensor<bool> operator sym(const BasicTensor<Scalar>& a, S s) {                            \
    return name(a, scalar_tensor<Scalar>(static_cast<Scalar>(s)));                               \
  }                                                                                              \
  template <class Scalar, detail::SameKindScalar<Scalar> S>                                      \
  BasicTensor<bool> operator sym(S s, const BasicTensor<Scalar>& a) {                            \
    return name(scalar_tensor<Scalar>(static_cast<Scalar>(s)), a);                               \
  }                                                                                              \
  /* Mixed types compare in PyTorch's promoted type: LongTensor < 1.5 compares as float. */      \
  template <class A, class B>                                                                    \
  requires(!std::is_same_v<A, B>) BasicTensor<bool> name(const BasicTensor<A>& a,                \
                                                         const BasicTensor<B>& b) {              \
    using R = detail::promote_t<A, B>;                                                           \
    return name(a.template to<R>(), b.template to<R>());                                         \
  }                                                                                              \
  template <class A, class B>                                                                    \
  requires(!std::is_same_v<A, B>) BasicTensor<bool>                                              \
  operator sym(const BasicTensor<A>& a, const BasicTensor<B>& b) { return name(a, b); }          \
  template <class Scalar, detail::PromotingScalar<Scalar> S>                                     \
  BasicTensor<bool> operator sym(const BasicTensor<Scalar>& a, S s) {                            \
    using R = detail::scalar_result_t<Scalar, S>;                                                \
    return name(a.template to<R>(), scalar_tensor<R>(static_cast<R>(s)));                        \
  }                                                                                              \
  template <class Scalar, detail::PromotingScalar<Scalar> S>                                     \
  BasicTensor<bool> operator sym(S s, const BasicTensor<Scalar>& a) {                            \
    using R = detail::scalar_result_t<Scalar, S>;                                                \
    return name(scalar_tensor<R>(static_cast<R>(s)), a.template to<R>());                        \
  }
TORCHLET_COMPARISON(eq, ==)
TORCHLET_COMPARISON(ne, !=)
TORCHLET_COMPARISON(lt, <)
TORCHLET_COMPARISON(le, <=)
TORCHLET_COMPARISON(gt, >)
TORCHLET_COMPARISON(ge, >=)
#undef TORCHLET_COMPARISON

// ---- where --------------------------------------------------------------------

/// torch.where(condition, a, b): a where condition holds, else b; all three broadcast.
/// Gradients: da = sum_to(where(c, g, 0)), db = sum_to(where(c, 0, g)).
template <class Scalar>
BasicTensor<Scalar> where(const BasicTensor<bool>& condition, const BasicTensor<Scalar>& a,
                          const BasicTensor<Scalar>& b) {
  Shape os;
  try {
    os = detail::broadcast_shapes(
        "where", detail::broadcast_shapes("where", condition.shape(), a.shape()), b.shape());
  } catch (const ShapeError&) {
    throw ShapeError("where: condition " + to_string(condition.shape()) + ", input " +
                     to_string(a.shape()) + " and other " + to_string(b.shape()) +
                     " cannot be broadcast to one shape");
  }
  auto out = BasicTensor<Scalar>::empty(os);
  const bool* cp = condition.data();
  const Scalar* ap = a.data();
  const Scalar* bp = b.data();
  Scalar* op = out.data();
  if (condition.shape() == os && a.shape() == os && b.shape() == os) {
    for (std::int64_t i = 0; i < out.numel(); ++i) op[i] = cp[i] ? ap[i] : bp[i];
  } else {
    detail::for_each_broadcast<3>(os, {&condition.shape(), &a.shape(), &b.shape()},
                                  [&](std::int64_t i, const std::array<std::int64_t, 3>& o) {
                                    op[i] = cp[o[0]] ? ap[o[1]] : bp[o[2]];
                                  });
  }
  if (detail::needs_graph<Scalar>({&a, &b}))
    detail::record(
        out, "WhereBackward0", {&a, &b},
        [ga = a.requires_grad(), gb = b.requires_grad(), sc = detail::SavedTensor<bool>(condition),
         cs = condition.shape(), as = a.shape(), bs = b.shape()](const BasicTensor<Scalar>& g) {
          const auto c = sc.tensor("WhereBackward0", cs);
          const auto zero = scalar_tensor<Scalar>(Scalar(0));
          BasicTensor<Scalar> da, db;
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded where and sums
            if (ga) da = detail::sum_to_recorded(where(c, g, zero), as);
            if (gb) db = detail::sum_to_recorded(where(c, zero, g), bs);
            return std::vector<BasicTensor<Scalar>>{da, db};
          }
          if (ga) da = detail::sum_to(where(c, g, zero), as);
          if (gb) db = detail::sum_to(where(c, zero, g), bs);
          return std::vector<BasicTensor<Scalar>>{da, db};
        });
  if constexpr (detail::is_floating_v<Scalar>) detail::mark_differentiable_backward(out);
  return out;
}
/// torch.where(condition, a, s) with a number: the result type of a with s (PyTorch's
/// promotion: a LongTensor with 0.5 gives float32, with 2 int64; a BoolTensor with 2 int64).
template <class Scalar, detail::ScalarFor<Scalar> S>
BasicTensor<detail::scalar_result_t<Scalar, S>> where(const BasicTensor<bool>& condition,
                                                      const BasicTensor<Scalar>& a, S b) {
  using R = detail::scalar_result_t<Scalar, S>;
  return where(condition, a.template to<R>(), scalar_tensor<R>(static_cast<R>(b)));
}
/// torch.where(condition, s, b) with a number: the result type of b with s.
template <class Scalar, detail::ScalarFor<Scalar> S>
BasicTensor<detail::scalar_result_t<Scalar, S>> where(const BasicTensor<bool>& condition, S a,
                                                      const BasicTensor<Scalar>& b) {
  using R = detail::scalar_result_t<Scalar, S>;
  return where(condition, scalar_tensor<R>(static_cast<R>(a)), b.template to<R>());
}

namespace detail {
/// |x - y| <= atol + rtol * |y| computed in T (PyTorch's isclose), equal values (equal
/// infinities too) close, NaN close to NaN only with equal_nan.
template <class Scalar>
bool close_in_dtype(Scalar x, Scalar y, double rtol, double atol, bool equal_nan) {
  if (x == y) return true;
  if constexpr (std::is_floating_point_v<Scalar>) {
    if (std::isnan(x) || std::isnan(y)) return equal_nan && std::isnan(x) && std::isnan(y);
    if (std::isinf(x) || std::isinf(y)) return false;
  }
  const Scalar d = x > y ? Scalar(x - y) : Scalar(y - x);
  const Scalar ay = y < Scalar(0) ? Scalar(-y) : y;
  return d <= Scalar(static_cast<Scalar>(atol) + static_cast<Scalar>(rtol) * ay);
}
}  // namespace detail

/// True if all |a - b| <= atol + rtol * |b| (torch.allclose), computed in T as PyTorch does
/// (so allclose of float 0.1 and 0 with rtol 1.1, atol 0.1 is true); shapes must broadcast.
/// NaNs compare unequal unless equal_nan.
template <class Scalar>
bool allclose(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b, double rtol = 1e-5,
              double atol = 1e-8, bool equal_nan = false) {
  const Shape os = detail::broadcast_shapes("allclose", a.shape(), b.shape());
  const Scalar* ap = a.data();
  const Scalar* bp = b.data();
  bool ok = true;
  detail::for_each_broadcast<2>(
      os, {&a.shape(), &b.shape()}, [&](std::int64_t, const std::array<std::int64_t, 2>& o) {
        ok = ok && detail::close_in_dtype(ap[o[0]], bp[o[1]], rtol, atol, equal_nan);
      });
  return ok;
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::where(const BasicTensor<bool>& condition,
                                               const BasicTensor& other) const {
  return torchlet::where(condition, *this, other);
}
template <class Scalar>
bool BasicTensor<Scalar>::allclose(const BasicTensor& o, double rtol, double atol,
                                   bool equal_nan) const {
  return torchlet::allclose(*this, o, rtol, atol, equal_nan);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_COMPARISON
#include "torchlet/tensor/members.hpp"
#endif
