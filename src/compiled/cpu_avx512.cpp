// torchlet::compiled: the kernels for AVX-512 F, BW, DQ and VL (-mavx512f -mavx512bw -mavx512dq
// -mavx512vl); CMakeLists.txt sets the unit's flags.
#define TORCHLET_DETAIL_CPU_NS cpu_avx512
#define Eigen torchlet_eigen_cpu_avx512  // Eigen's functions compiled here get names of their own
#include "cpu_kernels.hpp"

namespace torchlet::detail {

const CpuKernels& cpu_kernels_avx512() {
  static const CpuKernels k = cpu_avx512::kernels(CpuCapability::AVX512);
  return k;
}

}  // namespace torchlet::detail
