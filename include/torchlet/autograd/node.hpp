#pragma once
// Node<T>: one recorded operation of the dynamic tape. The output tensor owns its
// node; the node owns (shared) handles to its inputs, so a graph lives exactly as
// long as some tensor computed from it.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "torchlet/fwd.hpp"

namespace torchlet::detail {
template <class T>
struct TensorImpl;
}

namespace torchlet::autograd {

template <class T>
struct Node {
  /// Maps the gradient of the output to one gradient per input (an undefined tensor
  /// where an input needs none). Gradients must already have the input's shape.
  using BackwardFn = std::function<std::vector<BasicTensor<T>>(const BasicTensor<T>&)>;

  const char* name = "";
  std::vector<std::shared_ptr<detail::TensorImpl<T>>> inputs;
  BackwardFn backward;
  bool released = false;  // saved tensors freed after backward without retain_graph
};

}  // namespace torchlet::autograd
