#pragma once
// LoaderEpoch<Batch>: one pass of a DataLoader, what its iterator points to (the interface
// the four kinds of epoch implement, see loader_epoch.hpp), and WorkerRing<Batch>: the slots,
// threads and synchronisation the two kinds with worker threads share.
//
// Synchronisation (N workers): one mutex guards the counters and each slot's `ready`
// flag; a slot's contents are written by one side before it flips `ready` under the
// mutex and read by the other side after it saw the flip, so each slot is handed over,
// never shared. stop() (iterator or DataLoader destroyed) raises `stopping`, wakes
// everyone and joins; a worker also polls an atomic flag between samples, so a stop never
// waits for more than one sample.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "torchlet/data/worker_info.hpp"
#include "torchlet/parallel.hpp"

namespace torchlet::data::detail {

/// 0.1 -> "0.1", 2 -> "2" (a number of seconds as Python prints it).
inline std::string seconds_repr(double t) {
  std::string s = std::to_string(t);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

/// The threads of a DataLoader with persistent_workers: thread w runs the jobs given to it
/// (one epoch's work of worker w), one at a time, until the loader goes; so a second epoch
/// reuses the first one's threads, and worker_init_fn runs once per thread.
class PersistentWorkers {
 public:
  /// What worker_init_fn gave in thread w (read and written by thread w only).
  struct InitState {
    bool done = false;  ///< worker_init_fn ran
    std::string error;  ///< its error message, empty if it returned
  };
  explicit PersistentWorkers(std::size_t n) : jobs_(n), busy_(n, 0), init_(n) {
    threads_.reserve(n);
    try {
      for (std::size_t w = 0; w < n; ++w) threads_.emplace_back([this, w] { loop(w); });
    } catch (...) {
      shutdown();
      throw;
    }
  }
  PersistentWorkers(const PersistentWorkers&) = delete;
  PersistentWorkers& operator=(const PersistentWorkers&) = delete;
  ~PersistentWorkers() { shutdown(); }
  /// Gives thread w its next job (it must be idle: see wait).
  void run(std::size_t w, std::function<void()> job) {
    {
      std::lock_guard lk(mu_);
      jobs_[w] = std::move(job);
      busy_[w] = 1;
    }
    cv_.notify_all();
  }
  /// Waits until thread w finished its job.
  void wait(std::size_t w) {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !busy_[w]; });
  }
  /// Thread w's worker_init_fn state (for thread w only).
  InitState& init_state(std::size_t w) { return init_[w]; }

 private:
  void loop(std::size_t w) {
    std::unique_lock lk(mu_);
    for (;;) {
      cv_.wait(lk, [&] { return quit_ || jobs_[w] != nullptr; });
      if (!jobs_[w]) return;
      auto job = std::move(jobs_[w]);
      jobs_[w] = nullptr;
      lk.unlock();
      job();
      lk.lock();
      busy_[w] = 0;
      cv_.notify_all();
    }
  }
  void shutdown() {
    {
      std::lock_guard lk(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::function<void()>> jobs_;  // guarded by mu_
  std::vector<char> busy_;                   // guarded by mu_
  std::vector<InitState> init_;
  bool quit_ = false;  // guarded by mu_
  std::vector<std::thread> threads_;
};

template <class Batch>
class LoaderEpoch {
 public:
  virtual ~LoaderEpoch() = default;
  LoaderEpoch() = default;
  LoaderEpoch(const LoaderEpoch&) = delete;
  LoaderEpoch& operator=(const LoaderEpoch&) = delete;

  /// True once every batch of the epoch has been passed (or the epoch was stopped).
  bool at_end() { return stopped_ || ended(); }
  /// The current batch, loaded (or waited for) on first access; rethrows its error.
  Batch& current() {
    if (stopped_)
      throw std::logic_error(
          "DataLoader: this iterator's epoch was stopped (its DataLoader was destroyed)");
    if (!current_) load_current();
    return *current_;
  }
  /// Moves to the next batch (without reading the current one if it was not accessed).
  /// At the end it throws, as Python's next() raises StopIteration again.
  void advance() {
    if (at_end())
      throw std::out_of_range(
          "DataLoader: ++ on an iterator at the end of the epoch (Python's next() raises "
          "StopIteration); compare it with end() first");
    current_.reset();
    next();
  }
  /// Stops the workers, if any, and joins them (idempotent); the epoch is then at its end.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    stop_workers();
  }

 protected:
  /// Whether the batches are all passed (not called once stopped).
  virtual bool ended() = 0;
  /// Fills current_ with the current batch, or throws (its error, or "at the end").
  virtual void load_current() = 0;
  /// Moves to the next batch (pos_ included); the current one is not at the end.
  virtual void next() = 0;
  virtual void stop_workers() {}

  [[noreturn]] static void throw_at_end() {
    throw std::logic_error("DataLoader: dereferencing an iterator at the end of the epoch");
  }

  std::size_t pos_ = 0;  // number of the current batch
  std::optional<Batch> current_;
  bool stopped_ = false;
};

/// The ring of C = num_workers * prefetch_factor slots through which worker threads hand
/// batches to the consumer; batch k goes through slot k % C.
template <class Batch>
struct WorkerRing {
  struct Slot {
    std::vector<std::size_t> indices;  // map-style: written by the consumer before dispatch
    std::optional<Batch> batch;
    std::exception_ptr error;
    bool ready = false;  // guarded by mu
  };

  WorkerRing(std::size_t workers, std::size_t prefetch_factor, std::uint64_t base_seed)
      : workers(workers), cap(workers * prefetch_factor), slots(cap), infos(workers) {
    for (std::size_t w = 0; w < workers; ++w) infos[w] = WorkerInfo{w, workers, base_seed + w};
  }
  WorkerRing(const WorkerRing&) = delete;
  WorkerRing& operator=(const WorkerRing&) = delete;
  ~WorkerRing() { stop(); }

  /// Starts the threads, each running init(w) (worker_init_fn, if any) then body(w) with
  /// get_worker_info() set. A worker whose init throws loads nothing; the consumer's next
  /// wait throws its error.
  template <class F>
  void start(F body) {
    const auto job = [this, body](std::size_t w) {
      // Workers load with one intra-op thread each (as PyTorch's do): the cores go to the
      // workers and the training thread's ops, not to nested teams (parallel.hpp).
      ::torchlet::detail::set_thread_intra_op_limit(1);
      current_worker_info() = &infos[w];
      if (run_init(w)) body(w);
      current_worker_info() = nullptr;
    };
    if (pool) {
      for (std::size_t w = 0; w < workers; ++w) pool->run(w, [job, w] { job(w); });
      pooled = true;
      return;
    }
    try {
      threads.reserve(workers);
      for (std::size_t w = 0; w < workers; ++w) threads.emplace_back([job, w] { job(w); });
    } catch (...) {
      stop();
      throw;
    }
  }
  /// Consumer: waits on done_cv until pred() holds, at most `timeout` seconds (if positive)
  /// while waiting for batch `pos`; throws a worker_init_fn's error or the timeout.
  template <class P>
  void wait_done(std::unique_lock<std::mutex>& lk, std::size_t pos, P pred) {
    const auto ok = [&] { return pred() || stopping || !init_error.empty(); };
    if (timeout > 0) {
      if (!done_cv.wait_for(lk, std::chrono::duration<double>(timeout), ok))
        throw std::runtime_error("DataLoader timed out after " + detail::seconds_repr(timeout) +
                                 " seconds (waiting for batch " + std::to_string(pos) + ")");
    } else {
      done_cv.wait(lk, ok);
    }
    if (!init_error.empty() && !pred()) throw std::runtime_error(init_error);
  }
  /// Consumer: waits until slot `pos % cap` holds batch `pos`.
  Slot& wait_slot(std::size_t pos) {
    Slot& s = slots[pos % cap];
    std::unique_lock lk(mu);
    wait_done(lk, pos, [&] { return s.ready; });
    if (!s.ready) throw std::logic_error("DataLoader: the epoch was stopped");
    return s;
  }
  /// Consumer: moves batch `pos` out of its slot into `out`, or rethrows its error.
  void take(std::size_t pos, std::optional<Batch>& out) {
    Slot& s = wait_slot(pos);
    if (s.error) std::rethrow_exception(s.error);
    out.emplace(std::move(*s.batch));
    s.batch.reset();
  }
  /// Worker: hands a filled slot to the consumer.
  void publish(Slot& s) {
    {
      std::lock_guard lk(mu);
      s.ready = true;
    }
    done_cv.notify_all();
  }
  /// Consumer: empties slot `pos % cap` after its batch was taken.
  void release(std::size_t pos) {
    Slot& s = wait_slot(pos);  // a worker may still be filling it
    s.batch.reset();
    s.error = nullptr;
    std::lock_guard lk(mu);
    s.ready = false;
  }
  /// Raises `stopping`, wakes everyone and joins the threads (idempotent).
  void stop() {
    if (threads.empty() && !pooled) return;
    {
      std::lock_guard lk(mu);
      stopping = true;
    }
    stop_flag.store(true, std::memory_order_relaxed);
    work_cv.notify_all();
    done_cv.notify_all();
    for (auto& t : threads) t.join();
    threads.clear();
    if (pooled)
      for (std::size_t w = 0; w < workers; ++w) pool->wait(w);
    pooled = false;
  }

  /// Worker w: runs init(w) (with persistent workers, only in the thread's first epoch);
  /// false (the error kept for the consumer) if it threw.
  bool run_init(std::size_t w) {
    if (!init) return true;
    std::string what;
    if (pool) {
      auto& st = pool->init_state(w);
      if (!st.done) st.error = call_init(w);
      st.done = true;
      what = st.error;
    } else {
      what = call_init(w);
    }
    if (what.empty()) return true;
    {
      std::lock_guard lk(mu);
      if (init_error.empty()) init_error = what;
    }
    done_cv.notify_all();
    return false;
  }
  /// init(w); "" or its error as the consumer reports it.
  std::string call_init(std::size_t w) {
    std::string what;
    try {
      init(w);
      return "";
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "an exception not derived from std::exception";
    }
    return "DataLoader: worker_init_fn raised in worker " + std::to_string(w) + ": " + what;
  }

  const std::size_t workers, cap;
  std::function<void(std::size_t)> init;  ///< worker_init_fn (set before start)
  double timeout = 0;                     ///< seconds the consumer waits for a batch; 0: forever
  std::string init_error;                 ///< the first worker_init_fn error (guarded by mu)
  PersistentWorkers* pool = nullptr;      ///< persistent_workers' threads (set before start)
  bool pooled = false;                    ///< start() gave the pool this epoch's jobs
  std::vector<Slot> slots;
  std::vector<WorkerInfo> infos;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::atomic<bool> stop_flag{false};
  bool stopping = false;  // guarded by mu
};

}  // namespace torchlet::data::detail
