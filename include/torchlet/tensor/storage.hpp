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
// of 30 reuse those of a batch of 31. The cache holds at most buffer_cache_limit() bytes
// (256 MiB by default) and is thread safe; empty_buffer_cache() returns everything to the
// system.
//
// Peak memory (issue 16): where mmap exists, buffers of 1 MiB and more are mapped from the
// system and unmapped when the cache lets them go, so they never stay behind in malloc's heap.
// Buffers of 32 MiB and more (kHugeBytes: an evaluation batch's activations) are never cached:
// they are mapped with transparent huge pages requested (MADV_HUGEPAGE, so a fresh one costs
// little more than zeroing it) and unmapped when freed; and when a program first asks for one
// while the cache holds fewer bytes than it asks, the cache is emptied first (the program
// moved to a larger working set: a training loop's cached buffers are not kept beside the
// test batch's). pytorch/examples' mnist port (train batch 64, test batch 1000) peaked at
// 365 MB before, 280 MB after, in the same CPU time.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <type_traits>
#include <vector>

#if (defined(__unix__) || defined(__APPLE__)) && !defined(__SANITIZE_ADDRESS__)
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TORCHLET_NO_MAPPED_BUFFERS 1
#endif
#endif
// AddressSanitizer builds keep operator new: it does not see overflows of mapped memory.
#ifndef TORCHLET_NO_MAPPED_BUFFERS
#define TORCHLET_MAPPED_BUFFERS 1
#include <sys/mman.h>
#endif
#endif

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

/// Buffers at least this large are mapped from the system (where mmap exists).
inline constexpr std::size_t kMappedMinBytes = std::size_t(1) << 20;
/// Buffers at least this large are never cached (see the top of this file).
inline constexpr std::size_t kHugeBytes = std::size_t(32) << 20;

/// `bytes` (>= kCachedMinBytes) for a buffer: mapped pages from kMappedMinBytes on (huge pages
/// requested from kHugeBytes on), else operator new. Throws std::bad_alloc.
inline void* allocate_large_buffer(std::size_t bytes) {
#ifdef TORCHLET_MAPPED_BUFFERS
  if (bytes >= kMappedMinBytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    if (bytes >= kHugeBytes) ::madvise(p, bytes, MADV_HUGEPAGE);  // a hint: failure is harmless
#endif
    return p;
  }
#endif
  return ::operator new(bytes);
}
/// Returns a buffer of allocate_large_buffer to the system.
inline void free_large_buffer(void* p, std::size_t bytes) noexcept {
#ifdef TORCHLET_MAPPED_BUFFERS
  if (bytes >= kMappedMinBytes) {
    ::munmap(p, bytes);
    return;
  }
#endif
  (void)bytes;
  ::operator delete(p);
}

/// Recycles large buffers (exact size match, oldest evicted first).
class BufferCache {
 public:
  static BufferCache& instance() {
    // Never destroyed: tensors in static storage may be freed after main returns.
    static BufferCache* cache = new BufferCache;
    return *cache;
  }
  /// A cached buffer of exactly `bytes`, or nullptr. A request of kHugeBytes or more is never
  /// served from the cache; it empties the cache when the cache holds fewer bytes than it asks.
  void* take(std::size_t bytes) {
    if (bytes >= kHugeBytes) {
      std::vector<Entry> evicted;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (cached_ > bytes) return nullptr;
        evicted.swap(entries_);
        cached_ = 0;
      }
      for (auto& e : evicted) free_large_buffer(e.ptr, e.bytes);
      return nullptr;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = entries_.size(); i-- > 0;) {
      if (entries_[i].bytes == bytes) {
        void* p = entries_[i].ptr;
        entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
        cached_ -= bytes;
        return p;
      }
    }
    return nullptr;
  }
  /// Keeps `p` for reuse if it fits under the limit; otherwise frees it (oldest first).
  void give(void* p, std::size_t bytes) {
    std::vector<Entry> evicted;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (bytes > limit_ || bytes >= kHugeBytes) {
        evicted.push_back({p, bytes});
      } else {
        std::size_t drop = 0;
        while (cached_ + bytes > limit_ && drop < entries_.size())
          cached_ -= entries_[drop++].bytes;
        evicted.assign(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
        entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
        entries_.push_back({p, bytes});
        cached_ += bytes;
      }
    }
    for (auto& e : evicted) free_large_buffer(e.ptr, e.bytes);
  }
  void set_limit(std::size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      limit_ = bytes;
    }
    if (cached_bytes() > bytes) trim(bytes);
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
      std::size_t drop = 0;
      while (cached_ > keep && drop < entries_.size()) cached_ -= entries_[drop++].bytes;
      evicted.assign(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
      entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(drop));
    }
    for (auto& e : evicted) free_large_buffer(e.ptr, e.bytes);
  }

 private:
  struct Entry {
    void* ptr;
    std::size_t bytes;
  };
  BufferCache() = default;
  std::mutex mutex_;
  std::vector<Entry> entries_;  // oldest first
  std::size_t cached_ = 0;
  std::size_t limit_ = std::size_t(256) << 20;
};

template <class T>
class Storage {
  static_assert(std::is_trivially_copyable_v<T>, "Storage holds trivially copyable scalars");

 public:
  explicit Storage(std::size_t n) : size_(n) {
    if (n > (SIZE_MAX / 4) / sizeof(T)) throw std::bad_alloc();  // size classes cannot overflow
    if (!n) return;
    // Plain operator new plus manual alignment: the aligned overload of operator new
    // takes a slow path in glibc (~70 ns instead of ~10 ns for small blocks).
    const std::size_t bytes = raw_bytes();
    if (bytes >= kCachedMinBytes) {
      raw_ = BufferCache::instance().take(bytes);
      if (!raw_) raw_ = allocate_large_buffer(bytes);
    } else {
      raw_ = ::operator new(bytes);
    }
    const auto misalign = reinterpret_cast<std::uintptr_t>(raw_) % kAlignment;
    data_ = reinterpret_cast<T*>(static_cast<char*>(raw_) +
                                 (misalign ? kAlignment - misalign : std::size_t{0}));
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
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
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
    return buffer_size_class(size_ * sizeof(T) + kAlignment);
  }
  void* raw_ = nullptr;  // what was allocated; data_ is raw_ rounded up to kAlignment
  T* data_ = nullptr;
  std::size_t size_;
  std::uint32_t version_ = 0;
  std::uint64_t writes_ = 0;
};

}  // namespace detail

/// Upper bound on the bytes of freed large buffers torchlet keeps for reuse (default
/// 256 MiB; 0 disables the cache).
inline void set_buffer_cache_limit(std::size_t bytes) {
  detail::BufferCache::instance().set_limit(bytes);
}
inline std::size_t buffer_cache_limit() { return detail::BufferCache::instance().limit(); }
/// Bytes currently held by the cache.
inline std::size_t buffer_cache_bytes() { return detail::BufferCache::instance().cached_bytes(); }
/// Returns every cached buffer to the system (like torch.cuda.empty_cache()).
inline void empty_buffer_cache() { detail::BufferCache::instance().trim(0); }

}  // namespace torchlet
