#pragma once
// DistributedSampler: the share of one process (rank) among num_replicas, so that each
// rank reads a different part of the dataset and every rank gets the same number of
// indices (torch.utils.data.distributed.DistributedSampler):
//   - shuffle: a permutation seeded with seed + epoch (call set_epoch(e) before each
//     epoch, or every epoch has the same order), identical on every rank;
//   - drop_last = false: the list is padded with its own first indices up to a multiple
//     of num_replicas; drop_last = true: the tail that does not divide evenly is dropped;
//   - rank r takes every num_replicas-th index starting at r.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchlet/data/dataset.hpp"
#include "torchlet/data/detail/pass_iterator.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet::data {

/// DistributedSampler's options, in PyTorch's argument order.
struct DistributedSamplerOptions {
  std::size_t num_replicas = 1;  ///< Number of processes (replicas) the dataset is split between.
  std::size_t rank = 0;          ///< This replica's rank, in [0, num_replicas).
  bool shuffle = true;           ///< Shuffle (seeded with seed + epoch) before splitting.
  std::uint64_t seed = 0;        ///< Base seed of the shuffle; the same on every replica.
  bool drop_last = false;  ///< Drop the tail that does not divide evenly, instead of padding by
                           ///< repeating indices.
};

/// torch.utils.data.DistributedSampler: this rank's share of the indices (every num_replicas-th
/// of the (shuffled, padded) list, starting at rank).
class DistributedSampler {
 public:
  /// For a dataset of n samples.
  DistributedSampler(std::size_t n, DistributedSamplerOptions options) : n_(n), o_(options) {
    if (o_.num_replicas == 0)
      throw std::invalid_argument(
          "DistributedSampler: num_replicas should be a positive integer, but got 0");
    if (o_.rank >= o_.num_replicas)
      throw std::invalid_argument("DistributedSampler: invalid rank " + std::to_string(o_.rank) +
                                  ", rank should be in the interval [0, " +
                                  std::to_string(o_.num_replicas - 1) + "]");
    const std::size_t r = o_.num_replicas;
    if (o_.drop_last && n % r != 0)
      num_samples_ = n >= r ? (n - 1) / r : 0;  // PyTorch's ceil((n - r) / r), at least 0
    else
      num_samples_ = (n + r - 1) / r;  // ceil(n / r)
  }
  /// For a dataset's size().
  template <class D>
  requires Dataset<const D> DistributedSampler(const D& dataset, DistributedSamplerOptions options)
      : DistributedSampler(static_cast<std::size_t>(dataset.size()), options) {}

  /// The epoch seeds this pass's shuffle (seed + epoch): call it at the start of each epoch.
  void set_epoch(std::uint64_t epoch) noexcept { epoch_ = epoch; }
  /// The epoch set by set_epoch.
  std::uint64_t epoch() const noexcept { return epoch_; }

  /// This rank's indices for the current epoch.
  std::vector<std::size_t> indices() const {
    std::vector<std::size_t> all(n_);
    for (std::size_t i = 0; i < n_; ++i) all[i] = i;
    if (o_.shuffle) {
      Generator g(o_.seed + epoch_);
      for (std::size_t i = n_; i > 1; --i)
        std::swap(all[i - 1], all[static_cast<std::size_t>(g.randint(i))]);
    }
    const std::size_t total = num_samples_ * o_.num_replicas;
    if (all.size() < total) {  // pad with the list's own head, cycling if needed
      const std::size_t len = all.size();
      for (std::size_t k = 0; all.size() < total; ++k) all.push_back(all[k % len]);
    }
    all.resize(total);
    std::vector<std::size_t> mine;
    mine.reserve(num_samples_);
    for (std::size_t i = o_.rank; i < total; i += o_.num_replicas) mine.push_back(all[i]);
    return mine;
  }

  /// Starts a pass over this rank's indices.
  auto begin() const {
    return detail::PassIterator<State>(std::make_shared<State>(State{indices()}));
  }
  /// The end of a pass.
  std::default_sentinel_t end() const noexcept { return {}; }
  /// Indices per pass on this rank (the same on every rank).
  std::size_t size() const noexcept { return num_samples_; }
  /// The options given.
  const DistributedSamplerOptions& options() const noexcept { return o_; }

 private:
  struct State {
    std::vector<std::size_t> indices;
    std::size_t k = 0;
    bool next(std::size_t& index) {
      if (k == indices.size()) return false;
      index = indices[k++];
      return true;
    }
  };
  std::size_t n_;
  DistributedSamplerOptions o_;
  std::size_t num_samples_ = 0;
  std::uint64_t epoch_ = 0;
};

}  // namespace torchlet::data
