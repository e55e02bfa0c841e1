#pragma once
// WeightedRandomSampler: num_samples indices drawn from [0, len(weights)) with probability
// proportional to weights[i] (torch.utils.data.WeightedRandomSampler).
//   with replacement (default): independent draws (inverse CDF, O(log n) each);
//   without replacement:        a weighted random ordering, cut at num_samples (each next
//                               index drawn in proportion to the weights of those left,
//                               as torch.multinomial(replacement=False) does).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchlet/data/detail/pass_iterator.hpp"
#include "torchlet/data/detail/random_order.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::data {

/// WeightedRandomSampler's options after num_samples.
struct WeightedRandomSamplerOptions {
  bool replacement = true;  ///< Draw with replacement (without: each index at most once).
  /// Seed of the sampler's own generator (advancing from pass to pass); unset: each
  /// pass draws its seed from torchlet's default generator.
  std::optional<std::uint64_t> seed = std::nullopt;
};

/// torch.utils.data.WeightedRandomSampler: num_samples indices drawn with probability
/// proportional to their weights.
class WeightedRandomSampler {
 public:
  /// weights: one non-negative, finite weight per sample (they need not sum to 1).
  WeightedRandomSampler(std::vector<double> weights, std::size_t num_samples,
                        WeightedRandomSamplerOptions options = {})
      : replacement_(options.replacement), num_samples_(num_samples) {
    if (num_samples == 0)
      throw std::invalid_argument(
          "WeightedRandomSampler: num_samples should be a positive integer value, but got "
          "num_samples=0");
    auto cdf = std::make_shared<std::vector<double>>(weights.size());
    double total = 0;
    std::size_t positive = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const double w = weights[i];
      if (!std::isfinite(w) || w < 0)
        throw std::invalid_argument(
            "WeightedRandomSampler: weights must be finite and non-negative, but weights[" +
            std::to_string(i) + "] = " + std::to_string(w));
      positive += w > 0;
      (*cdf)[i] = total += w;
    }
    if (!(total > 0))
      throw std::invalid_argument(
          "WeightedRandomSampler: invalid multinomial distribution (sum of weights <= 0, " +
          std::to_string(weights.size()) + " weights)");
    if (!replacement_ && num_samples > positive)
      throw std::invalid_argument(
          "WeightedRandomSampler: cannot draw num_samples=" + std::to_string(num_samples) +
          " samples without replacement: only " + std::to_string(positive) +
          " weights are positive");
    weights_ = std::make_shared<const std::vector<double>>(std::move(weights));
    cdf_ = std::move(cdf);
    if (options.seed) gen_.emplace(*options.seed);
  }
  /// weights as a 1-D tensor of any arithmetic type.
  template <class T>
  WeightedRandomSampler(const BasicTensor<T>& weights, std::size_t num_samples,
                        WeightedRandomSamplerOptions options = {})
      : WeightedRandomSampler(as_vector(weights), num_samples, options) {}

  /// Starts a pass (fresh draws).
  auto begin() {
    return detail::PassIterator<State>(std::make_shared<State>(*this, detail::pass_seed(gen_)));
  }
  /// The end of a pass.
  std::default_sentinel_t end() const noexcept { return {}; }
  /// num_samples.
  std::size_t size() const noexcept { return num_samples_; }

 private:
  template <class T>
  static std::vector<double> as_vector(const BasicTensor<T>& w) {
    if (w.dim() != 1)
      throw ShapeError("WeightedRandomSampler: weights should be a 1-D tensor, got shape " +
                       to_string(w.shape()));
    return std::vector<double>(w.data(), w.data() + w.numel());
  }

  struct State {
    State(const WeightedRandomSampler& s, std::uint64_t seed)
        : cdf(s.cdf_), total(s.num_samples_), gen(seed) {
      if (s.replacement_) return;
      // Exponential race: index i finishes at time E_i / w_i with E_i ~ Exp(1); the order of
      // finishing is a sequential weighted draw without replacement.
      const auto& w = *s.weights_;
      std::vector<std::pair<double, std::size_t>> keys;
      keys.reserve(w.size());
      for (std::size_t i = 0; i < w.size(); ++i)
        if (w[i] > 0) {
          double u;
          do u = gen.uniform();
          while (u <= 0.0);
          keys.emplace_back(-std::log(u) / w[i], i);
        }
      std::partial_sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(total),
                        keys.end());
      order.resize(total);
      for (std::size_t i = 0; i < total; ++i) order[i] = keys[i].second;
    }
    bool next(std::size_t& index) {
      if (k == total) return false;
      if (!order.empty()) {
        index = order[k++];
        return true;
      }
      ++k;
      const double u = gen.uniform() * cdf->back();
      const auto it = std::upper_bound(cdf->begin(), cdf->end(), u);
      index = std::min(static_cast<std::size_t>(it - cdf->begin()), cdf->size() - 1);
      return true;
    }
    std::shared_ptr<const std::vector<double>> cdf;
    std::size_t total, k = 0;
    Generator gen;
    std::vector<std::size_t> order;  // without replacement: the whole pass
  };

  bool replacement_;
  std::size_t num_samples_;
  std::shared_ptr<const std::vector<double>> weights_, cdf_;
  std::optional<Generator> gen_;
};

}  // namespace torchlet::data
