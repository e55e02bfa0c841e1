#pragma once
// The backward engine: topologically orders the graph below a root, then pushes
// gradients from the root to the leaves, accumulating into each leaf's .grad().
#include <unordered_map>
#include <unordered_set>

#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/elementwise.hpp"

namespace torchlet {
namespace autograd {

template <class T>
void run_backward(const BasicTensor<T>& root, BasicTensor<T> grad, bool retain_graph) {
  using Impl = detail::TensorImpl<T>;
  if constexpr (!std::is_floating_point_v<T>) {
    throw std::invalid_argument("backward: only floating point tensors have gradients");
  } else {
    if (!root.requires_grad())
      throw std::invalid_argument("backward: element 0 of tensors does not require grad and does not have a grad_fn");
    if (!grad.defined()) {
      if (root.numel() != 1)
        throw std::invalid_argument("backward: grad can be implicitly created only for scalar outputs (output shape " +
                                    to_string(root.shape()) + "); pass a gradient");
      grad = ones<T>(root.shape());
    } else if (grad.shape() != root.shape()) {
      throw ShapeError("backward: gradient shape " + to_string(grad.shape()) + " does not match output shape " +
                       to_string(root.shape()));
    }
    NoGradGuard no_grad;
    // Iterative DFS post-order -> reverse topological order.
    std::vector<Impl*> order;
    std::unordered_set<Impl*> seen;
    std::vector<std::pair<Impl*, std::size_t>> stack{{root.impl().get(), 0}};
    seen.insert(root.impl().get());
    while (!stack.empty()) {
      auto& [impl, next] = stack.back();
      const auto& fn = impl->grad_fn;
      if (fn && next < fn->inputs.size()) {
        Impl* child = fn->inputs[next++].get();
        if (child && seen.insert(child).second) stack.push_back({child, 0});
      } else {
        order.push_back(impl);
        stack.pop_back();
      }
    }
    std::unordered_map<Impl*, BasicTensor<T>> grads;
    grads.emplace(root.impl().get(), std::move(grad));
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Impl* impl = *it;
      auto found = grads.find(impl);
      if (found == grads.end()) continue;
      BasicTensor<T> g = std::move(found->second);
      grads.erase(found);
      auto& fn = impl->grad_fn;
      if (!fn) {  // leaf: accumulate
        if (!impl->requires_grad) continue;
        if (!impl->grad) {
          impl->grad = g.impl()->storage.use_count() == 1 && g.impl()->grad_fn == nullptr ? g.impl() : g.clone().impl();
          // A gradient tensor never carries a graph or requires grad itself.
          impl->grad->requires_grad = false;
        } else {
          BasicTensor<T> acc(impl->grad);
          if (acc.shape() != g.shape())
            throw ShapeError("backward: gradient of shape " + to_string(g.shape()) + " for a leaf of shape " +
                             to_string(acc.shape()));
          detail::amap(acc.data(), acc.numel()) += detail::camap(g.data(), g.numel());
        }
        continue;
      }
      if (fn->released)
        throw std::runtime_error(std::string("backward: trying to backward through the graph a second time (op ") +
                                 fn->name + "); pass retain_graph = true the first time");
      auto in_grads = fn->backward(g);
      for (std::size_t i = 0; i < fn->inputs.size(); ++i) {
        Impl* in = fn->inputs[i].get();
        if (!in || i >= in_grads.size() || !in_grads[i].defined()) continue;
        auto& gi = in_grads[i];
        if (gi.shape() != in->shape)
          throw std::logic_error(std::string("backward: ") + fn->name + " produced a gradient of shape " +
                                 to_string(gi.shape()) + " for an input of shape " + to_string(in->shape));
        auto [slot, inserted] = grads.try_emplace(in, gi);
        if (!inserted) {
          if (slot->second.impl()->storage.use_count() > 1) slot->second = slot->second.clone();
          detail::amap(slot->second.data(), slot->second.numel()) += detail::camap(gi.data(), gi.numel());
        }
      }
      if (!retain_graph) {
        fn->backward = nullptr;
        fn->released = true;
      }
    }
  }
}

}  // namespace autograd

template <class T>
void BasicTensor<T>::backward(const BasicTensor& gradient, bool retain_graph) const {
  autograd::run_backward(*this, gradient, retain_graph);
}

}  // namespace torchlet
