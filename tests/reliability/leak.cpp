// Nothing leaks: 10,000 training steps of a small MLP with SGD free each step's autograd
// graph and keep the process's resident memory flat. In the normal suite the resident set
// size (RSS) after step 10,000 must be within 1 MiB of the RSS after step 1,000 (a leak of
// ~120 bytes per step would exceed it); under AddressSanitizer (the asan preset, which CI
// runs) LeakSanitizer checks that nothing is left unfreed at exit, and the RSS bound is not
// checked because ASan's quarantine keeps freed memory resident by design.
#include <cstdio>
#include <memory>

#if defined(__linux__)
#include <unistd.h>
#endif

#include <torchlet/torchlet.hpp>

#include "catch.hpp"
#include "sanitizers.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {
/// Resident set size of this process in bytes (Linux: /proc/self/statm); 0 elsewhere.
long long rss_bytes() {
#if defined(__linux__)
  long long pages_total = 0, pages_resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%lld %lld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    std::fclose(f);
  }
  return pages_resident * static_cast<long long>(::sysconf(_SC_PAGESIZE));
#else
  return 0;
#endif
}
}  // namespace

TEST_CASE("10000 training steps free every autograd graph and keep memory flat") {
  manual_seed(3);
  nn::Sequential model{nn::Linear{16, 32}, nn::ReLU{}, nn::Linear{32, 4}};
  optim::SGD opt(model.parameters(), {.lr = 0.05, .momentum = 0.9});
  const Tensor x = randn<float>({8, 16});
  const LongTensor y = randint<std::int64_t>(0, 4, {8});

  long long rss_1000 = 0, rss_10000 = 0;
  double first_loss = 0, last_loss = 0;
  std::weak_ptr<autograd::Node<float>> graph;  // the last step's loss node
  for (int step = 1; step <= 10000; ++step) {
    opt.zero_grad();
    auto loss = nn::functional::cross_entropy(model(x), y);
    loss.backward();
    opt.step();
    if (step == 1) first_loss = loss.item();
    last_loss = loss.item();
    graph = loss.impl()->grad_fn;
    if (step == 1000) rss_1000 = rss_bytes();
    if (step == 10000) rss_10000 = rss_bytes();
  }
  // The loss tensor of the last step is gone, and with it the whole graph.
  CHECK(graph.expired());
  CHECK(last_loss < first_loss);  // it did train

  INFO("RSS after step 1,000: " << rss_1000 << " bytes, after step 10,000: " << rss_10000
                                << " bytes");
#if defined(__linux__)
  if constexpr (!::test::kAddressSanitizer) {
    REQUIRE(rss_1000 > 0);
    CHECK(rss_10000 - rss_1000 <= (1 << 20));
    return;
  }
#endif
  SUCCEED(
      "RSS bound not checked here (not Linux, or AddressSanitizer's quarantine); LeakSanitizer "
      "checks leaks");
}

}  // namespace TORCHLET_TEST_FILE
