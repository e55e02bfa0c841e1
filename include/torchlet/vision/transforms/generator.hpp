#pragma once
// The generator random transforms draw from, and the hook a DataLoader uses to seed it.
//
//   transforms::current_generator()   the Generator installed on the calling thread by the
//                                     innermost live GeneratorGuard, else torchlet's
//                                     default_generator() (so manual_seed(s) makes a
//                                     single-threaded pipeline reproducible, as
//                                     torch.manual_seed does for num_workers = 0).
//   transforms::GeneratorGuard g(gen) installs `gen` for the guard's lifetime on this
//                                     thread (guards nest; the previous one is restored).
//
// Hook for data loaders: around each dataset[i] call (or each batch), a loader installs a
// generator seeded from (its epoch seed, the sample or batch index), e.g.
//     Generator gen(seed ^ (index * 0x9E3779B97F4A7C15));
//     vision::transforms::GeneratorGuard guard(gen);
//     auto sample = dataset[index];
// The transforms of that sample then draw the same numbers whichever worker thread runs
// it, so a seeded run is reproducible with any num_workers. Threads that run random
// transforms without a guard share default_generator(), which is not thread-safe.
//
// This header depends only on tensor/random.hpp so a data loader can include it cheaply.
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
  Generator* g = detail::installed_generator();
  return g ? *g : default_generator();
}

/// Installs `gen` as this thread's transform generator until the guard is destroyed.
/// `gen` must outlive the guard. Not copyable or movable (a scope guard).
class GeneratorGuard {
 public:
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
