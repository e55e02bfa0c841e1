#pragma once
// data::DataLoader: iterates over batches of a dataset (torch.utils.data.DataLoader).
//
//   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .num_workers = 2});
//   for (auto [images, labels] : loader) { ... }           // images [64, 1, 28, 28], labels [64]
//   auto [x, y] = *loader.begin();                          // next(iter(loader))
//   loader.size()                                           // len(loader): batches per epoch
//
// Python's protocols, C++'s: `begin()` is `iter(loader)` - it starts an epoch (the sampler
// draws a new order) and returns an input iterator; `*it` / `++it` are `next()`, `end()` a
// sentinel standing for StopIteration. The sampler decides which indices make each batch;
// the dataset's operator[] loads them; collate_fn (default_collate) makes them one batch.
//
// Laziness: with num_workers = 0 nothing is read before a batch is dereferenced, and only
// the batches dereferenced are read. With num_workers = N > 0, N std::threads load up to
// N * prefetch_factor batches ahead; batch k is always loaded by worker k % N and batches
// come out in the sampler's order. An exception in a worker is rethrown by the consumer
// when it reaches that batch, as a DataLoaderError naming the batch, the sample and the
// worker (the original nested inside). Leaving the loop (break), destroying the iterator
// or destroying the DataLoader stops and joins the workers (within one sample's time).
// The same `seed` gives the same batches whatever num_workers is. `timeout` (seconds) bounds
// the wait for a worker's batch: a stuck dataset raises "DataLoader timed out after 0.5
// seconds (waiting for batch 3)". `worker_init_fn(id)` runs once in each worker before it
// loads anything. Workers are started by each begin() and joined at the epoch's end
// unless persistent_workers keeps them for the next begin().
//
// There is no operator[], on purpose, as in PyTorch: a DataLoader is an iterable, not a
// sequence. Which samples form "batch 3" is only decided when an epoch starts (a new
// shuffle each time), and a batch exists only while the iterator is on it; `loader[3]`
// would have to pick an epoch and load every batch before it. Use *loader.begin() for the
// first batch, or iterate.
//
// The dataset is held by reference if it is an lvalue and by value if it is an rvalue.
// Samplers are read in the calling thread only; with workers, the dataset's operator[]
// (const if it has one), get_batch and collate_fn are called from several threads at once.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/data/collate.hpp"
#include "torchlet/data/collate_fn.hpp"
#include "torchlet/data/dataset.hpp"
#include "torchlet/data/detail/loader_core.hpp"
#include "torchlet/data/detail/loader_epoch.hpp"
#include "torchlet/data/errors.hpp"
#include "torchlet/data/samplers/any_sampler.hpp"
#include "torchlet/data/samplers/batch.hpp"
#include "torchlet/data/samplers/random.hpp"
#include "torchlet/data/samplers/sequential.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet::data {

/// The DataLoader's options, declared in the order of torch.utils.data.DataLoader's
/// arguments, so that designated initializers read like the Python call.
struct DataLoaderOptions {
  /// Samples per batch (with a batch_sampler, leave it at 1).
  std::size_t batch_size = 1;
  /// A new random order each epoch (a RandomSampler). Excludes `sampler`.
  bool shuffle = false;
  /// Which indices, in which order (any Sampler; an lvalue is held by reference).
  AnySampler sampler = {};
  /// Whole batches of indices (any BatchSamplerRange); excludes batch_size, shuffle,
  /// sampler and drop_last.
  AnyBatchSampler batch_sampler = {};
  /// Worker threads loading batches ahead; 0: batches are loaded by the iterating thread.
  std::size_t num_workers = 0;
  /// Replaces default_collate (see collate_fn.hpp for the accepted signatures).
  CollateFn collate_fn = {};
  /// Drop the last batch if it is smaller than batch_size.
  bool drop_last = false;
  /// Seconds the iterating thread waits for a worker's batch before it throws
  /// std::runtime_error("DataLoader timed out after <timeout> seconds (waiting for batch k)");
  /// 0 waits forever. Only with num_workers > 0, as in PyTorch.
  double timeout = 0;
  /// Called once in each worker thread with its id (0 .. num_workers - 1), before it loads
  /// anything (get_worker_info() is already set). If it throws, iterating throws
  /// std::runtime_error naming the worker and the error.
  std::function<void(std::size_t)> worker_init_fn = {};
  /// Keep the worker threads between epochs: begin() hands the same threads the new
  /// epoch's work (worker_init_fn runs once per thread), and stops an epoch still running
  /// (as Python's iter(loader) resets the loader's iterator). Needs num_workers > 0.
  bool persistent_workers = false;
  /// Batches loaded ahead per worker (num_workers * prefetch_factor in all, as in PyTorch).
  std::size_t prefetch_factor = 2;
  /// Seed of the loader's shuffling and of the workers' seeds (PyTorch's `generator`);
  /// unset: drawn from torchlet's default generator (manual_seed) each epoch.
  std::optional<std::uint64_t> seed = std::nullopt;
};

/// The DataLoader with its batch type spelled out, for a collate_fn that returns
/// something other than default_collate's batch:
///   data::BasicDataLoader<MyDataset&, PaddedBatch> loader(ds, {.batch_size = 8, .collate_fn =
///   pad});
/// (like std::basic_string and std::string). data::DataLoader<D> is
/// BasicDataLoader<D, default_collate's batch>.
template <class D, class Batch>
class BasicDataLoader {
  using dataset_type = std::remove_reference_t<D>;
  static constexpr bool kMap = Dataset<dataset_type>;
  static constexpr bool kIterable = IterableDataset<dataset_type>;
  static constexpr bool kSize = detail::has_size<dataset_type>;
  static constexpr bool kSubscript = detail::has_subscript<dataset_type>;
  // One readable error for a type that is no dataset (the three conditions exclude each other).
  static_assert(
      kMap || kIterable || kSize || kSubscript,
      "DataLoader: the dataset type is not a data::Dataset - it has neither size() (Python's "
      "__len__) nor "
      "operator[](std::size_t) (Python's __getitem__) - nor an iterable dataset with begin()/end() "
      "(Python's __iter__)");
  static_assert(kMap || kIterable || !kSize,
                "DataLoader: the dataset type has size() but no operator[](std::size_t) (Python's "
                "__getitem__), so it "
                "is not a data::Dataset; add `Sample operator[](std::size_t i) const`");
  static_assert(kMap || kIterable || !kSubscript,
                "DataLoader: the dataset type has operator[] but no size() convertible to "
                "std::size_t (Python's "
                "__len__), so it is not a data::Dataset; add `std::size_t size() const`");
  static_assert(!(kMap || kIterable) || !detail::is_no_default_collate<Batch>,
                "DataLoader: default_collate cannot batch this dataset's sample type (see "
                "collate.hpp for the "
                "types it knows); write a collate_fn and name the batch type it returns: "
                "data::BasicDataLoader<Dataset&, Batch> loader(dataset, {.collate_fn = fn})");

  using Core = detail::LoaderCore<D, Batch>;
  using Epoch = detail::LoaderEpoch<Batch>;

 public:
  /// One sample of the dataset (what dataset[i] returns, without cv/ref).
  using sample_type = detail::loader_sample_t<dataset_type>;
  /// One batch (default_collate's result unless a collate_fn says otherwise).
  using batch_type = Batch;

  /// Holds an lvalue dataset by reference and an rvalue one by value.
  template <class U>
  requires std::constructible_from<D, U&&> BasicDataLoader(U&& dataset,
                                                           DataLoaderOptions options = {})
      : options_(std::move(options)) {
    if constexpr (kMap || kIterable) init(std::forward<U>(dataset));
  }
  BasicDataLoader(const BasicDataLoader&) = delete;
  BasicDataLoader& operator=(const BasicDataLoader&) = delete;
  /// Moves the loader (its dataset, options and running epochs).
  BasicDataLoader(BasicDataLoader&&) noexcept = default;
  BasicDataLoader& operator=(BasicDataLoader&&) = delete;
  /// Stops and joins the workers of every epoch still running.
  ~BasicDataLoader() {
    for (auto& e : epochs_)
      if (auto live = e.lock()) live->stop();
  }

  /// The input iterator of one epoch. Copies share the epoch, like Python's iterator
  /// objects; the epoch (and its workers) ends with the last copy.
  class iterator {
   public:
    ///@{
    /// Iterator types (C++20 input iterator; also a legacy input iterator).
    using value_type = Batch;
    using reference = Batch&;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;
    using iterator_category = std::input_iterator_tag;
    ///@}

    iterator() = default;
    /// The current batch (loaded, or waited for, on first access).
    reference operator*() const { return checked().current(); }
    /// Loads the next batch (or, with workers, takes the next one they prepared). At the
    /// end of the epoch it throws std::out_of_range, as next() raises StopIteration again.
    iterator& operator++() {
      checked().advance();
      return *this;
    }
    /// Loads the next batch.
    void operator++(int) { ++*this; }
    /// True after the last batch of the epoch.
    friend bool operator==(const iterator& it, std::default_sentinel_t) {
      return !it.epoch_ || it.epoch_->at_end();
    }

   private:
    friend class BasicDataLoader;
    explicit iterator(std::shared_ptr<Epoch> e) : epoch_(std::move(e)) {}
    Epoch& checked() const {
      if (!epoch_) throw std::logic_error("DataLoader: use of a default-constructed iterator");
      return *epoch_;
    }
    std::shared_ptr<Epoch> epoch_;
  };

  /// iter(loader): starts an epoch (a new shuffle; workers start loading).
  iterator begin() {
    if constexpr (kMap || kIterable) {
      if (!core_) throw std::logic_error("DataLoader: begin() on a moved-from DataLoader");
      std::erase_if(epochs_, [](const std::weak_ptr<Epoch>& e) { return e.expired(); });
      if (options_.persistent_workers) {
        for (auto& w : epochs_)  // one epoch at a time on the same threads
          if (auto e = w.lock()) e->stop();
        if (!core_->persistent)
          core_->persistent = std::make_shared<detail::PersistentWorkers>(core_->num_workers);
      }
      auto e = detail::make_epoch<Core, Batch>(core_);
      epochs_.push_back(e);
      return iterator(std::move(e));
    } else {
      return iterator();
    }
  }
  /// The end of an epoch.
  std::default_sentinel_t end() const noexcept { return {}; }

  /// len(loader): batches per epoch. Throws std::logic_error when it cannot be known (a
  /// sampler or an iterable dataset without size()).
  std::size_t size() const requires(kMap || kSize) {
    if (!core_) throw std::logic_error("DataLoader: size() on a moved-from DataLoader");
    if constexpr (kMap) {
      const auto n = core_->batches.size();
      if (!n) throw std::logic_error("DataLoader: size(): the sampler has no size()");
      return *n;
    } else {
      const auto n = static_cast<std::size_t>(core_->dataset.size()), b = options_.batch_size;
      return options_.drop_last ? n / b : (n + b - 1) / b;
    }
  }

  /// The options given.
  const DataLoaderOptions& options() const noexcept { return options_; }
  /// loader.dataset
  dataset_type& dataset() noexcept { return core_->dataset; }
  /// The dataset (held by reference for an lvalue, by value for an rvalue).
  const dataset_type& dataset() const noexcept { return core_->dataset; }

 private:
  template <class U>
  void init(U&& dataset) {
    const auto& o = options_;
    if (o.num_workers > 0 && o.prefetch_factor == 0)
      throw std::invalid_argument(
          "DataLoader: prefetch_factor should be a positive integer when num_workers > 0, got 0");
    if (!(o.timeout >= 0))
      throw std::invalid_argument("DataLoader: timeout option should be non-negative, got " +
                                  detail::seconds_repr(o.timeout));
    if (o.persistent_workers && o.num_workers == 0)
      throw std::invalid_argument("DataLoader: persistent_workers option needs num_workers > 0");
    auto core = std::make_shared<Core>(std::forward<U>(dataset));
    core->timeout = o.timeout;
    core->worker_init_fn = o.worker_init_fn;
    core->batch_size = o.batch_size;
    core->drop_last = o.drop_last;
    core->num_workers = o.num_workers;
    core->prefetch_factor = o.prefetch_factor;
    if (o.seed) core->gen.emplace(*o.seed ^ 0x5DEECE66DULL);  // a stream apart from the shuffle's
    if (o.collate_fn) core->collate = o.collate_fn.template get<sample_type, Batch>();
    if (!Core::default_collatable && !core->collate)
      throw std::invalid_argument(
          "DataLoader: this loader's batch type is not default_collate's; give a collate_fn");
    if constexpr (kIterable) {
      if (o.shuffle || o.sampler || o.batch_sampler)
        throw std::invalid_argument(
            "DataLoader: an iterable dataset has no indices: expected unspecified shuffle, sampler "
            "and batch_sampler "
            "options");
      if (o.batch_size == 0)
        throw std::invalid_argument("DataLoader: batch_size should be a positive integer, got 0");
    } else {
      if (o.batch_sampler) {
        if (o.batch_size != 1 || o.shuffle || o.sampler || o.drop_last)
          throw std::invalid_argument(
              "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
              "sampler, and "
              "drop_last");
        core->batches = o.batch_sampler;
      } else {
        if (o.batch_size == 0)
          throw std::invalid_argument("DataLoader: batch_size should be a positive integer, got 0");
        if (o.sampler && o.shuffle)
          throw std::invalid_argument(
              "DataLoader: sampler option is mutually exclusive with shuffle");
        const auto n = static_cast<std::size_t>(core->dataset.size());
        // shuffle on an empty dataset throws from RandomSampler, as PyTorch's does at construction.
        AnySampler sampler = o.sampler   ? o.sampler
                             : o.shuffle ? AnySampler(RandomSampler(n, {.seed = o.seed}))
                                         : AnySampler(SequentialSampler(n));
        core->batches = AnyBatchSampler(
            BatchSampler<AnySampler>(std::move(sampler), o.batch_size, o.drop_last));
      }
    }
    core_ = std::move(core);
  }

  DataLoaderOptions options_;
  std::shared_ptr<Core> core_;
  std::vector<std::weak_ptr<Epoch>> epochs_;  // the epochs begun, to stop them with the loader
};

/// A DataLoader over dataset type D (a reference type for a dataset held by reference),
/// with default_collate's batch type (or the one a collate_fn returning the same type).
template <class D>
class DataLoader : public BasicDataLoader<D, detail::default_batch_t<D>> {
 public:
  using BasicDataLoader<D, detail::default_batch_t<D>>::BasicDataLoader;
};

template <class D>
DataLoader(D&&, DataLoaderOptions) -> DataLoader<D>;
template <class D>
DataLoader(D&&) -> DataLoader<D>;

}  // namespace torchlet::data
