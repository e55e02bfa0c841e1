// The elementwise, reduction and softmax kernels (detail/vector_kernel.hpp) on one thread, per
// CPU capability in the compiled mode (a program printing figures, not a test).
//
//   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTORCHLET_BUILD_BENCHMARKS=ON \
//         -DTORCHLET_NATIVE=OFF -DTORCHLET_BENCH_COMPILED=ON
//   cmake --build build --target bench_vector_kernels && build/benchmarks/bench_vector_kernels
//
// Times exp, tanh and sigmoid of 2^20 floats, the sum of 2^24 floats, softmax over [4096, 1000]
// and log_softmax over [65536, 10] (cross-entropy's shape), in nanoseconds per element, best of
// 7 runs of CPU time of the calling thread. Linked with torchlet::compiled (built for the x86-64
// baseline, -DTORCHLET_NATIVE=OFF), it runs every capability this CPU has, so the rows show what
// runtime CPU dispatch gives a portable binary (issue 17); header-only, one row: the kernels as
// this program was compiled.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include <torchlet/backends.hpp>
#include <torchlet/parallel.hpp>
#include <torchlet/tensor.hpp>

using namespace torchlet;

namespace {

volatile float g_sink = 0;  // keeps results alive

double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

/// Nanoseconds per element of f (over `elements` elements), best of 7 runs after a warm-up.
double ns_per_element(const std::function<float()>& f, double elements) {
  g_sink = g_sink + f();
  double best = 1e30;
  for (int r = 0; r < 7; ++r) {
    const double t0 = thread_seconds();
    g_sink = g_sink + f();
    best = std::min(best, thread_seconds() - t0);
  }
  return best * 1e9 / elements;
}

void run_row(const char* label) {
  manual_seed(0);
  const auto x = randn<float>({1 << 20});
  const auto big = randn<float>({1 << 24});
  const auto rows = randn<float>({4096, 1000});
  const auto logits = randn<float>({65536, 10});
  const double n = 1 << 20;
  std::printf(
      "%-28s exp %6.3f  tanh %6.3f  sigmoid %6.3f  sum %6.3f  softmax %6.3f  "
      "log_softmax[.,10] %6.3f ns/element\n",
      label, ns_per_element([&] { return x.exp().data()[0]; }, n),
      ns_per_element([&] { return x.tanh().data()[0]; }, n),
      ns_per_element([&] { return x.sigmoid().data()[0]; }, n),
      ns_per_element([&] { return big.sum().item(); }, double(1 << 24)),
      ns_per_element([&] { return rows.softmax(1).data()[0]; }, 4096.0 * 1000),
      ns_per_element([&] { return logits.log_softmax(1).data()[0]; }, 65536.0 * 10));
}

}  // namespace

int main() {
  set_num_threads(1);
#ifdef TORCHLET_COMPILED_LIB
  using detail::CpuCapability;
  for (CpuCapability c : {CpuCapability::DEFAULT, CpuCapability::AVX2, CpuCapability::AVX512}) {
    if (!detail::cpu_capability_available(c)) continue;
    detail::set_cpu_capability(c);
    run_row(("compiled, " + backends::cpu::get_cpu_capability()).c_str());
  }
#else
  run_row(TORCHLET_BENCH_NATIVE ? "header-only, -march=native" : "header-only, baseline");
#endif
  return 0;
}
