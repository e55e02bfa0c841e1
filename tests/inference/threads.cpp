// The thread-safety contract of docs/architecture.md ("Threads"), as a stress test: many
// threads run forward on one shared model in eval() mode under NoGradGuard or InferenceMode,
// with mixed batch sizes, and every output must equal, bit for bit, the output of the same
// request run serially. Runs in the default build, under ThreadSanitizer (the tsan preset)
// and under AddressSanitizer (scripts/ci_reliability.sh).
//
// TORCHLET_STRESS_REQUESTS overrides the number of requests per thread (default 200).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <torchlet/io.hpp>
#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace F = nn::functional;

namespace {

constexpr int kThreads = 8;

int requests_per_thread() {
  if (const char* env = std::getenv("TORCHLET_STRESS_REQUESTS")) return std::max(1, std::atoi(env));
  return 200;
}

/// pytorch/examples' mnist Net in the shape of the PyTorch-trained fixture (conv 1-8-16,
/// fc 2304-32-10), with its two dropouts: eval() must make them the identity.
struct MnistCnn : nn::Module {
  nn::Conv2d conv1{1, 8, 3};
  nn::Conv2d conv2{8, 16, 3};
  nn::Dropout dropout1{0.25};
  nn::Dropout dropout2{0.5};
  nn::Linear fc1{2304, 32};
  nn::Linear fc2{32, 10};
  MnistCnn() {
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

/// An MLP with the layers whose train/eval behaviour differs (BatchNorm1d, Dropout).
nn::Sequential make_mlp() {
  manual_seed(3);
  nn::Sequential mlp{nn::Flatten{}, nn::Linear{784, 256}, nn::BatchNorm1d{256},
                     nn::ReLU{},    nn::Dropout{0.2},     nn::Linear{256, 10}};
  // A few training steps so BatchNorm's running statistics are not the initial ones.
  for (int i = 0; i < 3; ++i) {
    auto x = randn<float>({32, 1, 28, 28});
    mlp(x).pow(2).mean().backward();
  }
  mlp.zero_grad();
  return mlp;
}

constexpr int kPool = 64;

/// The inputs: one batch of each size 1-64 (random images), built once. Request `r` of thread
/// `t` is input (11 t + 7 r) mod 64, so each thread walks every batch size in its own order and
/// threads run different sizes at the same moment; the serial reference is then one forward
/// per input instead of one per request (under ThreadSanitizer the serial pass of 1,600
/// requests took as long as the concurrent one).
const std::vector<Tensor>& inputs() {
  static const std::vector<Tensor> pool = [] {
    std::vector<Tensor> out;
    Generator gen(2024);
    for (std::int64_t b = 1; b <= kPool; ++b) out.push_back(randn<float>({b, 1, 28, 28}, gen));
    return out;
  }();
  return pool;
}

int input_of(int t, int r) { return (11 * t + 7 * r) % kPool; }

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.numel()) * sizeof(float)) == 0;
}

/// Runs every input serially, then kThreads threads x requests_per_thread() requests at once
/// (even threads under NoGradGuard, odd ones under InferenceMode); returns the number of
/// outputs that differ from the serial ones.
int concurrent_mismatches(nn::Module& model) {
  const int n = requests_per_thread();
  const auto& in = inputs();
  model.eval();
  std::vector<Tensor> serial;
  {
    NoGradGuard no_grad;
    for (const auto& x : in) serial.push_back(model(x));
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      auto run = [&] {
        for (int r = 0; r < n; ++r) {
          const int i = input_of(t, r);
          if (!bitwise_equal(model(in[i]), serial[i])) ++mismatches;
        }
      };
      if (t % 2 == 0) {
        NoGradGuard no_grad;
        run();
      } else {
        InferenceMode inference;
        run();
      }
    });
  for (auto& th : threads) th.join();
  return mismatches.load();
}

std::vector<std::vector<float>> snapshot(const nn::Module& model) {
  std::vector<std::vector<float>> out;
  for (const auto& [name, t] : model.state_dict()) out.emplace_back(t.data(), t.data() + t.numel());
  return out;
}

}  // namespace

TEST_CASE("8 threads on one MNIST CNN in eval mode give the serial outputs bit for bit") {
  MnistCnn cnn;
  cnn.load_state_dict(io::load_pt(test::fixture_path("io/pt/mnist_cnn.pt")));
  const auto before = snapshot(cnn);
  CHECK(concurrent_mismatches(cnn) == 0);
  CHECK(snapshot(cnn) == before);  // eval forward writes nothing into the model
}

TEST_CASE("8 threads on one MLP with BatchNorm and Dropout in eval mode give the serial outputs") {
  auto mlp = make_mlp();
  const auto before = snapshot(mlp);
  CHECK(concurrent_mismatches(mlp) == 0);
  CHECK(snapshot(mlp) == before);  // running statistics and num_batches_tracked untouched
}

TEST_CASE("InferenceMode records no graph and bumps no version counter") {
  auto w = randn<float>({3, 3}).requires_grad_();
  Tensor y;
  {
    InferenceMode guard;
    CHECK(is_inference_mode_enabled());
    CHECK_FALSE(is_grad_enabled());
    y = w.matmul(w);
    CHECK_FALSE(y.requires_grad());
    {
      InferenceMode off(false);
      CHECK_FALSE(is_inference_mode_enabled());
    }
    CHECK(is_inference_mode_enabled());
  }
  CHECK_FALSE(is_inference_mode_enabled());
  CHECK(is_grad_enabled());
  // A saved tensor changed in place inside InferenceMode is not detected (no version bump),
  // as in PyTorch, where that is why inference tensors may not enter autograd later.
  auto a = randn<float>({4}).requires_grad_();
  auto b = a * 2.0f;
  auto c = b * b;  // saves b
  {
    NoGradGuard no_grad;
    b.add_(1.0f);
  }
  CHECK_THROWS_WITH(c.sum().backward(), Catch::Contains("modified by an inplace operation"));
  auto b2 = a * 2.0f;
  auto c2 = b2 * b2;
  {
    InferenceMode inference;
    b2.add_(1.0f);
  }
  CHECK_NOTHROW(c2.sum().backward());
}

TEST_CASE("threads training their own models draw from the shared default generator safely") {
  // Dropout's mask and randn draw from default_generator(); each op holds its lock, so
  // concurrent draws never race (ThreadSanitizer checks) and every draw is used once.
  std::vector<std::thread> threads;
  std::atomic<int> nonzero{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      nn::Sequential net{nn::Linear{16, 16}, nn::Dropout{0.5}};
      for (int i = 0; i < 50; ++i) {
        auto loss = net(randn<float>({8, 16})).pow(2).mean();
        loss.backward();
        if (loss.item() != 0.0f) ++nonzero;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(nonzero.load() > 0);
}

TEST_CASE("conv2d and max_pool2d without a graph (per-thread workspaces) match the recorded path") {
  // Without recording, conv2d builds one sample's columns at a time in a reused per-thread
  // buffer and max_pool2d keeps no indices; the outputs must equal the recording path's.
  struct Case {
    std::int64_t c, o, k, stride, pad, dil, groups;
  };
  for (const Case cs : {Case{3, 4, 3, 1, 0, 1, 1}, Case{4, 6, 3, 2, 1, 1, 2},
                        Case{2, 2, 5, 1, 2, 2, 1}, Case{4, 8, 1, 1, 0, 1, 4}}) {
    Generator gen(static_cast<std::uint64_t>(cs.k * 100 + cs.groups));
    const auto x = randn<float>({3, cs.c, 11, 9}, gen).requires_grad_();
    const auto w = randn<float>({cs.o, cs.c / cs.groups, cs.k, cs.k}, gen).requires_grad_();
    const auto b = randn<float>({cs.o}, gen).requires_grad_();
    const auto recorded =
        F::max_pool2d(F::conv2d(x, w, b, cs.stride, cs.pad, cs.dil, cs.groups), 2);
    REQUIRE(recorded.requires_grad());
    Tensor plain;
    {
      InferenceMode inference;
      plain = F::max_pool2d(F::conv2d(x, w, b, cs.stride, cs.pad, cs.dil, cs.groups), 2);
      // A second, smaller call reuses the (larger) workspace.
      const auto one = F::conv2d(x.narrow(0, 1, 1), w, b, cs.stride, cs.pad, cs.dil, cs.groups);
      NoGradGuard no_grad;
      const auto again = F::conv2d(x, w, b, cs.stride, cs.pad, cs.dil, cs.groups);
      CHECK(bitwise_equal(one, again.narrow(0, 1, 1).contiguous()));
    }
    CHECK_FALSE(plain.requires_grad());
    CHECK(bitwise_equal(plain, recorded.detach()));
  }
}

}  // namespace TORCHLET_TEST_FILE
