#pragma once
// Copies, each recording its backward: clone, to<U> (a dtype conversion; gradients flow between
// float types), fill_ and copy_ (in place, broadcasting the source, with PyTorch's in-place
// autograd rules).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_COPY
#endif

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "torchlet/tensor/broadcast.hpp"

namespace torchlet {
namespace detail {

// Defined in tensor/detail/arithmetic.hpp: copy_'s create_graph path needs it declared here.
template <class Scalar>
BasicTensor<Scalar> sum_to_recorded(BasicTensor<Scalar> g, const Shape& shape);

}  // namespace detail

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::clone() const {
  auto out = BasicTensor::empty(shape());
  if (numel()) std::memcpy(static_cast<void*>(out.data()), data(), sizeof(Scalar) * numel());
  if (detail::needs_graph<Scalar>({this})) {
    detail::record(out, "CloneBackward0", {this},
                   [](const BasicTensor& g) { return std::vector<BasicTensor>{g}; });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

namespace autograd {
/// Backward of a dtype conversion From -> To: converts the gradient back to From and
/// hands it to the input's node (a Node<From>).
template <class From, class To>
struct ToCopyNode final : Node<To> {
  std::vector<BasicTensor<To>> apply(const BasicTensor<To>&) override { return {}; }
  void release() noexcept override {}
  void run(bool) override {
    BasicTensor<To> g = std::move(this->grad);
    this->grad = BasicTensor<To>();
    if (!this->next[0]) return;
    if (is_grad_enabled() && g.requires_grad()) [[unlikely]] {  // create_graph: a recorded to()
      Node<To>::template deliver<From>(this->node_name, *this->next[0], g.template to<From>());
      return;
    }
    auto gi = BasicTensor<From>::empty(g.shape());
    const To* s = g.data();
    From* d = gi.data();
    for (std::int64_t i = 0; i < g.numel(); ++i) d[i] = static_cast<From>(s[i]);
    Node<To>::template deliver<From>(this->node_name, *this->next[0], std::move(gi));
  }
};
}  // namespace autograd

/// Element type conversion (x.to(torch.float64)); gradients flow between float types.
template <class Scalar>
template <class U>
BasicTensor<U> BasicTensor<Scalar>::to() const {
  if constexpr (std::is_same_v<Scalar, U>) {
    return *this;
  } else {
    auto out = BasicTensor<U>::empty(shape());
    const Scalar* s = data();
    U* d = out.data();
    for (std::int64_t i = 0; i < numel(); ++i) d[i] = static_cast<U>(s[i]);
    if constexpr (std::is_floating_point_v<Scalar> && std::is_floating_point_v<U>) {
      if (detail::needs_graph<Scalar>({this})) {
        auto node = std::make_shared<autograd::ToCopyNode<Scalar, U>>();
        node->node_name = "ToCopyBackward0";
        node->next.push_back(detail::gradient_edge(*this));
        node->out_shape = shape();
        node->differentiable_backward = true;
        out.impl()->requires_grad = true;
        out.impl()->grad_fn = std::move(node);
      }
    }
    return out;
  }
}

template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::fill_(Scalar value) const {
  detail::check_inplace("fill_", *this);
  const bool graph = detail::needs_graph<Scalar>({this});
  auto prev = graph ? detail::gradient_edge(*this) : nullptr;
  std::fill_n(data(), numel(), value);
  detail::bump_version(*this);
  if constexpr (detail::is_floating_v<Scalar>) {
    if (graph) {  // the old values no longer matter: a zero gradient (a constant)
      detail::rebase_history(*this, "FillBackward0", prev, nullptr, [](const BasicTensor& g) {
        return std::vector<BasicTensor>{zeros_like(g)};
      });
      detail::mark_inplace_differentiable(*this);
    }
  }
  return *this;
}

/// Copies src (broadcast to this tensor's shape) into this tensor.
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::copy_(const BasicTensor& src) const {
  detail::check_inplace("copy_", *this, src.requires_grad());
  if (src.shape() != shape() && detail::broadcast_shapes("copy_", shape(), src.shape()) != shape())
    throw ShapeError("copy_: source shape " + to_string(src.shape()) +
                     " cannot be broadcast to destination shape " + to_string(shape()));
  detail::check_no_partial_overlap("copy_", *this, src);
  const bool graph = detail::needs_graph<Scalar>({this, &src});
  auto prev = graph ? detail::gradient_edge(*this) : nullptr;
  if (src.shape() == shape()) {
    if (numel()) std::memmove(static_cast<void*>(data()), src.data(), sizeof(Scalar) * numel());
  } else {
    detail::broadcast_into(*this, src, shape(), data(),
                           [](const auto&, const auto& y) { return y; });
  }
  detail::bump_version(*this);
  if constexpr (detail::is_floating_v<Scalar>) {
    if (graph) {
      detail::rebase_history(
          *this, "CopyBackwards", prev, &src,
          [ga = prev != nullptr, gs = src.requires_grad(), ss = src.shape()](const BasicTensor& g) {
            BasicTensor ds;
            if (gs)  // create_graph: a recorded sum
              ds = is_grad_enabled() ? detail::sum_to_recorded(g, ss) : detail::sum_to(g, ss);
            return std::vector<BasicTensor>{ga ? zeros_like(g) : BasicTensor(), ds};
          });
      detail::mark_inplace_differentiable(*this);
    }
  }
  return *this;
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_COPY
#include "torchlet/tensor/members.hpp"
#endif
