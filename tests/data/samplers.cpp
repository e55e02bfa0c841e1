// Samplers: Sequential, Random, SubsetRandom, WeightedRandom, Batch, Distributed, and
// user types used through AnySampler / AnyBatchSampler.
#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <vector>

#include <torchlet/data.hpp>

#include "catch.hpp"
#include "fixtures.hpp"
#include "helpers.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {
template <class S>
std::vector<std::size_t> pass(S& s) {
  std::vector<std::size_t> out;
  for (auto i : s) out.push_back(static_cast<std::size_t>(i));
  return out;
}
template <class S>
std::vector<std::size_t> pass(S&& s) {
  return pass(s);
}
bool is_permutation_of_range(std::vector<std::size_t> v, std::size_t n) {
  std::sort(v.begin(), v.end());
  std::vector<std::size_t> r(n);
  std::iota(r.begin(), r.end(), 0);
  return v == r;
}
/// A user-defined sampler: every other index, from the end.
struct EveryOther {
  std::size_t n;
  std::vector<std::size_t> order() const {
    std::vector<std::size_t> v;
    for (std::size_t i = n; i >= 2; i -= 2) v.push_back(i - 1);
    return v;
  }
  std::vector<std::size_t> cache = order();
  auto begin() const { return cache.begin(); }
  auto end() const { return cache.end(); }
};
}  // namespace

TEST_CASE("SequentialSampler gives 0 to n-1 and its size") {
  data::SequentialSampler s(5);
  static_assert(data::Sampler<data::SequentialSampler>);
  static_assert(std::ranges::forward_range<data::SequentialSampler>);
  CHECK(pass(s) == std::vector<std::size_t>{0, 1, 2, 3, 4});
  CHECK(s.size() == 5);
  CHECK(pass(data::SequentialSampler(std::vector<int>(3))) == std::vector<std::size_t>{0, 1, 2});
  CHECK(pass(data::SequentialSampler(0)).empty());
}

TEST_CASE("RandomSampler draws a new permutation each pass and a seed replays them") {
  data::RandomSampler s(100, {.seed = 5});
  static_assert(data::Sampler<data::RandomSampler>);
  static_assert(std::ranges::input_range<data::RandomSampler>);
  const auto a = pass(s), b = pass(s);
  CHECK(is_permutation_of_range(a, 100));
  CHECK(is_permutation_of_range(b, 100));
  CHECK(a != b);
  data::RandomSampler t(100, {.seed = 5});
  CHECK(pass(t) == a);
  CHECK(pass(t) == b);
  CHECK(s.size() == 100);
}

TEST_CASE("RandomSampler without a seed follows manual_seed") {
  data::RandomSampler s(30);
  manual_seed(11);
  const auto a = pass(s);
  manual_seed(11);
  CHECK(pass(s) == a);
}

TEST_CASE("RandomSampler with num_samples above n chains whole permutations") {
  data::RandomSampler s(7, {.num_samples = 17, .seed = 1});
  const auto v = pass(s);
  REQUIRE(v.size() == 17);
  CHECK(is_permutation_of_range({v.begin(), v.begin() + 7}, 7));
  CHECK(is_permutation_of_range({v.begin() + 7, v.begin() + 14}, 7));
  CHECK(std::set<std::size_t>(v.begin() + 14, v.end()).size() == 3);
  CHECK(s.size() == 17);
  CHECK(pass(data::RandomSampler(7, {.num_samples = 3, .seed = 1})).size() == 3);
}

TEST_CASE("RandomSampler with replacement draws num_samples uniform indices") {
  data::RandomSampler s(4, {.replacement = true, .num_samples = 40000, .seed = 2});
  std::map<std::size_t, int> counts;
  for (auto i : s) ++counts[i];
  CHECK(counts.size() == 4);
  for (auto [i, c] : counts) CHECK(std::abs(c - 10000) < 400);  // ~4 sigma
}

TEST_CASE("RandomSampler rejects zero samples with PyTorch's message") {
  CHECK(test::contains(
      test::error_of<std::invalid_argument>([] { data::RandomSampler(5, {.num_samples = 0}); }),
      "num_samples should be a positive integer value, but got num_samples=0"));
  CHECK_THROWS_AS(data::RandomSampler(0), std::invalid_argument);
  CHECK_THROWS_AS(data::RandomSampler(0, {.replacement = true, .num_samples = 3}),
                  std::invalid_argument);
}

TEST_CASE("SubsetRandomSampler shuffles the given indices each pass") {
  data::SubsetRandomSampler s({10, 20, 30, 40, 50}, 3);
  auto a = pass(s);
  CHECK(s.size() == 5);
  std::sort(a.begin(), a.end());
  CHECK(a == std::vector<std::size_t>{10, 20, 30, 40, 50});
  std::set<std::vector<std::size_t>> orders;
  for (int k = 0; k < 20; ++k) orders.insert(pass(s));
  CHECK(orders.size() > 5);
}

TEST_CASE("WeightedRandomSampler with replacement draws in proportion to the weights") {
  data::WeightedRandomSampler s({1.0, 2.0, 7.0, 0.0}, 50000, {.seed = 9});
  std::vector<int> counts(4);
  for (auto i : s) ++counts[i];
  CHECK(counts[3] == 0);
  CHECK(std::abs(counts[0] / 50000.0 - 0.1) < 0.006);
  CHECK(std::abs(counts[1] / 50000.0 - 0.2) < 0.008);
  CHECK(std::abs(counts[2] / 50000.0 - 0.7) < 0.009);
  CHECK(s.size() == 50000);
}

TEST_CASE("WeightedRandomSampler without replacement draws distinct indices weighted first") {
  std::vector<int> first(3);
  data::WeightedRandomSampler s(tensor<float>({1.0f, 3.0f, 0.0f, 6.0f}), 3,
                                {.replacement = false, .seed = 4});
  for (int k = 0; k < 20000; ++k) {
    const auto v = pass(s);
    REQUIRE(v.size() == 3);
    CHECK(std::set<std::size_t>(v.begin(), v.end()).size() == 3);
    CHECK(std::find(v.begin(), v.end(), 2) == v.end());  // weight 0 never drawn
    ++first[v[0] == 0 ? 0 : v[0] == 1 ? 1 : 2];
  }
  CHECK(std::abs(first[0] / 20000.0 - 0.1) < 0.01);
  CHECK(std::abs(first[1] / 20000.0 - 0.3) < 0.015);
  CHECK(std::abs(first[2] / 20000.0 - 0.6) < 0.015);
}

TEST_CASE("WeightedRandomSampler rejects bad weights") {
  CHECK_THROWS_AS(data::WeightedRandomSampler({0.0, 0.0}, 1), std::invalid_argument);
  CHECK(test::contains(test::error_of<std::invalid_argument>([] {
                         data::WeightedRandomSampler({1.0, -1.0}, 1);
                       }),
                       "weights[1]"));
  CHECK_THROWS_AS(data::WeightedRandomSampler({1.0, 0.0}, 2, {.replacement = false}),
                  std::invalid_argument);
  CHECK_THROWS_AS(data::WeightedRandomSampler({1.0}, 0), std::invalid_argument);
}

TEST_CASE("BatchSampler gives PyTorch's batches and length") {
  for (const auto& c : fixtures::batch_cases()) {
    data::BatchSampler b(data::SequentialSampler(c.n), c.batch_size, c.drop_last);
    static_assert(data::BatchSamplerRange<decltype(b)>);
    std::vector<std::vector<std::size_t>> got;
    for (const auto& batch : b) got.push_back(batch);
    INFO("n = " << c.n << ", batch_size = " << c.batch_size << ", drop_last = " << c.drop_last);
    CHECK(got == c.batches);
    CHECK(b.size() == c.batches.size());
  }
  CHECK_THROWS_AS(data::BatchSampler(data::SequentialSampler(3), 0, false), std::invalid_argument);
}

TEST_CASE("BatchSampler holds an lvalue sampler by reference") {
  data::RandomSampler r(10, {.seed = 1});
  data::BatchSampler b(r, 4, false);
  static_assert(std::is_same_v<decltype(b), data::BatchSampler<data::RandomSampler&>>);
  CHECK(&b.sampler() == &r);
  std::vector<std::size_t> all;
  for (const auto& batch : b) all.insert(all.end(), batch.begin(), batch.end());
  CHECK(is_permutation_of_range(all, 10));
}

TEST_CASE("DistributedSampler without shuffle gives PyTorch's share to each rank") {
  for (const auto& c : fixtures::dist_cases()) {
    data::DistributedSampler s(
        c.n,
        {.num_replicas = c.replicas, .rank = c.rank, .shuffle = false, .drop_last = c.drop_last});
    INFO("n = " << c.n << ", replicas = " << c.replicas << ", rank = " << c.rank
                << ", drop_last = " << c.drop_last);
    CHECK(pass(s) == c.indices);
    CHECK(s.size() == c.indices.size());
  }
}

TEST_CASE("DistributedSampler shuffles the same way on every rank and anew with set_epoch") {
  const std::size_t n = 12, r = 3;
  std::vector<data::DistributedSampler> ranks;
  for (std::size_t k = 0; k < r; ++k)
    ranks.emplace_back(n, data::DistributedSamplerOptions{.num_replicas = r, .rank = k, .seed = 7});
  auto all_ranks = [&] {
    std::vector<std::size_t> all;
    for (auto& s : ranks) {
      auto v = pass(s);
      CHECK(v.size() == 4);
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  const auto e0 = all_ranks();
  CHECK(is_permutation_of_range(e0, n));  // the ranks partition the dataset
  CHECK(all_ranks() == e0);               // same epoch, same order
  for (auto& s : ranks) s.set_epoch(1);
  const auto e1 = all_ranks();
  CHECK(is_permutation_of_range(e1, n));
  CHECK(e1 != e0);
}

TEST_CASE("DistributedSampler rejects a rank outside the world") {
  CHECK(test::contains(test::error_of<std::invalid_argument>(
                           [] { data::DistributedSampler(10, {.num_replicas = 2, .rank = 2}); }),
                       "invalid rank 2, rank should be in the interval [0, 1]"));
  CHECK_THROWS_AS(data::DistributedSampler(10, {.num_replicas = 0}), std::invalid_argument);
}

TEST_CASE("any type with begin and end over indices works as a sampler") {
  static_assert(data::Sampler<EveryOther>);
  static_assert(data::Sampler<std::vector<int>>);
  static_assert(!data::Sampler<std::vector<double>>);
  data::AnySampler a(EveryOther{7});
  CHECK(!a.size());  // no size(): unknown length
  CHECK(pass(a) == std::vector<std::size_t>{6, 4, 2});
  std::vector<int> order{2, 0, 1};
  data::AnySampler b(order);  // held by reference
  order[0] = 1;
  CHECK(pass(b) == std::vector<std::size_t>{1, 0, 1});
  CHECK(*b.size() == 3);
  data::AnySampler neg(std::vector<int>{0, -1});
  CHECK(test::contains(test::error_of<std::out_of_range>([&] { pass(neg); }), "negative index -1"));
}

TEST_CASE("an lvalue sampler is seen by reference so set_epoch reaches it") {
  data::DistributedSampler d(8, {.num_replicas = 2, .rank = 0, .seed = 3});
  data::AnySampler a(d);
  const auto e0 = pass(a);
  d.set_epoch(5);
  CHECK(pass(a) != e0);
  CHECK(pass(a) == pass(d));
}

TEST_CASE("a list of index lists works as a batch sampler") {
  std::vector<std::vector<int>> lists{{3, 1}, {0}, {2, 2, 2}};
  data::AnyBatchSampler b(lists);
  auto cursor = b.start();
  std::vector<std::size_t> batch;
  std::vector<std::vector<std::size_t>> got;
  while (cursor->next(batch)) got.push_back(batch);
  CHECK(got == std::vector<std::vector<std::size_t>>{{3, 1}, {0}, {2, 2, 2}});
  CHECK(*b.size() == 3);
}

}  // namespace TORCHLET_TEST_FILE
