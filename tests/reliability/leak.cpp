// Nothing leaks: 10,000 training steps of a small MLP with SGD free each step's autograd
// graph and keep the process's resident memory flat. In the normal suite the resident set
// size (RSS) after step 10,000 must be within 1 MiB of the RSS after step 1,000 (a leak of
// ~120 bytes per step would exceed it); under AddressSanitizer (the asan preset, which CI
// runs) LeakSanitizer checks that nothing is left unfreed at exit, and the RSS bound is not
// checked because ASan's quarantine keeps freed memory resident by design.
#include <cstdio>
#include <memory>
#include <vector>

#if defined(__linux__)
#include <unistd.h>
#endif

#include <torchlet/torchlet.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

#if defined(__SANITIZE_ADDRESS__)
#define TORCHLET_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TORCHLET_TEST_ASAN 1
#endif
#endif

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
#if defined(__linux__) && !defined(TORCHLET_TEST_ASAN)
  REQUIRE(rss_1000 > 0);
  CHECK(rss_10000 - rss_1000 <= (1 << 20));
#else
  SUCCEED(
      "RSS bound not checked here (not Linux, or AddressSanitizer's quarantine); LeakSanitizer "
      "checks leaks");
#endif
}

TEST_CASE("the buffer cache keeps no huge buffer and gives way to a larger working set") {
  // Peak memory (tensor/storage.hpp, issue 16): buffers of kHugeBytes (32 MiB) and more are not
  // cached, and the first such request empties a cache that holds fewer bytes than it asks.
  empty_buffer_cache();
  const std::size_t limit = buffer_cache_limit();
  {
    auto small = ones<float>({1 << 19});  // 2 MiB: cached when freed
    CHECK(small.sum().item() == float(1 << 19));
  }
  const std::size_t small_cached = buffer_cache_bytes();
  CHECK(small_cached >= (std::size_t(2) << 20));
  const long long rss_before = rss_bytes();
  long long rss_with_huge = 0;
  {
    auto huge = ones<float>({std::int64_t(24) << 20});  // 96 MiB, written: resident
    CHECK(buffer_cache_bytes() == 0);                   // the small buffer went first
    CHECK(huge.sum().item() == float(std::int64_t(24) << 20));
    rss_with_huge = rss_bytes();
  }
  CHECK(buffer_cache_bytes() == 0);  // the huge buffer was not kept
  const long long rss_after = rss_bytes();
  INFO("RSS before " << rss_before << ", with the 96 MiB tensor " << rss_with_huge << ", after "
                     << rss_after);
#if defined(__linux__) && !defined(TORCHLET_TEST_ASAN)
  CHECK(rss_with_huge - rss_before >= (80LL << 20));
  CHECK(rss_after - rss_before <= (8LL << 20));  // returned to the system
#endif
  // A cache holding more than a huge request asks is left alone.
  set_buffer_cache_limit(std::size_t(512) << 20);
  {
    std::vector<Tensor> keep;
    for (int i = 0; i < 20; ++i) keep.push_back(ones<float>({1 << 19}));
  }  // 20 x 2 MiB (+ alignment) cached
  const std::size_t many = buffer_cache_bytes();
  CHECK(many >= (std::size_t(40) << 20));
  { auto huge = Tensor::empty({std::int64_t(9) << 20}); }  // 36 MiB < what is cached
  CHECK(buffer_cache_bytes() == many);
  set_buffer_cache_limit(limit);
  empty_buffer_cache();
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef TORCHLET_TEST_ASAN
