#pragma once
// torch.backends.cpu: which instruction set torchlet's matrix-product kernels use.
//   get_cpu_capability() -> "DEFAULT" (x86-64 baseline, or not x86), "AVX2" (with FMA), "AVX512"
// Header-only: what the program's own units were compiled for (-march=native, or
// torchlet::native, gives AVX2 or AVX512 on CPUs that have them). Compiled mode
// (torchlet::compiled): the kernels the library chose at run time (detail/cpu_dispatch.hpp), which
// TORCHLET_CPU_CAPABILITY=default|avx2|avx512 forces.
#include <string>

namespace torchlet::backends::cpu {

#ifdef TORCHLET_COMPILED_LIB
/// torch.backends.cpu.get_cpu_capability() (PyTorch 2.1): the capability of the kernels in use.
std::string get_cpu_capability();
#else
/// torch.backends.cpu.get_cpu_capability() (PyTorch 2.1): the capability this unit was compiled
/// for.
inline std::string get_cpu_capability() {
#if defined(__AVX512F__)
  return "AVX512";
#elif defined(__AVX2__) && defined(__FMA__)
  return "AVX2";
#else
  return "DEFAULT";
#endif
}
#endif

}  // namespace torchlet::backends::cpu
