#pragma once
// Intra-op parallelism, as in PyTorch's ATen (at::parallel_for, at::parallel_reduce,
// torch.set_num_threads / torch.get_num_threads):
//
//   parallel_for(begin, end, grain_size, [&](std::int64_t b, std::int64_t e) { ... });
//   T r = parallel_reduce(begin, end, grain_size, identity, f(b, e, identity), combine);
//
// They run on one library-wide pool of persistent threads (detail/thread_pool.hpp) that watch
// for the next region for 50 us, then sleep. Below the grain size, inside another parallel region,
// and in DataLoader workers (which load with one intra-op thread each, as PyTorch's workers do) the
// work runs inline on the calling thread, so small ops pay nothing: no wake-up, no allocation.
//
// Determinism: parallel_for splits [begin, end) into at most get_num_threads() contiguous
// chunks, so f must write disjoint outputs per index (then the result does not depend on the
// split). parallel_reduce splits into chunks of exactly grain_size elements (the last one
// shorter) whatever the number of threads, reduces each chunk in order and combines the
// partial results left to right: the same bits for 1, 2 or 16 threads.
//
// set_num_threads(n) also sets, for code torchlet does not own:
//   - Eigen's own threading (Eigen::setNbThreads; effective only when Eigen is compiled with
//     OpenMP, which torchlet's target does not link: its products are split by the pool),
//   - OpenMP's default team size for the calling thread (omp_set_num_threads),
//   - OpenBLAS's pool when Eigen's products go to it (TORCHLET_USE_BLAS / EIGEN_USE_BLAS).
// It does not touch DataLoader workers (DataLoaderOptions::num_workers), which load
// batches, as in PyTorch.
//
// Default (never set): OMP_NUM_THREADS if it is a positive integer, else the number of
// hardware threads.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/thread_pool.hpp"

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
  if (n > 0) return n;
  static const int fallback = detail::default_num_threads();  // read once: it asks the OS
  return fallback;
}

/// Whether the calling thread runs a task of a parallel region (at::in_parallel_region()).
inline bool in_parallel_region() noexcept { return detail::ThreadState::local().in_region; }

namespace detail {

/// Threads a region started on the calling thread may use: 1 inside a region, the thread's
/// limit in DataLoader workers, else get_num_threads().
inline int intra_op_threads() noexcept {
  const auto& s = ThreadState::local();
  if (s.in_region) return 1;
  const int n = get_num_threads();
  return s.intra_op_limit > 0 ? std::min(n, s.intra_op_limit) : n;
}

/// Opt-in accounting for scaling projections (benchmarks/train_epoch.cpp --profile-parallel):
/// while enabled, the wall time spent in parallel_for / parallel_reduce calls large enough to
/// be split (above their grain size; outermost calls only) is summed, on every thread.
struct ParallelProfile {
  std::atomic<bool> enabled{false};
  std::atomic<std::int64_t> nanoseconds{0};  ///< time in splittable regions
  /// The process-wide instance.
  static ParallelProfile& get() noexcept {
    static ParallelProfile p;
    return p;
  }
};

/// Times the enclosing splittable region when ParallelProfile is enabled.
class ProfileScope {
 public:
  ProfileScope() noexcept
      : on_(ParallelProfile::get().enabled.load(std::memory_order_relaxed) &&
            !ThreadState::local().in_region) {
    if (on_) start_ = std::chrono::steady_clock::now();
  }
  ~ProfileScope() {
    if (on_)
      ParallelProfile::get().nanoseconds.fetch_add(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                               start_)
              .count(),
          std::memory_order_relaxed);
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

/// Limits the regions started on the calling thread to n threads (0: no limit); DataLoader
/// workers call it with 1 so that workers and intra-op threads do not oversubscribe the cores.
inline void set_thread_intra_op_limit(int n) noexcept { ThreadState::local().intra_op_limit = n; }

}  // namespace detail

/// Calls f(b, e) on disjoint chunks [b, e) covering [begin, end), on up to get_num_threads()
/// threads, and returns when all are done (at::parallel_for). Chunks have at least
/// grain_size elements: a range of at most grain_size runs as one call on the calling thread,
/// as does any call inside a parallel region. An exception thrown by f reaches the caller
/// (the first one, if several chunks throw; chunks not yet started are skipped).
template <class F>
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain_size, const F& f) {
  if (begin >= end) return;
  const std::int64_t n = end - begin;
  const std::int64_t grain = std::max<std::int64_t>(grain_size, 1);
  if (n <= grain) {
    f(begin, end);
    return;
  }
  const detail::ProfileScope profile;
  const int threads = detail::intra_op_threads();
  if (threads <= 1) {
    f(begin, end);
    return;
  }
  const std::int64_t tasks = std::min<std::int64_t>(threads, (n + grain - 1) / grain);
  const std::int64_t chunk = (n + tasks - 1) / tasks;
  detail::ThreadPool::instance().run(tasks, threads, [&](std::int64_t i) {
    const std::int64_t b = begin + i * chunk;
    const std::int64_t e = std::min(end, b + chunk);
    if (b < e) f(b, e);
  });
}

/// Reduces [begin, end) deterministically (at::parallel_reduce, but the same bits for any
/// thread count): partial = f(b, e, identity) for chunks of exactly grain_size elements (the
/// last shorter), computed on up to get_num_threads() threads, then combined in order:
/// combine(...combine(combine(identity, p0), p1)..., pk). One chunk: f(begin, end, identity).
template <class T, class F, class C>
T parallel_reduce(std::int64_t begin, std::int64_t end, std::int64_t grain_size, const T& identity,
                  const F& f, const C& combine) {
  if (begin >= end) return identity;
  const std::int64_t grain = std::max<std::int64_t>(grain_size, 1);
  const std::int64_t chunks = (end - begin + grain - 1) / grain;
  if (chunks == 1) return f(begin, end, identity);
  std::vector<T> partial(static_cast<std::size_t>(chunks), identity);
  parallel_for(0, chunks, 1, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c) {
      const std::int64_t b = begin + c * grain;
      partial[static_cast<std::size_t>(c)] = f(b, std::min(end, b + grain), identity);
    }
  });
  T result = identity;
  for (const T& p : partial) result = combine(result, p);
  return result;
}

}  // namespace torchlet
