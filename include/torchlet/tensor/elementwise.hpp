#pragma once
// Elementwise math with NumPy/PyTorch broadcasting, each op's backward beside it.
// Shapes: a [*A], b [*B] -> broadcast([*A], [*B]).
#include <cmath>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/tensor/basic_tensor.hpp"
#include "torchlet/tensor/creation.hpp"

namespace torchlet {
namespace detail {

/// Sums `g` down to `shape` (the reverse of broadcasting `shape` up to g's shape).
template <class T>
BasicTensor<T> sum_to(const BasicTensor<T>& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  auto out = zeros<T>(shape);
  const std::int64_t n = out.numel(), gn = g.numel();
  const T* gp = g.data();
  T* op = out.data();
  if (n == 1) {
    op[0] = camap(gp, gn).sum();
    return out;
  }
  // Suffix case: shape's trailing elements match g's (e.g. [C] from [N, C]).
  if (gn % n == 0) {
    Shape tail(g.shape().end() - static_cast<std::ptrdiff_t>(std::min(g.shape().size(), shape.size())), g.shape().end());
    Shape s = shape;
    while (!s.empty() && s.front() == 1 && s.size() > tail.size()) s.erase(s.begin());
    if (s == tail && numel_of(s) == n) {
      amap(op, n) = cmmap(gp, gn / n, n).colwise().sum().transpose().array();
      return out;
    }
  }
  const Shape st = broadcast_strides(shape, g.shape());
  const std::size_t nd = g.shape().size();
  std::vector<std::int64_t> idx(nd, 0);
  std::int64_t off = 0;
  for (std::int64_t i = 0; i < gn; ++i) {
    op[off] += gp[i];
    for (std::size_t d = nd; d-- > 0;) {
      off += st[d];
      if (++idx[d] < g.shape()[d]) break;
      off -= st[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

/// out = f(a, b) with broadcasting; f must accept Eigen arrays and scalars alike.
template <class T, class R = T, class F>
BasicTensor<R> broadcast_apply(const char* op, const BasicTensor<T>& a, const BasicTensor<T>& b, F f) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  if (as == bs) {
    auto out = BasicTensor<R>::empty(as);
    amap(out.data(), out.numel()) = f(camap(a.data(), a.numel()), camap(b.data(), b.numel()));
    return out;
  }
  const Shape os = broadcast_shapes(op, as, bs);
  auto out = BasicTensor<R>::empty(os);
  const std::int64_t n = out.numel();
  if (n == 0) return out;
  if (b.numel() == 1 && a.numel() == n) {
    amap(out.data(), n) = f(camap(a.data(), n), *b.data());
    return out;
  }
  if (a.numel() == 1 && b.numel() == n) {
    amap(out.data(), n) = f(*a.data(), camap(b.data(), n));
    return out;
  }
  // Block cases: the smaller operand repeats as a contiguous block (suffix broadcast,
  // e.g. [N, C] + [C]) or each of its elements covers a contiguous run ([N, C] + [N, 1]).
  auto try_blocks = [&](const BasicTensor<T>& big, const BasicTensor<T>& small, bool big_first) {
    if (big.numel() != n) return false;
    const std::int64_t m = small.numel();
    if (m == 0 || n % m) return false;
    const Shape sst = broadcast_strides(small.shape(), os);
    // suffix: strides of small equal contiguous strides of os on trailing dims, 0 before
    const Shape cst = contiguous_strides(os);
    std::size_t k = 0;
    while (k < os.size() && sst[k] == 0) ++k;
    bool suffix = true;
    for (std::size_t d = k; d < os.size(); ++d) suffix &= (sst[d] == cst[d] || os[d] == 1);
    std::int64_t tailn = 1;
    for (std::size_t d = k; d < os.size(); ++d) tailn *= os[d];
    if (suffix && tailn == m) {
      const auto sm = camap(small.data(), m);
      for (std::int64_t r = 0; r < n / m; ++r) {
        const auto bm = camap(big.data() + r * m, m);
        if (big_first) amap(out.data() + r * m, m) = f(bm, sm);
        else amap(out.data() + r * m, m) = f(sm, bm);
      }
      return true;
    }
    // prefix: small's shape is os with trailing dims set to 1
    std::size_t j = os.size();
    while (j > 0 && sst[j - 1] == 0) --j;
    std::int64_t run = 1;
    for (std::size_t d = j; d < os.size(); ++d) run *= os[d];
    bool prefix = true;
    for (std::size_t d = 0; d < j; ++d) prefix &= (sst[d] * run == cst[d] || os[d] == 1);
    if (prefix && run * m == n) {
      for (std::int64_t r = 0; r < m; ++r) {
        const auto bm = camap(big.data() + r * run, run);
        const T s = small.data()[r];
        if (big_first) amap(out.data() + r * run, run) = f(bm, s);
        else amap(out.data() + r * run, run) = f(s, bm);
      }
      return true;
    }
    return false;
  };
  if (try_blocks(a, b, true) || try_blocks(b, a, false)) return out;
  // General strided loop.
  const Shape ast = broadcast_strides(as, os), bst = broadcast_strides(bs, os);
  const std::size_t nd = os.size();
  std::vector<std::int64_t> idx(nd, 0);
  std::int64_t ao = 0, bo = 0;
  const T* ap = a.data();
  const T* bp = b.data();
  R* op_ = out.data();
  for (std::int64_t i = 0; i < n; ++i) {
    op_[i] = static_cast<R>(f(ap[ao], bp[bo]));
    for (std::size_t d = nd; d-- > 0;) {
      ao += ast[d];
      bo += bst[d];
      if (++idx[d] < os[d]) break;
      ao -= ast[d] * idx[d];
      bo -= bst[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

/// out = f(x) elementwise; f takes an Eigen array.
template <class T, class F>
BasicTensor<T> unary_apply(const BasicTensor<T>& x, F f) {
  auto out = BasicTensor<T>::empty(x.shape());
  amap(out.data(), out.numel()) = f(camap(x.data(), x.numel()));
  return out;
}

template <class S, class T>
concept ScalarFor = std::is_arithmetic_v<S> && std::is_convertible_v<S, T>;

}  // namespace detail

// ---- binary ops ---------------------------------------------------------------

template <class T>
BasicTensor<T> add(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  auto out = detail::broadcast_apply("add", a, b, [](const auto& x, const auto& y) { return x + y; });
  if (detail::needs_graph<T>({&a, &b}))
    detail::record(out, "AddBackward", {&a, &b}, [as = a.shape(), bs = b.shape()](const BasicTensor<T>& g) {
      return std::vector<BasicTensor<T>>{detail::sum_to(g, as), detail::sum_to(g, bs)};
    });
  return out;
}

template <class T>
BasicTensor<T> sub(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  auto out = detail::broadcast_apply("sub", a, b, [](const auto& x, const auto& y) { return x - y; });
  if (detail::needs_graph<T>({&a, &b}))
    detail::record(out, "SubBackward", {&a, &b}, [as = a.shape(), bs = b.shape()](const BasicTensor<T>& g) {
      auto gb = detail::sum_to(g, bs);
      return std::vector<BasicTensor<T>>{detail::sum_to(g, as), detail::unary_apply(gb, [](const auto& v) { return -v; })};
    });
  return out;
}

template <class T>
BasicTensor<T> mul(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  auto out = detail::broadcast_apply("mul", a, b, [](const auto& x, const auto& y) { return x * y; });
  if (detail::needs_graph<T>({&a, &b})) {
    auto ad = a.detach(), bd = b.detach();
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    detail::record(out, "MulBackward", {&a, &b}, [ad, bd, ga, gb](const BasicTensor<T>& g) {
      auto f = [](const auto& x, const auto& y) { return x * y; };
      return std::vector<BasicTensor<T>>{
          ga ? detail::sum_to(detail::broadcast_apply("mul", g, bd, f), ad.shape()) : BasicTensor<T>{},
          gb ? detail::sum_to(detail::broadcast_apply("mul", g, ad, f), bd.shape()) : BasicTensor<T>{}};
    });
  }
  return out;
}

template <class T>
BasicTensor<T> div(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  auto out = detail::broadcast_apply("div", a, b, [](const auto& x, const auto& y) { return x / y; });
  if (detail::needs_graph<T>({&a, &b})) {
    auto ad = a.detach(), bd = b.detach();
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    detail::record(out, "DivBackward", {&a, &b}, [ad, bd, ga, gb](const BasicTensor<T>& g) {
      BasicTensor<T> da, db;
      if (ga) da = detail::sum_to(detail::broadcast_apply("div", g, bd, [](const auto& x, const auto& y) { return x / y; }), ad.shape());
      if (gb) {
        // d(a/b)/db = -a / b^2
        auto q = detail::broadcast_apply("div", ad, bd, [](const auto& x, const auto& y) { return x / y; });
        auto t = detail::broadcast_apply("div", q, bd, [](const auto& x, const auto& y) { return x / y; });
        db = detail::sum_to(detail::broadcast_apply("mul", g, t, [](const auto& x, const auto& y) { return -(x * y); }), bd.shape());
      }
      return std::vector<BasicTensor<T>>{da, db};
    });
  }
  return out;
}

template <class T> BasicTensor<T> operator+(const BasicTensor<T>& a, const BasicTensor<T>& b) { return add(a, b); }
template <class T> BasicTensor<T> operator-(const BasicTensor<T>& a, const BasicTensor<T>& b) { return sub(a, b); }
template <class T> BasicTensor<T> operator*(const BasicTensor<T>& a, const BasicTensor<T>& b) { return mul(a, b); }
template <class T> BasicTensor<T> operator/(const BasicTensor<T>& a, const BasicTensor<T>& b) { return div(a, b); }

// Scalar operands on either side: promoted to a 0-dim tensor of T.
template <class T, detail::ScalarFor<T> S> BasicTensor<T> operator+(const BasicTensor<T>& a, S s) { return add(a, scalar_tensor<T>(static_cast<T>(s))); }
template <class T, detail::ScalarFor<T> S> BasicTensor<T> operator+(S s, const BasicTensor<T>& a) { return add(scalar_tensor<T>(static_cast<T>(s)), a); }
template <class T, detail::ScalarFor<T> S> BasicTensor<T> operator-(const BasicTensor<T>& a, S s) { return sub(a, scalar_tensor<T>(static_cast<T>(s))); }
template <class T, detail::ScalarFor<T> S> BasicTensor<T> operator-(S s, const BasicTensor<T>& a) { return sub(scalar_tensor<T>(static_cast<T>(s)), a); }
template <class T, detail::ScalarFor<T> S> BasicTensor<T> operator*(const BasicTensor<T>& a, S s) { return mul(a, scalar_tensor<T>(static_cast<T>(s))); }
template <class T, detail::ScalarFor<T> S> BasicTensor<T> operator*(S s, const BasicTensor<T>& a) { return mul(scalar_tensor<T>(static_cast<T>(s)), a); }
template <class T, detail::ScalarFor<T> S> BasicTensor<T> operator/(const BasicTensor<T>& a, S s) { return div(a, scalar_tensor<T>(static_cast<T>(s))); }
template <class T, detail::ScalarFor<T> S> BasicTensor<T> operator/(S s, const BasicTensor<T>& a) { return div(scalar_tensor<T>(static_cast<T>(s)), a); }

// ---- in-place (no graph: rejected on tensors that require grad while recording) ----
namespace detail {
template <class T, class F>
const BasicTensor<T>& inplace_apply(const char* op, const BasicTensor<T>& a, const BasicTensor<T>& b, F f) {
  if (is_grad_enabled() && a.requires_grad())
    throw std::invalid_argument(std::string(op) + ": in-place operation on a tensor that requires grad "
                                "(use NoGradGuard, or the out-of-place form)");
  const Shape os = broadcast_shapes(op, a.shape(), b.shape());
  if (os != a.shape())
    throw ShapeError(std::string(op) + ": output with shape " + to_string(a.shape()) +
                     " doesn't match the broadcast shape " + to_string(os));
  if (b.numel() == 1) {
    const T s = *b.data();
    auto m = amap(a.data(), a.numel());
    m = f(m, s);
  } else if (b.shape() == a.shape()) {
    auto m = amap(a.data(), a.numel());
    m = f(m, camap(b.data(), b.numel()));
  } else {
    auto r = broadcast_apply(op, a, b, f);
    std::copy_n(r.data(), r.numel(), a.data());
  }
  return a;
}
}  // namespace detail

template <class T> const BasicTensor<T>& operator+=(const BasicTensor<T>& a, const BasicTensor<T>& b) { return detail::inplace_apply("add_", a, b, [](const auto& x, const auto& y) { return x + y; }); }
template <class T> const BasicTensor<T>& operator-=(const BasicTensor<T>& a, const BasicTensor<T>& b) { return detail::inplace_apply("sub_", a, b, [](const auto& x, const auto& y) { return x - y; }); }
template <class T> const BasicTensor<T>& operator*=(const BasicTensor<T>& a, const BasicTensor<T>& b) { return detail::inplace_apply("mul_", a, b, [](const auto& x, const auto& y) { return x * y; }); }
template <class T> const BasicTensor<T>& operator/=(const BasicTensor<T>& a, const BasicTensor<T>& b) { return detail::inplace_apply("div_", a, b, [](const auto& x, const auto& y) { return x / y; }); }
template <class T, detail::ScalarFor<T> S> const BasicTensor<T>& operator+=(const BasicTensor<T>& a, S s) { return a += scalar_tensor<T>(static_cast<T>(s)); }
template <class T, detail::ScalarFor<T> S> const BasicTensor<T>& operator-=(const BasicTensor<T>& a, S s) { return a -= scalar_tensor<T>(static_cast<T>(s)); }
template <class T, detail::ScalarFor<T> S> const BasicTensor<T>& operator*=(const BasicTensor<T>& a, S s) { return a *= scalar_tensor<T>(static_cast<T>(s)); }
template <class T, detail::ScalarFor<T> S> const BasicTensor<T>& operator/=(const BasicTensor<T>& a, S s) { return a /= scalar_tensor<T>(static_cast<T>(s)); }

// ---- comparisons (no gradient) -> BoolTensor -----------------------------------
#define TORCHLET_COMPARISON(name, sym)                                                          \
  template <class T>                                                                            \
  BasicTensor<bool> name(const BasicTensor<T>& a, const BasicTensor<T>& b) {                    \
    return detail::broadcast_apply<T, bool>(#name, a, b, [](const auto& x, const auto& y) {    \
      if constexpr (std::is_arithmetic_v<std::decay_t<decltype(x)>> &&                          \
                    std::is_arithmetic_v<std::decay_t<decltype(y)>>)                            \
        return x sym y;                                                                         \
      else                                                                                      \
        return (x sym y).template cast<bool>();                                                 \
    });                                                                                         \
  }                                                                                             \
  template <class T>                                                                            \
  BasicTensor<bool> operator sym(const BasicTensor<T>& a, const BasicTensor<T>& b) {            \
    return name(a, b);                                                                          \
  }                                                                                             \
  template <class T, detail::ScalarFor<T> S>                                                    \
  BasicTensor<bool> operator sym(const BasicTensor<T>& a, S s) {                                \
    return name(a, scalar_tensor<T>(static_cast<T>(s)));                                        \
  }
TORCHLET_COMPARISON(eq, ==)
TORCHLET_COMPARISON(ne, !=)
TORCHLET_COMPARISON(lt, <)
TORCHLET_COMPARISON(le, <=)
TORCHLET_COMPARISON(gt, >)
TORCHLET_COMPARISON(ge, >=)
#undef TORCHLET_COMPARISON

// ---- unary ops ------------------------------------------------------------------

template <class T>
BasicTensor<T> neg(const BasicTensor<T>& x) {
  auto out = detail::unary_apply(x, [](const auto& a) { return -a; });
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "NegBackward", {&x}, [](const BasicTensor<T>& g) {
      return std::vector<BasicTensor<T>>{detail::unary_apply(g, [](const auto& a) { return -a; })};
    });
  return out;
}
template <class T> BasicTensor<T> operator-(const BasicTensor<T>& x) { return neg(x); }

template <class T>
BasicTensor<T> exp(const BasicTensor<T>& x) {
  auto out = detail::unary_apply(x, [](const auto& a) { return a.exp(); });
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "ExpBackward", {&x}, [y = out.detach()](const BasicTensor<T>& g) {
      return std::vector<BasicTensor<T>>{mul(g, y)};
    });
  return out;
}

template <class T>
BasicTensor<T> log(const BasicTensor<T>& x) {
  auto out = detail::unary_apply(x, [](const auto& a) { return a.log(); });
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "LogBackward", {&x}, [xd = x.detach()](const BasicTensor<T>& g) {
      return std::vector<BasicTensor<T>>{div(g, xd)};
    });
  return out;
}

template <class T>
BasicTensor<T> relu(const BasicTensor<T>& x) {
  auto out = detail::unary_apply(x, [](const auto& a) { return a.max(T(0)); });
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "ReluBackward", {&x}, [y = out.detach()](const BasicTensor<T>& g) {
      auto gi = BasicTensor<T>::empty(g.shape());
      const auto ym = detail::camap(y.data(), y.numel());
      detail::amap(gi.data(), gi.numel()) = (ym > T(0)).select(detail::camap(g.data(), g.numel()), T(0));
      return std::vector<BasicTensor<T>>{gi};
    });
  return out;
}

template <class T>
BasicTensor<T> sigmoid(const BasicTensor<T>& x) {
  auto out = detail::unary_apply(x, [](const auto& a) { return T(1) / (T(1) + (-a).exp()); });
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "SigmoidBackward", {&x}, [y = out.detach()](const BasicTensor<T>& g) {
      auto gi = BasicTensor<T>::empty(g.shape());
      const auto ym = detail::camap(y.data(), y.numel());
      detail::amap(gi.data(), gi.numel()) = detail::camap(g.data(), g.numel()) * ym * (T(1) - ym);
      return std::vector<BasicTensor<T>>{gi};
    });
  return out;
}

template <class T>
BasicTensor<T> tanh(const BasicTensor<T>& x) {
  auto out = detail::unary_apply(x, [](const auto& a) { return a.tanh(); });
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "TanhBackward", {&x}, [y = out.detach()](const BasicTensor<T>& g) {
      auto gi = BasicTensor<T>::empty(g.shape());
      const auto ym = detail::camap(y.data(), y.numel());
      detail::amap(gi.data(), gi.numel()) = detail::camap(g.data(), g.numel()) * (T(1) - ym.square());
      return std::vector<BasicTensor<T>>{gi};
    });
  return out;
}

template <class T>
BasicTensor<T> abs(const BasicTensor<T>& x) {
  auto out = detail::unary_apply(x, [](const auto& a) { return a.abs(); });
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "AbsBackward", {&x}, [xd = x.detach()](const BasicTensor<T>& g) {
      auto gi = BasicTensor<T>::empty(g.shape());
      const auto xm = detail::camap(xd.data(), xd.numel());
      detail::amap(gi.data(), gi.numel()) = detail::camap(g.data(), g.numel()) * xm.sign();
      return std::vector<BasicTensor<T>>{gi};
    });
  return out;
}

template <class T>
BasicTensor<T> sqrt(const BasicTensor<T>& x) {
  auto out = detail::unary_apply(x, [](const auto& a) { return a.sqrt(); });
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "SqrtBackward", {&x}, [y = out.detach()](const BasicTensor<T>& g) {
      auto gi = BasicTensor<T>::empty(g.shape());
      detail::amap(gi.data(), gi.numel()) =
          detail::camap(g.data(), g.numel()) / (T(2) * detail::camap(y.data(), y.numel()));
      return std::vector<BasicTensor<T>>{gi};
    });
  return out;
}

template <class T>
BasicTensor<T> pow(const BasicTensor<T>& x, T e) {
  auto out = detail::unary_apply(x, [e](const auto& a) { return a.pow(e); });
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "PowBackward", {&x}, [xd = x.detach(), e](const BasicTensor<T>& g) {
      auto gi = BasicTensor<T>::empty(g.shape());
      detail::amap(gi.data(), gi.numel()) =
          detail::camap(g.data(), g.numel()) * e * detail::camap(xd.data(), xd.numel()).pow(e - T(1));
      return std::vector<BasicTensor<T>>{gi};
    });
  return out;
}

template <class T> BasicTensor<T> BasicTensor<T>::exp() const { return torchlet::exp(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::log() const { return torchlet::log(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::relu() const { return torchlet::relu(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::sigmoid() const { return torchlet::sigmoid(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::tanh() const { return torchlet::tanh(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::neg() const { return torchlet::neg(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::abs() const { return torchlet::abs(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::sqrt() const { return torchlet::sqrt(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::pow(T e) const { return torchlet::pow(*this, e); }

/// True if all |a - b| <= atol + rtol * |b| (torch.allclose); shapes must broadcast.
template <class T>
bool allclose(const BasicTensor<T>& a, const BasicTensor<T>& b, double rtol = 1e-5, double atol = 1e-8) {
  auto r = detail::broadcast_apply<T, bool>("allclose", a, b, [rtol, atol](const auto& x, const auto& y) {
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(x)>> && std::is_arithmetic_v<std::decay_t<decltype(y)>>)
      return std::abs(double(x) - double(y)) <= atol + rtol * std::abs(double(y));
    else
      return ((x.template cast<double>() - y.template cast<double>()).abs() <= atol + rtol * y.template cast<double>().abs()).eval();
  });
  const bool* p = r.data();
  for (std::int64_t i = 0; i < r.numel(); ++i)
    if (!p[i]) return false;
  return true;
}

}  // namespace torchlet
