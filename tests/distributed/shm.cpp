// all_reduce's shared-memory path (distributed/detail/shm.hpp), and its fallback to MPI: ctest
// runs this program as it is (the ranks share this host: the path is on) and with
// TORCHLET_DISTRIBUTED_SHM=0 (MPI everywhere); both must give the same results. Sizes that
// span several slices, kernel blocks and ring regions, every dtype and ReduceOp, views,
// empty tensors, more operations in flight than the ring has regions, waits in different
// orders on different ranks, subgroups, and bitwise-equal float results on every rank.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include <torchlet/distributed.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace dist = torchlet::distributed;

namespace {

int rank() { return dist::get_rank(); }
int world() { return dist::get_world_size(); }

bool shm_expected() {
  const char* v = std::getenv("TORCHLET_DISTRIBUTED_SHM");
  return !(v && std::string(v) == "0");
}

// Rank r's value at i: small integers, exact in every dtype and op (products of W values < 8).
template <class T>
T value(int r, std::int64_t i) {
  if constexpr (std::is_same_v<T, bool>)
    return (r + i) % 3 != 0;
  else
    return static_cast<T>((r + i) % 4 + 1);
}

template <class T>
T expected(dist::ReduceOp op, std::int64_t i) {
  using dist::ReduceOp;
  if constexpr (std::is_same_v<T, bool>) {
    bool any = false, all = true;
    for (int r = 0; r < world(); ++r) {
      any = any || value<T>(r, i);
      all = all && value<T>(r, i);
    }
    return op == ReduceOp::SUM || op == ReduceOp::MAX ? any : all;
  } else {
    std::int64_t acc = op == ReduceOp::PRODUCT ? 1 : op == ReduceOp::MIN ? 1000 : 0;
    for (int r = 0; r < world(); ++r) {
      const auto v = static_cast<std::int64_t>(value<T>(r, i));
      if (op == ReduceOp::SUM || op == ReduceOp::AVG) acc += v;
      if (op == ReduceOp::PRODUCT) acc *= v;
      if (op == ReduceOp::MIN) acc = std::min(acc, v);
      if (op == ReduceOp::MAX) acc = std::max(acc, v);
    }
    if (op == ReduceOp::AVG) {
      if constexpr (std::is_floating_point_v<T>)
        return static_cast<T>(static_cast<T>(acc) / static_cast<T>(world()));
      else
        return static_cast<T>(acc / world());
    }
    return static_cast<T>(acc);
  }
}

template <class T>
std::vector<dist::ReduceOp> ops_for() {
  using dist::ReduceOp;
  if constexpr (std::is_same_v<T, bool>)
    return {ReduceOp::SUM, ReduceOp::PRODUCT, ReduceOp::MIN, ReduceOp::MAX};
  else
    return {ReduceOp::SUM, ReduceOp::AVG, ReduceOp::PRODUCT, ReduceOp::MIN, ReduceOp::MAX};
}

template <class T>
BasicTensor<T> rank_tensor(std::int64_t n) {
  auto t = BasicTensor<T>::empty({n});
  for (std::int64_t i = 0; i < n; ++i) t.data()[i] = value<T>(rank(), i);
  return t;
}

// Counts the elements that differ from the expected reduction (one CHECK per tensor).
template <class T>
std::int64_t wrong(const BasicTensor<T>& t, dist::ReduceOp op, std::int64_t first = 0) {
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) bad += t.data()[i] != expected<T>(op, first + i);
  return bad;
}

}  // namespace

TEST_CASE("the shared-memory path is on exactly when expected") {
  const bool on = dist::detail::ShmEngine::of(dist::world_group()) != nullptr;
  CHECK(on == shm_expected());
  // A group of one rank never takes it.
  for (int r = 0; r < world(); ++r) {
    auto solo = dist::new_group({r});
    if (rank() == r) CHECK(dist::detail::ShmEngine::of(solo) == nullptr);
  }
}

TEMPLATE_TEST_CASE("all_reduce of large tensors: every dtype and op, sync and async", "", float,
                   double, std::int64_t, std::int32_t, std::uint8_t, bool) {
  using T = TestType;
  // Sizes around the slice, cache-line and kernel-block boundaries, and one that grows the ring.
  for (std::int64_t n : {1, 2, 17, 1023, 1024 * 3 + 5, 100003, 300001})
    for (auto op : ops_for<T>())
      for (bool async_op : {false, true}) {
        INFO("n " << n << " op " << static_cast<int>(op) << " async " << async_op);
        auto t = rank_tensor<T>(n);
        auto w = dist::all_reduce(t, op, {.async_op = async_op});
        w.wait();
        CHECK(w.is_completed());
        CHECK(wrong(t, op) == 0);
      }
}

TEST_CASE("all_reduce on views writes exactly the window; empty tensors") {
  auto big = rank_tensor<float>(3000);
  auto window = big.narrow(0, 1000, 1001);
  dist::all_reduce(window, dist::ReduceOp::SUM);
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < 3000; ++i) {
    const float want =
        i >= 1000 && i < 2001 ? expected<float>(dist::ReduceOp::SUM, i) : value<float>(rank(), i);
    bad += big.data()[i] != want;
  }
  CHECK(bad == 0);
  auto empty = Tensor::empty({0, 7});
  dist::all_reduce(empty, dist::ReduceOp::AVG, {.async_op = true}).wait();
  dist::all_reduce(empty).wait();
  CHECK(empty.numel() == 0);
}

TEST_CASE("more all_reduces in flight than the ring has regions, waited in reverse") {
  const int k = static_cast<int>(dist::detail::kRingSlots) * 3 + 1;
  std::vector<LongTensor> ts;
  std::vector<dist::Work> works;
  for (int i = 0; i < k; ++i) {
    ts.push_back(rank_tensor<std::int64_t>(500 + 37 * i));
    works.push_back(dist::all_reduce(ts.back(), dist::ReduceOp::SUM, {.async_op = true}));
  }
  for (int i = k; i-- > 0;) works[static_cast<std::size_t>(i)].wait();
  for (auto& t : ts) CHECK(wrong(t, dist::ReduceOp::SUM) == 0);
}

TEST_CASE("a pending all_reduce, a blocking collective, then wait: in different orders") {
  auto a = rank_tensor<double>(20000);
  auto w = dist::all_reduce(a, dist::ReduceOp::SUM, {.async_op = true});
  auto b = IntTensor::empty({3});
  b.fill_(rank());
  if (rank() == 0) w.wait();  // rank 0 finishes first; the others only after the broadcast
  dist::broadcast(b, world() - 1);
  w.wait();
  CHECK(wrong(a, dist::ReduceOp::SUM) == 0);
  CHECK(b.to_vector() == std::vector<std::int32_t>(3, world() - 1));
  // Dropping a pending Work waits for it: the tensor holds the result afterwards.
  auto c = rank_tensor<float>(5000);
  { auto dropped = dist::all_reduce(c, dist::ReduceOp::MAX, {.async_op = true}); }
  CHECK(wrong(c, dist::ReduceOp::MAX) == 0);
}

TEST_CASE("float sums are bitwise equal on every rank and deterministic") {
  std::mt19937 gen(static_cast<std::uint32_t>(1234 + rank()));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto x = Tensor::empty({200003});
  for (std::int64_t i = 0; i < x.numel(); ++i) x.data()[i] = normal(gen) * 1e3f;
  auto y = x.clone();
  dist::all_reduce(x, dist::ReduceOp::AVG);
  dist::all_reduce(y, dist::ReduceOp::AVG, {.async_op = true}).wait();
  CHECK(std::memcmp(x.data(), y.data(), sizeof(float) * 200003) == 0);
  auto all = Tensor::empty({world(), 200003});
  dist::all_gather_into_tensor(all, x);
  std::int64_t differ = 0;
  for (int r = 1; r < world(); ++r)
    differ += std::memcmp(all.data(), all.data() + std::ptrdiff_t{r} * 200003,
                          sizeof(float) * 200003) != 0;
  CHECK(differ == 0);
}

TEST_CASE("subgroups: every rank but the last, and all ranks") {
  std::vector<int> members;
  for (int r = 0; r + 1 < world(); ++r) members.push_back(r);
  auto g = dist::new_group(members);
  auto all = dist::new_group();
  if (g.is_member()) {
    CHECK((dist::detail::ShmEngine::of(g) != nullptr) == (shm_expected() && g.size() > 1));
    auto t = IntTensor::empty({4099});
    t.fill_(rank() + 1);
    dist::all_reduce(t, dist::ReduceOp::SUM, {.group = g});
    CHECK(t.to_vector() == std::vector<std::int32_t>(4099, g.size() * (g.size() + 1) / 2));
  }
  auto u = rank_tensor<float>(7777);
  dist::all_reduce(u, dist::ReduceOp::PRODUCT, {.group = all, .async_op = true}).wait();
  CHECK(wrong(u, dist::ReduceOp::PRODUCT) == 0);
  dist::barrier();
}

TEST_CASE("above the shared-memory limit all_reduce goes through MPI") {
  // 64 MiB through MPI takes seconds on a busy machine: once, with 2 ranks and the path on.
  if (world() != 2 || !shm_expected()) return;
  const auto n = static_cast<std::int64_t>(dist::detail::kShmMaxBytes) + 65;
  auto t = ByteTensor::empty({n});
  std::memset(t.data(), 1, static_cast<std::size_t>(n));
  dist::all_reduce(t, dist::ReduceOp::SUM);
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < n; ++i) bad += t.data()[i] != world();
  CHECK(bad == 0);
}

}  // namespace TORCHLET_TEST_FILE
