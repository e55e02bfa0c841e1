#pragma once
// data::transform(dataset, fn): a lazy per-sample map - sample i is fn(dataset[i]),
// computed when read (libtorch's dataset.map(transform), torchdata's .map). Works on
// map-style datasets (size() and operator[]) and on iterable ones (begin()/end()).
//
//   auto scaled = data::transform(ds, [](std::pair<Tensor, std::int64_t> s) {
//     return std::pair{s.first * 2.0f, s.second};
//   });
//
// Holds an lvalue dataset by reference, an rvalue one by value. `fn` must be callable on
// a const TransformDataset (DataLoader workers call it from several threads at once).
#include <cstddef>
#include <functional>
#include <iterator>
#include <type_traits>
#include <utility>

#include "torchlet/data/dataset.hpp"

namespace torchlet::data {

/// What data::transform(dataset, fn) returns: a lazy view whose sample i is fn(dataset[i])
/// (or, for an iterable dataset, whose items are fn(item)).
template <class D, class F>
class TransformDataset {
  using dataset_type = std::remove_reference_t<D>;
  // What dataset_ is inside a const member function.
  using held_type = std::conditional_t<std::is_reference_v<D>, dataset_type, const dataset_type>;
  static_assert(Dataset<dataset_type> || IterableDataset<dataset_type>,
                "data::transform: the first argument must be a Dataset (size() and operator[]) or "
                "an iterable "
                "dataset (begin()/end())");

 public:
  /// Holds an lvalue dataset by reference and an rvalue one by value.
  TransformDataset(D&& dataset, F fn) : dataset_(std::forward<D>(dataset)), fn_(std::move(fn)) {}

  // ---- map-style ----
  /// The wrapped dataset's size (map-style datasets only).
  std::size_t size() const requires detail::has_size<held_type> {
    return static_cast<std::size_t>(dataset_.size());
  }
  /// fn(dataset[i]) (map-style datasets only).
  decltype(auto) operator[](std::size_t i) const requires Dataset<dataset_type> {
    return std::invoke(fn_, detail::get_sample(dataset_, i));
  }

  // ---- iterable ----
  /// Iterates an iterable dataset, mapping each item through fn.
  template <class It>
  class iterator {
   public:
    ///@{
    /// Iterator types (C++20 input iterator).
    using value_type =
        std::remove_cvref_t<std::invoke_result_t<const F&, decltype(*std::declval<It&>())>>;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;
    ///@}
    iterator() = default;
    /// Wraps the dataset's iterator.
    iterator(It it, const F* fn) : it_(std::move(it)), fn_(fn) {}
    /// fn(*it).
    decltype(auto) operator*() const { return std::invoke(*fn_, *it_); }
    /// Advances the wrapped iterator.
    iterator& operator++() {
      ++it_;
      return *this;
    }
    /// Advances the wrapped iterator.
    void operator++(int) { ++*this; }
    /// At the wrapped dataset's end.
    template <class S>
    requires(!std::same_as<S, iterator>) friend bool operator==(const iterator& a, const S& end) {
      return !(a.it_ != end);
    }

   private:
    It it_{};
    const F* fn_ = nullptr;
  };
  /// Starts iterating an iterable dataset.
  auto begin() requires IterableDataset<dataset_type> {
    return iterator<decltype(dataset_.begin())>(dataset_.begin(), &fn_);
  }
  /// The wrapped dataset's end.
  auto end() requires IterableDataset<dataset_type> { return dataset_.end(); }

  /// The wrapped dataset.
  const dataset_type& dataset() const noexcept { return dataset_; }

 private:
  D dataset_;
  F fn_;
};

/// A lazy per-sample map of `dataset` by `fn`.
template <class D, class F>
TransformDataset<D, F> transform(D&& dataset, F fn) {
  return TransformDataset<D, F>(std::forward<D>(dataset), std::move(fn));
}

}  // namespace torchlet::data
