// torchlet::compiled: the kernels for the x86-64 baseline (or, off x86, the build's flags);
// CMakeLists.txt sets the unit's flags.
#define TORCHLET_DETAIL_CPU_NS cpu_default
#define Eigen torchlet_eigen_cpu_default  // Eigen's functions compiled here get names of their own
#include "cpu_kernels.hpp"

namespace torchlet::detail {

const CpuKernels& cpu_kernels_default() {
  static const CpuKernels k = cpu_default::kernels(CpuCapability::DEFAULT);
  return k;
}

}  // namespace torchlet::detail
