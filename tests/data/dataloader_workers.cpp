// DataLoader with num_workers > 0: order, determinism, bounded prefetch, errors rethrown
// at their batch, prompt shutdown, iterable datasets, get_worker_info. These tests also
// run under ThreadSanitizer; they sleep only where timing is what they check.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <torchlet/data.hpp>
#include <torchlet/tensor.hpp>

#include "catch.hpp"
#include "helpers.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using test::CountingDataset;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// Waits until pred() or 10 s.
template <class P>
bool eventually(P pred) {
  const auto t = Clock::now();
  while (!pred()) {
    if (seconds_since(t) > 10) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

/// Even batches (of 4) are slow: workers finish out of order.
struct Uneven {
  std::size_t size() const { return 40; }
  std::int64_t operator[](std::size_t i) const {
    if ((i / 4) % 2 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return static_cast<std::int64_t>(i);
  }
};

/// Records which worker read each sample.
struct WhoReads {
  std::size_t size() const { return 24; }
  std::pair<std::int64_t, std::int64_t> operator[](std::size_t i) const {
    const auto* w = data::get_worker_info();
    return {static_cast<std::int64_t>(i), w ? static_cast<std::int64_t>(w->id) : -1};
  }
};

struct IndexStream {
  int n;
  std::optional<int> throw_at = std::nullopt;
  struct iterator {
    const IndexStream* s;
    int i;
    std::int64_t operator*() const {
      if (s->throw_at && i == *s->throw_at) throw std::runtime_error("bad record");
      return i;
    }
    iterator& operator++() {
      ++i;
      return *this;
    }
    bool operator!=(const iterator& o) const { return i != o.i; }
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, n}; }
};
}  // namespace

TEST_CASE("workers deliver batches in sampler order whoever finishes first") {
  Uneven ds;
  for (std::size_t w : {1, 2, 3}) {
    data::DataLoader loader(ds, {.batch_size = 4, .num_workers = w});
    std::vector<std::int64_t> got;
    for (auto& b : loader)
      for (auto v : b.to_vector()) got.push_back(v);
    std::vector<std::int64_t> want(40);
    std::iota(want.begin(), want.end(), 0);
    CHECK(got == want);
  }
}

TEST_CASE("the same seed gives the same batches whatever num_workers is") {
  auto x = randn({103, 5});
  data::TensorDataset tds(x, arange<std::int64_t>(0, 103));
  CountingDataset cds(103);
  std::vector<std::vector<std::int64_t>> ref_t, ref_c;
  for (std::size_t w : {0, 1, 2, 3}) {
    data::DataLoader lt(tds, {.batch_size = 10, .shuffle = true, .num_workers = w, .seed = 42});
    data::DataLoader lc(
        cds, {.batch_size = 10, .shuffle = true, .num_workers = w, .drop_last = true, .seed = 42});
    std::vector<std::vector<std::int64_t>> et, ec;
    for (int epoch = 0; epoch < 2; ++epoch) {
      for (auto [bx, by] : lt) et.push_back(by.to_vector());
      for (auto [bx, by] : lc) ec.push_back(by.to_vector());
    }
    if (w == 0) {
      ref_t = et;
      ref_c = ec;
      CHECK(et.size() == 22);
      CHECK(ec.size() == 20);
    } else {
      CHECK(et == ref_t);
      CHECK(ec == ref_c);
    }
  }
}

TEST_CASE("batch k is loaded by worker k mod num_workers") {
  WhoReads ds;
  data::DataLoader loader(ds, {.batch_size = 3, .num_workers = 3});
  std::int64_t k = 0;
  for (auto [idx, worker] : loader) {
    for (auto w : worker.to_vector()) CHECK(w == k % 3);
    ++k;
  }
  CHECK(k == 8);
  CHECK(data::get_worker_info() == nullptr);  // not in a worker
}

TEST_CASE("workers prefetch at most num_workers times prefetch_factor batches") {
  CountingDataset ds(200);
  data::DataLoader loader(ds, {.batch_size = 4, .num_workers = 2, .prefetch_factor = 3});
  auto it = loader.begin();
  CHECK(eventually([&] { return ds.reads == 6 * 4; }));  // 2 * 3 batches in flight
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(ds.reads == 6 * 4);  // and no more
  *it;
  ++it;  // one batch released: one more may load
  CHECK(eventually([&] { return ds.reads == 7 * 4; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(ds.reads == 7 * 4);
}

TEST_CASE("an exception in a worker is rethrown at its batch with the sample index") {
  CountingDataset ds(40);
  ds.throw_at = 13;
  data::DataLoader loader(ds, {.batch_size = 4, .num_workers = 2});
  std::vector<std::int64_t> firsts;
  std::optional<data::DataLoaderError> error;
  for (auto it = loader.begin(); it != loader.end(); ++it) {
    try {
      firsts.push_back((*it).second.to_vector()[0]);
    } catch (const data::DataLoaderError& e) {
      error = e;
      CHECK(firsts.size() == 3);  // batches 0, 1, 2 came first
      CHECK_THROWS_WITH(std::rethrow_if_nested(e), "boom at 13");
    }
  }
  REQUIRE(error);
  CHECK(std::string(error->what()) ==
        "DataLoader: reading sample 13 of batch 3 failed in DataLoader worker 1: boom at 13");
  CHECK(error->batch() == 3);
  CHECK(error->sample() == 13u);
  CHECK(error->worker() == 1u);
  CHECK(firsts.size() == 9);  // the epoch went on after the failed batch
  CHECK(firsts.back() == 36);
}

TEST_CASE("a collate error in a worker reaches the consumer") {
  std::vector<Tensor> ds{zeros({2}), zeros({2}), zeros({3}), zeros({2})};
  data::DataLoader loader(ds, {.batch_size = 2, .num_workers = 2});
  auto it = loader.begin();
  CHECK((*it).shape() == Shape{2, 2});
  ++it;
  CHECK(test::contains(test::error_of<data::CollateError>([&] { *it; }),
                       "[3] at entry 0 (dataset index 2)"));
}

TEST_CASE("breaking out of the loop joins the workers within a sample's time") {
  CountingDataset ds(64);
  ds.delay = std::chrono::milliseconds(20);  // a batch of 16 takes 320 ms
  data::DataLoader loader(ds, {.batch_size = 16, .num_workers = 2, .prefetch_factor = 2});
  Clock::time_point broke;
  for (auto [x, y] : loader) {
    CHECK(y.numel() == 16);
    broke = Clock::now();
    break;
  }
  const double join = seconds_since(broke);
  CHECK(join < 0.2);  // not the 320 ms of the batch a worker was loading
  const auto reads = ds.reads.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  CHECK(ds.reads == reads);  // nobody is reading any more
}

TEST_CASE("destroying the loader mid-epoch stops and joins its workers") {
  CountingDataset ds(64);
  ds.delay = std::chrono::milliseconds(20);
  std::optional<data::DataLoader<CountingDataset&>> loader;
  loader.emplace(ds, data::DataLoaderOptions{.batch_size = 16, .num_workers = 2});
  auto it = loader->begin();
  CHECK((*it).second.numel() == 16);
  const auto t = Clock::now();
  loader.reset();
  CHECK(seconds_since(t) < 0.2);
  const auto reads = ds.reads.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  CHECK(ds.reads == reads);
  CHECK(it == std::default_sentinel);  // the epoch is over
}

TEST_CASE("epochs follow one another and may overlap") {
  CountingDataset ds(30);
  data::DataLoader loader(ds, {.batch_size = 7, .shuffle = true, .num_workers = 2, .seed = 1});
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::multiset<std::int64_t> seen;
    for (auto [x, y] : loader)
      for (auto v : y.to_vector()) seen.insert(v);
    CHECK(seen.size() == 30);
    CHECK(std::set<std::int64_t>(seen.begin(), seen.end()).size() == 30);
  }
  auto a = loader.begin();
  auto b = loader.begin();  // a second epoch while the first runs, like two iter(loader)
  int na = 0, nb = 0;
  for (; b != loader.end(); ++b) ++nb;
  for (; a != loader.end(); ++a) ++na;
  CHECK(na == 5);
  CHECK(nb == 5);
}

TEST_CASE("a dataset with get_batch is loaded by workers through it") {
  auto x = randn({100, 4});
  data::TensorDataset ds(x, arange<std::int64_t>(0, 100));
  data::DataLoader loader(ds, {.batch_size = 8, .shuffle = true, .num_workers = 2, .seed = 6});
  std::int64_t rows = 0;
  for (auto [bx, by] : loader) {
    for (std::int64_t r = 0; r < bx.size(0); ++r)
      CHECK(std::equal(bx.data() + r * 4, bx.data() + r * 4 + 4, x.data() + by.data()[r] * 4));
    rows += bx.size(0);
  }
  CHECK(rows == 100);
}

TEST_CASE("workers read an iterable dataset in order") {
  IndexStream s{23};
  for (std::size_t w : {1, 2, 3}) {
    data::DataLoader loader(s, {.batch_size = 5, .num_workers = w, .prefetch_factor = 1});
    std::vector<std::int64_t> got;
    std::size_t batches = 0;
    for (auto& b : loader) {
      ++batches;
      for (auto v : b.to_vector()) got.push_back(v);
    }
    std::vector<std::int64_t> want(23);
    std::iota(want.begin(), want.end(), 0);
    CHECK(got == want);
    CHECK(batches == 5);
    data::DataLoader dropping(s, {.batch_size = 5, .num_workers = w, .drop_last = true});
    batches = 0;
    for (auto& b : dropping) batches += b.numel() == 5;
    CHECK(batches == 4);
    data::DataLoader exact(IndexStream{20}, {.batch_size = 5, .num_workers = w});
    batches = 0;
    for (auto& b : exact) batches += b.numel() == 5;
    CHECK(batches == 4);
  }
}

TEST_CASE("an error in a stream read by a worker is raised at its batch and ends the epoch") {
  IndexStream s{30, 12};
  data::DataLoader loader(s, {.batch_size = 5, .num_workers = 2});
  int good = 0;
  std::string msg;
  for (auto it = loader.begin(); it != loader.end(); ++it) {
    try {
      *it;
      ++good;
    } catch (const data::DataLoaderError& e) {
      msg = e.what();
    }
  }
  CHECK(good == 2);
  CHECK(msg ==
        "DataLoader: reading item 12 of the iterable dataset (batch 2) failed in DataLoader worker "
        "0: bad record");
}

TEST_CASE("two slow workers load close to twice as fast as none") {
  CountingDataset ds(48);
  ds.delay = std::chrono::milliseconds(2);
  auto time_epoch = [&](std::size_t workers) {
    data::DataLoader loader(ds, {.batch_size = 8, .num_workers = workers});
    const auto t = Clock::now();
    for (auto& b : loader) (void)b;
    return seconds_since(t);
  };
  const double t0 = time_epoch(0), t2 = time_epoch(2);
  INFO("0 workers: " << t0 << " s, 2 workers: " << t2 << " s");
  CHECK(t2 < 0.75 * t0);  // sleeping samples overlap; 2x in the benchmark, loosely here
}

}  // namespace TORCHLET_TEST_FILE
