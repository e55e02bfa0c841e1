#pragma once
// PyTorch's x[...] reads and writes: torchlet::indexing (Slice, None, Ellipsis, TensorIndex,
// as libtorch's torch::indexing), x.index({...}), x.index_put_({...}, v) (accumulate, a
// scalar or a broadcast tensor) and index_put, with PyTorch's gradients and in-place autograd
// rules (the index types: tensor/tensor_index.hpp; masked_select, masked_fill_, ...:
// tensor/masked.hpp).
//
//   x[1, ..., None]           x.index({1, Ellipsis, None})
//   x[:, 0::2]                x.index({Slice(), Slice(0, None, 2)})
//   x[mask] = v               x.index_put_({mask}, v)
//   x[rows, cols] += v        x.index_put_({rows, cols}, v, true)  (accumulate)
//
// A read with basic indices only (ints, 0-D int64 tensors, slices, None, Ellipsis) returns a
// VIEW sharing x's storage, with PyTorch's strides and storage offset (x[:, 0::2] has stride
// 2 * x.stride(1)), so x.index({Slice(), Slice(0, None, 2)}).copy_(v) writes into x (CopySlices
// on a non-leaf, PyTorch's error on a view of a leaf that requires grad). Its grad_fn is named
// after the last view op PyTorch's applySlicing takes (SelectBackward0, SliceBackward0,
// UnsqueezeBackward0, AliasBackward0 when none). A read with an index tensor or a mask
// (including true / false) is a copy (IndexBackward0), as in PyTorch; index_put_ with basic
// indices copies into that view (CopySlices, as PyTorch's setitem), with an index tensor or a
// mask, or accumulate, it records IndexPutBackward0.
// Such an index list is resolved to the element offsets of x it names
// (tensor/detail/index_plan.hpp).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_ADVANCED_INDEXING
#endif

#include <vector>

#include "torchlet/tensor/detail/index_plan.hpp"
#include "torchlet/tensor/detail/strided_view.hpp"
#include "torchlet/tensor/tensor_index.hpp"

namespace torchlet {

/// torch.index_put_(x, indices, values, accumulate) and x[indices] = values: writes values
/// (broadcast to the indexed shape, after dropping its leading size-1 dims as PyTorch's
/// setitem does; torch.index_put_ itself refuses them) into x at every place the index list names;
/// any TensorIndex form is accepted (x[:, 0::2] = v is x.index_put_({Slice(), Slice(0, None, 2)},
/// v)). accumulate = true adds instead, and repeated places then receive every value; without it,
/// where an index repeats a place the last write (in row-major order of the indexed shape) wins
/// (PyTorch leaves that order unspecified). Autograd as PyTorch's in-place ops: rejected on
/// a leaf that requires grad; x's gradient is zero at the overwritten places, values' the
/// gradient there (summed over broadcast dims). Returns x.
template <class Scalar>
const BasicTensor<Scalar>& index_put_(const BasicTensor<Scalar>& x,
                                      const std::vector<indexing::TensorIndex>& indices,
                                      const BasicTensor<Scalar>& values, bool accumulate = false) {
  if (!accumulate && detail::basic_index_list(indices)) {
    // libtorch's x.index_put_({Slice(), 1}, v) and Python's x[:, 1] = v: a copy_ into the
    // view the indices name (CopySlices on a non-leaf) of values expanded to its shape, as
    // setitem copies (so x[0:2] = x[1] is no partial overlap), checked as the general path
    // (the view's geometry only: no offset of every written element).
    const auto geometry = detail::basic_index_geometry(
        "index_put_", detail::Geometry{x.shape(), x.stride(), 0}, indices,
        detail::check_index_list("index_put_", x.shape(), indices));
    detail::check_index_put_overlap("index_put_", x, indices, values, accumulate);
    const Shape vs = detail::put_value_shape("index_put_", geometry.shape, values.shape());
    detail::check_inplace("index_put_", x, values.requires_grad());
    auto view = x.index(indices);
    const auto v = vs == values.shape() ? values : values.reshape(vs);
    view.copy_(v.shape() == view.shape() ? v : v.expand(view.shape()));
    return x;
  }
  auto plan = detail::make_index_plan("index_put_", x.shape(), indices);
  detail::check_index_put_overlap("index_put_", x, indices, values, accumulate);
  detail::put_offsets("index_put_", "IndexPutBackward0", x, plan, values, accumulate);
  return x;
}
/// x[indices] = value (or += value with accumulate) for a number.
template <class Scalar, detail::ScalarFor<Scalar> S>
const BasicTensor<Scalar>& index_put_(const BasicTensor<Scalar>& x,
                                      const std::vector<indexing::TensorIndex>& indices, S value,
                                      bool accumulate = false) {
  return index_put_(x, indices, scalar_tensor<Scalar>(static_cast<Scalar>(value)), accumulate);
}
/// torch.index_put(x, indices, values, accumulate): index_put_ on a copy of x.
template <class Scalar>
BasicTensor<Scalar> index_put(const BasicTensor<Scalar>& x,
                              const std::vector<indexing::TensorIndex>& indices,
                              const BasicTensor<Scalar>& values, bool accumulate = false) {
  auto out = x.clone();
  index_put_(out, indices, values, accumulate);
  return out;
}
/// torch.index_put(x, indices, value, accumulate) for a number.
template <class Scalar, detail::ScalarFor<Scalar> S>
BasicTensor<Scalar> index_put(const BasicTensor<Scalar>& x,
                              const std::vector<indexing::TensorIndex>& indices, S value,
                              bool accumulate = false) {
  return index_put(x, indices, scalar_tensor<Scalar>(static_cast<Scalar>(value)), accumulate);
}

// ---- methods ----------------------------------------------------------------------

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::index(
    const std::vector<indexing::TensorIndex>& indices) const {
  if (detail::basic_index_list(indices)) {  // a view, as PyTorch's basic indexing
    const std::int64_t consumed = detail::check_index_list("index", shape(), indices);
    const char* name = nullptr;
    detail::basic_index_geometry("index", detail::Geometry{shape(), stride(), 0}, indices, consumed,
                                 &name);
    return detail::strided_view(name, *this, [&](const detail::Geometry& in) {
      return detail::basic_index_geometry("index", in, indices, consumed);
    });
  }
  return detail::take_offsets("IndexBackward0", *this,
                              detail::make_index_plan("index", shape(), indices));
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::index_put_(
    const std::vector<indexing::TensorIndex>& indices, const BasicTensor& values,
    bool accumulate) const {
  return torchlet::index_put_(*this, indices, values, accumulate);
}
template <class Scalar>
const BasicTensor<Scalar>& BasicTensor<Scalar>::index_put_(
    const std::vector<indexing::TensorIndex>& indices, Scalar value, bool accumulate) const {
  return torchlet::index_put_(*this, indices, value, accumulate);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::index_put(
    const std::vector<indexing::TensorIndex>& indices, const BasicTensor& values,
    bool accumulate) const {
  return torchlet::index_put(*this, indices, values, accumulate);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::index_put(
    const std::vector<indexing::TensorIndex>& indices, Scalar value, bool accumulate) const {
  return torchlet::index_put(*this, indices, value, accumulate);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_ADVANCED_INDEXING
#include "torchlet/tensor/members.hpp"
#endif
