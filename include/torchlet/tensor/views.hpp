#pragma once
// Shape ops: reshape/view/flatten/squeeze/unsqueeze (views sharing storage),
// transpose/t/permute (copies: storage is always contiguous), clone, to<U>, fill_/copy_.
// Each records its backward beside it.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "torchlet/tensor/broadcast.hpp"

namespace torchlet {
namespace detail {

/// Resolves one -1 in `shape` against numel; throws ShapeError on mismatch.
inline Shape infer_shape(const char* op, Shape shape, std::int64_t numel, const Shape& from) {
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0)
        throw ShapeError(std::string(op) + ": only one dimension can be inferred (shape " +
                         to_string(shape) + ")");
      infer = static_cast<std::int64_t>(i);
    } else if (shape[i] < 0) {
      throw ShapeError(std::string(op) + ": invalid shape dimension " + std::to_string(shape[i]) +
                       " in " + to_string(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      throw ShapeError(std::string(op) + ": shape " + to_string(shape) +
                       " is invalid for input of size " + std::to_string(numel) + " (shape " +
                       to_string(from) + ")");
    shape[static_cast<std::size_t>(infer)] = numel / known;
  } else if (known != numel) {
    throw ShapeError(std::string(op) + ": shape " + to_string(shape) +
                     " is invalid for input of size " + std::to_string(numel) + " (shape " +
                     to_string(from) + ")");
  }
  return shape;
}

/// A view of x with another shape; its backward views the gradient with x's shape.
template <class T>
BasicTensor<T> view_as_shape(const char* name, const BasicTensor<T>& x, Shape shape) {
  auto out = make_view(x, std::move(shape));
  if (needs_graph<T>({&x})) {
    record(out, name, {&x}, [in_shape = x.shape()](const BasicTensor<T>& g) {
      if (is_grad_enabled()) [[unlikely]]  // create_graph: a recorded reshape
        return std::vector<BasicTensor<T>>{g.reshape(in_shape)};
      return std::vector<BasicTensor<T>>{make_view(g, in_shape)};
    });
    mark_differentiable_backward(out);
  }
  return out;
}

/// Copies x [*s] into the permuted layout out [s[p[0]], ..., s[p[n-1]]].
template <class T>
void permute_copy(const T* x, const Shape& s, const Shape& p, T* out) {
  const std::size_t nd = s.size();
  const std::int64_t n = numel_of(s);
  if (n == 0) return;
  if (nd == 0) {
    out[0] = x[0];
    return;
  }
  const Shape in_st = contiguous_strides(s);
  Shape os(nd), st(nd);  // output shape and, per output dim, the input stride
  for (std::size_t d = 0; d < nd; ++d) {
    os[d] = s[static_cast<std::size_t>(p[d])];
    st[d] = in_st[static_cast<std::size_t>(p[d])];
  }
  if (nd == 2 && p[0] == 1) {  // Eigen's blocked transpose
    mmap(out, os[0], os[1]) = cmmap(x, s[0], s[1]).transpose();
    return;
  }
  // Innermost output dim contiguous in the input: copy runs.
  const std::int64_t run = st[nd - 1] == 1 ? os[nd - 1] : 1;
  const std::size_t outer_dims = run > 1 ? nd - 1 : nd;
  std::vector<std::int64_t> idx(outer_dims, 0);
  std::int64_t off = 0;
  for (std::int64_t i = 0; i < n; i += run) {
    if (run > 1)
      std::copy_n(x + off, run, out + i);
    else
      out[i] = x[off];
    for (std::size_t d = outer_dims; d-- > 0;) {
      off += st[d];
      if (++idx[d] < os[d]) break;
      off -= st[d] * idx[d];
      idx[d] = 0;
    }
  }
}

}  // namespace detail

template <class T>
// NOLINTNEXTLINE(performance-unnecessary-value-param): moved into infer_shape below
BasicTensor<T> BasicTensor<T>::reshape(Shape s) const {
  return detail::view_as_shape("ReshapeAliasBackward0", *this,
                               detail::infer_shape("reshape", std::move(s), numel(), shape()));
}
template <class T>
// NOLINTNEXTLINE(performance-unnecessary-value-param): moved into infer_shape below
BasicTensor<T> BasicTensor<T>::view(Shape s) const {
  return detail::view_as_shape("ViewBackward0", *this,
                               detail::infer_shape("view", std::move(s), numel(), shape()));
}
/// Merges dims start_dim..end_dim into one: [2, 3, 4].flatten(1) -> [2, 12].
template <class T>
BasicTensor<T> BasicTensor<T>::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  const std::int64_t n = dim();
  if (n == 0) return reshape({1});
  const auto s = detail::wrap_dim("flatten", start_dim, n),
             e = detail::wrap_dim("flatten", end_dim, n);
  if (s > e)
    throw std::invalid_argument("flatten: start_dim (" + std::to_string(start_dim) +
                                ") cannot come after end_dim (" + std::to_string(end_dim) + ")");
  Shape out(shape().begin(), shape().begin() + s);
  std::int64_t m = 1;
  for (auto i = s; i <= e; ++i) m *= shape()[static_cast<std::size_t>(i)];
  out.push_back(m);
  out.insert(out.end(), shape().begin() + e + 1, shape().end());
  return detail::view_as_shape("ViewBackward0", *this, std::move(out));
}
/// Removes every dim of size 1.
template <class T>
BasicTensor<T> BasicTensor<T>::squeeze() const {
  Shape s;
  for (auto d : shape())
    if (d != 1) s.push_back(d);
  return detail::view_as_shape("SqueezeBackward0", *this, std::move(s));
}
/// Removes dim d if its size is 1 (otherwise returns the same shape).
template <class T>
BasicTensor<T> BasicTensor<T>::squeeze(std::int64_t d) const {
  d = detail::wrap_dim("squeeze", d, dim());
  Shape s = shape();
  if (!s.empty() && s[static_cast<std::size_t>(d)] == 1) s.erase(s.begin() + d);
  return detail::view_as_shape("SqueezeBackward1", *this, std::move(s));
}
/// Inserts a dim of size 1 at d (d in [-dim()-1, dim()]).
template <class T>
BasicTensor<T> BasicTensor<T>::unsqueeze(std::int64_t d) const {
  d = detail::wrap_dim("unsqueeze", d, dim() + 1);
  Shape s = shape();
  s.insert(s.begin() + d, 1);
  return detail::view_as_shape("UnsqueezeBackward0", *this, std::move(s));
}

/// Reorders the dims: out.size(i) = size(dims[i]). A copy (torchlet storage is always
/// contiguous); the gradient is permuted back.
template <class T>
BasicTensor<T> permute(const BasicTensor<T>& x, const Shape& dims) {
  const auto nd = x.dim();
  if (static_cast<std::int64_t>(dims.size()) != nd)
    throw ShapeError("permute: number of dims don't match in permute (input " +
                     to_string(x.shape()) + " has " + std::to_string(nd) + ", dims " +
                     to_string(dims) + " has " + std::to_string(dims.size()) + ")");
  Shape p(dims.size()), inv(dims.size());
  std::vector<bool> used(dims.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    p[i] = detail::wrap_dim("permute", dims[i], nd);
    if (used[static_cast<std::size_t>(p[i])])
      throw std::invalid_argument("permute: repeated dim in " + to_string(dims));
    used[static_cast<std::size_t>(p[i])] = true;
    inv[static_cast<std::size_t>(p[i])] = static_cast<std::int64_t>(i);
  }
  Shape os(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) os[i] = x.shape()[static_cast<std::size_t>(p[i])];
  auto out = BasicTensor<T>::empty(os);
  detail::permute_copy(x.data(), x.shape(), p, out.data());
  if (detail::needs_graph<T>({&x})) {
    detail::record(out, "PermuteBackward0", {&x},
                   [inv, p, in_shape = x.shape()](const BasicTensor<T>& g) {
                     if (is_grad_enabled()) [[unlikely]]  // create_graph: a recorded permute
                       return std::vector<BasicTensor<T>>{g.permute(inv)};
                     auto gi = BasicTensor<T>::empty(in_shape);
                     detail::permute_copy(g.data(), g.shape(), inv, gi.data());
                     return std::vector<BasicTensor<T>>{gi};
                   });
    detail::mark_differentiable_backward(out);
  }
  return out;
}
template <class T>
BasicTensor<T> BasicTensor<T>::permute(const Shape& dims) const {
  return torchlet::permute(*this, dims);
}

/// Swaps dims dim0 and dim1 (a copy).
template <class T>
BasicTensor<T> transpose(const BasicTensor<T>& x, std::int64_t dim0, std::int64_t dim1) {
  const auto nd = x.dim();
  if (nd == 0) {
    detail::wrap_dim("transpose", dim0, nd);
    detail::wrap_dim("transpose", dim1, nd);
    return x;
  }
  Shape p(static_cast<std::size_t>(nd));
  std::iota(p.begin(), p.end(), 0);
  std::swap(p[static_cast<std::size_t>(detail::wrap_dim("transpose", dim0, nd))],
            p[static_cast<std::size_t>(detail::wrap_dim("transpose", dim1, nd))]);
  return permute(x, p);
}
template <class T>
BasicTensor<T> BasicTensor<T>::transpose(std::int64_t d0, std::int64_t d1) const {
  return torchlet::transpose(*this, d0, d1);
}

/// Transpose of a tensor with at most 2 dims (0-D and 1-D tensors are returned as is).
template <class T>
BasicTensor<T> BasicTensor<T>::t() const {
  if (dim() > 2)
    throw ShapeError("t: expects a tensor with <= 2 dimensions, but self is " +
                     std::to_string(dim()) + "D (shape " + to_string(shape()) + ")");
  if (dim() < 2) return *this;
  return torchlet::transpose(*this, 0, 1);
}

template <class T>
BasicTensor<T> BasicTensor<T>::clone() const {
  auto out = BasicTensor::empty(shape());
  if (numel()) std::memcpy(static_cast<void*>(out.data()), data(), sizeof(T) * numel());
  if (detail::needs_graph<T>({this}))
    detail::record(out, "CloneBackward0", {this},
                   [](const BasicTensor& g) { return std::vector<BasicTensor>{g}; });
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
    auto gi = BasicTensor<From>::empty(g.shape());
    const To* s = g.data();
    From* d = gi.data();
    for (std::int64_t i = 0; i < g.numel(); ++i) d[i] = static_cast<From>(s[i]);
    Node<To>::template deliver<From>(this->node_name, *this->next[0], std::move(gi));
  }
};
}  // namespace autograd

/// Element type conversion (x.to(torch.float64)); gradients flow between float types.
template <class T>
template <class U>
BasicTensor<U> BasicTensor<T>::to() const {
  if constexpr (std::is_same_v<T, U>) {
    return *this;
  } else {
    auto out = BasicTensor<U>::empty(shape());
    const T* s = data();
    U* d = out.data();
    for (std::int64_t i = 0; i < numel(); ++i) d[i] = static_cast<U>(s[i]);
    if constexpr (std::is_floating_point_v<T> && std::is_floating_point_v<U>) {
      if (detail::needs_graph<T>({this})) {
        auto node = std::make_shared<autograd::ToCopyNode<T, U>>();
        node->node_name = "ToCopyBackward0";
        node->next.push_back(detail::gradient_edge(*this));
        node->out_shape = shape();
        out.impl()->requires_grad = true;
        out.impl()->grad_fn = std::move(node);
      }
    }
    return out;
  }
}

template <class T>
const BasicTensor<T>& BasicTensor<T>::fill_(T value) const {
  detail::check_inplace("fill_", *this);
  const bool graph = detail::needs_graph<T>({this});
  auto prev = graph ? detail::gradient_edge(*this) : nullptr;
  std::fill_n(data(), numel(), value);
  detail::bump_version(*this);
  if constexpr (detail::is_floating_v<T>) {
    if (graph)  // the old values no longer matter: a zero gradient
      detail::rebase_history(*this, "FillBackward0", prev, nullptr, [](const BasicTensor& g) {
        return std::vector<BasicTensor>{zeros_like(g)};
      });
  }
  return *this;
}

/// Copies src (broadcast to this tensor's shape) into this tensor.
template <class T>
const BasicTensor<T>& BasicTensor<T>::copy_(const BasicTensor& src) const {
  detail::check_inplace("copy_", *this, src.requires_grad());
  if (src.shape() != shape() && detail::broadcast_shapes("copy_", shape(), src.shape()) != shape())
    throw ShapeError("copy_: source shape " + to_string(src.shape()) +
                     " cannot be broadcast to destination shape " + to_string(shape()));
  const bool graph = detail::needs_graph<T>({this, &src});
  auto prev = graph ? detail::gradient_edge(*this) : nullptr;
  if (src.shape() == shape()) {
    if (numel()) std::memmove(static_cast<void*>(data()), src.data(), sizeof(T) * numel());
  } else {
    detail::broadcast_into(*this, src, shape(), data(),
                           [](const auto&, const auto& y) { return y; });
  }
  detail::bump_version(*this);
  if constexpr (detail::is_floating_v<T>) {
    if (graph)
      detail::rebase_history(
          *this, "CopyBackwards", prev, &src,
          [ga = prev != nullptr, gs = src.requires_grad(), ss = src.shape()](const BasicTensor& g) {
            return std::vector<BasicTensor>{ga ? zeros_like(g) : BasicTensor(),
                                            gs ? detail::sum_to(g, ss) : BasicTensor()};
          });
  }
  return *this;
}

}  // namespace torchlet
