#pragma once
// Random orders for the random samplers: LazyPermutation and the seed of one pass.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet::data::detail {

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
  return own ? own->next() : detail::locked_next(default_generator());
}

}  // namespace torchlet::data::detail
