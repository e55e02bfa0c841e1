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

/// softmax (log_out false) or log_softmax of each of `rows` contiguous rows of n elements of x
/// into y, stably (the row's max subtracted; a row of -inf gives NaN, as in PyTorch).
template <class Scalar>
void softmax_rows(const Scalar* x, Scalar* y, std::int64_t rows, std::int64_t n, bool log_out) {
  using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
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
