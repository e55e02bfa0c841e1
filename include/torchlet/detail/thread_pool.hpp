#pragma once
// The library's intra-op thread pool (internals; the public face is parallel.hpp's
// parallel_for / parallel_reduce / set_num_threads).
//
// One process-wide pool of get_num_threads() - 1 persistent workers; the thread that starts a
// parallel region is the last worker of its team. Workers are started on the first region that
// needs them, or again after set_num_threads changed the count. Between regions a worker
// watches for the next one for kSpinWait (50 us; OpenMP's runtimes do the same for longer),
// then sleeps on a condition variable; the caller likewise watches for its team to finish
// before it sleeps. A training step's regions come a few microseconds apart, and waking a
// sleeping thread costs tens of microseconds (a futex round trip through the kernel): with 2
// threads a region cost 21-24 us beyond its work without the watch, 0-5 us with it
// (benchmarks/parallel_overhead.cpp). An idle pool burns no CPU beyond those 50 us after its last
// region. A region runs `tasks` task indices [0, tasks): the caller and the woken workers claim
// indices from one atomic counter until none is left, so a slow thread never holds the others back.
// The caller returns when every claimed task finished; the first exception a task throws is
// rethrown to the caller (the remaining tasks are skipped).
//
// Only one region runs on the pool at a time: a thread that starts a region while another
// thread's region is running runs its tasks itself (as do workers, whose nested regions run
// inline, and forked children, which have no workers).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace torchlet::detail {

/// How long an idle worker watches for the next region, and a region's caller for its team
/// to finish, before sleeping (see the top of this file).
inline constexpr std::chrono::microseconds kSpinWait{50};

/// A hint to the CPU that the thread is busy-waiting (x86 `pause`, Arm `yield`).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield");
#endif
}

/// Calls done() until it returns true or kSpinWait passed; returns its last answer.
template <class F>
bool spin_until(const F& done) {
  const auto until = std::chrono::steady_clock::now() + kSpinWait;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= until) return done();
  }
}

/// Whether the calling thread is running a task of a parallel region (nested regions then
/// run inline) - and, in DataLoader workers, whether the thread is limited to one intra-op
/// thread (see set_thread_intra_op_limit).
struct ThreadState {
  bool in_region = false;  ///< inside a task of a parallel region
  int intra_op_limit = 0;  ///< 0: no limit; n: at most n threads for regions started here
  /// This thread's state.
  static ThreadState& local() noexcept {
    thread_local ThreadState s;
    return s;
  }
};

/// The process-wide pool (see the top of this file).
class ThreadPool {
 public:
  /// The pool; created on first use, its workers joined at exit.
  static ThreadPool& instance() {
    static ThreadPool pool;
    return pool;
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() { resize(0); }

  /// Runs task(i) for every i in [0, tasks) on up to `threads` threads (the caller and
  /// threads - 1 workers) and returns when all ran; rethrows the first exception a task threw.
  template <class F>
  void run(std::int64_t tasks, int threads, const F& task) {
    if (tasks <= 0) return;
    std::unique_lock region(region_, std::try_to_lock);
    if (threads <= 1 || tasks == 1 || !region.owns_lock() || ::getpid() != pid_) {
      run_inline(tasks, task);
      return;
    }
    resize(threads - 1);
    {
      std::lock_guard lk(m_);
      call_ = [](const void* f, std::int64_t i) { (*static_cast<const F*>(f))(i); };
      fn_ = &task;
      tasks_ = tasks;
      next_.store(0, std::memory_order_relaxed);
      error_ = nullptr;
      open_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    dispatches_.fetch_add(1, std::memory_order_relaxed);
    // Wake as many workers as there are tasks besides the caller's first.
    if (tasks - 1 >= static_cast<std::int64_t>(workers_.size()))
      work_cv_.notify_all();
    else
      for (std::int64_t i = 0; i < tasks - 1; ++i) work_cv_.notify_one();
    claim_tasks();
    // Workers still running tasks usually finish within microseconds: watch before sleeping.
    spin_until([this] { return active_.load(std::memory_order_acquire) == 0; });
    std::exception_ptr error;
    {
      std::unique_lock lk(m_);
      open_ = false;  // no late worker joins this region
      done_cv_.wait(lk, [&] { return active_.load(std::memory_order_relaxed) == 0; });
      error = error_;
      error_ = nullptr;
    }
    if (error) std::rethrow_exception(error);
  }

  /// Regions handed to the workers since start (a region run inline does not count): tests
  /// check with it that small ops never wake the pool.
  std::uint64_t dispatches() const noexcept { return dispatches_.load(std::memory_order_relaxed); }

  /// Workers currently started (threads - 1 of the last region that used the pool).
  std::size_t workers() const noexcept {
    std::lock_guard lk(m_);
    return workers_.size();
  }

 private:
  ThreadPool() = default;

  template <class F>
  static void run_inline(std::int64_t tasks, const F& task) {
    auto& state = ThreadState::local();
    const bool was = state.in_region;
    state.in_region = true;
    try {
      for (std::int64_t i = 0; i < tasks; ++i) task(i);
    } catch (...) {
      state.in_region = was;
      throw;
    }
    state.in_region = was;
  }

  // Claims and runs task indices of the current region until none is left.
  void claim_tasks() {
    auto& state = ThreadState::local();
    const bool was = state.in_region;
    state.in_region = true;
    for (;;) {
      const std::int64_t i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= tasks_) break;
      try {
        call_(fn_, i);
      } catch (...) {
        std::lock_guard lk(m_);
        if (!error_) error_ = std::current_exception();
        next_.store(tasks_, std::memory_order_relaxed);  // skip what is left
      }
    }
    state.in_region = was;
  }

  void worker_loop() {
    std::uint64_t seen = 0;
    std::unique_lock lk(m_);
    const auto ready = [&] {  // under m_
      return stop_.load(std::memory_order_relaxed) ||
             (open_ && generation_.load(std::memory_order_relaxed) != seen);
    };
    for (;;) {
      if (!ready()) {
        // A region that closed before this worker came to it is not waited for again.
        if (!open_) seen = generation_.load(std::memory_order_relaxed);
        // Watch for the next region without the lock, then sleep (the top of this file);
        // joining it is decided under the lock either way.
        lk.unlock();
        const bool next = spin_until([&] {
          return generation_.load(std::memory_order_acquire) != seen ||
                 stop_.load(std::memory_order_acquire);
        });
        lk.lock();
        if (next && !ready()) continue;  // it closed before this worker got the lock: watch again
        work_cv_.wait(lk, ready);
      }
      if (stop_.load(std::memory_order_relaxed)) return;
      seen = generation_.load(std::memory_order_relaxed);
      active_.fetch_add(1, std::memory_order_relaxed);
      lk.unlock();
      claim_tasks();
      lk.lock();
      if (active_.fetch_sub(1, std::memory_order_release) == 1) done_cv_.notify_one();
    }
  }

  // Starts or joins workers so that `n` run; called with region_ held (no region running).
  void resize(std::size_t n) {
    if (workers_.size() == n) return;
    {
      std::lock_guard lk(m_);
      stop_.store(true, std::memory_order_release);
    }
    work_cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_.store(false, std::memory_order_relaxed);
    workers_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
  }

  std::mutex region_;  // held by the thread whose region runs on the pool
  mutable std::mutex m_;
  std::condition_variable work_cv_, done_cv_;
  std::vector<std::thread> workers_;
  const pid_t pid_ = ::getpid();  // a forked child has no workers: it runs regions inline
  // The current region (written under m_ before it opens).
  void (*call_)(const void*, std::int64_t) = nullptr;
  const void* fn_ = nullptr;
  std::int64_t tasks_ = 0;
  std::atomic<std::int64_t> next_{0};
  std::exception_ptr error_;
  // Written under m_; read without it by the watching threads (kSpinWait).
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> active_{0};  // workers inside the region
  std::atomic<bool> stop_{false};
  bool open_ = false;
  std::atomic<std::uint64_t> dispatches_{0};
};

}  // namespace torchlet::detail
