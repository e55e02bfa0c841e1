#pragma once
// PyTorch's memory-overlap rule between the tensor an in-place op writes and one of its
// inputs (ATen's get_overlap_status, assert_no_partial_overlap, assert_no_overlap), on
// layouts: a storage's identity, an offset, sizes and strides in elements.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchlet/detail/shape.hpp"

namespace torchlet::detail {

/// Where a tensor's elements lie: its storage (compared by identity only), the offset of its
/// first element and its sizes and strides in elements (empty strides: row-major).
struct MemLayout {
  const void* storage = nullptr;
  std::int64_t offset = 0;
  const Shape* shape = nullptr;
  const std::vector<std::int64_t>* strides = nullptr;
};

/// ATen's MemOverlapStatus: how two tensors' elements share memory.
enum class MemOverlap {
  no,        ///< no element in common
  full,      ///< the same elements in the same order
  partial,   ///< some elements in common, not in the same order
  too_hard,  ///< not decided (a tensor with gaps or repeated elements): PyTorch lets it pass
};

/// The stride of dim d of a layout (row-major if its strides are empty).
inline std::int64_t layout_stride(const MemLayout& l, std::size_t d) {
  if (!l.strides->empty()) return (*l.strides)[d];
  std::int64_t st = 1;
  for (std::size_t k = d + 1; k < l.shape->size(); ++k) st *= (*l.shape)[k];
  return st;
}

/// PyTorch's is_non_overlapping_and_dense: the elements fill [offset, offset + numel) once
/// each, in some order of the dims (dims of size 1 may have any stride).
inline bool non_overlapping_and_dense(const MemLayout& l) {
  if (l.strides->empty()) return true;
  std::vector<std::size_t> perm;  // the dims of size > 1, by increasing stride
  perm.reserve(l.shape->size());
  for (std::size_t d = 0; d < l.shape->size(); ++d)
    if ((*l.shape)[d] > 1) perm.push_back(d);
  std::sort(perm.begin(), perm.end(),
            [&](std::size_t a, std::size_t b) { return (*l.strides)[a] < (*l.strides)[b]; });
  std::int64_t expected = 1;
  for (auto d : perm) {
    if ((*l.strides)[d] != expected) return false;
    expected *= (*l.shape)[d];
  }
  return true;
}

/// ATen's get_overlap_status(a, b) (`same`: a and b are one tensor).
inline MemOverlap overlap_status(const MemLayout& a, const MemLayout& b, bool same = false) {
  if (same) return MemOverlap::full;
  if (a.storage == nullptr || a.storage != b.storage) return MemOverlap::no;
  const std::int64_t na = numel_of(*a.shape), nb = numel_of(*b.shape);
  if (na == 0 || nb == 0) return MemOverlap::no;
  if (!non_overlapping_and_dense(a) || !non_overlapping_and_dense(b)) return MemOverlap::too_hard;
  const std::int64_t a_end = a.offset + na, b_end = b.offset + nb;
  if (a.offset == b.offset && a_end == b_end) {
    bool same_strides = a.shape->size() == b.shape->size();
    for (std::size_t d = 0; same_strides && d < a.shape->size(); ++d)
      same_strides = layout_stride(a, d) == layout_stride(b, d);
    return same_strides ? MemOverlap::full : MemOverlap::partial;
  }
  return a.offset < b_end && b.offset < a_end ? MemOverlap::partial : MemOverlap::no;
}

/// "shape [3, 3], strides [1, 3], storage offset 0"
inline std::string layout_string(const MemLayout& l) {
  std::vector<std::int64_t> st(l.shape->size());
  for (std::size_t d = 0; d < st.size(); ++d) st[d] = layout_stride(l, d);
  return "shape " + to_string(*l.shape) + ", strides " + to_string(st) + ", storage offset " +
         std::to_string(l.offset);
}

/// Throws PyTorch's error for an in-place op `op` whose input shares elements with the tensor
/// it writes: on a partial overlap (ATen's assert_no_partial_overlap, the rule of the
/// elementwise ops and copy_), or with `full_too` also on a full one (assert_no_overlap, the
/// rule of index_put_, index_add_, index_copy_, scatter_, scatter_add_).
inline void check_overlap(const char* op, const MemLayout& written, const MemLayout& input,
                          bool same, bool full_too) {
  const auto lap = overlap_status(written, input, same);
  if (lap == MemOverlap::partial || (full_too && lap == MemOverlap::full))
    throw std::invalid_argument(
        std::string(op) +
        ": unsupported operation: some elements of the input tensor and the written-to tensor "
        "refer to a single memory location. Please clone() the tensor before performing the "
        "operation. (written-to tensor: " +
        layout_string(written) + "; input: " + layout_string(input) + ")");
}

}  // namespace torchlet::detail
