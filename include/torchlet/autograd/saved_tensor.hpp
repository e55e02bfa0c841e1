#pragma once
// What an op's backward keeps of a tensor: SavedTensor (the storage and its version, read
// through a version check) and SavedVersion (only the version, for a tensor PyTorch saves
// but backward does not read). The one mechanism for saving, in tensor/ and nn/functional
// alike (docs/architecture.md, "How to add an op"). Written against BasicTensor<T> with only
// its declaration, like autograd/record.hpp.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchlet/autograd/grad_mode.hpp"
#include "torchlet/autograd/node.hpp"
#include "torchlet/autograd/record.hpp"
#include "torchlet/detail/shape.hpp"
#include "torchlet/detail/strided.hpp"
#include "torchlet/fwd.hpp"

namespace torchlet::detail {
template <class T>
class Storage;
template <class T>
std::shared_ptr<Storage<T>> make_storage(std::size_t n);
template <class T>
struct StridedCache;
template <class T>
struct TensorImpl;

/// A tensor's data kept for backward. Holds the storage (never the tensor, so saving an
/// op's own output makes no cycle) and the storage version at save time: if an in-place
/// op changed the data before backward, reading it throws, as in PyTorch.
template <class T>
class SavedTensor {
 public:
  SavedTensor() = default;
  /// Saves `t`; an undefined `t` saves nothing (defined() is then false).
  explicit SavedTensor(const BasicTensor<T>& t) {
    if (!t.defined()) return;
    storage_ = t.impl()->storage;
    edge_ = t.impl()->requires_grad ? gradient_edge(t) : nullptr;
    offset_ = t.impl()->offset;
    version_ = storage_ ? storage_->version() : 0;
    leaf_ = !t.impl()->grad_fn;
    if (t.impl()->non_contiguous) {  // a strided view: keep its layout, gather when read
      shape_ = t.impl()->shape;
      strides_ = t.impl()->strides;
      gathered_ = std::make_shared<Gathered>();
    }
  }
  bool defined() const noexcept { return storage_ != nullptr; }
  /// Whether the saved tensor is a 2-D transpose of a contiguous matrix (strides (1, rows)):
  /// storage_data() is then that matrix, [cols, rows] row-major, with no gathering.
  bool transposed_2d() const noexcept {
    return gathered_ && shape_.size() == 2 && strides_[0] == 1 && strides_[1] == shape_[0];
  }
  /// The saved storage at the saved offset (checked as data()).
  const T* storage_data(const char* op) const {
    check_version(op);
    return storage_->data() + offset_;
  }
  /// The saved data; throws std::runtime_error naming `op` if it was modified in place.
  const T* data(const char* op) const {
    check_version(op);
    if (gathered_) [[unlikely]] {
      std::lock_guard<std::mutex> lock(gathered_->mutex);
      if (!gathered_->buffer) {
        gathered_->buffer =
            std::make_unique<Storage<T>>(static_cast<std::size_t>(numel_of(shape_)));
        gather_strided(storage_->data() + offset_, shape_, strides_, gathered_->buffer->data());
      }
      return gathered_->buffer->data();
    }
    return storage_->data() + offset_;
  }
  /// Throws std::runtime_error naming `op` if the saved data was modified in place.
  void check_version(const char* op) const {
    if (storage_->version() != version_)
      throw std::runtime_error(
          std::string("backward: one of the variables needed for gradient computation has "
                      "been modified by an inplace operation (saved by ") +
          op + ", version " + std::to_string(storage_->version()) + "; expected version " +
          std::to_string(version_) + ")");
  }
  /// Throws as data() does if the saved data was modified in place (a no-op when nothing was
  /// saved): for a saved tensor backward does not read but PyTorch checks all the same.
  void check(const char* op) const {
    if (defined()) data(op);
  }
  /// A tensor of `shape` on the saved data (checked as data()).
  BasicTensor<T> tensor(const char* op, const Shape& shape) const {
    const T* p = gathered_ && shape == shape_ ? nullptr : data(op);
    auto impl = std::make_shared<TensorImpl<T>>();
    if (gathered_) [[unlikely]] {
      if (!p) {  // the saved view itself
        check_version(op);
        impl->storage = storage_;
        impl->offset = offset_;
        impl->strides = strides_;
        impl->non_contiguous = true;
        impl->cache = std::make_shared<StridedCache<T>>();
      } else {  // its elements in another shape: a copy
        const auto n = static_cast<std::size_t>(numel_of(shape_));
        impl->storage = make_storage<T>(n);
        std::copy(p, p + n, impl->storage->data());
      }
      impl->shape = shape;
      impl->numel = numel_of(shape);
      return BasicTensor<T>(std::move(impl));
    }
    impl->storage = storage_;
    impl->offset = offset_;
    impl->shape = shape;
    impl->numel = numel_of(shape);
    return BasicTensor<T>(std::move(impl));
  }
  /// tensor(op, shape) in its place in the graph: gradients flowing into it reach the
  /// saved input's node (for a backward that records itself, create_graph).
  BasicTensor<T> variable(const char* op, const Shape& shape) const {
    auto t = tensor(op, shape);
    if (edge_) {
      auto node = std::static_pointer_cast<autograd::Node<T>>(edge_);
      (leaf_ ? t.impl()->grad_accumulator : t.impl()->grad_fn) = std::move(node);
      t.impl()->requires_grad = true;
    }
    return t;
  }
  /// tensor(op, shape) for the op's own output, attached to the node running its backward
  /// (the op's node) when that backward records itself.
  BasicTensor<T> output_variable(const char* op, const Shape& shape) const {
    auto t = tensor(op, shape);
    if (const auto* node = autograd::running_node(); node && is_grad_enabled()) {
      t.impl()->grad_fn = std::static_pointer_cast<autograd::Node<T>>(*node);
      t.impl()->requires_grad = true;
    }
    return t;
  }

 private:
  std::shared_ptr<Storage<T>> storage_;
  std::shared_ptr<autograd::NodeBase> edge_;  // the saved input's node, if it requires grad
  std::size_t offset_ = 0;
  std::uint32_t version_ = 0;
  bool leaf_ = false;
  Shape shape_;  // a saved non-contiguous view: its layout
  std::vector<std::int64_t> strides_;
  struct Gathered {
    std::mutex mutex;
    std::unique_ptr<Storage<T>> buffer;
  };
  std::shared_ptr<Gathered> gathered_;  // and its elements, gathered when first read
};

/// The storage version of a tensor an op's backward does not read but PyTorch saves (a conv's
/// input when the weight needs no gradient): check() throws PyTorch's "modified by an inplace
/// operation" error if it changed, without keeping the data alive (a freed storage cannot
/// have been written).
template <class T>
class SavedVersion {
 public:
  SavedVersion() = default;
  /// Records t's storage and its version now; an undefined t records nothing.
  explicit SavedVersion(const BasicTensor<T>& t) {
    if (!t.defined() || !t.impl()->storage) return;
    storage_ = t.impl()->storage;
    version_ = t.impl()->storage->version();
  }
  /// Throws std::runtime_error naming `op` if the storage is alive and was written since.
  void check(const char* op) const {
    const auto storage = storage_.lock();
    if (storage && storage->version() != version_)
      throw std::runtime_error(
          std::string("backward: one of the variables needed for gradient computation has "
                      "been modified by an inplace operation (saved by ") +
          op + ", version " + std::to_string(storage->version()) + "; expected version " +
          std::to_string(version_) + ")");
  }

 private:
  std::weak_ptr<Storage<T>> storage_;
  std::uint32_t version_ = 0;
};

}  // namespace torchlet::detail
