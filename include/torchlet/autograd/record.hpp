#pragma once
// The recording API every op uses to put itself on the tape: needs_graph, gradient_edge,
// record, rebase_history (in-place ops; rebase_view_history is PyTorch's CopySlices for a
// view), the view-history helpers (stale_view, view_node, refresh_view_history),
// mark_differentiable_backward and mark_inplace_differentiable. Written against
// BasicTensor<T> with only its declaration (fwd.hpp): the members used here (create_graph's
// CopySlices calls clone, as_strided and copy_) are checked where an op instantiates them, so
// this header includes nothing from tensor/ (tensor/basic_tensor.hpp includes it).
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/autograd/anomaly_mode.hpp"
#include "torchlet/autograd/grad_mode.hpp"
#include "torchlet/autograd/node.hpp"
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/shape.hpp"
#include "torchlet/detail/strided.hpp"
#include "torchlet/errors.hpp"
#include "torchlet/fwd.hpp"

namespace torchlet::detail {

/// Whether an in-place op on the view `v` can rebase its base's history (CopySlices): it
/// knows its base, and the base is contiguous (its gradient's layout).
template <class T>
bool rebasable_view(const TensorImpl<T>& v) {
  return v.base && !v.base->non_contiguous && v.base->storage == v.storage &&
         v.offset >= v.base->offset;
}

/// Whether `v` is a view whose base's history was rebased since v's grad_fn was set.
template <class T>
bool stale_view(const TensorImpl<T>& v) noexcept {
  return v.base && v.base_history != v.base->history;
}

/// Whether a layout (shape, strides) reaches some element twice (expand, unfold windows).
inline bool self_overlapping(const Shape& shape, const std::vector<std::int64_t>& strides) {
  std::vector<std::pair<std::int64_t, std::int64_t>> dims;  // (stride, size), sizes > 1
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return false;
    if (shape[d] > 1) dims.emplace_back(strides[d], shape[d]);
  }
  std::sort(dims.begin(), dims.end());
  std::int64_t extent = 1;  // the elements the smaller strides span
  for (const auto& [stride, size] : dims) {
    if (stride < extent) return true;
    extent += (size - 1) * stride;
  }
  return false;
}

/// BasicTensor<std::int64_t>, named through T so that it is looked up where an op
/// instantiates this header's templates (BasicTensor is only declared here).
template <class T>
using IndexTensorOf = BasicTensor<std::conditional_t<sizeof(T) != 0, std::int64_t, T>>;

/// The node of a view `v` of a base with a gradient: the base's gradient is v's gradient
/// added into zeros at v's elements ("AsStridedBackward0").
template <class T>
std::shared_ptr<autograd::Node<T>> view_node(const Shape& base_shape, const Shape& shape,
                                             const std::vector<std::int64_t>& strides,
                                             std::int64_t off,
                                             std::shared_ptr<autograd::NodeBase> base_fn) {
  const bool overlapping = self_overlapping(shape, strides);
  auto as_strided = [base_shape, shape, strides, off, overlapping](const BasicTensor<T>& g) {
    if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
      auto res = BasicTensor<T>::empty(base_shape);
      std::fill_n(res.data(), res.numel(), T(0));
      if (!overlapping) {  // a copy_ into the view of zeros (CopySlices)
        res.as_strided(shape, strides, res.storage_offset() + off).copy_(g);
        return std::vector<BasicTensor<T>>{res};
      }
      // An element reached more than once gets the sum of its gradients: g's elements
      // index_add'ed at their offsets (IndexAddBackward0).
      auto index = IndexTensorOf<T>::empty({g.numel()});
      std::int64_t* ip = index.data();
      for_each_strided(shape, strides, [&](std::int64_t i, std::int64_t o) { ip[i] = off + o; });
      return std::vector<BasicTensor<T>>{res.reshape({res.numel()})
                                             .index_add(0, index, g.reshape({g.numel()}))
                                             .reshape(base_shape)};
    }
    auto res = BasicTensor<T>::empty(base_shape);
    T* r = res.data();
    std::fill_n(r, res.numel(), T(0));
    const T* s = g.data();
    for_each_strided(shape, strides, [&](std::int64_t i, std::int64_t o) { r[off + o] += s[i]; });
    return std::vector<BasicTensor<T>>{res};
  };
  auto node =
      std::make_shared<autograd::FunctionNode<T, decltype(as_strided)>>(std::move(as_strided));
  node->node_name = "AsStridedBackward0";
  node->next.push_back(std::move(base_fn));
  node->out_shape = shape;
  node->differentiable_backward = true;
  return node;
}
/// The node of a view `v` of a base with a gradient (see above).
template <class T>
std::shared_ptr<autograd::Node<T>> view_node(const TensorImpl<T>& v) {
  const auto& b = *v.base;
  return view_node<T>(b.shape, v.shape, v.strides.empty() ? contiguous_strides(v.shape) : v.strides,
                      static_cast<std::int64_t>(v.offset - b.offset), b.grad_fn);
}

/// Gives a stale view (stale_view) a grad_fn on its base's new history, as PyTorch
/// regenerates a view's grad_fn after an in-place op on its base or on another view of it.
template <class T>
void refresh_view_history(const std::shared_ptr<TensorImpl<T>>& v) {
  v->base_history = v->base->history;
  if constexpr (std::is_floating_point_v<T>) {  // (an integer base has no grad_fn)
    if (!v->base->grad_fn || (v->requires_grad && !v->grad_fn)) return;
    v->grad_fn = view_node(*v);
    v->requires_grad = true;
  }
}

/// True when an op on these inputs must be recorded on the tape.
template <class T>
bool needs_graph(std::initializer_list<const BasicTensor<T>*> inputs) {
  if constexpr (!std::is_floating_point_v<T>) {
    return false;
  } else {
    // InferenceMode records nothing, even where an inner guard turned grad mode back on.
    if (!is_grad_enabled() || is_inference_mode_enabled()) return false;
    for (auto* t : inputs) {
      if (!t->defined()) continue;
      if (stale_view(*t->impl())) [[unlikely]]
        refresh_view_history(t->impl());
      if (t->impl()->requires_grad) return true;
    }
    return false;
  }
}

/// The node that receives the gradient of `t`: its grad_fn, the AccumulateGrad node of a
/// leaf that requires grad, or null.
template <class T>
std::shared_ptr<autograd::NodeBase> gradient_edge(const BasicTensor<T>& t) {
  if constexpr (!std::is_floating_point_v<T>) {  // never requires grad
    (void)t;
    return nullptr;
  } else {
    if (!t.defined()) return nullptr;
    auto& impl = *t.impl();
    if (stale_view(impl)) [[unlikely]]
      refresh_view_history(t.impl());
    if (!impl.requires_grad) return nullptr;
    if (impl.grad_fn) return impl.grad_fn;
    std::lock_guard<std::mutex> lock(autograd::accumulator_mutex());
    if (!impl.grad_accumulator)
      impl.grad_accumulator = std::make_shared<autograd::AccumulateGrad<T>>(t.impl());
    return impl.grad_accumulator;
  }
}

/// The tensor an entry of record()'s inputs names (a pointer or the tensor itself).
template <class T>
const BasicTensor<T>& input_tensor(const BasicTensor<T>* t) {
  return *t;
}
template <class T>
const BasicTensor<T>& input_tensor(const BasicTensor<T>& t) {
  return t;
}

/// record()'s body, for either form of its inputs.
template <class T, class Inputs, class F>
void record_node(const BasicTensor<T>& out, const char* name, const Inputs& inputs, F&& backward) {
  // Integer and bool tensors never require grad (needs_graph is false for them): no node
  // type is instantiated for them (compile time, docs/architecture.md "Compile cost").
  if constexpr (std::is_floating_point_v<T>) {
    if (autograd::is_anomaly_enabled()) [[unlikely]]
      anomaly_check_forward(out, name, inputs);
    auto node =
        std::make_shared<autograd::FunctionNode<T, std::decay_t<F>>>(std::forward<F>(backward));
    node->node_name = name;
    node->next.reserve(inputs.size());
    for (const auto& t : inputs) node->next.push_back(gradient_edge(input_tensor<T>(t)));
    node->out_shape = out.impl()->shape;
    out.impl()->requires_grad = true;
    out.impl()->grad_fn = std::move(node);
  }
}

/// Records `out = op(inputs)` with its backward function, which maps the output's
/// gradient to a std::vector with one gradient per input (undefined where not needed).
template <class T, class F>
void record(const BasicTensor<T>& out, const char* name,
            std::initializer_list<const BasicTensor<T>*> inputs, F&& backward) {
  record_node(out, name, inputs, std::forward<F>(backward));
}
/// The same for an op with any number of inputs (cat, stack).
template <class T, class F>
void record(const BasicTensor<T>& out, const char* name, const std::vector<BasicTensor<T>>& inputs,
            F&& backward) {
  record_node(out, name, inputs, std::forward<F>(backward));
}

/// rebase_history for a view `v` (PyTorch's CopySlices): its base gets a new grad_fn
/// "CopySlices" that runs the op's backward on the view's part of the base's gradient and
/// continues the base's previous history with the result (and `other`'s with its gradient);
/// v becomes a view of the new base ("AsStridedBackward0").
template <class T, class F>
void rebase_view_history(const BasicTensor<T>& v, const char* name,
                         const std::type_identity_t<BasicTensor<T>>* other, F&& backward) {
  const BasicTensor<T> base(v.impl()->base);
  const Shape& base_shape = base.shape();
  const auto off = static_cast<std::int64_t>(v.impl()->offset - base.impl()->offset);
  const Shape& shape = v.shape();
  const std::vector<std::int64_t> strides = v.stride();
  auto copy_slices = [fn = std::decay_t<F>(std::forward<F>(backward)), base_shape, shape, strides,
                      off](const BasicTensor<T>& g) mutable {
    if (is_grad_enabled()) [[unlikely]] {
      // create_graph: PyTorch's CopySlices made of recorded ops (BasicTensor's members, so
      // the tensor layer's clone, as_strided and copy_ record it); fn records itself when
      // the node is marked (mark_inplace_differentiable).
      auto result = g.clone();
      const auto slice = result.as_strided(shape, strides, result.storage_offset() + off);
      // A saved output of the op (SavedTensor::output_variable) is the view of this node's
      // output: attached to a view node on this one while fn runs.
      std::shared_ptr<autograd::NodeBase> vnode;
      if (const auto* self = autograd::running_node())
        vnode = view_node<T>(base_shape, shape, strides, off, *self);
      autograd::RunningNode running(vnode ? &vnode : autograd::running_node());
      auto grads = fn(slice.clone());
      if (grads[0].defined())
        slice.copy_(grads[0]);
      else
        slice.zero_();
      grads[0] = result;
      return grads;
    }
    auto res = BasicTensor<T>::empty(base_shape);
    T* r = res.data();
    std::copy_n(g.data(), res.numel(), r);
    auto part = BasicTensor<T>::empty(shape);
    T* p = part.data();
    for_each_strided(shape, strides, [&](std::int64_t i, std::int64_t o) { p[i] = r[off + o]; });
    auto grads = fn(part);
    if (grads[0].defined()) {
      const T* s = grads[0].data();
      for_each_strided(shape, strides, [&](std::int64_t i, std::int64_t o) { r[off + o] = s[i]; });
    } else {
      for_each_strided(shape, strides, [&](std::int64_t, std::int64_t o) { r[off + o] = T(0); });
    }
    grads[0] = res;
    return grads;
  };
  auto node =
      std::make_shared<autograd::FunctionNode<T, decltype(copy_slices)>>(std::move(copy_slices));
  node->node_name = "CopySlices";
  node->next.push_back(gradient_edge(base));
  if (other) node->next.push_back(gradient_edge(*other));
  node->out_shape = base_shape;
  base.impl()->requires_grad = true;
  base.impl()->grad_fn = std::move(node);
  ++base.impl()->history;  // other views of base get new grad_fns when next used
  v.impl()->base_history = base.impl()->history;
  (void)name;
  auto vnode = view_node(*v.impl());
  if (auto& old = v.impl()->grad_fn; old && old->retained.lock() == v.impl()) {
    vnode->retained = v.impl();
    old->retained.reset();
  }
  v.impl()->requires_grad = true;
  v.impl()->grad_fn = std::move(vnode);
}

/// Gives `t` a new grad_fn after an in-place op. prev: t's history before the op.
template <class T, class F>
void rebase_history(const BasicTensor<T>& t, const char* name,
                    std::shared_ptr<autograd::NodeBase> prev,
                    const std::type_identity_t<BasicTensor<T>>* other, F&& backward) {
  if constexpr (!std::is_floating_point_v<T>) {  // never requires grad (record_node)
    (void)t, (void)name, (void)prev, (void)other, (void)backward;
  } else {
    if (autograd::is_anomaly_enabled()) [[unlikely]]
      anomaly_check_forward(t, name, std::initializer_list<const BasicTensor<T>*>{});
    if (t.impl()->view_kind && rebasable_view(*t.impl())) {
      rebase_view_history(t, name, other, std::forward<F>(backward));
      return;
    }
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
    ++t.impl()->history;  // views of t get new grad_fns when next used
  }
}

/// Marks the node of `out` as having a backward that records itself under create_graph.
template <class T>
void mark_differentiable_backward(const BasicTensor<T>& out) {
  if (out.impl()->grad_fn) out.impl()->grad_fn->differentiable_backward = true;
}

/// Marks the node an in-place op on `t` just recorded (rebase_history) as having a backward
/// that records itself: for a view of a tensor with a gradient, its base's CopySlices node,
/// whose backward then records itself around the op's.
template <class T>
void mark_inplace_differentiable(const BasicTensor<T>& t) {
  const auto& impl = *t.impl();
  if (impl.view_kind && rebasable_view(impl)) {
    if (impl.base->grad_fn) impl.base->grad_fn->differentiable_backward = true;
  } else {
    mark_differentiable_backward(t);
  }
}

/// a + b for two gradients of one shape, recorded as torchlet::add records it
/// ("AddBackward0", a backward that is differentiable): how the engine sums gradients under
/// create_graph without the tensor ops. Throws ShapeError when the shapes differ.
template <class T>
BasicTensor<T> add_gradients(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  if (a.shape() != b.shape())
    throw ShapeError("backward: cannot add a gradient of shape " + to_string(b.shape()) +
                     " to one of shape " + to_string(a.shape()));
  auto out = BasicTensor<T>::empty(a.shape());
  amap(out.data(), out.numel()) = camap(a.data(), a.numel()) + camap(b.data(), b.numel());
  if (needs_graph<T>({&a, &b})) {
    record(
        out, "AddBackward0", {&a, &b},
        [ga = a.requires_grad(), gb = b.requires_grad()](const BasicTensor<T>& g) {
          return std::vector<BasicTensor<T>>{ga ? g : BasicTensor<T>(), gb ? g : BasicTensor<T>()};
        });
    mark_differentiable_backward(out);
  }
  return out;
}

}  // namespace torchlet::detail
