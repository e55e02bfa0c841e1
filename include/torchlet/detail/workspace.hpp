#pragma once
// thread_workspace<T, Slot>(n): a scratch buffer of at least n elements owned by the calling
// thread and reused by every later call (it grows, never shrinks, and is freed when the
// thread ends), so a kernel that needs temporary memory allocates nothing per call once
// warm. Slot tells apart buffers one kernel uses at the same time. Not for anything that
// outlives the call: the next call on the same thread overwrites it.
#include <cstddef>
#include <memory>

namespace torchlet::detail {

template <class T, int Slot = 0>
T* thread_workspace(std::size_t n) {
  thread_local std::unique_ptr<T[]> buffer;
  thread_local std::size_t capacity = 0;
  if (capacity < n) {
    buffer.reset();
    buffer.reset(new T[n]);  // default-initialised: no zeroing cost
    capacity = n;
  }
  return buffer.get();
}

}  // namespace torchlet::detail
