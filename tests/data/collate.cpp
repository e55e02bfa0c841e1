// default_collate: recursive batching of tensors, numbers, strings, maps, vectors,
// pairs/tuples/arrays and aggregates, and its errors.
#include <array>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <torchlet/data.hpp>

#include "catch.hpp"
#include "fixtures.hpp"
#include "helpers.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {
struct Example {
  Tensor image;
  std::int64_t label;
  std::string name;
};
struct Pair2 {
  Tensor x;
  double w;
  struct batch_type {
    Tensor x;
    Tensor w;
  };
};
struct Opaque {
  int* p;
};
class NotAggregate {
 public:
  explicit NotAggregate(int v) : v_(v) {}
  int value() const { return v_; }

 private:
  int v_;
};

template <class B>
std::string dtype_of(const B&) {
  return dtype_name<typename B::scalar_type>();
}
}  // namespace

TEST_CASE("default_collate gives PyTorch's dtypes and shapes") {
  std::map<std::string, std::pair<std::string, Shape>> got;
  {
    auto b = data::default_collate(std::vector<Tensor>(4, zeros({2, 3})));
    got["tensor [2, 3] x4"] = {dtype_of(b), b.shape()};
  }
  {
    auto b = data::default_collate(std::vector<LongTensor>(3, scalar_tensor<std::int64_t>(1)));
    got["0-dim long tensor x3"] = {dtype_of(b), b.shape()};
  }
  {
    auto b = data::default_collate(std::vector<int>{1, 2, 3, 4, 5});
    got["int x5"] = {dtype_of(b), b.shape()};
  }
  {
    auto b = data::default_collate(std::vector<bool>{true, false});
    got["bool x2"] = {dtype_of(b), b.shape()};
  }
  {
    auto b = data::default_collate(std::vector<ByteTensor>(2, zeros<std::uint8_t>({28, 28})));
    got["uint8 tensor [28, 28] x2"] = {dtype_of(b), b.shape()};
  }
  for (const auto& c : fixtures::collate_cases()) {
    INFO(c.what);
    REQUIRE(got.count(c.what));
    CHECK(got[c.what].first == c.dtype);
    CHECK(got[c.what].second == Shape(c.shape.begin(), c.shape.end()));
  }
}

TEST_CASE("tensors are stacked along a new first dimension") {
  std::vector<Tensor> s{tensor<float>({1, 2}), tensor<float>({3, 4}), tensor<float>({5, 6})};
  auto b = data::default_collate(s);
  CHECK(b.shape() == Shape{3, 2});
  CHECK(b.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(b.data() != s[0].data());  // a new tensor
}

TEST_CASE("numbers become 1-D tensors - integers LongTensor and floating Tensor") {
  static_assert(std::is_same_v<data::collate_t<int>, LongTensor>);
  static_assert(std::is_same_v<data::collate_t<std::uint8_t>, LongTensor>);
  static_assert(std::is_same_v<data::collate_t<double>, Tensor>);
  static_assert(std::is_same_v<data::collate_t<float>, Tensor>);
  static_assert(std::is_same_v<data::collate_t<bool>, BoolTensor>);
  CHECK(data::default_collate(std::vector<double>{0.5, 1.5}).to_vector() ==
        std::vector<float>{0.5f, 1.5f});
  CHECK(data::default_collate(std::vector<std::int64_t>{7, -1}).to_vector() ==
        std::vector<std::int64_t>{7, -1});
}

TEST_CASE("pairs and tuples are collated field by field") {
  std::vector<std::pair<Tensor, std::int64_t>> s{{ones({2}), 1}, {zeros({2}), 2}};
  auto [x, y] = data::default_collate(s);
  static_assert(std::is_same_v<data::collate_t<std::pair<Tensor, std::int64_t>>,
                               std::pair<Tensor, LongTensor>>);
  CHECK(x.to_vector() == std::vector<float>{1, 1, 0, 0});
  CHECK(y.to_vector() == std::vector<std::int64_t>{1, 2});

  std::vector<std::tuple<int, float, std::string>> t{{1, 0.5f, "a"}, {2, 1.5f, "b"}};
  auto [ti, tf, ts] = data::default_collate(t);
  CHECK(ti.to_vector() == std::vector<std::int64_t>{1, 2});
  CHECK(tf.to_vector() == std::vector<float>{0.5f, 1.5f});
  CHECK(ts == std::vector<std::string>{"a", "b"});

  std::vector<std::array<int, 3>> a{{1, 2, 3}, {4, 5, 6}};
  auto ca = data::default_collate(a);
  static_assert(std::is_same_v<decltype(ca), std::array<LongTensor, 3>>);
  CHECK(ca[2].to_vector() == std::vector<std::int64_t>{3, 6});
}

TEST_CASE("aggregates are collated field by field through structured bindings") {
  std::vector<Example> s{{ones({1, 2}), 3, "x"}, {zeros({1, 2}), 4, "y"}};
  auto [images, labels, names] = data::default_collate(s);
  static_assert(std::is_same_v<data::collate_t<Example>,
                               std::tuple<Tensor, LongTensor, std::vector<std::string>>>);
  CHECK(images.shape() == Shape{2, 1, 2});
  CHECK(labels.to_vector() == std::vector<std::int64_t>{3, 4});
  CHECK(names == std::vector<std::string>{"x", "y"});

  std::vector<Pair2> p{{ones({2}), 0.25}, {ones({2}), 0.75}};
  auto b = data::default_collate(p);  // the aggregate's own batch_type
  static_assert(std::is_same_v<decltype(b), Pair2::batch_type>);
  CHECK(b.x.shape() == Shape{2, 2});
  CHECK(b.w.to_vector() == std::vector<float>{0.25f, 0.75f});
}

TEST_CASE("strings become a vector of strings and maps are collated key by key") {
  static_assert(std::is_same_v<data::collate_t<std::string>, std::vector<std::string>>);
  std::vector<std::map<std::string, std::pair<Tensor, int>>> s{
      {{"a", {ones({2}), 1}}, {"b", {zeros({3}), 2}}},
      {{"a", {ones({2}), 3}}, {"b", {zeros({3}), 4}}}};
  auto m = data::default_collate(s);
  REQUIRE(m.size() == 2);
  CHECK(m["a"].first.shape() == Shape{2, 2});
  CHECK(m["a"].second.to_vector() == std::vector<std::int64_t>{1, 3});
  CHECK(m["b"].first.shape() == Shape{2, 3});
}

TEST_CASE("vectors in samples are collated position by position") {
  std::vector<std::vector<int>> s{{1, 2, 3}, {4, 5, 6}};
  auto v = data::default_collate(s);
  REQUIRE(v.size() == 3);
  CHECK(v[0].to_vector() == std::vector<std::int64_t>{1, 4});
  CHECK(v[2].to_vector() == std::vector<std::int64_t>{3, 6});
}

TEST_CASE("samples of different shapes get an error naming both entries and shapes") {
  std::vector<std::pair<Tensor, int>> s{{zeros({3}), 0}, {zeros({3}), 1}, {zeros({4}), 2}};
  const auto msg = test::error_of<data::CollateError>([&] { data::default_collate(s); });
  CHECK(msg ==
        "default_collate: field [0]: stack expects each tensor to be equal size, but got [3] at "
        "entry 0 and [4] at entry 2");
  CHECK_THROWS_AS(data::default_collate(s), ShapeError);
}

TEST_CASE("maps with other keys and lists of other lengths are rejected") {
  std::vector<std::map<std::string, int>> m{{{"a", 1}}, {{"b", 2}}};
  CHECK(test::contains(test::error_of<data::CollateError>([&] { data::default_collate(m); }),
                       "entry 1 has keys {['b']} but entry 0 has keys {['a']}"));
  std::vector<std::vector<int>> v{{1, 2}, {3}};
  CHECK(test::contains(test::error_of<data::CollateError>([&] { data::default_collate(v); }),
                       "each element in list of batch should be of equal size"));
  CHECK_THROWS_AS(data::default_collate(std::vector<Tensor>{}), data::CollateError);
  std::vector<std::map<std::string, Tensor>> nested{{{"img", zeros({2})}}, {{"img", zeros({1})}}};
  CHECK(test::contains(test::error_of<data::CollateError>([&] { data::default_collate(nested); }),
                       "field ['img']"));
}

TEST_CASE("types default_collate does not know are not Collatable") {
  static_assert(!data::Collatable<Opaque>);
  static_assert(!data::Collatable<NotAggregate>);
  static_assert(!data::Collatable<std::pair<Tensor, Opaque>>);
  static_assert(!data::Collatable<std::vector<Opaque>>);
  static_assert(data::Collatable<std::map<std::string, std::vector<std::tuple<Tensor, bool>>>>);
}

}  // namespace TORCHLET_TEST_FILE
