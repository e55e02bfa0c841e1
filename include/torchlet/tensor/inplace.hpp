#pragma once
// In-place arithmetic: a += b, a -= s, a.mul_(b), ... (b broadcasts to a's shape), with
// PyTorch's rules for autograd (see below).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_INPLACE
#endif

#include "torchlet/tensor/binary.hpp"

namespace torchlet {

// ---- in place -------------------------------------------------------------------
// a op= b: b broadcasts to a's shape. Rejected on a leaf that requires grad (and views
// of one) while grad mode is on; otherwise recorded: `a` gets a new grad_fn whose first
// edge continues a's previous history, as PyTorch rebases it.
namespace detail {

enum class InplaceOp { add, sub, mul, div };

template <class Scalar>
const BasicTensor<Scalar>& inplace_binary(const char* op, InplaceOp kind,
                                          const BasicTensor<Scalar>& a,
                                          const BasicTensor<Scalar>& b) {
  check_inplace(op, a, b.requires_grad());
  if (b.shape() != a.shape()) {
    const Shape os = broadcast_shapes(op, a.shape(), b.shape());
    if (os != a.shape())
      throw ShapeError(std::string(op) + ": output with shape " + to_string(a.shape()) +
                       " doesn't match the broadcast shape " + to_string(os) +
                       " (other has shape " + to_string(b.shape()) + ")");
  }
  check_no_partial_overlap(op, a, b);
  const bool graph = needs_graph<Scalar>({&a, &b});
  std::shared_ptr<autograd::NodeBase> prev = graph ? gradient_edge(a) : nullptr;
  // mul_ needs a's old values for b's gradient.
  BasicTensor<Scalar> old_a;
  if (graph && kind == InplaceOp::mul && b.requires_grad()) {
    old_a = BasicTensor<Scalar>::empty(a.shape());
    std::copy_n(a.data(), a.numel(), old_a.data());
  }
  switch (kind) {
    case InplaceOp::add:
      broadcast_into(a, b, a.shape(), a.data(), plus);
      break;
    case InplaceOp::sub:
      broadcast_into(a, b, a.shape(), a.data(), minus);
      break;
    case InplaceOp::mul:
      broadcast_into(a, b, a.shape(), a.data(), times);
      break;
    case InplaceOp::div:
      broadcast_into(a, b, a.shape(), a.data(), divides);
      break;
  }
  bump_version(a);
  if constexpr (!is_floating_v<Scalar>) {
    return a;
  } else {
    if (!graph) return a;
    const bool ga = prev != nullptr, gb = b.requires_grad();
    const Shape bs = b.shape(), as = a.shape();
    switch (kind) {
      case InplaceOp::add:
      case InplaceOp::sub:
        rebase_history(
            a, kind == InplaceOp::add ? "AddBackward0" : "SubBackward0", prev, &b,
            [ga, gb, bs, sub = kind == InplaceOp::sub](const BasicTensor<Scalar>& g) {
              BasicTensor<Scalar> db;
              if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                if (gb) db = sub ? sum_to_recorded(g, bs) * Scalar(-1) : sum_to_recorded(g, bs);
                return std::vector<BasicTensor<Scalar>>{ga ? g : BasicTensor<Scalar>(), db};
              }
              if (gb) db = sub ? negated(sum_to(g, bs)) : sum_to(g, bs);
              return std::vector<BasicTensor<Scalar>>{ga ? g : BasicTensor<Scalar>(), db};
            });
        break;
      case InplaceOp::mul:
        rebase_history(
            a, "MulBackward0", prev, &b,
            [ga, sb = SavedTensor<Scalar>(b), old_a, prev_a = old_a.defined() ? prev : nullptr, as,
             bs](const BasicTensor<Scalar>& g) {
              BasicTensor<Scalar> da, db;
              if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                if (ga) da = g * sb.variable("MulBackward0", bs);
                if (old_a.defined()) {
                  // a's old values, as the output of a's previous history
                  auto a0 = old_a.detach();
                  if (prev_a) {
                    a0.impl()->grad_fn = std::static_pointer_cast<autograd::Node<Scalar>>(prev_a);
                    a0.impl()->requires_grad = true;
                  }
                  db = sum_to_recorded(g * a0, bs);
                }
                return std::vector<BasicTensor<Scalar>>{da, db};
              }
              if (ga) da = broadcast_apply("mul", g, sb.tensor("MulBackward0", bs), times);
              if (old_a.defined()) db = sum_to(broadcast_apply("mul", g, old_a, times), bs);
              return std::vector<BasicTensor<Scalar>>{da, db};
            });
        break;
      case InplaceOp::div:
        // d(a/b)/da = 1/b; d(a/b)/db = -(a/b)/b = -out/b.
        rebase_history(
            a, "DivBackward0", prev, &b,
            [ga, gb, sb = SavedTensor<Scalar>(b),
             so = gb ? SavedTensor<Scalar>(a) : SavedTensor<Scalar>(), as,
             bs](const BasicTensor<Scalar>& g) {
              BasicTensor<Scalar> da, db;
              if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                const auto bv = sb.variable("DivBackward0", bs);
                if (ga) da = g / bv;
                if (gb)
                  db = sum_to_recorded(g * so.output_variable("DivBackward0", as) / bv, bs) *
                       Scalar(-1);
                return std::vector<BasicTensor<Scalar>>{da, db};
              }
              const auto bt = sb.tensor("DivBackward0", bs);
              if (ga) da = broadcast_apply("div", g, bt, divides);
              if (gb) {
                auto q = broadcast_apply("div", so.tensor("DivBackward0", as), bt, divides);
                db = sum_to(broadcast_apply("mul", g, q,
                                            [](const auto& x, const auto& y) { return -(x * y); }),
                            bs);
              }
              return std::vector<BasicTensor<Scalar>>{da, db};
            });
        break;
    }
    mark_inplace_differentiable(a);  // a a view: its base's CopySlices
    return a;
  }
}

/// a = a * s + c in place (scale s, shift c), recorded as `name` when a requires grad.
template <class Scalar>
const BasicTensor<Scalar>& inplace_affine(const char* op, const char* name,
                                          const BasicTensor<Scalar>& a, Scalar s, Scalar c) {
  check_inplace(op, a);
  const bool graph = needs_graph<Scalar>({&a});
  auto prev = graph ? gradient_edge(a) : nullptr;
  auto m = amap(a.data(), a.numel());
  if (s == Scalar(1))
    m += c;
  else if (c == Scalar(0))
    m *= s;
  else
    m = m * s + c;
  bump_version(a);
  if constexpr (is_floating_v<Scalar>) {
    if (graph) {
      rebase_history(a, name, prev, nullptr, [s](const BasicTensor<Scalar>& g) {
        if (s == Scalar(1)) return std::vector<BasicTensor<Scalar>>{g};
        if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded
          return std::vector<BasicTensor<Scalar>>{g * s};
        return std::vector<BasicTensor<Scalar>>{grad_map(g, [s](const auto& v) { return v * s; })};
      });
      mark_inplace_differentiable(a);  // a a view: its base's CopySlices
    }
  }
  return a;
}

}  // namespace detail

template <class Scalar>
const BasicTensor<Scalar>& operator+=(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  return detail::inplace_binary("add_", detail::InplaceOp::add, a, b);
}
template <class Scalar>
const BasicTensor<Scalar>& operator-=(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  return detail::inplace_binary("sub_", detail::InplaceOp::sub, a, b);
}
template <class Scalar>
const BasicTensor<Scalar>& operator*=(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  return detail::inplace_binary("mul_", detail::InplaceOp::mul, a, b);
}
// True division of an integer or bool tensor gives float32 (binary.hpp), which the tensor
// cannot hold: PyTorch raises "result type Float can't be cast to the desired output type
// Long" at run time; torchlet refuses to compile.
#define TORCHLET_INTEGER_DIV_INPLACE_MESSAGE                                                     \
  "in-place true division of an integer or bool tensor: the result type float32 cannot be "      \
  "stored in the tensor (PyTorch: \"result type Float can't be cast to the desired output type " \
  "Long\"); write x = x / y for the float32 quotient, or x = div(x, y, \"floor\") (or "          \
  "\"trunc\") for the integer one"
template <class Scalar>
const BasicTensor<Scalar>& operator/=(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  static_assert(detail::is_floating_v<Scalar>, TORCHLET_INTEGER_DIV_INPLACE_MESSAGE);
  return detail::inplace_binary("div_", detail::InplaceOp::div, a, b);
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
const BasicTensor<Scalar>& operator+=(const BasicTensor<Scalar>& a, S s) {
  return detail::inplace_affine("add_", "AddBackward0", a, Scalar(1), static_cast<Scalar>(s));
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
const BasicTensor<Scalar>& operator-=(const BasicTensor<Scalar>& a, S s) {
  return detail::inplace_affine("sub_", "SubBackward0", a, Scalar(1),
                                static_cast<Scalar>(-static_cast<Scalar>(s)));
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
const BasicTensor<Scalar>& operator*=(const BasicTensor<Scalar>& a, S s) {
  return detail::inplace_affine("mul_", "MulBackward0", a, static_cast<Scalar>(s), Scalar(0));
}
template <class Scalar, detail::SameKindScalar<Scalar> S>
const BasicTensor<Scalar>& operator/=(const BasicTensor<Scalar>& a, S s) {
  static_assert(detail::is_floating_v<Scalar>, TORCHLET_INTEGER_DIV_INPLACE_MESSAGE);
  return detail::inplace_affine("div_", "DivBackward0", a, Scalar(1) / static_cast<Scalar>(s),
                                Scalar(0));
}
#undef TORCHLET_INTEGER_DIV_INPLACE_MESSAGE

// An in-place op cannot change the tensor's type: PyTorch raises "result type Float can't be
// cast to the desired output type Long" at run time; torchlet refuses to compile.
#define TORCHLET_INPLACE_PROMOTION_ERROR(sym, bin)                                               \
  template <class Scalar, detail::PromotingScalar<Scalar> S>                                     \
  const BasicTensor<Scalar>& operator sym(const BasicTensor<Scalar>& a, S) {                     \
    static_assert(detail::dependent_false_v<S>,                                                  \
                  "in-place op on an integer or bool tensor with a floating-point (or integer "  \
                  "for bool) scalar: the result type cannot be stored in the tensor (PyTorch: "  \
                  "\"result type Float can't be cast to the desired output type Long\"); write " \
                  "x = x " #bin " s with a tensor of the promoted type, or cast the scalar");    \
    return a;                                                                                    \
  }
TORCHLET_INPLACE_PROMOTION_ERROR(+=, +)
TORCHLET_INPLACE_PROMOTION_ERROR(-=, -)
TORCHLET_INPLACE_PROMOTION_ERROR(*=, *)
TORCHLET_INPLACE_PROMOTION_ERROR(/=, /)
#undef TORCHLET_INPLACE_PROMOTION_ERROR

template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::add_(const BasicTensor& o) const {
  return *this += o;
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::sub_(const BasicTensor& o) const {
  return *this -= o;
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::mul_(const BasicTensor& o) const {
  return *this *= o;
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::div_(const BasicTensor& o) const {
  return *this /= o;
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::add_(Scalar o) const {
  return *this += o;
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::sub_(Scalar o) const {
  return *this -= o;
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::mul_(Scalar o) const {
  return *this *= o;
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::div_(Scalar o) const {
  return *this /= o;
}
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_INPLACE
#include "torchlet/tensor/members.hpp"
#endif
