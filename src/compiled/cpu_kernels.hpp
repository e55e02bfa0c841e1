// torchlet::compiled: what each CPU-capability unit (cpu_default.cpp, cpu_avx2.cpp,
// cpu_avx512.cpp) compiles. Each unit defines TORCHLET_DETAIL_CPU_NS (torchlet::detail's
// namespace for its kernels) and renames Eigen's namespace before including this, so that the
// functions it compiles with its own instruction set, Eigen's included, have names no other unit
// defines: the linker cannot merge them with another unit's copies and run AVX code on a CPU
// without it (tests/package/check_cpu_symbols.cmake checks the objects' symbols). It includes no
// other torchlet header for the same reason.
#pragma once

#include "torchlet/detail/cpu_dispatch.hpp"
#include "torchlet/detail/gemm_kernel.hpp"
#include "torchlet/detail/vector_kernel.hpp"

namespace torchlet::detail::TORCHLET_DETAIL_CPU_NS {

/// This unit's kernel table.
inline CpuKernels kernels(CpuCapability capability) {
  return {capability,
          &gemm_columns<float>,
          kGemmColumnBlock<float>,
          &gemm_columns<double>,
          kGemmColumnBlock<double>,
          &vector_unary<float>,
          &vector_unary<double>,
          &vector_sum<float>,
          &vector_sum<double>,
          &softmax_rows<float>,
          &softmax_rows<double>};
}

}  // namespace torchlet::detail::TORCHLET_DETAIL_CPU_NS
