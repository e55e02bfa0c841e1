#pragma once
// The rest of torch.nn.functional's activations: elementwise on any shape x [*] -> [*]
// (elu, selu, celu, silu, mish, softplus, softsign, softshrink, hardshrink, tanhshrink,
// hardtanh, relu6, hardswish, hardsigmoid, logsigmoid, threshold, rrelu, prelu), glu
// (halves `dim`) and softmin / softmax2d (along a dim). Each is one fused forward with its
// backward, templated on the element type (float32 layers, float64 gradcheck). `inplace`
// writes the result into x and returns x, as PyTorch's inplace=True does.
#include <cmath>
#include <string>
#include <string_view>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"
#include "torchlet/tensor/detail/elementwise.hpp"

namespace torchlet::nn::functional {
namespace detail {

/// Marks the node an in-place op on x just recorded as `node` (rebase_history) as having a
/// backward that records itself, or the CopySlices node of x's base when x is a view.
template <class T>
void mark_inplace_differentiable(const BasicTensor<T>& x, const char* node) {
  const auto& fn = x.impl()->grad_fn;
  if (fn && std::string_view(fn->node_name) == node)
    mark_differentiable_backward(x);
  else
    torchlet::detail::mark_inplace_differentiable(x);
}

/// y = f(x) elementwise with dy/dx = d(x) (d reads the saved input), recorded as `node`;
/// with `inplace` the result overwrites x (PyTorch's in-place rules: not on a leaf that
/// requires grad) and x is returned. d2 (optional) is d's derivative: with it, the
/// out-of-place backward records itself under create_graph (second derivatives).
template <class T, class F, class D, class D2 = std::nullptr_t>
BasicTensor<T> pointwise(const char* op, const char* node, const BasicTensor<T>& x, bool inplace,
                         F f, D d, D2 d2 = nullptr) {
  const auto n = x.numel();
  const auto backward = [node, d, shape = x.shape()](const SavedTensor<T>& saved,
                                                     const BasicTensor<T>& g) {
    auto gi = BasicTensor<T>::empty(shape);
    const T* xv = saved.data(node);
    const T* gv = g.data();
    T* o = gi.data();
    for (std::int64_t i = 0; i < gi.numel(); ++i) o[i] = gv[i] * d(xv[i]);
    return std::vector<BasicTensor<T>>{gi};
  };
  if (inplace) {
    check_inplace(op, x);
    const bool graph = needs_graph<T>({&x});
    auto prev = graph ? gradient_edge(x) : nullptr;
    // The input as it was before the write: the backward reads it. With a second derivative
    // the copy is a recorded clone, so under create_graph it leads back to x's history.
    BasicTensor<T> before;
    if (graph) before = std::is_same_v<D2, std::nullptr_t> ? x.detach().clone() : x.clone();
    T* p = x.data();
    for (std::int64_t i = 0; i < n; ++i) p[i] = f(p[i]);
    bump_version(x);
    if (graph) {
      rebase_history(x, node, prev, nullptr,
                     [backward, node, d, d2, s = SavedTensor<T>(before)](const BasicTensor<T>& g) {
                       static_cast<void>(d2);
                       if constexpr (!std::is_same_v<D2, std::nullptr_t>) {
                         if (is_grad_enabled()) [[unlikely]]  // create_graph: g * d(x) recorded
                           return std::vector<BasicTensor<T>>{elementwise_backward_recorded(
                               node, g, s.variable(node, g.shape()),
                               [d](const auto& a, const auto&) { return a.unaryExpr(d); },
                               [d2](const auto& a, const auto&) { return a.unaryExpr(d2); })};
                       }
                       return backward(s, g);
                     });
      if constexpr (!std::is_same_v<D2, std::nullptr_t>) mark_inplace_differentiable(x, node);
    }
    return x;
  }
  auto out = BasicTensor<T>::empty(x.shape());
  const T* xp = x.data();
  T* op_ = out.data();
  for (std::int64_t i = 0; i < n; ++i) op_[i] = f(xp[i]);
  if (needs_graph<T>({&x})) {
    record(out, node, {&x},
           [backward, node, d, d2, s = SavedTensor<T>(x)](const BasicTensor<T>& g) {
             static_cast<void>(d2);  // unused without a second derivative (clang warns)
             if constexpr (!std::is_same_v<D2, std::nullptr_t>) {
               if (is_grad_enabled()) [[unlikely]]  // create_graph: g * d(x) recorded
                 return std::vector<BasicTensor<T>>{elementwise_backward_recorded(
                     node, g, s.variable(node, g.shape()),
                     [d](const auto& a, const auto&) { return a.unaryExpr(d); },
                     [d2](const auto& a, const auto&) { return a.unaryExpr(d2); })};
             }
             return backward(s, g);
           });
    if constexpr (!std::is_same_v<D2, std::nullptr_t>) mark_differentiable_backward(out);
  }
  return out;
}

template <class T>
T sigmoid_of(T v) {
  return v >= T(0) ? T(1) / (T(1) + std::exp(-v)) : std::exp(v) / (T(1) + std::exp(v));
}

/// log(1 + exp(v)) without overflow.
template <class T>
T softplus_of(T v) {
  return std::max(v, T(0)) + std::log1p(std::exp(-std::abs(v)));
}

}  // namespace detail

/// F.elu: x if x > 0 else alpha * (exp(x) - 1); x [*] -> [*].
template <class T>
BasicTensor<T> elu(const BasicTensor<T>& x, double alpha = 1.0, bool inplace = false) {
  const T a = static_cast<T>(alpha);
  return detail::pointwise(
      "elu", "EluBackward0", x, inplace, [a](T v) { return v > T(0) ? v : a * std::expm1(v); },
      [a](T v) { return v > T(0) ? T(1) : a * std::exp(v); },
      [a](T v) { return v > T(0) ? T(0) : a * std::exp(v); });
}

/// F.selu: scale * elu(x, alpha) with SELU's fixed alpha = 1.6732632423543772 and scale =
/// 1.0507009873554805; x [*] -> [*].
template <class T>
BasicTensor<T> selu(const BasicTensor<T>& x, bool inplace = false) {
  const T a = static_cast<T>(1.6732632423543772848170429916717);
  const T s = static_cast<T>(1.0507009873554804934193349852946);
  return detail::pointwise(
      "selu", "EluBackward0", x, inplace,
      [a, s](T v) { return v > T(0) ? s * v : s * a * std::expm1(v); },
      [a, s](T v) { return v > T(0) ? s : s * a * std::exp(v); },
      [a, s](T v) { return v > T(0) ? T(0) : s * a * std::exp(v); });
}

/// F.celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); x [*] -> [*].
template <class T>
BasicTensor<T> celu(const BasicTensor<T>& x, double alpha = 1.0, bool inplace = false) {
  if (alpha == 0.0) throw std::invalid_argument("celu: alpha must not be 0 (it divides x), got 0");
  const T a = static_cast<T>(alpha);
  return detail::pointwise(
      "celu", "CeluBackward0", x, inplace,
      [a](T v) { return v > T(0) ? v : a * std::expm1(v / a); },
      [a](T v) { return v > T(0) ? T(1) : std::exp(v / a); },
      [a](T v) { return v > T(0) ? T(0) : std::exp(v / a) / a; });
}

/// F.silu (swish): x * sigmoid(x); x [*] -> [*].
template <class T>
BasicTensor<T> silu(const BasicTensor<T>& x, bool inplace = false) {
  return detail::pointwise(
      "silu", "SiluBackward0", x, inplace, [](T v) { return v * detail::sigmoid_of(v); },
      [](T v) {
        const T s = detail::sigmoid_of(v);
        return s * (T(1) + v * (T(1) - s));
      },
      [](T v) {  // s (1 - s) (2 + v (1 - 2 s))
        const T s = detail::sigmoid_of(v);
        return s * (T(1) - s) * (T(2) + v * (T(1) - T(2) * s));
      });
}

/// F.mish: x * tanh(softplus(x)); x [*] -> [*].
template <class T>
BasicTensor<T> mish(const BasicTensor<T>& x, bool inplace = false) {
  return detail::pointwise(
      "mish", "MishBackward0", x, inplace,
      [](T v) { return v * std::tanh(detail::softplus_of(v)); },
      [](T v) {
        const T t = std::tanh(detail::softplus_of(v));
        return t + v * detail::sigmoid_of(v) * (T(1) - t * t);
      },
      [](T v) {  // s (1 - t^2) (2 + v (1 - s) - 2 v s t)
        const T t = std::tanh(detail::softplus_of(v)), s = detail::sigmoid_of(v);
        return s * (T(1) - t * t) * (T(2) + v * (T(1) - s) - T(2) * v * s * t);
      });
}

/// F.softplus: log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold;
/// x [*] -> [*].
template <class T>
BasicTensor<T> softplus(const BasicTensor<T>& x, double beta = 1.0, double threshold = 20.0) {
  const T b = static_cast<T>(beta), th = static_cast<T>(threshold);
  return detail::pointwise(
      "softplus", "SoftplusBackward0", x, false,
      [b, th](T v) { return v * b > th ? v : std::log1p(std::exp(v * b)) / b; },
      [b, th](T v) { return v * b > th ? T(1) : detail::sigmoid_of(v * b); },
      [b, th](T v) {
        if (v * b > th) return T(0);
        const T s = detail::sigmoid_of(v * b);
        return b * s * (T(1) - s);
      });
}

/// F.softsign: x / (1 + |x|); x [*] -> [*].
template <class T>
BasicTensor<T> softsign(const BasicTensor<T>& x) {
  return detail::pointwise(
      "softsign", "SoftsignBackward0", x, false, [](T v) { return v / (T(1) + std::abs(v)); },
      [](T v) {
        const T q = T(1) + std::abs(v);
        return T(1) / (q * q);
      },
      [](T v) {  // -2 sign(v) / (1 + |v|)^3
        const T q = T(1) + std::abs(v);
        return static_cast<T>(-2 * ((v > T(0)) - (v < T(0)))) / (q * q * q);
      });
}

/// F.softshrink: x - lambd if x > lambd, x + lambd if x < -lambd, else 0; x [*] -> [*].
template <class T>
BasicTensor<T> softshrink(const BasicTensor<T>& x, double lambd = 0.5) {
  if (!(lambd >= 0.0))
    throw std::invalid_argument("softshrink: lambda must be greater or equal to 0, but found " +
                                std::to_string(lambd));
  const T l = static_cast<T>(lambd);
  return detail::pointwise(
      "softshrink", "SoftshrinkBackward0", x, false,
      [l](T v) { return v > l ? v - l : (v < -l ? v + l : T(0)); },
      [l](T v) { return v > l || v < -l ? T(1) : T(0); }, [](T) { return T(0); });
}

/// F.hardshrink: x where |x| > lambd, else 0; x [*] -> [*].
template <class T>
BasicTensor<T> hardshrink(const BasicTensor<T>& x, double lambd = 0.5) {
  const T l = static_cast<T>(lambd);
  return detail::pointwise(
      "hardshrink", "HardshrinkBackward0", x, false,
      [l](T v) { return v > l || v < -l ? v : T(0); },
      [l](T v) { return v > l || v < -l ? T(1) : T(0); }, [](T) { return T(0); });
}

/// F.tanhshrink: x - tanh(x); x [*] -> [*].
template <class T>
BasicTensor<T> tanhshrink(const BasicTensor<T>& x) {
  return detail::pointwise(
      "tanhshrink", "TanhshrinkBackward0", x, false, [](T v) { return v - std::tanh(v); },
      [](T v) {
        const T t = std::tanh(v);
        return t * t;
      },
      [](T v) {  // 2 tanh(v) (1 - tanh(v)^2)
        const T t = std::tanh(v);
        return T(2) * t * (T(1) - t * t);
      });
}

/// F.hardtanh: x clamped to [min_val, max_val] (gradient 0 outside); x [*] -> [*].
template <class T>
BasicTensor<T> hardtanh(const BasicTensor<T>& x, double min_val = -1.0, double max_val = 1.0,
                        bool inplace = false) {
  if (max_val < min_val)
    throw std::invalid_argument("hardtanh: max_val (" + std::to_string(max_val) +
                                ") must be greater or equal to min_val (" +
                                std::to_string(min_val) + ")");
  const T lo = static_cast<T>(min_val), hi = static_cast<T>(max_val);
  return detail::pointwise(
      "hardtanh", "HardtanhBackward0", x, inplace,
      [lo, hi](T v) { return v < lo ? lo : (v > hi ? hi : v); },
      [lo, hi](T v) { return v > lo && v < hi ? T(1) : T(0); }, [](T) { return T(0); });
}

/// F.relu6: min(max(x, 0), 6); x [*] -> [*].
template <class T>
BasicTensor<T> relu6(const BasicTensor<T>& x, bool inplace = false) {
  return hardtanh(x, 0.0, 6.0, inplace);
}

/// F.hardswish: x * relu6(x + 3) / 6; x [*] -> [*].
template <class T>
BasicTensor<T> hardswish(const BasicTensor<T>& x, bool inplace = false) {
  return detail::pointwise(
      "hardswish", "HardswishBackward0", x, inplace,
      [](T v) { return v <= T(-3) ? T(0) : (v >= T(3) ? v : v * (v + T(3)) / T(6)); },
      [](T v) { return v < T(-3) ? T(0) : (v <= T(3) ? v / T(3) + T(0.5) : T(1)); },
      [](T v) { return v < T(-3) || v > T(3) ? T(0) : T(1) / T(3); });
}

/// F.hardsigmoid: relu6(x + 3) / 6; x [*] -> [*].
template <class T>
BasicTensor<T> hardsigmoid(const BasicTensor<T>& x, bool inplace = false) {
  return detail::pointwise(
      "hardsigmoid", "HardsigmoidBackward0", x, inplace,
      [](T v) { return v <= T(-3) ? T(0) : (v >= T(3) ? T(1) : v / T(6) + T(0.5)); },
      [](T v) { return v > T(-3) && v < T(3) ? T(1) / T(6) : T(0); }, [](T) { return T(0); });
}

/// F.logsigmoid: log(sigmoid(x)) = -softplus(-x), computed stably; x [*] -> [*].
template <class T>
BasicTensor<T> logsigmoid(const BasicTensor<T>& x) {
  return detail::pointwise(
      "logsigmoid", "LogSigmoidBackward0", x, false, [](T v) { return -detail::softplus_of(-v); },
      [](T v) { return detail::sigmoid_of(-v); },
      [](T v) {  // -sigmoid(-v) sigmoid(v)
        return -detail::sigmoid_of(-v) * detail::sigmoid_of(v);
      });
}

/// F.threshold: x where x > threshold, else value; x [*] -> [*].
template <class T>
BasicTensor<T> threshold(const BasicTensor<T>& x, double threshold, double value,
                         bool inplace = false) {
  const T th = static_cast<T>(threshold), val = static_cast<T>(value);
  return detail::pointwise(
      "threshold", "ThresholdBackward0", x, inplace, [th, val](T v) { return v > th ? v : val; },
      [th](T v) { return v > th ? T(1) : T(0); }, [](T) { return T(0); });
}

/// F.rrelu: x where x >= 0, else a * x with a drawn from U(lower, upper) per element in
/// training (from `gen`) and a = (lower + upper) / 2 otherwise; x [*] -> [*].
template <class T>
BasicTensor<T> rrelu(const BasicTensor<T>& x, double lower = 1.0 / 8.0, double upper = 1.0 / 3.0,
                     bool training = false, bool inplace = false,
                     Generator& gen = default_generator()) {
  if (!(lower <= upper))
    throw std::invalid_argument("rrelu: lower bound (" + std::to_string(lower) +
                                ") must be less than or equal to upper bound (" +
                                std::to_string(upper) + ")");
  if (!training) {
    const T a = static_cast<T>((lower + upper) / 2);
    return detail::pointwise(
        "rrelu", "RreluWithNoiseBackward0", x, inplace, [a](T v) { return v >= T(0) ? v : a * v; },
        [a](T v) { return v >= T(0) ? T(1) : a; }, [](T) { return T(0); });
  }
  // noise: the slope each element was multiplied by (1 where x >= 0).
  auto noise = BasicTensor<T>::empty(x.shape());
  {
    const std::unique_lock lock(gen.mutex());
    const T* xp = x.data();
    T* np = noise.data();
    for (std::int64_t i = 0; i < x.numel(); ++i)
      np[i] = xp[i] >= T(0) ? T(1) : static_cast<T>(lower + (upper - lower) * gen.uniform());
  }
  const auto times_noise = [noise](const BasicTensor<T>& g) {
    auto gi = BasicTensor<T>::empty(g.shape());
    const T* gv = g.data();
    const T* nv = noise.data();
    T* o = gi.data();
    for (std::int64_t i = 0; i < gi.numel(); ++i) o[i] = gv[i] * nv[i];
    return std::vector<BasicTensor<T>>{gi};
  };
  if (inplace) {
    detail::check_inplace("rrelu", x);
    const bool graph = detail::needs_graph<T>({&x});
    auto prev = graph ? detail::gradient_edge(x) : nullptr;
    T* p = x.data();
    for (std::int64_t i = 0; i < x.numel(); ++i) p[i] *= noise.data()[i];
    detail::bump_version(x);
    if (graph) {
      detail::rebase_history(x, "RreluWithNoiseBackward0", prev, nullptr,
                             [times_noise, noise](const BasicTensor<T>& g) {
                               if (is_grad_enabled()) [[unlikely]]  // create_graph: g * noise
                                 return std::vector<BasicTensor<T>>{g * noise};
                               return times_noise(g);
                             });
      detail::mark_inplace_differentiable(x, "RreluWithNoiseBackward0");
    }
    return x;
  }
  auto out = times_noise(x)[0];
  if (detail::needs_graph<T>({&x})) {
    detail::record(
        out, "RreluWithNoiseBackward0", {&x}, [times_noise, noise](const BasicTensor<T>& g) {
          if (is_grad_enabled()) [[unlikely]]  // create_graph: g times the constant noise
            return std::vector<BasicTensor<T>>{g * noise};
          return times_noise(g);
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

/// F.prelu: x where x > 0, else weight * x, with one learnable slope per channel (dim 1; a
/// 1-element weight is shared). x [*] (channels at dim 1), weight [C] or [1] -> [*].
template <class T>
BasicTensor<T> prelu(const BasicTensor<T>& x, const BasicTensor<T>& weight) {
  if (weight.dim() > 1)
    throw ShapeError("prelu: weight must be 1-D (one slope per channel), got " +
                     to_string(weight.shape()));
  const std::int64_t c = x.dim() >= 2 ? x.shape()[1] : 1;
  const std::int64_t k = weight.numel();
  if (k != 1 && k != c)
    throw ShapeError("prelu: mismatch of parameter numbers and input channel size: weight has " +
                     std::to_string(k) + " slopes, input " + to_string(x.shape()) + " has " +
                     std::to_string(c) + " channels");
  // x viewed as [outer, c, inner]; channel of element i is (i / inner) % c.
  std::int64_t inner = 1;
  for (std::int64_t d = 2; d < x.dim(); ++d) inner *= x.shape()[static_cast<std::size_t>(d)];
  const auto channel = [c, k, inner](std::int64_t i) {
    return k == 1 ? std::int64_t(0) : (i / inner) % c;
  };
  auto out = BasicTensor<T>::empty(x.shape());
  const T* xp = x.data();
  const T* wp = weight.data();
  T* o = out.data();
  for (std::int64_t i = 0; i < x.numel(); ++i) o[i] = xp[i] > T(0) ? xp[i] : wp[channel(i)] * xp[i];
  if (detail::needs_graph<T>({&x, &weight}))
    detail::record(
        out, "PreluKernelBackward0", {&x, &weight},
        [sx = detail::SavedTensor<T>(x), sw = detail::SavedTensor<T>(weight), xs = x.shape(),
         ws = weight.shape(), channel, c, k, inner](const BasicTensor<T>& g) {
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            const auto xv = sx.variable("prelu", xs);
            auto wv = sw.variable("prelu", ws);
            if (k == 1) {
              wv = wv.reshape({});
            } else {  // one slope per channel at dim 1
              Shape bs(xs.size(), 1);
              bs[1] = c;
              wv = wv.reshape(bs);
            }
            const auto pos = xv > T(0);  // a constant mask
            const auto gx = torchlet::where(pos, g, g * wv);
            const auto t = torchlet::where(pos, torchlet::zeros<T>(xs), g * xv);
            const auto gw =
                k == 1 ? t.sum().reshape(ws) : t.reshape({-1, c, inner}).sum(2).sum(0).reshape(ws);
            return std::vector<BasicTensor<T>>{gx, gw};
          }
          const T* xv = sx.data("prelu");
          const T* wv = sw.data("prelu");
          const T* gv = g.data();
          auto gx = BasicTensor<T>::empty(xs);
          auto gw = torchlet::zeros<T>(ws);
          T* gxp = gx.data();
          T* gwp = gw.data();
          for (std::int64_t i = 0; i < gx.numel(); ++i) {
            const auto ch = channel(i);
            if (xv[i] > T(0)) {
              gxp[i] = gv[i];
            } else {
              gxp[i] = wv[ch] * gv[i];
              gwp[ch] += xv[i] * gv[i];
            }
          }
          return std::vector<BasicTensor<T>>{gx, gw};
        });
  detail::mark_differentiable_backward(out);
  return out;
}

/// F.glu: a * sigmoid(b) where a and b are the two halves of x along dim;
/// x [..., 2n, ...] -> [..., n, ...].
template <class T>
BasicTensor<T> glu(const BasicTensor<T>& x, std::int64_t dim = -1) {
  if (x.dim() == 0) throw ShapeError("glu: does not support 0-dimensional (scalar) input");
  auto sp = detail::split_dim("glu", x.shape(), dim, true);
  if (sp.n % 2 != 0)
    throw ShapeError("glu: halving dimension must be even, but dimension " + std::to_string(dim) +
                     " of " + to_string(x.shape()) + " is size " + std::to_string(sp.n));
  const std::int64_t h = sp.n / 2, inner = sp.inner, outer = sp.outer;
  Shape os = x.shape();
  os[static_cast<std::size_t>(dim)] = h;
  auto out = BasicTensor<T>::empty(os);
  const T* xp = x.data();
  T* o = out.data();
  for (std::int64_t a = 0; a < outer; ++a)
    for (std::int64_t j = 0; j < h * inner; ++j) {
      const T* base = xp + a * sp.n * inner;
      o[a * h * inner + j] = base[j] * detail::sigmoid_of(base[h * inner + j]);
    }
  if (detail::needs_graph<T>({&x}))
    detail::record(
        out, "GluBackward0", {&x},
        [sx = detail::SavedTensor<T>(x), xs = x.shape(), h, inner, outer, n = sp.n,
         dim](const BasicTensor<T>& g) {
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            const auto xv = sx.variable("glu", xs);
            const auto a = xv.narrow(dim, 0, h);
            const auto s = xv.narrow(dim, h, h).sigmoid();
            return std::vector<BasicTensor<T>>{torchlet::cat({g * s, g * a * s * (T(1) - s)}, dim)};
          }
          const T* xv = sx.data("glu");
          const T* gv = g.data();
          auto gx = BasicTensor<T>::empty(xs);
          T* gp = gx.data();
          for (std::int64_t a = 0; a < outer; ++a)
            for (std::int64_t j = 0; j < h * inner; ++j) {
              const T* base = xv + a * n * inner;
              const T s = detail::sigmoid_of(base[h * inner + j]);
              const T gg = gv[a * h * inner + j];
              gp[a * n * inner + j] = gg * s;
              gp[a * n * inner + h * inner + j] = gg * base[j] * s * (T(1) - s);
            }
          return std::vector<BasicTensor<T>>{gx};
        });
  detail::mark_differentiable_backward(out);
  return out;
}

/// F.softmin: softmax(-x) along dim; each lane sums to 1. x [*] -> [*]. Composed as PyTorch
/// composes it (grad_fn SoftmaxBackward0 after NegBackward0): softmax's one derivative.
template <class T>
BasicTensor<T> softmin(const BasicTensor<T>& x, std::int64_t dim) {
  detail::split_dim("softmin", x.shape(), dim, true);  // a bad dim is reported as softmin's
  return torchlet::softmax(-x, dim);
}

/// Softmax2d's functional form: softmax over the channels (dim -3) of every location;
/// x [N, C, H, W] or [C, H, W] -> same shape.
template <class T>
BasicTensor<T> softmax2d(const BasicTensor<T>& x) {
  if (x.dim() != 3 && x.dim() != 4)
    throw ShapeError("Softmax2d: expected input of 3 or 4 dims ([C, H, W] or [N, C, H, W]), got " +
                     to_string(x.shape()));
  return torchlet::softmax(x, -3);
}

}  // namespace torchlet::nn::functional
