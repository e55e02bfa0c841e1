#pragma once
// BasicTensor<T>: a handle to an n-dimensional array of T with reverse-mode autograd.
// Copying a handle shares the data, as in PyTorch; views (reshape, view, transpose, permute,
// narrow/select/slice, expand, diagonal, as_strided, ...) share the storage of their base and
// may be strided (non-contiguous): their data() is then a gathered row-major copy, and
// in-place ops write through into the base (see TensorImpl).
// The tape sits below this header: the recording API every op uses (detail::record,
// detail::SavedTensor, ...) is in autograd/record.hpp and autograd/saved_tensor.hpp, the
// engine behind backward() in autograd/engine.hpp, all included here.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_BASIC_TENSOR
#endif

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/autograd/engine.hpp"
#include "torchlet/autograd/grad_mode.hpp"
#include "torchlet/autograd/node.hpp"
#include "torchlet/autograd/record.hpp"
#include "torchlet/autograd/saved_tensor.hpp"
#include "torchlet/detail/overlap.hpp"
#include "torchlet/detail/strided.hpp"
#include "torchlet/errors.hpp"
#include "torchlet/fwd.hpp"
#include "torchlet/tensor/shape.hpp"
#include "torchlet/tensor/storage.hpp"
#include "torchlet/utils/hooks.hpp"

namespace torchlet {

namespace detail {

/// The gathered row-major copy of a non-contiguous tensor and the storage write count it was
/// gathered at.
template <class Scalar>
struct StridedCache {
  std::mutex mutex;
  std::unique_ptr<Storage<Scalar>> buffer;
  std::uint64_t stamp = 0;
  bool valid = false;
};

template <class Scalar>
struct TensorImpl {
  TensorImpl() = default;
  /// A tensor that is not a view: `storage` holds its `numel` elements in row-major order.
  TensorImpl(std::shared_ptr<Storage<Scalar>> s, const Shape& sh, std::int64_t n)
      : storage(std::move(s)), shape(sh), numel(n) {}
  std::shared_ptr<Storage<Scalar>> storage;
  std::size_t offset = 0;  // PyTorch's storage_offset, in elements
  Shape shape;
  std::int64_t numel = 0;
  bool requires_grad = false;
  /// 0: not a view; 1: shares another tensor's storage (reshape, view, narrow, transpose,
  /// ...); 2: a view of a leaf that requires grad. In-place ops consult it.
  std::uint8_t view_kind = 0;
  /// Strides in elements; empty for the row-major strides of `shape` (the usual case).
  std::vector<std::int64_t> strides;
  /// True when the elements are not one row-major block (PyTorch's !is_contiguous()); data()
  /// then returns `cache`, a gathered copy.
  bool non_contiguous = false;
  std::shared_ptr<StridedCache<Scalar>> cache;
  /// For a view: the tensor that is not a view whose storage it shares (PyTorch's _base);
  /// in-place ops on the view rebase that tensor's history (CopySlices).
  std::shared_ptr<TensorImpl<Scalar>> base;
  /// Counts the times this tensor's history was rebased by an in-place op (on it or on a view
  /// of it); a view compares it with base_history to know its grad_fn is stale.
  std::uint32_t history = 0;
  /// base->history when this view's grad_fn was last set.
  std::uint32_t base_history = 0;
  std::shared_ptr<TensorImpl<Scalar>> grad;         // accumulated gradient (leaves)
  std::shared_ptr<autograd::Node<Scalar>> grad_fn;  // producer (non-leaves)
  std::shared_ptr<autograd::Node<Scalar>>
      grad_accumulator;  // AccumulateGrad node (leaves that require grad)
  /// The elements in row-major order: the storage itself for a contiguous tensor, else the
  /// gathered copy, gathered again when the storage was written since.
  Scalar* data() const {
    if (!non_contiguous) [[likely]]
      return storage ? storage->data() + offset : nullptr;
    return strided_data();
  }
  /// data() of a non-contiguous tensor, out of line so that data() inlines.
  [[gnu::noinline, gnu::cold]] Scalar* strided_data() const {
    std::lock_guard<std::mutex> lock(cache->mutex);
    if (!cache->buffer)
      cache->buffer = std::make_unique<Storage<Scalar>>(static_cast<std::size_t>(numel));
    if (!cache->valid || cache->stamp != storage->writes()) {
      gather_strided(storage->data() + offset, shape, strides, cache->buffer->data());
      cache->stamp = storage->writes();
      cache->valid = true;
    }
    return cache->buffer->data();
  }
  /// Writes the gathered copy (after an in-place op changed it) back into the storage.
  void scatter() const {
    std::lock_guard<std::mutex> lock(cache->mutex);
    if (!cache->valid) return;
    Scalar* dst = storage->data() + offset;
    const Scalar* src = cache->buffer->data();
    for_each_strided(shape, strides, [&](std::int64_t i, std::int64_t off) { dst[off] = src[i]; });
    storage->note_write();
    cache->stamp = storage->writes();
  }
};

template <class Scalar>
inline constexpr bool is_floating_v = std::is_floating_point_v<Scalar>;

/// A C++ arithmetic type (the values a tensor is made from).
template <class U>
concept Arithmetic = std::is_arithmetic_v<U>;

/// The dtype PyTorch infers from a value of type U when none is named (torch.tensor(3),
/// torch.full(shape, 3.), torch.arange(5)): bool stays bool, any other integer is int64,
/// floating point is float32 (PyTorch's default dtype).
template <class U>
using inferred_dtype_t =
    std::conditional_t<std::is_same_v<U, bool>, bool,
                       std::conditional_t<std::is_integral_v<U>, std::int64_t, float>>;

/// PyTorch's result type of a binary op between tensors of types A and B (torch.result_type):
/// a floating-point type wins over integers (the wider of two floats), the wider of two
/// integers, bool last.
template <class A, class B>
using promote_t = std::conditional_t<
    std::is_floating_point_v<A> != std::is_floating_point_v<B>,
    std::conditional_t<std::is_floating_point_v<A>, A, B>,
    std::conditional_t<std::is_same_v<A, bool>, B,
                       std::conditional_t<std::is_same_v<B, bool>, A,
                                          std::conditional_t<(sizeof(A) >= sizeof(B)), A, B>>>>;

/// PyTorch's result type of a tensor of type T with a C++ scalar of type S: the tensor's
/// type, unless the scalar is of a higher category (a floating-point scalar with an integer or
/// bool tensor gives float32, an integer scalar with a bool tensor int64).
template <class Scalar, class S>
using scalar_result_t =
    std::conditional_t<std::is_integral_v<Scalar> && std::is_floating_point_v<S>, float,
                       std::conditional_t<std::is_same_v<Scalar, bool> && std::is_integral_v<S> &&
                                              !std::is_same_v<S, bool>,
                                          std::int64_t, Scalar>>;
}  // namespace detail

/// torch.result_type for tensors of scalar types A and B, at compile time:
/// result_type_t<std::int64_t, float> is float, result_type_t<float, double> double.
template <class A, class B>
using result_type_t = detail::promote_t<A, B>;

/// Human-readable name of a scalar type, as PyTorch spells its dtypes.
template <class Scalar>
constexpr const char* dtype_name() {
  if constexpr (std::is_same_v<Scalar, float>)
    return "torch.float32";
  else if constexpr (std::is_same_v<Scalar, double>)
    return "torch.float64";
  else if constexpr (std::is_same_v<Scalar, std::int64_t>)
    return "torch.int64";
  else if constexpr (std::is_same_v<Scalar, std::int32_t>)
    return "torch.int32";
  else if constexpr (std::is_same_v<Scalar, std::uint8_t>)
    return "torch.uint8";
  else if constexpr (std::is_same_v<Scalar, bool>)
    return "torch.bool";
  else
    return "unknown";
}

template <class Scalar>
struct ValuesIndices;
struct VarOptions;
namespace detail {
template <class Scalar>
bool stale_view(const TensorImpl<Scalar>& v) noexcept;
template <class Scalar>
void refresh_view_history(const std::shared_ptr<TensorImpl<Scalar>>& v);
}  // namespace detail
namespace indexing {
class TensorIndex;
}

/// An n-dimensional, possibly strided array of T with reverse-mode autograd
/// (torch.Tensor with a compile-time dtype: Tensor = BasicTensor<float>, LongTensor, ...).
/// A handle: copies share the data; clone() copies it.
/// The comments call the element type T; the code names it Scalar, since the member x.T()
/// may not share its name with the class's template parameter (nor, in the member definitions
/// outside the class, with theirs).
template <class Scalar>
class BasicTensor {
  static_assert(std::is_arithmetic_v<Scalar>, "BasicTensor<T> needs an arithmetic scalar type");

 public:
  /// The element type T.
  using scalar_type = Scalar;
  /// The shared state a handle points to (shape, storage, autograd fields).
  using Impl = detail::TensorImpl<Scalar>;

  /// An undefined tensor (`defined() == false`), like a default-constructed at::Tensor.
  BasicTensor() = default;
  /// A handle on existing state (for the library's ops).
  explicit BasicTensor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  /// Uninitialised tensor of the given shape (torch.empty).
  static BasicTensor empty(const Shape& shape) {
    const std::int64_t n = detail::checked_numel("empty", shape);
    return BasicTensor(std::make_shared<Impl>(
        detail::make_storage<Scalar>(static_cast<std::size_t>(n)), shape, n));
  }

  // ---- metadata ----------------------------------------------------------------
  /// False for a default-constructed handle (every other member then throws std::logic_error).
  bool defined() const noexcept { return impl_ != nullptr; }
  /// The sizes of all dims (x.shape).
  const Shape& shape() const { return checked().shape; }
  /// Same as shape() (x.size()).
  const Shape& sizes() const { return shape(); }
  /// Number of dims.
  std::int64_t dim() const { return static_cast<std::int64_t>(shape().size()); }
  /// Number of elements (the product of the sizes).
  std::int64_t numel() const { return checked().numel; }
  /// Size of dimension d; negative d counts from the end.
  std::int64_t size(std::int64_t d) const {
    return shape()[static_cast<std::size_t>(detail::wrap_dim("size", d, dim()))];
  }
  /// Pointer to the elements in row-major order, for reading: the storage itself for a
  /// contiguous tensor; for a non-contiguous view a gathered copy (gathered again after any
  /// write through a tensor API into the storage). Write through mutable_data() or the
  /// tensor API (fill_, copy_, +=, ...), which write a view's elements into its base.
  Scalar* data() const { return checked().data(); }
  /// Pointer to the first element for writing (row-major). Throws std::logic_error on a
  /// non-contiguous tensor (its elements are not one block; write with copy_/fill_/... or
  /// write into contiguous()).
  Scalar* mutable_data() const {
    const auto& impl = checked();
    if (impl.non_contiguous)
      throw std::logic_error("mutable_data: expected a contiguous tensor, got one of shape " +
                             to_string(impl.shape) + " with strides " + to_string(impl.strides) +
                             "; write through copy_/fill_/index_put_ or into contiguous()");
    return impl.data();
  }
  /// The strides in elements, one per dim (x.stride()).
  std::vector<std::int64_t> stride() const {
    const auto& impl = checked();
    return impl.strides.empty() ? detail::contiguous_strides(impl.shape) : impl.strides;
  }
  /// The stride of dim d in elements; negative d counts from the end (x.stride(d)).
  std::int64_t stride(std::int64_t d) const {
    return stride()[static_cast<std::size_t>(detail::wrap_dim("stride", d, dim()))];
  }
  /// The position of the first element in the storage, in elements (x.storage_offset()).
  std::int64_t storage_offset() const { return static_cast<std::int64_t>(checked().offset); }
  /// Whether the elements lie in row-major order without gaps (x.is_contiguous()).
  bool is_contiguous() const { return !checked().non_contiguous; }
  /// This tensor if contiguous, else a contiguous copy (recorded as CloneBackward0).
  BasicTensor contiguous() const;
  /// A view of this tensor's storage with the given sizes, strides and storage offset
  /// (x.as_strided(size, stride, storage_offset); the offset defaults to this tensor's).
  /// Throws std::out_of_range if an element would fall outside the storage.
  BasicTensor as_strided(const Shape& size, const std::vector<std::int64_t>& stride,
                         std::optional<std::int64_t> storage_offset = std::nullopt) const;
  /// PyTorch's x.data_ptr(): the address of this tensor's first element in its storage (the
  /// storage's start plus storage_offset()), whatever its strides: element (i, j, ...) is at
  /// data_ptr()[i * stride(0) + j * stride(1) + ...]; for a contiguous tensor the same pointer
  /// as data(). Writes through it change the storage, as in PyTorch: the call counts as a
  /// write, so views of the storage gather their elements again when next read (take the
  /// pointer, write, then use the tensors).
  Scalar* data_ptr() const {
    const auto& impl = checked();
    if (!impl.storage) return nullptr;
    impl.storage->note_write();
    return impl.storage->data() + impl.offset;
  }
  /// The shared state.
  const std::shared_ptr<Impl>& impl() const noexcept { return impl_; }
  /// Whether both handles point to the same tensor (Python's `is`).
  bool is_same(const BasicTensor& o) const noexcept { return impl_ == o.impl_; }

  // ---- autograd ----------------------------------------------------------------
  /// Whether operations on this tensor are recorded for backward().
  bool requires_grad() const { return fresh().requires_grad; }
  /// Marks a leaf as requiring grad (x.requires_grad_()).
  const BasicTensor& requires_grad_(bool on = true) const {
    if constexpr (!detail::is_floating_v<Scalar>) {
      if (on)
        throw std::invalid_argument(std::string("requires_grad_: only floating point tensors can "
                                                "require gradients, got ") +
                                    dtype_name<Scalar>());
    }
    if (!is_leaf())
      throw std::invalid_argument(
          "requires_grad_: can only change requires_grad of leaf tensors; use detach() first");
    impl_->requires_grad = on;
    return *this;
  }
  /// True for tensors not produced by a recorded op (inputs, parameters).
  bool is_leaf() const { return fresh().grad_fn == nullptr; }
  /// The accumulated gradient of a leaf (undefined if none yet).
  BasicTensor grad() const { return BasicTensor(checked().grad); }
  /// Replaces (or with an undefined tensor, clears) the stored gradient.
  void set_grad(const BasicTensor& g) const { checked().grad = g.impl_; }
  /// Name of the op that produced this tensor, or "" for a leaf.
  std::string grad_fn_name() const { return is_leaf() ? "" : checked().grad_fn->name(); }
  /// The node that produced this tensor (x.grad_fn): null for a leaf; `grad_fn()->name()` is
  /// PyTorch's name ("MulBackward0"), `grad_fn()->next_functions()` its inputs' nodes.
  const std::shared_ptr<autograd::Node<Scalar>>& grad_fn() const { return fresh().grad_fn; }
  /// Registers hook(grad), called during backward with the gradient of this tensor before it
  /// is used (x.register_hook): `hook` returns void, or a tensor that replaces the gradient
  /// (an undefined one keeps it). On a leaf the hook runs before the gradient is accumulated
  /// into grad(). Throws std::invalid_argument on a tensor that does not require grad.
  template <class F>
  utils::hooks::RemovableHandle register_hook(F&& hook) const {
    return autograd::detail::register_hook(*this, std::forward<F>(hook));
  }
  /// Makes a non-leaf keep its gradient in grad() during backward (x.retain_grad()); each
  /// backward adds to it, as for a leaf. Does nothing on a leaf; throws
  /// std::invalid_argument on a tensor that does not require grad.
  void retain_grad() const { autograd::detail::retain_grad(*this); }
  /// Whether retain_grad() was called on this non-leaf (x.retains_grad).
  bool retains_grad() const { return !is_leaf() && checked().grad_fn->retained.lock() == impl_; }
  /// Reverse-mode differentiation from this tensor. `gradient` may be omitted for a
  /// one-element tensor; retain_graph defaults to create_graph; create_graph records the
  /// backward so the leaves' grad() can be differentiated again (libtorch's
  /// `loss.backward({}, c10::nullopt, true)`, PyTorch's `loss.backward(create_graph=True)`).
  void backward(const BasicTensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const {
    autograd::run_backward(*this, gradient, retain_graph.value_or(create_graph), create_graph);
  }
  /// Registers fn(tensor), called during backward right after a gradient has been
  /// accumulated into this leaf's grad() (Tensor.register_post_accumulate_grad_hook); hooks
  /// run in registration order, once per backward pass that reaches the leaf. Throws
  /// std::invalid_argument unless this is a leaf that requires grad.
  utils::hooks::RemovableHandle register_post_accumulate_grad_hook(
      std::function<void(const BasicTensor&)> fn) const {
    return autograd::detail::register_post_accumulate_grad_hook(*this, std::move(fn));
  }
  /// A new handle on the same data, cut from the graph.
  BasicTensor detach() const {
    auto impl = std::make_shared<Impl>();
    impl->storage = checked().storage;
    impl->offset = impl_->offset;
    impl->shape = impl_->shape;
    impl->numel = impl_->numel;
    impl->strides = impl_->strides;
    impl->non_contiguous = impl_->non_contiguous;
    if (impl->non_contiguous) impl->cache = std::make_shared<detail::StridedCache<Scalar>>();
    return BasicTensor(std::move(impl));
  }

  // ---- element access ----------------------------------------------------------
  /// The value of a one-element tensor.
  Scalar item() const {
    if (numel() != 1)
      throw ShapeError("item: a Tensor with " + std::to_string(numel()) +
                       " elements cannot be converted to Scalar (shape " + to_string(shape()) +
                       ")");
    return *data();
  }
  /// item() converted to U.
  template <class U>
  U item() const {
    return static_cast<U>(item());
  }
  /// A copy of the elements, in row-major order.
  std::vector<Scalar> to_vector() const {
    const Scalar* p = data();
    return std::vector<Scalar>(p, p + numel());
  }
  /// Same as to_vector() (flat, unlike PyTorch's nested lists).
  std::vector<Scalar> tolist() const { return to_vector(); }

  // ---- declared here, defined with their op families ---------------------------
  // Shapes and views (views.hpp, joining.hpp, indexing.hpp; copies: copy.hpp).
  // reshape/view/flatten/ squeeze/unsqueeze, transpose/t/mT/permute,
  // narrow/select/slice/operator[], expand, diagonal, unfold and as_strided share storage, as in
  // PyTorch: in-place writes into them write into the source.
  /// A copy with its own storage (recorded: gradients flow back).
  BasicTensor clone() const;
  template <class U>
  BasicTensor<U> to() const;
  /// The same elements in a new shape (one size may be -1); a view sharing storage where the
  /// strides allow one (always for a contiguous tensor), else a copy.
  BasicTensor reshape(Shape shape) const;
  /// The same elements in a new shape, sharing storage; throws PyTorch's error where the
  /// strides allow no view (then use reshape or contiguous()).
  BasicTensor view(Shape shape) const;
  BasicTensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  BasicTensor squeeze() const;
  BasicTensor squeeze(std::int64_t dim) const;
  BasicTensor unsqueeze(std::int64_t dim) const;
  BasicTensor operator[](std::int64_t i) const;
  BasicTensor select(std::int64_t dim, std::int64_t index) const;
  BasicTensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  BasicTensor slice(std::int64_t dim, std::int64_t start, std::int64_t end,
                    std::int64_t step = 1) const;
  BasicTensor t() const;
  /// Swaps two dims: [.., a, .., b, ..] -> [.., b, .., a, ..] (a view).
  BasicTensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  /// Reorders the dims: result.size(i) = size(dims[i]) (a view).
  BasicTensor permute(const Shape& dims) const;
  /// The last two dims swapped (x.mT, a view).
  BasicTensor mT() const;
  /// All dims reversed (x.T, a view; PermuteBackward0): the transpose of a matrix.
  BasicTensor T() const;
  /// The conjugate transpose of a matrix (x.H, a view): for the library's real dtypes, the
  /// transpose; needs exactly 2 dims.
  BasicTensor H() const;
  /// The conjugate transpose of the last two dims (x.mH, x.adjoint(), a view): for real dtypes,
  /// mT().
  BasicTensor mH() const;
  /// Same as mH().
  BasicTensor adjoint() const;
  /// Size-1 dims repeated to `sizes` without copying (x.expand; -1 keeps a size).
  BasicTensor expand(const Shape& sizes) const;
  /// x.expand(other.shape()).
  BasicTensor expand_as(const BasicTensor& other) const;
  /// The offset-th diagonal of the (dim1, dim2) planes as the last dim (x.diagonal, a view).
  BasicTensor diagonal(std::int64_t offset = 0, std::int64_t dim1 = 0, std::int64_t dim2 = 1) const;
  /// Windows of `size` along `dimension`, `step` apart, as a new last dim (Tensor.unfold).
  BasicTensor unfold(std::int64_t dimension, std::int64_t size, std::int64_t step) const;
  /// The entries at `index` (int64 [k]) along dim: [.., n, ..] -> [.., k, ..].
  BasicTensor index_select(std::int64_t dim, const BasicTensor<std::int64_t>& index) const;
  // Index-driven reads and writes (tensor/indexing_ops.hpp).
  /// x.gather(dim, index): see torchlet::gather.
  BasicTensor gather(std::int64_t dim, const BasicTensor<std::int64_t>& index) const;
  /// x.scatter(dim, index, src): see torchlet::scatter.
  BasicTensor scatter(std::int64_t dim, const BasicTensor<std::int64_t>& index,
                      const BasicTensor& src) const;
  /// x.scatter_(dim, index, src): see torchlet::scatter_.
  const BasicTensor& scatter_(std::int64_t dim, const BasicTensor<std::int64_t>& index,
                              const BasicTensor& src) const;
  /// x.scatter_add(dim, index, src): see torchlet::scatter_add.
  BasicTensor scatter_add(std::int64_t dim, const BasicTensor<std::int64_t>& index,
                          const BasicTensor& src) const;
  /// x.scatter_add_(dim, index, src): see torchlet::scatter_add_.
  const BasicTensor& scatter_add_(std::int64_t dim, const BasicTensor<std::int64_t>& index,
                                  const BasicTensor& src) const;
  /// x.index_add(dim, index, src, alpha): see torchlet::index_add.
  BasicTensor index_add(std::int64_t dim, const BasicTensor<std::int64_t>& index,
                        const BasicTensor& src, Scalar alpha = Scalar(1)) const;
  /// x.index_copy(dim, index, src): see torchlet::index_copy.
  BasicTensor index_copy(std::int64_t dim, const BasicTensor<std::int64_t>& index,
                         const BasicTensor& src) const;
  /// x.masked_fill(mask, value): see torchlet::masked_fill.
  BasicTensor masked_fill(const BasicTensor<bool>& mask, Scalar value) const;
  // x[...] reads and writes (tensor/advanced_indexing.hpp; the masked ops: tensor/masked.hpp).
  /// x[indices] (x.index({...}) as libtorch): see tensor/advanced_indexing.hpp. A view for
  /// basic indices (ints, slices, None, Ellipsis), a copy with index tensors or masks.
  BasicTensor index(const std::vector<indexing::TensorIndex>& indices) const;
  /// x[indices] = values (+= with accumulate): see torchlet::index_put_.
  const BasicTensor& index_put_(const std::vector<indexing::TensorIndex>& indices,
                                const BasicTensor& values, bool accumulate = false) const;
  /// x[indices] = value for a number: see torchlet::index_put_.
  const BasicTensor& index_put_(const std::vector<indexing::TensorIndex>& indices, Scalar value,
                                bool accumulate = false) const;
  /// x.index_put(indices, values, accumulate): see torchlet::index_put.
  BasicTensor index_put(const std::vector<indexing::TensorIndex>& indices,
                        const BasicTensor& values, bool accumulate = false) const;
  /// x.index_put(indices, value, accumulate) for a number.
  BasicTensor index_put(const std::vector<indexing::TensorIndex>& indices, Scalar value,
                        bool accumulate = false) const;
  /// x.masked_select(mask): see torchlet::masked_select.
  BasicTensor masked_select(const BasicTensor<bool>& mask) const;
  /// x.masked_fill_(mask, value): see torchlet::masked_fill_.
  const BasicTensor& masked_fill_(const BasicTensor<bool>& mask, Scalar value) const;
  /// x.masked_fill_(mask, value) with a 0-D tensor value.
  const BasicTensor& masked_fill_(const BasicTensor<bool>& mask, const BasicTensor& value) const;
  /// x.masked_scatter_(mask, source): see torchlet::masked_scatter_.
  const BasicTensor& masked_scatter_(const BasicTensor<bool>& mask,
                                     const BasicTensor& source) const;
  /// x.masked_scatter(mask, source): see torchlet::masked_scatter.
  BasicTensor masked_scatter(const BasicTensor<bool>& mask, const BasicTensor& source) const;
  // Sorting, scans and products, elementwise extrema (tensor/sorting.hpp, scan.hpp,
  // elementwise_extra.hpp).
  /// x.sort(dim, descending): see torchlet::sort.
  ValuesIndices<Scalar> sort(std::int64_t dim = -1, bool descending = false) const;
  /// x.argsort(dim, descending): see torchlet::argsort.
  BasicTensor<std::int64_t> argsort(std::int64_t dim = -1, bool descending = false) const;
  /// x.topk(k, dim, largest, sorted): see torchlet::topk.
  ValuesIndices<Scalar> topk(std::int64_t k, std::int64_t dim = -1, bool largest = true,
                             bool sorted = true) const;
  /// x.kthvalue(k, dim, keepdim): see torchlet::kthvalue.
  ValuesIndices<Scalar> kthvalue(std::int64_t k, std::int64_t dim = -1, bool keepdim = false) const;
  /// x.cumsum(dim): see torchlet::cumsum.
  BasicTensor cumsum(std::int64_t dim) const;
  /// x.cumprod(dim): see torchlet::cumprod.
  BasicTensor cumprod(std::int64_t dim) const;
  /// x.prod(): the product of all elements (0-D).
  BasicTensor prod() const;
  /// x.prod(dim, keepdim): the product along dim.
  BasicTensor prod(std::int64_t dim, bool keepdim = false) const;
  /// x.maximum(other): see torchlet::maximum.
  BasicTensor maximum(const BasicTensor& other) const;
  /// x.minimum(other): see torchlet::minimum.
  BasicTensor minimum(const BasicTensor& other) const;
  // Rearranging copies (tensor/rearrange.hpp).
  /// x.tril(diagonal): see torchlet::tril.
  BasicTensor tril(std::int64_t diagonal = 0) const;
  /// x.triu(diagonal): see torchlet::triu.
  BasicTensor triu(std::int64_t diagonal = 0) const;
  /// x.flip(dims): see torchlet::flip.
  BasicTensor flip(const std::vector<std::int64_t>& dims) const;
  /// x.roll(shifts, dims): see torchlet::roll.
  BasicTensor roll(const std::vector<std::int64_t>& shifts,
                   const std::vector<std::int64_t>& dims = {}) const;
  /// x.repeat(repeats): see torchlet::repeat.
  BasicTensor repeat(const std::vector<std::int64_t>& repeats) const;
  /// x.repeat_interleave(repeats, dim): see torchlet::repeat_interleave.
  BasicTensor repeat_interleave(std::int64_t repeats,
                                std::optional<std::int64_t> dim = std::nullopt) const;
  /// x.nonzero(): see torchlet::nonzero.
  BasicTensor<std::int64_t> nonzero() const;
  /// Pieces of split_size along dim (the last one smaller).
  std::vector<BasicTensor> split(std::int64_t split_size, std::int64_t dim = 0) const;
  /// Pieces of the given sizes along dim (they must add up to size(dim)).
  std::vector<BasicTensor> split(const std::vector<std::int64_t>& split_sizes,
                                 std::int64_t dim = 0) const;
  /// `chunks` pieces of ceil(size(dim) / chunks) along dim (fewer if they run out).
  std::vector<BasicTensor> chunk(std::int64_t chunks, std::int64_t dim = 0) const;

  // In place (a trailing underscore, as in PyTorch). On a leaf that requires grad they
  // throw while grad mode is on; on other tensors they are recorded on the tape.
  /// Sets every element to value, in place.
  const BasicTensor& fill_(Scalar value) const;
  /// Sets every element to 0, in place.
  const BasicTensor& zero_() const { return fill_(Scalar(0)); }
  const BasicTensor& copy_(const BasicTensor& src) const;
  /// this += other (broadcast to this shape), in place.
  const BasicTensor& add_(const BasicTensor& other) const;
  /// this -= other (broadcast to this shape), in place.
  const BasicTensor& sub_(const BasicTensor& other) const;
  /// this *= other (broadcast to this shape), in place.
  const BasicTensor& mul_(const BasicTensor& other) const;
  /// this /= other (broadcast to this shape), in place.
  const BasicTensor& div_(const BasicTensor& other) const;
  /// this += other, in place.
  const BasicTensor& add_(Scalar other) const;
  /// this -= other, in place.
  const BasicTensor& sub_(Scalar other) const;
  /// this *= other, in place.
  const BasicTensor& mul_(Scalar other) const;
  /// this /= other, in place.
  const BasicTensor& div_(Scalar other) const;
  const BasicTensor& relu_() const;
  const BasicTensor& clamp_(std::optional<Scalar> min,
                            std::optional<Scalar> max = std::nullopt) const;

  // Reductions (reduction.hpp, variance.hpp, norm.hpp)
  /// Sum of all elements: a 0-dim tensor (integer tensors sum to int64, as in PyTorch).
  auto sum() const;
  /// Sum over dim: [.., n, ..] -> [.., ..] (or [.., 1, ..] with keepdim).
  BasicTensor sum(std::int64_t dim, bool keepdim = false) const;
  /// Mean of all elements (0-dim).
  BasicTensor mean() const;
  /// Mean over dim: [.., n, ..] -> [.., ..] (or [.., 1, ..] with keepdim).
  BasicTensor mean(std::int64_t dim, bool keepdim = false) const;
  /// Largest element (0-dim).
  BasicTensor max() const;
  /// Smallest element (0-dim).
  BasicTensor min() const;
  /// Largest values over dim and their indices: [.., n, ..] -> [.., ..] each.
  ValuesIndices<Scalar> max(std::int64_t dim, bool keepdim = false) const;
  /// Smallest values over dim and their indices: [.., n, ..] -> [.., ..] each.
  ValuesIndices<Scalar> min(std::int64_t dim, bool keepdim = false) const;
  /// Index of the largest value over dim: [.., n, ..] -> [.., ..] int64.
  BasicTensor<std::int64_t> argmax(std::int64_t dim, bool keepdim = false) const;
  /// Flat index of the largest element (0-dim int64).
  BasicTensor<std::int64_t> argmax() const;
  /// Index of the smallest value over dim: [.., n, ..] -> [.., ..] int64.
  BasicTensor<std::int64_t> argmin(std::int64_t dim, bool keepdim = false) const;
  /// Flat index of the smallest element (0-dim int64).
  BasicTensor<std::int64_t> argmin() const;
  // var/std over all elements take `unbiased` as a bool only (x.var(1) is over dim 1).
  /// Unbiased variance of all elements (0-dim).
  BasicTensor var() const;
  /// Variance of all elements, unbiased (n - 1) or not (n).
  template <std::same_as<bool> B>
  BasicTensor var(B unbiased) const;
  /// Variance over dim: [.., n, ..] -> [.., ..].
  BasicTensor var(std::int64_t dim, bool unbiased = true, bool keepdim = false) const;
  /// Unbiased standard deviation of all elements (0-dim).
  BasicTensor std() const;
  /// Standard deviation of all elements, unbiased or not.
  template <std::same_as<bool> B>
  BasicTensor std(B unbiased) const;
  /// Standard deviation over dim: [.., n, ..] -> [.., ..].
  BasicTensor std(std::int64_t dim, bool unbiased = true, bool keepdim = false) const;
  /// log(sum(exp(x))) over dim, computed stably: [.., n, ..] -> [.., ..].
  BasicTensor logsumexp(std::int64_t dim, bool keepdim = false) const;
  /// The p-norm of all elements (0-dim).
  BasicTensor norm(double p = 2.0) const;
  /// The p-norm over dim: [.., n, ..] -> [.., ..].
  BasicTensor norm(double p, std::int64_t dim, bool keepdim = false) const;
  /// Softmax over dim (each lane sums to 1); same shape.
  BasicTensor softmax(std::int64_t dim) const;
  /// log(softmax(x, dim)), computed stably; same shape.
  BasicTensor log_softmax(std::int64_t dim) const;

  // Math (binary.hpp, unary.hpp, linalg.hpp)
  /// this + other, broadcast.
  BasicTensor add(const BasicTensor& other) const;
  /// this - other, broadcast.
  BasicTensor sub(const BasicTensor& other) const;
  /// this * other (elementwise), broadcast.
  BasicTensor mul(const BasicTensor& other) const;
  /// this / other, broadcast.
  BasicTensor div(const BasicTensor& other) const;
  /// torch.matmul: [n, k] @ [k, m] -> [n, m], batched and 1-D forms as in PyTorch.
  BasicTensor matmul(const BasicTensor& other) const;
  /// Matrix product [n, k] @ [k, m] -> [n, m].
  BasicTensor mm(const BasicTensor& other) const;
  /// e^x, elementwise.
  BasicTensor exp() const;
  /// Natural logarithm, elementwise.
  BasicTensor log() const;
  /// log(1 + x), accurate near 0.
  BasicTensor log1p() const;
  /// max(x, 0), elementwise.
  BasicTensor relu() const;
  /// 1 / (1 + e^-x), elementwise.
  BasicTensor sigmoid() const;
  /// Hyperbolic tangent, elementwise.
  BasicTensor tanh() const;
  /// -x.
  BasicTensor neg() const;
  /// |x|.
  BasicTensor abs() const;
  /// Square root, elementwise.
  BasicTensor sqrt() const;
  /// 1 / sqrt(x), elementwise.
  BasicTensor rsqrt() const;
  /// Sine, elementwise.
  BasicTensor sin() const;
  /// Cosine, elementwise.
  BasicTensor cos() const;
  /// x * Phi(x) ("none") or its tanh approximation ("tanh"), elementwise.
  BasicTensor gelu(std::string_view approximate = "none") const;
  /// x^exponent, elementwise.
  BasicTensor pow(Scalar exponent) const;
  /// Each element limited to [min, max] (either bound may be nullopt).
  BasicTensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;

  // Method spellings of torch ops (issue 13, "ops2"); each is defined beside its free function
  // (reduction.hpp, variance.hpp, norm.hpp, reduction_extra.hpp, math_extra.hpp, division.hpp,
  // binary.hpp, comparison.hpp, linalg.hpp, joining.hpp, rearrange.hpp) and does what
  // torchlet::<name>(*this, ...) does.
  /// x.var(dims, unbiased, keepdim) over a list of dims: see torchlet::var.
  BasicTensor var(const std::vector<std::int64_t>& dims, bool unbiased = true,
                  bool keepdim = false) const;
  /// x.var(dims, correction=c, keepdim=k): see torchlet::var and VarOptions.
  BasicTensor var(const std::vector<std::int64_t>& dims, const VarOptions& options) const;
  /// x.var(dim, correction=c, keepdim=k).
  BasicTensor var(std::int64_t dim, const VarOptions& options) const;
  /// x.var(None, correction=c): all elements, spelled x.var(std::nullopt, {.correction = c}).
  BasicTensor var(std::nullopt_t, const VarOptions& options) const;
  /// x.std(dims, unbiased, keepdim) over a list of dims: see torchlet::std.
  BasicTensor std(const std::vector<std::int64_t>& dims, bool unbiased = true,
                  bool keepdim = false) const;
  /// x.std(dims, correction=c, keepdim=k).
  BasicTensor std(const std::vector<std::int64_t>& dims, const VarOptions& options) const;
  /// x.std(dim, correction=c, keepdim=k).
  BasicTensor std(std::int64_t dim, const VarOptions& options) const;
  /// x.std(None, correction=c): all elements, spelled x.std(std::nullopt, {.correction = c}).
  BasicTensor std(std::nullopt_t, const VarOptions& options) const;
  /// x.norm(p, dims, keepdim): the p-norm over a list of dims (all if empty).
  BasicTensor norm(double p, const std::vector<std::int64_t>& dims, bool keepdim = false) const;
  /// x.norm("fro", dims, keepdim): the Frobenius norm.
  BasicTensor norm(std::string_view p, const std::vector<std::int64_t>& dims = {},
                   bool keepdim = false) const;
  /// x.median(): see torchlet::median.
  BasicTensor median() const;
  /// x.median(dim, keepdim): see torchlet::median.
  ValuesIndices<Scalar> median(std::int64_t dim, bool keepdim = false) const;
  /// x.mode(dim, keepdim): see torchlet::mode.
  ValuesIndices<Scalar> mode(std::int64_t dim = -1, bool keepdim = false) const;
  /// x.all(): see torchlet::all.
  BasicTensor<bool> all() const;
  /// x.all(dim, keepdim): see torchlet::all.
  BasicTensor<bool> all(std::int64_t dim, bool keepdim = false) const;
  /// x.any(): see torchlet::any.
  BasicTensor<bool> any() const;
  /// x.any(dim, keepdim): see torchlet::any.
  BasicTensor<bool> any(std::int64_t dim, bool keepdim = false) const;
  /// x.sign(): see torchlet::sign.
  BasicTensor sign() const;
  /// x.trunc(): see torchlet::trunc.
  BasicTensor trunc() const;
  /// x.frac(): see torchlet::frac.
  BasicTensor frac() const;
  /// x.erf(): see torchlet::erf.
  BasicTensor erf() const;
  /// x.erfinv(): see torchlet::erfinv.
  BasicTensor erfinv() const;
  /// x.isnan(): see torchlet::isnan.
  BasicTensor<bool> isnan() const;
  /// x.isinf(): see torchlet::isinf.
  BasicTensor<bool> isinf() const;
  /// x.isfinite(): see torchlet::isfinite.
  BasicTensor<bool> isfinite() const;
  /// x.nan_to_num(nan, posinf, neginf): see torchlet::nan_to_num.
  BasicTensor nan_to_num(Scalar nan = Scalar(0), std::optional<Scalar> posinf = std::nullopt,
                         std::optional<Scalar> neginf = std::nullopt) const;
  /// x.fmod(other): see torchlet::fmod.
  BasicTensor fmod(const BasicTensor& other) const;
  /// x.fmod(number).
  BasicTensor fmod(Scalar other) const;
  /// x.remainder(other): see torchlet::remainder.
  BasicTensor remainder(const BasicTensor& other) const;
  /// x.remainder(number).
  BasicTensor remainder(Scalar other) const;
  /// x.atan2(other): see torchlet::atan2.
  BasicTensor atan2(const BasicTensor& other) const;
  /// x.lerp(end, weight): see torchlet::lerp.
  BasicTensor lerp(const BasicTensor& end, const BasicTensor& weight) const;
  /// x.lerp(end, number).
  BasicTensor lerp(const BasicTensor& end, Scalar weight) const;
  /// x.addcmul(tensor1, tensor2, value): see torchlet::addcmul.
  BasicTensor addcmul(const BasicTensor& tensor1, const BasicTensor& tensor2,
                      Scalar value = Scalar(1)) const;
  /// x.where(condition, other): where(condition, x, other).
  BasicTensor where(const BasicTensor<bool>& condition, const BasicTensor& other) const;
  /// x.isclose(other, rtol, atol, equal_nan): see torchlet::isclose.
  BasicTensor<bool> isclose(const BasicTensor& other, double rtol = 1e-5, double atol = 1e-8,
                            bool equal_nan = false) const;
  /// x.allclose(other, rtol, atol, equal_nan): see torchlet::allclose.
  bool allclose(const BasicTensor& other, double rtol = 1e-5, double atol = 1e-8,
                bool equal_nan = false) const;
  /// x.diag(diagonal): see torchlet::diag.
  BasicTensor diag(std::int64_t diagonal = 0) const;
  /// x.diag_embed(offset): see torchlet::diag_embed.
  BasicTensor diag_embed(std::int64_t offset = 0) const;
  /// x.tile(reps): see torchlet::tile.
  BasicTensor tile(const std::vector<std::int64_t>& reps) const;
  /// x.bmm(other): see torchlet::bmm.
  BasicTensor bmm(const BasicTensor& other) const;
  /// x.addmm(m1, m2, beta, alpha): see torchlet::addmm.
  BasicTensor addmm(const BasicTensor& m1, const BasicTensor& m2, Scalar beta = Scalar(1),
                    Scalar alpha = Scalar(1)) const;
  /// x.baddbmm(b1, b2, beta, alpha): see torchlet::baddbmm.
  BasicTensor baddbmm(const BasicTensor& batch1, const BasicTensor& batch2, Scalar beta = Scalar(1),
                      Scalar alpha = Scalar(1)) const;
  /// x.addbmm(b1, b2, beta, alpha): see torchlet::addbmm.
  BasicTensor addbmm(const BasicTensor& batch1, const BasicTensor& batch2, Scalar beta = Scalar(1),
                     Scalar alpha = Scalar(1)) const;
  /// x.addmv(mat, vec, beta, alpha): see torchlet::addmv.
  BasicTensor addmv(const BasicTensor& mat, const BasicTensor& vec, Scalar beta = Scalar(1),
                    Scalar alpha = Scalar(1)) const;
  /// x.outer(other): see torchlet::outer.
  BasicTensor outer(const BasicTensor& other) const;
  /// x.dist(other, p): see torchlet::dist.
  BasicTensor dist(const BasicTensor& other, double p = 2.0) const;
  /// x.unbind(dim): see torchlet::unbind.
  std::vector<BasicTensor> unbind(std::int64_t dim = 0) const;

 private:
  Impl& checked() const {
    if (!impl_) [[unlikely]]
      undefined_tensor();
    return *impl_;
  }
  /// The error of an operation on an undefined tensor (out of line: checked() inlines).
  [[noreturn, gnu::noinline, gnu::cold]] static void undefined_tensor() {
    throw std::logic_error("torchlet: operation on an undefined tensor");
  }
  /// checked(), with a view's autograd fields brought up to date after an in-place op on its
  /// base or another view of it (detail::refresh_view_history).
  Impl& fresh() const {
    auto& impl = checked();
    if (detail::stale_view(impl)) [[unlikely]]
      detail::refresh_view_history(impl_);
    return impl;
  }
  std::shared_ptr<Impl> impl_;
};

namespace detail {

/// Whether two elements of a tensor of sizes `shape` and `strides` share a memory location
/// (expand's stride 0, unfold's overlapping windows, as_strided).
inline bool has_internal_overlap(const Shape& shape, const std::vector<std::int64_t>& strides) {
  std::vector<std::pair<std::int64_t, std::int64_t>> dims;  // (stride, size) of dims > 1
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return false;
    if (shape[d] == 1) continue;
    if (strides[d] == 0) return true;
    dims.emplace_back(strides[d], shape[d]);
  }
  std::sort(dims.begin(), dims.end());
  std::int64_t span = 0;  // the largest offset the smaller strides reach
  bool disjoint = true;
  for (const auto& [st, sz] : dims) {
    if (st <= span) {
      disjoint = false;
      break;
    }
    span += (sz - 1) * st;
  }
  if (disjoint) return false;
  std::vector<std::int64_t> offsets;  // not decided by the strides alone: compare offsets
  for_each_strided(shape, strides, [&](std::int64_t, std::int64_t o) { offsets.push_back(o); });
  std::sort(offsets.begin(), offsets.end());
  return std::adjacent_find(offsets.begin(), offsets.end()) != offsets.end();
}

/// Rejects an in-place op on `t` where PyTorch does (while grad mode is on): on a leaf
/// that requires grad, and on a view of one. torchlet also rejects in-place ops on other
/// views that take part in a graph (PyTorch rewrites the base's history there; torchlet
/// asks for a clone()). `other_requires_grad`: an operand of the op requires grad.
template <class Scalar>
void check_inplace(const char* op, const BasicTensor<Scalar>& t, bool other_requires_grad = false) {
  const auto& impl = *t.impl();
  if (impl.non_contiguous && std::string_view(op) != "fill_" &&  // fill_ writes one value
      has_internal_overlap(impl.shape, impl.strides))
    throw std::invalid_argument(
        std::string(op) +
        ": unsupported operation: more than one element of the written-to tensor refers to "
        "a single memory location. Please clone() the tensor before performing the "
        "operation. (shape " +
        to_string(impl.shape) + ", strides " + to_string(impl.strides) + ")");
  if (!is_grad_enabled()) return;
  if (impl.requires_grad && !impl.grad_fn)
    throw std::invalid_argument(
        std::string(op) +
        ": a leaf Variable that requires grad is being used in an in-place operation "
        "(wrap it in NoGradGuard, or use the out-of-place form)");
  if (impl.view_kind == 2)
    throw std::invalid_argument(
        std::string(op) +
        ": a view of a leaf Variable that requires grad is being used in an in-place "
        "operation (wrap it in NoGradGuard, or use the out-of-place form)");
  if (impl.view_kind && (impl.requires_grad || other_requires_grad) && !rebasable_view(impl))
    throw std::invalid_argument(
        std::string(op) + ": in-place operation on a view (shape " + to_string(impl.shape) +
        ") of a non-contiguous tensor that takes part in an autograd graph is not supported; "
        "clone() it first");
}

/// Where t's elements lie in its storage (detail/overlap.hpp).
template <class Scalar>
MemLayout mem_layout(const TensorImpl<Scalar>& t) {
  return {t.storage.get(), static_cast<std::int64_t>(t.offset), &t.shape, &t.strides};
}

/// Rejects, as PyTorch's elementwise in-place ops and copy_ do, an input that shares some but
/// not all of its elements (or not in the same order) with the tensor the op writes:
/// x.add_(x.t()), x[1:].copy_(x[:-1]). x.add_(x) passes, and so does a pair PyTorch does not
/// decide (a view with gaps, such as x[:, 0]). O(1) when the storages differ.
template <class Scalar>
void check_no_partial_overlap(const char* op, const BasicTensor<Scalar>& written,
                              const BasicTensor<Scalar>& input) {
  const auto *w = written.impl().get(), *in = input.impl().get();
  if (w == nullptr || in == nullptr || w == in || w->storage != in->storage) return;
  check_overlap(op, mem_layout(*w), mem_layout(*in), false, false);
}

/// Rejects, as PyTorch's index_put_, index_add_, index_copy_ and scatter_ do, an input that
/// shares any element with the tensor the op writes (x.index_copy_(0, i, x) included).
/// O(1) when the storages differ.
template <class Scalar>
void check_no_overlap(const char* op, const BasicTensor<Scalar>& written,
                      const BasicTensor<Scalar>& input) {
  const auto *w = written.impl().get(), *in = input.impl().get();
  if (w == nullptr || in == nullptr || (w != in && w->storage != in->storage)) return;
  check_overlap(op, mem_layout(*w), mem_layout(*in), w == in, true);
}

/// Writes a non-contiguous view's gathered copy (which a write through t.data() changed)
/// back into the storage, and marks the storage as written so other views gather again;
/// for writers that do not change the version counter (nn::init). Prefer bump_version.
template <class Scalar>
void commit_write(const BasicTensor<Scalar>& t) {
  const auto& impl = *t.impl();
  if (!impl.storage) return;
  if (impl.non_contiguous)
    impl.scatter();
  else
    impl.storage->note_write();
}

/// Ends every in-place write into `t` (the one helper all in-place ops call after writing
/// through t.data()): a non-contiguous view's gathered copy is written back into the
/// storage along the strides; then the storage is marked as modified (other views gather
/// again; saved tensors detect it at backward).
template <class Scalar>
void bump_version(const BasicTensor<Scalar>& t) {
  if (!t.impl()->storage) return;
  commit_write(t);
  if (!is_inference_mode_enabled()) t.impl()->storage->bump_version();
}

/// Whether sizes `shape` with `strides` lay the elements out row-major without gaps
/// (PyTorch's rule: dims of size 1 may have any stride; an empty tensor is contiguous).
inline bool is_contiguous_layout(const Shape& shape, const std::vector<std::int64_t>& strides) {
  std::int64_t expected = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 0) return true;
    if (shape[d] != 1 && strides[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

/// The strides that view a tensor of old_shape/old_strides as new_shape without copying, or
/// nullopt if there are none (ATen's computeStride).
inline std::optional<std::vector<std::int64_t>> view_strides(
    const Shape& old_shape, const std::vector<std::int64_t>& old_strides, const Shape& new_shape) {
  const auto nn = static_cast<std::int64_t>(new_shape.size());
  if (old_shape.empty()) return std::vector<std::int64_t>(new_shape.size(), 1);
  std::vector<std::int64_t> ns(new_shape.size());
  if (numel_of(old_shape) == 0) {
    if (old_shape == new_shape) return old_strides;
    for (auto d = nn; d-- > 0;)
      ns[static_cast<std::size_t>(d)] =
          d == nn - 1 ? 1
                      : std::max<std::int64_t>(new_shape[static_cast<std::size_t>(d) + 1], 1) *
                            ns[static_cast<std::size_t>(d) + 1];
    return ns;
  }
  std::int64_t view_d = nn - 1, chunk = old_strides.back(), tensor_numel = 1, view_numel = 1;
  for (auto td = static_cast<std::int64_t>(old_shape.size()); td-- > 0;) {
    const auto t = static_cast<std::size_t>(td);
    tensor_numel *= old_shape[t];
    if (td == 0 || (old_shape[t - 1] != 1 && old_strides[t - 1] != tensor_numel * chunk)) {
      while (view_d >= 0 &&
             (view_numel < tensor_numel || new_shape[static_cast<std::size_t>(view_d)] == 1)) {
        ns[static_cast<std::size_t>(view_d)] = view_numel * chunk;
        view_numel *= new_shape[static_cast<std::size_t>(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (td > 0) {
        chunk = old_strides[t - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return ns;
}

/// A new tensor sharing `base`'s storage (and its version counter) with the given sizes,
/// strides and storage offset.
// NOLINTBEGIN(performance-unnecessary-value-param): shape and strides move into the view
template <class Scalar>
BasicTensor<Scalar> make_strided_view(const BasicTensor<Scalar>& base, Shape shape,
                                      std::vector<std::int64_t> strides, std::size_t offset) {
  auto impl = std::make_shared<TensorImpl<Scalar>>();
  const auto& b = *base.impl();
  impl->storage = b.storage;
  impl->offset = offset;
  impl->numel = numel_of(shape);
  if (strides != contiguous_strides(shape)) {
    impl->non_contiguous = !is_contiguous_layout(shape, strides);
    impl->strides = std::move(strides);
    if (impl->non_contiguous) impl->cache = std::make_shared<StridedCache<Scalar>>();
  }
  impl->shape = std::move(shape);
  impl->view_kind = b.view_kind == 2 || (b.requires_grad && !b.grad_fn) ? 2 : 1;
  impl->base = b.base ? b.base : base.impl();
  impl->base_history = impl->base->history;
  return BasicTensor<Scalar>(std::move(impl));
}
// NOLINTEND(performance-unnecessary-value-param)

/// A new tensor sharing `base`'s storage with another shape / offset: `extra_offset`
/// elements into a contiguous base; a strided base is viewed with the strides ATen's view
/// computes (extra_offset must then be 0), or, where none exist, copied.
template <class Scalar>
// NOLINTNEXTLINE(performance-unnecessary-value-param): moved into the new view
BasicTensor<Scalar> make_view(const BasicTensor<Scalar>& base, Shape shape,
                              std::size_t extra_offset = 0) {
  const auto& b = *base.impl();
  if (!b.strides.empty()) [[unlikely]] {
    if (auto st = view_strides(b.shape, b.strides, shape))
      return make_strided_view(base, std::move(shape), std::move(*st), b.offset + extra_offset);
    auto impl = std::make_shared<TensorImpl<Scalar>>();  // no view possible: a copy
    impl->storage = make_storage<Scalar>(static_cast<std::size_t>(b.numel));
    const Scalar* src = b.data();
    std::copy(src, src + b.numel, impl->storage->data());
    impl->numel = numel_of(shape);
    impl->shape = std::move(shape);
    return BasicTensor<Scalar>(std::move(impl));
  }
  auto impl = std::make_shared<TensorImpl<Scalar>>();
  impl->storage = b.storage;
  impl->offset = b.offset + extra_offset;
  impl->numel = numel_of(shape);
  impl->shape = std::move(shape);
  impl->view_kind = b.view_kind == 2 || (b.requires_grad && !b.grad_fn) ? 2 : 1;
  impl->base = b.base ? b.base : base.impl();
  impl->base_history = impl->base->history;
  return BasicTensor<Scalar>(std::move(impl));
}

/// Whether `t` is a temporary whose memory an op may reuse for its result: nobody else
/// holds the handle or the storage, and it takes no part in autograd.
template <class Scalar>
bool is_reusable(const BasicTensor<Scalar>& t) {
  const auto& p = t.impl();
  return p && p.use_count() == 1 && p->storage.use_count() == 1 && !p->requires_grad &&
         p->offset == 0 && !p->view_kind && p->strides.empty();
}

}  // namespace detail
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_BASIC_TENSOR
#include "torchlet/tensor/members.hpp"
#endif
