#pragma once
// Runtime CPU dispatch of the compiled mode (torchlet::compiled). The library compiles its hot
// kernels (detail/gemm_kernel.hpp's matrix product, detail/vector_kernel.hpp's exp, log, tanh,
// sigmoid, sum and softmax) once per CPU capability: for the x86-64 baseline, for AVX2 +
// FMA and for AVX-512 (F, BW, DQ, VL), each in a unit of its own (src/compiled/cpu_*.cpp), and
// picks one table of them the first time one is needed: the best the CPU has (cpuid), or the one
// TORCHLET_CPU_CAPABILITY names (default, avx2, avx512; PyTorch's ATEN_CPU_CAPABILITY). A program
// built for the baseline then multiplies matrices with the kernels -march=native would give it.
// Header-only programs compile the kernels into their own units and use none of this.
#include <cstdint>

namespace torchlet::detail {

/// The instruction sets the compiled mode has kernels for, in increasing order.
enum class CpuCapability { DEFAULT, AVX2, AVX512 };

template <class Scalar>
using GemmColumnsFn = void (*)(const Scalar*, std::int64_t, std::int64_t, bool, const Scalar*,
                               std::int64_t, std::int64_t, bool, Scalar*, std::int64_t,
                               std::int64_t, std::int64_t, std::int64_t, bool, Scalar);

/// The elementwise functions of detail::vector_unary.
enum class VectorUnary { exp, log, tanh, sigmoid };
template <class Scalar>
using VectorUnaryFn = void (*)(VectorUnary, const Scalar*, Scalar*, std::int64_t);
template <class Scalar>
using VectorSumFn = Scalar (*)(const Scalar*, std::int64_t);
template <class Scalar>
using SoftmaxRowsFn = void (*)(const Scalar*, Scalar*, std::int64_t, std::int64_t, bool);

/// One capability's kernels: gemm_columns (detail/gemm_kernel.hpp) and its column block, which
/// depends on the register blocking of the instruction set; vector_unary, vector_sum and
/// softmax_rows (detail/vector_kernel.hpp).
struct CpuKernels {
  CpuCapability capability;
  GemmColumnsFn<float> gemm_f32;
  std::int64_t gemm_block_f32;
  GemmColumnsFn<double> gemm_f64;
  std::int64_t gemm_block_f64;
  VectorUnaryFn<float> unary_f32;
  VectorUnaryFn<double> unary_f64;
  VectorSumFn<float> sum_f32;
  VectorSumFn<double> sum_f64;
  SoftmaxRowsFn<float> softmax_f32;
  SoftmaxRowsFn<double> softmax_f64;
};

#ifdef TORCHLET_COMPILED_LIB
/// The kernels in use: chosen on the first call (TORCHLET_CPU_CAPABILITY, else the best this
/// CPU runs), then those set by set_cpu_capability. Throws std::invalid_argument on the first
/// call when TORCHLET_CPU_CAPABILITY holds something else than default, avx2 or avx512, or names
/// a capability this CPU lacks.
const CpuKernels& cpu_kernels();
/// Whether this library has kernels for `c` and this CPU runs them.
bool cpu_capability_available(CpuCapability c);
/// Uses the kernels of `c` from now on (tests compare the capabilities with it); throws
/// std::invalid_argument when cpu_capability_available(c) is false.
void set_cpu_capability(CpuCapability c);
/// The capability a value of TORCHLET_CPU_CAPABILITY names (case-insensitive); throws
/// std::invalid_argument naming the variable, the values it takes and the one found.
CpuCapability parse_cpu_capability(const char* value);
#endif

}  // namespace torchlet::detail
