// Throughput of data::DataLoader (issue: the torch.utils.data idiom). Prints one line per
// measurement:
//
//   build/benchmarks/bench_dataloader [--epochs 5] [--mnist DIR] [--slow-us 500]
//
// 1. Overhead: an in-memory TensorDataset of 60,000 x 784 floats (+ int64 labels), batch
//    64, shuffle on: GB/s of batch data delivered (images + labels bytes / epoch time),
//    through the get_batch fast path and through the per-sample path (operator[] +
//    default_collate), with 0 and 2 workers. Target: >= 2 GB/s with num_workers = 0.
// 2. Workers: a dataset whose samples take --slow-us each, either sleeping (I/O-like) or
//    spinning (CPU-bound transform), num_workers = 0 / 1 / 2: samples/s and speed-up.
//    Target: close to 2x with 2 workers on a 2-core machine.
// 3. The MNIST training input path: vision::MNIST + Compose{ToTensor, Normalize} +
//    DataLoader(batch 64, shuffle), num_workers = 0 / 1 / 2: samples/s and heap
//    allocations per batch (counted by this program's operator new).
//
// Each figure is the median of --epochs timed epochs after one warm-up epoch.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "../examples/common/cli.hpp"

using namespace torchlet;

// ---- allocation counting (this program only) -------------------------------------------------
namespace {
std::atomic<std::size_t> g_allocs{0};
// Out of line, so that g++ does not pair the free() with the operator new it inlined.
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  const auto al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  double seconds = 0;  // median epoch, wall clock
  double cpu = 0;      // median epoch, CPU time of the process (all threads)
  std::size_t batches = 0, samples = 0, allocs = 0, bytes = 0;
};

/// Bytes of the tensors in a batch (pair/tuple of tensors).
template <class B>
std::size_t batch_bytes(const B& b) {
  std::size_t n = 0;
  std::apply(
      [&](const auto&... t) {
        ((n += static_cast<std::size_t>(t.numel()) * sizeof(*t.data())), ...);
      },
      b);
  return n;
}

template <class Loader>
Figures run(Loader& loader, int epochs) {
  std::vector<double> times, cpus;
  Figures f;
  for (int e = 0; e <= epochs; ++e) {
    std::size_t batches = 0, samples = 0, bytes = 0;
    const auto a0 = g_allocs.load();
    const auto t0 = Clock::now();
    const auto c0 = std::clock();
    for (auto& batch : loader) {
      ++batches;
      samples += static_cast<std::size_t>(std::get<1>(batch).numel());
      bytes += batch_bytes(batch);
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    const double c = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    if (e == 0) continue;  // warm-up
    times.push_back(s);
    cpus.push_back(c);
    f.batches = batches;
    f.samples = samples;
    f.bytes = bytes;
    f.allocs = g_allocs.load() - a0;
  }
  std::sort(times.begin(), times.end());
  std::sort(cpus.begin(), cpus.end());
  f.seconds = times[times.size() / 2];
  f.cpu = cpus[cpus.size() / 2];
  return f;
}

/// GB/s of batch data by the wall clock, and per second of CPU time (what an idle machine
/// would show with 0 workers, since then one thread does all the work).
void print_gbs(const char* what, std::size_t workers, const Figures& f) {
  std::printf(
      "  %s num_workers=%zu: %6.2f GB/s wall, %6.2f GB/s per CPU-second  (%.1f ms/epoch, %zu "
      "batches, %.1f "
      "allocs/batch)\n",
      what, workers, static_cast<double>(f.bytes) / f.seconds / 1e9,
      static_cast<double>(f.bytes) / f.cpu / 1e9, f.seconds * 1e3, f.batches,
      static_cast<double>(f.allocs) / static_cast<double>(f.batches));
}

/// A dataset whose every sample costs `us` microseconds: sleeping or computing.
struct SlowDataset {
  std::size_t n;
  std::chrono::microseconds us;
  bool spin;
  std::size_t size() const { return n; }
  std::pair<Tensor, std::int64_t> operator[](std::size_t i) const {
    auto x = Tensor::empty({64});
    if (spin) {
      const auto end = Clock::now() + us;
      float acc = static_cast<float>(i);
      while (Clock::now() < end)
        for (int k = 0; k < 64; ++k) acc = acc * 0.999f + 1.0f;
      x.fill_(acc);
    } else {
      std::this_thread::sleep_for(us);
      x.fill_(static_cast<float>(i));
    }
    return {x, static_cast<std::int64_t>(i)};
  }
};

}  // namespace

int run_all(int argc, char** argv) {
  examples::Args args("bench_dataloader", "Throughput of data::DataLoader.");
  args.add("epochs", "5", "timed epochs per measurement (after one warm-up)")
      .add("mnist", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory of MNIST-format IDX files for part 3")
      .add("slow-us", "500", "microseconds per sample of the slow dataset");
  if (!args.parse(argc, argv)) return 0;
  const int epochs = static_cast<int>(args.integer("epochs", 1, 1000));
  const auto slow_us = args.integer("slow-us", 1, 1000000);
  std::printf("hardware threads: %u\n", std::thread::hardware_concurrency());

  // 1. In-memory TensorDataset.
  {
    const std::int64_t n = 60000, d = 784;
    auto x = randn({n, d});
    auto y = randint(0, 10, {n});
    data::TensorDataset ds(x, y);
    auto per_sample =
        data::transform(ds, [](std::tuple<Tensor, LongTensor> s) { return s; });  // hides get_batch
    std::printf("\n[1] TensorDataset 60000 x 784 float32 + int64 labels, batch 64, shuffle\n");
    for (std::size_t w : {0, 2}) {
      data::DataLoader fast(ds, {.batch_size = 64, .shuffle = true, .num_workers = w, .seed = 0});
      const auto f = run(fast, epochs);
      print_gbs("get_batch path, ", w, f);
    }
    for (std::size_t w : {0, 2}) {
      data::DataLoader slow(per_sample,
                            {.batch_size = 64, .shuffle = true, .num_workers = w, .seed = 0});
      const auto f = run(slow, epochs);
      print_gbs("per-sample path,", w, f);
    }
  }

  // 2. A slow dataset.
  for (bool spin : {false, true}) {
    SlowDataset ds{1024, std::chrono::microseconds(slow_us), spin};
    std::printf("\n[2] %lld us per sample (%s), 1024 samples, batch 32\n",
                static_cast<long long>(slow_us), spin ? "busy computing" : "sleeping");
    double base = 0;
    for (std::size_t w : {0, 1, 2}) {
      data::DataLoader loader(ds, {.batch_size = 32, .num_workers = w});
      const auto f = run(loader, std::max(1, epochs / 2));
      const double rate = static_cast<double>(f.samples) / f.seconds;
      if (w == 0) base = rate;
      std::printf("  num_workers=%zu: %8.0f samples/s  (x%.2f)\n", w, rate, rate / base);
    }
  }

  // 3. The MNIST training input path.
  try {
    auto tf = vision::transforms::Compose{vision::transforms::ToTensor{},
                                          vision::transforms::Normalize{{0.1307f}, {0.3081f}}};
    vision::MNIST train(args.str("mnist"), {.train = true, .transform = tf});
    std::printf(
        "\n[3] vision::MNIST (%zu samples from %s) + Compose{ToTensor, Normalize}, batch 64, "
        "shuffle\n",
        train.size(), args.str("mnist").c_str());
    for (std::size_t w : {0, 1, 2}) {
      data::DataLoader loader(train,
                              {.batch_size = 64, .shuffle = true, .num_workers = w, .seed = 0});
      const auto f = run(loader, epochs);
      std::printf(
          "  num_workers=%zu: %8.0f samples/s  (%.1f ms/epoch, %.1f allocs/batch = %.2f per "
          "sample)\n",
          w, static_cast<double>(f.samples) / f.seconds, f.seconds * 1e3,
          static_cast<double>(f.allocs) / static_cast<double>(f.batches),
          static_cast<double>(f.allocs) / static_cast<double>(f.samples));
    }
  } catch (const vision::DatasetNotFoundError& e) {
    std::printf("\n[3] skipped: %s\n", e.what());
  }
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run_all(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_dataloader: %s\n", e.what());
    return 1;
  }
}
