#pragma once
// The elementwise, reduction and softmax kernels over contiguous arrays that the tensor ops run
// on each chunk of their work (tensor/unary.hpp's exp, log, tanh, sigmoid; tensor/reduction.hpp's
// sum; tensor/softmax.hpp's softmax and log_softmax over a contiguous dim), through Eigen's
// vectorised array functions. Like detail/gemm_kernel.hpp: header-only programs compile them in
// their own units for their instruction set; the compiled mode also compiles them once per CPU
// capability in units of their own (src/compiled/cpu_*.cpp, which define TORCHLET_DETAIL_CPU_NS
// and rename Eigen's namespace) and picks one table at run time (detail/cpu_dispatch.hpp).
#include <cmath>
#include <cstdint>
#include <limits>

#include <Eigen/Core>

#include "torchlet/detail/cpu_dispatch.hpp"

namespace torchlet::detail {
#ifdef TORCHLET_DETAIL_CPU_NS
namespace TORCHLET_DETAIL_CPU_NS {
#endif

/// y[i] = op(x[i]) for i < n; y may be x (in place).
template <class Scalar>
void vector_unary(VectorUnary op, const Scalar* x, Scalar* y, std::int64_t n) {
  using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
  const Eigen::Map<const Array> X(x, Eigen::Index(n));
  Eigen::Map<Array> Y(y, Eigen::Index(n));
  switch (op) {
    case VectorUnary::exp:
      Y = X.exp();
      return;
    case VectorUnary::log:
      Y = X.log();
      return;
    case VectorUnary::tanh:
      Y = X.tanh();
      return;
    case VectorUnary::sigmoid:
      Y = Scalar(1) / (Scalar(1) + (-X).exp());
      return;
  }
}

/// The sum of x[0 .. n), in the order Eigen's vectorised sum adds (fixed for a given n and
/// instruction set).
template <class Scalar>
Scalar vector_sum(const Scalar* x, std::int64_t n) {
  using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
  return n > 0 ? Eigen::Map<const Array>(x, Eigen::Index(n)).sum() : Scalar(0);
}

/// Rows shorter than this go through a scalar loop: Eigen's vectorised exp leaves a row
/// shorter than its packet (16 floats with AVX-512) to its scalar tail, with the overhead of
/// the packet path on top (log_softmax over 10 classes: 6.3 ns per element against 3.9 with
/// AVX2's 8-float packets, benchmarks/vector_kernels.cpp).
inline constexpr std::int64_t kSoftmaxScalarRow = 32;

/// softmax (log_out false) or log_softmax of each of `rows` contiguous rows of n elements of x
/// into y, stably (the row's max subtracted; a row of -inf gives NaN, as in PyTorch).
template <class Scalar>
void softmax_rows(const Scalar* x, Scalar* y, std::int64_t rows, std::int64_t n, bool log_out) {
  using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
  if (n < kSoftmaxScalarRow) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const Scalar* xr = x + r * n;
      Scalar* yr = y + r * n;
      Scalar mx = -std::numeric_limits<Scalar>::infinity();
      for (std::int64_t k = 0; k < n; ++k) mx = xr[k] > mx ? xr[k] : mx;
      if (std::isinf(mx) && mx < 0) mx = 0;  // all -inf: NaN as in PyTorch, not -inf - -inf
      Scalar s = 0;
      if (log_out) {
        for (std::int64_t k = 0; k < n; ++k) s += std::exp(xr[k] - mx);
        const Scalar lse = mx + std::log(s);
        for (std::int64_t k = 0; k < n; ++k) yr[k] = xr[k] - lse;
      } else {
        for (std::int64_t k = 0; k < n; ++k) s += (yr[k] = std::exp(xr[k] - mx));
        const Scalar inv = Scalar(1) / s;
        for (std::int64_t k = 0; k < n; ++k) yr[k] *= inv;
      }
    }
    return;
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    const Eigen::Map<const Array> X(x + r * n, Eigen::Index(n));
    Eigen::Map<Array> Y(y + r * n, Eigen::Index(n));
    Scalar mx = n > 0 ? X.maxCoeff() : Scalar(0);
    if (std::isinf(mx) && mx < 0) mx = 0;  // all -inf: NaN as in PyTorch, not -inf - -inf
    if (log_out) {
      const Scalar lse = mx + std::log((X - mx).exp().sum());
      Y = X - lse;
    } else {
      Y = (X - mx).exp();
      Y *= Scalar(1) / Y.sum();
    }
  }
}

#ifdef TORCHLET_DETAIL_CPU_NS
}  // namespace TORCHLET_DETAIL_CPU_NS
#endif
}  // namespace torchlet::detail
