#pragma once
// The one-line hint a header-only program built for the x86-64 baseline prints on a CPU with
// AVX2 and FMA: Eigen's kernels run 2-3x faster when the program is compiled for them
// (-march=native, or linking torchlet::native). Printed once, on stderr, at the first matrix
// product; TORCHLET_CPU_HINT=0 silences it (as TF_CPP_MIN_LOG_LEVEL silences TensorFlow's).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace torchlet::detail {

/// Instruction-set extensions that decide Eigen's kernels: AVX2 with FMA, and AVX-512F.
struct CpuFeatures {
  bool avx2_fma = false;  ///< AVX2 and FMA3.
  bool avx512f = false;   ///< AVX-512 Foundation.
};

/// What this translation unit was compiled for (the predefined macros of -mavx2 -mfma,
/// -mavx512f, -march=native).
constexpr CpuFeatures compiled_cpu_features() {
  CpuFeatures f;
#if defined(__AVX2__) && defined(__FMA__)
  f.avx2_fma = true;
#endif
#if defined(__AVX512F__)
  f.avx512f = true;
#endif
  return f;
}

/// What the CPU running the program has (cpuid; nothing on other architectures or compilers).
inline CpuFeatures running_cpu_features() {
  CpuFeatures f;
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  f.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
#endif
  return f;
}

/// The hint for a program compiled for `compiled` running on `cpu`, or "" when the build
/// already uses what makes the kernels faster (AVX2 and FMA).
inline std::string cpu_hint_message(CpuFeatures compiled, CpuFeatures cpu) {
  if (compiled.avx2_fma || !cpu.avx2_fma) return {};
  return std::string(
             "torchlet: this program was compiled for the baseline x86-64 instruction set, "
             "but this CPU has AVX2 and FMA") +
         (cpu.avx512f ? " (and AVX-512)" : "") +
         ": compile it with -march=native (CMake: link torchlet::native instead of "
         "torchlet::torchlet) for 2-3x faster matrix products. TORCHLET_CPU_HINT=0 silences "
         "this message.\n";
}

/// Whether the value of TORCHLET_CPU_HINT (nullptr: unset) lets the hint print: anything but
/// "0".
inline bool cpu_hint_enabled(const char* env) {
  return env == nullptr || std::string_view(env) != "0";
}

/// Prints the hint on stderr the first time it is called in the program (thread-safe), if
/// there is one and TORCHLET_CPU_HINT is not 0.
inline void cpu_hint_once() {
  static const bool printed = [] {
    if (!cpu_hint_enabled(std::getenv("TORCHLET_CPU_HINT"))) return false;
    const std::string message = cpu_hint_message(compiled_cpu_features(), running_cpu_features());
    if (message.empty()) return false;
    std::fputs(message.c_str(), stderr);
    return true;
  }();
  static_cast<void>(printed);
}

}  // namespace torchlet::detail
