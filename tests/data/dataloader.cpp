// DataLoader with num_workers = 0: deduction from designated initializers, the range
// protocol, laziness, samplers and batch samplers, collate functions, iterable datasets,
// errors.
#include <algorithm>
#include <list>
#include <numeric>
#include <optional>
#include <ranges>
#include <set>
#include <vector>

#include <torchlet/data.hpp>
#include <torchlet/tensor.hpp>

#include "catch.hpp"
#include "fixtures.hpp"
#include "helpers.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using test::CountingDataset;

namespace {
using Sample = std::pair<Tensor, std::int64_t>;

std::vector<Sample> make_samples(int n) {
  std::vector<Sample> v;
  for (int i = 0; i < n; ++i) v.push_back({full({2}, static_cast<float>(i)), i});
  return v;
}

/// A stream of n (x, i) pairs with no random access, counting the items read.
struct Stream {
  int n;
  int* reads;
  std::optional<int> throw_at = std::nullopt;
  struct iterator {
    const Stream* s;
    int i;
    Sample operator*() const {
      ++*s->reads;
      if (s->throw_at && i == *s->throw_at) throw std::runtime_error("bad record");
      return {full({1}, static_cast<float>(i)), i};
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

/// A dataset with the batched fast path; counts which path was taken.
struct Batched {
  data::TensorDataset<float, std::int64_t> inner{arange<float>(0, 10), arange<std::int64_t>(0, 10)};
  mutable int item_calls = 0, batch_calls = 0;
  std::size_t size() const { return inner.size(); }
  auto operator[](std::size_t i) const {
    ++item_calls;
    return inner[i];
  }
  auto get_batch(std::span<const std::size_t> idx) const {
    ++batch_calls;
    return inner.get_batch(idx);
  }
};

template <class L>
concept indexable = requires(L& l) {
  l[0];
};

struct Padded {
  Tensor x;
  std::vector<std::int64_t> lengths;
};
}  // namespace

TEST_CASE("the DataLoader is deduced from a braced designated initializer list") {
  auto samples = make_samples(10);
  data::DataLoader loader(samples, {.batch_size = 4, .shuffle = true, .num_workers = 0});
  static_assert(
      std::is_same_v<decltype(loader), data::DataLoader<std::vector<Sample>&>>);  // by reference
  static_assert(std::is_same_v<decltype(loader)::batch_type, std::pair<Tensor, LongTensor>>);
  data::DataLoader owned(make_samples(3), {.batch_size = 2});
  static_assert(
      std::is_same_v<decltype(owned), data::DataLoader<std::vector<Sample>>>);  // by value
  data::DataLoader plain(samples);
  CHECK(plain.size() == 10);  // batch_size 1
  // Every field, in PyTorch's argument order.
  data::DataLoader all(samples, {.batch_size = 3,
                                 .shuffle = false,
                                 .sampler = {},
                                 .batch_sampler = {},
                                 .num_workers = 0,
                                 .collate_fn = {},
                                 .drop_last = true,
                                 .prefetch_factor = 2,
                                 .seed = 1});
  CHECK(all.size() == 3);
  data::DataLoaderOptions opts{.batch_size = 5};
  data::DataLoader named(samples, opts);
  CHECK(named.size() == 2);
}

TEST_CASE("the DataLoader is an input range without operator[]") {
  using L = data::DataLoader<std::vector<Sample>&>;
  static_assert(std::ranges::input_range<L>);
  static_assert(std::ranges::sized_range<L>);
  static_assert(std::input_iterator<L::iterator>);
  static_assert(std::sentinel_for<std::default_sentinel_t, L::iterator>);
  static_assert(!indexable<L>);  // a loader is an iterable, not a sequence
  auto samples = make_samples(10);
  L loader(samples, {.batch_size = 3});
  std::int64_t total = 0;
  std::ranges::for_each(loader, [&](auto& batch) { total += batch.second.sum().item(); });
  CHECK(total == 45);
#if !defined(__clang__)  // libstdc++ 12's views do not compile with clang 14
  int n = 0;
  for (auto [x, y] : loader | std::views::take(2)) n += static_cast<int>(y.numel());
  CHECK(n == 6);
#endif
}

TEST_CASE("len(loader) and the batches match PyTorch's") {
  for (const auto& c : fixtures::batch_cases()) {
    std::vector<std::int64_t> ds(c.n);
    std::iota(ds.begin(), ds.end(), 0);
    data::DataLoader loader(ds, {.batch_size = c.batch_size, .drop_last = c.drop_last});
    INFO("n = " << c.n << ", batch_size = " << c.batch_size << ", drop_last = " << c.drop_last);
    CHECK(loader.size() == c.loader_len);
    std::vector<std::vector<std::size_t>> got;
    for (auto& b : loader) {
      std::vector<std::size_t> v;
      for (auto i : b.to_vector()) v.push_back(static_cast<std::size_t>(i));
      got.push_back(v);
    }
    CHECK(got == c.batches);
  }
}

TEST_CASE("next(iter(loader)) is the first batch") {
  auto samples = make_samples(10);
  data::DataLoader loader(samples, {.batch_size = 4});
  auto [x, y] = *loader.begin();
  CHECK(x.shape() == Shape{4, 2});
  CHECK(y.to_vector() == std::vector<std::int64_t>{0, 1, 2, 3});
}

TEST_CASE("each begin is a new epoch with a new shuffle and a seed replays the epochs") {
  auto samples = make_samples(40);
  data::DataLoader a(samples, {.batch_size = 8, .shuffle = true, .seed = 3});
  data::DataLoader b(samples, {.batch_size = 8, .shuffle = true, .seed = 3});
  const auto a1 = test::epoch_labels(a), a2 = test::epoch_labels(a);
  CHECK(a1 != a2);
  CHECK(test::epoch_labels(b) == a1);
  CHECK(test::epoch_labels(b) == a2);
  std::multiset<std::int64_t> seen;
  for (auto& batch : a1) seen.insert(batch.begin(), batch.end());
  CHECK(seen.size() == 40);
  CHECK(std::set<std::int64_t>(seen.begin(), seen.end()).size() == 40);
}

TEST_CASE("without a seed the shuffle follows manual_seed") {
  auto samples = make_samples(20);
  data::DataLoader loader(samples, {.batch_size = 5, .shuffle = true});
  manual_seed(123);
  const auto e1 = test::epoch_labels(loader);
  manual_seed(123);
  CHECK(test::epoch_labels(loader) == e1);
}

TEST_CASE("with no workers nothing is read before a batch is dereferenced") {
  CountingDataset ds(20);
  data::DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .seed = 1});
  auto it = loader.begin();
  CHECK(ds.reads == 0);
  auto& first = *it;
  CHECK(ds.reads == 4);
  CHECK(first.first.shape() == Shape{4, 2});
  *it;  // the same batch, not read again
  CHECK(ds.reads == 4);
  ++it;
  ++it;  // batch 1 skipped unread
  CHECK(ds.reads == 4);
  *it;
  CHECK(ds.reads == 8);
}

TEST_CASE("++ on an exhausted iterator throws, as next() raises StopIteration again") {
  // Map-style and iterable datasets, without and with workers: each of the four epochs.
  CountingDataset ds(6);
  int reads = 0;
  Stream s{6, &reads};
  for (std::size_t workers : {0, 2}) {
    CAPTURE(workers);
    data::DataLoader map_loader(ds, {.batch_size = 4, .num_workers = workers});
    data::DataLoader stream_loader(s, {.batch_size = 4, .num_workers = workers});
    auto check = [](auto& loader) {
      auto it = loader.begin();
      ++it;
      ++it;
      REQUIRE(it == loader.end());
      const auto msg = test::error_of<std::out_of_range>([&] { ++it; });
      CHECK(test::contains(msg, "++ on an iterator at the end of the epoch"));
      CHECK(test::contains(msg, "StopIteration"));
      CHECK_THROWS_AS(++it, std::out_of_range);  // again
      CHECK(test::contains(test::error_of([&] { *it; }), "dereferencing an iterator at the end"));
      CHECK(it == loader.end());
    };
    check(map_loader);
    check(stream_loader);
  }
}

TEST_CASE("leaving the loop early reads exactly the batches consumed") {
  CountingDataset ds(100);
  data::DataLoader loader(ds, {.batch_size = 10, .shuffle = true});
  int batches = 0;
  for (auto [x, y] : loader) {
    if (++batches == 3) break;
  }
  CHECK(ds.reads == 30);
}

TEST_CASE("a sampler chooses the indices and order") {
  auto samples = make_samples(10);
  std::vector<int> order{9, 7, 5, 3, 1};
  data::DataLoader loader(samples, {.batch_size = 2, .sampler = order});
  CHECK(loader.size() == 3);
  CHECK(test::epoch_labels(loader) == std::vector<std::vector<std::int64_t>>{{9, 7}, {5, 3}, {1}});
  data::DataLoader weighted(samples, {.batch_size = 5,
                                      .sampler = data::WeightedRandomSampler(
                                          {0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, 10, {.seed = 1})});
  for (auto& batch : test::epoch_labels(weighted))
    for (auto y : batch) CHECK(y == 2);
}

TEST_CASE("a batch sampler gives whole batches") {
  auto samples = make_samples(10);
  std::vector<std::vector<std::size_t>> lists{{0, 9}, {4}, {1, 2, 3}};
  data::DataLoader loader(samples, {.batch_sampler = lists});
  CHECK(loader.size() == 3);
  CHECK(test::epoch_labels(loader) ==
        std::vector<std::vector<std::int64_t>>{{0, 9}, {4}, {1, 2, 3}});
  data::DataLoader from_sampler(
      samples, {.batch_sampler = data::BatchSampler(data::SequentialSampler(10), 4, true)});
  CHECK(from_sampler.size() == 2);
}

TEST_CASE("a DistributedSampler given by reference sees set_epoch") {
  auto samples = make_samples(16);
  data::DistributedSampler sampler(samples, {.num_replicas = 2, .rank = 1, .seed = 5});
  data::DataLoader loader(samples, {.batch_size = 4, .sampler = sampler});
  CHECK(loader.size() == 2);
  const auto e0 = test::epoch_labels(loader);
  CHECK(test::epoch_labels(loader) == e0);
  sampler.set_epoch(1);
  CHECK(test::epoch_labels(loader) != e0);
}

TEST_CASE("contradictory options are rejected with PyTorch's messages") {
  auto samples = make_samples(10);
  std::vector<int> order{1, 2};
  std::vector<std::vector<int>> lists{{1}};
  CHECK(test::contains(test::error_of<std::invalid_argument>(
                           [&] { data::DataLoader(samples, {.shuffle = true, .sampler = order}); }),
                       "sampler option is mutually exclusive with shuffle"));
  CHECK(test::contains(test::error_of<std::invalid_argument>([&] {
                         data::DataLoader(samples, {.batch_size = 2, .batch_sampler = lists});
                       }),
                       "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                       "sampler, and drop_last"));
  CHECK_THROWS_AS(data::DataLoader(samples, {.batch_size = 0}), std::invalid_argument);
  CHECK_THROWS_AS(data::DataLoader(samples, {.num_workers = 1, .prefetch_factor = 0}),
                  std::invalid_argument);
}

TEST_CASE("an empty dataset gives no batches in order and refuses to shuffle like PyTorch") {
  auto none = make_samples(0);
  data::DataLoader in_order(none, {.batch_size = 4});
  CHECK(in_order.size() == 0);
  CHECK(in_order.begin() == in_order.end());
  // torch.utils.data.DataLoader([], shuffle=True) raises ValueError from RandomSampler.
  CHECK(test::contains(
      test::error_of<std::invalid_argument>([&] { data::DataLoader(none, {.shuffle = true}); }),
      "RandomSampler: num_samples should be a positive integer value, but got num_samples=0 "
      "(the dataset is empty)"));
}

TEST_CASE("a sampler index past the dataset is an error naming it") {
  auto samples = make_samples(5);
  std::vector<int> order{0, 5};
  data::DataLoader loader(samples, {.batch_size = 2, .sampler = order});
  const auto msg = test::error_of<data::DataLoaderError>([&] { *loader.begin(); });
  CHECK(test::contains(
      msg, "the sampler gave index 5 for batch 0, out of range for a dataset of 5 samples"));
}

TEST_CASE("an exception while reading names the sample and batch and nests the original") {
  CountingDataset ds(12);
  ds.throw_at = 6;
  data::DataLoader loader(ds, {.batch_size = 4});
  auto it = loader.begin();
  *it;
  ++it;
  try {
    *it;
    FAIL("no exception");
  } catch (const data::DataLoaderError& e) {
    CHECK(std::string(e.what()) == "DataLoader: reading sample 6 of batch 1 failed: boom at 6");
    CHECK(e.batch() == 1);
    CHECK(e.sample() == 6u);
    CHECK(!e.worker());
    CHECK_THROWS_WITH(std::rethrow_if_nested(e), "boom at 6");
  }
  ++it;  // the loop can go on
  CHECK((*it).second.to_vector() == std::vector<std::int64_t>{8, 9, 10, 11});
}

TEST_CASE("samples of different shapes are named by their dataset indices") {
  std::vector<Tensor> ds{zeros({2}), zeros({2}), zeros({3}), zeros({2})};
  std::vector<int> order{3, 1, 2};
  data::DataLoader loader(ds, {.batch_size = 3, .sampler = order});
  CHECK(test::error_of<data::CollateError>([&] { *loader.begin(); }) ==
        "default_collate: stack expects each tensor to be equal size, but got [2] at entry 0 "
        "(dataset index 3) and [3] "
        "at entry 2 (dataset index 2)");
}

TEST_CASE("a custom collate_fn replaces default_collate") {
  auto samples = make_samples(6);
  int calls = 0;
  data::DataLoader loader(samples,
                          {.batch_size = 3, .collate_fn = [&calls](std::vector<Sample>& s) {
                             ++calls;
                             auto b = data::default_collate(s);
                             b.first = b.first * 10.0f;
                             return b;
                           }});
  auto [x, y] = *loader.begin();
  CHECK(calls == 1);
  CHECK(x.to_vector() == std::vector<float>{0, 0, 10, 10, 20, 20});
  data::DataLoader by_span(
      samples, {.batch_size = 2, .collate_fn = [](std::span<const Sample> s) {
                  return std::pair{full({1}, static_cast<float>(s.size())), LongTensor::empty({0})};
                }});
  CHECK((*by_span.begin()).first.item() == 2.0f);
}

TEST_CASE("a collate_fn with another batch type names it through BasicDataLoader") {
  auto samples = make_samples(5);
  auto pad = [](const std::vector<Sample>& s) {
    Padded p{zeros({static_cast<std::int64_t>(s.size()), 2}), {}};
    for (auto& [x, y] : s) p.lengths.push_back(y);
    return p;
  };
  data::BasicDataLoader<std::vector<Sample>&, Padded> loader(samples,
                                                             {.batch_size = 2, .collate_fn = pad});
  std::vector<std::vector<std::int64_t>> lengths;
  for (const Padded& p : loader) lengths.push_back(p.lengths);
  CHECK(lengths == std::vector<std::vector<std::int64_t>>{{0, 1}, {2, 3}, {4}});
  // The deduced DataLoader has default_collate's batch type: the mismatch is reported.
  const auto msg = test::error_of<std::invalid_argument>(
      [&] { data::DataLoader(samples, {.collate_fn = pad}); });
  CHECK(test::contains(msg, "collate_fn takes samples of type"));
  CHECK(test::contains(msg, "BasicDataLoader<Dataset&, Batch>"));
  CHECK_THROWS_AS(
      data::DataLoader(samples, {.collate_fn = [](std::vector<int>& v) { return v.size(); }}),
      std::invalid_argument);
  CHECK_THROWS_AS((data::BasicDataLoader<std::vector<Sample>&, Padded>(samples, {.batch_size = 2})),
                  std::invalid_argument);  // no collate_fn for a custom batch type
}

TEST_CASE("a dataset offering get_batch is read by whole batches") {
  Batched ds;
  data::DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .seed = 2});
  std::multiset<std::int64_t> seen;
  for (auto [x, y] : loader)
    for (auto v : y.to_vector()) seen.insert(v);
  CHECK(seen.size() == 10);
  CHECK(ds.batch_calls == 3);
  CHECK(ds.item_calls == 0);
  // A collate_fn needs the samples: then operator[] is used.
  data::DataLoader custom(
      ds, {.batch_size = 5, .collate_fn = [](std::vector<std::tuple<Tensor, LongTensor>>& s) {
             return data::default_collate(s);
           }});
  for (auto& b : custom) (void)b;
  CHECK(ds.item_calls == 10);
}

TEST_CASE("a TensorDataset feeds the loader through its fast path") {
  auto x = randn({50, 3});
  auto y = arange<std::int64_t>(0, 50);
  data::TensorDataset ds(x, y);
  data::DataLoader loader(ds, {.batch_size = 16, .shuffle = true, .seed = 8});
  std::int64_t rows = 0;
  for (auto [bx, by] : loader) {
    REQUIRE(bx.size(0) == by.size(0));
    for (std::int64_t r = 0; r < bx.size(0); ++r) {
      const auto i = by.data()[r];
      CHECK(std::equal(bx.data() + r * 3, bx.data() + r * 3 + 3, x.data() + i * 3));
    }
    rows += bx.size(0);
  }
  CHECK(rows == 50);
}

TEST_CASE("an iterable dataset is batched in order and read lazily") {
  int reads = 0;
  Stream s{10, &reads};
  data::DataLoader loader(s, {.batch_size = 4});
  static_assert(std::ranges::input_range<decltype(loader)>);
  std::vector<std::vector<std::int64_t>> got;
  auto it = loader.begin();
  CHECK(reads == 0);
  for (; it != loader.end(); ++it) got.push_back((*it).second.to_vector());
  CHECK(got == std::vector<std::vector<std::int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});
  CHECK(reads == 10);
  data::DataLoader dropping(s, {.batch_size = 4, .drop_last = true});
  CHECK(test::epoch_labels(dropping).size() == 2);
}

TEST_CASE("an iterable dataset with a size has a length and no shuffling") {
  std::list<Sample> stream;
  for (int i = 0; i < 7; ++i) stream.push_back({full({1}, 1.0f), i});
  data::DataLoader loader(stream, {.batch_size = 3});
  CHECK(loader.size() == 3);
  CHECK(test::epoch_labels(loader).back() == std::vector<std::int64_t>{6});
  CHECK(test::contains(
      test::error_of<std::invalid_argument>([&] { data::DataLoader(stream, {.shuffle = true}); }),
      "an iterable dataset has no indices"));
}

TEST_CASE("an error in a stream is raised at its batch and ends the stream") {
  int reads = 0;
  Stream s{10, &reads, 5};
  data::DataLoader loader(s, {.batch_size = 4});
  auto it = loader.begin();
  CHECK((*it).second.numel() == 4);
  ++it;
  const auto msg = test::error_of<data::DataLoaderError>([&] { *it; });
  CHECK(msg == "DataLoader: reading item 5 of the iterable dataset (batch 1) failed: bad record");
  ++it;
  CHECK(it == loader.end());
}

TEST_CASE("a transformed dataset is read lazily by the loader") {
  CountingDataset ds(8);
  auto tf = data::transform(ds, [](Sample s) { return std::pair{s.first + 1.0f, s.second}; });
  data::DataLoader loader(tf, {.batch_size = 4});
  auto it = loader.begin();
  CHECK(ds.reads == 0);
  CHECK((*it).first.to_vector()[0] == 1.0f);
  CHECK(ds.reads == 4);
}

TEST_CASE("an rvalue dataset is owned by the loader") {
  data::DataLoader loader(make_samples(4), {.batch_size = 4});
  CHECK(loader.dataset().size() == 4);
  auto [x, y] = *loader.begin();
  CHECK(y.numel() == 4);
}

TEST_CASE("a moved loader keeps working and an iterator may outlive its loader safely") {
  auto samples = make_samples(6);
  std::optional<data::DataLoader<std::vector<Sample>&>> holder;
  holder.emplace(samples, data::DataLoaderOptions{.batch_size = 2});
  data::DataLoader<std::vector<Sample>&> moved(std::move(*holder));
  auto it = moved.begin();
  CHECK((*it).second.to_vector() == std::vector<std::int64_t>{0, 1});
  holder.reset();
  std::optional<data::DataLoader<std::vector<Sample>&>> gone;
  gone.emplace(samples, data::DataLoaderOptions{.batch_size = 2});
  auto orphan = gone->begin();
  gone.reset();  // the loader is destroyed: its epoch is stopped
  CHECK(orphan == std::default_sentinel);
  CHECK_THROWS_AS(*orphan, std::logic_error);
}

}  // namespace TORCHLET_TEST_FILE
