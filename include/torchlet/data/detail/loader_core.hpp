#pragma once
// LoaderCore: what a DataLoader shares with its epochs - the dataset, the batch sampler,
// the collate function - and fetch(), which turns one batch's indices into the batch.
// Internal to dataloader.hpp.
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "torchlet/data/collate.hpp"
#include "torchlet/data/dataset.hpp"
#include "torchlet/data/detail/epoch.hpp"
#include "torchlet/data/errors.hpp"
#include "torchlet/data/samplers/any_sampler.hpp"
#include "torchlet/data/worker_info.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet::data {

namespace detail {

/// Placeholders that keep a DataLoader over an unusable type down to its one static_assert.
struct NotADataset {};
template <class S>
struct NoDefaultCollate {};
template <class B>
inline constexpr bool is_no_default_collate = false;
template <class S>
inline constexpr bool is_no_default_collate<NoDefaultCollate<S>> = true;

template <class T>
auto loader_sample() {
  if constexpr (Dataset<T>)
    return std::type_identity<sample_t<T>>{};
  else if constexpr (IterableDataset<T>)
    return std::type_identity<item_t<T>>{};
  else
    return std::type_identity<NotADataset>{};
}
/// The sample type a DataLoader over T reads (NotADataset if T is no dataset).
template <class T>
using loader_sample_t = typename decltype(loader_sample<T>())::type;

template <class S>
auto default_batch() {
  if constexpr (std::is_same_v<S, NotADataset>)
    return std::type_identity<NotADataset>{};
  else if constexpr (Collatable<S>)
    return std::type_identity<collate_t<S>>{};
  else
    return std::type_identity<NoDefaultCollate<S>>{};
}
/// The batch type of a DataLoader over D when none is named: default_collate's.
template <class D>
using default_batch_t =
    typename decltype(default_batch<loader_sample_t<std::remove_reference_t<D>>>())::type;

/// Thrown inside a worker when its epoch is being stopped.
struct Cancelled {};

inline std::string in_worker(const WorkerInfo* w) {
  return w ? " in DataLoader worker " + std::to_string(w->id) : std::string();
}
inline std::string what_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}
inline std::string list_indices(std::span<const std::size_t> idx) {
  std::string s;
  for (std::size_t k = 0; k < idx.size() && k < 8; ++k)
    s += (k ? ", " : "") + std::to_string(idx[k]);
  return s + (idx.size() > 8 ? ", ..." : "");
}

template <class D, class Batch>
struct LoaderCore {
  using dataset_type = std::remove_reference_t<D>;
  using sample_type = loader_sample_t<dataset_type>;
  static constexpr bool iterable = IterableDataset<dataset_type>;
  static constexpr bool default_collatable = std::is_same_v<default_batch_t<D>, Batch>;
  /// The batched fast path: `Batch get_batch(std::span<const std::size_t>) const`.
  static constexpr bool has_get_batch =
      requires(const dataset_type& d, std::span<const std::size_t> s) {
    { d.get_batch(s) } -> std::same_as<Batch>;
  };

  template <class U>
  explicit LoaderCore(U&& d) : dataset(std::forward<U>(d)) {}

  D dataset;
  std::size_t batch_size = 1;
  bool drop_last = false;
  std::size_t num_workers = 0, prefetch_factor = 2;
  double timeout = 0;                                       // seconds; 0: wait forever
  std::function<void(std::size_t)> worker_init_fn;          // run first in each worker
  std::shared_ptr<PersistentWorkers> persistent;            // persistent_workers' threads
  AnyBatchSampler batches;                                  // map-style datasets
  std::function<Batch(std::vector<sample_type>&)> collate;  // empty: default_collate
  std::optional<Generator> gen;                             // seeded if options.seed was given

  /// The samples `scratch` (dataset indices `idx`) as one batch; leaves `scratch` empty.
  Batch collate_samples(std::vector<sample_type>& scratch, std::span<const std::size_t> idx) const {
    if (collate) {
      Batch b = collate(scratch);
      scratch.clear();
      return b;
    }
    if constexpr (default_collatable) {
      Batch b = Collate<sample_type>::run(
          scratch.size(), [&](std::size_t i) -> const sample_type& { return scratch[i]; },
          CollateContext{idx});
      scratch.clear();
      return b;
    } else {
      throw std::logic_error("DataLoader: no collate_fn");  // ruled out by the constructor
    }
  }

  /// Batch number `batch` of a map-style dataset of n samples, from its indices.
  Batch fetch(std::span<const std::size_t> idx, std::vector<sample_type>& scratch,
              std::size_t batch, std::size_t n, const std::atomic<bool>* stop,
              const WorkerInfo* worker) {
    for (std::size_t i : idx)
      if (i >= n)
        throw DataLoaderError("DataLoader: the sampler gave index " + std::to_string(i) +
                                  " for batch " + std::to_string(batch) +
                                  ", out of range for a dataset of " + std::to_string(n) +
                                  " samples",
                              batch, i, worker ? std::optional(worker->id) : std::nullopt);
    if constexpr (has_get_batch) {
      if (!collate) {
        try {
          return std::as_const(dataset).get_batch(idx);
        } catch (...) {
          std::throw_with_nested(DataLoaderError(
              "DataLoader: get_batch failed for batch " + std::to_string(batch) +
                  " (dataset indices " + list_indices(idx) + ")" + in_worker(worker) + ": " +
                  what_of(std::current_exception()),
              batch, std::nullopt, worker ? std::optional(worker->id) : std::nullopt));
        }
      }
    }
    scratch.clear();
    for (std::size_t i : idx) {
      if (stop && stop->load(std::memory_order_relaxed)) throw Cancelled{};
      try {
        scratch.push_back(get_sample(dataset, i));
      } catch (...) {
        std::throw_with_nested(
            DataLoaderError("DataLoader: reading sample " + std::to_string(i) + " of batch " +
                                std::to_string(batch) + " failed" + in_worker(worker) + ": " +
                                what_of(std::current_exception()),
                            batch, i, worker ? std::optional(worker->id) : std::nullopt));
      }
    }
    return collate_samples(scratch, idx);
  }
};

}  // namespace detail
}  // namespace torchlet::data
