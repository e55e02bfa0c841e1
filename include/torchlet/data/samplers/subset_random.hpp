#pragma once
// SubsetRandomSampler: the given indices, in a new random order each pass
// (torch.utils.data.SubsetRandomSampler).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "torchlet/data/detail/pass_iterator.hpp"
#include "torchlet/data/detail/random_order.hpp"

namespace torchlet::data {

/// torch.utils.data.SubsetRandomSampler: the given indices in a new random order each pass.
class SubsetRandomSampler {
 public:
  /// `seed`: of the sampler's own generator (advancing from pass to pass); unset: each
  /// pass draws its seed from torchlet's default generator.
  explicit SubsetRandomSampler(std::vector<std::size_t> indices,
                               std::optional<std::uint64_t> seed = std::nullopt)
      : indices_(std::make_shared<const std::vector<std::size_t>>(std::move(indices))) {
    if (seed) gen_.emplace(*seed);
  }

  /// Starts a pass (a fresh shuffle).
  auto begin() {
    return detail::PassIterator<State>(std::make_shared<State>(indices_, detail::pass_seed(gen_)));
  }
  /// The end of a pass.
  std::default_sentinel_t end() const noexcept { return {}; }
  /// Number of indices.
  std::size_t size() const noexcept { return indices_->size(); }
  /// The indices, in the order given.
  const std::vector<std::size_t>& indices() const noexcept { return *indices_; }

 private:
  struct State {
    State(std::shared_ptr<const std::vector<std::size_t>> idx, std::uint64_t seed)
        : indices(std::move(idx)), perm(indices->size(), seed) {}
    bool next(std::size_t& index) {
      if (k == indices->size()) return false;
      ++k;
      index = (*indices)[perm.next()];
      return true;
    }
    std::shared_ptr<const std::vector<std::size_t>> indices;
    detail::LazyPermutation perm;
    std::size_t k = 0;
  };
  std::shared_ptr<const std::vector<std::size_t>> indices_;
  std::optional<Generator> gen_;
};

}  // namespace torchlet::data
