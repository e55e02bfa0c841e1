#pragma once
// Reductions over all elements or one dim (with keepdim), each with its backward:
//   sum mean max min (values + indices over a dim) argmax argmin logsumexp
// (var and std: tensor/variance.hpp; norm: tensor/norm.hpp; prod, amax, ...: reduction_extra.hpp).
// Lanes, DimSplit and the backward helpers every reduction uses: tensor/detail/lanes.hpp.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_REDUCTION
#endif

#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/tensor/binary.hpp"
#include "torchlet/tensor/comparison.hpp"
#include "torchlet/tensor/detail/lanes.hpp"
#include "torchlet/tensor/indexing.hpp"
#include "torchlet/tensor/inplace.hpp"
#include "torchlet/tensor/unary.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet {

/// What max/min over a dim return (torch.return_types.max): auto [values, indices] = x.max(1).
template <class Scalar>
struct ValuesIndices {
  BasicTensor<Scalar> values;         ///< The reduced values.
  BasicTensor<std::int64_t> indices;  ///< Where they are along the reduced dim (int64).
};

// ---- sum, mean ---------------------------------------------------------------------

/// Sum of all elements; bool and integer tensors sum to int64 (as in PyTorch).
template <class Scalar>
BasicTensor<detail::acc_t<Scalar>> sum(const BasicTensor<Scalar>& x) {
  using A = detail::acc_t<Scalar>;
  A s = 0;
  if constexpr (std::is_floating_point_v<Scalar>) {
    s = detail::sum_all(x.data(), x.numel());
  } else {
    const Scalar* p = x.data();
    for (std::int64_t i = 0; i < x.numel(); ++i) s += static_cast<A>(p[i]);
  }
  auto out = scalar_tensor<A>(s);
  if constexpr (std::is_floating_point_v<Scalar>) {
    if (detail::needs_graph<Scalar>({&x})) {
      detail::record(out, "SumBackward0", {&x}, [shape = x.shape()](const BasicTensor<Scalar>& g) {
        if (is_grad_enabled()) [[unlikely]]  // create_graph: g broadcast by a recorded add
          return std::vector<BasicTensor<Scalar>>{g + zeros<Scalar>(shape)};
        return std::vector<BasicTensor<Scalar>>{full<Scalar>(shape, *g.data())};
      });
      detail::mark_differentiable_backward(out);
    }
  }
  return out;
}

template <class Scalar>
BasicTensor<Scalar> sum(const BasicTensor<Scalar>& x, std::int64_t dim, bool keepdim = false) {
  const auto sp = detail::split_dim("sum", x.shape(), dim, keepdim);
  auto out = zeros<Scalar>(sp.reduced);
  const Scalar* p = x.data();
  Scalar* o = out.data();
  // Rows of the output on the intra-op threads (each output element summed by one thread).
  if (sp.inner == 1) {
    if (sp.outer * sp.n > 0)
      detail::parallel_rows(sp.outer, sp.n, [&](std::int64_t a0, std::int64_t a1) {
        detail::amap(o + a0, a1 - a0) =
            detail::cmmap(p + a0 * sp.n, a1 - a0, sp.n).rowwise().sum().array();
      });
  } else {
    detail::parallel_rows(sp.outer, sp.n * sp.inner, [&](std::int64_t a0, std::int64_t a1) {
      for (std::int64_t a = a0; a < a1; ++a)
        for (std::int64_t k = 0; k < sp.n; ++k)
          detail::amap(o + a * sp.inner, sp.inner) +=
              detail::camap(p + (a * sp.n + k) * sp.inner, sp.inner);
    });
  }
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(
        out, "SumBackward1", {&x}, [shape = x.shape(), sp](const BasicTensor<Scalar>& g) {
          if (is_grad_enabled()) [[unlikely]]  // create_graph
            return std::vector<BasicTensor<Scalar>>{
                detail::expand_reduced_recorded(g, shape, sp, Scalar(1))};
          return std::vector<BasicTensor<Scalar>>{detail::expand_reduced(g, shape, sp, Scalar(1))};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

/// Mean of all elements (NaN for an empty tensor, as PyTorch).
template <class Scalar>
BasicTensor<Scalar> mean(const BasicTensor<Scalar>& x) {
  static_assert(std::is_floating_point_v<Scalar>, "mean: needs a floating point tensor");
  const auto n = x.numel();
  auto out = scalar_tensor<Scalar>(n ? detail::sum_all(x.data(), n) / static_cast<Scalar>(n)
                                     : std::numeric_limits<Scalar>::quiet_NaN());
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(out, "MeanBackward0", {&x},
                   [shape = x.shape(), n](const BasicTensor<Scalar>& g) {
                     if (is_grad_enabled()) [[unlikely]]  // create_graph
                       return std::vector<BasicTensor<Scalar>>{(g + zeros<Scalar>(shape)) /
                                                               static_cast<Scalar>(n)};
                     return std::vector<BasicTensor<Scalar>>{
                         full<Scalar>(shape, *g.data() / static_cast<Scalar>(n))};
                   });
    detail::mark_differentiable_backward(out);
  }
  return out;
}
template <class Scalar>
BasicTensor<Scalar> mean(const BasicTensor<Scalar>& x, std::int64_t dim, bool keepdim = false) {
  static_assert(std::is_floating_point_v<Scalar>, "mean: needs a floating point tensor");
  BasicTensor<Scalar> s;
  {
    NoGradGuard no_grad;
    s = sum(x, dim, keepdim);
  }
  const auto sp = detail::split_dim("mean", x.shape(), dim, keepdim);
  const Scalar scale = Scalar(1) / static_cast<Scalar>(sp.n);
  auto out = std::move(s) * scale;
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(
        out, "MeanBackward1", {&x}, [shape = x.shape(), sp, scale](const BasicTensor<Scalar>& g) {
          if (is_grad_enabled()) [[unlikely]]  // create_graph
            return std::vector<BasicTensor<Scalar>>{
                detail::expand_reduced_recorded(g, shape, sp, scale)};
          return std::vector<BasicTensor<Scalar>>{detail::expand_reduced(g, shape, sp, scale)};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

// ---- max, min, argmax, argmin --------------------------------------------------------
namespace detail {

/// Whether v beats the current best b (NaN beats everything, as in PyTorch).
template <class Scalar, bool IsMax>
bool better(Scalar v, Scalar b) {
  if constexpr (std::is_floating_point_v<Scalar>) {
    if (std::isnan(b)) return false;
    if (std::isnan(v)) return true;
  }
  return IsMax ? v > b : v < b;
}

/// Index (first occurrence) of the extreme element of every lane.
template <class Scalar, bool IsMax>
BasicTensor<std::int64_t> arg_extreme(const char* op, const BasicTensor<Scalar>& x,
                                      const DimSplit& sp) {
  if (sp.n == 0)
    throw std::invalid_argument(std::string(op) +
                                ": cannot reduce over an empty dimension (shape " +
                                to_string(x.shape()) + ")");
  auto out = BasicTensor<std::int64_t>::empty(sp.reduced);
  std::int64_t* o = out.data();
  for_each_lane(x.data(), sp, [&](auto lane, std::int64_t j) {
    std::int64_t best = 0;
    for (std::int64_t k = 1; k < sp.n; ++k)
      if (better<Scalar, IsMax>(lane(k), lane(best))) best = k;
    o[j] = best;
  });
  return out;
}

/// max()/min() over all elements; the gradient is split evenly between ties (PyTorch).
template <class Scalar, bool IsMax>
BasicTensor<Scalar> extreme(const char* op, const BasicTensor<Scalar>& x) {
  if (x.numel() == 0)
    throw std::invalid_argument(
        std::string(op) +
        "(): expected a non-empty tensor; use the dim form for an empty dimension");
  const auto idx = arg_extreme<Scalar, IsMax>(op, x, all_split(x.numel()));
  const Scalar v = x.data()[*idx.data()];
  auto out = scalar_tensor<Scalar>(v);
  if (needs_graph<Scalar>({&x}))
    record(out, IsMax ? "MaxBackward1" : "MinBackward1", {&x},
           [sx = SavedTensor<Scalar>(x), shape = x.shape(), v,
            name = IsMax ? "MaxBackward1" : "MinBackward1"](const BasicTensor<Scalar>& g) {
             const auto n = numel_of(shape);
             const auto X = camap(sx.data(name), n);
             auto gi = BasicTensor<Scalar>::empty(shape);
             auto G = amap(gi.data(), n);
             if (std::isnan(v)) {
               G = (X != X).template cast<Scalar>();
             } else {
               G = (X == v).template cast<Scalar>();
             }
             if (is_grad_enabled()) [[unlikely]] {  // create_graph: g times the tie mask
               G /= G.sum();
               return std::vector<BasicTensor<Scalar>>{g * gi};
             }
             G *= *g.data() / G.sum();
             return std::vector<BasicTensor<Scalar>>{gi};
           });
  if (needs_graph<Scalar>({&x})) mark_differentiable_backward(out);
  return out;
}

/// max/min over a dim: values and (first) indices; the gradient goes to the index.
template <class Scalar, bool IsMax>
ValuesIndices<Scalar> extreme_dim(const char* op, const BasicTensor<Scalar>& x, std::int64_t dim,
                                  bool keepdim) {
  const auto sp = split_dim(op, x.shape(), dim, keepdim);
  auto idx = arg_extreme<Scalar, IsMax>(op, x, sp);
  auto vals = BasicTensor<Scalar>::empty(sp.reduced);
  const std::int64_t* ip = idx.data();
  for_each_lane(x.data(), sp, [&](auto lane, std::int64_t j) { vals.data()[j] = lane(ip[j]); });
  if (needs_graph<Scalar>({&x}))
    record(vals, IsMax ? "MaxBackward0" : "MinBackward0", {&x},
           [name = IsMax ? "MaxBackward0" : "MinBackward0", si = SavedTensor<std::int64_t>(idx),
            shape = x.shape(), sp](const BasicTensor<Scalar>& g) {
             if (is_grad_enabled()) [[unlikely]]  // create_graph: a recorded lane_put
               return std::vector<BasicTensor<Scalar>>{
                   lane_put(g.reshape({sp.outer, 1, sp.inner}),
                            si.tensor(name, {sp.outer, 1, sp.inner}), sp.n)
                       .reshape(shape)};
             const std::int64_t* ip = si.data(name);
             return std::vector<BasicTensor<Scalar>>{
                 expand_lanes(g, shape, sp, [ip](Scalar gv, std::int64_t j, std::int64_t k) {
                   return k == ip[j] ? gv : Scalar(0);
                 })};
           });
  if (needs_graph<Scalar>({&x})) mark_differentiable_backward(vals);
  return {vals, idx};
}

}  // namespace detail

template <class Scalar>
BasicTensor<Scalar> max(const BasicTensor<Scalar>& x) {
  return detail::extreme<Scalar, true>("max", x);
}
template <class Scalar>
BasicTensor<Scalar> min(const BasicTensor<Scalar>& x) {
  return detail::extreme<Scalar, false>("min", x);
}
template <class Scalar>
ValuesIndices<Scalar> max(const BasicTensor<Scalar>& x, std::int64_t dim, bool keepdim = false) {
  return detail::extreme_dim<Scalar, true>("max", x, dim, keepdim);
}
template <class Scalar>
ValuesIndices<Scalar> min(const BasicTensor<Scalar>& x, std::int64_t dim, bool keepdim = false) {
  return detail::extreme_dim<Scalar, false>("min", x, dim, keepdim);
}

/// Index of the maximum along dim (first occurrence; a NaN wins), as int64.
template <class Scalar>
BasicTensor<std::int64_t> argmax(const BasicTensor<Scalar>& x, std::int64_t dim,
                                 bool keepdim = false) {
  const auto sp = detail::split_dim("argmax", x.shape(), dim, keepdim);
  return detail::arg_extreme<Scalar, true>("argmax", x, sp);
}
/// Index of the maximum in the flattened tensor.
template <class Scalar>
BasicTensor<std::int64_t> argmax(const BasicTensor<Scalar>& x) {
  if (x.numel() == 0) throw std::invalid_argument("argmax(): expected a non-empty tensor");
  auto sp = detail::all_split(x.numel());
  return detail::arg_extreme<Scalar, true>("argmax", x, sp);
}
template <class Scalar>
BasicTensor<std::int64_t> argmin(const BasicTensor<Scalar>& x, std::int64_t dim,
                                 bool keepdim = false) {
  const auto sp = detail::split_dim("argmin", x.shape(), dim, keepdim);
  return detail::arg_extreme<Scalar, false>("argmin", x, sp);
}
template <class Scalar>
BasicTensor<std::int64_t> argmin(const BasicTensor<Scalar>& x) {
  if (x.numel() == 0) throw std::invalid_argument("argmin(): expected a non-empty tensor");
  return detail::arg_extreme<Scalar, false>("argmin", x, detail::all_split(x.numel()));
}

// ---- logsumexp ---------------------------------------------------------------------------

/// log(sum(exp(x), dim)), computed stably; dx = g * exp(x - result).
template <class Scalar>
BasicTensor<Scalar> logsumexp(const BasicTensor<Scalar>& x, std::int64_t dim,
                              bool keepdim = false) {
  static_assert(std::is_floating_point_v<Scalar>, "logsumexp: needs a floating point tensor");
  const auto sp = detail::split_dim("logsumexp", x.shape(), dim, keepdim);
  auto out = BasicTensor<Scalar>::empty(sp.reduced);
  detail::for_each_lane(x.data(), sp, [&](auto lane, std::int64_t j) {
    Scalar mx = -std::numeric_limits<Scalar>::infinity();
    for (std::int64_t k = 0; k < sp.n; ++k) mx = std::max(mx, lane(k));
    if (std::isinf(mx)) {  // all -inf (or n = 0): -inf; any +inf: +inf
      out.data()[j] = mx;
      return;
    }
    Scalar s = 0;
    for (std::int64_t k = 0; k < sp.n; ++k) s += std::exp(lane(k) - mx);
    out.data()[j] = mx + std::log(s);
  });
  if (detail::needs_graph<Scalar>({&x}))
    detail::record(out, "LogsumexpBackward0", {&x},
                   [sx = detail::SavedTensor<Scalar>(x), so = detail::SavedTensor<Scalar>(out), sp,
                    shape = x.shape()](const BasicTensor<Scalar>& g) {
                     if (is_grad_enabled()) [[unlikely]] {  // create_graph: g exp(x - result)
                       const Shape lanes{sp.outer, sp.n, sp.inner}, one{sp.outer, 1, sp.inner};
                       const auto x = sx.variable("LogsumexpBackward0", shape).reshape(lanes);
                       const auto r =
                           so.output_variable("LogsumexpBackward0", sp.reduced).reshape(one);
                       return std::vector<BasicTensor<Scalar>>{
                           (g.reshape(one) * (x - r).exp()).reshape(shape)};
                     }
                     const Scalar* xp = sx.data("LogsumexpBackward0");
                     const Scalar* lp = so.data("LogsumexpBackward0");
                     return std::vector<BasicTensor<Scalar>>{detail::expand_lanes(
                         g, shape, sp, [&](Scalar gv, std::int64_t j, std::int64_t k) {
                           const auto o = j / sp.inner, i = j % sp.inner;
                           return gv * std::exp(xp[(o * sp.n + k) * sp.inner + i] - lp[j]);
                         })};
                   });
  detail::mark_differentiable_backward(out);
  return out;
}

template <class Scalar>
auto BasicTensor<Scalar>::sum() const {
  return torchlet::sum(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::sum(std::int64_t d, bool k) const {
  return torchlet::sum(*this, d, k);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::mean() const {
  return torchlet::mean(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::mean(std::int64_t d, bool k) const {
  return torchlet::mean(*this, d, k);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::max() const {
  return torchlet::max(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::min() const {
  return torchlet::min(*this);
}
template <class Scalar>
ValuesIndices<Scalar> BasicTensor<Scalar>::max(std::int64_t d, bool k) const {
  return torchlet::max(*this, d, k);
}
template <class Scalar>
ValuesIndices<Scalar> BasicTensor<Scalar>::min(std::int64_t d, bool k) const {
  return torchlet::min(*this, d, k);
}
template <class Scalar>
BasicTensor<std::int64_t> BasicTensor<Scalar>::argmax(std::int64_t d, bool k) const {
  return torchlet::argmax(*this, d, k);
}
template <class Scalar>
BasicTensor<std::int64_t> BasicTensor<Scalar>::argmax() const {
  return torchlet::argmax(*this);
}
template <class Scalar>
BasicTensor<std::int64_t> BasicTensor<Scalar>::argmin(std::int64_t d, bool k) const {
  return torchlet::argmin(*this, d, k);
}
template <class Scalar>
BasicTensor<std::int64_t> BasicTensor<Scalar>::argmin() const {
  return torchlet::argmin(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::logsumexp(std::int64_t d, bool k) const {
  return torchlet::logsumexp(*this, d, k);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_REDUCTION
#include "torchlet/tensor/members.hpp"
#endif