#pragma once
// thread_workspace<T, Slot>(n): a scratch buffer of at least n elements owned by the calling
// thread and reused by every later call (it grows, never shrinks, and is freed when the
// thread ends), so a kernel that needs temporary memory allocates nothing per call once
// warm. Slot tells apart buffers one kernel uses at the same time. Not for anything that
// outlives the call: the next call on the same thread overwrites it.
// thread_workspace_capacity<T, Slot>() tells how many elements the calling thread's buffer
// holds (tests check with it that a kernel's scratch stays bounded).
#include <cstddef>
#include <memory>

namespace torchlet::detail {

/// The calling thread's buffer of slot `Slot` for element type T.
template <class T, int Slot>
struct ThreadWorkspace {
  std::unique_ptr<T[]> buffer;  ///< the scratch memory
  std::size_t capacity = 0;     ///< its size in elements
  /// This thread's instance.
  static ThreadWorkspace& local() {
    thread_local ThreadWorkspace w;
    return w;
  }
};

/// A scratch buffer of at least n elements owned by the calling thread (see above).
template <class T, int Slot = 0>
T* thread_workspace(std::size_t n) {
  auto& w = ThreadWorkspace<T, Slot>::local();
  if (w.capacity < n) {
    w.buffer.reset();
    w.buffer.reset(new T[n]);  // default-initialised: no zeroing cost
    w.capacity = n;
  }
  return w.buffer.get();
}

/// Elements held by the calling thread's buffer of slot `Slot` (0 before its first use).
template <class T, int Slot = 0>
std::size_t thread_workspace_capacity() {
  return ThreadWorkspace<T, Slot>::local().capacity;
}

}  // namespace torchlet::detail
