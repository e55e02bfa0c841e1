#pragma once
// SequentialSampler: indices 0, 1, ..., n-1 in order (torch.utils.data.SequentialSampler).
#include <cstddef>
#include <iterator>

#include "torchlet/data/dataset.hpp"

namespace torchlet::data {

/// torch.utils.data.SequentialSampler: 0, 1, ..., n - 1.
class SequentialSampler {
 public:
  /// Indices 0 .. n - 1.
  explicit SequentialSampler(std::size_t n) : n_(n) {}
  /// Over every sample of `dataset` (its size now).
  template <class D>
  requires Dataset<const D>
  explicit SequentialSampler(const D& dataset) : n_(static_cast<std::size_t>(dataset.size())) {}

  /// A counting iterator.
  class iterator {
   public:
    ///@{
    /// Iterator types (C++20 forward iterator).
    using value_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::forward_iterator_tag;
    ///@}
    iterator() = default;
    /// At index i.
    explicit iterator(std::size_t i) : i_(i) {}
    /// The current index.
    std::size_t operator*() const { return i_; }
    /// The next index.
    iterator& operator++() {
      ++i_;
      return *this;
    }
    /// The next index (post-increment).
    iterator operator++(int) { return iterator(i_++); }
    /// Same position.
    friend bool operator==(const iterator&, const iterator&) = default;

   private:
    std::size_t i_ = 0;
  };
  /// Index 0.
  iterator begin() const { return iterator(0); }
  /// Index n.
  iterator end() const { return iterator(n_); }
  /// len(sampler)
  std::size_t size() const noexcept { return n_; }

 private:
  std::size_t n_;
};

}  // namespace torchlet::data
