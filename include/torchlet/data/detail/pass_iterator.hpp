#pragma once
// PassIterator<State>: the input iterator of one pass of a sampler whose indices are made
// on the fly by State::next(std::size_t&) (false at the end). Copies share the pass, like
// Python's iterator objects.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "torchlet/tensor/random.hpp"

namespace torchlet::data::detail {

template <class State>
class PassIterator {
 public:
  using value_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::input_iterator_tag;

  PassIterator() = default;
  explicit PassIterator(std::shared_ptr<State> state) : state_(std::move(state)) { ++*this; }
  std::size_t operator*() const { return value_; }
  PassIterator& operator++() {
    done_ = !state_->next(value_);
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const PassIterator& it, std::default_sentinel_t) { return it.done_; }

 private:
  std::shared_ptr<State> state_;
  std::size_t value_ = 0;
  bool done_ = true;
};

/// Indices [0, n) in a uniformly random order, drawn lazily (Fisher-Yates, one swap per
/// index); after n indices it continues with a fresh permutation.
class LazyPermutation {
 public:
  LazyPermutation(std::size_t n, std::uint64_t seed) : gen_(seed), perm_(n) {
    for (std::size_t i = 0; i < n; ++i) perm_[i] = i;
  }
  std::size_t next() {
    const std::size_t n = perm_.size(), j = k_++ % n;
    const std::size_t r = j + static_cast<std::size_t>(gen_.randint(n - j));
    std::swap(perm_[j], perm_[r]);
    return perm_[j];
  }

 private:
  Generator gen_;
  std::vector<std::size_t> perm_;
  std::size_t k_ = 0;
};

/// The seed of one pass of a random sampler: from the sampler's own generator when it
/// was given a seed (so passes differ but replay), else from torchlet's default
/// generator (so torch.manual_seed-style seeding applies), as PyTorch's samplers do.
inline std::uint64_t pass_seed(std::optional<Generator>& own) {
  return own ? own->next() : default_generator().next();
}

}  // namespace torchlet::data::detail
