#pragma once
// The dynamic tape. Each op that records itself creates one Node: the output tensor owns
// its node (grad_fn); a node owns edges to the nodes that produced its inputs (or to the
// AccumulateGrad node of a leaf) and whatever its backward closure saved. So a graph
// lives exactly as long as some tensor computed from it, and an intermediate tensor's
// memory lives only as long as a backward closure needs it, as in PyTorch.
//
// Edges point at nodes, not tensors, so an in-place op on a non-leaf can give that tensor
// a new grad_fn without re-routing the gradients of ops that consumed it before.
#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/autograd/anomaly_mode.hpp"
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/detail/shape.hpp"
#include "torchlet/errors.hpp"
#include "torchlet/fwd.hpp"

namespace torchlet::detail {
template <class T>
struct TensorImpl;
/// a + b recorded on the tape (create_graph's gradient sums); defined in autograd/record.hpp.
template <class T>
BasicTensor<T> add_gradients(const BasicTensor<T>& a, const BasicTensor<T>& b);
}  // namespace torchlet::detail

namespace torchlet::autograd {

struct NodeBase;

/// The edges of a node: up to 3 inline (most ops), more on the heap (cat, stack).
class Edges {
 public:
  /// Pointer to the node receiving a gradient (null: none needed).
  using Edge = std::shared_ptr<NodeBase>;
  /// Reserves room for n edges.
  void reserve(std::size_t n) {
    if (n > kInline) heap_.reserve(n);
  }
  /// Appends an edge.
  void push_back(Edge e) {
    if (heap_.empty() && size_ < kInline) {
      inline_[size_++] = std::move(e);
      return;
    }
    if (heap_.empty())
      for (std::size_t i = 0; i < size_; ++i) heap_.push_back(std::move(inline_[i]));
    heap_.push_back(std::move(e));
    ++size_;
  }
  /// Number of edges.
  std::size_t size() const noexcept { return size_; }
  /// First edge.
  Edge* begin() noexcept { return heap_.empty() ? inline_ : heap_.data(); }
  /// Past the last edge.
  Edge* end() noexcept { return begin() + size_; }
  /// Edge i.
  Edge& operator[](std::size_t i) noexcept { return begin()[i]; }

 private:
  static constexpr std::size_t kInline = 3;
  Edge inline_[kInline];
  std::vector<Edge> heap_;
  std::size_t size_ = 0;
};

/// A shape kept inline up to 6 dims (a node stores its output's shape).
class NodeShape {
 public:
  NodeShape() = default;
  /// Stores a shape.
  NodeShape& operator=(const Shape& s) {
    n_ = s.size();
    if (n_ <= kInline)
      std::copy(s.begin(), s.end(), dims_);
    else
      big_ = s;
    return *this;
  }
  /// Whether the stored shape equals s.
  bool operator==(const Shape& s) const {
    if (s.size() != n_) return false;
    return n_ <= kInline ? std::equal(s.begin(), s.end(), dims_) : big_ == s;
  }
  /// The stored shape.
  Shape shape() const { return n_ <= kInline ? Shape(dims_, dims_ + n_) : big_; }

 private:
  static constexpr std::size_t kInline = 6;
  std::int64_t dims_[kInline] = {};
  std::size_t n_ = 0;
  Shape big_;
};

/// A node of any scalar type (a dtype conversion links a Node<double> to a Node<float>).
struct NodeBase {
  /// The op's backward name ("AddmmBackward0", ...), as PyTorch's grad_fn names it.
  const char* node_name = "";
  /// One edge per input of the op: the node that receives that input's gradient, or
  /// null when the input needs none.
  Edges next;
  /// Set once backward ran without retain_graph: the saved tensors are gone.
  bool released = false;

  NodeBase() = default;
  NodeBase(const NodeBase&) = delete;
  NodeBase& operator=(const NodeBase&) = delete;
  /// Frees a chain of nodes iteratively (a graph of 10^6 sequential ops must not
  /// overflow the stack through recursive destructors).
  virtual ~NodeBase() {
    std::vector<std::shared_ptr<NodeBase>> stack;
    for (auto& e : next)
      if (e && e.use_count() == 1) stack.push_back(std::move(e));
    while (!stack.empty()) {
      auto n = std::move(stack.back());
      stack.pop_back();
      for (auto& e : n->next)
        if (e && e.use_count() == 1) stack.push_back(std::move(e));
    }
  }

  /// The node's name as PyTorch prints it (grad_fn.name(): "MulBackward0", "AccumulateGrad").
  std::string name() const { return node_name; }
  /// The nodes that receive this node's input gradients, one per input of the op (null
  /// where an input needs no gradient), like grad_fn.next_functions without the input index
  /// (every torchlet node has one output).
  std::vector<std::shared_ptr<NodeBase>> next_functions() {
    return std::vector<std::shared_ptr<NodeBase>>(next.begin(), next.end());
  }
  /// Whether backward() of this node records a graph itself, so that a gradient computed
  /// with create_graph = true can be differentiated again.
  bool differentiable_backward = false;

  /// Whether a gradient is pending during the current backward pass.
  virtual bool has_grad() const noexcept = 0;
  /// Drops the pending gradient.
  virtual void clear_grad() noexcept = 0;
  /// Consumes the pending gradient: runs the backward function and delivers one
  /// gradient per edge. Without retain_graph the saved tensors are freed afterwards.
  virtual void run(bool retain_graph) = 0;
};

/// The node whose backward function is running on this thread under create_graph (null
/// otherwise): a backward recording itself reattaches the op's saved output to it. The
/// engine keeps the owning pointer alive while the node runs (a node does not derive from
/// enable_shared_from_this: its weak count would cost every node of every forward two atomic
/// operations more).
inline const std::shared_ptr<NodeBase>*& running_node() noexcept {
  thread_local const std::shared_ptr<NodeBase>* node = nullptr;
  return node;
}

/// Sets running_node() for a scope.
class RunningNode {
 public:
  /// Makes node the running node until the destructor restores the previous one.
  explicit RunningNode(const std::shared_ptr<NodeBase>* node) noexcept
      : prev_(std::exchange(running_node(), node)) {}
  RunningNode(const RunningNode&) = delete;
  RunningNode& operator=(const RunningNode&) = delete;
  /// Restores the running node the constructor replaced.
  ~RunningNode() { running_node() = prev_; }

 private:
  const std::shared_ptr<NodeBase>* prev_;
};

/// A node whose output (and so whose incoming gradient) has scalar type T.
template <class T>
struct Node : NodeBase {
  NodeShape out_shape;  ///< shape of the output: every incoming gradient has it
  BasicTensor<T> grad;  ///< gradient accumulated during a backward pass
  /// Hooks registered with Tensor::register_hook on the tensor this node produced (or on
  /// the leaf this AccumulateGrad node belongs to), with their ids: each gets the gradient
  /// and may return a replacement (an undefined tensor keeps it).
  std::vector<std::pair<int, std::shared_ptr<std::function<BasicTensor<T>(const BasicTensor<T>&)>>>>
      pre_hooks;
  /// The id the next registered hook gets.
  int next_hook_id = 0;
  /// The non-leaf tensor whose grad() keeps this node's gradient (Tensor::retain_grad).
  std::weak_ptr<detail::TensorImpl<T>> retained;

  /// Whether a gradient is pending.
  bool has_grad() const noexcept override { return grad.defined(); }
  /// Drops the pending gradient.
  void clear_grad() noexcept override { grad = BasicTensor<T>(); }

  /// Adds g (shape already checked) to the pending gradient. A handle nobody else holds
  /// is taken as is; otherwise the sum goes into fresh memory.
  void accumulate(BasicTensor<T> g) {
    if (!grad.defined()) {
      grad = std::move(g);
      return;
    }
    if (grad.impl()->requires_grad || g.impl()->requires_grad) {  // create_graph: a recorded sum
      grad = detail::add_gradients(grad, g);
      return;
    }
    const auto n = grad.numel();
    if (grad.impl().use_count() == 1 && grad.impl()->storage.use_count() == 1 &&
        grad.is_contiguous()) {
      detail::amap(grad.data(), n) += detail::camap(g.data(), n);
    } else {
      auto sum = BasicTensor<T>::empty(grad.shape());
      detail::amap(sum.data(), n) = detail::camap(grad.data(), n) + detail::camap(g.data(), n);
      grad = std::move(sum);
    }
  }

  /// Maps the gradient of the output to one gradient per input (undefined where the
  /// input needs none); each must have that input's shape.
  virtual std::vector<BasicTensor<T>> apply(const BasicTensor<T>& grad_output) = 0;
  /// Frees what the backward function saved.
  virtual void release() noexcept = 0;

  /// Runs apply() on the pending gradient and delivers the results along the edges;
  /// throws std::runtime_error when the graph was already freed.
  void run(bool retain_graph) override {
    if (released)
      throw std::runtime_error(
          std::string("backward: trying to backward through the graph a second time (") +
          node_name +
          "): the saved tensors were freed; pass retain_graph = true to the first backward");
    BasicTensor<T> g = call_pre_hooks(std::move(grad));
    grad = BasicTensor<T>();
    auto in_grads = apply(g);
    if (is_anomaly_enabled()) [[unlikely]]
      detail::anomaly_check_backward(node_name, g, in_grads);
    g = BasicTensor<T>();
    for (std::size_t i = 0; i < next.size() && i < in_grads.size(); ++i)
      if (next[i] && in_grads[i].defined()) deliver(node_name, *next[i], std::move(in_grads[i]));
    if (!retain_graph) {
      release();
      released = true;
    }
  }

  /// Runs the tensor hooks on g (each may replace it), then stores it in the retained
  /// tensor's grad() (added to what an earlier backward left there), as PyTorch does.
  /// Defined in autograd/engine.hpp.
  BasicTensor<T> call_pre_hooks(BasicTensor<T> g);

  /// Hands gradient g of scalar type U to `target` (the node of scalar type U), checking its shape.
  template <class U>
  static void deliver(const char* from, NodeBase& target, BasicTensor<U> g) {
    auto& t = static_cast<Node<U>&>(target);
    if (!(t.out_shape == g.shape()))
      throw std::logic_error(std::string("backward: ") + from + " produced a gradient of shape " +
                             to_string(g.shape()) + " for an input of shape " +
                             to_string(t.out_shape.shape()));
    t.accumulate(std::move(g));
  }
};

/// A node running the backward closure given to detail::record.
template <class T, class F>
struct FunctionNode final : Node<T> {
  /// Holds the backward closure f: grad_output -> one gradient per input.
  explicit FunctionNode(F f) : fn(std::move(f)) {}
  std::vector<BasicTensor<T>> apply(const BasicTensor<T>& g) override { return (*fn)(g); }
  void release() noexcept override { fn.reset(); }
  /// The closure (reset when the graph is freed).
  std::optional<F> fn;
};

/// The sink of a leaf that requires grad: adds the incoming gradient to leaf.grad().
/// The leaf owns its accumulator; the accumulator only observes the leaf (a gradient
/// for a leaf nobody holds any more is dropped).
template <class T>
struct AccumulateGrad final : Node<T> {
  /// Accumulator of the leaf l (observed, not owned).
  explicit AccumulateGrad(const std::shared_ptr<detail::TensorImpl<T>>& l) : leaf(l) {
    this->node_name = "AccumulateGrad";
    this->out_shape = l->shape;
    this->differentiable_backward = true;  // create_graph: the gradient is stored with its graph
  }
  std::vector<BasicTensor<T>> apply(const BasicTensor<T>&) override { return {}; }
  void release() noexcept override {}
  void run(bool) override {
    BasicTensor<T> g = this->call_pre_hooks(std::move(this->grad));
    this->grad = BasicTensor<T>();
    auto impl = leaf.lock();
    if (!impl || !impl->requires_grad) return;
    if (g.impl()->requires_grad) [[unlikely]] {  // create_graph: grad() keeps the graph
      impl->grad =
          impl->grad ? detail::add_gradients(BasicTensor<T>(impl->grad), g).impl() : g.impl();
    } else if (!impl->grad) {
      // Take the gradient's memory when nobody else holds it; a gradient never carries
      // a graph nor requires grad itself.
      if (g.impl().use_count() == 1 && g.impl()->storage.use_count() == 1 && !g.impl()->grad_fn &&
          g.impl()->offset == 0 && g.impl()->strides.empty()) {
        impl->grad = g.impl();
      } else {
        auto copy = BasicTensor<T>::empty(g.shape());
        detail::amap(copy.data(), g.numel()) = detail::camap(g.data(), g.numel());
        impl->grad = copy.impl();
      }
      impl->grad->requires_grad = false;
    } else {
      BasicTensor<T> acc(impl->grad);
      if (acc.shape() != g.shape())
        throw ShapeError("backward: the stored gradient of shape " + to_string(acc.shape()) +
                         " does not match the gradient of shape " + to_string(g.shape()) +
                         " for a leaf");
      detail::amap(acc.data(), acc.numel()) += detail::camap(g.data(), g.numel());
    }
    if (!post_hooks.empty()) {
      const BasicTensor<T> param(impl);
      for (auto& [id, hook] : std::vector(post_hooks)) (*hook)(param);
    }
  }
  /// The leaf whose .grad() receives the gradients.
  std::weak_ptr<detail::TensorImpl<T>> leaf;
  /// Hooks run after each accumulation (register_post_accumulate_grad_hook), with their ids.
  std::vector<std::pair<int, std::shared_ptr<std::function<void(const BasicTensor<T>&)>>>>
      post_hooks;
  /// The id the next registered hook gets.
  int next_hook_id = 0;
};

/// Serialises the creation of a leaf's AccumulateGrad node between threads.
inline std::mutex& accumulator_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace torchlet::autograd
