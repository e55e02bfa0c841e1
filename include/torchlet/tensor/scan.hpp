#pragma once
// Products and running (scan) ops along a dim: cumsum, cumprod, prod (all or one dim).
// Each lane of a dim is walked with the stride of the dims after it (outer_inner).
// The product gradients are exact when inputs contain zeros (prefix/suffix products,
// never a division).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_SCAN
#endif

#include <algorithm>
#include <string>

#include "torchlet/tensor/indexing.hpp"
#include "torchlet/tensor/joining.hpp"
#include "torchlet/tensor/rearrange.hpp"
#include "torchlet/tensor/reduction.hpp"

namespace torchlet {
namespace detail {

/// Calls f(lane, stride) for every lane of shape s along dim (lane: offset of its first
/// element, stride: the distance between its elements).
template <class F>
void for_each_dim_lane(const OuterInner& oi, F f) {
  for (std::int64_t o = 0; o < oi.outer; ++o)
    for (std::int64_t in = 0; in < oi.inner; ++in) f(o * oi.n * oi.inner + in, oi.inner);
}

/// x's shape seen as (outer, n, inner) along dim (a 0-D tensor as [1]).
inline OuterInner scan_split(const char* op, const Shape& s, std::int64_t& dim) {
  const Shape xs = s.empty() ? Shape{1} : s;
  dim = wrap_dim(op, dim, static_cast<std::int64_t>(xs.size()));
  return outer_inner(xs, dim);
}

/// dx of a product over each lane of x: g(lane) * prod_{k != i} x_k, where g(lane) is
/// g_at(lane) (the output gradient of the lane's product).
template <class Scalar, class G>
void prod_lane_grad(const Scalar* x, Scalar* dx, std::int64_t n, std::int64_t stride, G g) {
  // prefix then suffix products, never dividing (exact with zeros)
  Scalar acc = Scalar(1);
  for (std::int64_t i = 0; i < n; ++i) {
    dx[i * stride] = acc;
    acc *= x[i * stride];
  }
  acc = Scalar(1);
  for (std::int64_t i = n - 1; i >= 0; --i) {
    dx[i * stride] *= acc * g;
    acc *= x[i * stride];
  }
}

/// Whether no element of p[0, n) is 0.
template <class Scalar>
bool no_zeros(const Scalar* p, std::int64_t n) {
  return std::none_of(p, p + n, [](Scalar v) { return v == Scalar(0); });
}

/// The gradient of prod along dim 1 of x [outer, n, inner] (a variable) for g [outer, 1,
/// inner], made of recorded ops (create_graph) as PyTorch's prod_backward: g * out / x without
/// a zero in x, else prod_safe_zeros_backward, g times the exclusive cumulative products from
/// both ends (exact with any number of zeros, and differentiable again).
template <class Scalar>
BasicTensor<Scalar> prod_backward_recorded(const BasicTensor<Scalar>& g,
                                           const BasicTensor<Scalar>& x, bool zeros_in_x) {
  const auto n = x.size(1);
  if (!zeros_in_x) return g * prod(x, 1, true) / x;
  if (n <= 1) return g * ones<Scalar>(x.shape());
  const auto one = ones<Scalar>({x.size(0), 1, x.size(2)});
  const auto normal = cumprod(cat({one, x.narrow(1, 0, n - 1)}, 1), 1);
  const auto reverse = flip(cumprod(cat({one, flip(x.narrow(1, 1, n - 1), {1})}, 1), 1), {1});
  return g * normal * reverse;
}

/// The gradient of cumprod along dim 1 of x [outer, n, inner] (a variable) for g (x's
/// shape), made of recorded ops (create_graph): without a zero in x, (the sum from the end of
/// g * out) / x; with zeros, dx_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k from the
/// running products of x with x_i replaced by 1 ([outer, n, n, inner]; PyTorch's
/// cumprod_backward loops over i for the same values).
template <class Scalar>
BasicTensor<Scalar> cumprod_backward_recorded(const BasicTensor<Scalar>& g,
                                              const BasicTensor<Scalar>& x, bool zeros_in_x) {
  if (!zeros_in_x) {
    const auto w = g * cumprod(x, 1);
    return (sum(w, 1, true) - cumsum(w, 1) + w) / x;
  }
  const auto n = x.size(1);
  auto off_diag = BasicTensor<bool>::empty({1, n, n, 1});
  auto upper = BasicTensor<Scalar>::empty({1, n, n, 1});
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      off_diag.data()[i * n + j] = i != j;
      upper.data()[i * n + j] = j >= i ? Scalar(1) : Scalar(0);
    }
  const auto others = cumprod(where(off_diag, x.unsqueeze(1), Scalar(1)), 2);
  return sum(others * upper * g.unsqueeze(1), 2);
}

}  // namespace detail

/// torch.cumsum(x, dim): running sums along dim (out_i = x_0 + ... + x_i). The gradient is
/// the running sum of g from the end.
template <class Scalar>
BasicTensor<Scalar> cumsum(const BasicTensor<Scalar>& x, std::int64_t dim) {
  const auto oi = detail::scan_split("cumsum", x.shape(), dim);
  auto out = BasicTensor<Scalar>::empty(x.shape());
  const Scalar* xp = x.data();
  Scalar* op = out.data();
  detail::for_each_dim_lane(oi, [&](std::int64_t l, std::int64_t st) {
    Scalar acc = Scalar(0);
    for (std::int64_t i = 0; i < oi.n; ++i) op[l + i * st] = acc += xp[l + i * st];
  });
  if (detail::needs_graph<Scalar>({&x}))
    detail::record(out, "CumsumBackward0", {&x}, [oi](const BasicTensor<Scalar>& g) {
      if (is_grad_enabled()) [[unlikely]] {  // create_graph: sum from the end, recorded
        const auto gl = g.reshape({oi.outer, oi.n, oi.inner});
        return std::vector<BasicTensor<Scalar>>{
            (sum(gl, 1, true) - cumsum(gl, 1) + gl).reshape(g.shape())};
      }
      auto gi = BasicTensor<Scalar>::empty(g.shape());
      const Scalar* gp = g.data();
      Scalar* dp = gi.data();
      detail::for_each_dim_lane(oi, [&](std::int64_t l, std::int64_t st) {
        Scalar acc = Scalar(0);
        for (std::int64_t i = oi.n - 1; i >= 0; --i) dp[l + i * st] = acc += gp[l + i * st];
      });
      return std::vector<BasicTensor<Scalar>>{gi};
    });
  detail::mark_differentiable_backward(out);
  return out;
}

/// torch.cumprod(x, dim): running products along dim (out_i = x_0 * ... * x_i). The
/// gradient dx_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k is exact with zeros.
template <class Scalar>
BasicTensor<Scalar> cumprod(const BasicTensor<Scalar>& x, std::int64_t dim) {
  const auto oi = detail::scan_split("cumprod", x.shape(), dim);
  auto out = BasicTensor<Scalar>::empty(x.shape());
  const Scalar* xp = x.data();
  Scalar* op = out.data();
  detail::for_each_dim_lane(oi, [&](std::int64_t l, std::int64_t st) {
    Scalar acc = Scalar(1);
    for (std::int64_t i = 0; i < oi.n; ++i) op[l + i * st] = acc *= xp[l + i * st];
  });
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(
        out, "CumprodBackward0", {&x},
        [oi, sx = detail::SavedTensor<Scalar>(x), xs = x.shape()](const BasicTensor<Scalar>& g) {
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            const Shape lanes{oi.outer, oi.n, oi.inner};
            const bool z =
                !detail::no_zeros(sx.data("CumprodBackward0"), oi.outer * oi.n * oi.inner);
            return std::vector<BasicTensor<Scalar>>{
                detail::cumprod_backward_recorded(
                    g.reshape(lanes), sx.variable("CumprodBackward0", xs).reshape(lanes), z)
                    .reshape(xs)};
          }
          const Scalar* xp = sx.data("CumprodBackward0");
          auto gi = BasicTensor<Scalar>::empty(xs);
          const Scalar* gp = g.data();
          Scalar* dp = gi.data();
          // dx_i = P_{i-1} * S_i with P the prefix products and
          // S_i = g_i + x_{i+1} S_{i+1} (S_{n-1} = g_{n-1}).
          detail::for_each_dim_lane(oi, [&](std::int64_t l, std::int64_t st) {
            Scalar s = Scalar(0);
            for (std::int64_t i = oi.n - 1; i >= 0; --i) {
              s = gp[l + i * st] + (i + 1 < oi.n ? xp[l + (i + 1) * st] * s : Scalar(0));
              dp[l + i * st] = s;
            }
            Scalar p = Scalar(1);
            for (std::int64_t i = 0; i < oi.n; ++i) {
              dp[l + i * st] *= p;
              p *= xp[l + i * st];
            }
          });
          return std::vector<BasicTensor<Scalar>>{gi};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

/// torch.prod(x): the product of all elements (0-D). The gradient is exact with zeros.
template <class Scalar>
BasicTensor<Scalar> prod(const BasicTensor<Scalar>& x) {
  Scalar acc = Scalar(1);
  for (std::int64_t i = 0; i < x.numel(); ++i) acc *= x.data()[i];
  auto out = scalar_tensor<Scalar>(acc);
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(
        out, "ProdBackward0", {&x},
        [sx = detail::SavedTensor<Scalar>(x), xs = x.shape()](const BasicTensor<Scalar>& g) {
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            const Shape lane{1, detail::numel_of(xs), 1};
            const bool z = !detail::no_zeros(sx.data("ProdBackward0"), lane[1]);
            return std::vector<BasicTensor<Scalar>>{
                detail::prod_backward_recorded(g.reshape({1, 1, 1}),
                                               sx.variable("ProdBackward0", xs).reshape(lane), z)
                    .reshape(xs)};
          }
          auto gi = BasicTensor<Scalar>::empty(xs);
          detail::prod_lane_grad(sx.data("ProdBackward0"), gi.data(), gi.numel(), std::int64_t{1},
                                 g.item());
          return std::vector<BasicTensor<Scalar>>{gi};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

/// torch.prod(x, dim, keepdim): the product along dim.
template <class Scalar>
BasicTensor<Scalar> prod(const BasicTensor<Scalar>& x, std::int64_t dim, bool keepdim = false) {
  const auto oi = detail::scan_split("prod", x.shape(), dim);
  Shape os = x.shape();
  if (!os.empty()) {
    if (keepdim)
      os[static_cast<std::size_t>(dim)] = 1;
    else
      os.erase(os.begin() + dim);
  }
  auto out = BasicTensor<Scalar>::empty(os);
  const Scalar* xp = x.data();
  Scalar* op = out.data();
  std::int64_t r = 0;
  detail::for_each_dim_lane(oi, [&](std::int64_t l, std::int64_t st) {
    Scalar acc = Scalar(1);
    for (std::int64_t i = 0; i < oi.n; ++i) acc *= xp[l + i * st];
    op[r++] = acc;
  });
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(
        out, "ProdBackward1", {&x},
        [oi, sx = detail::SavedTensor<Scalar>(x), xs = x.shape()](const BasicTensor<Scalar>& g) {
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            const bool z = !detail::no_zeros(sx.data("ProdBackward1"), oi.outer * oi.n * oi.inner);
            return std::vector<BasicTensor<Scalar>>{
                detail::prod_backward_recorded(
                    g.reshape({oi.outer, 1, oi.inner}),
                    sx.variable("ProdBackward1", xs).reshape({oi.outer, oi.n, oi.inner}), z)
                    .reshape(xs)};
          }
          const Scalar* xp = sx.data("ProdBackward1");
          auto gi = BasicTensor<Scalar>::empty(xs);
          std::int64_t r = 0;
          detail::for_each_dim_lane(oi, [&](std::int64_t l, std::int64_t st) {
            detail::prod_lane_grad(xp + l, gi.data() + l, oi.n, st, g.data()[r++]);
          });
          return std::vector<BasicTensor<Scalar>>{gi};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::cumsum(std::int64_t d) const {
  return torchlet::cumsum(*this, d);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::cumprod(std::int64_t d) const {
  return torchlet::cumprod(*this, d);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::prod() const {
  return torchlet::prod(*this);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::prod(std::int64_t d, bool k) const {
  return torchlet::prod(*this, d, k);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_SCAN
#include "torchlet/tensor/members.hpp"
#endif
