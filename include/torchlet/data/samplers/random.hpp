#pragma once
// RandomSampler: a random order of the indices [0, n) each pass (torch.utils.data.RandomSampler).
//   without replacement (default): a permutation; with num_samples > n, whole fresh
//                                  permutations follow one another, the last one cut short.
//   with replacement:              num_samples independent uniform draws from [0, n).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "torchlet/data/dataset.hpp"
#include "torchlet/data/detail/pass_iterator.hpp"
#include "torchlet/data/detail/random_order.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet::data {

/// RandomSampler's options, in torch.utils.data.RandomSampler's argument order.
struct RandomSamplerOptions {
  bool replacement =
      false;  ///< Draw with replacement (num_samples draws) instead of a permutation.
  /// Indices per pass; unset: n.
  std::optional<std::size_t> num_samples = std::nullopt;
  /// Seed of the sampler's own generator (PyTorch's `generator`), which then advances from
  /// pass to pass. Unset: each pass draws its seed from torchlet's default generator.
  std::optional<std::uint64_t> seed = std::nullopt;
};

/// torch.utils.data.RandomSampler: a new random permutation of 0 .. n - 1 each pass (or
/// num_samples draws with replacement).
class RandomSampler {
 public:
  /// For n samples.
  explicit RandomSampler(std::size_t n, RandomSamplerOptions options = {})
      : n_(n), replacement_(options.replacement), num_samples_(options.num_samples.value_or(n)) {
    if (num_samples_ == 0)
      throw std::invalid_argument(
          "RandomSampler: num_samples should be a positive integer value, but got num_samples=0" +
          std::string(n == 0 ? " (the dataset is empty)" : ""));
    if (n == 0)
      throw std::invalid_argument("RandomSampler: cannot draw num_samples=" +
                                  std::to_string(num_samples_) + " indices from an empty dataset");
    if (options.seed) gen_.emplace(*options.seed);
  }
  /// For a dataset's size().
  template <class D>
  requires Dataset<const D>
  explicit RandomSampler(const D& dataset, RandomSamplerOptions options = {})
      : RandomSampler(static_cast<std::size_t>(dataset.size()), options) {}

  /// Starts a pass: a new random order.
  auto begin() {
    return detail::PassIterator<State>(
        std::make_shared<State>(n_, num_samples_, replacement_, detail::pass_seed(gen_)));
  }
  /// The end of a pass.
  std::default_sentinel_t end() const noexcept { return {}; }
  /// len(sampler): num_samples.
  std::size_t size() const noexcept { return num_samples_; }
  /// Whether indices are drawn with replacement.
  bool replacement() const noexcept { return replacement_; }

 private:
  struct State {
    State(std::size_t n, std::size_t total, bool replacement, std::uint64_t seed)
        : n(n), total(total), replacement(replacement), gen(seed) {
      if (!replacement) perm.emplace(n, gen.next());
    }
    bool next(std::size_t& index) {
      if (k == total) return false;
      ++k;
      index = perm ? perm->next() : static_cast<std::size_t>(gen.randint(n));
      return true;
    }
    std::size_t n, total, k = 0;
    bool replacement;
    Generator gen;
    std::optional<detail::LazyPermutation> perm;
  };

  std::size_t n_;
  bool replacement_;
  std::size_t num_samples_;
  std::optional<Generator> gen_;
};

}  // namespace torchlet::data
