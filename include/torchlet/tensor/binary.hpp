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

namespace torchlet {
namespace detail {

/// The result type of true division (torch.div without a rounding_mode): a floating type
/// divides in itself, an integer or bool type in float32 (PyTorch's default dtype).
template <class T>
using true_div_t = std::conditional_t<std::is_floating_point_v<T>, T, float>;
/// The result type of a binary arithmetic op on two T tensors: T, or true_div_t<T> for the
/// division (Div).
template <class T, bool Div>
using arith_result_t = std::conditional_t<Div, true_div_t<T>, T>;

inline constexpr auto plus = [](const auto& x, const auto& y) { return x + y; };
inline constexpr auto minus = [](const auto& x, const auto& y) { return x - y; };
inline constexpr auto times = [](const auto& x, const auto& y) { return x * y; };
inline constexpr auto divides = [](const auto& x, const auto& y) { return x / y; };

template <class T>
BasicTensor<T> negated(const BasicTensor<T>& g) {
  return grad_map(g, [](const auto& v) { return -v; });
}

/// sum_to(g, shape) made of recorded ops (a backward under create_graph); an empty shape
/// stands for g's own.
template <class T>
BasicTensor<T> sum_to_recorded(BasicTensor<T> g, const Shape& shape) {
  while (g.dim() > static_cast<std::int64_t>(shape.size())) g = g.sum(0);
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == 1 && g.shape()[d] != 1) g = g.sum(static_cast<std::int64_t>(d), true);
  return g;
}

/// Records a + b (sign = 1) or a - b (sign = -1): da = sum_to(g), db = sign * sum_to(g).
template <class T>
void record_add(const BasicTensor<T>& out, const char* name, const BasicTensor<T>& a,
                const BasicTensor<T>& b, bool subtract) {
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  const bool bcast = a.shape() != out.shape() || b.shape() != out.shape();
  record(out, name, {&a, &b},
         [ga, gb, subtract, as = bcast ? a.shape() : Shape{}, bs = bcast ? b.shape() : Shape{},
          bcast](const BasicTensor<T>& g) {
           BasicTensor<T> da, db;
           if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
             if (ga) da = bcast ? sum_to_recorded(g, as) : g;
             if (gb) db = bcast ? sum_to_recorded(g, bs) : g;
             if (gb && subtract) db = -db;
             return std::vector<BasicTensor<T>>{da, db};
           }
           if (ga) da = bcast ? sum_to(g, as) : g;
           if (gb) {
             db = bcast ? sum_to(g, bs) : g;
             if (subtract) db = negated(db);
           }
           return std::vector<BasicTensor<T>>{da, db};
         });
  mark_differentiable_backward(out);
}

/// Records a * b: da = sum_to(g * b), db = sum_to(g * a).
template <class T>
void record_mul(const BasicTensor<T>& out, const BasicTensor<T>& a, const BasicTensor<T>& b) {
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  const bool bcast = a.shape() != out.shape() || b.shape() != out.shape();
  record(out, "MulBackward0", {&a, &b},
         [sa = gb ? SavedTensor<T>(a) : SavedTensor<T>(),
          sb = ga ? SavedTensor<T>(b) : SavedTensor<T>(), as = bcast ? a.shape() : Shape{},
          bs = bcast ? b.shape() : Shape{}, bcast](const BasicTensor<T>& g) {
           BasicTensor<T> da, db;
           if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
             const auto& sha = bcast ? as : g.shape();
             const auto& shb = bcast ? bs : g.shape();
             if (sb.defined()) da = sum_to_recorded(g * sb.variable("MulBackward0", shb), sha);
             if (sa.defined()) db = sum_to_recorded(g * sa.variable("MulBackward0", sha), shb);
             return std::vector<BasicTensor<T>>{da, db};
           }
           if (!bcast) {
             if (sb.defined()) da = grad_map_with(g, sb.data("MulBackward0"), times);
             if (sa.defined()) db = grad_map_with(g, sa.data("MulBackward0"), times);
           } else {
             if (sb.defined())
               da = sum_to(broadcast_apply("mul", g, sb.tensor("MulBackward0", bs), times), as);
             if (sa.defined())
               db = sum_to(broadcast_apply("mul", g, sa.tensor("MulBackward0", as), times), bs);
           }
           return std::vector<BasicTensor<T>>{da, db};
         });
  mark_differentiable_backward(out);
}

/// Records a / b: da = sum_to(g / b), db = sum_to(-g * a / b^2).
template <class T>
void record_div(const BasicTensor<T>& out, const BasicTensor<T>& a, const BasicTensor<T>& b) {
  const bool gb = b.requires_grad();
  const bool bcast = a.shape() != out.shape() || b.shape() != out.shape();
  record(out, "DivBackward0", {&a, &b},
         [ga = a.requires_grad(), sa = gb ? SavedTensor<T>(a) : SavedTensor<T>(),
          sb = SavedTensor<T>(b), as = bcast ? a.shape() : Shape{},
          bs = bcast ? b.shape() : Shape{}, bcast](const BasicTensor<T>& g) {
           BasicTensor<T> da, db;
           if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
             const auto& sha = bcast ? as : g.shape();
             const auto& shb = bcast ? bs : g.shape();
             const auto bv = sb.variable("DivBackward0", shb);
             if (ga) da = sum_to_recorded(g / bv, sha);
             if (sa.defined())
               db = sum_to_recorded(-(g * sa.variable("DivBackward0", sha)) / (bv * bv), shb);
             return std::vector<BasicTensor<T>>{da, db};
           }
           if (!bcast) {
             const auto n = g.numel();
             const auto B = camap(sb.data("DivBackward0"), n);
             if (ga) da = grad_map(g, [&](const auto& gv) { return gv / B; });
             if (sa.defined()) {
               const auto A = camap(sa.data("DivBackward0"), n);
               db = grad_map(g, [&](const auto& gv) { return -gv * A / (B * B); });
             }
           } else {
             const auto bt = sb.tensor("DivBackward0", bs);
             if (ga) da = sum_to(broadcast_apply("div", g, bt, divides), as);
             if (sa.defined()) {
               auto q = broadcast_apply("div", sa.tensor("DivBackward0", as), bt, divides);
               q = broadcast_apply("div", q, bt, divides);
               db = sum_to(broadcast_apply("mul", g, q,
                                           [](const auto& x, const auto& y) { return -(x * y); }),
                           bs);
             }
           }
           return std::vector<BasicTensor<T>>{da, db};
         });
  mark_differentiable_backward(out);
}

/// Computes f(a, b) into the memory of a (a_lends) or b when that operand is a reusable
/// temporary with the result's shape; returns false (nothing done) otherwise.
template <class T, class F>
bool try_reuse(const char* op, BasicTensor<T>& dst, const BasicTensor<T>& a,
               const BasicTensor<T>& b, F f, bool a_lends) {
  const BasicTensor<T>& lender = a_lends ? a : b;
  if (!is_reusable(lender) || needs_graph<T>({&a, &b})) return false;
  const Shape& other = a_lends ? b.shape() : a.shape();
  if (other != lender.shape() && broadcast_shapes(op, a.shape(), b.shape()) != lender.shape())
    return false;
  broadcast_into(a, b, lender.shape(), lender.data(), f);
  dst = lender;
  return true;
}

}  // namespace detail

// ---- binary ops ---------------------------------------------------------------

template <class T>
BasicTensor<T> add(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  auto out = detail::broadcast_apply("add", a, b, detail::plus);
  if (detail::needs_graph<T>({&a, &b})) detail::record_add(out, "AddBackward0", a, b, false);
  return out;
}
template <class T>
BasicTensor<T> sub(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  auto out = detail::broadcast_apply("sub", a, b, detail::minus);
  if (detail::needs_graph<T>({&a, &b})) detail::record_add(out, "SubBackward0", a, b, true);
  return out;
}
template <class T>
BasicTensor<T> mul(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  auto out = detail::broadcast_apply("mul", a, b, detail::times);
  if (detail::needs_graph<T>({&a, &b})) detail::record_mul(out, a, b);
  return out;
}
/// torch.div(a, b) (a / b): true division. Integer and bool tensors divide in float32
/// (PyTorch's default dtype: LongTensor / LongTensor is a Tensor); for the integer
/// quotient write div(a, b, "floor") or floor_divide (math_extra.hpp).
template <class T>
BasicTensor<detail::true_div_t<T>> div(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  if constexpr (!detail::is_floating_v<T>) {
    return div(a.template to<float>(), b.template to<float>());
  } else {
    auto out = detail::broadcast_apply("div", a, b, detail::divides);
    if (detail::needs_graph<T>({&a, &b})) detail::record_div(out, a, b);
    return out;
  }
}

// Operators; an rvalue operand may lend its memory to the result.
#define TORCHLET_BINARY_OPERATOR(sym, fn, f, is_div)                                               \
  template <class T>                                                                               \
  BasicTensor<detail::arith_result_t<T, (is_div)>> operator sym(const BasicTensor<T>& a,           \
                                                                const BasicTensor<T>& b) {         \
    return fn(a, b);                                                                               \
  }                                                                                                \
  template <class T>                                                                               \
  requires std::is_same_v<detail::arith_result_t<T, (is_div)>, T> BasicTensor<T>                   \
  operator sym(BasicTensor<T>&& a, const BasicTensor<T>& b) {                                      \
    BasicTensor<T> out;                                                                            \
    if (detail::try_reuse(#fn, out, a, b, f, true)) return out;                                    \
    return fn(static_cast<const BasicTensor<T>&>(a), b);                                           \
  }                                                                                                \
  template <class T>                                                                               \
  requires std::is_same_v<detail::arith_result_t<T, (is_div)>, T> BasicTensor<T>                   \
  operator sym(const BasicTensor<T>& a, BasicTensor<T>&& b) {                                      \
    BasicTensor<T> out;                                                                            \
    if (detail::try_reuse(#fn, out, a, b, f, false)) return out;                                   \
    return fn(a, static_cast<const BasicTensor<T>&>(b));                                           \
  }                                                                                                \
  template <class T>                                                                               \
  requires std::is_same_v<detail::arith_result_t<T, (is_div)>, T> BasicTensor<T>                   \
  operator sym(BasicTensor<T>&& a, BasicTensor<T>&& b) {                                           \
    BasicTensor<T> out;                                                                            \
    if (detail::try_reuse(#fn, out, a, b, f, true) || detail::try_reuse(#fn, out, a, b, f, false)) \
      return out;                                                                                  \
    return fn(static_cast<const BasicTensor<T>&>(a), static_cast<const BasicTensor<T>&>(b));       \
  }
TORCHLET_BINARY_OPERATOR(+, add, detail::plus, false)
TORCHLET_BINARY_OPERATOR(-, sub, detail::minus, false)
TORCHLET_BINARY_OPERATOR(*, mul, detail::times, false)
TORCHLET_BINARY_OPERATOR(/, div, detail::divides, true)
#undef TORCHLET_BINARY_OPERATOR

// ---- scalar operands (no 0-dim tensor is built) ---------------------------------
namespace detail {

/// out = f(x) for a tensor and a scalar, reusing x's memory when it is a temporary.
template <class T, class F>
BasicTensor<T> scalar_map(const BasicTensor<T>& x, bool x_is_temporary, F f) {
  if (x_is_temporary && is_reusable(x)) {
    T* p = x.data();
    parallel_elementwise(x.numel(), [&](std::int64_t i0, std::int64_t i1) {
      auto m = amap(p + i0, i1 - i0);
      m = f(m);
    });
    return x;
  }
  return unary_apply(x, f);
}

/// Records out = x * s + c (for any c): dx = g * s.
template <class T>
void record_affine(const BasicTensor<T>& out, const char* name, const BasicTensor<T>& x, T s) {
  record(out, name, {&x}, [s](const BasicTensor<T>& g) {
    if (s == T(1)) return std::vector<BasicTensor<T>>{g};
    if (is_grad_enabled()) [[unlikely]]  // create_graph
      return std::vector<BasicTensor<T>>{g * s};
    return std::vector<BasicTensor<T>>{grad_map(g, [s](const auto& v) { return v * s; })};
  });
  mark_differentiable_backward(out);
}

template <class T>
BasicTensor<T> add_scalar(const BasicTensor<T>& x, T s, bool tmp) {
  auto out = scalar_map(x, tmp, [s](const auto& v) { return v + s; });
  if (needs_graph<T>({&x})) record_affine(out, "AddBackward0", x, T(1));
  return out;
}
template <class T>
BasicTensor<T> rsub_scalar(T s, const BasicTensor<T>& x, bool tmp) {  // s - x
  auto out = scalar_map(x, tmp, [s](const auto& v) { return s - v; });
  if (needs_graph<T>({&x})) record_affine(out, "RsubBackward1", x, T(-1));
  return out;
}
template <class T>
BasicTensor<T> mul_scalar(const BasicTensor<T>& x, T s, bool tmp) {
  auto out = scalar_map(x, tmp, [s](const auto& v) { return v * s; });
  if (needs_graph<T>({&x})) record_affine(out, "MulBackward0", x, s);
  return out;
}
template <class T>
BasicTensor<T> div_scalar(const BasicTensor<T>& x, T s, bool tmp) {
  auto out = scalar_map(x, tmp, [s](const auto& v) { return v / s; });
  if (needs_graph<T>({&x}))
    record(out, "DivBackward0", {&x}, [s](const BasicTensor<T>& g) {
      if (is_grad_enabled()) [[unlikely]]  // create_graph
        return std::vector<BasicTensor<T>>{g / s};
      return std::vector<BasicTensor<T>>{grad_map(g, [s](const auto& v) { return v / s; })};
    });
  if (needs_graph<T>({&x})) mark_differentiable_backward(out);
  return out;
}
template <class T>
BasicTensor<T> rdiv_scalar(T s, const BasicTensor<T>& x) {  // s / x: dx = -g * s / x^2
  auto out = unary_apply(x, [s](const auto& v) { return s / v; });
  if (needs_graph<T>({&x}))
    record(out, "MulBackward0", {&x}, [s, sx = SavedTensor<T>(x)](const BasicTensor<T>& g) {
      if (is_grad_enabled()) [[unlikely]] {  // create_graph
        const auto xv = sx.variable("MulBackward0", g.shape());
        return std::vector<BasicTensor<T>>{-(g * s) / (xv * xv)};
      }
      const auto X = camap(sx.data("MulBackward0"), g.numel());
      return std::vector<BasicTensor<T>>{
          grad_map(g, [&](const auto& v) { return -v * s / (X * X); })};
    });
  if (needs_graph<T>({&x})) mark_differentiable_backward(out);
  return out;
}

}  // namespace detail

template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator+(const BasicTensor<T>& a, S s) {
  return detail::add_scalar(a, static_cast<T>(s), false);
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator+(BasicTensor<T>&& a, S s) {
  return detail::add_scalar(a, static_cast<T>(s), true);
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator+(S s, const BasicTensor<T>& a) {
  return detail::add_scalar(a, static_cast<T>(s), false);
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator+(S s, BasicTensor<T>&& a) {
  return detail::add_scalar(a, static_cast<T>(s), true);
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator-(const BasicTensor<T>& a, S s) {
  auto out = detail::scalar_map(a, false, [v = static_cast<T>(s)](const auto& x) { return x - v; });
  if (detail::needs_graph<T>({&a})) detail::record_affine(out, "SubBackward0", a, T(1));
  return out;
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator-(BasicTensor<T>&& a, S s) {
  auto out = detail::scalar_map(a, true, [v = static_cast<T>(s)](const auto& x) { return x - v; });
  if (detail::needs_graph<T>({&a})) detail::record_affine(out, "SubBackward0", a, T(1));
  return out;
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator-(S s, const BasicTensor<T>& a) {
  return detail::rsub_scalar(static_cast<T>(s), a, false);
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator-(S s, BasicTensor<T>&& a) {
  return detail::rsub_scalar(static_cast<T>(s), a, true);
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator*(const BasicTensor<T>& a, S s) {
  return detail::mul_scalar(a, static_cast<T>(s), false);
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator*(BasicTensor<T>&& a, S s) {
  return detail::mul_scalar(a, static_cast<T>(s), true);
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator*(S s, const BasicTensor<T>& a) {
  return detail::mul_scalar(a, static_cast<T>(s), false);
}
template <class T, detail::SameKindScalar<T> S>
BasicTensor<T> operator*(S s, BasicTensor<T>&& a) {
  return detail::mul_scalar(a, static_cast<T>(s), true);
}
template <class T, detail::SameKindScalar<T> S>
requires detail::is_floating_v<T> BasicTensor<T>
operator/(const BasicTensor<T>& a, S s) { return detail::div_scalar(a, static_cast<T>(s), false); }
template <class T, detail::SameKindScalar<T> S>
requires detail::is_floating_v<T> BasicTensor<T>
operator/(BasicTensor<T>&& a, S s) { return detail::div_scalar(a, static_cast<T>(s), true); }
template <class T, detail::SameKindScalar<T> S>
requires detail::is_floating_v<T> BasicTensor<T>
operator/(S s, const BasicTensor<T>& a) { return detail::rdiv_scalar(static_cast<T>(s), a); }
/// An integer or bool tensor divided by (or dividing) any number: true division in float32,
/// as PyTorch (LongTensor / 2 is a Tensor; div(a, 2, "floor") keeps int64).
template <class T, detail::Arithmetic S>
requires(!detail::is_floating_v<T>) BasicTensor<float>
operator/(const BasicTensor<T>& a, S s) {
  return detail::div_scalar(a.template to<float>(), static_cast<float>(s), true);
}
template <class T, detail::Arithmetic S>
requires(!detail::is_floating_v<T>) BasicTensor<float>
operator/(S s, const BasicTensor<T>& a) {
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
#define TORCHLET_PROMOTING_SCALAR_OPERATOR(sym)                                           \
  template <class T, detail::PromotingScalar<T> S>                                        \
  BasicTensor<detail::scalar_result_t<T, S>> operator sym(const BasicTensor<T>& a, S s) { \
    using R = detail::scalar_result_t<T, S>;                                              \
    return operator sym(a.template to<R>(), static_cast<R>(s));                           \
  }                                                                                       \
  template <class T, detail::PromotingScalar<T> S>                                        \
  BasicTensor<detail::scalar_result_t<T, S>> operator sym(S s, const BasicTensor<T>& a) { \
    using R = detail::scalar_result_t<T, S>;                                              \
    return operator sym(static_cast<R>(s), a.template to<R>());                           \
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

template <class T>
BasicTensor<T> BasicTensor<T>::add(const BasicTensor& o) const {
  return torchlet::add(*this, o);
}
template <class T>
BasicTensor<T> BasicTensor<T>::sub(const BasicTensor& o) const {
  return torchlet::sub(*this, o);
}
template <class T>
BasicTensor<T> BasicTensor<T>::mul(const BasicTensor& o) const {
  return torchlet::mul(*this, o);
}
template <class T>
BasicTensor<T> BasicTensor<T>::div(const BasicTensor& o) const {
  static_assert(detail::is_floating_v<T>,
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
template <class T>
BasicTensor<T> addcmul(const BasicTensor<T>& input, const BasicTensor<T>& tensor1,
                       const BasicTensor<T>& tensor2, T value = T(1)) {
  BasicTensor<T> out;
  if (input.shape() == tensor1.shape() && input.shape() == tensor2.shape()) {
    out = BasicTensor<T>::empty(input.shape());
    const auto n = out.numel();
    if (value == T(1))
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
  if (detail::needs_graph<T>({&input, &tensor1, &tensor2}))
    detail::record(
        out, "AddcmulBackward0", {&input, &tensor1, &tensor2},
        [gi = input.requires_grad(), is = input.shape(), value,
         s1 = tensor2.requires_grad() ? detail::SavedTensor<T>(tensor1) : detail::SavedTensor<T>(),
         s2 = tensor1.requires_grad() ? detail::SavedTensor<T>(tensor2) : detail::SavedTensor<T>(),
         sh1 = tensor1.shape(), sh2 = tensor2.shape()](const BasicTensor<T>& g) {
          const auto scaled = [value](const auto& x, const auto& y) { return x * y * value; };
          BasicTensor<T> d0, d1, d2;
          if (gi) d0 = detail::sum_to(g, is);
          if (s2.defined())
            d1 = detail::sum_to(
                detail::broadcast_apply("addcmul", g, s2.tensor("AddcmulBackward0", sh2), scaled),
                sh1);
          if (s1.defined())
            d2 = detail::sum_to(
                detail::broadcast_apply("addcmul", g, s1.tensor("AddcmulBackward0", sh1), scaled),
                sh2);
          return std::vector<BasicTensor<T>>{d0, d1, d2};
        });
  return out;
}

template <class T>
BasicTensor<T> BasicTensor<T>::addcmul(const BasicTensor& t1, const BasicTensor& t2,
                                       T value) const {
  return torchlet::addcmul(*this, t1, t2, value);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_BINARY
#include "torchlet/tensor/members.hpp"
#endif
