// The hint a baseline build prints on a CPU with AVX2 and FMA (detail/cpu_hint.hpp): when it
// is due, what it says, how TORCHLET_CPU_HINT silences it. That it prints once in a real
// baseline program is checked by tests/package (the contract program links torchlet::torchlet
// without -march=native).
#include <string>

#include <torchlet/detail/cpu_hint.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using torchlet::detail::cpu_hint_enabled;
using torchlet::detail::cpu_hint_message;
using torchlet::detail::CpuFeatures;

TEST_CASE("cpu hint: a baseline build on an AVX2 CPU is told how to get the faster kernels") {
  const std::string m = cpu_hint_message({.avx2_fma = false}, {.avx2_fma = true});
  CHECK(m.find("compiled for the baseline x86-64") != std::string::npos);
  CHECK(m.find("AVX2 and FMA") != std::string::npos);
  CHECK(m.find("-march=native") != std::string::npos);
  CHECK(m.find("torchlet::native") != std::string::npos);
  CHECK(m.find("TORCHLET_CPU_HINT=0") != std::string::npos);
  CHECK(m.find("AVX-512") == std::string::npos);
  CHECK(m.back() == '\n');
  CHECK(m.find('\n') == m.size() - 1);  // one line
  const std::string m512 =
      cpu_hint_message({.avx2_fma = false}, {.avx2_fma = true, .avx512f = true});
  CHECK(m512.find("(and AVX-512)") != std::string::npos);
}

TEST_CASE("cpu hint: nothing when the build has AVX2 or the CPU has not") {
  CHECK(cpu_hint_message({.avx2_fma = true}, {.avx2_fma = true}).empty());
  CHECK(cpu_hint_message({.avx2_fma = true}, {.avx2_fma = true, .avx512f = true}).empty());
  CHECK(cpu_hint_message({.avx2_fma = false}, {.avx2_fma = false}).empty());
  CHECK(cpu_hint_message({.avx2_fma = true}, {.avx2_fma = false}).empty());
}

TEST_CASE("cpu hint: TORCHLET_CPU_HINT=0 silences it, anything else or unset does not") {
  CHECK(cpu_hint_enabled(nullptr));
  CHECK_FALSE(cpu_hint_enabled("0"));
  CHECK(cpu_hint_enabled("1"));
  CHECK(cpu_hint_enabled(""));
}

TEST_CASE("cpu hint: compiled features follow the compiler's macros") {
  constexpr CpuFeatures f = torchlet::detail::compiled_cpu_features();
#if defined(__AVX2__) && defined(__FMA__)
  CHECK(f.avx2_fma);
  // A build for AVX2 runs only where the CPU has it, so the running CPU must have it too.
  CHECK(torchlet::detail::running_cpu_features().avx2_fma);
#else
  CHECK_FALSE(f.avx2_fma);
#endif
}

}  // namespace TORCHLET_TEST_FILE
