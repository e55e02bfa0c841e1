// The tensor ops PyTorch programs use beyond the core set (tensor/indexing_ops.hpp, ...):
// values and input gradients against PyTorch (tests/fixtures/tensor/ops_extra.safetensors,
// written by scripts/make_tensor_ops_fixtures.py), float64 gradcheck, in-place forms and
// the errors (op name, expectation, what was found).
#include <functional>
#include <sstream>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"

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

/// check_case for an op giving values and indices: the indices must equal PyTorch's.
void check_vi_case(const std::string& name,
                   const std::function<ValuesIndices<float>(const Fixture&)>& f) {
  LongTensor indices;
  check_case(name, [&](const Fixture& c) {
    auto r = f(c);
    indices = r.indices;
    return r.values;
  });
  const auto& want = std::get<LongTensor>(fixtures().at(name + "/output_index"));
  CHECK(indices.shape() == want.shape());
  CHECK(indices.to_vector() == want.to_vector());
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

// ---- item 2: sort, argsort, topk, kthvalue, cumsum, cumprod, prod, maximum, minimum ----

TEST_CASE("sort (ascending, descending, any dim) and argsort match PyTorch") {
  check_vi_case("sort_dim1", [](const Fixture& c) { return c.inputs[0].sort(1); });
  check_vi_case("sort_desc_dim0", [](const Fixture& c) { return sort(c.inputs[0], 0, true); });
  check_long_case("argsort", [](const Fixture& c) { return c.inputs[0].argsort(-1, true); });
}

TEST_CASE("sort is stable and puts NaN last, as PyTorch's stable sort") {
  const auto x = tensor<float>({2.f, NAN, 1.f, 2.f, 1.f});
  const auto r = sort(x);
  CHECK(r.indices.to_vector() == std::vector<std::int64_t>{2, 4, 0, 3, 1});
  CHECK(std::isnan(r.values.to_vector()[4]));
  CHECK(sort(x, 0, true).indices.to_vector() == std::vector<std::int64_t>{1, 0, 3, 2, 4});
}

TEST_CASE("topk (largest and smallest) and kthvalue (keepdim or not) match PyTorch") {
  check_vi_case("topk_largest", [](const Fixture& c) { return c.inputs[0].topk(3, 1); });
  check_vi_case("topk_smallest_dim0",
                [](const Fixture& c) { return topk(c.inputs[0], 2, 0, false); });
  check_vi_case("kthvalue", [](const Fixture& c) { return c.inputs[0].kthvalue(2, 1); });
  check_vi_case("kthvalue_keepdim",
                [](const Fixture& c) { return kthvalue(c.inputs[0], 3, 0, true); });
}

TEST_CASE("cumsum, cumprod (with zeros) and prod (all, dim, with zeros) match PyTorch") {
  check_case("cumsum", [](const Fixture& c) { return c.inputs[0].cumsum(1); });
  check_case("cumprod", [](const Fixture& c) { return cumprod(c.inputs[0], 0); });
  check_case("cumprod_zero", [](const Fixture& c) { return c.inputs[0].cumprod(1); });
  check_case("prod_all", [](const Fixture& c) { return c.inputs[0].prod(); });
  check_case("prod_dim", [](const Fixture& c) { return prod(c.inputs[0], 1); });
  check_case("prod_dim_zero_keepdim", [](const Fixture& c) { return c.inputs[0].prod(0, true); });
}

TEST_CASE("maximum and minimum broadcast and split ties' gradient as PyTorch") {
  check_case("maximum", [](const Fixture& c) { return c.inputs[0].maximum(c.inputs[1]); });
  check_case("minimum", [](const Fixture& c) { return minimum(c.inputs[0], c.inputs[1]); });
}

TEST_CASE("sort, topk, kthvalue, cumsum, cumprod, prod, maximum and minimum pass gradcheck") {
  using autograd::gradcheck;
  CHECK(
      gradcheck([](const DoubleTensor& x) { return sort(x, 0, true).values; }, {leaf({4, 3}, 21)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return topk(x, 2, -1).values; }, {leaf({3, 5}, 22)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return kthvalue(x, 2, 0).values; },
                  {leaf({4, 3}, 23)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return cumsum(x, 0); }, {leaf({3, 2, 2}, 24)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return cumprod(x, 1); }, {leaf({2, 4, 2}, 25)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return prod(x); }, {leaf({2, 3}, 26)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return prod(x, -1, true); }, {leaf({3, 4}, 27)}));
  auto zero_in = tensor<double>({{0.0, 2.0, 0.5}, {1.5, 0.0, 0.0}}).requires_grad_();
  CHECK(gradcheck([](const DoubleTensor& x) { return cumprod(x, 1); }, {zero_in}));
  CHECK(gradcheck([](const DoubleTensor& x) { return prod(x, 1); }, {zero_in}));
  CHECK(gradcheck([](const DoubleTensor& a, const DoubleTensor& b) { return maximum(a, b); },
                  {leaf({2, 3}, 28), leaf({3}, 29)}));
  CHECK(gradcheck([](const DoubleTensor& a, const DoubleTensor& b) { return minimum(a, b); },
                  {leaf({2, 1}, 30), leaf({2, 3}, 31)}));
}

TEST_CASE("sorting, scan and extremum ops reject bad input naming the op and the values") {
  const auto x = randn<float>({3, 4});
  CHECK_THROWS_WITH(topk(x, 5, 1), Contains("topk: k must be in [0, 4]") &&
                                       Contains("shape [3, 4]") && Contains("got 5"));
  CHECK_THROWS_WITH(kthvalue(x, 0, 0),
                    Contains("kthvalue: k must be in [1, 3]") && Contains("got 0"));
  CHECK_THROWS_WITH(sort(x, 2), Contains("sort: dimension out of range") && Contains("got 2"));
  CHECK_THROWS_WITH(x.topk(1, -3), Contains("topk: dimension out of range"));
  CHECK_THROWS_WITH(cumsum(x, -3), Contains("cumsum"));
  CHECK_THROWS_WITH(prod(x, 5), Contains("prod"));
  CHECK_THROWS_WITH(maximum(x, randn<float>({3})),
                    Contains("maximum") && Contains("[3, 4]") && Contains("[3]"));
}

// ---- item 3: tril/triu, diag/diag_embed, flip, roll, repeat, tile, repeat_interleave,
// nonzero, unique ----

TEST_CASE("tril and triu (batched, with a diagonal) match PyTorch") {
  check_case("tril", [](const Fixture& c) { return tril(c.inputs[0]); });
  check_case("triu_diag1", [](const Fixture& c) { return c.inputs[0].triu(1); });
  check_case("tril_diag_neg1", [](const Fixture& c) { return c.inputs[0].tril(-1); });
}

TEST_CASE("diag (1-D to 2-D and back, with offsets) and diag_embed match PyTorch") {
  check_case("diag_1d_offset", [](const Fixture& c) { return diag(c.inputs[0], 1); });
  check_case("diag_1d_neg", [](const Fixture& c) { return diag(c.inputs[0], -2); });
  check_case("diag_2d", [](const Fixture& c) { return diag(c.inputs[0]); });
  check_case("diag_2d_offset", [](const Fixture& c) { return diag(c.inputs[0], -1); });
  check_case("diag_embed", [](const Fixture& c) { return diag_embed(c.inputs[0], 1); });
}

TEST_CASE("flip, roll, repeat, tile and repeat_interleave match PyTorch") {
  check_case("flip", [](const Fixture& c) { return c.inputs[0].flip({0, 2}); });
  check_case("roll_dims", [](const Fixture& c) { return roll(c.inputs[0], {1, -2}, {0, 1}); });
  check_case("roll_flat", [](const Fixture& c) { return c.inputs[0].roll({5}); });
  check_case("repeat", [](const Fixture& c) { return c.inputs[0].repeat({2, 1, 3}); });
  check_case("tile", [](const Fixture& c) { return tile(c.inputs[0], {2}); });
  check_case("repeat_interleave_dim",
             [](const Fixture& c) { return c.inputs[0].repeat_interleave(2, 1); });
  check_case("repeat_interleave_flat",
             [](const Fixture& c) { return repeat_interleave(c.inputs[0], 3); });
}

TEST_CASE("nonzero and unique (inverse, counts) match PyTorch") {
  check_long_case("nonzero", [](const Fixture& c) { return c.masks[0].nonzero(); });
  Fixture c("unique");
  const auto r = unique(c.indices[0], true, true, true);
  CHECK(r.values.to_vector() == std::get<LongTensor>(c.at("output")).to_vector());
  CHECK(r.inverse.shape() == c.indices[0].shape());
  CHECK(r.inverse.to_vector() == std::get<LongTensor>(c.at("output_inverse")).to_vector());
  CHECK(r.counts.to_vector() == std::get<LongTensor>(c.at("output_counts")).to_vector());
  const auto f = unique(tensor<float>({2.f, NAN, -1.f, 2.f}), true, false, true);
  CHECK(f.values.numel() == 3);
  CHECK(f.counts.to_vector() == std::vector<std::int64_t>{1, 2, 1});
  CHECK_FALSE(f.inverse.defined());
}

TEST_CASE("tril, diag, diag_embed, flip, roll, repeat and repeat_interleave pass gradcheck") {
  using autograd::gradcheck;
  CHECK(gradcheck([](const DoubleTensor& x) { return triu(x, -1); }, {leaf({2, 3, 3}, 41)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return diag(x, 1); }, {leaf({3, 4}, 42)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return diag(x, -1); }, {leaf({3}, 43)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return diag_embed(x); }, {leaf({2, 2}, 44)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return flip(x, {-1}); }, {leaf({2, 3}, 45)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return roll(x, {2}, {1}); }, {leaf({2, 3}, 46)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return repeat(x, {2, 2}); }, {leaf({3}, 47)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return repeat_interleave(x, 2, 0); },
                  {leaf({2, 2}, 48)}));
}

TEST_CASE("rearranging ops reject bad input naming the op, the expectation and the input") {
  const auto x = randn<float>({3, 4});
  CHECK_THROWS_WITH(tril(randn<float>({3})),
                    Contains("tril: input must have at least 2 dims, got shape [3]"));
  CHECK_THROWS_WITH(diag(randn<float>({2, 2, 2})),
                    Contains("diag: input must be 1-D or 2-D, got shape [2, 2, 2]"));
  CHECK_THROWS_WITH(x.flip({0, -2}), Contains("flip: dim 0 appears more than once"));
  CHECK_THROWS_WITH(roll(x, {1, 2}, {0}),
                    Contains("roll: shifts and dims must have the same length, got 2 and 1"));
  CHECK_THROWS_WITH(x.repeat({2}), Contains("repeat: the number of repeats (1) can not be "
                                            "smaller than the number of dims of the input (2"));
  CHECK_THROWS_WITH(repeat_interleave(x, -1),
                    Contains("repeat_interleave: repeats must be non-negative, got -1"));
}

// ---- item 4: elementwise math ----

TEST_CASE("nan_to_num, sign, trunc, frac, erf and erfinv match PyTorch") {
  check_case("nan_to_num", [](const Fixture& c) { return nan_to_num(c.inputs[0], 0.5f, 100.f); });
  check_case("sign", [](const Fixture& c) { return sign(c.inputs[0]); });
  check_case("trunc", [](const Fixture& c) { return trunc(c.inputs[0]); });
  check_case("frac", [](const Fixture& c) { return frac(c.inputs[0]); });
  check_case("erf", [](const Fixture& c) { return erf(c.inputs[0]); });
  check_case("erfinv", [](const Fixture& c) { return erfinv(c.inputs[0]); });
}

TEST_CASE(
    "fmod, remainder (tensor and number), atan2, lerp and clamp with tensor bounds "
    "match PyTorch") {
  check_case("fmod", [](const Fixture& c) { return fmod(c.inputs[0], c.inputs[1]); });
  check_case("remainder", [](const Fixture& c) { return remainder(c.inputs[0], c.inputs[1]); });
  check_case("fmod_scalar", [](const Fixture& c) { return fmod(c.inputs[0], -1.25); });
  check_case("remainder_scalar", [](const Fixture& c) { return remainder(c.inputs[0], 1.25); });
  check_case("atan2", [](const Fixture& c) { return atan2(c.inputs[0], c.inputs[1]); });
  check_case("lerp_tensor",
             [](const Fixture& c) { return lerp(c.inputs[0], c.inputs[1], c.inputs[2]); });
  check_case("lerp_scalar", [](const Fixture& c) { return lerp(c.inputs[0], c.inputs[1], 0.3); });
  check_case("clamp_tensor",
             [](const Fixture& c) { return clamp(c.inputs[0], c.inputs[1], c.inputs[2]); });
}

TEST_CASE("isfinite, isnan, isinf, isclose and allclose in the tensor's own dtype") {
  const auto x = tensor<float>({1.f, NAN, INFINITY, -INFINITY});
  CHECK(isfinite(x).to_vector() == std::vector<bool>{true, false, false, false});
  CHECK(isnan(x).to_vector() == std::vector<bool>{false, true, false, false});
  CHECK(isinf(x).to_vector() == std::vector<bool>{false, false, true, true});
  // issue 13's example: PyTorch says True (computed in float32)
  CHECK(allclose(tensor<float>({0.1f}), tensor<float>({0.f}), 1.1, 0.1));
  CHECK(isclose(tensor<float>({0.1f}), tensor<float>({0.f}), 1.1, 0.1).item());
  CHECK_FALSE(allclose(tensor<double>({0.1}), tensor<double>({0.0}), 0.0, 0.0999));
  CHECK(isclose(x, x).to_vector() == std::vector<bool>{true, false, true, true});
  CHECK(isclose(x, x, 1e-5, 1e-8, true).to_vector() == std::vector<bool>{true, true, true, true});
  // as torch.isclose: 1.000005 is close to 1, 1.00001 is not
  CHECK_FALSE(isclose(tensor<float>({1.f}), tensor<float>({1.00001f})).item());
  CHECK(isclose(tensor<float>({{1.f}, {2.f}}), tensor<float>({1.f, 1.000005f, 3.f})).to_vector() ==
        std::vector<bool>{true, true, false, false, false, false});
  CHECK_THROWS_WITH(isclose(x, x, -1.0), Contains("isclose: rtol and atol must be non-negative"));
  CHECK_THROWS_WITH(clamp(x, Tensor(), Tensor()),
                    Contains("clamp: at least one of min and max must be given"));
  CHECK_THROWS_WITH(atan2(randn<float>({2}), randn<float>({3})), Contains("atan2"));
}

TEST_CASE("fmod, remainder, atan2, erf, erfinv, lerp, frac and tensor clamp pass gradcheck") {
  using autograd::gradcheck;
  using D = const DoubleTensor&;
  auto away = [](Shape s, std::uint64_t seed, double lo, double hi) {
    Generator g(seed);
    auto t = rand<double>(s, g) * (hi - lo) + lo;
    return t.detach().requires_grad_();
  };
  CHECK(gradcheck([](D a, D b) { return fmod(a, b); },
                  {away({2, 3}, 51, 0.1, 0.9), away({3}, 52, 1.1, 1.9)}));
  CHECK(gradcheck([](D a, D b) { return remainder(a, b); },
                  {away({2, 3}, 53, 2.1, 2.9), away({3}, 54, -1.9, -1.1)}));
  CHECK(gradcheck([](D a, D b) { return atan2(a, b); }, {leaf({2, 3}, 55), leaf({3}, 56)}));
  CHECK(gradcheck([](D x) { return erf(x); }, {leaf({4}, 57)}));
  CHECK(gradcheck([](D x) { return erfinv(x); }, {away({4}, 58, -0.9, 0.9)}));
  CHECK(gradcheck([](D x) { return frac(x); }, {away({4}, 59, 0.1, 0.9)}));
  CHECK(gradcheck([](D a, D b, D w) { return lerp(a, b, w); },
                  {leaf({2, 3}, 60), leaf({3}, 61), leaf({2, 1}, 62)}));
  CHECK(gradcheck([](D x, D lo, D hi) { return clamp(x, lo, hi); },
                  {leaf({3, 4}, 63), away({4}, 64, -0.6, -0.4), away({3, 1}, 65, 0.4, 0.6)}));
}

TEST_CASE("median (all, along a dim, keepdim) matches PyTorch, gradients included") {
  check_case("median_all", [](const Fixture& c) { return median(c.inputs[0]); });
  check_vi_case("median_dim", [](const Fixture& c) { return median(c.inputs[0], 1); });
  check_vi_case("median_keepdim", [](const Fixture& c) { return median(c.inputs[0], 0, true); });
  CHECK(autograd::gradcheck([](const DoubleTensor& x) { return median(x, 0).values; },
                            {leaf({4, 3}, 71)}));
  CHECK_THROWS_WITH(median(zeros<float>({0})), Contains("median: the input has no elements"));
}

TEST_CASE("all and any over all elements and along a dim") {
  const auto x = tensor<float>({{1.f, 0.f, 2.f}, {3.f, 4.f, 5.f}});
  CHECK(all(x, 1).to_vector() == std::vector<bool>{false, true});
  CHECK(any(x, 0).to_vector() == std::vector<bool>{true, true, true});
  CHECK(any(x == 0.f, 1, true).shape() == Shape{2, 1});
  CHECK_FALSE(all(x).item());
  CHECK(any(x).item());
  CHECK(all(zeros<float>({0})).item());
  CHECK_THROWS_WITH(all(x, 2), Contains("all: dimension out of range"));
}

TEST_CASE("bernoulli draws from the library's Generator with frequency p") {
  const auto p = full<double>({4000}, 0.3);
  Generator g1(7), g2(7);
  const auto a = bernoulli(p, g1), b = bernoulli(p, g2);
  CHECK(a.to_vector() == b.to_vector());
  const double mean = a.mean().item();
  CHECK(mean > 0.27);
  CHECK(mean < 0.33);
  CHECK(bernoulli(tensor<float>({0.f, 1.f}), g1).to_vector() == std::vector<float>{0.f, 1.f});
  CHECK_THROWS_WITH(bernoulli(tensor<float>({1.5f}), g1),
                    Contains("bernoulli: p must be in [0, 1], got 1.5"));
}

}  // namespace TORCHLET_TEST_FILE
