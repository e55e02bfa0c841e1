#pragma once
// BasicTensor<T>: a handle to an n-dimensional, contiguous, row-major array of T with
// reverse-mode autograd. Copying a handle shares the data, as in PyTorch; views
// (reshape, view, flatten, operator[]) share the storage of their base.
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
#include <vector>

#include "torchlet/autograd/grad_mode.hpp"
#include "torchlet/autograd/node.hpp"
#include "torchlet/errors.hpp"
#include "torchlet/fwd.hpp"
#include "torchlet/tensor/shape.hpp"
#include "torchlet/tensor/storage.hpp"
#include "torchlet/utils/hooks.hpp"

namespace torchlet {

namespace detail {
template <class T>
struct TensorImpl {
  std::shared_ptr<Storage<T>> storage;
  std::size_t offset = 0;  // in elements
  Shape shape;
  std::int64_t numel = 0;
  bool requires_grad = false;
  /// 0: not a view; 1: shares another tensor's storage (reshape, view, narrow on dim 0,
  /// ...); 2: a view of a leaf that requires grad. In-place ops consult it.
  std::uint8_t view_kind = 0;
  std::shared_ptr<TensorImpl<T>> grad;         // accumulated gradient (leaves)
  std::shared_ptr<autograd::Node<T>> grad_fn;  // producer (non-leaves)
  std::shared_ptr<autograd::Node<T>>
      grad_accumulator;  // AccumulateGrad node (leaves that require grad)
  T* data() const noexcept { return storage ? storage->data() + offset : nullptr; }
};

template <class T>
inline constexpr bool is_floating_v = std::is_floating_point_v<T>;

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
template <class T, class S>
using scalar_result_t = std::conditional_t<
    std::is_integral_v<T> && std::is_floating_point_v<S>, float,
    std::conditional_t<std::is_same_v<T, bool> && std::is_integral_v<S> && !std::is_same_v<S, bool>,
                       std::int64_t, T>>;
}  // namespace detail

/// torch.result_type for tensors of scalar types A and B, at compile time:
/// result_type_t<std::int64_t, float> is float, result_type_t<float, double> double.
template <class A, class B>
using result_type_t = detail::promote_t<A, B>;

/// Human-readable name of a scalar type, as PyTorch spells its dtypes.
template <class T>
constexpr const char* dtype_name() {
  if constexpr (std::is_same_v<T, float>)
    return "torch.float32";
  else if constexpr (std::is_same_v<T, double>)
    return "torch.float64";
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return "torch.int64";
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return "torch.int32";
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return "torch.uint8";
  else if constexpr (std::is_same_v<T, bool>)
    return "torch.bool";
  else
    return "unknown";
}

template <class T>
struct ValuesIndices;
struct VarOptions;
namespace indexing {
class TensorIndex;
}

/// An n-dimensional, contiguous, row-major array of T with reverse-mode autograd
/// (torch.Tensor with a compile-time dtype: Tensor = BasicTensor<float>, LongTensor, ...).
/// A handle: copies share the data; clone() copies it.
template <class T>
class BasicTensor {
  static_assert(std::is_arithmetic_v<T>, "BasicTensor<T> needs an arithmetic scalar type");

 public:
  /// The element type T.
  using scalar_type = T;
  /// The shared state a handle points to (shape, storage, autograd fields).
  using Impl = detail::TensorImpl<T>;

  /// An undefined tensor (`defined() == false`), like a default-constructed at::Tensor.
  BasicTensor() = default;
  /// A handle on existing state (for the library's ops).
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
  /// Pointer to the first element (row-major, contiguous).
  T* data() const { return checked().data(); }
  /// Same as data().
  T* data_ptr() const { return data(); }
  /// The shared state.
  const std::shared_ptr<Impl>& impl() const noexcept { return impl_; }
  /// Whether both handles point to the same tensor (Python's `is`).
  bool is_same(const BasicTensor& o) const noexcept { return impl_ == o.impl_; }

  // ---- autograd ----------------------------------------------------------------
  /// Whether operations on this tensor are recorded for backward().
  bool requires_grad() const { return checked().requires_grad; }
  /// Marks a leaf as requiring grad (x.requires_grad_()).
  const BasicTensor& requires_grad_(bool on = true) const {
    if constexpr (!detail::is_floating_v<T>) {
      if (on)
        throw std::invalid_argument(std::string("requires_grad_: only floating point tensors can "
                                                "require gradients, got ") +
                                    dtype_name<T>());
    }
    if (!is_leaf())
      throw std::invalid_argument(
          "requires_grad_: can only change requires_grad of leaf tensors; use detach() first");
    impl_->requires_grad = on;
    return *this;
  }
  /// True for tensors not produced by a recorded op (inputs, parameters).
  bool is_leaf() const { return checked().grad_fn == nullptr; }
  /// The accumulated gradient of a leaf (undefined if none yet).
  BasicTensor grad() const { return BasicTensor(checked().grad); }
  /// Replaces (or with an undefined tensor, clears) the stored gradient.
  void set_grad(const BasicTensor& g) const { checked().grad = g.impl_; }
  /// Name of the op that produced this tensor, or "" for a leaf.
  std::string grad_fn_name() const { return is_leaf() ? "" : checked().grad_fn->name(); }
  /// The node that produced this tensor (x.grad_fn): null for a leaf; `grad_fn()->name()` is
  /// PyTorch's name ("MulBackward0"), `grad_fn()->next_functions()` its inputs' nodes.
  const std::shared_ptr<autograd::Node<T>>& grad_fn() const { return checked().grad_fn; }
  /// Registers hook(grad), called during backward with the gradient of this tensor before it
  /// is used (x.register_hook): `hook` returns void, or a tensor that replaces the gradient
  /// (an undefined one keeps it). On a leaf the hook runs before the gradient is accumulated
  /// into grad(). Throws std::invalid_argument on a tensor that does not require grad.
  /// Defined in autograd/engine.hpp.
  template <class F>
  utils::hooks::RemovableHandle register_hook(F&& hook) const;
  /// Makes a non-leaf keep its gradient in grad() during backward (x.retain_grad()); each
  /// backward adds to it, as for a leaf. Does nothing on a leaf; throws
  /// std::invalid_argument on a tensor that does not require grad. Defined in
  /// autograd/engine.hpp.
  void retain_grad() const;
  /// Whether retain_grad() was called on this non-leaf (x.retains_grad).
  bool retains_grad() const { return !is_leaf() && checked().grad_fn->retained.lock() == impl_; }
  /// Reverse-mode differentiation from this tensor. `gradient` may be omitted for a
  /// one-element tensor; retain_graph defaults to create_graph; create_graph records the
  /// backward so the leaves' grad() can be differentiated again (libtorch's
  /// `loss.backward({}, c10::nullopt, true)`, PyTorch's `loss.backward(create_graph=True)`).
  /// Defined in autograd/engine.hpp.
  void backward(const BasicTensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  /// Registers fn(tensor), called during backward right after a gradient has been
  /// accumulated into this leaf's grad() (Tensor.register_post_accumulate_grad_hook); hooks
  /// run in registration order, once per backward pass that reaches the leaf. Throws
  /// std::invalid_argument unless this is a leaf that requires grad. Defined in
  /// autograd/engine.hpp.
  utils::hooks::RemovableHandle register_post_accumulate_grad_hook(
      std::function<void(const BasicTensor&)> fn) const;
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
  std::vector<T> to_vector() const {
    const T* p = data();
    return std::vector<T>(p, p + numel());
  }
  /// Same as to_vector() (flat, unlike PyTorch's nested lists).
  std::vector<T> tolist() const { return to_vector(); }

  // ---- declared here, defined with their op families ---------------------------
  // Shapes and views (views.hpp, joining.hpp, indexing.hpp). reshape/view/flatten/
  // squeeze/unsqueeze, narrow on dim 0 and operator[] share storage; transpose, permute
  // and narrow/slice on other dims copy (storage is always contiguous), so writing into
  // their result does not write into the source as it would in PyTorch.
  /// A copy with its own storage (recorded: gradients flow back).
  BasicTensor clone() const;
  template <class U>
  BasicTensor<U> to() const;
  /// The same elements in a new shape (one size may be -1); shares storage.
  BasicTensor reshape(Shape shape) const;
  /// Same as reshape (storage is always contiguous, so a view is always possible).
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
  /// Swaps two dims: [.., a, .., b, ..] -> [.., b, .., a, ..] (a copy).
  BasicTensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  /// Reorders the dims: result.size(i) = size(dims[i]) (a copy).
  BasicTensor permute(const Shape& dims) const;
  /// This tensor (every tensor is contiguous).
  BasicTensor contiguous() const { return *this; }
  /// Always true.
  bool is_contiguous() const { return true; }
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
                        const BasicTensor& src, T alpha = T(1)) const;
  /// x.index_copy(dim, index, src): see torchlet::index_copy.
  BasicTensor index_copy(std::int64_t dim, const BasicTensor<std::int64_t>& index,
                         const BasicTensor& src) const;
  /// x.masked_fill(mask, value): see torchlet::masked_fill.
  BasicTensor masked_fill(const BasicTensor<bool>& mask, T value) const;
  // x[...] reads and writes (tensor/advanced_indexing.hpp).
  /// x[indices] (x.index({...}) as libtorch): see tensor/advanced_indexing.hpp. A copy.
  BasicTensor index(const std::vector<indexing::TensorIndex>& indices) const;
  /// x[indices] = values (+= with accumulate): see torchlet::index_put_.
  const BasicTensor& index_put_(const std::vector<indexing::TensorIndex>& indices,
                                const BasicTensor& values, bool accumulate = false) const;
  /// x[indices] = value for a number: see torchlet::index_put_.
  const BasicTensor& index_put_(const std::vector<indexing::TensorIndex>& indices, T value,
                                bool accumulate = false) const;
  /// x.index_put(indices, values, accumulate): see torchlet::index_put.
  BasicTensor index_put(const std::vector<indexing::TensorIndex>& indices,
                        const BasicTensor& values, bool accumulate = false) const;
  /// x.index_put(indices, value, accumulate) for a number.
  BasicTensor index_put(const std::vector<indexing::TensorIndex>& indices, T value,
                        bool accumulate = false) const;
  /// x.masked_select(mask): see torchlet::masked_select.
  BasicTensor masked_select(const BasicTensor<bool>& mask) const;
  /// x.masked_fill_(mask, value): see torchlet::masked_fill_.
  const BasicTensor& masked_fill_(const BasicTensor<bool>& mask, T value) const;
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
  ValuesIndices<T> sort(std::int64_t dim = -1, bool descending = false) const;
  /// x.argsort(dim, descending): see torchlet::argsort.
  BasicTensor<std::int64_t> argsort(std::int64_t dim = -1, bool descending = false) const;
  /// x.topk(k, dim, largest, sorted): see torchlet::topk.
  ValuesIndices<T> topk(std::int64_t k, std::int64_t dim = -1, bool largest = true,
                        bool sorted = true) const;
  /// x.kthvalue(k, dim, keepdim): see torchlet::kthvalue.
  ValuesIndices<T> kthvalue(std::int64_t k, std::int64_t dim = -1, bool keepdim = false) const;
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
  const BasicTensor& fill_(T value) const;
  /// Sets every element to 0, in place.
  const BasicTensor& zero_() const { return fill_(T(0)); }
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
  const BasicTensor& add_(T other) const;
  /// this -= other, in place.
  const BasicTensor& sub_(T other) const;
  /// this *= other, in place.
  const BasicTensor& mul_(T other) const;
  /// this /= other, in place.
  const BasicTensor& div_(T other) const;
  const BasicTensor& relu_() const;
  const BasicTensor& clamp_(std::optional<T> min, std::optional<T> max = std::nullopt) const;

  // Reductions (reduction.hpp)
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
  ValuesIndices<T> max(std::int64_t dim, bool keepdim = false) const;
  /// Smallest values over dim and their indices: [.., n, ..] -> [.., ..] each.
  ValuesIndices<T> min(std::int64_t dim, bool keepdim = false) const;
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
  BasicTensor pow(T exponent) const;
  /// Each element limited to [min, max] (either bound may be nullopt).
  BasicTensor clamp(std::optional<T> min, std::optional<T> max = std::nullopt) const;

  // Method spellings of torch ops (issue 13, "ops2"); each is defined beside its free function
  // (reduction.hpp, reduction_extra.hpp, math_extra.hpp, binary.hpp, comparison.hpp, linalg.hpp,
  // joining.hpp, rearrange.hpp) and does what torchlet::<name>(*this, ...) does.
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
  ValuesIndices<T> median(std::int64_t dim, bool keepdim = false) const;
  /// x.mode(dim, keepdim): see torchlet::mode.
  ValuesIndices<T> mode(std::int64_t dim = -1, bool keepdim = false) const;
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
  BasicTensor nan_to_num(T nan = T(0), std::optional<T> posinf = std::nullopt,
                         std::optional<T> neginf = std::nullopt) const;
  /// x.fmod(other): see torchlet::fmod.
  BasicTensor fmod(const BasicTensor& other) const;
  /// x.fmod(number).
  BasicTensor fmod(T other) const;
  /// x.remainder(other): see torchlet::remainder.
  BasicTensor remainder(const BasicTensor& other) const;
  /// x.remainder(number).
  BasicTensor remainder(T other) const;
  /// x.atan2(other): see torchlet::atan2.
  BasicTensor atan2(const BasicTensor& other) const;
  /// x.lerp(end, weight): see torchlet::lerp.
  BasicTensor lerp(const BasicTensor& end, const BasicTensor& weight) const;
  /// x.lerp(end, number).
  BasicTensor lerp(const BasicTensor& end, T weight) const;
  /// x.addcmul(tensor1, tensor2, value): see torchlet::addcmul.
  BasicTensor addcmul(const BasicTensor& tensor1, const BasicTensor& tensor2, T value = T(1)) const;
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
  BasicTensor addmm(const BasicTensor& m1, const BasicTensor& m2, T beta = T(1),
                    T alpha = T(1)) const;
  /// x.baddbmm(b1, b2, beta, alpha): see torchlet::baddbmm.
  BasicTensor baddbmm(const BasicTensor& batch1, const BasicTensor& batch2, T beta = T(1),
                      T alpha = T(1)) const;
  /// x.addbmm(b1, b2, beta, alpha): see torchlet::addbmm.
  BasicTensor addbmm(const BasicTensor& batch1, const BasicTensor& batch2, T beta = T(1),
                     T alpha = T(1)) const;
  /// x.addmv(mat, vec, beta, alpha): see torchlet::addmv.
  BasicTensor addmv(const BasicTensor& mat, const BasicTensor& vec, T beta = T(1),
                    T alpha = T(1)) const;
  /// x.outer(other): see torchlet::outer.
  BasicTensor outer(const BasicTensor& other) const;
  /// x.dist(other, p): see torchlet::dist.
  BasicTensor dist(const BasicTensor& other, double p = 2.0) const;
  /// x.unbind(dim): see torchlet::unbind.
  std::vector<BasicTensor> unbind(std::int64_t dim = 0) const;

 private:
  Impl& checked() const {
    if (!impl_) throw std::logic_error("torchlet: operation on an undefined tensor");
    return *impl_;
  }
  std::shared_ptr<Impl> impl_;
};

namespace detail {

/// Rejects an in-place op on `t` where PyTorch does (while grad mode is on): on a leaf
/// that requires grad, and on a view of one. torchlet also rejects in-place ops on other
/// views that take part in a graph (PyTorch rewrites the base's history there; torchlet
/// asks for a clone()). `other_requires_grad`: an operand of the op requires grad.
template <class T>
void check_inplace(const char* op, const BasicTensor<T>& t, bool other_requires_grad = false) {
  if (!is_grad_enabled()) return;
  const auto& impl = *t.impl();
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
  if (impl.view_kind && (impl.requires_grad || other_requires_grad))
    throw std::invalid_argument(
        std::string(op) + ": in-place operation on a view (shape " + to_string(impl.shape) +
        ") that takes part in an autograd graph is not supported; clone() it first");
}

/// Marks `t`'s storage as modified in place (saved tensors detect it at backward).
template <class T>
void bump_version(const BasicTensor<T>& t) {
  if (t.impl()->storage && !is_inference_mode_enabled()) t.impl()->storage->bump_version();
}

/// True when an op on these inputs must be recorded on the tape.
template <class T>
bool needs_graph(std::initializer_list<const BasicTensor<T>*> inputs) {
  if constexpr (!is_floating_v<T>) {
    return false;
  } else {
    // InferenceMode records nothing, even where an inner guard turned grad mode back on.
    if (!is_grad_enabled() || is_inference_mode_enabled()) return false;
    for (auto* t : inputs)
      if (t->defined() && t->impl()->requires_grad) return true;
    return false;
  }
}

/// The node that receives the gradient of `t`: its grad_fn, the AccumulateGrad node of a
/// leaf that requires grad, or null.
template <class T>
std::shared_ptr<autograd::NodeBase> gradient_edge(const BasicTensor<T>& t) {
  if (!t.defined()) return nullptr;
  auto& impl = *t.impl();
  if (!impl.requires_grad) return nullptr;
  if (impl.grad_fn) return impl.grad_fn;
  std::lock_guard<std::mutex> lock(autograd::accumulator_mutex());
  if (!impl.grad_accumulator)
    impl.grad_accumulator = std::make_shared<autograd::AccumulateGrad<T>>(t.impl());
  return impl.grad_accumulator;
}

/// Records `out = op(inputs)` with its backward function, which maps the output's
/// gradient to a std::vector with one gradient per input (undefined where not needed).
template <class T, class F>
void record(const BasicTensor<T>& out, const char* name,
            std::initializer_list<const BasicTensor<T>*> inputs, F&& backward) {
  if (autograd::is_anomaly_enabled()) [[unlikely]]
    anomaly_check_forward(out, name, inputs);
  auto node =
      std::make_shared<autograd::FunctionNode<T, std::decay_t<F>>>(std::forward<F>(backward));
  node->node_name = name;
  node->next.reserve(inputs.size());
  for (auto* t : inputs) node->next.push_back(gradient_edge(*t));
  node->out_shape = out.impl()->shape;
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = std::move(node);
}
/// The same for an op with any number of inputs (cat, stack).
template <class T, class F>
void record(const BasicTensor<T>& out, const char* name, const std::vector<BasicTensor<T>>& inputs,
            F&& backward) {
  if (autograd::is_anomaly_enabled()) [[unlikely]]
    anomaly_check_forward(out, name, inputs);
  auto node =
      std::make_shared<autograd::FunctionNode<T, std::decay_t<F>>>(std::forward<F>(backward));
  node->node_name = name;
  node->next.reserve(inputs.size());
  for (auto& t : inputs) node->next.push_back(gradient_edge(t));
  node->out_shape = out.impl()->shape;
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = std::move(node);
}

/// Gives `t` a new grad_fn after an in-place op. prev: t's history before the op.
template <class T, class F>
void rebase_history(const BasicTensor<T>& t, const char* name,
                    std::shared_ptr<autograd::NodeBase> prev,
                    const std::type_identity_t<BasicTensor<T>>* other, F&& backward) {
  if (autograd::is_anomaly_enabled()) [[unlikely]]
    anomaly_check_forward(t, name, std::initializer_list<const BasicTensor<T>*>{});
  auto node =
      std::make_shared<autograd::FunctionNode<T, std::decay_t<F>>>(std::forward<F>(backward));
  node->node_name = name;
  // A tensor that retains its gradient keeps doing so under its new history.
  if (auto& old = t.impl()->grad_fn; old && old->retained.lock() == t.impl()) {
    node->retained = t.impl();
    old->retained.reset();
  }
  node->next.push_back(std::move(prev));
  if (other) node->next.push_back(gradient_edge(*other));
  node->out_shape = t.shape();
  t.impl()->requires_grad = true;
  t.impl()->grad_fn = std::move(node);
}

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
  }
  bool defined() const noexcept { return storage_ != nullptr; }
  /// The saved data; throws std::runtime_error naming `op` if it was modified in place.
  const T* data(const char* op) const {
    if (storage_->version() != version_)
      throw std::runtime_error(
          std::string("backward: one of the variables needed for gradient computation has "
                      "been modified by an inplace operation (saved by ") +
          op + ", version " + std::to_string(storage_->version()) + "; expected version " +
          std::to_string(version_) + ")");
    return storage_->data() + offset_;
  }
  /// Throws as data() does if the saved data was modified in place (a no-op when nothing was
  /// saved): for a saved tensor backward does not read but PyTorch checks all the same.
  void check(const char* op) const {
    if (defined()) data(op);
  }
  /// A tensor of `shape` on the saved data (checked as data()).
  BasicTensor<T> tensor(const char* op, const Shape& shape) const {
    data(op);
    auto impl = std::make_shared<TensorImpl<T>>();
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
    if (auto* node = autograd::running_node(); node && is_grad_enabled()) {
      t.impl()->grad_fn = std::static_pointer_cast<autograd::Node<T>>(node->shared_from_this());
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
};

/// Marks the node of `out` as having a backward that records itself under create_graph.
template <class T>
void mark_differentiable_backward(const BasicTensor<T>& out) {
  if (out.impl()->grad_fn) out.impl()->grad_fn->differentiable_backward = true;
}

/// A new tensor sharing `base`'s storage with another shape / offset.
template <class T>
// NOLINTNEXTLINE(performance-unnecessary-value-param): moved into the new view
BasicTensor<T> make_view(const BasicTensor<T>& base, Shape shape, std::size_t extra_offset = 0) {
  auto impl = std::make_shared<TensorImpl<T>>();
  const auto& b = *base.impl();
  impl->storage = b.storage;
  impl->offset = b.offset + extra_offset;
  impl->numel = numel_of(shape);
  impl->shape = std::move(shape);
  impl->view_kind = b.view_kind == 2 || (b.requires_grad && !b.grad_fn) ? 2 : 1;
  return BasicTensor<T>(std::move(impl));
}

/// Whether `t` is a temporary whose memory an op may reuse for its result: nobody else
/// holds the handle or the storage, and it takes no part in autograd.
template <class T>
bool is_reusable(const BasicTensor<T>& t) {
  const auto& p = t.impl();
  return p && p.use_count() == 1 && p->storage.use_count() == 1 && !p->requires_grad &&
         p->offset == 0 && !p->view_kind;
}

}  // namespace detail
}  // namespace torchlet
