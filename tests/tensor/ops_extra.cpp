// The tensor ops PyTorch programs use beyond the core set (tensor/indexing_ops.hpp, ...):
// values and input gradients against PyTorch (tests/fixtures/tensor/ops_extra.safetensors,
// written by scripts/make_tensor_ops_fixtures.py), float64 gradcheck, in-place forms and
// the errors (op name, expectation, what was found).
#include <functional>
#include <sstream>

#include <torchlet/autograd/gradcheck.hpp>
#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>

#include "catch.hpp"

#ifndef TORCHLET_TEST_FILE
#define TORCHLET_TEST_FILE test_file
#endif
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using Catch::Contains;

const io::SafetensorsFile& fixtures() {
  static const io::SafetensorsFile f =
      io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/ops_extra.safetensors");
  return f;
}

/// Case `name`'s tensors: inputs (float32, requiring grad), indices, masks.
struct Fixture {
  std::string name;
  std::vector<Tensor> inputs;
  std::vector<LongTensor> indices;
  std::vector<BoolTensor> masks;

  bool has(const std::string& what) const { return fixtures().contains(name + "/" + what); }
  const io::AnyTensor& at(const std::string& what) const {
    return fixtures().at(name + "/" + what);
  }
  explicit Fixture(std::string n) : name(std::move(n)) {
    for (int i = 0; has("input" + std::to_string(i)); ++i)
      inputs.push_back(std::get<Tensor>(at("input" + std::to_string(i))).clone().requires_grad_());
    for (int i = 0; has("index" + std::to_string(i)); ++i)
      indices.push_back(std::get<LongTensor>(at("index" + std::to_string(i))));
    for (int i = 0; has("mask" + std::to_string(i)); ++i)
      masks.push_back(std::get<BoolTensor>(at("mask" + std::to_string(i))));
  }
};

template <class U>
std::vector<double> as_double(const BasicTensor<U>& t) {
  std::vector<double> v;
  for (auto x : t.to_vector()) v.push_back(static_cast<double>(x));
  return v;
}

void check_values(const std::string& what, const std::vector<double>& got,
                  const std::vector<double>& want) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", PyTorch " << want[i]);
    CHECK(std::abs(got[i] - want[i]) <= 1e-5 * std::abs(want[i]) + 1e-6);
  }
}

/// Runs `f` on case `name`'s fixture and compares its float output and input gradients.
void check_case(const std::string& name, const std::function<Tensor(const Fixture&)>& f) {
  Fixture c(name);
  const Tensor out = f(c);
  const auto& want = std::get<Tensor>(c.at("output"));
  CHECK(out.shape() == want.shape());
  check_values("output", as_double(out), as_double(want));
  out.backward(std::get<Tensor>(c.at("grad_output")));
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    const std::string what = "grad" + std::to_string(i);
    INFO("gradient of input " << i);
    if (!c.has(what)) {
      CHECK_FALSE(c.inputs[i].grad().defined());
      continue;
    }
    REQUIRE(c.inputs[i].grad().defined());
    check_values(what, as_double(c.inputs[i].grad()), as_double(std::get<Tensor>(c.at(what))));
  }
}

/// Compares an int64 result with case `name`'s output.
void check_long_case(const std::string& name, const std::function<LongTensor(const Fixture&)>& f) {
  Fixture c(name);
  const LongTensor out = f(c);
  const auto& want = std::get<LongTensor>(c.at("output"));
  CHECK(out.shape() == want.shape());
  CHECK(out.to_vector() == want.to_vector());
}

DoubleTensor leaf(Shape s, std::uint64_t seed) {
  Generator g(seed);
  return randn<double>(s, g).requires_grad_();
}

// ---- item 1: where, masked_fill, gather, scatter, index_add, index_copy, one_hot ----

TEST_CASE("where broadcasts condition, input and other, as PyTorch") {
  check_case("where_broadcast",
             [](const Fixture& c) { return where(c.masks[0], c.inputs[0], c.inputs[1]); });
}

TEST_CASE("masked_fill with a scalar and with a 0-D tensor value matches PyTorch") {
  check_case("masked_fill_scalar",
             [](const Fixture& c) { return c.inputs[0].masked_fill(c.masks[0], 2.5f); });
  check_case("masked_fill_tensor",
             [](const Fixture& c) { return masked_fill(c.inputs[0], c.masks[0], c.inputs[1]); });
}

TEST_CASE("gather along dim 1 and dim 0 matches PyTorch") {
  check_case("gather_dim1", [](const Fixture& c) { return c.inputs[0].gather(1, c.indices[0]); });
  check_case("gather_dim0", [](const Fixture& c) { return gather(c.inputs[0], 0, c.indices[0]); });
}

TEST_CASE("scatter (tensor and scalar) and scatter_add match PyTorch") {
  check_case("scatter_src",
             [](const Fixture& c) { return c.inputs[0].scatter(1, c.indices[0], c.inputs[1]); });
  check_case("scatter_value",
             [](const Fixture& c) { return scatter(c.inputs[0], 1, c.indices[0], -1.5); });
  check_case("scatter_add", [](const Fixture& c) {
    return c.inputs[0].scatter_add(0, c.indices[0], c.inputs[1]);
  });
}

TEST_CASE("index_add (with alpha, dims 0 and 1) and index_copy match PyTorch") {
  check_case("index_add", [](const Fixture& c) {
    return c.inputs[0].index_add(0, c.indices[0], c.inputs[1], 2.f);
  });
  check_case("index_add_dim1",
             [](const Fixture& c) { return index_add(c.inputs[0], 1, c.indices[0], c.inputs[1]); });
  check_case("index_copy",
             [](const Fixture& c) { return c.inputs[0].index_copy(0, c.indices[0], c.inputs[1]); });
}

TEST_CASE("one_hot with given and inferred num_classes matches PyTorch") {
  check_long_case("one_hot", [](const Fixture& c) { return one_hot(c.indices[0], 5); });
  check_long_case("one_hot_infer", [](const Fixture& c) { return one_hot(c.indices[0]); });
}

TEST_CASE(
    "the in-place scatter_, scatter_add_, index_add_, index_copy_ match the out-of-place "
    "forms, gradients included") {
  const auto idx = tensor<std::int64_t>({{0, 2}, {1, 1}, {2, 0}});
  const auto rows = tensor<std::int64_t>({2, 0});
  auto run = [&](bool inplace, int which) {
    auto x = leaf({3, 3}, 1);
    auto s = leaf({3, 2}, 2);
    auto r = leaf({2, 3}, 3);
    auto y = x * 1.0;  // a non-leaf: in-place is allowed on it
    DoubleTensor out;
    switch (which) {
      case 0:
        out = inplace ? scatter_(y, 1, idx, s) : scatter(y, 1, idx, s);
        break;
      case 1:
        out = inplace ? y.scatter_add_(1, idx, s) : y.scatter_add(1, idx, s);
        break;
      case 2:
        out = inplace ? index_add_(y, 0, rows, r, 0.5) : index_add(y, 0, rows, r, 0.5);
        break;
      default:
        out = inplace ? index_copy_(y, 0, rows, r) : index_copy(y, 0, rows, r);
    }
    if (inplace) CHECK(out.is_same(y));
    (out * out).sum().backward();
    return std::vector<DoubleTensor>{out.detach(), x.grad(), which < 2 ? s.grad() : r.grad()};
  };
  for (int which = 0; which < 4; ++which) {
    INFO("op " << which);
    const auto a = run(false, which), b = run(true, which);
    for (std::size_t k = 0; k < a.size(); ++k) CHECK(allclose(a[k], b[k], 0.0, 0.0));
  }
}

TEST_CASE("gather, scatter, scatter_add, index_add, index_copy and masked_fill pass gradcheck") {
  using autograd::gradcheck;
  const auto gi = tensor<std::int64_t>({{0, 3, 3}, {1, 0, 2}});
  CHECK(gradcheck([&](const DoubleTensor& x) { return gather(x, 1, gi); }, {leaf({2, 4}, 4)}));
  const auto si = tensor<std::int64_t>({{0, 3}, {2, 1}});
  CHECK(
      gradcheck([&](const DoubleTensor& x, const DoubleTensor& s) { return scatter(x, 1, si, s); },
                {leaf({2, 4}, 5), leaf({2, 2}, 6)}));
  const auto ai = tensor<std::int64_t>({{0, 1}, {0, 1}, {2, 0}});
  CHECK(gradcheck(
      [&](const DoubleTensor& x, const DoubleTensor& s) { return scatter_add(x, 0, ai, s); },
      {leaf({3, 2}, 7), leaf({3, 2}, 8)}));
  const auto ri = tensor<std::int64_t>({1, 1, 0});
  CHECK(gradcheck(
      [&](const DoubleTensor& x, const DoubleTensor& s) { return index_add(x, 1, ri, s, 3.0); },
      {leaf({2, 2, 2}, 9), leaf({2, 3, 2}, 10)}));
  const auto ci = tensor<std::int64_t>({2, 0});
  CHECK(gradcheck(
      [&](const DoubleTensor& x, const DoubleTensor& s) { return index_copy(x, 0, ci, s); },
      {leaf({3, 2}, 11), leaf({2, 2}, 12)}));
  const auto m = tensor<bool>({true, false, true});
  CHECK(
      gradcheck([&](const DoubleTensor& x, const DoubleTensor& v) { return masked_fill(x, m, v); },
                {leaf({2, 3}, 13), leaf({}, 14)}));
}

TEST_CASE("indexing ops reject bad input naming the op, the expectation and what was found") {
  const auto x = randn<float>({3, 4});
  CHECK_THROWS_WITH(
      gather(x, 1, tensor<std::int64_t>({0, 1})),
      Contains("gather: index must have as many dims as the input (2)") && Contains("[2]"));
  CHECK_THROWS_WITH(gather(x, 1, tensor<std::int64_t>({{4}})),
                    Contains("gather: index 4 is out of bounds for dimension 1 with "
                             "size 4"));
  CHECK_THROWS_WITH(gather(x, 1, tensor<std::int64_t>({{-1}})),
                    Contains("gather: index -1 is out of bounds"));
  CHECK_THROWS_WITH(gather(x, 1, zeros<std::int64_t>({4, 1})),
                    Contains("gather: index size 4 exceeds the input's size 3 at dim 0"));
  CHECK_THROWS_WITH(scatter(x, 1, zeros<std::int64_t>({3, 2}), randn<float>({3, 1})),
                    Contains("scatter: index size 2 exceeds src's size 1 at dim 1"));
  CHECK_THROWS_WITH(scatter_add(x, 0, zeros<std::int64_t>({3, 2}), randn<float>({3})),
                    Contains("scatter_add: src must have as many dims as index (2)"));
  CHECK_THROWS_WITH(index_add(x, 0, tensor<std::int64_t>({0, 1}), randn<float>({3, 4})),
                    Contains("index_add: src must have shape [2, 4]") && Contains("got [3, 4]"));
  CHECK_THROWS_WITH(index_copy(x, 1, tensor<std::int64_t>({7}), randn<float>({3, 1})),
                    Contains("index_copy: index 7 is out of bounds for dimension 1 "
                             "with size 4"));
  CHECK_THROWS_WITH(index_add(x, 0, zeros<std::int64_t>({1, 1}), randn<float>({1, 4})),
                    Contains("index_add: index must be 0-D or 1-D"));
  CHECK_THROWS_WITH(x.masked_fill(tensor<bool>({true, false}), 1.f),
                    Contains("masked_fill: mask of shape [2] does not broadcast to the "
                             "input's shape [3, 4]"));
  CHECK_THROWS_WITH(masked_fill(x, tensor<bool>({true}), randn<float>({2})),
                    Contains("masked_fill: value must be a 0-D tensor, got shape [2]"));
  CHECK_THROWS_WITH(one_hot(tensor<std::int64_t>({0, 5}), 3),
                    Contains("one_hot: class values must be in [0, 3), got 5"));
  CHECK_THROWS_WITH(one_hot(tensor<std::int64_t>({-1})),
                    Contains("one_hot: class values must be non-negative, got -1"));
  auto leafx = randn<float>({3, 4}).requires_grad_();
  CHECK_THROWS_WITH(leafx.scatter_(1, zeros<std::int64_t>({3, 1}), randn<float>({3, 1})),
                    Contains("scatter_: a leaf Variable that requires grad"));
}

}  // namespace TORCHLET_TEST_FILE
