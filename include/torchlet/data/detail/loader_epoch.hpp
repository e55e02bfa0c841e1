#pragma once
// make_epoch: the epoch a DataLoader's begin() starts - what its iterator points to. Four
// kinds, by dataset kind (compile time) and num_workers (run time), each its own type behind
// the LoaderEpoch<Batch> interface (epoch.hpp):
//
//   map-style, 0 workers   MapEpoch           (map_epoch.hpp)
//   map-style, N workers   MapWorkerEpoch     (map_epoch.hpp)
//   iterable,  0 workers   StreamEpoch        (stream_epoch.hpp)
//   iterable,  N workers   StreamWorkerEpoch  (stream_epoch.hpp)
#include <memory>
#include <utility>

#include "torchlet/data/detail/epoch.hpp"
#include "torchlet/data/detail/map_epoch.hpp"
#include "torchlet/data/detail/stream_epoch.hpp"

namespace torchlet::data::detail {

/// A new epoch of the DataLoader whose shared state is `core`.
template <class Core, class Batch>
std::shared_ptr<LoaderEpoch<Batch>> make_epoch(std::shared_ptr<Core> core) {
  const bool workers = core->num_workers > 0;
  if constexpr (Core::iterable) {
    if (workers) return std::make_shared<StreamWorkerEpoch<Core, Batch>>(std::move(core));
    return std::make_shared<StreamEpoch<Core, Batch>>(std::move(core));
  } else {
    if (workers) return std::make_shared<MapWorkerEpoch<Core, Batch>>(std::move(core));
    return std::make_shared<MapEpoch<Core, Batch>>(std::move(core));
  }
}

}  // namespace torchlet::data::detail
