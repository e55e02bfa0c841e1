// torchlet::compiled: which capability's kernels run (detail/cpu_dispatch.hpp), and
// torch.backends.cpu.get_cpu_capability() in compiled mode (torchlet/backends.hpp).
#include "torchlet/detail/cpu_dispatch.hpp"

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "torchlet/backends.hpp"

namespace torchlet::detail {

// One table per unit compiled for a capability (cpu_<capability>.cpp).
const CpuKernels& cpu_kernels_default();
#ifdef TORCHLET_CPU_DISPATCH_X86
const CpuKernels& cpu_kernels_avx2();
const CpuKernels& cpu_kernels_avx512();
#endif

namespace {

const char* capability_name(CpuCapability c) {
  switch (c) {
    case CpuCapability::AVX2:
      return "AVX2";
    case CpuCapability::AVX512:
      return "AVX512";
    case CpuCapability::DEFAULT:
      break;
  }
  return "DEFAULT";
}

/// Whether this build has kernels for `c` and this CPU runs them.
bool cpu_runs(CpuCapability c) {
  if (c == CpuCapability::DEFAULT) return true;
#if defined(TORCHLET_CPU_DISPATCH_X86) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (c == CpuCapability::AVX2) return avx2;
  return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}

const CpuKernels& table(CpuCapability c) {
#ifdef TORCHLET_CPU_DISPATCH_X86
  if (c == CpuCapability::AVX512) return cpu_kernels_avx512();
  if (c == CpuCapability::AVX2) return cpu_kernels_avx2();
#endif
  static_cast<void>(c);
  return cpu_kernels_default();
}

/// The kernels TORCHLET_CPU_CAPABILITY names, else the best this CPU runs.
const CpuKernels* initial_kernels() {
  if (const char* env = std::getenv("TORCHLET_CPU_CAPABILITY"); env != nullptr && *env != '\0') {
    const CpuCapability c = parse_cpu_capability(env);
    if (!cpu_capability_available(c))
      throw std::invalid_argument(std::string("TORCHLET_CPU_CAPABILITY=") + env +
                                  ": this CPU (or this build of torchlet::compiled) has no " +
                                  capability_name(c) + " kernels");
    return &table(c);
  }
  for (CpuCapability c : {CpuCapability::AVX512, CpuCapability::AVX2})
    if (cpu_capability_available(c)) return &table(c);
  return &cpu_kernels_default();
}

std::atomic<const CpuKernels*>& active() {
  static std::atomic<const CpuKernels*> kernels{initial_kernels()};
  return kernels;
}

}  // namespace

const CpuKernels& cpu_kernels() { return *active().load(std::memory_order_acquire); }

bool cpu_capability_available(CpuCapability c) { return cpu_runs(c); }

void set_cpu_capability(CpuCapability c) {
  if (!cpu_capability_available(c))
    throw std::invalid_argument(std::string("set_cpu_capability: this CPU (or this build of "
                                            "torchlet::compiled) has no ") +
                                capability_name(c) + " kernels");
  active().store(&table(c), std::memory_order_release);
}

CpuCapability parse_cpu_capability(const char* value) {
  std::string v(value == nullptr ? "" : value);
  for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v == "default") return CpuCapability::DEFAULT;
  if (v == "avx2") return CpuCapability::AVX2;
  if (v == "avx512") return CpuCapability::AVX512;
  throw std::invalid_argument(std::string("TORCHLET_CPU_CAPABILITY: expected default, avx2 or "
                                          "avx512, found \"") +
                              (value == nullptr ? "" : value) + "\"");
}

}  // namespace torchlet::detail

namespace torchlet::backends::cpu {

std::string get_cpu_capability() {
  return detail::capability_name(detail::cpu_kernels().capability);
}

}  // namespace torchlet::backends::cpu
