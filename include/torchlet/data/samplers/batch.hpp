#pragma once
// BatchSampler: groups the indices of a sampler into lists of batch_size
// (torch.utils.data.BatchSampler); the last list is shorter, or dropped with drop_last.
//
//   for (const std::vector<std::size_t>& batch : data::BatchSampler(data::SequentialSampler(10), 3,
//   false))
//     -> [0, 1, 2] [3, 4, 5] [6, 7, 8] [9]
//
// Holds an lvalue sampler by reference and an rvalue one by value.
#include <cstddef>
#include <iterator>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/data/samplers/concepts.hpp"

namespace torchlet::data {

/// torch.utils.data.BatchSampler: groups a sampler's indices into lists of batch_size
/// (the last one shorter unless drop_last).
template <class S>
class BatchSampler {
  static_assert(Sampler<std::remove_reference_t<S>>,
                "BatchSampler<S>: S must be a Sampler (begin()/end() over integer indices)");
  using sampler_type = std::remove_reference_t<S>;
  using inner_iterator = decltype(std::declval<sampler_type&>().begin());
  using inner_sentinel = decltype(std::declval<sampler_type&>().end());

 public:
  /// Holds an lvalue sampler by reference and an rvalue one by value; batch_size > 0.
  BatchSampler(S&& sampler, std::size_t batch_size, bool drop_last)
      : sampler_(std::forward<S>(sampler)), batch_size_(batch_size), drop_last_(drop_last) {
    if (batch_size == 0)
      throw std::invalid_argument(
          "BatchSampler: batch_size should be a positive integer value, but got batch_size=0");
  }

  /// Yields one std::vector<std::size_t> of indices per batch.
  class iterator {
   public:
    ///@{
    /// Iterator types (C++20 input iterator).
    using value_type = std::vector<std::size_t>;
    using reference = const std::vector<std::size_t>&;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;
    ///@}
    iterator() = default;
    /// The current batch of indices.
    reference operator*() const { return batch_; }
    /// Gathers the next batch.
    iterator& operator++() {
      batch_.clear();
      while (batch_.size() < size_ && it_ != end_) {
        batch_.push_back(detail::to_index(*it_, "BatchSampler"));
        ++it_;
      }
      done_ = batch_.empty() || (drop_last_ && batch_.size() < size_);
      return *this;
    }
    /// Gathers the next batch.
    void operator++(int) { ++*this; }
    /// True after the last batch.
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.done_; }

   private:
    friend class BatchSampler;
    iterator(inner_iterator it, inner_sentinel end, std::size_t size, bool drop_last)
        : it_(std::move(it)), end_(std::move(end)), size_(size), drop_last_(drop_last) {
      batch_.reserve(size);
      ++*this;
    }
    inner_iterator it_{};
    inner_sentinel end_{};
    std::vector<std::size_t> batch_;
    std::size_t size_ = 0;
    bool drop_last_ = false, done_ = true;
  };

  /// Starts a pass of the underlying sampler.
  iterator begin() { return iterator(sampler_.begin(), sampler_.end(), batch_size_, drop_last_); }
  /// The end of a pass.
  std::default_sentinel_t end() const noexcept { return {}; }

  /// Number of batches per pass; throws std::logic_error if the sampler's length is unknown.
  std::size_t size() const {
    const auto n = detail::size_of(sampler_);
    if (!n) throw std::logic_error("BatchSampler: size(): the sampler has no size()");
    return drop_last_ ? *n / batch_size_ : (*n + batch_size_ - 1) / batch_size_;
  }
  /// Indices per batch.
  std::size_t batch_size() const noexcept { return batch_size_; }
  /// Whether a last, shorter batch is dropped.
  bool drop_last() const noexcept { return drop_last_; }
  /// The wrapped sampler.
  sampler_type& sampler() noexcept { return sampler_; }

 private:
  S sampler_;
  std::size_t batch_size_;
  bool drop_last_;
};

template <class S>
BatchSampler(S&&, std::size_t, bool) -> BatchSampler<S>;

}  // namespace torchlet::data
