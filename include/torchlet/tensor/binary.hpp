#pragma once
// Binary arithmetic with NumPy/PyTorch broadcasting: add, sub, mul, div and their
// operators, scalar operands on either side, and the fused addcmul; each op's backward
// beside it. Shapes: a [*A], b [*B] -> broadcast([*A], [*B]). In-place forms: inplace.hpp;
// comparisons, where and allclose: comparison.hpp.
//
// A temporary operand (an rvalue nobody else holds, outside autograd) lends its memory
// to the result, so relu(a * b + c) allocates one buffer, not three.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_BINARY
#endif

#include "torchlet/tensor/broadcast.hpp"
#include "torchlet/tensor/detail/arithmetic.hpp"

namespace torchlet {

// ---- binary ops ---------------------------------------------------------------

template <class Scalar>
BasicTensor<Scalar> add(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  auto out = detail::broadcast_apply("add", a, b, detail::plus);
  if (detail::needs_graph<Scalar>({&a, &b})) detail::record_add(out, "AddBackward0", a, b, false);
  return out;
}
template <class Scalar>
BasicTensor<Scalar> sub(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  auto out = detail::broadcast_apply("sub", a, b, detail::minus);
  if (detail::needs_graph<Scalar>({&a, &b})) detail::record_add(out, "SubBackward0", a, b, true);
  return out;
}
template <class Scalar>
BasicTensor<Scalar> mul(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  auto out = detail::broadcast_apply("mul", a, b, detail::times);
  if (detail::needs_graph<Scalar>({&a, &b})) detail::record_mul(out, a, b);
  return out;
}
/// torch.div(a, b) (a / b): true division. Integer and bool tensors divide in float32
/// (PyTorch's default dtype: LongTensor / LongTensor is a Tensor); for the integer
/// quotient write div(a, b, "floor") or floor_divide (division.hpp).
template <class Scalar>
BasicTensor<detail::true_div_t<Scalar>> div(const BasicTensor<Scalar>& a,
                                            const BasicTensor<Scalar>& b) {
  if constexpr (!detail::is_floating_v<Scalar>) {
    return div(a.template to<float>(), b.template to<float>());
  } else {
    auto out = detail::broadcast_apply("div", a, b, detail::divides);
    if (detail::needs_graph<Scalar>({&a, &b})) detail::record_div(out, a, b);
    return out;
  }
}

// Operators; an rvalue operand may lend its memory to the result.
#define TORCHLET_BINARY_OPERATOR(sym, fn, f, is_div)                                               \
  template <class Scalar>                                                                          \
  BasicTensor<detail::arith_result_t<Scalar, (is_div)>> operator sym(                              \
      const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {                                \
    return fn(a, b);                                                                               \
  }                                                                                                \
  template <class Scalar>                                                                          \
  requires std::is_same_v<detail::arith_result_t<Scalar, (is_div)>, Scalar> BasicTensor<Scalar>    \
  operator sym(BasicTensor<Scalar>&& a, const BasicTensor<Scalar>& b) {                            \
    BasicTensor<Scalar> out;                                                                       \
    if (detail::try_reuse(#fn, out, a, b, f, true)) return out;                                    \
    return fn(static_cast<const BasicTensor<Scalar>&>(a), b);                                      \
  }                                                                                                \
  template <class Scalar>                                                                          \
  requires std::is_same_v<detail::arith_result_t<Scalar, (is_div)>, Scalar> BasicTensor<Scalar>    \
  operator sym(const BasicTensor<Scalar>& a, BasicTensor<Scalar>&& b) {                            \
    BasicTensor<Scalar> out;                                                                       \
    if (detail::try_reuse(#fn, out, a, b, f, false)) return out;                                   \
    return fn(a, static_cast<const BasicTensor<Scalar>&>(b));                                      \
  }                                                                                                \
  template <class Scalar>                                                                          \
  requires std::is_same_v<detail::arith_result_t<Scalar, (is_div)>, Scalar> BasicTensor<Scalar>    \
  operator sym(BasicTensor<Scalar>&& a, BasicTensor<Scalar>&& b) {                                 \
    BasicTensor<Scalar> out;                                                                       \
    if (detail::try_reuse(#fn, out, a, b, f, true) || detail::try_reuse(#fn, out, a, b, f, false)) \
      return out;                                                                                  \
    return fn(static_cast<const BasicTensor<Scalar>&>(a),                                          \
              static_cast<const BasicTensor<Scalar>&>(b));                                         \
  }
TORCHLET_BINARY_OPERATOR(+, add, detail::plus, false)
TORCHLET_BINARY_OPERATOR(-, sub, detail::minus, false)
TORCHLET_BINARY_OPERATOR(*, mul, detail::times, false)
TORCHLET_BINARY_OPERATOR(/, div, detail::divides, true)
#undef TORCHLET_BINARY_OPERATOR

// ---- scalar operands (no 0-dim tensor is built) ---------------------------------
namespace detail {

/// out = f(x) for a tensor and a scalar, reusing x's memory when it is a temporary.
template <class Scalar, class F>
BasicTensor<Scalar> scalar_map(const BasicTensor<Scalar>& x, bool x_is_temporary, F f) {
  if (x_is_temporary && is_reusable(x)) {
    Scalar* p = x.data();
    parallel_elementwise(x.numel(), [&](std::int64_t i0, std::int64_t i1) {
      auto m = amap(p + i0, i1 - i0);
      m = f(m);
    });
    return x;
  }
  return unary_apply(x, f);
}

/// Records out = x * s + c (for any c): dx = g * s.
template <class Scalar>
void record_affine(const BasicTensor<Scalar>& out, const char* name, const BasicTensor<Scalar>& x,
                   Scalar s) {
  record(out, name, {&x}, [s](const BasicTensor<Scalar>& g) {
    if (s == Scalar(1)) return std::vector<BasicTensor<Scalar>>{g};
    if (is_grad_enabled()) [[unlikely]]  // create_graph
      return std::vector<BasicTensor<Scalar>>{g * s};
    return std::vector<BasicTensor<Scalar>>{grad_map(g, [s](const auto& v) { return v * s; })};
  });
  mark_differentiable_backward(out);
}

template <class Scalar>
BasicTensor<Scalar> add_scalar(const BasicTensor<Scalar>& x, Scalar s, bool tmp) {
  auto out = scalar_map(x, tmp, [s](const auto& v) { return v + s; });
  if (needs_graph<Scalar>({&x})) record_affine(out, "AddBackward0", x, Scalar(1));
  return out;
}
template <class Scalar>
BasicTensor<Scalar> rsub_scalar(Scalar s, const BasicTensor<Scalar>& x, bool tmp) {  // s - x
  auto out = scalar_map(x, tmp, [s](const auto& v) { return s - v; });
  if (needs_graph<Scalar>({&x})) record_affine(out, "RsubBackward1", x, Scalar(-1));
  return out;
}
template <class Scalar>
BasicTensor<Scalar> mul_scalar(const BasicTensor<Scalar>& x, Scalar s, bool tmp) {
  auto out = scalar_map(x, tmp, [s](const auto& v) { return v * s; });
  if (needs_graph<Scalar>({&x})) record_affine(out, "MulBackward0", x, s);
  return out;
}
template <class Scalar>
BasicTensor<Scalar> div_scalar(const BasicTensor<Scalar>& x, Scalar s, bool tmp) {
  auto out = scalar_map(x, tmp, [s](const auto& v) { return v / s; });
  if (needs_graph<Scalar>({&x}))
    record(out, "DivBackward0", {&x}, [s](const BasicTensor<Scalar>& g) {
      if (is_grad_enabled()) [[unlikely]]  // create_graph
        return std::vector<BasicTensor<Scalar>>{g / s};
      return std::vector<BasicTensor<Scalar>>{grad_map(g, [s](const auto& v) { return v / s; })};
    });
  if (needs_graph<Scalar>({&x})) mark_differentiable_backward(out);
  return out;
}
template <class Scalar>
BasicTensor<Scalar> rdiv_scalar(Scalar s,
                                const BasicTensor<Scalar>& x) {  // s / x: dx = -g * s / x^2
  auto out = unary_apply(x, [s](const auto& v) { return s / v; });
  if (needs_graph<Scalar>({&x}))
    record(out, "MulBackward0", {&x},
           [s, sx = SavedTensor<Scalar>(x)](const BasicTensor<Scalar>& g) {
             if (is_grad_enabled()) [[unlikely]] {  // create_graph
               const auto xv = sx.variable("MulBackward0", g.shape());
               return std::vector<BasicTensor<Scalar>>{-(g * s) / (xv * xv)};
             }
             const auto X = camap(sx.data("MulBackward0"), g.numel());
             return std::vector<BasicTensor<Scalar>>{
                 grad_map(g, [&](const auto& v) { return -v * s / (X * X); })};
           });
  if (needs_graph<Scalar>({&x})) mark_differentiable_backward(out);
  return out;
}

}  // namespace detail

template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator+(const BasicTensor<Scalar>& a, S s) {
  return detail::add_scalar(a, static_cast<Scalar>(s), false);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator+(BasicTensor<Scalar>&& a, S s) {
  return detail::add_scalar(a, static_cast<Scalar>(s), true);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator+(S s, const BasicTensor<Scalar>& a) {
  return detail::add_scalar(a, static_cast<Scalar>(s), false);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator+(S s, BasicTensor<Scalar>&& a) {
  return detail::add_scalar(a, static_cast<Scalar>(s), true);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator-(const BasicTensor<Scalar>& a, S s) {
  auto out =
      detail::scalar_map(a, false, [v = static_cast<Scalar>(s)](const auto& x) { return x - v; });
  if (detail::needs_graph<Scalar>({&a})) detail::record_affine(out, "SubBackward0", a, Scalar(1));
  return out;
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator-(BasicTensor<Scalar>&& a, S s) {
  auto out =
      detail::scalar_map(a, true, [v = static_cast<Scalar>(s)](const auto& x) { return x - v; });
  if (detail::needs_graph<Scalar>({&a})) detail::record_affine(out, "SubBackward0", a, Scalar(1));
  return out;
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator-(S s, const BasicTensor<Scalar>& a) {
  return detail::rsub_scalar(static_cast<Scalar>(s), a, false);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator-(S s, BasicTensor<Scalar>&& a) {
  return detail::rsub_scalar(static_cast<Scalar>(s), a, true);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator*(const BasicTensor<Scalar>& a, S s) {
  return detail::mul_scalar(a, static_cast<Scalar>(s), false);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator*(BasicTensor<Scalar>&& a, S s) {
  return detail::mul_scalar(a, static_cast<Scalar>(s), true);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator*(S s, const BasicTensor<Scalar>& a) {
  return detail::mul_scalar(a, static_cast<Scalar>(s), false);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
BasicTensor<Scalar> operator*(S s, BasicTensor<Scalar>&& a) {
  return detail::mul_scalar(a, static_cast<Scalar>(s), true);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
requires detail::is_floating_v<Scalar> BasicTensor<Scalar>
operator/(const BasicTensor<Scalar>& a, S s) {
  return detail::div_scalar(a, static_cast<Scalar>(s), false);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
requires detail::is_floating_v<Scalar> BasicTensor<Scalar>
operator/(BasicTensor<Scalar>&& a, S s) {
  return detail::div_scalar(a, static_cast<Scalar>(s), true);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
requires detail::is_floating_v<Scalar> BasicTensor<Scalar>
operator/(S s, const BasicTensor<Scalar>& a) {
  return detail::rdiv_scalar(static_cast<Scalar>(s), a);
}
/// An integer or bool tensor divided by (or dividing) any number: true division in float32,
/// as PyTorch (LongTensor / 2 is a Tensor; div(a, 2, "floor") keeps int64).
template <class Scalar, detail::Arithmetic S>
requires(!detail::is_floating_v<Scalar>) BasicTensor<float>
operator/(const BasicTensor<Scalar>& a, S s) {
  return detail::div_scalar(a.template to<float>(), static_cast<float>(s), true);
}
template <class Scalar, detail::Arithmetic S>
requires(!detail::is_floating_v<Scalar>) BasicTensor<float>
operator/(S s, const BasicTensor<Scalar>& a) {
  return detail::rdiv_scalar(static_cast<float>(s), a.template to<float>());
}

// ---- mixed types: PyTorch's type promotion (torch.result_type) --------------------
// Tensors of two types (LongTensor + Tensor -> Tensor, Tensor + DoubleTensor -> DoubleTensor)
// and a scalar of a higher category than the tensor (LongTensor * 0.5 -> Tensor) compute in
// the promoted type; the conversion to a floating type keeps the gradient (ToCopyBackward0).
#define TORCHLET_PROMOTING_OPERATOR(sym, fn, is_div)                                              \
  template <class A, class B>                                                                     \
  requires(!std::is_same_v<A, B>) BasicTensor < detail::arith_result_t < detail::promote_t<A, B>, \
      (is_div)                                                                                    \
  >> fn(const BasicTensor<A>& a, const BasicTensor<B>& b) {                                       \
    using R = detail::promote_t<A, B>;                                                            \
    return fn(a.template to<R>(), b.template to<R>());                                            \
  }                                                                                               \
  template <class A, class B>                                                                     \
  requires(!std::is_same_v<A, B>) BasicTensor < detail::arith_result_t < detail::promote_t<A, B>, \
      (is_div)                                                                                    \
  >> operator sym(const BasicTensor<A>& a, const BasicTensor<B>& b) { return fn(a, b); }
#define TORCHLET_PROMOTING_SCALAR_OPERATOR(sym)                                                \
  template <class Scalar, detail::PromotingScalar<Scalar> S>                                   \
  BasicTensor<detail::scalar_result_t<Scalar, S>> operator sym(const BasicTensor<Scalar>& a,   \
                                                               S s) {                          \
    using R = detail::scalar_result_t<Scalar, S>;                                              \
    return operator sym(a.template to<R>(), static_cast<R>(s));                                \
  }                                                                                            \
  template <class Scalar, detail::PromotingScalar<Scalar> S>                                   \
  BasicTensor<detail::scalar_result_t<Scalar, S>> operator sym(S s,                            \
                                                               const BasicTensor<Scalar>& a) { \
    using R = detail::scalar_result_t<Scalar, S>;                                              \
    return operator sym(static_cast<R>(s), a.template to<R>());                                \
  }
TORCHLET_PROMOTING_OPERATOR(+, add, false)
TORCHLET_PROMOTING_OPERATOR(-, sub, false)
TORCHLET_PROMOTING_OPERATOR(*, mul, false)
TORCHLET_PROMOTING_OPERATOR(/, div, true)
TORCHLET_PROMOTING_SCALAR_OPERATOR(+)
TORCHLET_PROMOTING_SCALAR_OPERATOR(-)
TORCHLET_PROMOTING_SCALAR_OPERATOR(*)
#undef TORCHLET_PROMOTING_SCALAR_OPERATOR
#undef TORCHLET_PROMOTING_OPERATOR

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::add(const BasicTensor& o) const {
  return torchlet::add(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::sub(const BasicTensor& o) const {
  return torchlet::sub(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::mul(const BasicTensor& o) const {
  return torchlet::mul(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::div(const BasicTensor& o) const {
  static_assert(detail::is_floating_v<Scalar>,
                "x.div(y) on an integer or bool tensor: true division gives a float32 tensor "
                "(PyTorch), which this method's type cannot hold; write torchlet::div(x, y) or "
                "x / y for the float32 quotient, or div(x, y, \"floor\") / floor_divide for the "
                "integer one");
  return torchlet::div(*this, o);
}

// ---- fused ------------------------------------------------------------------------

/// input + value * tensor1 * tensor2 (torch.addcmul), all three broadcasting. One pass
/// over memory when the shapes agree, where the composed form takes two.
/// Gradients: d input = sum_to(g), d tensor1 = sum_to(g * value * tensor2), and alike.
template <class Scalar>
BasicTensor<Scalar> addcmul(const BasicTensor<Scalar>& input, const BasicTensor<Scalar>& tensor1,
                            const BasicTensor<Scalar>& tensor2, Scalar value = Scalar(1)) {
  BasicTensor<Scalar> out;
  if (input.shape() == tensor1.shape() && input.shape() == tensor2.shape()) {
    out = BasicTensor<Scalar>::empty(input.shape());
    const auto n = out.numel();
    if (value == Scalar(1))
      detail::amap(out.data(), n) =
          detail::camap(input.data(), n) +
          detail::camap(tensor1.data(), n) * detail::camap(tensor2.data(), n);
    else
      detail::amap(out.data(), n) =
          detail::camap(input.data(), n) +
          value * detail::camap(tensor1.data(), n) * detail::camap(tensor2.data(), n);
  } else {
    NoGradGuard no_grad;
    auto prod = detail::broadcast_apply("addcmul", tensor1, tensor2, detail::times);
    out = detail::broadcast_apply("addcmul", input, prod,
                                  [value](const auto& x, const auto& y) { return x + value * y; });
  }
  if (detail::needs_graph<Scalar>({&input, &tensor1, &tensor2}))
    detail::record(
        out, "AddcmulBackward0", {&input, &tensor1, &tensor2},
        [gi = input.requires_grad(), is = input.shape(), value,
         s1 = tensor2.requires_grad() ? detail::SavedTensor<Scalar>(tensor1)
                                      : detail::SavedTensor<Scalar>(),
         s2 = tensor1.requires_grad() ? detail::SavedTensor<Scalar>(tensor2)
                                      : detail::SavedTensor<Scalar>(),
         sh1 = tensor1.shape(), sh2 = tensor2.shape()](const BasicTensor<Scalar>& g) {
          const auto scaled = [value](const auto& x, const auto& y) { return x * y * value; };
          BasicTensor<Scalar> d0, d1, d2;
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            if (gi) d0 = detail::sum_to_recorded(g, is);
            if (s2.defined())
              d1 = detail::sum_to_recorded(g * s2.variable("AddcmulBackward0", sh2) * value, sh1);
            if (s1.defined())
              d2 = detail::sum_to_recorded(g * s1.variable("AddcmulBackward0", sh1) * value, sh2);
            return std::vector<BasicTensor<Scalar>>{d0, d1, d2};
          }
          if (gi) d0 = detail::sum_to(g, is);
          if (s2.defined())
            d1 = detail::sum_to(
                detail::broadcast_apply("addcmul", g, s2.tensor("AddcmulBackward0", sh2), scaled),
                sh1);
          if (s1.defined())
            d2 = detail::sum_to(
                detail::broadcast_apply("addcmul", g, s1.tensor("AddcmulBackward0", sh1), scaled),
                sh2);
          return std::vector<BasicTensor<Scalar>>{d0, d1, d2};
        });
  detail::mark_differentiable_backward(out);
  return out;
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::addcmul(const BasicTensor& t1, const BasicTensor& t2,
                                                 Scalar value) const {
  return torchlet::addcmul(*this, t1, t2, value);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_BINARY
#include "torchlet/tensor/members.hpp"
#endif
