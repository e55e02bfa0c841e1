// Issue 13's remaining tensor ops: var/std with correction and lists of dims, var_mean,
// std_mean, mode, norm over dims, baddbmm/addbmm/addmv, outer, dist, cdist, unbind, einsum
// and the method spellings of the elementwise ops. Values and input gradients against
// PyTorch (tests/fixtures/tensor/ops_more.safetensors, written by
// scripts/make_tensor_ops_more_fixtures.py), float64 gradcheck, and the errors (op name,
// expectation, what was found).
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using Catch::Contains;
using D = const DoubleTensor&;

const io::SafetensorsFile& fixtures() {
  static const io::SafetensorsFile f =
      io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/ops_more.safetensors");
  return f;
}

/// Case `name`'s float32 inputs, each requiring grad.
struct Fixture {
  std::string name;
  std::vector<Tensor> inputs;

  bool has(const std::string& what) const { return fixtures().contains(name + "/" + what); }
  const io::AnyTensor& at(const std::string& what) const {
    return fixtures().at(name + "/" + what);
  }
  explicit Fixture(std::string n) : name(std::move(n)) {
    for (int i = 0; has("input" + std::to_string(i)); ++i)
      inputs.push_back(std::get<Tensor>(at("input" + std::to_string(i))).clone().requires_grad_());
  }
  const Tensor& operator[](std::size_t i) const { return inputs.at(i); }
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
    if (std::isinf(want[i]))
      CHECK(got[i] == want[i]);
    else
      CHECK(std::abs(got[i] - want[i]) <= 1e-4 * std::abs(want[i]) + 1e-5);
  }
}

using CaseFn = std::function<Tensor(const Fixture&)>;
using ViCaseFn = std::function<ValuesIndices<float>(const Fixture&)>;

/// Runs `f` on case `name`'s fixture; compares its output and (when the fixture has them)
/// the input gradients.
void check_case(const std::string& name, const CaseFn& f) {
  INFO("case " << name);
  Fixture c(name);
  const Tensor out = f(c);
  const auto& want = std::get<Tensor>(c.at("output"));
  CHECK(out.shape() == want.shape());
  check_values("output", as_double(out), as_double(want));
  if (!c.has("grad_output")) return;  // values only: PyTorch has no gradient there
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

Tensor stack_pair(const std::pair<Tensor, Tensor>& p) { return stack({p.first, p.second}); }

/// cat(pieces[i] * (i + 1), dim), as the fixture script's weighted_cat.
Tensor weighted_cat(const std::vector<Tensor>& pieces, std::int64_t dim) {
  std::vector<Tensor> w;
  for (std::size_t i = 0; i < pieces.size(); ++i)
    w.push_back(pieces[i] * static_cast<float>(i + 1));
  return cat(w, dim);
}

const double kInf = std::numeric_limits<double>::infinity();

/// Every fixture case with a float result, by name (each test case runs those of its family).
const std::map<std::string, CaseFn>& cases() {
  static const std::map<std::string, CaseFn> m = [] {
    std::map<std::string, CaseFn> r;
    // var, std, var_mean, std_mean
    r["var_correction_dim"] = [](const Fixture& c) { return var(c[0], 1, {.correction = 0}); };
    r["var_correction_dims_keepdim"] = [](const Fixture& c) {
      return var(c[0], {0, 2}, {.correction = 2, .keepdim = true});
    };
    r["var_unbiased_dims"] = [](const Fixture& c) { return c[0].var({1, 2}, false); };
    r["var_all_correction"] = [](const Fixture& c) {
      return c[0].var(std::nullopt, {.correction = 3});
    };
    r["std_correction_dim_keepdim"] = [](const Fixture& c) {
      return c[0].std(-1, {.correction = 0, .keepdim = true});
    };
    r["std_dims"] = [](const Fixture& c) { return torchlet::std(c[0], {0, 1}); };
    r["std_all_correction"] = [](const Fixture& c) {
      return torchlet::std(c[0], std::nullopt, {.correction = 0});
    };
    r["var_mean_dims"] = [](const Fixture& c) {
      return stack_pair(var_mean(c[0], {0, 2}, {.correction = 0}));
    };
    r["std_mean_dim_keepdim"] = [](const Fixture& c) {
      return stack_pair(std_mean(c[0], 1, {.correction = 2, .keepdim = true}));
    };
    r["var_mean_all"] = [](const Fixture& c) { return stack_pair(var_mean(c[0])); };
    // norm over dims
    const std::vector<std::pair<std::string, double>> ps = {
        {"2", 2.0}, {"1", 1.0},   {"inf", kInf}, {"neg_inf", -kInf},
        {"0", 0.0}, {"3_5", 3.5}, {"0_5", 0.5}};
    for (const auto& [label, p] : ps)
      r["norm_dims_p" + label] = [p = p](const Fixture& c) { return norm(c[0], p, {0, 2}); };
    r["norm_dims_keepdim"] = [](const Fixture& c) { return c[0].norm(3.0, {1, 2}, true); };
    r["norm_fro_all"] = [](const Fixture& c) { return c[0].norm("fro"); };
    r["norm_fro_dims_keepdim"] = [](const Fixture& c) { return norm(c[0], "fro", {1, 2}, true); };
    // products
    r["bmm"] = [](const Fixture& c) { return c[0].bmm(c[1]); };
    r["baddbmm"] = [](const Fixture& c) { return baddbmm(c[0], c[1], c[2], 0.5f, 2.f); };
    r["baddbmm_default"] = [](const Fixture& c) { return c[0].baddbmm(c[1], c[2]); };
    r["addbmm"] = [](const Fixture& c) { return c[0].addbmm(c[1], c[2], 0.5f, -1.5f); };
    r["addmv"] = [](const Fixture& c) { return addmv(c[0], c[1], c[2], 2.f, 0.5f); };
    r["outer"] = [](const Fixture& c) { return c[0].outer(c[1]); };
    // distances
    const std::vector<std::pair<std::string, double>> dps = {
        {"2", 2.0}, {"1", 1.0}, {"3_5", 3.5}, {"inf", kInf}, {"0", 0.0}};
    for (const auto& [label, p] : dps)
      r["dist_p" + label] = [p = p](const Fixture& c) { return c[0].dist(c[1], p); };
    const std::vector<std::pair<std::string, double>> cps = {
        {"2", 2.0}, {"1", 1.0}, {"inf", kInf}, {"0_5", 0.5}, {"3", 3.0}, {"0", 0.0}};
    for (const auto& [label, p] : cps)
      r["cdist_p" + label] = [p = p](const Fixture& c) { return cdist(c[0], c[1], p); };
    r["cdist_broadcast"] = [](const Fixture& c) { return cdist(c[0], c[1]); };
    r["cdist_2d"] = [](const Fixture& c) { return cdist(c[0], c[1], 1.5); };
    // unbind, split, chunk
    r["unbind_dim1"] = [](const Fixture& c) { return weighted_cat(c[0].unbind(1), 0); };
    r["unbind_last"] = [](const Fixture& c) { return weighted_cat(unbind(c[0], -1), 0); };
    r["split_sizes_dim2"] = [](const Fixture& c) {
      return weighted_cat(c[0].split(std::vector<std::int64_t>{1, 3, 1}, 2), 2);
    };
    r["split_int_dim1"] = [](const Fixture& c) { return weighted_cat(split(c[0], 2, 1), 1); };
    r["chunk_last"] = [](const Fixture& c) { return weighted_cat(c[0].chunk(3, -1), -1); };
    // einsum
    r["einsum_attention_scores"] = [](const Fixture& c) {
      return einsum("bhqd,bhkd->bhqk", c[0], c[1]);
    };
    r["einsum_attention_values"] = [](const Fixture& c) {
      return einsum("bhqk,bhkd->bhqd", c[0], c[1]);
    };
    r["einsum_bilinear"] = [](const Fixture& c) {
      return einsum("bn,anm,bm->ba", c[0], c[1], c[2]);
    };
    r["einsum_batched_outer"] = [](const Fixture& c) { return einsum("bi,bj->bij", c[0], c[1]); };
    r["einsum_matmul"] = [](const Fixture& c) { return einsum("ij,jk->ik", {c[0], c[1]}); };
    r["einsum_trace"] = [](const Fixture& c) { return einsum("ii->", c[0]); };
    r["einsum_diagonal"] = [](const Fixture& c) { return einsum("ii->i", c[0]); };
    r["einsum_transpose"] = [](const Fixture& c) { return einsum("ij->ji", c[0]); };
    r["einsum_sum"] = [](const Fixture& c) { return einsum("ij->", c[0]); };
    r["einsum_implicit"] = [](const Fixture& c) { return einsum("bij,bkj", c[0], c[1]); };
    r["einsum_implicit_order"] = [](const Fixture& c) { return einsum("ij,jA", c[0], c[1]); };
    r["einsum_ellipsis"] = [](const Fixture& c) {
      return einsum("...ij,...jk->...ik", c[0], c[1]);
    };
    r["einsum_chain"] = [](const Fixture& c) {
      return einsum("ij,jk,kl->il", std::vector<Tensor>{c[0], c[1], c[2]});
    };
    r["einsum_batch_diagonal"] = [](const Fixture& c) { return einsum("bii->bi", c[0]); };
    r["einsum_spaces"] = [](const Fixture& c) { return einsum("b i , b i -> b", c[0], c[1]); };
    r["einsum_broadcast_letters"] = [](const Fixture& c) { return einsum("ij,ij->i", c[0], c[1]); };
    r["einsum_broadcast_kept"] = [](const Fixture& c) {
      return einsum("ij,jk,ik->ijk", c[0], c[1], c[2]);
    };
    return r;
  }();
  return m;
}

/// The cases giving values and indices (mode).
const std::map<std::string, ViCaseFn>& vi_cases() {
  static const std::map<std::string, ViCaseFn> m = {
      {"mode_dim", [](const Fixture& c) { return mode(c[0], 1); }},
      {"mode_keepdim_dim0", [](const Fixture& c) { return c[0].mode(0, true); }},
      {"mode_last_dim", [](const Fixture& c) { return c[0].mode(); }},
  };
  return m;
}

/// Runs every case whose name starts with `prefix`; fails if there is none.
void check_family(const std::string& prefix) {
  int n = 0;
  for (const auto& [name, f] : cases())
    if (name.rfind(prefix, 0) == 0) {
      check_case(name, f);
      ++n;
    }
  CHECK(n > 0);
}

std::vector<std::string> fixture_cases() {
  std::vector<std::string> out;
  std::istringstream in(fixtures().metadata.at("cases"));
  for (std::string s; std::getline(in, s, ',');) out.push_back(s);
  return out;
}

DoubleTensor leaf(Shape s, std::uint64_t seed) {
  Generator g(seed);
  return randn<double>(s, g).requires_grad_();
}

TEST_CASE("every fixture case has a computation here, and every computation a fixture case") {
  const auto names = fixture_cases();
  CHECK(names.size() == cases().size() + vi_cases().size());
  for (const auto& n : names) {
    INFO("fixture case " << n);
    CHECK((cases().count(n) + vi_cases().count(n)) == 1);
  }
}

// ---- var, std, var_mean, std_mean ----

TEST_CASE("var and std with correction, lists of dims and keepdim match PyTorch") {
  check_family("var_");
  check_family("std_");
}

TEST_CASE("var and std keep the unbiased spelling and PyTorch's edge cases") {
  const auto x = tensor<double>({1.0, 2.0, 4.0});
  CHECK(var(x).item() == Approx(7.0 / 3));
  CHECK(var(x, false).item() == Approx(14.0 / 9));
  CHECK(var(x, std::nullopt, {.correction = 0}).item() == Approx(14.0 / 9));
  CHECK(var(x, 0, {.correction = -1}).item() == Approx(14.0 / 12));
  CHECK(std::isinf(var(x, std::nullopt, {.correction = 3}).item()));  // N - correction <= 0
  CHECK(std::isinf(var(x, std::nullopt, {.correction = 5}).item()));
  CHECK(std::isnan(var(full<double>({2}, 1.0), std::nullopt, {.correction = 2}).item()));
  CHECK(x.var(std::vector<std::int64_t>{0}, true, true).shape() == Shape{1});
  CHECK(var(x, std::vector<std::int64_t>{}, {.keepdim = true}).shape() == Shape{1});
  const auto y = randn<double>({2, 3, 4});
  CHECK(var(y, {2, 0}, {.correction = 0}).allclose(var(y, {0, 2}, false)));
  CHECK(torchlet::std(y, -1, VarOptions{}).allclose(torchlet::std(y, 2)));
  auto [v, m] = var_mean(y, 1, {.keepdim = true});
  CHECK(v.shape() == Shape{2, 1, 4});
  CHECK(m.allclose(y.mean(1, true)));
  auto [s, m2] = std_mean(y, std::nullopt, {.correction = 0});
  CHECK(s.allclose(y.std(false)));
  CHECK(m2.allclose(y.mean()));
  CHECK(std_mean(y).first.allclose(y.std()));
}

TEST_CASE("var, std, var_mean and std_mean with correction and dims pass gradcheck") {
  using autograd::gradcheck;
  CHECK(gradcheck(
      [](D x) {
        return var(x, {0, 2}, {.correction = 0, .keepdim = true});
      },
      {leaf({3, 2, 4}, 1)}));
  CHECK(gradcheck([](D x) { return x.std(1, {.correction = 2}); }, {leaf({2, 5}, 2)}));
  CHECK(gradcheck([](D x) { return x.var(std::nullopt, {.correction = -1}); }, {leaf({3, 3}, 3)}));
  CHECK(gradcheck(
      [](D x) {
        auto [s, m] = std_mean(x, {1, 2});
        return s * 2.0 + m;
      },
      {leaf({2, 3, 3}, 4)}));
  CHECK(gradcheck(
      [](D x) {
        auto [v, m] = var_mean(x, 0, {.correction = 0});
        return v * m;
      },
      {leaf({4, 3}, 5)}));
}

TEST_CASE("var, std and norm over a list of dims reject a repeated or bad dim") {
  const auto x = zeros<float>({2, 3, 4});
  CHECK_THROWS_WITH(var(x, {1, -2}, VarOptions{}),
                    Contains("var: dim 1 appears multiple times in the list of dims"));
  CHECK_THROWS_WITH(std_mean(x, {0, 0}), Contains("std_mean: dim 0 appears multiple times"));
  CHECK_THROWS_WITH(x.norm(2.0, {2, 2}), Contains("norm: dim 2 appears multiple times"));
  CHECK_THROWS_AS(var(x, 3, VarOptions{}), std::out_of_range);
  CHECK_THROWS_WITH(x.norm("nuc"), Contains("norm: p must be a number or \"fro\", got \"nuc\""));
}

// ---- mode ----

TEST_CASE("mode matches PyTorch: the smallest most frequent value, the last index of it") {
  for (const auto& [name, f] : vi_cases()) {
    LongTensor indices;
    check_case(name, [&, f = f](const Fixture& c) {
      auto r = f(c);
      indices = r.indices;
      return r.values;
    });
    INFO("indices of case " << name);
    const auto& want = std::get<LongTensor>(fixtures().at(name + "/output_index"));
    CHECK(indices.shape() == want.shape());
    CHECK(indices.to_vector() == want.to_vector());
  }
  const auto m =
      mode(tensor<float>({{1.f, 2.f, 2.f, 3.f, 3.f, 1.f}, {5.f, 5.f, 4.f, 4.f, 4.f, 5.f}}));
  CHECK(m.values.to_vector() == std::vector<float>{1.f, 4.f});
  CHECK(m.indices.to_vector() == std::vector<std::int64_t>{5, 4});
  const auto s = mode(scalar_tensor<float>(7.f));
  CHECK(s.values.item() == 7.f);
  CHECK(s.indices.item() == 0);
  CHECK(autograd::gradcheck([](D x) { return mode(x, 0).values; }, {leaf({3, 4}, 6)}));
  CHECK_THROWS_WITH(mode(zeros<float>({2, 0}), 1),
                    Contains("mode: dim 1 of the input (shape [2, 0]) is empty"));
}

// ---- norm, products, distances ----

TEST_CASE("norm over a list of dims (any p) and the Frobenius norm match PyTorch") {
  check_family("norm_");
}

TEST_CASE("bmm, baddbmm, addbmm, addmv and outer match PyTorch") {
  check_family("bmm");
  check_family("baddbmm");
  check_family("addbmm");
  check_family("addmv");
  check_family("outer");
}

TEST_CASE("dist and cdist (p = 0, 0.5, 1, 1.5, 2, 3, 3.5, inf; batched, broadcast) match PyTorch") {
  check_family("dist_");
  check_family("cdist_");
}

TEST_CASE("norm over dims, products and distances pass gradcheck") {
  using autograd::gradcheck;
  for (const double p : {2.0, 1.0, 3.5, kInf, -kInf})
    CHECK(gradcheck([p](D x) { return norm(x, p, {0, 2}, true); }, {leaf({2, 3, 4}, 10)}));
  CHECK(gradcheck([](D x) { return x.norm("fro", {1}); }, {leaf({3, 4}, 11)}));
  CHECK(gradcheck([](D i, D a, D b) { return baddbmm(i, a, b, 0.5, 2.0); },
                  {leaf({3, 1}, 12), leaf({2, 3, 4}, 13), leaf({2, 4, 5}, 14)}));
  CHECK(gradcheck([](D i, D a, D b) { return addbmm(i, a, b, -1.0, 0.5); },
                  {leaf({5}, 15), leaf({2, 3, 4}, 16), leaf({2, 4, 5}, 17)}));
  CHECK(gradcheck([](D i, D m, D v) { return i.addmv(m, v, 2.0, 3.0); },
                  {leaf({3}, 18), leaf({3, 4}, 19), leaf({4}, 20)}));
  CHECK(gradcheck([](D a, D b) { return outer(a, b); }, {leaf({3}, 21), leaf({4}, 22)}));
  CHECK(gradcheck([](D a, D b) { return dist(a, b, 3.0); }, {leaf({2, 3}, 23), leaf({3}, 24)}));
  for (const double p : {2.0, 1.0, 3.0, kInf})
    CHECK(gradcheck([p](D a, D b) { return cdist(a, b, p); },
                    {leaf({2, 3, 4}, 25), leaf({1, 5, 4}, 26)}));
}

TEST_CASE("baddbmm and addmm give beta = 0 no say, NaN included, as PyTorch") {
  const auto nan = full<float>({2, 2, 2}, std::numeric_limits<float>::quiet_NaN());
  const auto a = ones<float>({2, 2, 3}), b = ones<float>({2, 3, 2});
  CHECK(baddbmm(nan, a, b, 0.f).to_vector() == std::vector<float>(8, 3.f));
  CHECK(addbmm(nan[0], a, b, 0.f, 2.f).to_vector() == std::vector<float>(4, 12.f));
  CHECK(randn<float>({2, 2}).addmm(ones<float>({2, 3}), ones<float>({3, 2}), 0.f).to_vector() ==
        std::vector<float>(4, 3.f));
}

TEST_CASE("products and distances reject bad shapes naming the op and the shapes") {
  const auto a = zeros<float>({2, 3, 4}), b = zeros<float>({2, 5, 6});
  CHECK_THROWS_WITH(bmm(a, b),
                    Contains("bmm: [2, 3, 4] @ [2, 5, 6] - expected [B, n, k] @ [B, k, m]"));
  CHECK_THROWS_WITH(baddbmm(zeros<float>({3, 6}), a, b),
                    Contains("baddbmm: [2, 3, 4] @ [2, 5, 6] - expected"));
  CHECK_THROWS_WITH(baddbmm(zeros<float>({4, 6}), a, zeros<float>({2, 4, 6})),
                    Contains("baddbmm: input of shape [4, 6] cannot be broadcast to the "
                             "product's shape [2, 3, 6]"));
  CHECK_THROWS_WITH(addbmm(zeros<float>({3}), a, zeros<float>({3, 4, 6})),
                    Contains("addbmm: [2, 3, 4] @ [3, 4, 6]"));
  CHECK_THROWS_WITH(addmv(zeros<float>({3}), zeros<float>({3, 4}), zeros<float>({5})),
                    Contains("addmv: [3, 4] @ [5] - expected a matrix [n, m] and a vector [m]"));
  CHECK_THROWS_WITH(outer(zeros<float>({2, 2}), zeros<float>({2})),
                    Contains("outer: expected two 1-D vectors, got [2, 2] and [2]"));
  CHECK_THROWS_WITH(cdist(zeros<float>({3}), zeros<float>({2, 3})),
                    Contains("cdist: expected x1 [*B, P, M] and x2 [*B, R, M] with at least 2 "
                             "dims, got [3] and [2, 3]"));
  CHECK_THROWS_WITH(cdist(zeros<float>({2, 3}), zeros<float>({2, 4})),
                    Contains("cdist: x1 and x2 must have the same number of columns, got [2, 3] "
                             "and [2, 4]"));
  CHECK_THROWS_WITH(
      cdist(zeros<float>({2, 2, 3}), zeros<float>({3, 2, 3})),
      Contains("cdist: the batch dims of [2, 2, 3] and [3, 2, 3] cannot be broadcast"));
  CHECK_THROWS_WITH(cdist(zeros<float>({2, 3}), zeros<float>({2, 3}), -1.0),
                    Contains("cdist: p must be >= 0, got -1"));
  CHECK_THROWS_WITH(dist(zeros<float>({2}), zeros<float>({3})), Contains("[2]"));
}

// ---- unbind, split, chunk ----

TEST_CASE("unbind, split (sizes and int) and chunk on any dim match PyTorch") {
  check_family("unbind_");
  check_family("split_");
  check_family("chunk_");
  const auto x = randn<double>({2, 3});
  const auto parts = x.unbind(-1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[2].shape() == Shape{2});
  CHECK(autograd::gradcheck(
      [](D y) {
        auto u = unbind(y, 1);
        return u[0] * u[2] + u[1];
      },
      {leaf({2, 3}, 30)}));
  CHECK_THROWS_WITH(unbind(scalar_tensor<float>(0.f)),
                    Contains("unbind: cannot be applied to a 0-dim tensor"));
  CHECK_THROWS_AS(unbind(x, 2), std::out_of_range);
}

// ---- einsum ----

TEST_CASE(
    "einsum: attention, bilinear, batched outer, matmul, trace, diagonal, transpose, sum, "
    "implicit output, ellipsis and chains match PyTorch") {
  check_family("einsum_");
}

TEST_CASE("einsum passes gradcheck through its composed ops") {
  using autograd::gradcheck;
  CHECK(gradcheck([](D q, D k) { return einsum("bhqd,bhkd->bhqk", q, k); },
                  {leaf({2, 2, 3, 4}, 40), leaf({2, 2, 5, 4}, 41)}));
  CHECK(gradcheck([](D x, D w, D y) { return einsum("bn,anm,bm->ba", x, w, y); },
                  {leaf({3, 2}, 42), leaf({2, 2, 3}, 43), leaf({3, 3}, 44)}));
  CHECK(gradcheck([](D a) { return einsum("ii->", a); }, {leaf({3, 3}, 45)}));
  CHECK(gradcheck([](D a, D b) { return einsum("...ij,...jk->...ik", a, b); },
                  {leaf({2, 1, 2, 3}, 46), leaf({3, 3, 2}, 47)}));
  CHECK(gradcheck([](D a, D b) { return einsum("i...,i...->...", a, b); },
                  {leaf({3, 2}, 48), leaf({3, 1}, 49)}));
}

TEST_CASE("einsum rejects what it cannot read, naming the equation and the problem") {
  const auto x = zeros<float>({2, 3}), y = zeros<float>({4, 5});
  CHECK_THROWS_WITH(einsum("ij,jk->ik", x, y),
                    Contains("einsum: subscript 'j' has size 4 in operand 1 (shape [4, 5]) but "
                             "size 3 elsewhere (sizes must match or be 1) (equation "
                             "\"ij,jk->ik\")"));
  CHECK_THROWS_WITH(einsum("ij,jk", x),
                    Contains("einsum: 2 subscript terms for 1 operands; expected one per operand"));
  CHECK_THROWS_WITH(einsum("ijk", x),
                    Contains("the term \"ijk\" names 3 dims but operand 0 has 2 (shape [2, 3])"));
  CHECK_THROWS_WITH(einsum("ij->k", x),
                    Contains("output subscript 'k' does not occur in any input term"));
  CHECK_THROWS_WITH(einsum("ij->ii", x), Contains("output subscript 'i' appears more than once"));
  CHECK_THROWS_WITH(einsum("i.j", x), Contains("a '.' that is not part of a single \"...\""));
  CHECK_THROWS_WITH(einsum("i1", x), Contains("the character '1'; expected letters a-z, A-Z"));
  CHECK_THROWS_WITH(einsum("ij->i->j", x), Contains("more than one \"->\""));
  CHECK_THROWS_WITH(einsum("ii", x),
                    Contains("subscript 'i' is repeated in operand 0 (shape [2, 3]) over dims of "
                             "sizes 2 and 3"));
  CHECK_THROWS_WITH(einsum("...i,...i", zeros<float>({2, 3}), zeros<float>({4, 3})),
                    Contains("the \"...\" dims of operand 1 (shape [4, 3]) do not broadcast"));
}

// ---- method spellings ----

TEST_CASE("the elementwise and reduction ops have PyTorch's method spellings") {
  Generator g(3);
  const auto x = randn<double>({3, 4}, g), y = randn<double>({3, 4}, g) + 3.0;
  auto same = [](const DoubleTensor& a, const DoubleTensor& b) {
    return a.shape() == b.shape() && a.to_vector() == b.to_vector();
  };
  CHECK(same(x.sign(), sign(x)));
  CHECK(same(x.trunc(), trunc(x)));
  CHECK(same(x.frac(), frac(x)));
  CHECK(same(x.erf(), erf(x)));
  CHECK(same((x * 0.3).erfinv(), erfinv(x * 0.3)));
  CHECK(same(x.fmod(y), fmod(x, y)));
  CHECK(same(x.fmod(0.7), fmod(x, 0.7)));
  CHECK(same(x.remainder(y), remainder(x, y)));
  CHECK(same(x.remainder(-0.7), remainder(x, -0.7)));
  CHECK(same(x.atan2(y), atan2(x, y)));
  CHECK(same(x.lerp(y, 0.25), lerp(x, y, 0.25)));
  CHECK(same(x.lerp(y, x), lerp(x, y, x)));
  CHECK(same((x.abs() + 0.5).rsqrt(), rsqrt(x.abs() + 0.5)));
  CHECK(same(x.sigmoid(), sigmoid(x)));
  const auto z = tensor<double>({1.0, std::nan(""), kInf, -kInf});
  CHECK(z.isnan().to_vector() == isnan(z).to_vector());
  CHECK(z.isinf().to_vector() == isinf(z).to_vector());
  CHECK(z.isfinite().to_vector() == std::vector<bool>{true, false, false, false});
  CHECK(z.nan_to_num(0.5, 9.0, -9.0).to_vector() == std::vector<double>{1.0, 0.5, 9.0, -9.0});
  CHECK(x.isclose(x + 1e-9).all().item());
  CHECK(x.allclose(x + 1e-9));
  CHECK_FALSE(x.allclose(y));
  CHECK(same(x.where(x > 0.0, y), where(x > 0.0, x, y)));
  CHECK(same(x.addcmul(y, x, 0.5), addcmul(x, y, x, 0.5)));
  CHECK(same(x.median(), median(x)));
  CHECK(same(x.median(1).values, median(x, 1).values));
  CHECK(x.all().item() == all(x).item());
  CHECK(x.any(1, true).shape() == Shape{3, 1});
  CHECK(x.all(0).to_vector() == all(x, 0).to_vector());
  CHECK(x.any().item());
  CHECK(same(x.diag(1), diag(x, 1)));
  CHECK(same(x.diag_embed(), diag_embed(x)));
  CHECK(same(x.tile({2}), tile(x, {2})));
  CHECK(same(x.cumsum(1), cumsum(x, 1)));
  CHECK(same(x.prod(0), prod(x, 0)));
}

}  // namespace TORCHLET_TEST_FILE
