#pragma once
// The machinery of the arithmetic ops (tensor/binary.hpp, tensor/inplace.hpp,
// tensor/unary.hpp's neg): their result types and functors, their recorded backwards
// (record_add, record_mul, record_div: the gradient summed back to each operand's shape,
// recorded itself under create_graph through sum_to_recorded), and try_reuse, which computes a
// result into the memory of a temporary operand.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_ARITHMETIC
#endif

#include <type_traits>
#include <vector>

#include "torchlet/tensor/broadcast.hpp"

namespace torchlet {
namespace detail {

/// The result type of true division (torch.div without a rounding_mode): a floating type
/// divides in itself, an integer or bool type in float32 (PyTorch's default dtype).
template <class Scalar>
using true_div_t = std::conditional_t<std::is_floating_point_v<Scalar>, Scalar, float>;
/// The result type of a binary arithmetic op on two T tensors: T, or true_div_t<T> for the
/// division (Div).
template <class Scalar, bool Div>
using arith_result_t = std::conditional_t<Div, true_div_t<Scalar>, Scalar>;

inline constexpr auto plus = [](const auto& x, const auto& y) { return x + y; };
inline constexpr auto minus = [](const auto& x, const auto& y) { return x - y; };
inline constexpr auto times = [](const auto& x, const auto& y) { return x * y; };
inline constexpr auto divides = [](const auto& x, const auto& y) { return x / y; };

template <class Scalar>
BasicTensor<Scalar> negated(const BasicTensor<Scalar>& g) {
  return grad_map(g, [](const auto& v) { return -v; });
}

/// sum_to(g, shape) made of recorded ops (a backward under create_graph); an empty shape
/// stands for g's own.
template <class Scalar>
BasicTensor<Scalar> sum_to_recorded(BasicTensor<Scalar> g, const Shape& shape) {
  while (g.dim() > static_cast<std::int64_t>(shape.size())) g = g.sum(0);
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == 1 && g.shape()[d] != 1) g = g.sum(static_cast<std::int64_t>(d), true);
  return g;
}

/// Records a + b (sign = 1) or a - b (sign = -1): da = sum_to(g), db = sign * sum_to(g).
template <class Scalar>
void record_add(const BasicTensor<Scalar>& out, const char* name, const BasicTensor<Scalar>& a,
                const BasicTensor<Scalar>& b, bool subtract) {
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  const bool bcast = a.shape() != out.shape() || b.shape() != out.shape();
  record(out, name, {&a, &b},
         [ga, gb, subtract, as = bcast ? a.shape() : Shape{}, bs = bcast ? b.shape() : Shape{},
          bcast](const BasicTensor<Scalar>& g) {
           BasicTensor<Scalar> da, db;
           if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
             if (ga) da = bcast ? sum_to_recorded(g, as) : g;
             if (gb) db = bcast ? sum_to_recorded(g, bs) : g;
             if (gb && subtract) db = -db;
             return std::vector<BasicTensor<Scalar>>{da, db};
           }
           if (ga) da = bcast ? sum_to(g, as) : g;
           if (gb) {
             db = bcast ? sum_to(g, bs) : g;
             if (subtract) db = negated(db);
           }
           return std::vector<BasicTensor<Scalar>>{da, db};
         });
  mark_differentiable_backward(out);
}

/// Records a * b: da = sum_to(g * b), db = sum_to(g * a).
template <class Scalar>
void record_mul(const BasicTensor<Scalar>& out, const BasicTensor<Scalar>& a,
                const BasicTensor<Scalar>& b) {
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  const bool bcast = a.shape() != out.shape() || b.shape() != out.shape();
  record(
      out, "MulBackward0", {&a, &b},
      [sa = gb ? SavedTensor<Scalar>(a) : SavedTensor<Scalar>(),
       sb = ga ? SavedTensor<Scalar>(b) : SavedTensor<Scalar>(), as = bcast ? a.shape() : Shape{},
       bs = bcast ? b.shape() : Shape{}, bcast](const BasicTensor<Scalar>& g) {
        BasicTensor<Scalar> da, db;
        if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
          const auto& sha = bcast ? as : g.shape();
          const auto& shb = bcast ? bs : g.shape();
          if (sb.defined()) da = sum_to_recorded(g * sb.variable("MulBackward0", shb), sha);
          if (sa.defined()) db = sum_to_recorded(g * sa.variable("MulBackward0", sha), shb);
          return std::vector<BasicTensor<Scalar>>{da, db};
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
        return std::vector<BasicTensor<Scalar>>{da, db};
      });
  mark_differentiable_backward(out);
}

/// Records a / b: da = sum_to(g / b), db = sum_to(-g * a / b^2).
template <class Scalar>
void record_div(const BasicTensor<Scalar>& out, const BasicTensor<Scalar>& a,
                const BasicTensor<Scalar>& b) {
  const bool gb = b.requires_grad();
  const bool bcast = a.shape() != out.shape() || b.shape() != out.shape();
  record(out, "DivBackward0", {&a, &b},
         [ga = a.requires_grad(), sa = gb ? SavedTensor<Scalar>(a) : SavedTensor<Scalar>(),
          sb = SavedTensor<Scalar>(b), as = bcast ? a.shape() : Shape{},
          bs = bcast ? b.shape() : Shape{}, bcast](const BasicTensor<Scalar>& g) {
           BasicTensor<Scalar> da, db;
           if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
             const auto& sha = bcast ? as : g.shape();
             const auto& shb = bcast ? bs : g.shape();
             const auto bv = sb.variable("DivBackward0", shb);
             if (ga) da = sum_to_recorded(g / bv, sha);
             if (sa.defined())
               db = sum_to_recorded(-(g * sa.variable("DivBackward0", sha)) / (bv * bv), shb);
             return std::vector<BasicTensor<Scalar>>{da, db};
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
           return std::vector<BasicTensor<Scalar>>{da, db};
         });
  mark_differentiable_backward(out);
}

/// Computes f(a, b) into the memory of a (a_lends) or b when that operand is a reusable
/// temporary with the result's shape; returns false (nothing done) otherwise.
template <class Scalar, class F>
bool try_reuse(const char* op, BasicTensor<Scalar>& dst, const BasicTensor<Scalar>& a,
               const BasicTensor<Scalar>& b, F f, bool a_lends) {
  const BasicTensor<Scalar>& lender = a_lends ? a : b;
  if (!is_reusable(lender) || needs_graph<Scalar>({&a, &b})) return false;
  const Shape& other = a_lends ? b.shape() : a.shape();
  if (other != lender.shape() && broadcast_shapes(op, a.shape(), b.shape()) != lender.shape())
    return false;
  broadcast_into(a, b, lender.shape(), lender.data(), f);
  dst = lender;
  return true;
}

}  // namespace detail
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_ARITHMETIC
#include "torchlet/tensor/members.hpp"
#endif
