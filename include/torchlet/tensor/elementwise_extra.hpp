#pragma once
// Elementwise ops beyond the arithmetic: maximum, minimum (broadcasting).
#include <string>

#include "torchlet/tensor/comparison.hpp"

namespace torchlet {
namespace detail {

/// maximum (is_max) or minimum of a and b, broadcast. The gradient goes to the larger
/// (smaller) operand, and half to each where they are equal (as PyTorch).
template <class T>
BasicTensor<T> extremum(const char* op, const char* name, const BasicTensor<T>& a,
                        const BasicTensor<T>& b, bool is_max) {
  const Shape os = broadcast_shapes(op, a.shape(), b.shape());
  auto out = BasicTensor<T>::empty(os);
  const T* ap = a.data();
  const T* bp = b.data();
  T* dst = out.data();
  for_each_broadcast<2>(os, {&a.shape(), &b.shape()},
                        [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                          const T x = ap[o[0]], y = bp[o[1]];
                          if constexpr (std::is_floating_point_v<T>) {
                            if (std::isnan(x) || std::isnan(y)) {
                              dst[i] = std::isnan(x) ? x : y;  // NaN propagates
                              return;
                            }
                          }
                          dst[i] = is_max ? std::max(x, y) : std::min(x, y);
                        });
  if (needs_graph<T>({&a, &b}))
    record(out, name, {&a, &b},
           [ga = a.requires_grad(), gb = b.requires_grad(), sa = SavedTensor<T>(a),
            sb = SavedTensor<T>(b), as = a.shape(), bs = b.shape(), os, is_max,
            name](const BasicTensor<T>& g) {
             const T* ap = sa.data(name);
             const T* bp = sb.data(name);
             auto da = BasicTensor<T>::empty(os), db = BasicTensor<T>::empty(os);
             const T* gp = g.data();
             for_each_broadcast<2>(
                 os, {&as, &bs}, [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                   const T x = ap[o[0]], y = bp[o[1]];
                   const T wa = x == y ? T(0.5) : (is_max ? x > y : x < y) ? T(1) : T(0);
                   da.data()[i] = gp[i] * wa;
                   db.data()[i] = gp[i] * (T(1) - wa);
                 });
             return std::vector<BasicTensor<T>>{ga ? sum_to(da, as) : BasicTensor<T>(),
                                                gb ? sum_to(db, bs) : BasicTensor<T>()};
           });
  return out;
}

}  // namespace detail

/// torch.maximum(a, b): the elementwise larger of a and b (broadcast; NaN propagates).
/// Gradient: to the larger operand, half to each where a == b.
template <class T>
BasicTensor<T> maximum(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return detail::extremum("maximum", "MaximumBackward0", a, b, true);
}
/// torch.minimum(a, b): the elementwise smaller of a and b (broadcast; NaN propagates).
/// Gradient: to the smaller operand, half to each where a == b.
template <class T>
BasicTensor<T> minimum(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  return detail::extremum("minimum", "MinimumBackward0", a, b, false);
}

template <class T>
BasicTensor<T> BasicTensor<T>::maximum(const BasicTensor& o) const {
  return torchlet::maximum(*this, o);
}
template <class T>
BasicTensor<T> BasicTensor<T>::minimum(const BasicTensor& o) const {
  return torchlet::minimum(*this, o);
}

}  // namespace torchlet
