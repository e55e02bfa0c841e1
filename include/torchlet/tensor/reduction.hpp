#pragma once
// Reductions over all elements or one dim (with keepdim), and softmax/log_softmax.
// A tensor [*pre, n, *post] is viewed as (outer = prod(pre), n, inner = prod(post)).
#include <limits>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/tensor/elementwise.hpp"

namespace torchlet {
namespace detail {

struct DimSplit {
  std::int64_t outer = 1, n = 1, inner = 1;
  Shape reduced;  // shape after reduction (keepdim applied)
};

inline DimSplit split_dim(const char* op, const Shape& s, std::int64_t& dim, bool keepdim) {
  const auto nd = static_cast<std::int64_t>(s.size());
  dim = wrap_dim(op, dim, nd);
  DimSplit r;
  if (nd == 0) return r;
  for (std::int64_t i = 0; i < nd; ++i) {
    const auto d = s[static_cast<std::size_t>(i)];
    if (i < dim) r.outer *= d;
    else if (i > dim) r.inner *= d;
    else r.n = d;
    if (i != dim) r.reduced.push_back(d);
    else if (keepdim) r.reduced.push_back(1);
  }
  return r;
}

/// Broadcasts a reduced gradient g (shape without or with kept dim) back over `dim`.
template <class T>
BasicTensor<T> expand_reduced(const BasicTensor<T>& g, const Shape& in_shape, const DimSplit& sp, T scale) {
  auto out = BasicTensor<T>::empty(in_shape);
  const T* gp = g.data();
  T* op = out.data();
  for (std::int64_t o = 0; o < sp.outer; ++o)
    for (std::int64_t k = 0; k < sp.n; ++k)
      for (std::int64_t i = 0; i < sp.inner; ++i) op[(o * sp.n + k) * sp.inner + i] = gp[o * sp.inner + i] * scale;
  return out;
}

template <class T>
using acc_t = std::conditional_t<std::is_floating_point_v<T>, T, std::int64_t>;

}  // namespace detail

/// Sum of all elements; bool and integer tensors sum to int64 (as in PyTorch).
template <class T>
BasicTensor<detail::acc_t<T>> sum(const BasicTensor<T>& x) {
  using A = detail::acc_t<T>;
  A s = 0;
  if constexpr (std::is_floating_point_v<T>) {
    s = detail::camap(x.data(), x.numel()).sum();
  } else {
    const T* p = x.data();
    for (std::int64_t i = 0; i < x.numel(); ++i) s += static_cast<A>(p[i]);
  }
  auto out = scalar_tensor<A>(s);
  if constexpr (std::is_floating_point_v<T>) {
    if (detail::needs_graph<T>({&x}))
      detail::record(out, "SumBackward", {&x}, [shape = x.shape()](const BasicTensor<T>& g) {
        return std::vector<BasicTensor<T>>{full<T>(shape, *g.data())};
      });
  }
  return out;
}

template <class T>
BasicTensor<T> sum(const BasicTensor<T>& x, std::int64_t dim, bool keepdim = false) {
  const auto sp = detail::split_dim("sum", x.shape(), dim, keepdim);
  auto out = zeros<T>(sp.reduced);
  const T* p = x.data();
  T* o = out.data();
  for (std::int64_t a = 0; a < sp.outer; ++a)
    for (std::int64_t k = 0; k < sp.n; ++k)
      detail::amap(o + a * sp.inner, sp.inner) += detail::camap(p + (a * sp.n + k) * sp.inner, sp.inner);
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "SumBackward", {&x}, [shape = x.shape(), sp](const BasicTensor<T>& g) {
      return std::vector<BasicTensor<T>>{detail::expand_reduced(g, shape, sp, T(1))};
    });
  return out;
}

template <class T>
BasicTensor<T> mean(const BasicTensor<T>& x) {
  static_assert(std::is_floating_point_v<T>, "mean: needs a floating point tensor");
  if (x.numel() == 0) return scalar_tensor<T>(std::numeric_limits<T>::quiet_NaN());
  return sum(x) / static_cast<T>(x.numel());
}
template <class T>
BasicTensor<T> mean(const BasicTensor<T>& x, std::int64_t dim, bool keepdim = false) {
  static_assert(std::is_floating_point_v<T>, "mean: needs a floating point tensor");
  const auto n = x.size(dim);
  return sum(x, dim, keepdim) / static_cast<T>(n);
}

/// Index of the maximum along dim (first occurrence), as int64.
template <class T>
BasicTensor<std::int64_t> argmax(const BasicTensor<T>& x, std::int64_t dim, bool keepdim = false) {
  const auto sp = detail::split_dim("argmax", x.shape(), dim, keepdim);
  if (sp.n == 0) throw std::invalid_argument("argmax: cannot reduce over an empty dimension");
  auto out = BasicTensor<std::int64_t>::empty(sp.reduced);
  const T* p = x.data();
  std::int64_t* o = out.data();
  for (std::int64_t a = 0; a < sp.outer; ++a)
    for (std::int64_t i = 0; i < sp.inner; ++i) {
      std::int64_t best = 0;
      T bv = p[a * sp.n * sp.inner + i];
      for (std::int64_t k = 1; k < sp.n; ++k) {
        const T v = p[(a * sp.n + k) * sp.inner + i];
        if (v > bv || (v != v && bv == bv)) bv = v, best = k;
      }
      o[a * sp.inner + i] = best;
    }
  return out;
}
template <class T>
BasicTensor<std::int64_t> argmax(const BasicTensor<T>& x) {
  return argmax(x.reshape({-1}), 0);
}

namespace detail {
template <class T, bool IsMax>
BasicTensor<T> extreme(const char* op, const BasicTensor<T>& x) {
  if (x.numel() == 0) throw std::invalid_argument(std::string(op) + ": operation on an empty tensor");
  const auto m = camap(x.data(), x.numel());
  std::int64_t idx = 0;
  if constexpr (IsMax) m.maxCoeff(&idx);
  else m.minCoeff(&idx);
  auto out = scalar_tensor<T>(x.data()[idx]);
  if (needs_graph<T>({&x}))
    record(out, IsMax ? "MaxBackward" : "MinBackward", {&x}, [shape = x.shape(), idx](const BasicTensor<T>& g) {
      auto gi = zeros<T>(shape);
      gi.data()[idx] = *g.data();
      return std::vector<BasicTensor<T>>{gi};
    });
  return out;
}
}  // namespace detail
template <class T> BasicTensor<T> max(const BasicTensor<T>& x) { return detail::extreme<T, true>("max", x); }
template <class T> BasicTensor<T> min(const BasicTensor<T>& x) { return detail::extreme<T, false>("min", x); }

/// log(softmax(x, dim)), computed stably (max subtracted).
template <class T>
BasicTensor<T> log_softmax(const BasicTensor<T>& x, std::int64_t dim) {
  const auto sp = detail::split_dim("log_softmax", x.shape(), dim, true);
  auto out = BasicTensor<T>::empty(x.shape());
  const T* p = x.data();
  T* o = out.data();
  for (std::int64_t a = 0; a < sp.outer; ++a)
    for (std::int64_t i = 0; i < sp.inner; ++i) {
      const T* xp = p + a * sp.n * sp.inner + i;
      T* op = o + a * sp.n * sp.inner + i;
      T mx = -std::numeric_limits<T>::infinity();
      for (std::int64_t k = 0; k < sp.n; ++k) mx = std::max(mx, xp[k * sp.inner]);
      T s = 0;
      for (std::int64_t k = 0; k < sp.n; ++k) s += std::exp(xp[k * sp.inner] - mx);
      const T lse = mx + std::log(s);
      for (std::int64_t k = 0; k < sp.n; ++k) op[k * sp.inner] = xp[k * sp.inner] - lse;
    }
  if (detail::needs_graph<T>({&x}))
    detail::record(out, "LogSoftmaxBackward", {&x}, [y = out.detach(), sp](const BasicTensor<T>& g) {
      // dx = g - softmax * sum(g over dim)
      auto gi = BasicTensor<T>::empty(g.shape());
      const T* gp = g.data();
      const T* yp = y.data();
      T* r = gi.data();
      for (std::int64_t a = 0; a < sp.outer; ++a)
        for (std::int64_t i = 0; i < sp.inner; ++i) {
          const auto base = a * sp.n * sp.inner + i;
          T s = 0;
          for (std::int64_t k = 0; k < sp.n; ++k) s += gp[base + k * sp.inner];
          for (std::int64_t k = 0; k < sp.n; ++k)
            r[base + k * sp.inner] = gp[base + k * sp.inner] - std::exp(yp[base + k * sp.inner]) * s;
        }
      return std::vector<BasicTensor<T>>{gi};
    });
  return out;
}

template <class T>
BasicTensor<T> softmax(const BasicTensor<T>& x, std::int64_t dim) {
  return exp(log_softmax(x, dim));
}

template <class T> auto BasicTensor<T>::sum() const { return torchlet::sum(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::sum(std::int64_t d, bool k) const { return torchlet::sum(*this, d, k); }
template <class T> BasicTensor<T> BasicTensor<T>::mean() const { return torchlet::mean(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::mean(std::int64_t d, bool k) const { return torchlet::mean(*this, d, k); }
template <class T> BasicTensor<T> BasicTensor<T>::max() const { return torchlet::max(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::min() const { return torchlet::min(*this); }
template <class T> BasicTensor<std::int64_t> BasicTensor<T>::argmax(std::int64_t d, bool k) const { return torchlet::argmax(*this, d, k); }
template <class T> BasicTensor<std::int64_t> BasicTensor<T>::argmax() const { return torchlet::argmax(*this); }
template <class T> BasicTensor<T> BasicTensor<T>::softmax(std::int64_t d) const { return torchlet::softmax(*this, d); }
template <class T> BasicTensor<T> BasicTensor<T>::log_softmax(std::int64_t d) const { return torchlet::log_softmax(*this, d); }

}  // namespace torchlet
