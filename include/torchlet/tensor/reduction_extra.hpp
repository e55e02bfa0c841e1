#pragma once
// More reductions: median (all, or along a dim with its index), mode, all/any along a dim,
// and bernoulli draws.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_REDUCTION_EXTRA
#endif

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/sorting.hpp"

namespace torchlet {

/// torch.median(x): the lower median of all elements (the ((n - 1) / 2)-th smallest, 0-D),
/// NaN if x holds one. The gradient goes to the element chosen.
template <class Scalar>
BasicTensor<Scalar> median(const BasicTensor<Scalar>& x) {
  if (x.numel() == 0) throw std::invalid_argument("median: the input has no elements");
  const auto flat = x.reshape({-1});
  return kthvalue(flat, (flat.numel() - 1) / 2 + 1, 0).values;
}

/// torch.median(x, dim, keepdim): the lower median along dim and its int64 position.
template <class Scalar>
ValuesIndices<Scalar> median(const BasicTensor<Scalar>& x, std::int64_t dim, bool keepdim = false) {
  const std::int64_t n = x.dim() == 0 ? 1 : x.size(detail::wrap_dim("median", dim, x.dim()));
  if (n == 0) throw std::invalid_argument("median: dim " + std::to_string(dim) + " is empty");
  return kthvalue(x, (n - 1) / 2 + 1, dim, keepdim);
}

/// torch.mode(x, dim, keepdim): the most frequent value along dim (the smallest of the values
/// tied for most frequent) and the int64 position of its last occurrence, as PyTorch 1.13
/// returns on CPU: [.., n, ..] -> [.., ..] each. The gradient goes to that position.
template <class Scalar>
ValuesIndices<Scalar> mode(const BasicTensor<Scalar>& x, std::int64_t dim = -1,
                           bool keepdim = false) {
  const std::int64_t asked = dim;
  const auto sp = detail::split_dim("mode", x.shape(), dim, keepdim);
  if (sp.n == 0)
    throw std::invalid_argument("mode: dim " + std::to_string(asked) + " of the input (shape " +
                                to_string(x.shape()) + ") is empty; expected at least one element");
  auto values = BasicTensor<Scalar>::empty(sp.reduced);
  auto indices = BasicTensor<std::int64_t>::empty(sp.reduced);
  std::vector<std::pair<Scalar, std::int64_t>> lane_items(static_cast<std::size_t>(sp.n));
  detail::for_each_lane(x.data(), sp, [&](auto lane, std::int64_t j) {
    for (std::int64_t k = 0; k < sp.n; ++k) lane_items[static_cast<std::size_t>(k)] = {lane(k), k};
    std::stable_sort(lane_items.begin(), lane_items.end(), [](const auto& a, const auto& b) {
      return detail::sort_less(a.first, b.first);
    });
    std::size_t best_count = 0, at = 0;
    while (at < lane_items.size()) {  // runs of equal values, ascending
      std::size_t end = at + 1;
      while (end < lane_items.size() &&
             !detail::sort_less(lane_items[at].first, lane_items[end].first))
        ++end;
      if (end - at > best_count) {
        best_count = end - at;
        values.data()[j] = lane_items[at].first;
        indices.data()[j] = lane_items[end - 1].second;  // stable: the last occurrence
      }
      at = end;
    }
  });
  if (detail::needs_graph<Scalar>({&x}))
    detail::record(
        values, "ModeBackward0", {&x},
        [in_shape = x.shape(), sp,
         si = detail::SavedTensor<std::int64_t>(indices)](const BasicTensor<Scalar>& g) {
          if (is_grad_enabled()) [[unlikely]]  // create_graph: a recorded lane_put
            return std::vector<BasicTensor<Scalar>>{
                detail::lane_put(g.reshape({sp.outer, 1, sp.inner}),
                                 si.tensor("ModeBackward0", {sp.outer, 1, sp.inner}), sp.n)
                    .reshape(in_shape)};
          const std::int64_t* idx = si.data("ModeBackward0");
          return std::vector<BasicTensor<Scalar>>{
              detail::expand_lanes(g, in_shape, sp, [&](Scalar gv, std::int64_t j, std::int64_t k) {
                return idx[j] == k ? gv : Scalar(0);
              })};
        });
  detail::mark_differentiable_backward(values);
  return {values, indices};
}

namespace detail {
template <class Scalar>
BasicTensor<bool> all_any(const char* op, const BasicTensor<Scalar>& x, std::int64_t dim,
                          bool keepdim, bool is_all) {
  const auto sp = split_dim(op, x.shape(), dim, keepdim);
  auto out = BasicTensor<bool>::empty(sp.reduced);
  for_each_lane(x.data(), sp, [&](auto lane, std::int64_t j) {
    bool r = is_all;
    for (std::int64_t k = 0; k < sp.n; ++k)
      if ((lane(k) != Scalar(0)) != is_all) {
        r = !is_all;
        break;
      }
    out.data()[j] = r;
  });
  return out;
}
}  // namespace detail

/// torch.all(x, dim, keepdim): true where every element along dim is non-zero.
template <class Scalar>
BasicTensor<bool> all(const BasicTensor<Scalar>& x, std::int64_t dim, bool keepdim = false) {
  return detail::all_any("all", x, dim, keepdim, true);
}
/// torch.any(x, dim, keepdim): true where some element along dim is non-zero.
template <class Scalar>
BasicTensor<bool> any(const BasicTensor<Scalar>& x, std::int64_t dim, bool keepdim = false) {
  return detail::all_any("any", x, dim, keepdim, false);
}

/// torch.all(x): a 0-D BoolTensor, true if every element is non-zero.
template <class Scalar>
BasicTensor<bool> all(const BasicTensor<Scalar>& x) {
  return detail::all_any("all", x.reshape({-1}), 0, false, true);
}
/// torch.any(x): a 0-D BoolTensor, true if some element is non-zero.
template <class Scalar>
BasicTensor<bool> any(const BasicTensor<Scalar>& x) {
  return detail::all_any("any", x.reshape({-1}), 0, false, false);
}

/// torch.bernoulli(p, gen): 1 with probability p (elementwise, each in [0, 1]) else 0, in
/// p's dtype, drawn from `gen`. No gradient.
template <class Scalar>
BasicTensor<Scalar> bernoulli(const BasicTensor<Scalar>& p, Generator& gen = default_generator()) {
  static_assert(std::is_floating_point_v<Scalar>, "bernoulli: p must be a floating tensor");
  auto out = BasicTensor<Scalar>::empty(p.shape());
  const Scalar* pp = p.data();
  for (std::int64_t i = 0; i < p.numel(); ++i)
    if (!(pp[i] >= Scalar(0) && pp[i] <= Scalar(1)))
      throw std::invalid_argument("bernoulli: p must be in [0, 1], got " +
                                  std::to_string(static_cast<double>(pp[i])) + " at element " +
                                  std::to_string(i));
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t i = 0; i < p.numel(); ++i)
    out.data()[i] = gen.uniform() < static_cast<double>(pp[i]) ? Scalar(1) : Scalar(0);
  return out;
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::median() const {
  return torchlet::median(*this);
}
template <class Scalar>
ValuesIndices<Scalar> BasicTensor<Scalar>::median(std::int64_t d, bool k) const {
  return torchlet::median(*this, d, k);
}
template <class Scalar>
ValuesIndices<Scalar> BasicTensor<Scalar>::mode(std::int64_t d, bool k) const {
  return torchlet::mode(*this, d, k);
}
template <class Scalar>
BasicTensor<bool> BasicTensor<Scalar>::all() const {
  return torchlet::all(*this);
}
template <class Scalar>
BasicTensor<bool> BasicTensor<Scalar>::all(std::int64_t d, bool k) const {
  return torchlet::all(*this, d, k);
}
template <class Scalar>
BasicTensor<bool> BasicTensor<Scalar>::any() const {
  return torchlet::any(*this);
}
template <class Scalar>
BasicTensor<bool> BasicTensor<Scalar>::any(std::int64_t d, bool k) const {
  return torchlet::any(*this, d, k);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_REDUCTION_EXTRA
#include "torchlet/tensor/members.hpp"
#endif
