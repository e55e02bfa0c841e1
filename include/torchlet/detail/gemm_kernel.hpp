#pragma once
// The single-threaded matrix-product kernel of detail::gemm (tensor/detail/gemm.hpp): columns of
// C = alpha * op(A) @ op(B) through Eigen's GEMM on mapped row-major buffers. Header-only
// programs compile it in their own units, for the instruction set they are compiled for. The
// compiled mode (torchlet::compiled) also compiles it once per CPU capability, in units of their
// own (src/compiled/cpu_*.cpp) that define TORCHLET_DETAIL_CPU_NS and rename Eigen's namespace, so
// that no function is defined twice with different instructions (detail/cpu_dispatch.hpp).
#include <cstdint>

#include <Eigen/Core>

namespace torchlet::detail {
#ifdef TORCHLET_DETAIL_CPU_NS
namespace TORCHLET_DETAIL_CPU_NS {
#endif

/// Columns [c0, c0 + nc) of C [n, m] = alpha * op(A) @ op(B) (+ C if accumulate), on the calling
/// thread. A is [ar, ac] and B [br, bc] as stored (row-major); op = transpose where ta / tb.
template <class Scalar>
void gemm_columns(const Scalar* a, std::int64_t ar, std::int64_t ac, bool ta, const Scalar* b,
                  std::int64_t br, std::int64_t bc, bool tb, Scalar* c, std::int64_t n,
                  std::int64_t m, std::int64_t c0, std::int64_t nc, bool accumulate, Scalar alpha) {
  using Idx = Eigen::Index;
  using Stride = Eigen::OuterStride<>;
  using Mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using ConstMap = Eigen::Map<const Mat, 0, Stride>;
  const ConstMap A(a, Idx(ar), Idx(ac), Stride(Idx(ac)));
  // op(B)'s columns c0.. are B's columns c0.. or, transposed, B's rows c0..
  const ConstMap B = tb ? ConstMap(b + c0 * bc, Idx(nc), Idx(bc), Stride(Idx(bc)))
                        : ConstMap(b + c0, Idx(br), Idx(nc), Stride(Idx(bc)));
  Eigen::Map<Mat, 0, Stride> C(c + c0, Idx(n), Idx(nc), Stride(Idx(m)));
  if (!accumulate && alpha == Scalar(1)) {
    if (!ta && !tb)
      C.noalias() = A * B;
    else if (ta && !tb)
      C.noalias() = A.transpose() * B;
    else if (!ta && tb)
      C.noalias() = A * B.transpose();
    else
      C.noalias() = A.transpose() * B.transpose();
    return;
  }
  if (!accumulate) {
    if (nc == m)  // the whole of C: one block (a strided map zeroes row by row)
      Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>(c, Idx(n * m)).setZero();
    else
      C.setZero();
  }
  if (!ta && !tb)
    C.noalias() += alpha * A * B;
  else if (ta && !tb)
    C.noalias() += alpha * A.transpose() * B;
  else if (!ta && tb)
    C.noalias() += alpha * A * B.transpose();
  else
    C.noalias() += alpha * A.transpose() * B.transpose();
}

/// Products split the output's columns in blocks of this many. Eigen computes a row-major
/// C as C^T = op(B)^T op(A)^T, so these columns are the rows its kernel walks in register
/// blocks of `mr` rows (3 packets: 12 floats with SSE2, 24 with AVX2, 48 with AVX-512): with
/// splits at multiples of mr every element is computed by the same code path, in the same order,
/// as without the split, so the results are the same bits for any thread count (tests/parallel).
template <class Scalar>
inline constexpr std::int64_t kGemmColumnBlock = Eigen::internal::gebp_traits<Scalar, Scalar>::mr;

#ifdef TORCHLET_DETAIL_CPU_NS
}  // namespace TORCHLET_DETAIL_CPU_NS
#endif
}  // namespace torchlet::detail
