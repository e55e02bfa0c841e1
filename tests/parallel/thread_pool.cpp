// Intra-op parallelism (issue 16): parallel_for / parallel_reduce on the library's pool, the
// cases that must not wake it, exceptions, nesting, DataLoader workers' one-thread limit, and
// determinism: products, reductions and 50 training steps of an MLP and a CNN give the same
// bits for 1, 2 and 3 threads.
#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <thread>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "catch.hpp"
#include "sanitizers.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace F = torchlet::nn::functional;

/// Sets the thread count for a scope and restores the previous one.
struct Threads {
  int prev = get_num_threads();
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(prev); }
};

std::uint64_t dispatches() { return detail::ThreadPool::instance().dispatches(); }

TEST_CASE("parallel_for covers the range once, in chunks of at least the grain size") {
  Threads threads(3);
  for (std::int64_t n : {0, 1, 7, 100, 1000, 100003}) {
    for (std::int64_t grain : {1, 10, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
      std::atomic<int> calls{0};
      std::atomic<bool> small_chunk{false};
      parallel_for(0, n, grain, [&](std::int64_t b, std::int64_t e) {
        ++calls;
        if (e - b < grain && e != n) small_chunk = true;  // only the last chunk may be short
        for (std::int64_t i = b; i < e; ++i) hits[static_cast<std::size_t>(i)]++;
      });
      for (auto& h : hits) REQUIRE(h.load() == 1);
      CHECK(calls.load() <= 3);
      CHECK_FALSE(small_chunk.load());
    }
  }
  // An offset range.
  std::vector<int> seen(50, 0);
  parallel_for(10, 50, 1, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) seen[static_cast<std::size_t>(i)] = 1;
  });
  for (int i = 0; i < 50; ++i) CHECK(seen[static_cast<std::size_t>(i)] == (i >= 10 ? 1 : 0));
}

TEST_CASE("small ops never wake the pool; large ones do when there are threads") {
  Threads threads(2);
  auto a = ones<float>({4});
  auto b = ones<float>({4});
  auto before = dispatches();
  for (int i = 0; i < 100; ++i) {
    auto c = a + b;
    auto d = c.exp().sum();
    auto m = ones<float>({8, 8}).matmul(ones<float>({8, 8}));
  }
  CHECK(dispatches() == before);
  // Above the grain: one region per op.
  auto big = ones<float>({1 << 18});
  before = dispatches();
  auto c = big + big;
  CHECK(dispatches() == before + 1);
  CHECK(c.to_vector()[12345] == 2.0f);
  // One thread: never.
  set_num_threads(1);
  before = dispatches();
  auto e = (big + big).exp();
  auto p = ones<float>({256, 256}).matmul(ones<float>({256, 256}));
  CHECK(dispatches() == before);
}

TEST_CASE("idle workers watch for the next region only briefly, then sleep") {
  // After a region the worker watches for the next one for detail::kSpinWait (50 us), then
  // sleeps on the condition variable: over 200 ms of idleness the process uses a few
  // milliseconds of CPU at most, not the 200 ms a spinning worker would burn.
  Threads threads(2);
  std::atomic<std::int64_t> sum{0};
  for (int round = 0; round < 3; ++round) {
    parallel_for(0, 2, 1, [&](std::int64_t b, std::int64_t e) { sum += e - b; });
    const std::clock_t before = std::clock();  // CPU time of the whole process
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - before) / CLOCKS_PER_SEC;
    INFO("CPU time while idle: " << cpu_ms << " ms");
    CHECK(cpu_ms < 50.0);
  }
  CHECK(sum.load() == 6);
  // Regions right after one another still reach the watching worker and complete.
  for (int r = 0; r < 2000; ++r)
    parallel_for(0, 2, 1, [&](std::int64_t b, std::int64_t e) { sum += e - b; });
  CHECK(sum.load() == 6 + 2 * 2000);
}

TEST_CASE("an exception thrown in a parallel region reaches the caller") {
  Threads threads(3);
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> ran{0};
    REQUIRE_THROWS_WITH(parallel_for(0, 3000, 1,
                                     [&](std::int64_t b, std::int64_t) {
                                       ++ran;
                                       if (b >= 1000) throw std::runtime_error("chunk failed");
                                     }),
                        "chunk failed");
    CHECK(ran.load() >= 1);
  }
  // The pool works afterwards.
  std::atomic<std::int64_t> sum{0};
  parallel_for(0, 3000, 1, [&](std::int64_t b, std::int64_t e) { sum += e - b; });
  CHECK(sum.load() == 3000);
}

TEST_CASE("nested regions run inline on the thread of the outer chunk") {
  Threads threads(2);
  CHECK_FALSE(in_parallel_region());
  std::atomic<int> inner_calls{0};
  std::atomic<bool> inner_ok{true};
  parallel_for(0, 2, 1, [&](std::int64_t, std::int64_t) {
    if (!in_parallel_region()) inner_ok = false;
    const auto self = std::this_thread::get_id();
    parallel_for(0, 1000, 1, [&](std::int64_t, std::int64_t) {
      ++inner_calls;
      if (std::this_thread::get_id() != self) inner_ok = false;
    });
  });
  CHECK(inner_ok.load());
  CHECK(inner_calls.load() == 2);  // one inline call per outer chunk
  CHECK_FALSE(in_parallel_region());
}

TEST_CASE("regions started from two threads at once both complete") {
  Threads threads(2);
  auto work = [] {
    std::int64_t total = 0;
    for (int r = 0; r < 200; ++r) {
      std::vector<std::int64_t> part(64, 0);
      parallel_for(0, 64, 1, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) part[static_cast<std::size_t>(i)] = i;
      });
      for (auto v : part) total += v;
    }
    return total;
  };
  std::int64_t other = 0;
  std::thread t([&] { other = work(); });
  const std::int64_t mine = work();
  t.join();
  CHECK(mine == 200 * 2016);
  CHECK(other == 200 * 2016);
}

TEST_CASE("parallel_reduce gives the same bits for any thread count") {
  std::vector<float> v(1000003);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 1.0f / static_cast<float>(1 + i % 977);
  auto sum = [&] {
    return parallel_reduce(
        std::int64_t(0), static_cast<std::int64_t>(v.size()), std::int64_t(4096), 0.0f,
        [&](std::int64_t b, std::int64_t e, float acc) {
          for (std::int64_t i = b; i < e; ++i) acc += v[static_cast<std::size_t>(i)];
          return acc;
        },
        [](float x, float y) { return x + y; });
  };
  float one, two, three;
  {
    Threads t(1);
    one = sum();
  }
  {
    Threads t(2);
    two = sum();
  }
  {
    Threads t(3);
    three = sum();
  }
  CHECK(std::memcmp(&one, &two, sizeof(float)) == 0);
  CHECK(std::memcmp(&one, &three, sizeof(float)) == 0);
  // Tensor reductions too.
  auto x = randn<float>({513, 1031});
  std::vector<std::vector<float>> sums;
  for (int t : {1, 2, 3}) {
    Threads th(t);
    sums.push_back(std::vector<float>{x.sum().item(), x.mean().item()});
  }
  CHECK(sums[0] == sums[1]);
  CHECK(sums[0] == sums[2]);
}

TEST_CASE("matrix products give the same bits for 1, 2 and 3 threads") {
  const std::int64_t shapes[][3] = {{64, 784, 256}, {256, 64, 784}, {64, 9216, 128},
                                    {47, 91, 333},  {500, 30, 37},  {1, 784, 256}};
  for (const auto& s : shapes) {
    auto a = randn<float>({s[0], s[1]});
    auto b = randn<float>({s[1], s[2]});
    std::vector<std::vector<float>> out;
    for (int t : {1, 2, 3}) {
      Threads th(t);
      out.push_back(a.matmul(b).to_vector());
      out.push_back(a.t().contiguous().t().matmul(b).to_vector());
    }
    CHECK(out[0] == out[2]);
    CHECK(out[0] == out[4]);
    CHECK(out[1] == out[3]);
    CHECK(out[1] == out[5]);
  }
}

struct Cnn : nn::Module {
  nn::Conv2d conv1{1, 8, 3};
  nn::Conv2d conv2{8, 16, 3};
  nn::Linear fc1{16 * 12 * 12, 32};
  nn::Linear fc2{32, 10};
  Cnn() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& input) override {
    auto x = F::relu(conv1(input));           // [B, 8, 26, 26]
    x = F::max_pool2d(F::relu(conv2(x)), 2);  // [B, 16, 12, 12]
    x = F::relu(fc1(x.flatten(1)));
    return F::log_softmax(fc2(x), 1);
  }
};

struct Mlp : nn::Module {
  nn::Linear fc1{784, 256};
  nn::Linear fc2{256, 10};
  Mlp() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& input) override { return fc2(F::relu(fc1(input.flatten(1)))); }
};

// Training steps per run: 50; 12 under AddressSanitizer, whose -O0 build (CI's ASan step) took
// 80 s over 50 (the same code paths; the thread sanitizer's build keeps 50).
constexpr int kTrainSteps = ::test::kAddressSanitizer ? 12 : 50;

/// Losses of kTrainSteps steps from the same seed with `threads` threads.
template <class Net, class Opt>
std::vector<float> train(int threads, std::int64_t batch, bool nll) {
  Threads th(threads);
  manual_seed(7);
  Net net;
  Opt opt(net.parameters(), {.lr = 0.05});
  auto x = randn<float>({batch, 1, 28, 28});
  auto y = randint<std::int64_t>(0, 10, {batch});
  std::vector<float> losses;
  for (int step = 0; step < kTrainSteps; ++step) {
    opt.zero_grad();
    auto out = net(x);
    auto loss = nll ? F::nll_loss(out, y) : F::cross_entropy(out, y);
    loss.backward();
    opt.step();
    losses.push_back(loss.item());
  }
  return losses;
}

TEST_CASE("training gives bit-identical losses for 1, 2 and 3 threads") {
  const auto mlp1 = train<Mlp, optim::SGD>(1, 64, false);
  CHECK(mlp1 == train<Mlp, optim::SGD>(2, 64, false));
  CHECK(mlp1 == train<Mlp, optim::SGD>(3, 64, false));
  CHECK(mlp1.back() < mlp1.front());
  const auto cnn1 = train<Cnn, optim::Adadelta>(1, 32, true);
  const auto before = dispatches();
  CHECK(cnn1 == train<Cnn, optim::Adadelta>(2, 32, true));
  CHECK(dispatches() > before + kTrainSteps * 5);  // convs, pooling, products on the pool
  CHECK(cnn1 == train<Cnn, optim::Adadelta>(3, 32, true));
  CHECK(cnn1.back() < cnn1.front());
}

TEST_CASE("DataLoader workers run their ops with one intra-op thread") {
  Threads th(3);
  struct Probe {
    std::size_t size() const { return 8; }
    Tensor operator[](std::size_t) const {
      return full<float>({1}, static_cast<float>(detail::intra_op_threads()));
    }
  };
  data::DataLoader loader(Probe{}, {.batch_size = 2, .num_workers = 2});
  for (const auto& batch : loader) {
    for (float v : batch.to_vector()) CHECK(v == 1.0f);
  }
  CHECK(detail::intra_op_threads() == 3);
}

}  // namespace TORCHLET_TEST_FILE
