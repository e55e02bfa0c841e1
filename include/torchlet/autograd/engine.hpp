#pragma once
// The backward engine: orders the graph below a root topologically (iterative DFS, so
// deep graphs do not overflow the stack), seeds the root with its gradient, and runs each
// node once, after every node that feeds it a gradient. Leaves accumulate into .grad().
#include <functional>
#include <type_traits>
#include <unordered_set>

#include "torchlet/autograd/node.hpp"
#include "torchlet/tensor/creation.hpp"

namespace torchlet {
namespace autograd {

/// Nodes reachable from `root`, each after every node that has an edge to it.
inline std::vector<NodeBase*> topological_order(NodeBase* root) {
  std::vector<NodeBase*> post;
  std::unordered_set<NodeBase*> seen{root};
  std::vector<std::pair<NodeBase*, std::size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->next.size()) {
      NodeBase* child = node->next[next++].get();
      if (child && seen.insert(child).second) stack.emplace_back(child, 0);
    } else {
      post.push_back(node);
      stack.pop_back();
    }
  }
  return {post.rbegin(), post.rend()};
}

/// Computes the gradients of `root` with respect to the leaves of its graph.
/// grad: the gradient of root (may be omitted for a one-element root).
template <class T>
void run_backward(const BasicTensor<T>& root, BasicTensor<T> grad, bool retain_graph) {
  if constexpr (!std::is_floating_point_v<T>) {
    throw std::invalid_argument("backward: only floating point tensors have gradients");
  } else {
    if (!root.requires_grad())
      throw std::invalid_argument(
          "backward: element 0 of tensors does not require grad and does not have a grad_fn");
    if (!grad.defined()) {
      if (root.numel() != 1)
        throw std::invalid_argument(
            "backward: grad can be implicitly created only for scalar outputs (output shape " +
            to_string(root.shape()) + "); pass a gradient");
      grad = ones<T>(root.shape());
    } else if (grad.shape() != root.shape()) {
      throw ShapeError("backward: gradient shape " + to_string(grad.shape()) +
                       " does not match output shape " + to_string(root.shape()));
    } else {
      grad = grad.detach();
    }
    NoGradGuard no_grad;
    std::shared_ptr<NodeBase> keep =
        detail::gradient_edge(root);  // grad_fn, or a leaf's accumulator
    const auto order = topological_order(keep.get());
    // Pending gradients live in the nodes; a failure must not leave them behind.
    struct Clear {
      const std::vector<NodeBase*>& nodes;
      ~Clear() {
        for (auto* n : nodes) n->clear_grad();
      }
    } clear{order};
    static_cast<Node<T>&>(*keep).accumulate(std::move(grad));
    for (NodeBase* node : order)
      if (node->has_grad()) node->run(retain_graph);
  }
}

}  // namespace autograd

template <class T>
BasicTensor<T> autograd::Node<T>::call_pre_hooks(BasicTensor<T> g) {
  if (!pre_hooks.empty()) {
    for (auto& [id, hook] : std::vector(pre_hooks)) {
      BasicTensor<T> replaced = (*hook)(g);
      if (!replaced.defined()) continue;
      if (replaced.shape() != g.shape())
        throw ShapeError(std::string("register_hook: a hook on the gradient of ") + node_name +
                         "'s output changed its shape from " + to_string(g.shape()) + " to " +
                         to_string(replaced.shape()));
      g = std::move(replaced);
    }
  }
  if (auto keep = retained.lock()) [[unlikely]] {
    if (!keep->grad) {
      auto copy = BasicTensor<T>::empty(g.shape());
      detail::amap(copy.data(), g.numel()) = detail::camap(g.data(), g.numel());
      keep->grad = copy.impl();
    } else {
      BasicTensor<T> acc(keep->grad);
      detail::amap(acc.data(), acc.numel()) += detail::camap(g.data(), g.numel());
    }
  }
  return g;
}

template <class T>
template <class F>
utils::hooks::RemovableHandle BasicTensor<T>::register_hook(F&& hook) const {
  using Fn = std::function<BasicTensor(const BasicTensor&)>;
  Fn fn;
  if constexpr (std::is_void_v<std::invoke_result_t<F&, const BasicTensor&>>) {
    fn = [h = std::forward<F>(hook)](const BasicTensor& g) mutable {
      h(g);
      return BasicTensor();
    };
  } else {
    static_assert(std::is_convertible_v<std::invoke_result_t<F&, const BasicTensor&>, BasicTensor>,
                  "register_hook: the hook must return void or a tensor of the same type");
    fn = std::forward<F>(hook);
  }
  if (!requires_grad())
    throw std::invalid_argument(
        "register_hook: cannot register a hook on a tensor that doesn't require gradient");
  auto node = std::static_pointer_cast<autograd::Node<T>>(detail::gradient_edge(*this));
  std::lock_guard<std::mutex> lock(autograd::accumulator_mutex());
  const int id = node->next_hook_id++;
  node->pre_hooks.emplace_back(id, std::make_shared<Fn>(std::move(fn)));
  return utils::hooks::RemovableHandle([weak = std::weak_ptr(node), id] {
    if (auto n = weak.lock()) {
      std::lock_guard<std::mutex> guard(autograd::accumulator_mutex());
      std::erase_if(n->pre_hooks, [id](const auto& h) { return h.first == id; });
    }
  });
}

template <class T>
void BasicTensor<T>::retain_grad() const {
  if (!requires_grad())
    throw std::invalid_argument(
        "retain_grad: can't retain_grad on Tensor that has requires_grad=False");
  if (is_leaf()) return;
  impl_->grad_fn->retained = impl_;
}

template <class T>
utils::hooks::RemovableHandle BasicTensor<T>::register_post_accumulate_grad_hook(
    std::function<void(const BasicTensor&)> fn) const {
  if (!is_leaf() || !requires_grad())
    throw std::invalid_argument(
        "register_post_accumulate_grad_hook: only a leaf tensor that requires grad (a "
        "parameter) accumulates gradients; this tensor " +
        std::string(is_leaf() ? "does not require grad" : "is not a leaf"));
  if (!fn) throw std::invalid_argument("register_post_accumulate_grad_hook: empty function");
  auto node = std::static_pointer_cast<autograd::AccumulateGrad<T>>(detail::gradient_edge(*this));
  std::lock_guard<std::mutex> lock(autograd::accumulator_mutex());
  const int id = node->next_hook_id++;
  node->post_hooks.emplace_back(
      id, std::make_shared<std::function<void(const BasicTensor&)>>(std::move(fn)));
  return utils::hooks::RemovableHandle([weak = std::weak_ptr(node), id] {
    if (auto n = weak.lock()) {
      std::lock_guard<std::mutex> guard(autograd::accumulator_mutex());
      std::erase_if(n->post_hooks, [id](const auto& h) { return h.first == id; });
    }
  });
}

template <class T>
void BasicTensor<T>::backward(const BasicTensor& gradient, bool retain_graph) const {
  autograd::run_backward(*this, gradient, retain_graph);
}

}  // namespace torchlet
