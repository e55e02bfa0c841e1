#pragma once
// Shape ops: reshape/view/flatten/squeeze/unsqueeze/select/narrow/t, clone, to<U>,
// fill_/copy_. Views share storage with their base; their backward reshapes the grad.
#include <algorithm>
#include <cstring>

#include "torchlet/tensor/basic_tensor.hpp"
#include "torchlet/tensor/creation.hpp"

namespace torchlet {
namespace detail {

/// Resolves one -1 in `shape` against numel; throws ShapeError on mismatch.
inline Shape infer_shape(const char* op, Shape shape, std::int64_t numel, const Shape& from) {
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw ShapeError(std::string(op) + ": only one dimension can be inferred");
      infer = static_cast<std::int64_t>(i);
    } else if (shape[i] < 0) {
      throw ShapeError(std::string(op) + ": invalid shape dimension " + std::to_string(shape[i]));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      throw ShapeError(std::string(op) + ": shape " + to_string(shape) + " is invalid for input of size " +
                       std::to_string(numel) + " (shape " + to_string(from) + ")");
    shape[static_cast<std::size_t>(infer)] = numel / known;
  } else if (known != numel) {
    throw ShapeError(std::string(op) + ": shape " + to_string(shape) + " is invalid for input of size " +
                     std::to_string(numel) + " (shape " + to_string(from) + ")");
  }
  return shape;
}

template <class T>
BasicTensor<T> view_as_shape(const char* op, const BasicTensor<T>& x, Shape shape) {
  auto out = make_view(x, std::move(shape));
  if (needs_graph<T>({&x})) {
    Shape in_shape = x.shape();
    record(out, op, {&x}, [in_shape](const BasicTensor<T>& g) {
      return std::vector<BasicTensor<T>>{make_view(g, in_shape)};
    });
  }
  return out;
}

}  // namespace detail

template <class T>
BasicTensor<T> BasicTensor<T>::reshape(Shape s) const {
  return detail::view_as_shape("reshape", *this, detail::infer_shape("reshape", std::move(s), numel(), shape()));
}
template <class T>
BasicTensor<T> BasicTensor<T>::view(Shape s) const {
  return detail::view_as_shape("view", *this, detail::infer_shape("view", std::move(s), numel(), shape()));
}
template <class T>
BasicTensor<T> BasicTensor<T>::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  const std::int64_t n = dim();
  if (n == 0) return reshape({1});
  const auto s = detail::wrap_dim("flatten", start_dim, n), e = detail::wrap_dim("flatten", end_dim, n);
  if (s > e) throw std::invalid_argument("flatten: start_dim cannot come after end_dim");
  Shape out(shape().begin(), shape().begin() + s);
  std::int64_t m = 1;
  for (auto i = s; i <= e; ++i) m *= shape()[static_cast<std::size_t>(i)];
  out.push_back(m);
  out.insert(out.end(), shape().begin() + e + 1, shape().end());
  return detail::view_as_shape("flatten", *this, std::move(out));
}
template <class T>
BasicTensor<T> BasicTensor<T>::squeeze(std::int64_t d) const {
  d = detail::wrap_dim("squeeze", d, dim());
  Shape s = shape();
  if (s.empty() || s[static_cast<std::size_t>(d)] != 1) return detail::view_as_shape("squeeze", *this, s);
  s.erase(s.begin() + d);
  return detail::view_as_shape("squeeze", *this, std::move(s));
}
template <class T>
BasicTensor<T> BasicTensor<T>::unsqueeze(std::int64_t d) const {
  d = detail::wrap_dim("unsqueeze", d, dim() + 1);
  Shape s = shape();
  s.insert(s.begin() + d, 1);
  return detail::view_as_shape("unsqueeze", *this, std::move(s));
}

/// x.narrow(dim, start, length): a view for dim 0, a copy otherwise.
template <class T>
BasicTensor<T> BasicTensor<T>::narrow(std::int64_t d, std::int64_t start, std::int64_t length) const {
  d = detail::wrap_dim("narrow", d, dim());
  const auto sz = shape()[static_cast<std::size_t>(d)];
  if (start < 0) start += sz;
  if (start < 0 || length < 0 || start + length > sz)
    throw std::out_of_range("narrow: start " + std::to_string(start) + " + length " + std::to_string(length) +
                            " exceeds dimension " + std::to_string(d) + " of size " + std::to_string(sz) +
                            " (shape " + to_string(shape()) + ")");
  Shape os = shape();
  os[static_cast<std::size_t>(d)] = length;
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < d; ++i) outer *= shape()[static_cast<std::size_t>(i)];
  for (std::int64_t i = d + 1; i < dim(); ++i) inner *= shape()[static_cast<std::size_t>(i)];
  BasicTensor out;
  if (outer == 1) {
    out = detail::make_view(*this, os, static_cast<std::size_t>(start * inner));
  } else {
    out = BasicTensor::empty(os);
    for (std::int64_t o = 0; o < outer; ++o)
      std::copy_n(data() + (o * sz + start) * inner, length * inner, out.data() + o * length * inner);
  }
  if (detail::needs_graph<T>({this})) {
    Shape in_shape = shape();
    detail::record(out, "narrow", {this}, [=](const BasicTensor& g) {
      auto gi = zeros<T>(in_shape);
      for (std::int64_t o = 0; o < outer; ++o)
        std::copy_n(g.data() + o * length * inner, length * inner, gi.data() + (o * sz + start) * inner);
      return std::vector<BasicTensor>{gi};
    });
  }
  return out;
}

/// x[i]: selects index i of the first dimension (a view).
template <class T>
BasicTensor<T> BasicTensor<T>::operator[](std::int64_t i) const {
  if (dim() == 0) throw std::out_of_range("operator[]: invalid index of a 0-dim tensor");
  const auto n = shape()[0];
  if (i < -n || i >= n)
    throw std::out_of_range("operator[]: index " + std::to_string(i) + " is out of bounds for dimension 0 with size " +
                            std::to_string(n));
  if (i < 0) i += n;
  Shape s(shape().begin() + 1, shape().end());
  return narrow(0, i, 1).view(s);
}

/// Transpose of a tensor with at most 2 dims (a copy; storage is always contiguous).
template <class T>
BasicTensor<T> BasicTensor<T>::t() const {
  if (dim() > 2) throw ShapeError("t: expects a tensor with <= 2 dimensions, but self is " + std::to_string(dim()) + "D");
  if (dim() < 2) return *this;
  const auto r = shape()[0], c = shape()[1];
  auto out = BasicTensor::empty({c, r});
  const T* s = data();
  T* d = out.data();
  for (std::int64_t i = 0; i < r; ++i)
    for (std::int64_t j = 0; j < c; ++j) d[j * r + i] = s[i * c + j];
  if (detail::needs_graph<T>({this}))
    detail::record(out, "t", {this}, [](const BasicTensor& g) { return std::vector<BasicTensor>{g.t()}; });
  return out;
}

template <class T>
BasicTensor<T> BasicTensor<T>::clone() const {
  auto out = BasicTensor::empty(shape());
  if (numel()) std::memcpy(static_cast<void*>(out.data()), data(), sizeof(T) * numel());
  if (detail::needs_graph<T>({this}))
    detail::record(out, "clone", {this}, [](const BasicTensor& g) { return std::vector<BasicTensor>{g}; });
  return out;
}

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
    return out;
  }
}

template <class T>
const BasicTensor<T>& BasicTensor<T>::fill_(T value) const {
  detail::check_inplace("fill_", *this);
  std::fill_n(data(), numel(), value);
  return *this;
}

template <class T>
const BasicTensor<T>& BasicTensor<T>::copy_(const BasicTensor& src) const {
  detail::check_inplace("copy_", *this);
  if (src.shape() != shape())
    throw ShapeError("copy_: source shape " + to_string(src.shape()) + " differs from destination " + to_string(shape()));
  if (numel()) std::memmove(static_cast<void*>(data()), src.data(), sizeof(T) * numel());
  return *this;
}

}  // namespace torchlet
