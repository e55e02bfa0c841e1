#pragma once
// The generator random transforms draw from, and the hook a DataLoader uses to seed it.
//
//   transforms::current_generator()   the Generator installed on the calling thread by the
//                                     innermost live GeneratorGuard; else, inside a
//                                     DataLoader worker thread, a per-thread Generator
//                                     seeded with data::get_worker_info()->seed (base seed
//                                     of the epoch + worker id, as PyTorch seeds each
//                                     worker's RNG; re-seeded when the epoch changes it);
//                                     else torchlet's default_generator() (so
//                                     manual_seed(s) makes a num_workers = 0 pipeline
//                                     reproducible, as torch.manual_seed does).
//   transforms::GeneratorGuard g(gen) installs `gen` for the guard's lifetime on this
//                                     thread (guards nest; the previous one is restored).
//
// With data::DataLoader's workers, a seeded loader therefore repeats its augmentations for
// a given num_workers. To make them independent of num_workers, a loader (or a dataset
// wrapper) can install a generator seeded per sample or per batch around each dataset[i]
// call, e.g.
//     Generator gen(seed ^ (index * 0x9E3779B97F4A7C15));
//     vision::transforms::GeneratorGuard guard(gen);
//     auto sample = dataset[index];
// The transforms of that sample then draw the same numbers whichever worker thread runs
// it, so a seeded run is reproducible with any num_workers. Other threads (not DataLoader
// workers) that run random transforms without a guard share default_generator(), which is
// not thread-safe.
//
// This header depends only on tensor/random.hpp and data/worker_info.hpp.
#include "torchlet/data/worker_info.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet::vision::transforms {

namespace detail {
inline Generator*& installed_generator() {
  thread_local Generator* current = nullptr;
  return current;
}
}  // namespace detail

/// The generator random transforms on this thread draw from (see the file comment).
inline Generator& current_generator() {
  if (Generator* g = detail::installed_generator()) return *g;
  if (const data::WorkerInfo* w = data::get_worker_info()) {
    thread_local struct {
      const data::WorkerInfo* info = nullptr;
      std::uint64_t seed = 0;
      Generator gen;
    } worker;
    if (worker.info != w || worker.seed != w->seed) {
      worker.info = w;
      worker.seed = w->seed;
      worker.gen.manual_seed(w->seed);
    }
    return worker.gen;
  }
  return default_generator();
}

/// One uniform [0, 1) draw from current_generator(), under the generator's lock.
inline double draw_uniform() {
  Generator& gen = current_generator();
  const std::lock_guard lock(gen.mutex());
  return gen.uniform();
}

/// Installs `gen` as this thread's transform generator until the guard is destroyed.
/// `gen` must outlive the guard. Not copyable or movable (a scope guard).
class GeneratorGuard {
 public:
  /// Installs gen until the guard is destroyed.
  explicit GeneratorGuard(Generator& gen) noexcept : previous_(detail::installed_generator()) {
    detail::installed_generator() = &gen;
  }
  ~GeneratorGuard() { detail::installed_generator() = previous_; }
  GeneratorGuard(const GeneratorGuard&) = delete;
  GeneratorGuard& operator=(const GeneratorGuard&) = delete;

 private:
  Generator* previous_;
};

}  // namespace torchlet::vision::transforms
