#pragma once
// data::get_worker_info(): inside a DataLoader worker thread, which worker this is
// (torch.utils.data.get_worker_info()); nullptr on any other thread, as PyTorch returns
// None in the main process.
//
// `seed` is base_seed + id, where base_seed is drawn once per epoch from the loader's
// generator: a dataset that wants per-worker randomness (augmentation) seeds its own
// Generator with it. Batch k always goes to worker k % num_workers, so with a fixed
// DataLoaderOptions::seed the result is reproducible.
#include <cstddef>
#include <cstdint>

namespace torchlet::data {

/// What get_worker_info() returns inside a DataLoader worker thread.
struct WorkerInfo {
  std::size_t id = 0;           ///< This worker's index, in [0, num_workers).
  std::size_t num_workers = 0;  ///< Number of workers of the loader.
  std::uint64_t seed = 0;       ///< This worker's seed (the seed of its transform generator).
};

namespace detail {
inline const WorkerInfo*& current_worker_info() noexcept {
  thread_local const WorkerInfo* info = nullptr;
  return info;
}
}  // namespace detail

/// The calling DataLoader worker's WorkerInfo, or nullptr outside a worker thread.
inline const WorkerInfo* get_worker_info() noexcept { return detail::current_worker_info(); }

}  // namespace torchlet::data
