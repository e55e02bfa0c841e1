// The Dataset and IterableDataset concepts, TensorDataset, Subset, ConcatDataset,
// random_split and data::transform.
#include <algorithm>
#include <list>
#include <numeric>
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

namespace {
struct Squares {
  std::size_t size() const { return 10; }
  std::pair<Tensor, std::int64_t> operator[](std::size_t i) const {
    return {full({1}, static_cast<float>(i)), static_cast<std::int64_t>(i * i)};
  }
};
struct NoGetItem {
  std::size_t size() const { return 3; }
};
struct NoLen {
  int operator[](std::size_t i) const { return static_cast<int>(i); }
};
struct LenNotASize {
  std::string size() const { return "three"; }
  int operator[](std::size_t i) const { return static_cast<int>(i); }
};
/// A stream of 0, 1, ..., n-1 with no random access (a Python generator).
struct Counter {
  int n;
  struct iterator {
    int i;
    int operator*() const { return i; }
    iterator& operator++() {
      ++i;
      return *this;
    }
    bool operator!=(const iterator& o) const { return i != o.i; }
  };
  iterator begin() const { return {0}; }
  iterator end() const { return {n}; }
};
}  // namespace

TEST_CASE("a type with size and operator[] is a Dataset and std::size gives its length") {
  static_assert(data::Dataset<Squares>);
  static_assert(std::is_same_v<data::sample_t<Squares>, std::pair<Tensor, std::int64_t>>);
  Squares ds;
  CHECK(std::size(ds) == 10);
  CHECK(ds[3].second == 9);
}

TEST_CASE("a std::vector of examples is a Dataset as it is") {
  using Examples = std::vector<std::pair<Tensor, std::int64_t>>;
  static_assert(data::Dataset<Examples>);
  static_assert(data::Dataset<const Examples>);
  static_assert(std::is_same_v<data::sample_t<Examples>, std::pair<Tensor, std::int64_t>>);
  static_assert(!data::IterableDataset<Examples>);
}

TEST_CASE("types without size or operator[] are not Datasets") {
  static_assert(!data::Dataset<NoGetItem>);
  static_assert(!data::Dataset<NoLen>);
  static_assert(!data::Dataset<LenNotASize>);
  static_assert(!data::Dataset<int>);
  static_assert(!data::IterableDataset<NoGetItem>);
}

TEST_CASE("a stream with begin and end but no operator[] is an IterableDataset") {
  static_assert(data::IterableDataset<Counter>);
  static_assert(std::is_same_v<data::item_t<Counter>, int>);
  static_assert(data::IterableDataset<std::list<int>>);  // has size() but no operator[]
  static_assert(!data::Dataset<Counter>);
}

TEST_CASE("TensorDataset gives rows of tensors sharing the first dimension") {
  auto x = arange<float>(0, 12).reshape({4, 3});
  auto y = arange<std::int64_t>(10, 14);
  data::TensorDataset ds(x, y);
  static_assert(std::is_same_v<decltype(ds), data::TensorDataset<float, std::int64_t>>);
  static_assert(data::Dataset<decltype(ds)>);
  CHECK(ds.size() == 4);
  auto [xi, yi] = ds[2];
  CHECK(xi.shape() == Shape{3});
  CHECK(xi.to_vector() == std::vector<float>{6, 7, 8});
  CHECK(yi.dim() == 0);
  CHECK(yi.item() == 12);
  CHECK(xi.data() == x.data() + 6);  // a view, no copy
  CHECK(test::contains(test::error_of<std::out_of_range>([&] { ds[4]; }),
                       "index 4 is out of range for a dataset of 4"));
}

TEST_CASE("TensorDataset rejects tensors of different lengths naming both shapes") {
  const auto msg = test::error_of<ShapeError>([] {
    data::TensorDataset(zeros({5, 2}), zeros({4}));
  });
  CHECK(test::contains(msg, "size mismatch"));
  CHECK(test::contains(msg, "[4]"));
  CHECK(test::contains(msg, "[5, 2]"));
  CHECK_THROWS_AS(data::TensorDataset(scalar_tensor(1.0f)), ShapeError);
}

TEST_CASE("TensorDataset get_batch gathers rows straight into the batch like default_collate") {
  auto x = randn({20, 2, 3});
  auto y = randint(0, 9, {20});
  data::TensorDataset ds(x, y);
  const std::vector<std::size_t> idx{7, 0, 19, 7};
  auto [bx, by] = ds.get_batch(idx);
  std::vector<std::tuple<Tensor, LongTensor>> rows;
  for (auto i : idx) rows.push_back(ds[i]);
  auto [cx, cy] = data::default_collate(rows);
  CHECK(bx.shape() == Shape{4, 2, 3});
  CHECK(by.shape() == Shape{4});
  CHECK(bx.to_vector() == cx.to_vector());
  CHECK(by.to_vector() == cy.to_vector());
  CHECK_THROWS_AS(ds.get_batch(std::vector<std::size_t>{1, 20}), std::out_of_range);
}

TEST_CASE("Subset maps its indices to the dataset and checks them") {
  std::vector<int> base{10, 11, 12, 13, 14};
  data::Subset sub(base, {4, 0, 2});
  static_assert(std::is_same_v<decltype(sub), data::Subset<std::vector<int>&>>);
  CHECK(sub.size() == 3);
  CHECK(sub[0] == 14);
  CHECK(sub[2] == 12);
  base[4] = 99;  // held by reference
  CHECK(sub[0] == 99);
  CHECK_THROWS_AS(sub[3], std::out_of_range);
  CHECK(test::contains(test::error_of<std::out_of_range>([&] {
                         data::Subset(base, {1, 5});
                       }),
                       "indices[1] = 5"));

  data::Subset owned(std::vector<int>{1, 2, 3}, {2});  // an rvalue is held by value
  static_assert(std::is_same_v<decltype(owned), data::Subset<std::vector<int>>>);
  CHECK(owned[0] == 3);
}

TEST_CASE("Subset of a TensorDataset keeps the get_batch fast path") {
  data::TensorDataset ds(arange<float>(0, 10));
  data::Subset sub(ds, {9, 8, 7});
  auto [b] = sub.get_batch(std::vector<std::size_t>{0, 2});
  CHECK(b.to_vector() == std::vector<float>{9, 7});
  CHECK_THROWS_AS(sub.get_batch(std::vector<std::size_t>{3}), std::out_of_range);
}

TEST_CASE("ConcatDataset reads its datasets one after the other") {
  std::vector<int> a{0, 1, 2};
  std::vector<int> b{};
  data::ConcatDataset both(a, b, std::vector<int>{3, 4});
  CHECK(both.size() == 5);
  CHECK(both.cumulative_sizes() == std::array<std::size_t, 3>{3, 3, 5});
  for (std::size_t i = 0; i < 5; ++i) CHECK(both[i] == static_cast<int>(i));
  CHECK(test::contains(test::error_of<std::out_of_range>([&] { both[5]; }),
                       "index 5 is out of range"));
}

TEST_CASE("ConcatDataset joins datasets of different types with one sample type") {
  data::TensorDataset t(arange<float>(0, 3), arange<std::int64_t>(0, 3));
  std::vector<std::tuple<Tensor, LongTensor>> extra{{full({}, 9.0f), full<std::int64_t>({}, 9)}};
  data::ConcatDataset both(t, extra);
  CHECK(both.size() == 4);
  CHECK(std::get<1>(both[3]).item() == 9);
  CHECK(std::get<1>(both[1]).item() == 1);
}

TEST_CASE("random_split by counts gives disjoint subsets covering the dataset") {
  std::vector<int> ds(50);
  std::iota(ds.begin(), ds.end(), 0);
  auto parts = data::random_split(ds, {30, 15, 5}, 42);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].size() == 30);
  CHECK(parts[1].size() == 15);
  CHECK(parts[2].size() == 5);
  std::set<int> seen;
  for (auto& p : parts)
    for (std::size_t i = 0; i < p.size(); ++i) seen.insert(p[i]);
  CHECK(seen.size() == 50);
  // seeded: the same split again; another seed: another split
  auto again = data::random_split(ds, {30, 15, 5}, 42);
  CHECK(again[0].indices() == parts[0].indices());
  auto other = data::random_split(ds, {30, 15, 5}, 43);
  CHECK(other[0].indices() != parts[0].indices());
  CHECK(test::contains(test::error_of<std::invalid_argument>([&] {
                         data::random_split(ds, {30, 15}, 1);
                       }),
                       "does not equal the length of the input dataset (50)"));
}

TEST_CASE("random_split by fractions gives PyTorch's lengths") {
  for (const auto& c : fixtures::split_cases()) {
    std::vector<int> ds(c.n);
    auto parts = data::random_split(ds, c.fractions, 0);
    std::vector<std::size_t> lengths;
    for (auto& p : parts) lengths.push_back(p.size());
    INFO("n = " << c.n);
    CHECK(lengths == c.lengths);
  }
  std::vector<int> ds(10);
  CHECK_THROWS_AS(data::random_split(ds, {0.5, 0.6}, 0), std::invalid_argument);
  CHECK(test::contains(test::error_of<std::invalid_argument>([&] {
                         data::random_split(ds, {1.5, -0.5}, 0);
                       }),
                       "fraction at index 0 is not between 0 and 1"));
}

TEST_CASE("random_split without a seed follows manual_seed") {
  std::vector<int> ds(20);
  manual_seed(7);
  auto a = data::random_split(ds, {0.5, 0.5});
  manual_seed(7);
  auto b = data::random_split(ds, {0.5, 0.5});
  CHECK(a[0].indices() == b[0].indices());
}

TEST_CASE("data::transform maps samples lazily when they are read") {
  test::CountingDataset base(6);
  int calls = 0;
  auto doubled = data::transform(base, [&calls](std::pair<Tensor, std::int64_t> s) {
    ++calls;
    return std::pair{s.first * 2.0f, s.second};
  });
  static_assert(data::Dataset<decltype(doubled)>);
  CHECK(doubled.size() == 6);
  CHECK(calls == 0);
  CHECK(base.reads == 0);
  auto [x, y] = doubled[3];
  CHECK(calls == 1);
  CHECK(base.reads == 1);
  CHECK(x.to_vector() == std::vector<float>{6, 6});
  CHECK(y == 3);
}

TEST_CASE("data::transform maps an iterable dataset item by item") {
  auto squares = data::transform(Counter{4}, [](int i) { return i * i; });
  static_assert(data::IterableDataset<decltype(squares)>);
  std::vector<int> got;
  for (auto it = squares.begin(); it != squares.end(); ++it) got.push_back(*it);
  CHECK(got == std::vector<int>{0, 1, 4, 9});
}

}  // namespace TORCHLET_TEST_FILE
