#pragma once
// Unary elementwise math, each with its derivative beside it:
//   neg abs exp log log1p sqrt rsqrt pow sin cos tanh sigmoid relu gelu clamp
// x [*] -> [*]. A temporary argument (an rvalue nobody else holds, outside autograd)
// lends its memory to the result. relu_ and clamp_ work in place.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_UNARY
#endif

#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "torchlet/tensor/binary.hpp"
#include "torchlet/tensor/detail/elementwise.hpp"

namespace torchlet {
namespace detail {

/// Standard normal CDF and density, for gelu.
template <class Scalar>
Scalar normal_cdf(Scalar x) {
  return Scalar(0.5) * (Scalar(1) + std::erf(x * Scalar(M_SQRT1_2)));
}
template <class Scalar>
Scalar normal_pdf(Scalar x) {
  return std::exp(Scalar(-0.5) * x * x) * Scalar(0.5 * M_2_SQRTPI * M_SQRT1_2);
}
inline constexpr double kGeluTanhK = 0.7978845608028654;  // sqrt(2 / pi)
inline constexpr double kGeluTanhC = 0.044715;

}  // namespace detail

// Each op is defined once (taking `tmp`: whether x is a temporary that may lend its
// memory) and exposed as two overloads, for lvalues and for rvalues.
#define TORCHLET_UNARY(fn)                               \
  template <class Scalar>                                \
  BasicTensor<Scalar> fn(const BasicTensor<Scalar>& x) { \
    return detail::fn##_impl(x, false);                  \
  }                                                      \
  template <class Scalar>                                \
  BasicTensor<Scalar> fn(BasicTensor<Scalar>&& x) {      \
    return detail::fn##_impl(x, true);                   \
  }                                                      \
  template <class Scalar>                                \
  BasicTensor<Scalar> BasicTensor<Scalar>::fn() const {  \
    return detail::fn##_impl(*this, false);              \
  }

namespace detail {

template <class Scalar>
BasicTensor<Scalar> neg_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = map_maybe_inplace(x, tmp, [](const auto& a) { return -a; });
  if (needs_graph<Scalar>({&x})) {
    record(out, "NegBackward0", {&x}, [](const BasicTensor<Scalar>& g) {
      // create_graph: a recorded negation
      return std::vector<BasicTensor<Scalar>>{is_grad_enabled() ? -g : negated(g)};
    });
    mark_differentiable_backward(out);
  }
  return out;
}

template <class Scalar>
BasicTensor<Scalar> abs_impl(const BasicTensor<Scalar>& x, bool tmp) {
  if constexpr (std::is_floating_point_v<Scalar>) {
    const bool graph = needs_graph<Scalar>({&x});
    auto out = graph ? unary_apply(x, [](const auto& a) { return a.abs(); })
                     : map_maybe_inplace(x, tmp, [](const auto& a) { return a.abs(); });
    if (graph)  // d|x| = sign(x) (0 at 0, as PyTorch)
      record_unary(
          out, "AbsBackward0", x, true, false, [](const auto& X, const auto&) { return X.sign(); },
          [](const auto& X, const auto&) { return X * Scalar(0); });
    return out;
  } else {
    return map_maybe_inplace(x, tmp, [](const auto& a) { return a.abs(); });
  }
}

template <class Scalar>
BasicTensor<Scalar> exp_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = kernel_map(x, tmp, VectorUnary::exp, [](const auto& a) { return a.exp(); });
  if (needs_graph<Scalar>({&x}))  // d exp = exp(x) = y
    record_unary(
        out, "ExpBackward0", x, false, true, [](const auto&, const auto& Y) { return Y; },
        [](const auto&, const auto& Y) { return Y * Scalar(0) + Scalar(1); });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> log_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = kernel_map(x, tmp, VectorUnary::log, [](const auto& a) { return a.log(); });
  if (needs_graph<Scalar>({&x}))  // d log = 1 / x
    record_unary(
        out, "LogBackward0", x, true, false, [](const auto& X, const auto&) { return X.inverse(); },
        [](const auto& X, const auto&) { return -X.square().inverse(); });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> log1p_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = map_maybe_inplace(x, tmp, [](const auto& a) { return a.log1p(); });
  if (needs_graph<Scalar>({&x}))  // d log1p = 1 / (1 + x)
    record_unary(
        out, "Log1PBackward0", x, true, false,
        [](const auto& X, const auto&) { return (X + Scalar(1)).inverse(); },
        [](const auto& X, const auto&) { return -(X + Scalar(1)).square().inverse(); });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> sqrt_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = map_maybe_inplace(x, tmp, [](const auto& a) { return a.sqrt(); });
  if (needs_graph<Scalar>({&x}))  // d sqrt = 1 / (2 y)
    record_unary(
        out, "SqrtBackward0", x, false, true,
        [](const auto&, const auto& Y) { return (Scalar(2) * Y).inverse(); },
        [](const auto&, const auto& Y) { return -(Scalar(2) * Y.square()).inverse(); });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> rsqrt_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = map_maybe_inplace(x, tmp, [](const auto& a) { return a.rsqrt(); });
  if (needs_graph<Scalar>({&x}))  // d x^(-1/2) = -x^(-3/2) / 2 = -y^3 / 2
    record_unary(
        out, "RsqrtBackward0", x, false, true,
        [](const auto&, const auto& Y) { return Scalar(-0.5) * Y.cube(); },
        [](const auto&, const auto& Y) { return Scalar(-1.5) * Y.square(); });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> sin_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = map_maybe_inplace(x, tmp, [](const auto& a) { return a.sin(); });
  if (needs_graph<Scalar>({&x}))
    record_unary(
        out, "SinBackward0", x, true, false, [](const auto& X, const auto&) { return X.cos(); },
        [](const auto& X, const auto&) { return -X.sin(); });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> cos_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = map_maybe_inplace(x, tmp, [](const auto& a) { return a.cos(); });
  if (needs_graph<Scalar>({&x}))
    record_unary(
        out, "CosBackward0", x, true, false, [](const auto& X, const auto&) { return -X.sin(); },
        [](const auto& X, const auto&) { return -X.cos(); });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> tanh_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = kernel_map(x, tmp, VectorUnary::tanh, [](const auto& a) { return a.tanh(); });
  if (needs_graph<Scalar>({&x}))  // d tanh = 1 - y^2
    record_unary(
        out, "TanhBackward0", x, false, true,
        [](const auto&, const auto& Y) { return Scalar(1) - Y.square(); },
        [](const auto&, const auto& Y) { return Scalar(-2) * Y; });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> sigmoid_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = kernel_map(x, tmp, VectorUnary::sigmoid,
                        [](const auto& a) { return Scalar(1) / (Scalar(1) + (-a).exp()); });
  if (needs_graph<Scalar>({&x}))  // d sigmoid = y (1 - y)
    record_unary(
        out, "SigmoidBackward0", x, false, true,
        [](const auto&, const auto& Y) { return Y * (Scalar(1) - Y); },
        [](const auto&, const auto& Y) { return Scalar(1) - Scalar(2) * Y; });
  return out;
}

template <class Scalar>
BasicTensor<Scalar> relu_impl(const BasicTensor<Scalar>& x, bool tmp) {
  auto out = map_maybe_inplace(x, tmp, [](const auto& a) { return a.max(Scalar(0)); });
  if (needs_graph<Scalar>({&x}))  // d relu = [y > 0]
    record_unary(
        out, "ReluBackward0", x, false, true,
        [](const auto&, const auto& Y) { return (Y > Scalar(0)).template cast<Scalar>(); },
        [](const auto&, const auto& Y) { return Y * Scalar(0); });
  return out;
}

}  // namespace detail

TORCHLET_UNARY(neg)
TORCHLET_UNARY(abs)
TORCHLET_UNARY(exp)
TORCHLET_UNARY(log)
TORCHLET_UNARY(log1p)
TORCHLET_UNARY(sqrt)
TORCHLET_UNARY(rsqrt)
TORCHLET_UNARY(sin)
TORCHLET_UNARY(cos)
TORCHLET_UNARY(tanh)
TORCHLET_UNARY(sigmoid)
TORCHLET_UNARY(relu)
#undef TORCHLET_UNARY

template <class Scalar>
BasicTensor<Scalar> operator-(const BasicTensor<Scalar>& x) {
  return neg(x);
}
template <class Scalar>
BasicTensor<Scalar> operator-(BasicTensor<Scalar>&& x) {
  return neg(std::move(x));
}

/// x ** exponent. d/dx = exponent * x^(exponent - 1) (0 for exponent 0, as PyTorch).
template <class Scalar>
BasicTensor<Scalar> pow(const BasicTensor<Scalar>& x, Scalar exponent) {
  BasicTensor<Scalar> out;
  if (exponent == Scalar(2))
    out = detail::unary_apply(x, [](const auto& a) { return a.square(); });
  else
    out = detail::unary_apply(x, [exponent](const auto& a) { return a.pow(exponent); });
  if (detail::needs_graph<Scalar>({&x})) {
    if (exponent == Scalar(0)) {
      detail::record(out, "PowBackward0", {&x}, [](const BasicTensor<Scalar>& g) {
        return std::vector<BasicTensor<Scalar>>{zeros_like(g)};
      });
    } else {
      if (exponent == Scalar(2))
        detail::record_unary(
            out, "PowBackward0", x, true, false,
            [](const auto& X, const auto&) { return Scalar(2) * X; },
            [](const auto& X, const auto&) { return X * Scalar(0) + Scalar(2); });
      else
        detail::record_unary(
            out, "PowBackward0", x, true, false,
            [exponent](const auto& X, const auto&) {
              return exponent * X.pow(exponent - Scalar(1));
            },
            [exponent](const auto& X, const auto&) {
              return exponent * (exponent - Scalar(1)) * X.pow(exponent - Scalar(2));
            });
    }
  }
  return out;
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::pow(Scalar e) const {
  return torchlet::pow(*this, e);
}

/// GELU. approximate = "none": x * Phi(x) with Phi the standard normal CDF (erf form);
/// "tanh": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as torch.nn.functional.gelu.
template <class Scalar>
BasicTensor<Scalar> gelu(const BasicTensor<Scalar>& x, std::string_view approximate = "none") {
  static_assert(std::is_floating_point_v<Scalar>, "gelu: needs a floating point tensor");
  const bool tanh_form = approximate == "tanh";
  if (!tanh_form && approximate != "none")
    throw std::invalid_argument("gelu: approximate must be \"none\" or \"tanh\", got \"" +
                                std::string(approximate) + "\"");
  auto out = BasicTensor<Scalar>::empty(x.shape());
  const Scalar* xp = x.data();
  Scalar* yp = out.data();
  const Scalar k = Scalar(detail::kGeluTanhK), c = Scalar(detail::kGeluTanhC);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const Scalar v = xp[i];
    yp[i] = tanh_form ? Scalar(0.5) * v * (Scalar(1) + std::tanh(k * (v + c * v * v * v)))
                      : v * detail::normal_cdf(v);
  }
  if (detail::needs_graph<Scalar>({&x}) &&
      !tanh_form) {  // d = Phi(x) + x phi(x), d' = phi (2 - x^2)
    detail::record_unary(
        out, "GeluBackward0", x, true, false,
        [](const auto& X, const auto&) {
          return X.unaryExpr(
              [](Scalar v) { return detail::normal_cdf(v) + v * detail::normal_pdf(v); });
        },
        [](const auto& X, const auto&) {
          return X.unaryExpr([](Scalar v) { return detail::normal_pdf(v) * (Scalar(2) - v * v); });
        });
  } else if (detail::needs_graph<Scalar>({&x})) {
    detail::record(
        out, "GeluBackward0", {&x},
        [sx = detail::SavedTensor<Scalar>(x), tanh_form, k, c](const BasicTensor<Scalar>& g) {
          if (is_grad_enabled()) [[unlikely]]  // create_graph: g * d(x) recorded
            // d = 0.5 (1 + t) + 0.5 x (1 - t^2) u', t = tanh(u), u = k (x + c x^3);
            // d' = (1 - t^2) (u' + 0.5 x (u'' - 2 t u'^2))
            return std::vector<BasicTensor<Scalar>>{detail::elementwise_backward_recorded(
                "GeluBackward0", g, sx.variable("GeluBackward0", g.shape()),
                [k, c](const auto& X, const auto&) {
                  return X.unaryExpr([k, c](Scalar v) {
                    const Scalar t = std::tanh(k * (v + c * v * v * v));
                    return Scalar(0.5) * (Scalar(1) + t) + Scalar(0.5) * v * (Scalar(1) - t * t) *
                                                               k *
                                                               (Scalar(1) + Scalar(3) * c * v * v);
                  });
                },
                [k, c](const auto& X, const auto&) {
                  return X.unaryExpr([k, c](Scalar v) {
                    const Scalar t = std::tanh(k * (v + c * v * v * v));
                    const Scalar u1 = k * (Scalar(1) + Scalar(3) * c * v * v),
                                 u2 = Scalar(6) * k * c * v;
                    return (Scalar(1) - t * t) *
                           (u1 + Scalar(0.5) * v * (u2 - Scalar(2) * t * u1 * u1));
                  });
                })};
          auto gi = BasicTensor<Scalar>::empty(g.shape());
          const Scalar* xv = sx.data("GeluBackward0");
          const Scalar* gp = g.data();
          Scalar* r = gi.data();
          for (std::int64_t i = 0; i < g.numel(); ++i) {
            const Scalar v = xv[i];
            Scalar d;
            if (tanh_form) {
              const Scalar t = std::tanh(k * (v + c * v * v * v));
              d = Scalar(0.5) * (Scalar(1) + t) +
                  Scalar(0.5) * v * (Scalar(1) - t * t) * k * (Scalar(1) + Scalar(3) * c * v * v);
            } else {
              d = detail::normal_cdf(v) + v * detail::normal_pdf(v);
            }
            r[i] = gp[i] * d;
          }
          return std::vector<BasicTensor<Scalar>>{gi};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::gelu(std::string_view a) const {
  return torchlet::gelu(*this, a);
}

/// Limits x to [min, max] (either bound may be omitted, not both); the gradient passes
/// where min <= x <= max. If min > max every element becomes max, as in PyTorch.
template <class Scalar>
BasicTensor<Scalar> clamp(const BasicTensor<Scalar>& x, std::optional<Scalar> min,
                          std::optional<Scalar> max = std::nullopt) {
  if (!min && !max)
    throw std::invalid_argument("clamp: at least one of 'min' or 'max' must be given");
  const Scalar lo = min ? *min : std::numeric_limits<Scalar>::lowest(),
               hi = max ? *max : std::numeric_limits<Scalar>::max();
  auto out = detail::unary_apply(x, [lo, hi](const auto& a) { return a.max(lo).min(hi); });
  if (detail::needs_graph<Scalar>({&x}))
    detail::record_unary(
        out, "ClampBackward1", x, true, false,
        [lo, hi](const auto& X, const auto&) {
          return ((X >= lo) && (X <= hi)).template cast<Scalar>();
        },
        [](const auto& X, const auto&) { return X * Scalar(0); });  // a mask
  return out;
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::clamp(std::optional<Scalar> lo,
                                               std::optional<Scalar> hi) const {
  return torchlet::clamp(*this, lo, hi);
}

// ---- in place -------------------------------------------------------------------
namespace detail {
/// y = f(x) in place, recorded with derivative d(y) when x takes part in a graph; d2 = dd/dy
/// makes the backward record itself under create_graph.
template <class Scalar, class F, class D, class D2>
const BasicTensor<Scalar>& unary_inplace(const char* op, const char* name,
                                         const BasicTensor<Scalar>& x, F f, D d, D2 d2) {
  check_inplace(op, x);
  const bool graph = needs_graph<Scalar>({&x});
  auto prev = graph ? gradient_edge(x) : nullptr;
  auto m = amap(x.data(), x.numel());
  m = f(m);
  bump_version(x);
  if constexpr (is_floating_v<Scalar>) {
    if (graph) {
      rebase_history(x, name, prev, nullptr,
                     [name, sy = SavedTensor<Scalar>(x), d, d2](const BasicTensor<Scalar>& g) {
                       if (is_grad_enabled()) [[unlikely]]  // create_graph: g * d(y) recorded
                         return std::vector<BasicTensor<Scalar>>{elementwise_backward_recorded(
                             name, g, sy.output_variable(name, g.shape()),
                             [d](const auto& Y, const auto&) { return d(Y); },
                             [d2](const auto& Y, const auto&) { return d2(Y); })};
                       const auto Y = camap(sy.data(name), g.numel());
                       auto gi = BasicTensor<Scalar>::empty(g.shape());
                       amap(gi.data(), g.numel()) = camap(g.data(), g.numel()) * d(Y);
                       return std::vector<BasicTensor<Scalar>>{gi};
                     });
      mark_inplace_differentiable(x);
    }
  }
  return x;
}
}  // namespace detail

/// relu in place (torch.relu_); the gradient is taken from the result, as PyTorch does.
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::relu_() const {
  return detail::unary_inplace(
      "relu_", "ReluBackward0", *this, [](const auto& a) { return a.max(Scalar(0)); },
      [](const auto& Y) { return (Y > Scalar(0)).template cast<Scalar>(); },
      [](const auto& Y) { return Y * Scalar(0); });  // a mask
}
template <class Scalar>
const BasicTensor<Scalar>& relu_(const BasicTensor<Scalar>& x) {
  return x.relu_();
}

/// clamp in place; the gradient passes where min <= x <= max (x before clamping).
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::clamp_(std::optional<Scalar> min,
                                                       std::optional<Scalar> max) const {
  if (!min && !max)
    throw std::invalid_argument("clamp_: at least one of 'min' or 'max' must be given");
  const Scalar lo = min ? *min : std::numeric_limits<Scalar>::lowest(),
               hi = max ? *max : std::numeric_limits<Scalar>::max();
  detail::check_inplace("clamp_", *this);
  const bool graph = detail::needs_graph<Scalar>({this});
  BasicTensor<Scalar> mask;  // 1 where the gradient passes
  if (graph)
    mask = detail::unary_apply(*this, [lo, hi](const auto& a) {
      return ((a >= lo) && (a <= hi)).template cast<Scalar>();
    });
  auto prev = graph ? detail::gradient_edge(*this) : nullptr;
  auto m = detail::amap(data(), numel());
  m = m.max(lo).min(hi);
  detail::bump_version(*this);
  if constexpr (detail::is_floating_v<Scalar>) {
    if (graph)
      detail::rebase_history(*this, "ClampBackward1", prev, nullptr,
                             [mask](const BasicTensor<Scalar>& g) {
                               if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded
                                 return std::vector<BasicTensor<Scalar>>{g * mask};
                               return std::vector<BasicTensor<Scalar>>{
                                   detail::broadcast_apply("clamp_", g, mask, detail::times)};
                             });
    if (graph) detail::mark_inplace_differentiable(*this);
  }
  return *this;
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_UNARY
#include "torchlet/tensor/members.hpp"
#endif
