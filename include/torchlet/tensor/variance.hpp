#pragma once
// The variance and the standard deviation, each with its backward: var std var_mean
// std_mean over all elements, one dim or a list of dims (VarOptions: correction, keepdim).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_VARIANCE
#endif

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/tensor/binary.hpp"
#include "torchlet/tensor/comparison.hpp"
#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/reduction.hpp"
#include "torchlet/tensor/unary.hpp"

namespace torchlet {

// ---- var, std ---------------------------------------------------------------------------

/// torch.var/std's keyword arguments: the sum of squared deviations is divided by
/// N - correction (1: unbiased, torch's default; 0: the population variance; N - correction
/// <= 0 gives inf, or NaN when all values are equal), and keepdim.
struct VarOptions {
  double correction = 1;  ///< Subtracted from the number of elements N in the divisor.
  bool keepdim = false;   ///< Keep the reduced dims with size 1.
};

namespace detail {

/// Per-lane mean and variance divided by N - correction. Returns the variance (or its
/// square root for std) in the reduced shape.
template <class Scalar>
BasicTensor<Scalar> var_std(const char* name, const BasicTensor<Scalar>& x, DimSplit sp,
                            double correction, bool take_sqrt) {
  static_assert(std::is_floating_point_v<Scalar>, "var/std: needs a floating point tensor");
  const Scalar denom = static_cast<Scalar>(std::max(0.0, static_cast<double>(sp.n) - correction));
  auto out = BasicTensor<Scalar>::empty(sp.reduced);
  auto means = BasicTensor<Scalar>::empty(sp.reduced);
  for_each_lane(x.data(), sp, [&](auto lane, std::int64_t j) {
    Scalar m = 0;
    for (std::int64_t k = 0; k < sp.n; ++k) m += lane(k);
    m /= static_cast<Scalar>(sp.n);
    Scalar ss = 0;
    for (std::int64_t k = 0; k < sp.n; ++k) ss += (lane(k) - m) * (lane(k) - m);
    means.data()[j] = m;
    const Scalar v = denom > 0 ? ss / denom
                               : (ss > 0 ? std::numeric_limits<Scalar>::infinity()
                                         : std::numeric_limits<Scalar>::quiet_NaN());
    out.data()[j] = take_sqrt ? std::sqrt(v) : v;
  });
  if (needs_graph<Scalar>({&x}))
    // var: dx = g * 2 (x - mean) / denom; std: dx = g * (x - mean) / (denom * std), 0 where std =
    // 0.
    record(out, name, {&x},
           [name, sx = SavedTensor<Scalar>(x),
            so = take_sqrt ? SavedTensor<Scalar>(out) : SavedTensor<Scalar>(), means, sp, denom,
            shape = x.shape()](const BasicTensor<Scalar>& g) {
             if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
               const Shape lanes{sp.outer, sp.n, sp.inner}, red{sp.outer, 1, sp.inner};
               const auto xv = sx.variable(name, shape).reshape(lanes);
               auto gl = g.reshape(red);
               if (so.defined()) {  // std: g / std, 0 where std = 0 (a constant mask)
                 const auto sd = so.output_variable(name, g.shape()).reshape(red);
                 const auto zero = sd == Scalar(0);
                 gl = where(zero, zeros<Scalar>(red), gl / where(zero, ones<Scalar>(red), sd)) *
                      Scalar(0.5);
               }
               return std::vector<BasicTensor<Scalar>>{
                   (gl * (xv - mean(xv, 1, true)) * (Scalar(2) / denom)).reshape(shape)};
             }
             const Scalar* xp = sx.data(name);
             const Scalar* sd = so.defined() ? so.data(name) : nullptr;
             const Scalar* mp = means.data();
             auto gi = BasicTensor<Scalar>::empty(shape);
             Scalar* r = gi.data();
             for (std::int64_t o = 0; o < sp.outer; ++o)
               for (std::int64_t k = 0; k < sp.n; ++k)
                 for (std::int64_t i = 0; i < sp.inner; ++i) {
                   const auto j = o * sp.inner + i, e = (o * sp.n + k) * sp.inner + i;
                   const Scalar d = xp[e] - mp[j];
                   if (sd)
                     r[e] = sd[j] == Scalar(0) ? Scalar(0) : g.data()[j] * d / (denom * sd[j]);
                   else
                     r[e] = g.data()[j] * Scalar(2) * d / denom;
                 }
             return std::vector<BasicTensor<Scalar>>{gi};
           });
  mark_differentiable_backward(out);
  return out;
}

/// var (op "var") or std (op "std", take_sqrt) over the listed dims (all if empty): the reduced
/// dims moved last and flattened into one lane, reduced, and the result in the reduced shape.
template <class Scalar>
BasicTensor<Scalar> var_std_dims(const char* op, const char* name, const BasicTensor<Scalar>& x,
                                 const std::vector<std::int64_t>& dims, const VarOptions& options,
                                 bool take_sqrt) {
  Shape reduced;
  const auto lanes = lanes_last(op, x, dims, options.keepdim, reduced);
  std::int64_t last = -1;
  return var_std(name, lanes, split_dim(op, lanes.shape(), last, false), options.correction,
                 take_sqrt)
      .reshape(reduced);
}

}  // namespace detail

/// Variance of all elements; unbiased (divides by N - 1) by default, as torch.var.
/// `unbiased` must be a bool: var(x, 1) is the variance over dim 1.
template <class Scalar, std::same_as<bool> B>
BasicTensor<Scalar> var(const BasicTensor<Scalar>& x, B unbiased) {
  return detail::var_std("VarBackward0", x, detail::all_split(x.numel()), unbiased ? 1.0 : 0.0,
                         false);
}
/// Unbiased variance of all elements (0-D), torch.var(x).
template <class Scalar>
BasicTensor<Scalar> var(const BasicTensor<Scalar>& x) {
  return torchlet::var(x, true);
}
/// torch.var(x, dim, unbiased, keepdim): [.., n, ..] -> [.., ..].
template <class Scalar>
BasicTensor<Scalar> var(const BasicTensor<Scalar>& x, std::int64_t dim, bool unbiased = true,
                        bool keepdim = false) {
  return detail::var_std("VarBackward0", x, detail::split_dim("var", x.shape(), dim, keepdim),
                         unbiased ? 1.0 : 0.0, false);
}
/// torch.var(x, dims, correction=c, keepdim=k): over the listed dims (all if empty), e.g.
/// var(x, {0, 2}, {.correction = 0, .keepdim = true}).
template <class Scalar>
BasicTensor<Scalar> var(const BasicTensor<Scalar>& x, const std::vector<std::int64_t>& dims,
                        const VarOptions& options) {
  return detail::var_std_dims("var", "VarBackward0", x, dims, options, false);
}
/// torch.var(x, dims, unbiased, keepdim) over a list of dims.
template <class Scalar>
BasicTensor<Scalar> var(const BasicTensor<Scalar>& x, const std::vector<std::int64_t>& dims,
                        bool unbiased = true, bool keepdim = false) {
  return torchlet::var(x, dims, VarOptions{unbiased ? 1.0 : 0.0, keepdim});
}
/// torch.var(x, dim, correction=c, keepdim=k) over one dim.
template <class Scalar>
BasicTensor<Scalar> var(const BasicTensor<Scalar>& x, std::int64_t dim, const VarOptions& options) {
  return torchlet::var(x, std::vector<std::int64_t>{dim}, options);
}
/// torch.var(x, None, correction=c): all elements, spelled var(x, std::nullopt, {.correction = c})
/// (0-D; keepdim keeps every dim as 1).
template <class Scalar>
BasicTensor<Scalar> var(const BasicTensor<Scalar>& x, std::nullopt_t, const VarOptions& options) {
  return torchlet::var(x, std::vector<std::int64_t>{}, options);
}
/// Standard deviation, sqrt(var); unbiased by default, as torch.std.
template <class Scalar, std::same_as<bool> B>
BasicTensor<Scalar> std(const BasicTensor<Scalar>& x, B unbiased) {
  return detail::var_std("StdBackward0", x, detail::all_split(x.numel()), unbiased ? 1.0 : 0.0,
                         true);
}
/// Unbiased standard deviation of all elements (0-D), torch.std(x).
template <class Scalar>
BasicTensor<Scalar> std(const BasicTensor<Scalar>& x) {
  return torchlet::std(x, true);
}
/// torch.std(x, dim, unbiased, keepdim): [.., n, ..] -> [.., ..].
template <class Scalar>
BasicTensor<Scalar> std(const BasicTensor<Scalar>& x, std::int64_t dim, bool unbiased = true,
                        bool keepdim = false) {
  return detail::var_std("StdBackward0", x, detail::split_dim("std", x.shape(), dim, keepdim),
                         unbiased ? 1.0 : 0.0, true);
}
/// torch.std(x, dims, correction=c, keepdim=k): over the listed dims (all if empty).
template <class Scalar>
BasicTensor<Scalar> std(const BasicTensor<Scalar>& x, const std::vector<std::int64_t>& dims,
                        const VarOptions& options) {
  return detail::var_std_dims("std", "StdBackward0", x, dims, options, true);
}
/// torch.std(x, dims, unbiased, keepdim) over a list of dims.
template <class Scalar>
BasicTensor<Scalar> std(const BasicTensor<Scalar>& x, const std::vector<std::int64_t>& dims,
                        bool unbiased = true, bool keepdim = false) {
  return torchlet::std(x, dims, VarOptions{unbiased ? 1.0 : 0.0, keepdim});
}
/// torch.std(x, dim, correction=c, keepdim=k) over one dim.
template <class Scalar>
BasicTensor<Scalar> std(const BasicTensor<Scalar>& x, std::int64_t dim, const VarOptions& options) {
  return torchlet::std(x, std::vector<std::int64_t>{dim}, options);
}
/// torch.std(x, None, correction=c): all elements, spelled std(x, std::nullopt, {.correction = c}).
template <class Scalar>
BasicTensor<Scalar> std(const BasicTensor<Scalar>& x, std::nullopt_t, const VarOptions& options) {
  return torchlet::std(x, std::vector<std::int64_t>{}, options);
}

/// torch.var_mean(x, dims, correction=c, keepdim=k): the variance and the mean over the
/// listed dims (all if empty): `auto [v, m] = var_mean(x, {1}, {.correction = 0})`.
template <class Scalar>
std::pair<BasicTensor<Scalar>, BasicTensor<Scalar>> var_mean(const BasicTensor<Scalar>& x,
                                                             const std::vector<std::int64_t>& dims,
                                                             const VarOptions& options = {}) {
  Shape reduced;
  const auto lanes = detail::lanes_last("var_mean", x, dims, options.keepdim, reduced);
  std::int64_t last = -1;
  auto v = detail::var_std("VarMeanBackward0", lanes,
                           detail::split_dim("var_mean", lanes.shape(), last, false),
                           options.correction, false);
  return {v.reshape(reduced), mean(lanes, -1).reshape(reduced)};
}
/// torch.var_mean(x, dim, correction=c, keepdim=k) over one dim.
template <class Scalar>
std::pair<BasicTensor<Scalar>, BasicTensor<Scalar>> var_mean(const BasicTensor<Scalar>& x,
                                                             std::int64_t dim,
                                                             const VarOptions& options = {}) {
  return var_mean(x, std::vector<std::int64_t>{dim}, options);
}
/// torch.var_mean(x, None, correction=c, keepdim=k): over all elements, spelled
/// var_mean(x, std::nullopt, {.correction = c}).
template <class Scalar>
std::pair<BasicTensor<Scalar>, BasicTensor<Scalar>> var_mean(const BasicTensor<Scalar>& x,
                                                             std::nullopt_t,
                                                             const VarOptions& options) {
  return var_mean(x, std::vector<std::int64_t>{}, options);
}
/// torch.var_mean(x): over all elements, unbiased.
template <class Scalar>
std::pair<BasicTensor<Scalar>, BasicTensor<Scalar>> var_mean(const BasicTensor<Scalar>& x) {
  return var_mean(x, std::vector<std::int64_t>{}, VarOptions{});
}
/// torch.std_mean(x, dims, correction=c, keepdim=k): the standard deviation and the mean.
template <class Scalar>
std::pair<BasicTensor<Scalar>, BasicTensor<Scalar>> std_mean(const BasicTensor<Scalar>& x,
                                                             const std::vector<std::int64_t>& dims,
                                                             const VarOptions& options = {}) {
  Shape reduced;
  const auto lanes = detail::lanes_last("std_mean", x, dims, options.keepdim, reduced);
  std::int64_t last = -1;
  auto s = detail::var_std("StdMeanBackward0", lanes,
                           detail::split_dim("std_mean", lanes.shape(), last, false),
                           options.correction, true);
  return {s.reshape(reduced), mean(lanes, -1).reshape(reduced)};
}
/// torch.std_mean(x, dim, correction=c, keepdim=k) over one dim.
template <class Scalar>
std::pair<BasicTensor<Scalar>, BasicTensor<Scalar>> std_mean(const BasicTensor<Scalar>& x,
                                                             std::int64_t dim,
                                                             const VarOptions& options = {}) {
  return std_mean(x, std::vector<std::int64_t>{dim}, options);
}
/// torch.std_mean(x, None, correction=c, keepdim=k): over all elements, spelled
/// std_mean(x, std::nullopt, {.correction = c}).
template <class Scalar>
std::pair<BasicTensor<Scalar>, BasicTensor<Scalar>> std_mean(const BasicTensor<Scalar>& x,
                                                             std::nullopt_t,
                                                             const VarOptions& options) {
  return std_mean(x, std::vector<std::int64_t>{}, options);
}
/// torch.std_mean(x): over all elements, unbiased.
template <class Scalar>
std::pair<BasicTensor<Scalar>, BasicTensor<Scalar>> std_mean(const BasicTensor<Scalar>& x) {
  return std_mean(x, std::vector<std::int64_t>{}, VarOptions{});
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::var() const {
  return torchlet::var(*this, true);
}
/// Variance of all elements, unbiased (n - 1) or not (n).
template <class Scalar>
template <std::same_as<bool> B>
BasicTensor<Scalar> BasicTensor<Scalar>::var(B u) const {
  return torchlet::var(*this, u);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::var(std::int64_t d, bool u, bool k) const {
  return torchlet::var(*this, d, u, k);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::std() const {
  return torchlet::std(*this, true);
}
/// Standard deviation of all elements, unbiased or not.
template <class Scalar>
template <std::same_as<bool> B>
BasicTensor<Scalar> BasicTensor<Scalar>::std(B u) const {
  return torchlet::std(*this, u);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::std(std::int64_t d, bool u, bool k) const {
  return torchlet::std(*this, d, u, k);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::var(const std::vector<std::int64_t>& d, bool u,
                                             bool k) const {
  return torchlet::var(*this, d, u, k);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::var(const std::vector<std::int64_t>& d,
                                             const VarOptions& o) const {
  return torchlet::var(*this, d, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::var(std::int64_t d, const VarOptions& o) const {
  return torchlet::var(*this, d, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::var(std::nullopt_t, const VarOptions& o) const {
  return torchlet::var(*this, std::nullopt, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::std(const std::vector<std::int64_t>& d, bool u,
                                             bool k) const {
  return torchlet::std(*this, d, u, k);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::std(const std::vector<std::int64_t>& d,
                                             const VarOptions& o) const {
  return torchlet::std(*this, d, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::std(std::int64_t d, const VarOptions& o) const {
  return torchlet::std(*this, d, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::std(std::nullopt_t, const VarOptions& o) const {
  return torchlet::std(*this, std::nullopt, o);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_VARIANCE
#include "torchlet/tensor/members.hpp"
#endif
