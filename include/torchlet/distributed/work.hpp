#pragma once
// The handle an asynchronous collective returns (torch.distributed.Work): the operation runs
// in MPI while the caller goes on; wait() blocks until it has finished and its result is in
// the tensors. A synchronous call returns a Work that has already completed.
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "torchlet/distributed/process_group.hpp"

namespace torchlet::distributed {

namespace detail {

/// A wait that exceeded the group's timeout: says which operation and aborts the whole job.
[[noreturn]] inline void abort_on_timeout(const std::string& what,
                                          std::chrono::milliseconds timeout) noexcept {
  std::fprintf(stderr,
               "torchlet.distributed: %s timed out after %lld ms (another rank failed, exited or "
               "skipped this collective); aborting the job\n",
               what.c_str(), static_cast<long long>(timeout.count()));
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

/// How a rank waits for the others: it spins (the others are usually microseconds away, and
/// giving up the core costs a scheduler time slice when another process wants it), and after
/// 100 us of spinning it yields the core now and then, so that ranks sharing a core (more
/// ranks than cores) take turns. Past the timeout, aborts the job naming `what`.
class Backoff {
 public:
  /// Starts the clock.
  Backoff() : start_(std::chrono::steady_clock::now()) {}
  /// Called once per unsuccessful check.
  void pause(const std::string& what, std::chrono::milliseconds timeout) {
    if ((++spins_ & 0x3f) != 0) return;
    const auto waited = std::chrono::steady_clock::now() - start_;
    if (waited > std::chrono::microseconds(100)) std::this_thread::yield();
    if (waited > timeout) abort_on_timeout(what, timeout);
  }

 private:
  std::chrono::steady_clock::time_point start_;
  std::uint32_t spins_ = 0;
};

/// One pending operation (an MPI request, or a shared-memory all-reduce driven by `poll`),
/// what to do once it completes, and what it is (for messages).
struct WorkState {
  MPI_Request request = MPI_REQUEST_NULL;
  /// Instead of a request: advances the operation, true once it has completed.
  std::function<bool()> poll;
  MPI_Status status{};
  std::function<void(const MPI_Status&)> finish;  ///< runs once, after completion
  std::shared_ptr<void> keep_alive;               ///< buffers the request reads or writes
  std::string what;  ///< "all_reduce on rank 1 (tensor [3, 4] torch.float32)"
  std::chrono::milliseconds timeout{0};
  bool finished = false;
  WorkState() = default;
  WorkState(const WorkState&) = delete;
  WorkState& operator=(const WorkState&) = delete;
  /// A request still pending when its last handle goes must complete before its buffers go.
  ~WorkState() {
    int finalized = 1;
    MPI_Finalized(&finalized);
    if (finalized) return;
    if (request != MPI_REQUEST_NULL) MPI_Wait(&request, MPI_STATUS_IGNORE);
    if (poll && !finished) {
      try {
        wait();
      } catch (...) {
        // a destructor must not throw
      }
    }
  }
  /// Runs `finish` once the request is done (exceptions propagate to the caller).
  void complete() {
    if (finished) return;
    finished = true;
    if (finish) std::exchange(finish, nullptr)(status);
    keep_alive.reset();
  }
  /// Tests the request once (drives MPI's progress); true when done and finished.
  bool test() {
    if (finished) return true;
    if (poll) {
      if (!poll()) return false;
    } else if (request != MPI_REQUEST_NULL) {
      int done = 0;
      const int rc = MPI_Test(&request, &done, &status);
      if (rc != MPI_SUCCESS) fail(rc);
      if (!done) return false;
    }
    complete();
    return true;
  }
  [[noreturn]] void fail(int rc) {
    finished = true;
    throw DistBackendError(what + " failed: " + mpi_error_string(rc));
  }
  /// Waits for completion; past the timeout, aborts the job with a message naming the op.
  void wait() {
    if (finished) return;
    Backoff backoff;
    while (!test()) backoff.pause(what, timeout);
  }
};

}  // namespace detail

/// A collective's progress (torch.distributed.Work): wait() until its result is in place.
/// Dropping the last handle of a pending operation waits for it (its buffers must outlive it).
class Work {
 public:
  /// A completed operation.
  Work() = default;
  /// A handle on a pending operation (made by the collectives).
  explicit Work(std::shared_ptr<detail::WorkState> s) : s_(std::move(s)) {}
  /// Blocks until the operation has completed and its results are in the output tensors.
  /// Returns true (as PyTorch's). A collective still unfinished after the group's timeout
  /// aborts the job with a message naming it; an MPI error throws DistBackendError.
  bool wait() {
    if (s_) s_->wait();
    return true;
  }
  /// Whether the operation has completed (tests it once, which also advances MPI's progress).
  bool is_completed() { return !s_ || s_->test(); }
  /// Whether the operation completed without an error (after wait()).
  bool is_success() const noexcept { return !s_ || s_->finished; }
  /// For recv/irecv with any source: the rank the message came from (after wait()).
  int source_rank() const noexcept { return s_ ? s_->status.MPI_SOURCE : -1; }
  /// The operation as error messages name it.
  std::string describe() const { return s_ ? s_->what : "completed work"; }

 private:
  std::shared_ptr<detail::WorkState> s_;
};

}  // namespace torchlet::distributed
