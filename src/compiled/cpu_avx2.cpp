// torchlet::compiled: the kernels for AVX2 and FMA (-mavx2 -mfma); CMakeLists.txt sets the unit's
// flags.
#define TORCHLET_DETAIL_CPU_NS cpu_avx2
#define Eigen torchlet_eigen_cpu_avx2  // Eigen's functions compiled here get names of their own
#include "cpu_kernels.hpp"

namespace torchlet::detail {

const CpuKernels& cpu_kernels_avx2() {
  static const CpuKernels k = cpu_avx2::kernels(CpuCapability::AVX2);
  return k;
}

}  // namespace torchlet::detail
