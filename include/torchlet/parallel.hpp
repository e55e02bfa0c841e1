#pragma once
// torchlet::set_num_threads(n) / get_num_threads(): the number of threads torchlet's
// intra-op work may use, like torch.set_num_threads / torch.get_num_threads. This is the
// one place that sets it for every backend:
//   - Eigen's matrix products (Eigen::setNbThreads; Eigen runs its GEMM on several
//     threads only when compiled with OpenMP, i.e. -fopenmp / OpenMP::OpenMP_CXX),
//   - OpenMP's default team size for the calling thread (omp_set_num_threads),
//   - OpenBLAS's pool when Eigen's products go to it (TORCHLET_USE_BLAS / EIGEN_USE_BLAS).
// It does not touch DataLoader workers (DataLoaderOptions::num_workers), which load
// batches, as in PyTorch.
//
// Default (never set): OMP_NUM_THREADS if it is a positive integer, else the number of
// hardware threads. Without OpenMP, products run on the calling thread whatever the
// setting: torchlet's CMake target does not link OpenMP (see docs/benchmarks.md: on a
// loaded 2-core machine Eigen's OpenMP GEMM made 2 threads 5-30x slower than 1).
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include <Eigen/Core>

#if defined(_OPENMP)
#include <omp.h>
#endif

#if defined(EIGEN_USE_BLAS) && defined(__GNUC__) && defined(__ELF__)
// OpenBLAS's own setter, resolved only when the linked BLAS is OpenBLAS (weak: null otherwise).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));
#endif

namespace torchlet {
namespace detail {

/// The value given to set_num_threads; 0 while never set.
inline std::atomic<int>& num_threads_setting() noexcept {
  static std::atomic<int> n{0};
  return n;
}

/// OMP_NUM_THREADS's first entry when it is a positive integer, else the hardware threads (>= 1).
inline int default_num_threads() noexcept {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (end != env && (*end == '\0' || *end == ',') && v > 0 && v < (1 << 20))
      return static_cast<int>(v);
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace detail

/// Sets the number of threads used for intra-op parallelism (torch.set_num_threads).
/// Throws std::invalid_argument if n < 1.
inline void set_num_threads(int n) {
  if (n < 1)
    throw std::invalid_argument("set_num_threads: expected a positive number of threads, got " +
                                std::to_string(n));
  detail::num_threads_setting().store(n, std::memory_order_relaxed);
  Eigen::setNbThreads(n);
#if defined(_OPENMP)
  omp_set_num_threads(n);
#endif
#if defined(EIGEN_USE_BLAS) && defined(__GNUC__) && defined(__ELF__)
  if (openblas_set_num_threads) openblas_set_num_threads(n);
#endif
}

/// The number of threads intra-op work may use (torch.get_num_threads): the last
/// set_num_threads value, else the default described at the top of this file.
inline int get_num_threads() noexcept {
  const int n = detail::num_threads_setting().load(std::memory_order_relaxed);
  return n > 0 ? n : detail::default_num_threads();
}

}  // namespace torchlet
