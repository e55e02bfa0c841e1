#pragma once
// Walking the autograd graph: the nodes reachable from some roots in topological order (an
// iterative DFS, so deep graphs do not overflow the stack), and NodeSet, the set of nodes the
// walk and autograd::grad keep (autograd/engine.hpp runs the backward over this order).
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "torchlet/autograd/node.hpp"

namespace torchlet {
namespace autograd {

/// A set of nodes by open addressing (linear probing in a power-of-two table, at most half
/// full): one allocation per growth, where std::unordered_set allocates one per node, a
/// tenth of the time of a backward through small ops.
class NodeSet {
 public:
  /// Inserts node (not null); whether it was not there yet.
  bool insert(const NodeBase* node) {
    if (2 * (size_ + 1) > slots_.size()) rehash(slots_.empty() ? 64 : 2 * slots_.size());
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = slot(node);; i = (i + 1) & mask) {
      if (slots_[i] == node) return false;
      if (!slots_[i]) {
        slots_[i] = node;
        ++size_;
        return true;
      }
    }
  }
  /// Whether node is in the set.
  bool contains(const NodeBase* node) const noexcept {
    if (slots_.empty()) return false;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = slot(node);; i = (i + 1) & mask) {
      if (slots_[i] == node) return true;
      if (!slots_[i]) return false;
    }
  }
  /// The number of nodes in the set.
  std::size_t size() const noexcept { return size_; }

 private:
  // Fibonacci hashing: the top bits of the address times 2^64 / phi.
  std::size_t slot(const NodeBase* node) const noexcept {
    return static_cast<std::size_t>(
        (static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(node)) *
         0x9E3779B97F4A7C15ull) >>
        shift_);
  }
  void rehash(std::size_t capacity) {
    std::vector<const NodeBase*> old(capacity, nullptr);
    old.swap(slots_);
    shift_ = 64 - std::countr_zero(capacity);
    size_ = 0;
    for (const NodeBase* n : old)
      if (n) insert(n);
  }

  std::vector<const NodeBase*> slots_;
  std::size_t size_ = 0;
  int shift_ = 64;
};

/// Nodes reachable from the roots, each after every node that has an edge to it.
inline std::vector<NodeBase*> topological_order(const std::vector<NodeBase*>& roots) {
  std::vector<NodeBase*> post;
  NodeSet seen;
  std::vector<std::pair<NodeBase*, std::size_t>> stack;
  for (NodeBase* root : roots) {
    if (!root || !seen.insert(root)) continue;
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->next.size()) {
        NodeBase* child = node->next[next++].get();
        if (child && seen.insert(child)) stack.emplace_back(child, 0);
      } else {
        post.push_back(node);
        stack.pop_back();
      }
    }
  }
  std::reverse(post.begin(), post.end());
  return post;
}
/// Nodes reachable from `root`, each after every node that has an edge to it.
inline std::vector<NodeBase*> topological_order(NodeBase* root) {
  return topological_order(std::vector<NodeBase*>{root});
}

}  // namespace autograd
}  // namespace torchlet
