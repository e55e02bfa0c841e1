#pragma once
// Storage<T>: a contiguous, 64-byte-aligned buffer shared between tensor handles, with
// the version counter autograd uses to detect in-place changes of saved tensors.
//
// Buffers of 64 KiB and more are recycled through a small, bounded cache (BufferCache):
// a freshly mapped buffer costs a page fault per 4 KiB on first touch, which made a chain
// like relu(a * b + c) on 10^7 floats 3x slower than the arithmetic; and on the main
// thread glibc returns the top of its heap to the system whenever 128 KiB are free there,
// so a model answering requests page-faulted its activations back in every time (a
// batch-1 MNIST CNN forward took 1.4 ms instead of 0.25 ms). Cached sizes are rounded up
// to four classes per power of two (at most 25% unused), so the activations of a batch
// of 30 reuse those of a batch of 31. A freed buffer is kept only in what the large buffers
// in use leave of buffer_cache_limit() (256 MiB by default): buffers in use and cached ones
// together stay within the limit, and a cache miss frees the oldest cached buffers to keep
// it so. Caching thus never raises the memory a process needs above max(limit, what its live
// tensors take): the mnist example's test batch of 1000 holds 234 MB of activations at once,
// and the buffers cached from its training steps and the previous batch no longer add to that
// peak (365 -> 286 MB peak RSS). Thread safe; empty_buffer_cache() returns everything to the
// system.
//
// Smaller buffers share one allocation with the Storage object and its reference counts
// (make_storage): a small tensor costs one allocation less, which is most of what a tensor op
// on a few elements costs (a node, a tensor, its shape and its storage: four allocations).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <type_traits>
#include <vector>

namespace torchlet {
namespace detail {

inline constexpr std::size_t kAlignment = 64;
/// Buffers at least this large go through the cache.
inline constexpr std::size_t kCachedMinBytes = std::size_t(1) << 16;

/// The size a buffer of `bytes` is allocated with: unchanged below kCachedMinBytes, else
/// rounded up to a multiple of a quarter of the power of two below it.
inline std::size_t buffer_size_class(std::size_t bytes) noexcept {
  if (bytes < kCachedMinBytes) return bytes;
  const auto top = static_cast<int>(std::bit_width(bytes)) - 1;  // 2^top <= bytes
  const std::size_t step = std::size_t(1) << (top - 2);
  return (bytes + step - 1) / step * step;
}

/// Recycles large buffers (exact size match, oldest evicted first), within what the buffers
/// in use leave of the limit.
class BufferCache {
 public:
  static BufferCache& instance() {
    // Never destroyed: tensors in static storage may be freed after main returns.
    static BufferCache* cache = new BufferCache;
    return *cache;
  }
  /// A cached buffer of exactly `bytes`, or nullptr (the caller allocates one). Either way
  /// the bytes count as live from now on until give() or forget() returns them; on a miss,
  /// cached buffers are freed (oldest first) until live and cached bytes fit in the limit.
  void* take(std::size_t bytes) {
    std::vector<Entry> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      live_ += bytes;
      for (std::size_t i = entries_.size(); i-- > 0;) {
        if (entries_[i].bytes == bytes) {
          void* p = entries_[i].ptr;
          entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
          cached_ -= bytes;
          return p;
        }
      }
      evict_locked(budget_locked(), evicted);
    }
    for (auto& e : evicted) ::operator delete(e.ptr);
    return nullptr;
  }
  /// Returns the bytes of a take() whose allocation failed.
  void forget(std::size_t bytes) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    live_ -= bytes;
  }
  /// Takes back a buffer of `bytes` that take() counted: keeps it for reuse if it fits in
  /// what the live buffers leave of the limit (freeing the oldest cached ones to make room),
  /// otherwise frees it.
  void give(void* p, std::size_t bytes) {
    std::vector<Entry> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      live_ -= bytes;
      const std::size_t budget = budget_locked();
      if (bytes > budget) {
        evicted.push_back({p, bytes});
        evict_locked(budget, evicted);
      } else {
        evict_locked(budget - bytes, evicted);
        entries_.push_back({p, bytes});
        cached_ += bytes;
      }
    }
    for (auto& e : evicted) ::operator delete(e.ptr);
  }
  void set_limit(std::size_t bytes) {
    std::vector<Entry> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
      evict_locked(budget_locked(), evicted);
    }
    for (auto& e : evicted) ::operator delete(e.ptr);
  }
  std::size_t limit() {
    std::lock_guard<std::mutex> lock(mutex_);
    return limit_;
  }
  std::size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }
  /// Frees cached buffers (oldest first) until at most `keep` bytes remain.
  void trim(std::size_t keep) {
    std::vector<Entry> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      evict_locked(keep, evicted);
    }
    for (auto& e : evicted) ::operator delete(e.ptr);
  }
  /// Bytes of the large buffers in use (taken and not given back).
  std::size_t live_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_;
  }

 private:
  struct Entry {
    void* ptr;
    std::size_t bytes;
  };
  BufferCache() = default;
  // What the live buffers leave of the limit for cached ones.
  std::size_t budget_locked() const noexcept { return limit_ > live_ ? limit_ - live_ : 0; }
  // Moves the oldest entries to `out` until at most `keep` cached bytes remain.
  void evict_locked(std::size_t keep, std::vector<Entry>& out) {
    std::size_t drop = 0;
    while (cached_ > keep && drop < entries_.size()) cached_ -= entries_[drop++].bytes;
    if (!drop) return;
    out.insert(out.end(), entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
  }

  std::mutex mutex_;
  std::vector<Entry> entries_;  // oldest first
  std::size_t cached_ = 0;      // bytes of entries_
  std::size_t live_ = 0;        // bytes taken and not given back
  std::size_t limit_ = std::size_t(256) << 20;
};

template <class Scalar>
class Storage {
  static_assert(std::is_trivially_copyable_v<Scalar>, "Storage holds trivially copyable scalars");

 public:
  explicit Storage(std::size_t n) : size_(n) {
    if (n > (SIZE_MAX / 4) / sizeof(Scalar))
      throw std::bad_alloc();  // size classes cannot overflow
    if (!n) return;
    // Plain operator new plus manual alignment: the aligned overload of operator new
    // takes a slow path in glibc (~70 ns instead of ~10 ns for small blocks).
    const std::size_t bytes = raw_bytes();
    if (bytes >= kCachedMinBytes) {
      raw_ = BufferCache::instance().take(bytes);
      if (!raw_) {
        try {
          raw_ = ::operator new(bytes);
        } catch (...) {
          BufferCache::instance().forget(bytes);
          throw;
        }
      }
    } else {
      raw_ = ::operator new(bytes);
    }
    const auto misalign = reinterpret_cast<std::uintptr_t>(raw_) % kAlignment;
    data_ = reinterpret_cast<Scalar*>(static_cast<char*>(raw_) +
                                      (misalign ? kAlignment - misalign : std::size_t{0}));
  }
  /// The constructor make_storage uses: the elements lie in the bytes TrailingAllocator added
  /// after the shared_ptr control block that holds this object (`*tail` points to them).
  struct Trailing {
    void* const* tail;
  };
  Storage(std::size_t n, Trailing t) noexcept : size_(n) {
    auto* p = static_cast<char*>(*t.tail);
    const auto misalign = reinterpret_cast<std::uintptr_t>(p) % kAlignment;
    data_ = reinterpret_cast<Scalar*>(p + (misalign ? kAlignment - misalign : std::size_t{0}));
  }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (!raw_) return;
    const std::size_t bytes = raw_bytes();
    if (bytes >= kCachedMinBytes)
      BufferCache::instance().give(raw_, bytes);
    else
      ::operator delete(raw_);
  }
  Scalar* data() noexcept { return data_; }
  const Scalar* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

  /// Incremented by every in-place op through a tensor API; saved tensors compare it.
  std::uint32_t version() const noexcept { return version_; }
  void bump_version() noexcept { ++version_; }
  /// Incremented by every write through a tensor API, also in inference mode (where version()
  /// stays): strided views compare it to know when their gathered copy is stale.
  std::uint64_t writes() const noexcept { return writes_; }
  void note_write() noexcept { ++writes_; }

 private:
  std::size_t raw_bytes() const noexcept {
    return buffer_size_class(size_ * sizeof(Scalar) + kAlignment);
  }
  void* raw_ = nullptr;  // what operator new returned; data_ is raw_ rounded up to kAlignment
  Scalar* data_ = nullptr;
  std::size_t size_;
  std::uint32_t version_ = 0;
  std::uint64_t writes_ = 0;
};

/// The allocator make_storage passes to std::allocate_shared: it allocates `extra` bytes more
/// than asked (the one allocation is the control block that will hold the Storage) and writes
/// where they start to *tail, before the Storage is constructed. `tail` is only read by that
/// one allocate(); the copy the control block keeps only deallocates.
template <class U>
struct TrailingAllocator {
  using value_type = U;
  std::size_t extra;
  void** tail;
  TrailingAllocator(std::size_t e, void** t) noexcept : extra(e), tail(t) {}
  template <class V>
  TrailingAllocator(const TrailingAllocator<V>& o) noexcept : extra(o.extra), tail(o.tail) {}
  U* allocate(std::size_t n) {
    void* p = ::operator new(n * sizeof(U) + extra);
    *tail = static_cast<char*>(p) + n * sizeof(U);
    return static_cast<U*>(p);
  }
  void deallocate(U* p, std::size_t) noexcept { ::operator delete(p); }
  template <class V>
  bool operator==(const TrailingAllocator<V>& o) const noexcept {
    return extra == o.extra;
  }
};

/// A new storage of n elements. Below kCachedMinBytes the elements share one allocation with
/// the storage and its reference counts (a small tensor costs one allocation less); larger
/// buffers are allocated apart, through the BufferCache.
template <class Scalar>
std::shared_ptr<Storage<Scalar>> make_storage(std::size_t n) {
  if (n && n < kCachedMinBytes / sizeof(Scalar)) {
    void* tail = nullptr;
    return std::allocate_shared<Storage<Scalar>>(
        TrailingAllocator<Storage<Scalar>>(kAlignment + n * sizeof(Scalar), &tail), n,
        typename Storage<Scalar>::Trailing{&tail});
  }
  return std::make_shared<Storage<Scalar>>(n);
}

}  // namespace detail

/// Upper bound on the large buffers (64 KiB and more) in use plus the freed ones torchlet keeps
/// for reuse: a freed buffer is kept only while both together stay within it (default 256 MiB;
/// 0 disables the cache).
inline void set_buffer_cache_limit(std::size_t bytes) {
  detail::BufferCache::instance().set_limit(bytes);
}
inline std::size_t buffer_cache_limit() { return detail::BufferCache::instance().limit(); }
/// Bytes currently held by the cache.
inline std::size_t buffer_cache_bytes() { return detail::BufferCache::instance().cached_bytes(); }
/// Returns every cached buffer to the system (like torch.cuda.empty_cache()).
inline void empty_buffer_cache() { detail::BufferCache::instance().trim(0); }

}  // namespace torchlet
