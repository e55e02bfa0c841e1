// The compiled mode's runtime CPU dispatch (detail/cpu_dispatch.hpp): every capability this CPU
// runs trains a small convnet to the same losses (within float rounding) and multiplies
// matrices to the same values; the matrix products give the same bits for 1 and 2 threads
// under each; TORCHLET_CPU_CAPABILITY forces one, and a value it does not take is an error
// naming the variable. Linked with torchlet::compiled whichever mode the suites are built in.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "catch.hpp"

#ifndef TORCHLET_COMPILED_LIB
#error "tests/compiled/cpu_dispatch.cpp tests the compiled mode: link torchlet::compiled"
#endif

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using torchlet::detail::CpuCapability;
namespace F = torchlet::nn::functional;

const CpuCapability kAll[] = {CpuCapability::DEFAULT, CpuCapability::AVX2, CpuCapability::AVX512};

/// The capabilities this CPU and this build run (DEFAULT always).
std::vector<CpuCapability> available() {
  std::vector<CpuCapability> out;
  for (CpuCapability c : kAll)
    if (detail::cpu_capability_available(c)) out.push_back(c);
  return out;
}

const char* name(CpuCapability c) {
  return c == CpuCapability::AVX512 ? "AVX512" : c == CpuCapability::AVX2 ? "AVX2" : "DEFAULT";
}

/// Restores the capability in use when it goes out of scope.
struct UseCapability {
  CpuCapability before = detail::cpu_kernels().capability;
  explicit UseCapability(CpuCapability c) { detail::set_cpu_capability(c); }
  ~UseCapability() { detail::set_cpu_capability(before); }
  UseCapability(const UseCapability&) = delete;
  UseCapability& operator=(const UseCapability&) = delete;
};

struct Cnn : nn::Module {
  nn::Conv2d conv1{1, 8, 3};
  nn::Conv2d conv2{8, 16, 3};
  nn::ConvTranspose2d up{16, 4, 2, {.stride = 2}};
  nn::Linear fc{4 * 24 * 24, 10};
  Cnn() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("up", up);
    register_module("fc", fc);
  }
  Tensor forward(const Tensor& input) override {
    auto x = F::relu(conv1(input));           // [B, 8, 26, 26]
    x = F::max_pool2d(F::relu(conv2(x)), 2);  // [B, 16, 12, 12]
    x = F::relu(up(x));                       // [B, 4, 24, 24]
    return F::log_softmax(fc(x.flatten(1)), 1);
  }
};

/// Losses of 20 plain SGD steps (no momentum, which amplifies rounding differences) on a fixed
/// batch, from the same seed, under capability `c`.
std::vector<float> train(CpuCapability c) {
  UseCapability use(c);
  manual_seed(11);
  Cnn net;
  optim::SGD opt(net.parameters(), {.lr = 0.02});
  auto x = randn<float>({16, 1, 28, 28});
  auto y = randint<std::int64_t>(0, 10, {16});
  std::vector<float> losses;
  for (int step = 0; step < 20; ++step) {
    opt.zero_grad();
    auto loss = F::nll_loss(net(x), y);
    loss.backward();
    opt.step();
    losses.push_back(loss.item());
  }
  return losses;
}

TEST_CASE("every capability this CPU runs trains to the same losses") {
  const auto caps = available();
  INFO("capabilities available: " << caps.size());
  const auto reference = train(CpuCapability::DEFAULT);
  REQUIRE(reference.back() < reference.front());
  for (CpuCapability c : caps) {
    INFO("capability " << name(c));
    const auto losses = train(c);
    REQUIRE(losses.size() == reference.size());
    for (std::size_t i = 0; i < losses.size(); ++i)
      CHECK(losses[i] == Approx(reference[i]).epsilon(1e-5));
  }
}

TEST_CASE("every capability multiplies float and double matrices to the same values") {
  manual_seed(3);
  const auto a = randn<double>({37, 300});
  const auto b = randn<double>({300, 91});
  const auto af = a.to<float>(), bf = b.to<float>();
  Tensor ref_f;
  BasicTensor<double> ref_d;
  {
    UseCapability use(CpuCapability::DEFAULT);
    ref_f = af.matmul(bf);
    ref_d = a.t().contiguous().t().matmul(b);  // a transposed operand, read in place
  }
  for (CpuCapability c : available()) {
    INFO("capability " << name(c));
    UseCapability use(c);
    CHECK(allclose(af.matmul(bf), ref_f, 1e-5, 1e-4));
    CHECK(allclose(a.t().contiguous().t().matmul(b), ref_d, 1e-12, 1e-12));
    CHECK(torchlet::backends::cpu::get_cpu_capability() == name(c));
    // Split across threads at the capability's column blocks: the same bits as one thread.
    const auto big_a = randn<float>({64, 784}), big_b = randn<float>({784, 256});
    std::vector<float> one, two;
    {
      set_num_threads(1);
      one = big_a.matmul(big_b).to_vector();
      set_num_threads(2);
      two = big_a.matmul(big_b).to_vector();
      set_num_threads(1);
    }
    CHECK(one == two);
  }
}

TEST_CASE(
    "every capability computes exp, log, tanh, sigmoid, sums and softmax to the same values") {
  manual_seed(5);
  // 4099 elements: the vectorised kernels' packet loops and their scalar tails both run.
  const auto xd = randn<double>({4099});
  const auto x = xd.to<float>();
  const auto pos = x.abs() + 0.5f;
  const auto rows = randn<float>({37, 129}) * 4.0f;
  const auto rows_d = rows.to<double>();
  const auto ref_exp = xd.exp().to<float>(), ref_log = pos.to<double>().log().to<float>();
  const auto ref_tanh = xd.tanh().to<float>(), ref_sigmoid = xd.sigmoid().to<float>();
  const auto ref_soft = rows_d.softmax(1).to<float>(),
             ref_log_soft = rows_d.log_softmax(1).to<float>();
  const double ref_sum = xd.sum().item();
  const detail::CpuKernels* previous = nullptr;
  for (CpuCapability c : available()) {
    INFO("capability " << name(c));
    UseCapability use(c);
    const detail::CpuKernels& k = detail::cpu_kernels();
    if (previous) {  // each capability's table holds kernels compiled for it
      CHECK(k.unary_f32 != previous->unary_f32);
      CHECK(k.sum_f32 != previous->sum_f32);
      CHECK(k.softmax_f32 != previous->softmax_f32);
    }
    previous = &k;
    CHECK(allclose(x.exp(), ref_exp, 1e-6, 1e-6));
    CHECK(allclose(pos.log(), ref_log, 1e-6, 1e-6));
    CHECK(allclose(x.tanh(), ref_tanh, 1e-6, 1e-6));
    CHECK(allclose(x.sigmoid(), ref_sigmoid, 1e-6, 1e-6));
    CHECK(x.sum().item() == Approx(ref_sum).epsilon(1e-5));
    CHECK(xd.sum().item() == Approx(ref_sum).epsilon(1e-12));
    CHECK(allclose(rows.softmax(1), ref_soft, 1e-6, 1e-7));
    CHECK(allclose(rows.log_softmax(1), ref_log_soft, 1e-5, 1e-5));
    // In place on a temporary, and a row of -inf (NaN, as in PyTorch).
    CHECK(allclose((x * 1.0f).exp(), ref_exp, 1e-6, 1e-6));
    const auto inf_row = full<float>({1, 3}, -std::numeric_limits<float>::infinity());
    CHECK(std::isnan(inf_row.softmax(1).to_vector()[0]));
  }
}

TEST_CASE("a capability this CPU or build lacks is refused, naming it") {
  for (CpuCapability c : kAll) {
    if (detail::cpu_capability_available(c)) continue;
    REQUIRE_THROWS_AS(detail::set_cpu_capability(c), std::invalid_argument);
    REQUIRE_THROWS_WITH(detail::set_cpu_capability(c), Catch::Contains(name(c)));
  }
  CHECK(detail::cpu_capability_available(CpuCapability::DEFAULT));
}

TEST_CASE("TORCHLET_CPU_CAPABILITY's values are parsed, others refused with what was found") {
  CHECK(detail::parse_cpu_capability("default") == CpuCapability::DEFAULT);
  CHECK(detail::parse_cpu_capability("AVX2") == CpuCapability::AVX2);
  CHECK(detail::parse_cpu_capability("avx512") == CpuCapability::AVX512);
  REQUIRE_THROWS_WITH(detail::parse_cpu_capability("avx3"),
                      Catch::Contains("TORCHLET_CPU_CAPABILITY") && Catch::Contains("avx512") &&
                          Catch::Contains("\"avx3\""));
  REQUIRE_THROWS_AS(detail::parse_cpu_capability(""), std::invalid_argument);
}

// Run by CTest with TORCHLET_CPU_CAPABILITY set (tests/CMakeLists.txt): the kernels it names are
// the ones in use from the first product on, or, for a value it does not take, the first product
// throws.
TEST_CASE("TORCHLET_CPU_CAPABILITY forces the kernels", "[.env]") {
  const char* env = std::getenv("TORCHLET_CPU_CAPABILITY");
  REQUIRE(env != nullptr);
  const CpuCapability c = detail::parse_cpu_capability(env);
  if (!detail::cpu_capability_available(c)) {
    WARN("SKIPPED: this CPU lacks " << name(c));
    return;
  }
  const auto x = ones<float>({4, 8}).matmul(ones<float>({8, 3}));
  CHECK(x.sum().item() == 4 * 3 * 8);
  CHECK(torchlet::backends::cpu::get_cpu_capability() == name(c));
}

TEST_CASE("a TORCHLET_CPU_CAPABILITY it does not take makes the first product throw",
          "[.bad-env]") {
  REQUIRE_THROWS_WITH(ones<float>({2, 2}).matmul(ones<float>({2, 2})),
                      Catch::Contains("TORCHLET_CPU_CAPABILITY") &&
                          Catch::Contains(std::getenv("TORCHLET_CPU_CAPABILITY")));
}

}  // namespace TORCHLET_TEST_FILE
