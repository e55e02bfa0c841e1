#pragma once
// Joining and splitting: cat, stack, split, chunk.
//   cat([A0.., n_i, ..B], dim)  -> [A.., sum n_i, ..B]
//   stack(N x [*S], dim)        -> [*S with N inserted at dim]
//   split / chunk               -> pieces along dim (views for dim 0, copies otherwise)

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_JOINING
#endif

#include <initializer_list>
#include <vector>

#include "torchlet/tensor/indexing.hpp"

namespace torchlet {

/// Concatenates tensors along dim; all must have the same sizes except at dim.
template <class Scalar>
BasicTensor<Scalar> cat(const std::vector<BasicTensor<Scalar>>& tensors, std::int64_t dim = 0) {
  if (tensors.empty()) throw std::invalid_argument("cat: expected a non-empty list of tensors");
  const Shape& s0 = tensors[0].shape();
  if (s0.empty())
    throw ShapeError("cat: zero-dimensional tensor (at position 0) cannot be concatenated");
  const auto nd = static_cast<std::int64_t>(s0.size());
  dim = detail::wrap_dim("cat", dim, nd);
  const auto d = static_cast<std::size_t>(dim);
  Shape os = s0;
  os[d] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Shape& s = tensors[i].shape();
    bool ok = s.size() == s0.size();
    for (std::size_t k = 0; ok && k < s.size(); ++k) ok = k == d || s[k] == s0[k];
    if (!ok)
      throw ShapeError("cat: sizes of tensors must match except in dimension " +
                       std::to_string(dim) + ": tensor 0 has shape " + to_string(s0) + ", tensor " +
                       std::to_string(i) + " has shape " + to_string(s));
    os[d] += s[d];
  }
  auto out = BasicTensor<Scalar>::empty(os);
  const auto oi = detail::outer_inner(os, dim);
  std::vector<std::int64_t> sizes(tensors.size());
  std::int64_t at = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const auto n = tensors[i].shape()[d];
    sizes[i] = n;
    const Scalar* src = tensors[i].data();
    for (std::int64_t o = 0; o < oi.outer; ++o)
      std::copy_n(src + o * n * oi.inner, n * oi.inner, out.data() + (o * oi.n + at) * oi.inner);
    at += n;
  }
  bool graph = false;
  for (auto& t : tensors) graph |= detail::needs_graph<Scalar>({&t});
  if (graph)
    detail::record(out, "CatBackward0", tensors, [sizes, oi, os, d](const BasicTensor<Scalar>& g) {
      std::vector<BasicTensor<Scalar>> grads(sizes.size());
      std::int64_t at = 0;
      if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded narrows of g
        for (std::size_t i = 0; i < sizes.size(); ++i) {
          grads[i] = g.narrow(static_cast<std::int64_t>(d), at, sizes[i]);
          at += sizes[i];
        }
        return grads;
      }
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        Shape s = os;
        s[d] = sizes[i];
        grads[i] = BasicTensor<Scalar>::empty(s);
        for (std::int64_t o = 0; o < oi.outer; ++o)
          std::copy_n(g.data() + (o * oi.n + at) * oi.inner, sizes[i] * oi.inner,
                      grads[i].data() + o * sizes[i] * oi.inner);
        at += sizes[i];
      }
      return grads;
    });
  detail::mark_differentiable_backward(out);
  return out;
}

/// Stacks equally shaped tensors along a new dim (dim in [-(n+1), n] for n-D inputs).
template <class Scalar>
BasicTensor<Scalar> stack(const std::vector<BasicTensor<Scalar>>& tensors, std::int64_t dim = 0) {
  if (tensors.empty()) throw std::invalid_argument("stack: expected a non-empty list of tensors");
  const Shape& s0 = tensors[0].shape();
  for (std::size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].shape() != s0)
      throw ShapeError("stack: expects each tensor to be equal size, but got " + to_string(s0) +
                       " at entry 0 and " + to_string(tensors[i].shape()) + " at entry " +
                       std::to_string(i));
  dim = detail::wrap_dim("stack", dim, static_cast<std::int64_t>(s0.size()) + 1);
  const auto n = static_cast<std::int64_t>(tensors.size());
  Shape os = s0;
  os.insert(os.begin() + dim, n);
  auto out = BasicTensor<Scalar>::empty(os);
  const auto oi = detail::outer_inner(os, dim);  // oi.n == n
  for (std::int64_t i = 0; i < n; ++i) {
    const Scalar* src = tensors[static_cast<std::size_t>(i)].data();
    for (std::int64_t o = 0; o < oi.outer; ++o)
      std::copy_n(src + o * oi.inner, oi.inner, out.data() + (o * n + i) * oi.inner);
  }
  bool graph = false;
  for (auto& t : tensors) graph |= detail::needs_graph<Scalar>({&t});
  if (graph)
    detail::record(out, "StackBackward0", tensors, [oi, s0, dim](const BasicTensor<Scalar>& g) {
      std::vector<BasicTensor<Scalar>> grads(static_cast<std::size_t>(oi.n));
      if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded selects of g
        for (std::int64_t i = 0; i < oi.n; ++i)
          grads[static_cast<std::size_t>(i)] = g.select(dim, i);
        return grads;
      }
      for (std::int64_t i = 0; i < oi.n; ++i) {
        auto& gi = grads[static_cast<std::size_t>(i)];
        gi = BasicTensor<Scalar>::empty(s0);
        for (std::int64_t o = 0; o < oi.outer; ++o)
          std::copy_n(g.data() + (o * oi.n + i) * oi.inner, oi.inner, gi.data() + o * oi.inner);
      }
      return grads;
    });
  detail::mark_differentiable_backward(out);
  return out;
}

/// cat({a, b}, dim): the braced list of `torch.cat([a, b])` (a std::vector cannot be deduced
/// from it).
template <class Scalar>
BasicTensor<Scalar> cat(std::initializer_list<BasicTensor<Scalar>> tensors, std::int64_t dim = 0) {
  return cat(std::vector<BasicTensor<Scalar>>(tensors), dim);
}

/// stack({a, b}, dim): the braced list of `torch.stack([a, b])`.
template <class Scalar>
BasicTensor<Scalar> stack(std::initializer_list<BasicTensor<Scalar>> tensors,
                          std::int64_t dim = 0) {
  return stack(std::vector<BasicTensor<Scalar>>(tensors), dim);
}

/// Pieces of the given sizes along dim; the sizes must add up to size(dim).
template <class Scalar>
std::vector<BasicTensor<Scalar>> split(const BasicTensor<Scalar>& x,
                                       const std::vector<std::int64_t>& split_sizes,
                                       std::int64_t dim = 0) {
  if (x.dim() == 0) throw std::out_of_range("split: cannot be applied to a 0-dim tensor");
  dim = detail::wrap_dim("split", dim, x.dim());
  const auto n = x.size(dim);
  std::int64_t total = 0;
  for (auto s : split_sizes) {
    if (s < 0)
      throw std::invalid_argument("split: split sizes must be non-negative, got " +
                                  to_string(split_sizes));
    total += s;
  }
  if (total != n)
    throw ShapeError("split: split_sizes " + to_string(split_sizes) + " must sum exactly to " +
                     std::to_string(n) + " (the size of dimension " + std::to_string(dim) +
                     " of shape " + to_string(x.shape()) + ")");
  std::vector<BasicTensor<Scalar>> out;
  out.reserve(split_sizes.size());
  std::int64_t at = 0;
  for (auto s : split_sizes) {
    Shape os = x.shape();
    os[static_cast<std::size_t>(dim)] = s;
    out.push_back(detail::take_along("SplitWithSizesBackward0", x, dim, at, s, 1, std::move(os)));
    at += s;
  }
  return out;
}

/// Pieces of split_size along dim (the last one smaller if size(dim) is not a multiple).
template <class Scalar>
std::vector<BasicTensor<Scalar>> split(const BasicTensor<Scalar>& x, std::int64_t split_size,
                                       std::int64_t dim = 0) {
  if (x.dim() == 0) throw std::out_of_range("split: cannot be applied to a 0-dim tensor");
  dim = detail::wrap_dim("split", dim, x.dim());
  const auto n = x.size(dim);
  if (split_size < 0 || (split_size == 0 && n != 0))
    throw std::invalid_argument("split: split_size must be positive, got " +
                                std::to_string(split_size) + " for a dimension of size " +
                                std::to_string(n));
  std::vector<std::int64_t> sizes;
  if (n == 0) sizes.push_back(0);
  for (std::int64_t at = 0; at < n; at += split_size) sizes.push_back(std::min(split_size, n - at));
  return split(x, sizes, dim);
}

/// `chunks` pieces of ceil(size(dim) / chunks) along dim; fewer if they run out.
template <class Scalar>
std::vector<BasicTensor<Scalar>> chunk(const BasicTensor<Scalar>& x, std::int64_t chunks,
                                       std::int64_t dim = 0) {
  if (chunks <= 0)
    throw std::invalid_argument("chunk: number of chunks must be positive, got " +
                                std::to_string(chunks));
  if (x.dim() == 0) throw std::out_of_range("chunk: cannot be applied to a 0-dim tensor");
  const auto n = x.size(dim);
  if (n == 0) return split(x, std::vector<std::int64_t>(static_cast<std::size_t>(chunks), 0), dim);
  return split(x, (n + chunks - 1) / chunks, dim);
}

template <class Scalar>
std::vector<BasicTensor<Scalar>> BasicTensor<Scalar>::split(std::int64_t s, std::int64_t d) const {
  return torchlet::split(*this, s, d);
}
template <class Scalar>
std::vector<BasicTensor<Scalar>> BasicTensor<Scalar>::split(const std::vector<std::int64_t>& s,
                                                            std::int64_t d) const {
  return torchlet::split(*this, s, d);
}
template <class Scalar>
std::vector<BasicTensor<Scalar>> BasicTensor<Scalar>::chunk(std::int64_t c, std::int64_t d) const {
  return torchlet::chunk(*this, c, d);
}

/// torch.unbind(x, dim): the slices of x along dim, each without that dim
/// ([.., n, ..] -> n tensors [.., ..]); gradients flow back from each.
template <class Scalar>
std::vector<BasicTensor<Scalar>> unbind(const BasicTensor<Scalar>& x, std::int64_t dim = 0) {
  if (x.dim() == 0) throw std::out_of_range("unbind: cannot be applied to a 0-dim tensor");
  dim = detail::wrap_dim("unbind", dim, x.dim());
  std::vector<BasicTensor<Scalar>> out;
  out.reserve(static_cast<std::size_t>(x.size(dim)));
  for (std::int64_t i = 0; i < x.size(dim); ++i) out.push_back(x.select(dim, i));
  return out;
}
template <class Scalar>
std::vector<BasicTensor<Scalar>> BasicTensor<Scalar>::unbind(std::int64_t d) const {
  return torchlet::unbind(*this, d);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_JOINING
#include "torchlet/tensor/members.hpp"
#endif
