#pragma once
// softmax and log_softmax over a dim, computed stably (the lane's max subtracted).
// x [*] -> [*]; each lane along dim sums to 1 (softmax) / logsumexp to 0 (log_softmax).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_SOFTMAX
#endif

#include "torchlet/tensor/reduction.hpp"

namespace torchlet {
namespace detail {

/// Lanes shorter than this take the scalar loop below even when contiguous: Eigen's vectorised
/// exp leaves a row shorter than its packet (16 floats with AVX-512) to its scalar tail, with
/// the packet path's overhead on top (log_softmax over 10 classes: 6.3 ns per element against
/// 3.9 with AVX2's 8-float packets, benchmarks/vector_kernels.cpp).
inline constexpr std::int64_t kSoftmaxVectorLane = 32;

/// Writes log_softmax (log_out) or softmax of every lane of x into out.
template <class Scalar>
void softmax_lanes(const BasicTensor<Scalar>& x, const DimSplit& sp, Scalar* out, bool log_out) {
  const Scalar* p = x.data();
  if constexpr (std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>) {
    // Contiguous lanes (the last dim) of kSoftmaxVectorLane or more: vector_kernels'
    // softmax_rows.
    if (sp.inner == 1 && sp.n >= kSoftmaxVectorLane) {
      const SoftmaxRowsFn<Scalar> rows = vector_kernels<Scalar>().softmax_rows;
      parallel_rows(sp.outer, sp.n * 8, [&](std::int64_t a0, std::int64_t a1) {
        rows(p + a0 * sp.n, out + a0 * sp.n, a1 - a0, sp.n, log_out);
      });
      return;
    }
  }
  parallel_rows(sp.outer, sp.n * sp.inner * 8, [&](std::int64_t a0, std::int64_t a1) {
    for (std::int64_t a = a0; a < a1; ++a)
      for (std::int64_t i = 0; i < sp.inner; ++i) {
        const Scalar* xp = p + a * sp.n * sp.inner + i;
        Scalar* op = out + a * sp.n * sp.inner + i;
        Scalar mx = -std::numeric_limits<Scalar>::infinity();
        for (std::int64_t k = 0; k < sp.n; ++k) mx = std::max(mx, xp[k * sp.inner]);
        if (std::isinf(mx) && mx < 0)
          mx = 0;  // an all -inf lane gives NaN as in PyTorch, not -inf - -inf
        Scalar s = 0;
        for (std::int64_t k = 0; k < sp.n; ++k) s += std::exp(xp[k * sp.inner] - mx);
        if (log_out) {
          const Scalar lse = mx + std::log(s);
          for (std::int64_t k = 0; k < sp.n; ++k) op[k * sp.inner] = xp[k * sp.inner] - lse;
        } else {
          const Scalar inv = Scalar(1) / s;
          for (std::int64_t k = 0; k < sp.n; ++k)
            op[k * sp.inner] = std::exp(xp[k * sp.inner] - mx) * inv;
        }
      }
  });
}

}  // namespace detail

/// log(softmax(x, dim)). dx = g - softmax(x) * sum(g over dim).
template <class Scalar>
BasicTensor<Scalar> log_softmax(const BasicTensor<Scalar>& x, std::int64_t dim) {
  static_assert(std::is_floating_point_v<Scalar>, "log_softmax: needs a floating point tensor");
  const auto sp = detail::split_dim("log_softmax", x.shape(), dim, true);
  auto out = BasicTensor<Scalar>::empty(x.shape());
  detail::softmax_lanes(x, sp, out.data(), true);
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(out, "LogSoftmaxBackward0", {&x},
                   [so = detail::SavedTensor<Scalar>(out), sp](const BasicTensor<Scalar>& g) {
                     if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                       const Shape lanes{sp.outer, sp.n, sp.inner};
                       auto y = so.output_variable("LogSoftmaxBackward0", g.shape()).reshape(lanes);
                       auto g3 = g.reshape(lanes);
                       return std::vector<BasicTensor<Scalar>>{
                           (g3 - y.exp() * g3.sum(1, true)).reshape(g.shape())};
                     }
                     auto gi = BasicTensor<Scalar>::empty(g.shape());
                     const Scalar* gp = g.data();
                     const Scalar* yp = so.data("LogSoftmaxBackward0");
                     Scalar* r = gi.data();
                     detail::parallel_rows(
                         sp.outer, sp.n * sp.inner * 4, [&](std::int64_t a0, std::int64_t a1) {
                           for (std::int64_t a = a0; a < a1; ++a)
                             for (std::int64_t i = 0; i < sp.inner; ++i) {
                               const auto base = a * sp.n * sp.inner + i;
                               Scalar s = 0;
                               for (std::int64_t k = 0; k < sp.n; ++k) s += gp[base + k * sp.inner];
                               for (std::int64_t k = 0; k < sp.n; ++k)
                                 r[base + k * sp.inner] = gp[base + k * sp.inner] -
                                                          std::exp(yp[base + k * sp.inner]) * s;
                             }
                         });
                     return std::vector<BasicTensor<Scalar>>{gi};
                   });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

/// softmax(x, dim) = exp(x) / sum(exp(x), dim). dx = y * (g - sum(g * y over dim)).
template <class Scalar>
BasicTensor<Scalar> softmax(const BasicTensor<Scalar>& x, std::int64_t dim) {
  static_assert(std::is_floating_point_v<Scalar>, "softmax: needs a floating point tensor");
  const auto sp = detail::split_dim("softmax", x.shape(), dim, true);
  auto out = BasicTensor<Scalar>::empty(x.shape());
  detail::softmax_lanes(x, sp, out.data(), false);
  if (detail::needs_graph<Scalar>({&x})) {
    detail::record(out, "SoftmaxBackward0", {&x},
                   [so = detail::SavedTensor<Scalar>(out), sp](const BasicTensor<Scalar>& g) {
                     if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                       const Shape lanes{sp.outer, sp.n, sp.inner};
                       auto y = so.output_variable("SoftmaxBackward0", g.shape()).reshape(lanes);
                       auto g3 = g.reshape(lanes);
                       return std::vector<BasicTensor<Scalar>>{
                           (y * (g3 - (g3 * y).sum(1, true))).reshape(g.shape())};
                     }
                     auto gi = BasicTensor<Scalar>::empty(g.shape());
                     const Scalar* gp = g.data();
                     const Scalar* yp = so.data("SoftmaxBackward0");
                     Scalar* r = gi.data();
                     detail::parallel_rows(
                         sp.outer, sp.n * sp.inner * 4, [&](std::int64_t a0, std::int64_t a1) {
                           for (std::int64_t a = a0; a < a1; ++a)
                             for (std::int64_t i = 0; i < sp.inner; ++i) {
                               const auto base = a * sp.n * sp.inner + i;
                               Scalar s = 0;
                               for (std::int64_t k = 0; k < sp.n; ++k)
                                 s += gp[base + k * sp.inner] * yp[base + k * sp.inner];
                               for (std::int64_t k = 0; k < sp.n; ++k)
                                 r[base + k * sp.inner] =
                                     yp[base + k * sp.inner] * (gp[base + k * sp.inner] - s);
                             }
                         });
                     return std::vector<BasicTensor<Scalar>>{gi};
                   });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::softmax(std::int64_t d) const {
  return torchlet::softmax(*this, d);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::log_softmax(std::int64_t d) const {
  return torchlet::log_softmax(*this, d);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_SOFTMAX
#include "torchlet/tensor/members.hpp"
#endif
