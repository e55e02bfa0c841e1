#pragma once
// The backward engine: orders the graph below a root topologically (iterative DFS, so
// deep graphs do not overflow the stack), seeds the root with its gradient, and runs each
// node once, after every node that feeds it a gradient. Leaves accumulate into .grad().
//
// Written against BasicTensor<T> with only its declaration (fwd.hpp), like
// autograd/record.hpp: tensor/basic_tensor.hpp includes this header, and its members
// backward(), register_hook(), retain_grad() and register_post_accumulate_grad_hook() call
// the function templates here.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "torchlet/autograd/grad_mode.hpp"
#include "torchlet/autograd/graph.hpp"
#include "torchlet/autograd/node.hpp"
#include "torchlet/autograd/record.hpp"
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/shape.hpp"
#include "torchlet/errors.hpp"
#include "torchlet/fwd.hpp"
#include "torchlet/utils/hooks.hpp"

namespace torchlet {
namespace autograd {

namespace detail {
/// A tensor of ones of `shape` (the implicit gradient of a one-element output).
template <class T>
BasicTensor<T> ones_of(const Shape& shape) {
  auto t = BasicTensor<T>::empty(shape);
  std::fill_n(t.data(), t.numel(), T(1));
  return t;
}
}  // namespace detail

/// A node's owning pointer, by node.
using NodeOwners = std::unordered_map<NodeBase*, std::shared_ptr<NodeBase>>;

/// The owning pointer of each node of `order` (the nodes reachable from `roots`): what
/// running_node() points to while a node's backward records itself (create_graph).
inline NodeOwners node_owners(const std::vector<std::shared_ptr<NodeBase>>& roots,
                              const std::vector<NodeBase*>& order) {
  NodeOwners owners;
  for (const auto& r : roots)
    if (r) owners.emplace(r.get(), r);
  for (NodeBase* n : order)
    for (auto& e : n->next)
      if (e) owners.emplace(e.get(), e);
  return owners;
}

/// Computes the gradients of `root` with respect to the leaves of its graph.
/// grad: the gradient of root (may be omitted for a one-element root). create_graph: the
/// backward computation is recorded, so the leaves' grad() can be differentiated again.
template <class T>
void run_backward(const BasicTensor<T>& root, BasicTensor<T> grad, bool retain_graph,
                  bool create_graph = false) {
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
      grad = detail::ones_of<T>(root.shape());
    } else if (grad.shape() != root.shape()) {
      throw ShapeError("backward: gradient shape " + to_string(grad.shape()) +
                       " does not match output shape " + to_string(root.shape()));
    } else if (!create_graph) {
      grad = grad.detach();
    }
    AutoGradMode mode(create_graph);
    std::shared_ptr<NodeBase> keep =
        detail::gradient_edge(root);  // grad_fn, or a leaf's accumulator
    const auto order = topological_order(keep.get());
    // Pending gradients live in the nodes; a failure must not leave them behind.
    struct Clear {
      const std::vector<NodeBase*>& nodes;
      ~Clear() {
        for (auto* n : nodes)
          if (n) n->clear_grad();
      }
    } clear{order};
    static_cast<Node<T>&>(*keep).accumulate(std::move(grad));
    const auto owners = create_graph ? node_owners({keep}, order) : NodeOwners{};
    for (NodeBase* node : order) {
      if (!node->has_grad()) continue;
      if (create_graph && !node->differentiable_backward)
        throw std::runtime_error("backward(create_graph=true): the backward of " + node->name() +
                                 " is not differentiable yet");
      RunningNode running(create_graph ? &owners.at(node) : nullptr);
      node->run(retain_graph);
    }
  }
}

/// torch.autograd.backward(tensors, grad_tensors, retain_graph, create_graph): accumulates
/// into the leaves' grad() the gradients of `tensors` (each with its grad_tensors entry, or
/// ones for a one-element tensor when grad_tensors is empty or the entry undefined).
/// `loss.backward(create_graph=True)` is `autograd::backward({loss}, {}, std::nullopt, true)`:
/// the backward is recorded, so a leaf's grad() has a graph (grad_fn) and can be
/// differentiated again; retain_graph defaults to create_graph. An op whose backward does not
/// record itself yet throws std::runtime_error naming its node (docs/architecture.md lists
/// the ops that do).
template <class T>
void backward(const std::vector<BasicTensor<T>>& tensors,
              const std::type_identity_t<std::vector<BasicTensor<T>>>& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false) {
  if (!grad_tensors.empty() && grad_tensors.size() != tensors.size())
    throw std::invalid_argument("autograd::backward: got " + std::to_string(tensors.size()) +
                                " tensors and " + std::to_string(grad_tensors.size()) +
                                " grad_tensors (one per tensor, or none)");
  const bool retain = retain_graph.value_or(create_graph);
  for (std::size_t i = 0; i < tensors.size(); ++i)
    run_backward(tensors[i], grad_tensors.empty() ? BasicTensor<T>() : grad_tensors[i],
                 retain || i + 1 < tensors.size(), create_graph);
}
/// autograd::backward with a braced list: `autograd::backward({loss}, {}, std::nullopt, true)`.
template <class T>
void backward(std::initializer_list<BasicTensor<T>> tensors,
              const std::type_identity_t<std::vector<BasicTensor<T>>>& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false) {
  backward(std::vector<BasicTensor<T>>(tensors), grad_tensors, retain_graph, create_graph);
}

/// The gradients of `outputs` with respect to `inputs` (torch.autograd.grad), returned
/// instead of accumulated: no grad() is touched and only the part of the graph between
/// them runs.
///  - grad_outputs: one gradient per output ("vector" of the vector-Jacobian product);
///    empty, or an undefined entry, means ones for a one-element output.
///  - retain_graph: keep the saved tensors for another backward (default: create_graph).
///  - create_graph: record the backward computation, so the returned gradients can be
///    differentiated again (higher-order derivatives). Every node on the way must have a
///    differentiable backward; otherwise this throws std::runtime_error naming the node.
///  - allow_unused: an input the outputs do not depend on gets an undefined tensor
///    (otherwise std::runtime_error, as in PyTorch).
/// Hooks registered on the inputs do not see the returned gradients (PyTorch 1.13 captures
/// them before a node's hooks run).
template <class T>
std::vector<BasicTensor<T>> grad(
    const std::vector<BasicTensor<T>>& outputs,
    const std::type_identity_t<std::vector<BasicTensor<T>>>& inputs,
    const std::type_identity_t<std::vector<BasicTensor<T>>>& grad_outputs = {},
    std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
    bool allow_unused = false) {
  static_assert(std::is_floating_point_v<T>,
                "autograd::grad: only floating point tensors have gradients");
  const bool retain = retain_graph.value_or(create_graph);
  if (outputs.empty()) throw std::invalid_argument("autograd::grad: no outputs given");
  if (inputs.empty()) throw std::invalid_argument("autograd::grad: no inputs given");
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw std::invalid_argument("autograd::grad: got " + std::to_string(outputs.size()) +
                                " outputs and " + std::to_string(grad_outputs.size()) +
                                " grad_outputs (one per output, or none)");
  std::vector<BasicTensor<T>> seeds;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto& out = outputs[i];
    if (!out.defined() || !out.requires_grad())
      throw std::invalid_argument("autograd::grad: element " + std::to_string(i) +
                                  " of tensors does not require grad and does not have a grad_fn");
    BasicTensor<T> g = grad_outputs.empty() ? BasicTensor<T>() : grad_outputs[i];
    if (!g.defined()) {
      if (out.numel() != 1)
        throw std::invalid_argument(
            "autograd::grad: grad can be implicitly created only for scalar outputs (output " +
            std::to_string(i) + " has shape " + to_string(out.shape()) + "); pass grad_outputs");
      g = detail::ones_of<T>(out.shape());
    } else if (g.shape() != out.shape()) {
      throw ShapeError("autograd::grad: Mismatch in shape: grad_output[" + std::to_string(i) +
                       "] has a shape of " + to_string(g.shape()) + " and output[" +
                       std::to_string(i) + "] has a shape of " + to_string(out.shape()));
    } else if (!create_graph) {
      g = g.detach();
    }
    seeds.push_back(std::move(g));
  }
  std::vector<std::shared_ptr<NodeBase>> input_nodes;
  for (const auto& x : inputs) {
    if (!x.defined() || !x.requires_grad())
      throw std::invalid_argument(
          "autograd::grad: One of the differentiated Tensors does not require grad");
    input_nodes.push_back(torchlet::detail::gradient_edge(x));
  }
  AutoGradMode mode(create_graph);
  std::vector<std::shared_ptr<NodeBase>> roots;
  std::vector<NodeBase*> root_ptrs;
  for (const auto& out : outputs) {
    roots.push_back(torchlet::detail::gradient_edge(out));
    root_ptrs.push_back(roots.back().get());
  }
  const auto order = topological_order(root_ptrs);
  // A node runs when one of its edges leads to an input: children come after their parents
  // in `order`, so one sweep from the end marks them.
  NodeSet is_input;
  for (const auto& n : input_nodes) is_input.insert(n.get());
  NodeSet leads;  // nodes that are an input or lead to one
  NodeSet run;    // nodes with an edge leading to an input
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    NodeBase* n = *it;
    bool any = false;
    for (auto& e : n->next)
      if (e && leads.contains(e.get())) any = true;
    if (any) run.insert(n);
    if (any || is_input.contains(n)) leads.insert(n);
  }
  // The nodes this call can leave a gradient in: the roots, the nodes it runs and their
  // edges. Only those are cleared at the end, so that a grad called inside a running backward
  // (a fused op's create_graph path, nn/functional/recurrent.hpp) leaves the pending
  // gradients of the enclosing pass in place.
  std::vector<NodeBase*> touched(root_ptrs);
  for (NodeBase* n : order)
    if (run.contains(n)) {
      touched.push_back(n);
      for (auto& e : n->next)
        if (e) touched.push_back(e.get());
    }
  struct Clear {
    const std::vector<NodeBase*>& nodes;
    ~Clear() {
      for (auto* n : nodes)
        if (n) n->clear_grad();
    }
  } clear{touched};
  for (std::size_t i = 0; i < roots.size(); ++i)
    static_cast<Node<T>&>(*roots[i]).accumulate(std::move(seeds[i]));
  std::unordered_map<NodeBase*, BasicTensor<T>> captured;
  const auto owners = create_graph ? node_owners(roots, order) : NodeOwners{};
  for (NodeBase* node : order) {
    if (!node->has_grad()) continue;
    if (is_input.contains(node)) captured[node] = static_cast<Node<T>&>(*node).grad;
    if (!run.contains(node)) continue;
    if (create_graph && !node->differentiable_backward)
      throw std::runtime_error("autograd::grad(create_graph=true): the backward of " +
                               node->name() + " is not differentiable yet");
    RunningNode running(create_graph ? &owners.at(node) : nullptr);
    node->run(retain);
  }
  std::vector<BasicTensor<T>> result;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto it = captured.find(input_nodes[i].get());
    if (it == captured.end()) {
      if (!allow_unused)
        throw std::runtime_error(
            "autograd::grad: One of the differentiated Tensors appears to not have been used in "
            "the graph. Set allow_unused=True if this is the desired behavior.");
      result.emplace_back();
    } else {
      result.push_back(it->second);
    }
  }
  return result;
}

/// autograd::grad with braced lists: `autograd::grad({y}, {x})`.
template <class T>
std::vector<BasicTensor<T>> grad(
    std::initializer_list<BasicTensor<T>> outputs,
    const std::type_identity_t<std::vector<BasicTensor<T>>>& inputs,
    const std::type_identity_t<std::vector<BasicTensor<T>>>& grad_outputs = {},
    std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
    bool allow_unused = false) {
  return grad(std::vector<BasicTensor<T>>(outputs), inputs, grad_outputs, retain_graph,
              create_graph, allow_unused);
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

namespace autograd::detail {

/// BasicTensor<T>::register_hook: stores `hook` in the node that receives t's gradient.
template <class T, class F>
utils::hooks::RemovableHandle register_hook(const BasicTensor<T>& t, F&& hook) {
  using BasicTensor = torchlet::BasicTensor<T>;
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
  if (!t.requires_grad())
    throw std::invalid_argument(
        "register_hook: cannot register a hook on a tensor that doesn't require gradient");
  auto node = std::static_pointer_cast<autograd::Node<T>>(detail::gradient_edge(t));
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

/// BasicTensor<T>::retain_grad: t's node keeps t's gradient in t.grad().
template <class T>
void retain_grad(const BasicTensor<T>& t) {
  if (!t.requires_grad())
    throw std::invalid_argument(
        "retain_grad: can't retain_grad on Tensor that has requires_grad=False");
  if (t.is_leaf()) return;
  t.impl()->grad_fn->retained = t.impl();
}

/// BasicTensor<T>::register_post_accumulate_grad_hook: stores `fn` in the leaf's
/// AccumulateGrad node.
template <class T>
utils::hooks::RemovableHandle register_post_accumulate_grad_hook(
    const BasicTensor<T>& t, std::function<void(const BasicTensor<T>&)> fn) {
  using BasicTensor = torchlet::BasicTensor<T>;
  if (!t.is_leaf() || !t.requires_grad())
    throw std::invalid_argument(
        "register_post_accumulate_grad_hook: only a leaf tensor that requires grad (a "
        "parameter) accumulates gradients; this tensor " +
        std::string(t.is_leaf() ? "does not require grad" : "is not a leaf"));
  if (!fn) throw std::invalid_argument("register_post_accumulate_grad_hook: empty function");
  auto node = std::static_pointer_cast<autograd::AccumulateGrad<T>>(detail::gradient_edge(t));
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

}  // namespace autograd::detail

}  // namespace torchlet
