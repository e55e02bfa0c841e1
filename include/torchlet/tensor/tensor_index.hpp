#pragma once
// torchlet::indexing, as libtorch's torch::indexing: the entries of an index list x.index({...})
// and x.index_put_({...}, v) take (tensor/advanced_indexing.hpp): None, Ellipsis, Slice and
// TensorIndex, built implicitly from each of them, an integer, a bool or an index tensor.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_TENSOR_INDEX
#endif

#include <concepts>
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

#include "torchlet/tensor/basic_tensor.hpp"

namespace torchlet {
namespace indexing {

/// torch::indexing::None: a new dim of size 1 (Python's None / numpy.newaxis in x[...]).
inline constexpr std::nullopt_t None = std::nullopt;

/// The type of Ellipsis.
struct EllipsisIndexType {};
/// torch::indexing::Ellipsis: as many full slices as the other indices leave (Python's ...).
inline constexpr EllipsisIndexType Ellipsis{};

/// torch::indexing::Slice(start, stop, step): Python's start:stop:step; each end may be None
/// (the whole dim), negative ends count from the end and are clamped to the dim, as in
/// Python; step must be positive (as PyTorch requires).
class Slice {
 public:
  /// Slice() is `:`, Slice(a, None) is `a:`, Slice(None, b) is `:b`, Slice(a, b, s) `a:b:s`.
  Slice(std::optional<std::int64_t> start = std::nullopt,
        std::optional<std::int64_t> stop = std::nullopt,
        std::optional<std::int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step) {}
  /// The start, or None.
  std::optional<std::int64_t> start() const { return start_; }
  /// The stop, or None.
  std::optional<std::int64_t> stop() const { return stop_; }
  /// The step, or None (1).
  std::optional<std::int64_t> step() const { return step_; }

 private:
  std::optional<std::int64_t> start_, stop_, step_;
};

/// torch::indexing::TensorIndex: one entry of an index list, built implicitly from an
/// integer, a Slice, None, Ellipsis, a bool, a LongTensor (int64 indices) or a BoolTensor
/// (a mask), so that `x.index({Slice(), 0, mask})` reads like `x[:, 0, mask]`.
class TensorIndex {
 public:
  // The constructors are implicit on purpose: braces build an index list.
  /// None: a new dim of size 1.
  TensorIndex(std::nullopt_t) : v_(std::nullopt) {}
  /// Ellipsis.
  TensorIndex(EllipsisIndexType) : v_(EllipsisIndexType{}) {}
  /// An integer: selects one position of a dim, removing it (negative counts from the end).
  template <std::integral I>
  requires(!std::same_as<I, bool>) TensorIndex(I i) : v_(static_cast<std::int64_t>(i)) {}
  /// true / false: as a 0-D BoolTensor (a new dim of size 1 or 0).
  TensorIndex(bool b) : v_(BasicTensor<bool>::empty({})) {
    std::get<BasicTensor<bool>>(v_).data()[0] = b;
  }
  /// A Slice.
  TensorIndex(Slice s) : v_(s) {}
  /// An int64 index tensor (advanced indexing: index tensors broadcast together; a 0-D one
  /// selects, as an integer).
  TensorIndex(BasicTensor<std::int64_t> t) : v_(std::move(t)) {}
  /// A bool mask over the next mask.dim() dims (as its nonzero() coordinates).
  TensorIndex(BasicTensor<bool> m) : v_(std::move(m)) {}
  /// A tensor of another dtype: accepted here, rejected when the index is used (PyTorch:
  /// "tensors used as indices must be long, byte or bool tensors").
  template <class U>
  requires(!std::same_as<U, std::int64_t> && !std::same_as<U, bool>)
      TensorIndex(const BasicTensor<U>&)
      : v_(BadDtype{dtype_name<U>()}) {}

  /// Whether this is None.
  bool is_none() const { return std::holds_alternative<std::nullopt_t>(v_); }
  /// Whether this is Ellipsis.
  bool is_ellipsis() const { return std::holds_alternative<EllipsisIndexType>(v_); }
  /// Whether this is an integer.
  bool is_integer() const { return std::holds_alternative<std::int64_t>(v_); }
  /// Whether this is a Slice.
  bool is_slice() const { return std::holds_alternative<Slice>(v_); }
  /// Whether this is an int64 index tensor.
  bool is_tensor() const { return std::holds_alternative<BasicTensor<std::int64_t>>(v_); }
  /// Whether this is a bool mask (or true / false).
  bool is_bool_tensor() const { return std::holds_alternative<BasicTensor<bool>>(v_); }
  /// The integer (throws std::bad_variant_access if this is not one).
  std::int64_t integer() const { return std::get<std::int64_t>(v_); }
  /// The Slice.
  const Slice& slice() const { return std::get<Slice>(v_); }
  /// The int64 index tensor.
  const BasicTensor<std::int64_t>& tensor() const {
    return std::get<BasicTensor<std::int64_t>>(v_);
  }
  /// The bool mask.
  const BasicTensor<bool>& bool_tensor() const { return std::get<BasicTensor<bool>>(v_); }
  /// The dtype name of an index tensor of an unsupported dtype, or nullptr.
  const char* unsupported_dtype() const {
    const auto* b = std::get_if<BadDtype>(&v_);
    return b ? b->name : nullptr;
  }

 private:
  struct BadDtype {
    const char* name;
  };
  std::variant<std::nullopt_t, EllipsisIndexType, std::int64_t, Slice, BasicTensor<std::int64_t>,
               BasicTensor<bool>, BadDtype>
      v_;
};

}  // namespace indexing

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_TENSOR_INDEX
#include "torchlet/tensor/members.hpp"
#endif
