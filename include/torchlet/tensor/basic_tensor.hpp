#pragma once
// BasicTensor<T>: a handle to an n-dimensional, contiguous, row-major array of T with
// reverse-mode autograd. Copying a handle shares the data, as in PyTorch; views
// (reshape, view, flatten, operator[]) share the storage of their base.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "torchlet/autograd/grad_mode.hpp"
#include "torchlet/autograd/node.hpp"
#include "torchlet/errors.hpp"
#include "torchlet/fwd.hpp"
#include "torchlet/tensor/shape.hpp"
#include "torchlet/tensor/storage.hpp"

namespace torchlet {

namespace detail {
template <class T>
struct TensorImpl {
  std::shared_ptr<Storage<T>> storage;
  std::size_t offset = 0;  // in elements
  Shape shape;
  std::int64_t numel = 0;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl<T>> grad;                 // accumulated gradient (leaves)
  std::shared_ptr<autograd::Node<T>> grad_fn;          // producer (non-leaves)
  T* data() const noexcept { return storage ? storage->data() + offset : nullptr; }
};

template <class T>
inline constexpr bool is_floating_v = std::is_floating_point_v<T>;
}  // namespace detail

/// Human-readable name of a scalar type, as PyTorch spells its dtypes.
template <class T>
constexpr const char* dtype_name() {
  if constexpr (std::is_same_v<T, float>) return "torch.float32";
  else if constexpr (std::is_same_v<T, double>) return "torch.float64";
  else if constexpr (std::is_same_v<T, std::int64_t>) return "torch.int64";
  else if constexpr (std::is_same_v<T, std::int32_t>) return "torch.int32";
  else if constexpr (std::is_same_v<T, std::uint8_t>) return "torch.uint8";
  else if constexpr (std::is_same_v<T, bool>) return "torch.bool";
  else return "unknown";
}

template <class T>
class BasicTensor {
  static_assert(std::is_arithmetic_v<T>, "BasicTensor<T> needs an arithmetic scalar type");

 public:
  using scalar_type = T;
  using Impl = detail::TensorImpl<T>;

  /// An undefined tensor (`defined() == false`), like a default-constructed at::Tensor.
  BasicTensor() = default;
  explicit BasicTensor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  /// Uninitialised tensor of the given shape (torch.empty).
  static BasicTensor empty(const Shape& shape) {
    detail::check_shape("empty", shape);
    auto impl = std::make_shared<Impl>();
    impl->shape = shape;
    impl->numel = detail::numel_of(shape);
    impl->storage = std::make_shared<detail::Storage<T>>(static_cast<std::size_t>(impl->numel));
    return BasicTensor(std::move(impl));
  }

  // ---- metadata ----------------------------------------------------------------
  bool defined() const noexcept { return impl_ != nullptr; }
  const Shape& shape() const { return checked().shape; }
  const Shape& sizes() const { return shape(); }
  std::int64_t dim() const { return static_cast<std::int64_t>(shape().size()); }
  std::int64_t numel() const { return checked().numel; }
  /// Size of dimension d; negative d counts from the end.
  std::int64_t size(std::int64_t d) const {
    return shape()[static_cast<std::size_t>(detail::wrap_dim("size", d, dim()))];
  }
  T* data() const { return checked().data(); }
  T* data_ptr() const { return data(); }
  const std::shared_ptr<Impl>& impl() const noexcept { return impl_; }
  bool is_same(const BasicTensor& o) const noexcept { return impl_ == o.impl_; }

  // ---- autograd ----------------------------------------------------------------
  bool requires_grad() const { return checked().requires_grad; }
  /// Marks a leaf as requiring grad (x.requires_grad_()).
  const BasicTensor& requires_grad_(bool on = true) const {
    if constexpr (!detail::is_floating_v<T>) {
      if (on)
        throw std::invalid_argument(std::string("requires_grad_: only floating point tensors can "
                                                "require gradients, got ") + dtype_name<T>());
    }
    if (!is_leaf())
      throw std::invalid_argument(
          "requires_grad_: can only change requires_grad of leaf tensors; use detach() first");
    impl_->requires_grad = on;
    return *this;
  }
  bool is_leaf() const { return checked().grad_fn == nullptr; }
  /// The accumulated gradient of a leaf (undefined if none yet).
  BasicTensor grad() const { return BasicTensor(checked().grad); }
  /// Replaces (or with an undefined tensor, clears) the stored gradient.
  void set_grad(const BasicTensor& g) const { checked().grad = g.impl_; }
  /// Name of the op that produced this tensor, or "" for a leaf.
  std::string grad_fn_name() const { return is_leaf() ? "" : checked().grad_fn->name; }
  /// Reverse-mode differentiation from this tensor. `gradient` may be omitted for a
  /// one-element tensor. Defined in autograd/engine.hpp.
  void backward(const BasicTensor& gradient = {}, bool retain_graph = false) const;
  /// A new handle on the same data, cut from the graph.
  BasicTensor detach() const {
    auto impl = std::make_shared<Impl>();
    impl->storage = checked().storage;
    impl->offset = impl_->offset;
    impl->shape = impl_->shape;
    impl->numel = impl_->numel;
    return BasicTensor(std::move(impl));
  }

  // ---- element access ----------------------------------------------------------
  /// The value of a one-element tensor.
  T item() const {
    if (numel() != 1)
      throw ShapeError("item: a Tensor with " + std::to_string(numel()) +
                       " elements cannot be converted to Scalar (shape " + to_string(shape()) + ")");
    return *data();
  }
  template <class U>
  U item() const { return static_cast<U>(item()); }
  std::vector<T> to_vector() const {
    const T* p = data();
    return std::vector<T>(p, p + numel());
  }
  std::vector<T> tolist() const { return to_vector(); }

  // ---- declared here, defined with their op families ---------------------------
  BasicTensor clone() const;
  template <class U>
  BasicTensor<U> to() const;
  BasicTensor reshape(Shape shape) const;
  BasicTensor view(Shape shape) const;
  BasicTensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  BasicTensor squeeze(std::int64_t dim) const;
  BasicTensor unsqueeze(std::int64_t dim) const;
  BasicTensor operator[](std::int64_t i) const;
  BasicTensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  BasicTensor t() const;
  BasicTensor contiguous() const { return *this; }

  const BasicTensor& fill_(T value) const;
  const BasicTensor& zero_() const { return fill_(T(0)); }
  const BasicTensor& copy_(const BasicTensor& src) const;

  auto sum() const;
  BasicTensor sum(std::int64_t dim, bool keepdim = false) const;
  BasicTensor mean() const;
  BasicTensor mean(std::int64_t dim, bool keepdim = false) const;
  BasicTensor max() const;
  BasicTensor min() const;
  BasicTensor<std::int64_t> argmax(std::int64_t dim, bool keepdim = false) const;
  BasicTensor<std::int64_t> argmax() const;

  BasicTensor matmul(const BasicTensor& other) const;
  BasicTensor exp() const;
  BasicTensor log() const;
  BasicTensor relu() const;
  BasicTensor sigmoid() const;
  BasicTensor tanh() const;
  BasicTensor neg() const;
  BasicTensor abs() const;
  BasicTensor sqrt() const;
  BasicTensor pow(T exponent) const;
  BasicTensor softmax(std::int64_t dim) const;
  BasicTensor log_softmax(std::int64_t dim) const;

 private:
  Impl& checked() const {
    if (!impl_) throw std::logic_error("torchlet: operation on an undefined tensor");
    return *impl_;
  }
  std::shared_ptr<Impl> impl_;
};

namespace detail {

/// Throws if `t` is a leaf that requires grad and a graph is being recorded (PyTorch
/// forbids in-place changes of such leaves outside no_grad).
template <class T>
void check_inplace(const char* op, const BasicTensor<T>& t) {
  if (is_grad_enabled() && t.requires_grad() && t.is_leaf())
    throw std::invalid_argument(std::string(op) +
                                ": a leaf Variable that requires grad is being used in an "
                                "in-place operation (wrap it in NoGradGuard)");
}

/// True when an op on these inputs must be recorded on the tape.
template <class T>
bool needs_graph(std::initializer_list<const BasicTensor<T>*> inputs) {
  if constexpr (!is_floating_v<T>) {
    return false;
  } else {
    if (!is_grad_enabled()) return false;
    for (auto* t : inputs)
      if (t->defined() && t->requires_grad()) return true;
    return false;
  }
}

/// Records `out = op(inputs)` with its backward function.
template <class T, class F>
void record(const BasicTensor<T>& out, const char* name,
            std::initializer_list<const BasicTensor<T>*> inputs, F&& backward) {
  auto node = std::make_shared<autograd::Node<T>>();
  node->name = name;
  node->inputs.reserve(inputs.size());
  for (auto* t : inputs) node->inputs.push_back(t->defined() && t->requires_grad() ? t->impl() : nullptr);
  node->backward = std::forward<F>(backward);
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = std::move(node);
}

/// A new tensor sharing `base`'s storage with another shape / offset.
template <class T>
BasicTensor<T> make_view(const BasicTensor<T>& base, Shape shape, std::size_t extra_offset = 0) {
  auto impl = std::make_shared<TensorImpl<T>>();
  impl->storage = base.impl()->storage;
  impl->offset = base.impl()->offset + extra_offset;
  impl->numel = numel_of(shape);
  impl->shape = std::move(shape);
  return BasicTensor<T>(std::move(impl));
}

}  // namespace detail
}  // namespace torchlet
