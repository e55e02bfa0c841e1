#pragma once
// all_reduce's intra-node fast path, built on MPI-3 shared memory: when every rank of a group
// runs on one host (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) finds them all), the group gets
// shared windows (MPI_Win_allocate_shared) in which the ranks all-reduce directly: each rank
// writes its tensor into its own part of a region, then the slices are reduced (slice j of
// every rank's part, ranks in order 0, 1, ..., W-1, the result written over slice j of rank j's
// part) and every rank copies every reduced slice out. A slice is reduced once, by whichever
// rank claims it first (each rank claims its own first, then helps with the others), so every
// rank reads the same bytes: results are identical on all ranks and deterministic. No message
// passes through MPI's transport at all.
//
// Synchronisation: per rank and region, four 64-bit counters on their own cache lines, each
// holding the number of the last operation on the region that reached a phase: `arrived` (its
// input is in place), `claimed` / `reduced` (its slice is being / has been reduced), `copied`
// (it has read every reduced slice). Writers publish with release stores, readers observe with
// acquire loads, so a rank's writes of its input happen-before the reductions that read them,
// a reduction's writes happen-before the copies that read them, and all those reads
// happen-before the owner overwrites its part for the next operation (it waits until every
// rank's `copied` reached the previous one). std::atomic<std::uint64_t> is lock-free, hence
// address-free, so the counters work at different addresses in each process. The windows are
// in a passive-target epoch (MPI_Win_lock_all) for their whole life, as MPI requires for
// direct load/store access.
//
// Plain all_reduce uses a ring of kRingSlots regions (an operation waits only when the one
// kRingSlots earlier is still being read somewhere); DistributedDataParallel gives each bucket
// a region of its own and writes the gradients straight into it. The windows live until
// destroy_process_group (freeing a window is collective, so it is never done from a
// destructor). TORCHLET_DISTRIBUTED_SHM=0 turns the path off (MPI_Iallreduce everywhere).
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/distributed/detail/launch.hpp"
#include "torchlet/distributed/process_group.hpp"
#include "torchlet/distributed/work.hpp"

namespace torchlet::distributed::detail {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "the shared-memory all-reduce needs lock-free (address-free) 64-bit atomics");

/// The combining operation of a shared-memory all-reduce (AVG is kSum plus a division).
enum class ShmCombine { kSum, kProd, kMin, kMax };

/// One rank's counters at the start of its part of a region, each on its own cache line
/// (`claimed` and `reduced` are about slice `rank` of an operation, whoever reduces it).
struct ShmControl {
  alignas(64) std::atomic<std::uint64_t> arrived{0};  ///< last op whose input this rank wrote
  alignas(64) std::atomic<std::uint64_t> claimed{0};  ///< last op whose slice is claimed
  alignas(64) std::atomic<std::uint64_t> reduced{0};  ///< last op whose slice is reduced
  alignas(64) std::atomic<std::uint64_t> copied{0};   ///< last op whose result this rank read
};

/// Largest all-reduce (bytes per rank) that takes the ring; larger ones go through MPI.
inline constexpr std::size_t kShmMaxBytes = std::size_t{64} << 20;
/// Regions in the ring of plain all_reduce calls.
inline constexpr std::size_t kRingSlots = 4;

/// Spins until `done()` (Backoff: yielding after a while); past `timeout` aborts the job,
/// naming `what`.
template <class Done>
void spin_until(Done&& done, const std::string& what, std::chrono::milliseconds timeout) {
  Backoff backoff;
  while (!done()) backoff.pause(what, timeout);
}

class ShmOp;

/// A region of a shared window: on every rank of the group, a control block and `capacity`
/// bytes, each rank's part directly addressable by all.
class ShmRegion {
 public:
  /// Allocates the window (collective over `node`, whose ranks are the group's, in order).
  ShmRegion(MPI_Comm node, int rank, int size, std::size_t capacity)
      : rank_(rank), size_(size), capacity_(capacity) {
    // 64 bytes of slack: each part is used from its first 64-byte boundary (the same place in
    // every process, as shared mappings start on a page).
    const std::size_t part = kHeader + (capacity + 63) / 64 * 64 + 64;
    void* base = nullptr;
    const int rc =
        MPI_Win_allocate_shared(static_cast<MPI_Aint>(part), 1, MPI_INFO_NULL, node, &base, &win_);
    if (rc != MPI_SUCCESS)
      throw DistBackendError("all_reduce on rank " + std::to_string(world_rank()) +
                             ": allocating a shared-memory window of " + std::to_string(part) +
                             " bytes per rank failed: " + mpi_error_string(rc) +
                             " (TORCHLET_DISTRIBUTED_SHM=0 turns the shared-memory path off)");
    parts_.resize(static_cast<std::size_t>(size));
    for (int q = 0; q < size; ++q) {
      MPI_Aint bytes = 0;
      int disp = 0;
      void* p = nullptr;
      MPI_Win_shared_query(win_, q, &bytes, &disp, &p);
      const auto addr = reinterpret_cast<std::uintptr_t>(p);
      parts_[static_cast<std::size_t>(q)] = static_cast<char*>(p) + (64 - addr % 64) % 64;
    }
    new (parts_[static_cast<std::size_t>(rank)]) ShmControl();
    MPI_Win_lock_all(MPI_MODE_NOCHECK, win_);
    MPI_Win_sync(win_);
    MPI_Barrier(node);  // every control block is initialised before anyone reads one
    MPI_Win_sync(win_);
  }
  ShmRegion(const ShmRegion&) = delete;
  ShmRegion& operator=(const ShmRegion&) = delete;
  ~ShmRegion() = default;  // the window is freed by release() only (a collective call)

  /// Frees the window (collective: every rank, in the same order). Idempotent.
  void release() noexcept {
    if (win_ == MPI_WIN_NULL) return;
    MPI_Win_unlock_all(win_);
    MPI_Win_free(&win_);
    win_ = MPI_WIN_NULL;
  }

  /// Rank q's counters.
  ShmControl& control(int q) const noexcept {
    return *std::launder(reinterpret_cast<ShmControl*>(parts_[static_cast<std::size_t>(q)]));
  }
  /// Rank q's data (capacity() bytes).
  char* data(int q) const noexcept { return parts_[static_cast<std::size_t>(q)] + kHeader; }
  /// This rank's data.
  char* mine() const noexcept { return data(rank_); }
  std::size_t capacity() const noexcept { return capacity_; }
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }

  /// Makes this rank's part writable for the next operation: drives this rank's previous
  /// operation on the region to its end and waits until every rank has read its result.
  /// Returns the number of the next operation.
  std::uint64_t acquire(const std::string& what, std::chrono::milliseconds timeout);

  /// The newest operation started on the region (driven to completion by acquire()).
  std::shared_ptr<ShmOp> last;

 private:
  static constexpr std::size_t kHeader = sizeof(ShmControl);
  MPI_Win win_ = MPI_WIN_NULL;
  std::vector<char*> parts_;
  int rank_, size_;
  std::size_t capacity_;
  std::uint64_t seq_ = 0;  // operations started on the region (the same on every rank)
};

/// The type integer sums and products are computed in: unsigned, so that they wrap (as in MPI)
/// instead of overflowing.
template <class T>
struct ShmWrap {
  using type = T;  ///< floating point and bool: themselves
};
/// Signed and unsigned integers: the unsigned type of the same size.
template <class T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) struct ShmWrap<T> {
  using type = std::make_unsigned_t<T>;  ///< wraps modulo 2^bits
};

/// Reduces elements [lo, hi) of every rank's part (T at each part's start), ranks in order,
/// into rank j's part; `avg` divides the sum by the number of ranks afterwards.
template <class T, ShmCombine C>
void shm_reduce_range(const ShmRegion& region, int j, std::size_t lo, std::size_t hi, bool avg) {
  constexpr std::size_t kBlock = 1024;
  T acc[kBlock];
  const int W = region.size();
  using U = typename ShmWrap<T>::type;
  for (std::size_t base = lo; base < hi; base += kBlock) {
    const std::size_t m = std::min(kBlock, hi - base);
    std::memcpy(acc, region.data(0) + base * sizeof(T), m * sizeof(T));
    for (int q = 1; q < W; ++q) {
      const T* in = std::launder(reinterpret_cast<const T*>(region.data(q))) + base;
      for (std::size_t i = 0; i < m; ++i) {
        if constexpr (std::is_same_v<T, bool>) {
          acc[i] = C == ShmCombine::kSum || C == ShmCombine::kMax ? (acc[i] || in[i])
                                                                  : (acc[i] && in[i]);
        } else if constexpr (C == ShmCombine::kSum) {  // integers wrap, as in MPI
          acc[i] = static_cast<T>(static_cast<U>(acc[i]) + static_cast<U>(in[i]));
        } else if constexpr (C == ShmCombine::kProd) {
          acc[i] = static_cast<T>(static_cast<U>(acc[i]) * static_cast<U>(in[i]));
        } else if constexpr (C == ShmCombine::kMin) {
          acc[i] = in[i] < acc[i] ? in[i] : acc[i];
        } else {
          acc[i] = in[i] > acc[i] ? in[i] : acc[i];
        }
      }
    }
    if constexpr (!std::is_same_v<T, bool>)
      if (avg)
        for (std::size_t i = 0; i < m; ++i) acc[i] = static_cast<T>(acc[i] / static_cast<T>(W));
    std::memcpy(region.data(j) + base * sizeof(T), acc, m * sizeof(T));
  }
}

/// Where a range of an all-reduce's result goes: elements [begin, begin + count) to dst.
struct ShmSegment {
  std::size_t begin = 0;  ///< first element of the range
  std::size_t count = 0;  ///< elements in the range
  void* dst = nullptr;    ///< where they go
};

/// One all-reduce in a region: its progress on this rank, driven by poll().
class ShmOp {
 public:
  /// Elements [lo, hi) reduced into rank j's part.
  using Reduce = void (*)(const ShmRegion&, int, std::size_t, std::size_t, bool);

  /// Starts operation `seq` on `region` (this rank's input, n elements of elem bytes, is in
  /// its part): publishes the arrival. `out`: where the result goes (empty: this rank's part).
  ShmOp(std::shared_ptr<ShmRegion> region, std::uint64_t seq, std::size_t n, std::size_t elem,
        Reduce reduce, bool avg, std::vector<ShmSegment> out)
      : region_(std::move(region)),
        seq_(seq),
        n_(n),
        elem_(elem),
        reduce_(reduce),
        avg_(avg),
        out_(std::move(out)),
        have_(static_cast<std::size_t>(region_->size()), 0) {
    const int W = region_->size();
    // Slices of whole cache lines, so that no two reducers write one line.
    const std::size_t line = std::max<std::size_t>(1, 64 / elem);
    per_ = (n + static_cast<std::size_t>(W) - 1) / static_cast<std::size_t>(W);
    per_ = (per_ + line - 1) / line * line;
    region_->control(region_->rank()).arrived.store(seq_, std::memory_order_release);
  }

  /// Advances the operation as far as it can without waiting; true once the result is in
  /// place on this rank (and this rank has told the others it read it).
  bool poll() {
    if (done_) return true;
    ShmRegion& r = *region_;
    const int W = r.size(), me = r.rank();
    if (!all_arrived_) {
      for (int q = 0; q < W; ++q)
        if (r.control(q).arrived.load(std::memory_order_acquire) < seq_) return false;
      all_arrived_ = true;
    }
    for (int k = 0; k < W; ++k) {  // this rank's slice first, then help with the others'
      const int j = (me + k) % W;
      if (have_[static_cast<std::size_t>(j)]) continue;
      auto& claimed = r.control(j).claimed;
      std::uint64_t cur = claimed.load(std::memory_order_relaxed);
      if (cur < seq_ && claimed.compare_exchange_strong(cur, seq_, std::memory_order_acq_rel)) {
        const auto [lo, hi] = slice(j);
        if (lo < hi) reduce_(r, j, lo, hi, avg_);
        r.control(j).reduced.store(seq_, std::memory_order_release);
      }
    }
    for (int j = 0; j < W; ++j) {
      auto& have = have_[static_cast<std::size_t>(j)];
      if (have || r.control(j).reduced.load(std::memory_order_acquire) < seq_) continue;
      const auto [lo, hi] = slice(j);
      if (out_.empty() && j != me && lo < hi)
        std::memcpy(r.mine() + lo * elem_, r.data(j) + lo * elem_, (hi - lo) * elem_);
      for (const ShmSegment& s : out_) {
        const std::size_t a = std::max(lo, s.begin), b = std::min(hi, s.begin + s.count);
        if (a < b)
          std::memcpy(static_cast<char*>(s.dst) + (a - s.begin) * elem_, r.data(j) + a * elem_,
                      (b - a) * elem_);
      }
      have = 1;
      ++copied_;
    }
    if (copied_ < W) return false;
    r.control(me).copied.store(seq_, std::memory_order_release);
    done_ = true;
    return true;
  }
  /// Whether poll() has finished the operation.
  bool done() const noexcept { return done_; }

 private:
  std::pair<std::size_t, std::size_t> slice(int j) const noexcept {
    const std::size_t lo = std::min(n_, per_ * static_cast<std::size_t>(j));
    return {lo, std::min(n_, lo + per_)};
  }
  std::shared_ptr<ShmRegion> region_;
  std::uint64_t seq_;
  std::size_t n_, elem_, per_ = 0;
  Reduce reduce_;
  bool avg_;
  std::vector<ShmSegment> out_;
  std::vector<char> have_;  // slices copied out
  int copied_ = 0;
  bool all_arrived_ = false, done_ = false;
};

inline std::uint64_t ShmRegion::acquire(const std::string& what,
                                        std::chrono::milliseconds timeout) {
  if (last && !last->done()) spin_until([&] { return last->poll(); }, what, timeout);
  const std::uint64_t prev = seq_;
  spin_until(
      [&] {
        for (int q = 0; q < size_; ++q)
          if (control(q).copied.load(std::memory_order_acquire) < prev) return false;
        return true;
      },
      what, timeout);
  return ++seq_;
}

/// The shared-memory state of one process group whose ranks share a host.
class ShmEngine : public ShmEngineBase {
 public:
  /// An engine over the node communicator `node` (the group's ranks in order; the group owns it).
  ShmEngine(MPI_Comm node, int rank, int size) : node_(node), rank_(rank), size_(size) {}

  /// The group's engine (made on first use, without communication), or null when the group
  /// has no shared-memory node (ranks on several hosts, one rank, TORCHLET_DISTRIBUTED_SHM=0).
  static ShmEngine* of(const ProcessGroup& group) {
    GroupState& s = group.state();
    if (s.node == MPI_COMM_NULL) return nullptr;
    if (!s.shm) {
      int rank = 0, size = 1;
      MPI_Comm_rank(s.node, &rank);
      MPI_Comm_size(s.node, &size);
      s.shm = std::make_shared<ShmEngine>(s.node, rank, size);
      globals().shm_engines.push_back(s.shm);
    }
    return static_cast<ShmEngine*>(s.shm.get());
  }

  /// Whether an all-reduce of `bytes` per rank takes the ring (above kShmMaxBytes: MPI).
  static bool fits(std::size_t bytes) noexcept { return bytes <= kShmMaxBytes; }

  /// A ring region of at least `bytes` (fits(bytes)) for one plain all_reduce. Grows the ring
  /// (collectively: every rank asks for the same sizes in the same order) when `bytes` does not
  /// fit.
  std::shared_ptr<ShmRegion> ring_region(std::size_t bytes) {
    if (ring_.empty() || bytes > ring_.front()->capacity()) {
      std::size_t cap = ring_.empty() ? std::size_t{64} << 10 : 2 * ring_.front()->capacity();
      cap = std::min(kShmMaxBytes, std::max(cap, bytes));
      ring_.clear();  // the old regions stay in all_ (and alive while operations use them)
      for (std::size_t k = 0; k < kRingSlots; ++k) ring_.push_back(make_region(cap));
    }
    return ring_[next_++ % kRingSlots];
  }

  /// A region of its own (DistributedDataParallel's buckets); collective.
  std::shared_ptr<ShmRegion> make_region(std::size_t bytes) {
    auto r = std::make_shared<ShmRegion>(node_, rank_, size_, bytes);
    all_.push_back(r);
    return r;
  }

  /// Frees every window (collective; destroy_process_group).
  void release() noexcept override {
    for (auto& r : all_) {
      r->release();
      r->last.reset();  // the operation holds the region: break the cycle
    }
    all_.clear();
    ring_.clear();
  }
  ShmEngine(const ShmEngine&) = delete;
  ShmEngine& operator=(const ShmEngine&) = delete;
  ~ShmEngine() override = default;

 private:
  MPI_Comm node_;
  int rank_, size_;
  std::vector<std::shared_ptr<ShmRegion>> ring_, all_;
  std::size_t next_ = 0;
};

/// The reduction kernel for T and `combine`.
template <class T>
ShmOp::Reduce shm_kernel(ShmCombine combine) {
  switch (combine) {
    case ShmCombine::kSum:
      return &shm_reduce_range<T, ShmCombine::kSum>;
    case ShmCombine::kProd:
      return &shm_reduce_range<T, ShmCombine::kProd>;
    case ShmCombine::kMin:
      return &shm_reduce_range<T, ShmCombine::kMin>;
    case ShmCombine::kMax:
      break;
  }
  return &shm_reduce_range<T, ShmCombine::kMax>;
}

/// Starts the all-reduce of the n elements of T this rank wrote into its part of `region`
/// (operation `seq`, from region->acquire()); the result goes to the segments of `out` (empty:
/// this rank's part). Returns its Work (completed unless async_op). `keep` holds the outputs.
template <class T>
Work shm_start(const std::shared_ptr<ShmRegion>& region, std::uint64_t seq, std::size_t n,
               ShmCombine combine, bool avg, std::vector<ShmSegment> out, bool async_op,
               std::string what, std::chrono::milliseconds timeout, std::shared_ptr<void> keep) {
  auto op = std::make_shared<ShmOp>(region, seq, n, sizeof(T), shm_kernel<T>(combine), avg,
                                    std::move(out));
  region->last = op;
  auto w = std::make_shared<WorkState>();
  w->what = std::move(what);
  w->timeout = timeout;
  w->poll = [op] { return op->poll(); };
  w->keep_alive = std::move(keep);
  if (async_op) {
    w->test();  // a first step: reduce this rank's slice if everyone is there already
    return Work(std::move(w));
  }
  w->wait();
  return Work();
}

}  // namespace torchlet::distributed::detail
