// Inference latency and throughput, torchlet's side of docs/benchmarks.md's inference table
// (libtorch: benchmarks/reference/libtorch_inference.cpp, PyTorch:
// benchmarks/reference/pytorch_inference.py; benchmarks/inference_compare.py runs all three).
//
//   build/benchmarks/bench_inference [--model mlp|cnn|all] [--batch 1,8,64]
//       [--mode no_grad|inference|all] [--clients 2] [--seconds 1.0] [--max-requests 2000]
//
// The job, identical on every side: one model in eval() mode, shared by every client
// thread; each request is one forward of a [B, 1, 28, 28] batch on the thread that asked
// (intra-op threads: 1), under NoGradGuard ("no_grad") or InferenceMode ("inference").
//   mlp  784 -> 256 -> ReLU -> 10
//   cnn  pytorch/examples' mnist Net: conv 1->32 3x3, ReLU, conv 32->64 3x3, ReLU,
//        max_pool 2, dropout, flatten 9216 -> 128, ReLU, dropout, 10, log_softmax
// Latency: one client, requests back to back after 20 warm-up requests, until
// --max-requests or --seconds; p50 and p99 of the request times. Throughput: --clients
// threads send requests back to back for --seconds; requests per second over all.
// Allocations: operator new calls (and bytes) per request, counted on the latency run.
// Prints one JSON line per (model, batch, mode).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <torchlet/parallel.hpp>
#include <torchlet/torchlet.hpp>

#include "../examples/common/cli.hpp"

// Counting allocator: every operator new of the process goes through here.
namespace {
thread_local std::uint64_t t_allocs = 0, t_bytes = 0;
}  // namespace

void* operator new(std::size_t n) {
  ++t_allocs;
  t_bytes += n;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  ++t_allocs;
  t_bytes += n;
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace torchlet;
namespace F = nn::functional;

namespace {

struct MLP : nn::Module {
  nn::Linear fc1{784, 256}, fc2{256, 10};
  MLP() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override { return fc2(relu(fc1(x.flatten(1)))); }
};

struct Cnn : nn::Module {
  nn::Conv2d conv1{1, 32, 3}, conv2{32, 64, 3};
  nn::Dropout dropout1{0.25}, dropout2{0.5};
  nn::Linear fc1{9216, 128}, fc2{128, 10};
  Cnn() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("dropout1", dropout1);
    register_module("dropout2", dropout2);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override {
    auto h = F::max_pool2d(relu(conv2(relu(conv1(x)))), 2);
    h = relu(fc1(dropout1(h).flatten(1)));
    return F::log_softmax(fc2(dropout2(h)), 1);
  }
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

template <class Guard>
Tensor request(nn::Module& model, const Tensor& x) {
  Guard guard;
  return model(x);
}

struct Figures {
  double p50_us = 0, p99_us = 0, rps = 0, allocs = 0, alloc_kb = 0;
  std::size_t requests = 0;
};

template <class Guard>
Figures measure(nn::Module& model, std::int64_t batch, int clients, double seconds,
                std::size_t max_requests) {
  Generator gen(batch);
  const Tensor x = randn<float>({batch, 1, 28, 28}, gen);
  for (int i = 0; i < 20; ++i) request<Guard>(model, x);
  Figures f;
  std::vector<double> times;
  times.reserve(max_requests);
  const auto a0 = t_allocs, b0 = t_bytes;
  const auto start = Clock::now();
  while (times.size() < max_requests && (times.size() < 50 || seconds_since(start) < seconds)) {
    const auto t = Clock::now();
    request<Guard>(model, x);
    times.push_back(seconds_since(t) * 1e6);
  }
  f.requests = times.size();
  f.allocs = static_cast<double>(t_allocs - a0) / static_cast<double>(times.size());
  f.alloc_kb = static_cast<double>(t_bytes - b0) / 1024.0 / static_cast<double>(times.size());
  std::sort(times.begin(), times.end());
  auto pct = [&](double q) {
    return times[std::min(times.size() - 1, static_cast<std::size_t>(q * times.size()))];
  };
  f.p50_us = pct(0.50);
  f.p99_us = pct(0.99);

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> done{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        request<Guard>(model, x);
        ++n;
      }
      done += n;
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  f.rps = static_cast<double>(done.load()) / seconds_since(t0);
  return f;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

int run(int argc, char** argv) {
  examples::Args args("bench_inference", "Inference latency and throughput (docs/benchmarks.md).");
  args.add("model", "all", "mlp, cnn or all")
      .add("batch", "1,8,64", "batch sizes, comma-separated")
      .add("mode", "all", "no_grad (NoGradGuard), inference (InferenceMode) or all")
      .add("clients", "2", "client threads of the throughput run")
      .add("seconds", "1.0", "time budget of each latency run and of each throughput run")
      .add("max-requests", "2000", "most requests of a latency run");
  if (!args.parse(argc, argv)) return 0;
  const int clients = static_cast<int>(args.integer("clients", 1, 1024));
  const double seconds = args.real("seconds", 0.01, 3600);
  const auto max_requests = static_cast<std::size_t>(args.integer("max-requests", 50, 1 << 30));
  set_num_threads(1);
  manual_seed(0);
  MLP mlp;
  Cnn cnn;
  mlp.eval();
  cnn.eval();
  const std::string which = args.str("model"), modes = args.str("mode");
  for (const std::string model : {"mlp", "cnn"}) {
    if (which != "all" && which != model) continue;
    nn::Module& m = model == "mlp" ? static_cast<nn::Module&>(mlp) : cnn;
    for (const auto& b : split(args.str("batch"))) {
      const std::int64_t batch = std::stoll(b);
      for (const std::string mode : {"no_grad", "inference"}) {
        if (modes != "all" && modes != mode) continue;
        const Figures f = mode == "no_grad"
                              ? measure<NoGradGuard>(m, batch, clients, seconds, max_requests)
                              : measure<InferenceMode>(m, batch, clients, seconds, max_requests);
        std::printf(
            "{\"impl\": \"torchlet\", \"model\": \"%s\", \"batch\": %lld, \"mode\": \"%s\", "
            "\"p50_us\": %.1f, \"p99_us\": %.1f, \"rps\": %.1f, \"clients\": %d, "
            "\"requests\": %zu, \"allocs\": %.1f, \"alloc_kb\": %.1f}\n",
            model.c_str(), static_cast<long long>(batch), mode.c_str(), f.p50_us, f.p99_us, f.rps,
            clients, f.requests, f.allocs, f.alloc_kb);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_inference: %s\n", e.what());
    return 1;
  }
}
