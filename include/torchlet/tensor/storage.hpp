#pragma once
// Storage<T>: a contiguous, 64-byte-aligned buffer shared between tensor handles.
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>

namespace torchlet::detail {

inline constexpr std::size_t kAlignment = 64;

template <class T>
class Storage {
  static_assert(std::is_trivially_copyable_v<T>, "Storage holds trivially copyable scalars");

 public:
  explicit Storage(std::size_t n) : size_(n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    if (n) data_ = static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{kAlignment}));
  }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (data_) ::operator delete(data_, std::align_val_t{kAlignment});
  }
  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

 private:
  T* data_ = nullptr;
  std::size_t size_;
};

}  // namespace torchlet::detail
