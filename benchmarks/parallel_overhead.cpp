// What a parallel region costs on the intra-op pool (a program printing figures, not a test).
//
//   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTORCHLET_BUILD_BENCHMARKS=ON
//   cmake --build build --target bench_parallel_overhead
//   build/benchmarks/bench_parallel_overhead [--work N] [--gap N] [--regions N]
//
// A training step runs a few regions a few microseconds apart (a product, an elementwise
// kernel, an optimizer update). This program runs `regions` regions of two equal tasks, each
// `work` square roots (about 50 us with the default), with `gap` square roots of serial work
// on the calling thread between them, and prints the wall time per region with 1 and 2
// threads, alternating, best of 5 rounds. With 2 threads the ideal is the 1-thread time of
// one task plus the gap; what it takes beyond that is the pool's cost per region (waking a
// worker, handing it the task, waiting for it). Run it on an otherwise idle machine.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <torchlet/parallel.hpp>

namespace {

volatile double g_sink = 0;  // keeps the square roots from being optimized away

double roots(std::int64_t n, std::int64_t offset) {
  double s = 0;
  for (std::int64_t k = 0; k < n; ++k) s += std::sqrt(static_cast<double>(k + offset));
  return s;
}

// Microseconds per region (and gap) with `threads` threads.
double per_region(int threads, std::int64_t work, std::int64_t gap, int regions) {
  torchlet::set_num_threads(threads);
  double part[2] = {0, 0};
  const auto region = [&] {
    torchlet::parallel_for(0, 2, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) part[i] += roots(work, i);
    });
    g_sink = g_sink + roots(gap, 0);
  };
  for (int r = 0; r < regions / 10; ++r) region();  // start the workers, warm up
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < regions; ++r) region();
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  g_sink = g_sink + part[0] + part[1];
  return us / regions;
}

std::int64_t arg(int argc, char** argv, const char* name, std::int64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoll(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t work = arg(argc, argv, "--work", 20000);
  const std::int64_t gap = arg(argc, argv, "--gap", 2000);
  const int regions = static_cast<int>(arg(argc, argv, "--regions", 5000));
  double best1 = 1e300, best2 = 1e300, task = 1e300;
  for (int round = 0; round < 5; ++round) {
    best1 = std::min(best1, per_region(1, work, gap, regions));
    best2 = std::min(best2, per_region(2, work, gap, regions));
    // One task and the gap alone, on the calling thread: the 2-thread ideal.
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < regions; ++r) g_sink = g_sink + roots(work, r) + roots(gap, 0);
    task = std::min(
        task,
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
            regions);
  }
  std::printf("regions of 2 tasks of %lld square roots, %lld between regions (best of 5):\n",
              static_cast<long long>(work), static_cast<long long>(gap));
  std::printf("  1 thread:  %7.1f us per region\n", best1);
  std::printf("  2 threads: %7.1f us per region (ideal %.1f: the pool costs %.1f us per region)\n",
              best2, task, best2 - task);
  return 0;
}
