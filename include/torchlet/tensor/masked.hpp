#pragma once
// PyTorch's masked ops, with their gradients and in-place autograd rules: masked_fill (and in
// place), masked_select, masked_scatter_ and masked_scatter (the mask broadcast to x's shape;
// x[mask] reads and writes are x.index({mask}) and x.index_put_({mask}, v),
// tensor/advanced_indexing.hpp).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_MASKED
#endif

#include <cstdint>
#include <string>

#include "torchlet/tensor/comparison.hpp"
#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/detail/index_plan.hpp"

namespace torchlet {

/// torch.masked_fill(x, mask, value): x with `value` where mask holds; mask broadcasts to
/// x's shape (the result keeps x's shape). value may be a scalar or a 0-D tensor (which
/// then receives the sum of the gradient at the filled places).
template <class Scalar>
BasicTensor<Scalar> masked_fill(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask,
                                const BasicTensor<Scalar>& value) {
  if (value.dim() != 0)
    throw ShapeError("masked_fill: value must be a 0-D tensor, got shape " +
                     to_string(value.shape()));
  Shape os;
  try {
    os = detail::broadcast_shapes("masked_fill", x.shape(), mask.shape());
  } catch (const ShapeError&) {
    os = {};
  }
  if (os != x.shape() || (x.dim() == 0 && mask.dim() != 0))
    throw ShapeError("masked_fill: mask of shape " + to_string(mask.shape()) +
                     " does not broadcast to the input's shape " + to_string(x.shape()));
  return where(mask, value, x);
}
/// torch.masked_fill(x, mask, value) with a scalar value. The result keeps x's type, value
/// converted to it as PyTorch converts it (a LongTensor with -2.7 writes -2: truncated toward
/// zero), where torch.where with a number promotes.
template <class Scalar, detail::ScalarFor<Scalar> S>
BasicTensor<Scalar> masked_fill(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask,
                                S value) {
  return masked_fill(x, mask, scalar_tensor<Scalar>(static_cast<Scalar>(value)));
}

/// torch.masked_select(x, mask): the 1-D tensor of x's elements where mask holds (x and mask
/// broadcast together), in row-major order. The gradient adds back at those places.
template <class Scalar>
BasicTensor<Scalar> masked_select(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask) {
  return detail::take_offsets("MaskedSelectBackward0", x,
                              detail::mask_plan("masked_select", x.shape(), mask, true));
}

/// x.masked_fill_(mask, value): writes value where mask (broadcast to x's shape) holds. value:
/// a number or a 0-D tensor (which receives the sum of the gradient at the filled places).
template <class Scalar>
const BasicTensor<Scalar>& masked_fill_(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask,
                                        const BasicTensor<Scalar>& value) {
  if (value.dim() != 0)
    throw ShapeError("masked_fill_: value must be a 0-D tensor, got shape " +
                     to_string(value.shape()));
  // A BoolTensor's mask may share its storage: PyTorch's partial-overlap rule.
  if constexpr (std::is_same_v<Scalar, bool>)
    detail::check_no_partial_overlap("masked_fill_", x, mask);
  detail::put_offsets("masked_fill_", "MaskedFillBackward0", x,
                      detail::mask_plan("masked_fill_", x.shape(), mask, false), value, false);
  return x;
}
/// x.masked_fill_(mask, value) with a number.
template <class Scalar, detail::ScalarFor<Scalar> S>
const BasicTensor<Scalar>& masked_fill_(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask,
                                        S value) {
  return masked_fill_(x, mask, scalar_tensor<Scalar>(static_cast<Scalar>(value)));
}

/// x.masked_scatter_(mask, source): copies source's first k elements (row-major, k = the
/// number of places where mask, broadcast to x's shape, holds) into those places in order.
/// source needs at least k elements. Gradients: x's is zero at the written places; source's
/// holds the gradient there in its first k elements, zero after.
template <class Scalar>
const BasicTensor<Scalar>& masked_scatter_(const BasicTensor<Scalar>& x,
                                           const BasicTensor<bool>& mask,
                                           const BasicTensor<Scalar>& source) {
  auto plan = detail::mask_plan("masked_scatter_", x.shape(), mask, false);
  const std::int64_t k = plan.shape[0];
  if (source.numel() < k)
    throw ShapeError(
        "masked_scatter_: source must have at least as many elements as mask has "
        "true entries (" +
        std::to_string(k) + "), got source of shape " + to_string(source.shape()) + " with " +
        std::to_string(source.numel()) + " elements");
  const auto flat = source.reshape({-1});
  detail::put_offsets("masked_scatter_", "MaskedScatterBackward0", x, plan,
                      k == flat.numel() ? flat : flat.slice(0, 0, k), false);
  return x;
}
/// torch.masked_scatter(x, mask, source): masked_scatter_ on a copy of x broadcast with mask.
template <class Scalar>
BasicTensor<Scalar> masked_scatter(const BasicTensor<Scalar>& x, const BasicTensor<bool>& mask,
                                   const BasicTensor<Scalar>& source) {
  const Shape os = detail::broadcast_shapes("masked_scatter", x.shape(), mask.shape());
  BasicTensor<Scalar> out;
  if (os == x.shape()) {
    out = x.clone();
  } else {
    // x expanded to os: every element of os at its x offset (the gradient sums back).
    std::vector<std::int64_t> offs;
    const Shape& xs = x.shape();
    detail::for_each_broadcast<1>(
        os, {&xs},
        [&](std::int64_t, const std::array<std::int64_t, 1>& o) { offs.push_back(o[0]); });
    out = detail::take_offsets(
        "ExpandBackward0", x,
        detail::IndexPlan{os, std::make_shared<const std::vector<std::int64_t>>(std::move(offs))});
  }
  masked_scatter_(out, mask, source);
  return out;
}

// ---- methods ----------------------------------------------------------------------

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::masked_fill(const BasicTensor<bool>& mask,
                                                     Scalar value) const {
  return torchlet::masked_fill(*this, mask, value);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::masked_select(const BasicTensor<bool>& mask) const {
  return torchlet::masked_select(*this, mask);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::masked_fill_(const BasicTensor<bool>& mask,
                                                             Scalar value) const {
  return torchlet::masked_fill_(*this, mask, value);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::masked_fill_(const BasicTensor<bool>& mask,
                                                             const BasicTensor& value) const {
  return torchlet::masked_fill_(*this, mask, value);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::masked_scatter_(const BasicTensor<bool>& mask,
                                                                const BasicTensor& source) const {
  return torchlet::masked_scatter_(*this, mask, source);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::masked_scatter(const BasicTensor<bool>& mask,
                                                        const BasicTensor& source) const {
  return torchlet::masked_scatter(*this, mask, source);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_MASKED
#include "torchlet/tensor/members.hpp"
#endif
