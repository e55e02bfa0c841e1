#pragma once
// data::DataLoader: an iterable over batches of a Dataset. begin() starts an epoch
// (a new shuffle) and returns a fresh input iterator; a batch is loaded only when the
// iterator reaching it is dereferenced, so *loader.begin() - Python's
// next(iter(loader)) - reads exactly one batch. There is no operator[]: like
// PyTorch's DataLoader, it is an iterable, not a sequence.
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchlet/data/collate.hpp"
#include "torchlet/data/dataset.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet::data {

/// Fields in the order of torch.utils.data.DataLoader's arguments.
struct DataLoaderOptions {
  std::size_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;
  /// Seed of the loader's own generator; unset: drawn from torchlet's default generator.
  std::optional<std::uint64_t> seed = std::nullopt;
};

template <class D>
class DataLoader {
  static_assert(Dataset<std::remove_reference_t<D>>,
                "DataLoader<D>: D must be a Dataset: size() convertible to std::size_t and operator[](std::size_t)");

 public:
  using dataset_type = std::remove_reference_t<D>;
  using sample_type = sample_t<dataset_type>;
  using batch_type = collate_t<sample_type>;

  /// Holds an lvalue dataset by reference and an rvalue one by value.
  template <class U>
    requires std::constructible_from<D, U&&>
  DataLoader(U&& dataset, DataLoaderOptions options = {})
      : dataset_(std::forward<U>(dataset)), options_(options),
        gen_(options.seed ? *options.seed : default_generator().next()) {
    if (options_.batch_size == 0) throw std::invalid_argument("DataLoader: batch_size should be a positive integer, got 0");
  }

  class iterator {
   public:
    using value_type = batch_type;
    using reference = batch_type&;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;

    iterator() = default;
    /// The current batch, loaded on first access.
    reference operator*() const {
      if (!batch_) batch_.emplace(loader_->load(*indices_, pos_));
      return *batch_;
    }
    iterator& operator++() {
      pos_ += loader_->options_.batch_size;
      batch_.reset();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.pos_ >= it.end_; }

   private:
    friend class DataLoader;
    iterator(DataLoader* l, std::shared_ptr<const std::vector<std::size_t>> idx, std::size_t end)
        : loader_(l), indices_(std::move(idx)), end_(end) {}
    DataLoader* loader_ = nullptr;
    std::shared_ptr<const std::vector<std::size_t>> indices_;
    std::size_t pos_ = 0, end_ = 0;
    mutable std::optional<batch_type> batch_;
  };

  /// Starts an epoch: draws this epoch's order (shuffled if asked) and returns an iterator.
  iterator begin() {
    const std::size_t n = dataset_.size();
    auto idx = std::make_shared<std::vector<std::size_t>>(n);
    for (std::size_t i = 0; i < n; ++i) (*idx)[i] = i;
    if (options_.shuffle)
      for (std::size_t i = n; i > 1; --i) std::swap((*idx)[i - 1], (*idx)[gen_.randint(i)]);
    const std::size_t end = options_.drop_last ? n - n % options_.batch_size : n;
    return iterator(this, std::move(idx), end);
  }
  std::default_sentinel_t end() const noexcept { return {}; }

  /// Number of batches per epoch (len(loader)).
  std::size_t size() const {
    const std::size_t n = dataset_.size(), b = options_.batch_size;
    return options_.drop_last ? n / b : (n + b - 1) / b;
  }
  const DataLoaderOptions& options() const noexcept { return options_; }
  dataset_type& dataset() noexcept { return dataset_; }

 private:
  batch_type load(const std::vector<std::size_t>& idx, std::size_t pos) {
    const std::size_t n = std::min(options_.batch_size, idx.size() - pos);
    std::vector<sample_type> samples;
    samples.reserve(n);
    for (std::size_t i = 0; i < n; ++i) samples.push_back(dataset_[idx[pos + i]]);
    return default_collate(samples);
  }

  D dataset_;
  DataLoaderOptions options_;
  Generator gen_;
};

template <class D>
DataLoader(D&&, DataLoaderOptions) -> DataLoader<D>;
template <class D>
DataLoader(D&&) -> DataLoader<D>;

}  // namespace torchlet::data
