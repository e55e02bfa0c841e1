// Second derivatives of the tensor ops whose backward records itself since issue 13's second
// round, each by float64 gradgradcheck: where (3-arg, broadcast), clone, the p-norms (norm with
// p and dims, dist, cdist), logsumexp, clamp (scalar bounds), the strided views (narrow, select,
// slice, expand), cat, stack, and dtype conversions (to<U>(),
// checked through a float32 Hessian against the same computation without the conversion); since
// the third round max/min, var/std, prod, cumsum, cumprod, the values of sort/topk/kthvalue/
// median/mode, gather, scatter, scatter_add, index_select, gelu("tanh") and clamp with tensor
// bounds; since round 3a the indexing and rearranging ops (advanced and masked indexing,
// index_put, masked_fill_, masked_scatter, index_add/index_copy, the in-place scatters, tril/
// triu, diag, diag_embed, flip, roll, repeat/tile, repeat_interleave, as_strided), prod/cumprod
// with zeros, maximum/minimum, fmod, remainder, div with rounding, atan2, addcmul, erf, erfinv,
// sign, trunc, frac, nan_to_num and the in-place arithmetic; since round 4 copy_, fill_,
// relu_, clamp_ and in-place ops on a view of a tensor with a gradient (CopySlices). Each also
// checks that the first-order gradient taken with create_graph (the recorded path) equals the one
// without (the fast path).
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torchlet/tensor.hpp>

#include "catch.hpp"
#include "create_graph_checks.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using autograd::gradgradcheck;

namespace {

DoubleTensor leaf(const Shape& s, double shift = 0.0) {
  return (randn<double>(s) + shift).requires_grad_();
}

using torchlet_test::same_first_order;

}  // namespace

TEST_CASE("gradgradcheck: where with broadcasting, and clone") {
  manual_seed(21);
  auto a = leaf({2, 3}), b = leaf({3});
  const auto c = randn<double>({2, 1}) > 0.0;
  const auto f = [c](const DoubleTensor& x, const DoubleTensor& y) {
    return where(c, x * x, y.exp());
  };
  CHECK(gradgradcheck(f, {a, b}));
  CHECK(gradgradcheck([](const DoubleTensor& x) { return (x * x).clone() * x; }, {a}));
  same_first_order([&](const std::vector<DoubleTensor>& v) { return f(v[0], v[1]); }, {a, b});
  same_first_order([](const std::vector<DoubleTensor>& v) { return (v[0] * v[0]).clone(); }, {a});
  // The scalar forms go through the tensor one.
  CHECK(gradgradcheck([c](const DoubleTensor& x) { return where(c, x.pow(3.0), 0.5); }, {a}));
}

TEST_CASE("gradgradcheck: norm for every p, over all elements, one dim and several") {
  manual_seed(22);
  auto x = leaf({2, 3, 4});
  const double inf = std::numeric_limits<double>::infinity();
  for (double p : {2.0, 3.0, 1.5, 1.0, inf, -inf, 0.0}) {
    INFO("p = " << p);
    CHECK(gradgradcheck([p](const DoubleTensor& v) { return (v * v.sin()).norm(p) * v; }, {x}));
    CHECK(gradgradcheck([p](const DoubleTensor& v) { return norm(v.tanh(), p, 1, true); }, {x}));
    CHECK(gradgradcheck(
        [p](const DoubleTensor& v) {
          return norm(v * v.cos(), p, std::vector<std::int64_t>{0, 2});
        },
        {x}));
    same_first_order([p](const std::vector<DoubleTensor>& v) { return norm(v[0], p, 1); }, {x});
    same_first_order(
        [p](const std::vector<DoubleTensor>& v) {
          return norm(v[0], p, std::vector<std::int64_t>{2, 0}, true);
        },
        {x});
  }
  // "fro" is the 2-norm; a lane of zeros keeps its subgradient 0 in both derivatives.
  CHECK(gradgradcheck([](const DoubleTensor& v) { return norm(v.exp(), "fro", {1}); }, {x}));
  auto z = zeros<double>({2, 3}).requires_grad_();
  const auto gz = autograd::grad({(norm(z, 2.0, 1) * 2.0).sum()}, {z}, {}, std::nullopt, true)[0];
  CHECK(gz.to_vector() == std::vector<double>(6, 0.0));
  const auto hz = autograd::grad({(gz * gz).sum()}, {z}, {}, std::nullopt, false, true)[0];
  if (hz.defined()) {
    for (double v : hz.to_vector()) CHECK(v == 0.0);
  }
}

TEST_CASE("gradgradcheck: dist and cdist") {
  manual_seed(23);
  auto a = leaf({3, 4}), b = leaf({4});
  for (double p : {2.0, 1.0, 3.0}) {
    INFO("p = " << p);
    CHECK(gradgradcheck(
        [p](const DoubleTensor& x, const DoubleTensor& y) { return dist(x, y.tanh(), p); },
        {a, b}));
  }
  auto x1 = leaf({2, 3, 2}), x2 = leaf({4, 2});
  for (double p : {2.0, 1.0, 2.5}) {
    INFO("p = " << p);
    CHECK(gradgradcheck(
        [p](const DoubleTensor& u, const DoubleTensor& v) { return cdist(u.sin(), v, p); },
        {x1, x2}));
    same_first_order([p](const std::vector<DoubleTensor>& v) { return cdist(v[0], v[1], p); },
                     {x1, x2});
  }
}

TEST_CASE("gradgradcheck: logsumexp and clamp") {
  manual_seed(25);
  auto x = leaf({3, 4});
  CHECK(gradgradcheck([](const DoubleTensor& v) { return logsumexp(v * v, 1, true); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return logsumexp(v.sin(), 0); }, {x}));
  same_first_order([](const std::vector<DoubleTensor>& v) { return logsumexp(v[0], 1); }, {x});
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.clamp(-0.5, 0.7) * v; }, {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) { return clamp(v * v, std::optional<double>(0.3)) * v; }, {x}));
  same_first_order([](const std::vector<DoubleTensor>& v) { return v[0].clamp(-0.5, 0.7); }, {x});
}

TEST_CASE("gradgradcheck: narrow, select, slice, expand, cat and stack") {
  manual_seed(26);
  auto x = leaf({3, 4}), y = leaf({2, 4});
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.narrow(1, 1, 2) * v.narrow(1, 2, 2); },
                      {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.select(0, 1) * v.select(1, 2).sum(); },
                      {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.slice(1, 0, 4, 2).exp(); }, {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) {
        return v.unsqueeze(0).expand({2, 3, 4}) * v.sin();
      },
      {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& a, const DoubleTensor& b) {
        return cat({a * a, b.tanh()}, 0) * 2.0;
      },
      {x, y}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& a, const DoubleTensor& b) {
        return stack({a, b.t() * b.t()}, 1);
      },
      {x.detach().narrow(0, 0, 2).clone().t().clone().requires_grad_(), leaf({2, 4})}));
  same_first_order([](const std::vector<DoubleTensor>& v) { return cat({v[0], v[1]}, 0); }, {x, y});
  same_first_order(
      [](const std::vector<DoubleTensor>& v) {
        return stack({v[0], v[0] * 2.0}, 2);
      },
      {x});
  same_first_order(
      [](const std::vector<DoubleTensor>& v) {
        return v[0].unsqueeze(1).expand({3, 2, 4});
      },
      {x});
}

TEST_CASE("create_graph: to<U>() conversions differentiate twice, in both directions") {
  manual_seed(24);
  // float -> double -> float: the Hessian of sum(x^3) is diag(6x), with or without the trip.
  const auto x0 = randn<float>({5});
  const auto v = randn<float>({5});
  auto hvp = [&](bool convert) {
    auto x = x0.detach().clone().requires_grad_();
    auto y = convert ? x.to<double>().pow(3.0).sum().to<float>() : x.pow(3.0f).sum();
    auto g = autograd::grad({y}, {x}, {}, std::nullopt, true)[0];
    return autograd::grad({(g * v).sum()}, {x})[0].to_vector();
  };
  const auto with = hvp(true), without = hvp(false);
  for (std::size_t i = 0; i < with.size(); ++i) {
    CHECK(with[i] == Approx(without[i]).epsilon(1e-5));
    CHECK(with[i] == Approx(6.0f * x0.to_vector()[i] * v.to_vector()[i]).epsilon(1e-4));
  }
  // double -> double through float32 and back keeps the graph: gradgradcheck with float32's
  // precision would not pass, so check that the second gradient has the right values.
  auto d = tensor<double>({0.5, -1.25, 2.0}).requires_grad_();
  auto g = autograd::grad({d.to<float>().pow(2.0f).to<double>().sum()}, {d}, {}, std::nullopt,
                          true)[0];  // 2 d, through ToCopyBackward0 twice
  REQUIRE(g.requires_grad());
  CHECK(g.to_vector() == std::vector<double>{1.0, -2.5, 4.0});
  CHECK(autograd::grad({(g * d).sum()}, {d})[0].to_vector() == std::vector<double>{2.0, -5.0, 8.0});
}

TEST_CASE("gradgradcheck: gelu's tanh form and clamp with tensor bounds") {
  manual_seed(33);
  auto x = (randn<double>({3, 4}) * 2.0).requires_grad_();
  CHECK(gradgradcheck([](const DoubleTensor& v) { return gelu(v, "tanh"); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.gelu("tanh") * v; }, {x}));
  same_first_order([](const std::vector<DoubleTensor>& v) { return gelu(v[0], "tanh"); }, {x});
  auto lo = leaf({4}, -1.0), hi = leaf({3, 1}, 1.0);
  CHECK(gradgradcheck([](const DoubleTensor& v,
                         const DoubleTensor& a) { return clamp(v * v, a, DoubleTensor()) * v; },
                      {x, lo}));
  CHECK(gradgradcheck([](const DoubleTensor& v,
                         const DoubleTensor& b) { return clamp(v, DoubleTensor(), b * b) * b; },
                      {x, hi}));
  CHECK(gradgradcheck([](const DoubleTensor& v, const DoubleTensor& a,
                         const DoubleTensor& b) { return clamp(v.sin(), a, b).exp(); },
                      {x, lo, hi}));
  same_first_order([](const std::vector<DoubleTensor>& v) { return clamp(v[0], v[1], v[2]); },
                   {x, lo, hi});
}

TEST_CASE("gradgradcheck: max and min, over all elements and along a dim") {
  manual_seed(27);
  auto x = leaf({3, 4});
  CHECK(gradgradcheck([](const DoubleTensor& v) { return max(v * v.sin()) * v; }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return min(v.exp()) * v * v; }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return max(v * v, 1).values * 2.0; }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return min(v.sin(), 0, true).values * v; }, {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) { return v.max(-1, true).values.exp() + v.min(0).values.sum(); },
      {x}));
  same_first_order([](const std::vector<DoubleTensor>& v) { return max(v[0], 1).values; }, {x});
  same_first_order([](const std::vector<DoubleTensor>& v) { return min(v[0], 0, true).values; },
                   {x});
  // Ties split the gradient evenly in both paths.
  auto t = tensor<double>({1.0, 3.0, 3.0, -2.0, 3.0}).requires_grad_();
  same_first_order([](const std::vector<DoubleTensor>& v) { return max(v[0]) * 1.0; }, {t});
  same_first_order([](const std::vector<DoubleTensor>& v) { return min(v[0] * -1.0); }, {t});
  const auto g = autograd::grad({max(t * t)}, {t}, {}, std::nullopt, true)[0];
  REQUIRE(g.requires_grad());
  CHECK(g.to_vector() == std::vector<double>{0.0, 2.0, 2.0, 0.0, 2.0});
  CHECK(autograd::grad({g.sum()}, {t})[0].to_vector() ==
        std::vector<double>{0.0, 2.0 / 3.0, 2.0 / 3.0, 0.0, 2.0 / 3.0});
}

TEST_CASE("gradgradcheck: var and std with correction, one dim, several, all") {
  manual_seed(28);
  auto x = leaf({3, 4, 2});
  CHECK(gradgradcheck([](const DoubleTensor& v) { return var(v); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return var(v.sin(), 1, false, true); }, {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) {
        return var(v * v, std::vector<std::int64_t>{0, 2}, VarOptions{.correction = 0});
      },
      {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return torchlet::std(v * v.cos()); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return torchlet::std(v, 2); }, {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) {
        return torchlet::std(v.exp(), std::vector<std::int64_t>{2, 1}, VarOptions{.correction = 2});
      },
      {x}));
  same_first_order([](const std::vector<DoubleTensor>& v) { return var(v[0], 1); }, {x});
  same_first_order(
      [](const std::vector<DoubleTensor>& v) { return torchlet::std(v[0], 0, false, true); }, {x});
  same_first_order(
      [](const std::vector<DoubleTensor>& v) {
        return torchlet::std(v[0], std::vector<std::int64_t>{0, 1}, VarOptions{.correction = 0});
      },
      {x});
  // A lane of equal values: std = 0 has gradient 0 in both paths, and a finite second one.
  auto c = tensor<double>({{1.0, 2.0, 4.0}, {5.0, 5.0, 5.0}}).requires_grad_();
  same_first_order([](const std::vector<DoubleTensor>& v) { return torchlet::std(v[0], 1); }, {c});
  const auto gc = autograd::grad({torchlet::std(c, 1).sum()}, {c}, {}, std::nullopt, true)[0];
  for (double v : gc.narrow(0, 1, 1).to_vector()) CHECK(v == 0.0);
  for (double v : autograd::grad({(gc * gc).sum()}, {c})[0].to_vector()) CHECK(std::isfinite(v));
}

TEST_CASE("gradgradcheck: prod, cumsum and cumprod") {
  manual_seed(29);
  auto x = leaf({3, 4});
  CHECK(gradgradcheck([](const DoubleTensor& v) { return prod(v); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return prod(v.sin(), 1) * v.sum(); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return prod(v, 0, true).exp(); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return cumsum(v * v, 1); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.cumsum(0).sin(); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return cumprod(v, 1); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return cumprod(v.cos(), 0) * v; }, {x}));
  same_first_order([](const std::vector<DoubleTensor>& v) { return prod(v[0]); }, {x});
  same_first_order([](const std::vector<DoubleTensor>& v) { return prod(v[0], 1); }, {x});
  same_first_order([](const std::vector<DoubleTensor>& v) { return cumsum(v[0], 0); }, {x});
  same_first_order([](const std::vector<DoubleTensor>& v) { return cumprod(v[0], 1); }, {x});
  same_first_order([](const std::vector<DoubleTensor>& v) { return cumprod(v[0] * 1.0, 0); }, {x});
}

TEST_CASE("gradgradcheck: prod and cumprod with one zero and several") {
  // PyTorch's prod_backward under create_graph: g * out / x without zeros, else the exclusive
  // products from both ends (prod_safe_zeros_backward); cumprod's from the running products.
  auto one = tensor<double>({{1.5, 0.0, -0.7, 2.0}, {0.3, 1.2, -1.1, 0.9}}).requires_grad_();
  auto two = tensor<double>({{0.0, 1.3, 0.0, 0.8}, {0.0, 0.0, 1.1, 0.0}}).requires_grad_();
  for (const auto& x : {one, two}) {
    CHECK(gradgradcheck([](const DoubleTensor& v) { return prod(v); }, {x}));
    CHECK(gradgradcheck([](const DoubleTensor& v) { return prod(v * 1.0) * v; }, {x}));
    CHECK(gradgradcheck([](const DoubleTensor& v) { return prod(v, 1); }, {x}));
    CHECK(gradgradcheck([](const DoubleTensor& v) { return prod(v, 0, true) * v; }, {x}));
    CHECK(gradgradcheck([](const DoubleTensor& v) { return cumprod(v, 1); }, {x}));
    CHECK(gradgradcheck([](const DoubleTensor& v) { return cumprod(v, 0) * v.sin(); }, {x}));
    same_first_order([](const std::vector<DoubleTensor>& v) { return prod(v[0]); }, {x});
    same_first_order([](const std::vector<DoubleTensor>& v) { return prod(v[0], 1, true); }, {x});
    same_first_order([](const std::vector<DoubleTensor>& v) { return cumprod(v[0], 1); }, {x});
  }
  // Two zeros: the gradient is 0, its derivative is not (d2/dx0 dx1 prod = x2).
  auto z = tensor<double>({0.0, 0.0, 2.0}).requires_grad_();
  const auto g = autograd::grad({prod(z)}, {z}, {}, std::nullopt, true)[0];
  CHECK(g.to_vector() == std::vector<double>{0.0, 0.0, 0.0});
  CHECK(autograd::grad({g.select(0, 0)}, {z})[0].to_vector() == std::vector<double>{0.0, 2.0, 0.0});
  // Third order through cumprod with zeros: d3/dx0 dx1 dx2 of sum(cumprod(x)) is 1 + x3.
  auto c = tensor<double>({0.0, 0.0, 0.0, 3.0}).requires_grad_();
  const auto g1 = autograd::grad({cumprod(c, 0).sum()}, {c}, {}, std::nullopt, true)[0];
  const auto g2 = autograd::grad({g1.select(0, 0)}, {c}, {}, std::nullopt, true)[0];
  const auto g3 = autograd::grad({g2.select(0, 1)}, {c})[0];
  CHECK(g3.to_vector() == std::vector<double>{0.0, 0.0, 4.0, 0.0});
}

TEST_CASE("gradgradcheck: sort, topk, kthvalue, median and mode values") {
  manual_seed(30);
  auto x = leaf({3, 5});
  CHECK(gradgradcheck([](const DoubleTensor& v) { return sort(v * v, 1).values * v; }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return sort(v.sin(), 0, true).values; }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return topk(v * v, 2).values.exp(); }, {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) { return topk(v, 2, 0, false).values * v.narrow(0, 0, 2); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return kthvalue(v * v, 2, 1).values; }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return median(v.sin()) * v; }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return median(v * v, 0, true).values; }, {x}));
  same_first_order([](const std::vector<DoubleTensor>& v) { return sort(v[0], 0).values; }, {x});
  same_first_order([](const std::vector<DoubleTensor>& v) { return topk(v[0], 3).values; }, {x});
  same_first_order([](const std::vector<DoubleTensor>& v) { return median(v[0], 1).values; }, {x});
  // mode: a mode is a tie, which finite differences break, so check the second derivative's
  // values: d/dx of sum(mode(x^2)) is 2x at the mode's (last) position, whose derivative is 2.
  auto m = tensor<double>({{1.0, 2.0, 2.0, 3.0}, {4.0, 4.0, 0.5, 4.0}}).requires_grad_();
  same_first_order([](const std::vector<DoubleTensor>& v) { return mode(v[0], 1).values; }, {m});
  const auto gm = autograd::grad({mode(m * m, 1).values.sum()}, {m}, {}, std::nullopt, true)[0];
  REQUIRE(gm.requires_grad());
  CHECK(gm.to_vector() == std::vector<double>{0, 0, 4, 0, 0, 0, 0, 8});
  CHECK(autograd::grad({gm.sum()}, {m})[0].to_vector() ==
        std::vector<double>{0, 0, 2, 0, 0, 0, 0, 2});
}

TEST_CASE("gradgradcheck: gather, scatter, scatter_add and index_select") {
  manual_seed(31);
  auto x = leaf({3, 4}), s = leaf({2, 4});
  const auto idx = tensor<std::int64_t>({{0, 2, 1, 2}, {1, 0, 0, 2}});
  const auto idx1 = tensor<std::int64_t>({{3, 0}, {1, 1}, {2, 3}});
  CHECK(gradgradcheck([idx](const DoubleTensor& v) { return gather(v * v, 0, idx); }, {x}));
  CHECK(
      gradgradcheck([idx1](const DoubleTensor& v) { return gather(v.sin(), 1, idx1) * 2.0; }, {x}));
  CHECK(gradgradcheck([idx](const DoubleTensor& a,
                            const DoubleTensor& b) { return scatter_add(a * a, 0, idx, b.exp()); },
                      {x, s}));
  const auto uniq = tensor<std::int64_t>({{0, 2, 1, 2}, {1, 0, 2, 0}});
  CHECK(
      gradgradcheck([uniq](const DoubleTensor& a,
                           const DoubleTensor& b) { return scatter(a.sin(), 0, uniq, b * b) * a; },
                    {x, s}));
  const auto sel = tensor<std::int64_t>({2, 0, 2});
  CHECK(gradgradcheck([sel](const DoubleTensor& v) { return index_select(v * v, 1, sel); }, {x}));
  CHECK(gradgradcheck([sel](const DoubleTensor& v) { return v.index_select(0, sel).exp(); }, {x}));
  same_first_order([idx](const std::vector<DoubleTensor>& v) { return gather(v[0], 0, idx); }, {x});
  same_first_order(
      [uniq](const std::vector<DoubleTensor>& v) { return scatter(v[0], 0, uniq, v[1]); }, {x, s});
  same_first_order(
      [idx](const std::vector<DoubleTensor>& v) { return scatter_add(v[0], 0, idx, v[1]); },
      {x, s});
  same_first_order([sel](const std::vector<DoubleTensor>& v) { return index_select(v[0], 1, sel); },
                   {x});
  // src larger than index: src's gradient is the gathered one in the leading corner of zeros.
  const auto small = tensor<std::int64_t>({{0, 1}});
  const auto large = [small](const DoubleTensor& v, const DoubleTensor& u) {
    return scatter_add(v, 0, small, u * u) * v;
  };
  CHECK(gradgradcheck(large, {x, s}));
  same_first_order([large](const std::vector<DoubleTensor>& v) { return large(v[0], v[1]); },
                   {x, s});
  const auto large_scatter = [small](const DoubleTensor& v, const DoubleTensor& u) {
    auto y = v * v;
    y.scatter_(0, small, u.exp());
    return y * v;
  };
  CHECK(gradgradcheck(large_scatter, {x, s}));
  same_first_order(
      [large_scatter](const std::vector<DoubleTensor>& v) { return large_scatter(v[0], v[1]); },
      {x, s});
}

TEST_CASE(
    "gradgradcheck: tril, triu, diag, diag_embed, flip, roll, repeat, tile, repeat_interleave") {
  manual_seed(34);
  auto x = leaf({3, 4});
  using F = std::function<DoubleTensor(const DoubleTensor&)>;
  const std::vector<std::pair<const char*, F>> cases = {
      {"tril", [](const DoubleTensor& v) { return tril(v * v, 1); }},
      {"triu", [](const DoubleTensor& v) { return v.sin().triu(-1) * v; }},
      {"diag of a matrix", [](const DoubleTensor& v) { return diag(v * v, 1); }},
      {"diag of a vector", [](const DoubleTensor& v) { return v.reshape({-1}).exp().diag(-2); }},
      {"diag_embed", [](const DoubleTensor& v) { return diag_embed(v * v, 1); }},
      {"flip",
       [](const DoubleTensor& v) {
         return flip(v * v, {0, 1}) * v;
       }},
      {"roll",
       [](const DoubleTensor& v) {
         return roll(v.sin(), {1, -2}, {0, 1}) * v;
       }},
      {"roll flat", [](const DoubleTensor& v) { return roll(v * v, {5}); }},
      {"repeat",
       [](const DoubleTensor& v) {
         return v.repeat({2, 1, 2}).exp();
       }},
      {"tile", [](const DoubleTensor& v) { return tile(v * v, {2}); }},
      {"repeat_interleave", [](const DoubleTensor& v) { return repeat_interleave(v * v, 2, 0); }},
      {"repeat_interleave flat",
       [](const DoubleTensor& v) { return repeat_interleave(v.sin(), 3); }},
  };
  for (const auto& c : cases) {
    const F f = c.second;
    INFO(c.first);
    CHECK(gradgradcheck(f, {x}));
    same_first_order([f](const std::vector<DoubleTensor>& v) { return f(v[0]); }, {x});
  }
}

TEST_CASE("gradgradcheck: advanced and masked indexing, index_put, masked_fill_, masked_scatter") {
  manual_seed(35);
  auto x = leaf({4, 3}), w = leaf({2, 3});
  const auto rows = tensor<std::int64_t>({2, 0, 2}), cols = tensor<std::int64_t>({1, 1, 0});
  const auto mask = tensor<bool>(
      {{true, false, true}, {false, false, true}, {true, true, false}, {false, true, false}});
  const auto pick = tensor<std::int64_t>({3, 1});
  using F = std::function<DoubleTensor(const DoubleTensor&, const DoubleTensor&)>;
  const std::vector<std::pair<const char*, F>> cases = {
      {"index rows",
       [rows](const DoubleTensor& v, const DoubleTensor& u) {
         return (v * v).index({rows}) * u.select(0, 0);
       }},
      {"index rows, cols",
       [rows, cols](const DoubleTensor& v, const DoubleTensor& u) {
         return v.sin().index({rows, cols}) * v.index({cols, rows}) * u.select(0, 1);
       }},
      {"index mask",
       [mask](const DoubleTensor& v, const DoubleTensor& u) {
         return (v * v).index({mask}) * u.reshape({-1});
       }},
      {"masked_select",
       [mask](const DoubleTensor& v, const DoubleTensor& u) {
         return masked_select(v.exp(), mask.select(0, 1)) * u.sum();
       }},
      {"index_put", [pick](const DoubleTensor& v,
                           const DoubleTensor& u) { return index_put(v * v, {pick}, u * u) * v; }},
      {"index_put accumulate, broadcast value",
       [rows](const DoubleTensor& v, const DoubleTensor& u) {
         return index_put(v.sin(), {rows}, u.select(0, 0).exp(), true) * v;
       }},
      {"index_put_ on a non-leaf",
       [pick](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v;
         y.index_put_({pick}, u * v.narrow(0, 0, 2));
         return y * v;
       }},
      {"masked_fill_ with a 0-D tensor",
       [mask](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v.sin();
         y.masked_fill_(mask, (u * u).sum());
         return y * v;
       }},
      {"masked_scatter",
       [mask](const DoubleTensor& v, const DoubleTensor& u) {
         return masked_scatter(v * v, mask, cat({u, u * u}, 0).sin()) * v;
       }},
  };
  for (const auto& c : cases) {
    const F f = c.second;
    INFO(c.first);
    CHECK(gradgradcheck(f, {x, w}));
    same_first_order([f](const std::vector<DoubleTensor>& v) { return f(v[0], v[1]); }, {x, w});
  }
}

TEST_CASE("gradgradcheck: index_add, index_copy and the in-place scatters") {
  manual_seed(36);
  auto x = leaf({4, 3}), s = leaf({4, 2});
  const auto idx = tensor<std::int64_t>({2, 0});
  const auto uniq = tensor<std::int64_t>({{0, 2, 1}, {1, 0, 2}});
  const auto dup = tensor<std::int64_t>({{0, 2, 1}, {0, 0, 2}});
  using F = std::function<DoubleTensor(const DoubleTensor&, const DoubleTensor&)>;
  const std::vector<std::pair<const char*, F>> cases = {
      {"index_add",
       [idx](const DoubleTensor& v, const DoubleTensor& u) {
         return index_add(v * v, 1, idx, u.sin(), 1.5) * v;
       }},
      {"index_copy",
       [idx](const DoubleTensor& v, const DoubleTensor& u) {
         return index_copy(v.exp(), 1, idx, u * u) * v;
       }},
      {"index_add_ on a non-leaf",
       [idx](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v;
         index_add_(y, 1, idx, u * v.narrow(1, 0, 2));
         return y * v;
       }},
      {"index_copy_ on a non-leaf",
       [idx](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v.sin();
         index_copy_(y, 0, idx, (u * u).t().narrow(1, 0, 3));
         return y * v;
       }},
      {"scatter_ on a non-leaf",
       [uniq](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v;
         y.scatter_(0, uniq, u.t().narrow(1, 0, 3).exp());
         return y * v;
       }},
      {"scatter_add_ on a non-leaf",
       [dup](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v.sin();
         y.scatter_add_(0, dup, (u * u).t().narrow(1, 0, 3));
         return y * v;
       }},
  };
  for (const auto& c : cases) {
    const F f = c.second;
    INFO(c.first);
    CHECK(gradgradcheck(f, {x, s}));
    same_first_order([f](const std::vector<DoubleTensor>& v) { return f(v[0], v[1]); }, {x, s});
  }
  // In place on a view of a non-leaf: its base's CopySlices records itself too.
  const F on_view = [idx](const DoubleTensor& v, const DoubleTensor& u) {
    auto y = v * v;
    index_add_(y.narrow(0, 0, 2), 1, idx, u.narrow(0, 0, 2) * u.narrow(0, 0, 2));
    return y * v;
  };
  CHECK(gradgradcheck(on_view, {x, s}));
  same_first_order([on_view](const std::vector<DoubleTensor>& v) { return on_view(v[0], v[1]); },
                   {x, s});
}

TEST_CASE("gradgradcheck: maximum, minimum, fmod, remainder, div with rounding, atan2, addcmul") {
  manual_seed(37);
  auto x = leaf({3, 4}), y = leaf({4}, 0.3);
  using F = std::function<DoubleTensor(const DoubleTensor&, const DoubleTensor&)>;
  const std::vector<std::pair<const char*, F>> cases = {
      {"maximum",
       [](const DoubleTensor& a, const DoubleTensor& b) { return maximum(a * a, b) * a; }},
      {"minimum",
       [](const DoubleTensor& a, const DoubleTensor& b) { return minimum(a.sin(), b * b) * b; }},
      {"fmod",
       [](const DoubleTensor& a, const DoubleTensor& b) { return fmod(a * 3.0, b.exp()) * a; }},
      {"remainder",
       [](const DoubleTensor& a, const DoubleTensor& b) {
         return remainder(a * a * 3.0, b.exp() + 0.5) * b;
       }},
      {"div floor", [](const DoubleTensor& a,
                       const DoubleTensor& b) { return div(a * 3.0, b.exp(), "floor") * a * b; }},
      {"atan2", [](const DoubleTensor& a, const DoubleTensor& b) { return atan2(a * a, b) * a; }},
      {"addcmul", [](const DoubleTensor& a,
                     const DoubleTensor& b) { return addcmul(a.sin(), a, b * b, 0.5) * a; }},
      {"addcmul, one shape",
       [](const DoubleTensor& a, const DoubleTensor& b) {
         return addcmul(b, b.exp(), b * b) * a.sum();
       }},
  };
  for (const auto& c : cases) {
    const F f = c.second;
    INFO(c.first);
    CHECK(gradgradcheck(f, {x, y}));
    same_first_order([f](const std::vector<DoubleTensor>& v) { return f(v[0], v[1]); }, {x, y});
  }
}

TEST_CASE("gradgradcheck: erf, erfinv, sign, trunc, frac, nan_to_num") {
  manual_seed(38);
  auto x = (rand<double>({3, 4}) * 1.6 - 0.8).requires_grad_();
  using F = std::function<DoubleTensor(const DoubleTensor&)>;
  const std::vector<std::pair<const char*, F>> cases = {
      {"erf", [](const DoubleTensor& v) { return erf(v * v) * v; }},
      {"erfinv", [](const DoubleTensor& v) { return erfinv(v) * v; }},
      {"sign", [](const DoubleTensor& v) { return sign(v) * v * v; }},
      {"trunc", [](const DoubleTensor& v) { return trunc(v * 3.0) * v * v; }},
      {"frac", [](const DoubleTensor& v) { return frac(v * 3.0) * v; }},
      {"nan_to_num", [](const DoubleTensor& v) { return nan_to_num(v * v) * v; }},
  };
  for (const auto& c : cases) {
    const F f = c.second;
    INFO(c.first);
    CHECK(gradgradcheck(f, {x}));
    same_first_order([f](const std::vector<DoubleTensor>& v) { return f(v[0]); }, {x});
  }
}

TEST_CASE("gradgradcheck: as_strided, overlapping and of a view") {
  manual_seed(39);
  auto x = leaf({3, 4});
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) {
        return (v * v).as_strided({2, 2}, {1, 4}, 1);
      },
      {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) {
        return v.sin().as_strided({3, 3}, {1, 1}).exp() * 2.0;
      },
      {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) {
        return (v * v).t().as_strided({2, 3}, {2, 1}, 2) * v.narrow(0, 0, 2).narrow(1, 0, 3);
      },
      {x}));
  same_first_order(
      [](const std::vector<DoubleTensor>& v) {
        return (v[0] * 1.0).as_strided({3, 3}, {1, 1});
      },
      {x});
  same_first_order(
      [](const std::vector<DoubleTensor>& v) {
        return (v[0] * 1.0).t().as_strided({2, 2}, {3, 1}, 1);
      },
      {x});
}

TEST_CASE("gradgradcheck: in-place arithmetic on a non-leaf") {
  manual_seed(40);
  auto x = leaf({3, 4}), b = leaf({4}, 2.0);
  using F = std::function<DoubleTensor(const DoubleTensor&, const DoubleTensor&)>;
  const std::vector<std::pair<const char*, F>> cases = {
      {"add_",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v;
         y.add_(u.sin());
         return y * v;
       }},
      {"sub_",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v.sin();
         y -= u * u;
         return y * u;
       }},
      {"div_",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v;
         y.div_(u * u + 1.0);
         return y * v;
       }},
      {"number forms",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * u;
         y.add_(2.0);
         y.mul_(3.0);
         y.sub_(0.5);
         y.div_(4.0);
         return y * y;
       }},
  };
  for (const auto& c : cases) {
    const F f = c.second;
    INFO(c.first);
    CHECK(gradgradcheck(f, {x, b}));
    same_first_order([f](const std::vector<DoubleTensor>& v) { return f(v[0], v[1]); }, {x, b});
  }
  // mul_ when a needs a gradient only (other a constant), and when other does too (its
  // gradient reads a's old values, attached to a's previous history).
  const auto w = randn<double>({4});
  CHECK(gradgradcheck(
      [w](const DoubleTensor& v) {
        auto y = v.sin();
        y.mul_(w);
        return y * v;
      },
      {x}));
  const F mul = [](const DoubleTensor& v, const DoubleTensor& u) {
    auto y = v * v;
    y.mul_(u.sin());
    return y * v;
  };
  CHECK(gradgradcheck(mul, {x, b}));
  same_first_order([mul](const std::vector<DoubleTensor>& v) { return mul(v[0], v[1]); }, {x, b});
  // Only other needs a gradient: a's old values are a constant.
  CHECK(gradgradcheck(
      [w](const DoubleTensor& u) {
        auto y = w.unsqueeze(0).expand({3, 4}).clone();
        y *= u * u;
        return y * u;
      },
      {b}));
}

TEST_CASE("gradgradcheck: copy_, fill_, relu_ and clamp_ on a non-leaf") {
  manual_seed(45);
  auto x = leaf({3, 4}), b = leaf({4});
  using F = std::function<DoubleTensor(const DoubleTensor&, const DoubleTensor&)>;
  const std::vector<std::pair<std::string, F>> cases = {
      {"copy_ of a broadcast source",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v;
         y.copy_(u * u.sin());
         return y * v;
       }},
      {"fill_",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v.sin() * u;
         auto z = y * y;
         z.fill_(0.5);
         return z * v + y * y;
       }},
      {"relu_",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * u;
         y.relu_();
         return y * y * v;
       }},
      {"clamp_",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * u;
         y.clamp_(-0.5, 0.6);
         return y * y * v;
       }},
  };
  for (const auto& c : cases) {
    const F f = c.second;
    INFO(c.first);
    CHECK(gradgradcheck(f, {x, b}));
    same_first_order([f](const std::vector<DoubleTensor>& v) { return f(v[0], v[1]); }, {x, b});
  }
}

TEST_CASE("gradgradcheck: in-place ops on a view of a non-leaf (CopySlices)") {
  manual_seed(46);
  auto x = leaf({4, 3}), b = leaf({2, 3});
  using F = std::function<DoubleTensor(const DoubleTensor&, const DoubleTensor&)>;
  const std::vector<std::pair<std::string, F>> cases = {
      {"mul_ by a number on narrow",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v;
         y.narrow(0, 0, 2).mul_(3.0);
         return y * v + (u * u).sum();
       }},
      {"mul_ by a tensor on a strided column view",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v.sin() * 1.0;
         y.t().narrow(0, 1, 2).mul_(u.sum(1, true).exp());
         return y * v;
       }},
      {"copy_ into narrow",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v;
         y.narrow(0, 1, 2).copy_(u.exp());
         return y * v;
       }},
      {"fill_ and relu_ on select",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v.cos();
         y.select(0, 3).fill_(0.25);
         y.select(1, 0).relu_();  // last: it saves its result, which a later write would modify
         return y * y * v + (u * u).sum();
       }},
      {"add_ then div_ on two views",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v.exp() * 1.0;
         y.narrow(1, 0, 2).add_(v.narrow(1, 1, 2));
         y.narrow(0, 2, 2).div_(u * u + 1.0);  // last: it saves its result
         return y * v;
       }},
      {"the view used after mul_ into it",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * 1.0;
         auto w = y.narrow(0, 1, 2);
         w.mul_(u.cos());
         return (w * w).sum() * y;
       }},
      {"scatter_add_ into narrow",
       [](const DoubleTensor& v, const DoubleTensor& u) {
         auto y = v * v;
         const auto idx = tensor<std::int64_t>({{1, 0, 1}, {0, 1, 0}});
         y.narrow(0, 1, 2).scatter_add_(0, idx, u.sin());
         return y * v;
       }},
  };
  for (const auto& c : cases) {
    const F f = c.second;
    INFO(c.first);
    CHECK(gradgradcheck(f, {x, b}));
    same_first_order([f](const std::vector<DoubleTensor>& v) { return f(v[0], v[1]); }, {x, b});
  }
  // A view that reaches an element twice (an expand), given a new node on its base's history
  // by an in-place write into the base: its gradient sums over the repeats (index_add).
  const auto expanded_after_write = [](const DoubleTensor& a, const DoubleTensor& b) {
    auto h = a * a;
    auto e = h.narrow(0, 0, 1).expand({2, 3});
    h.narrow(0, 1, 1).mul_(2.0);
    if (e.requires_grad()) CHECK(e.grad_fn_name() == "AsStridedBackward0");
    return (e * b).sin() + h.narrow(0, 0, 2);
  };
  CHECK(gradgradcheck(expanded_after_write, {x, b}));
  same_first_order(
      [&](const std::vector<DoubleTensor>& v) { return expanded_after_write(v[0], v[1]); }, {x, b});
}

}  // namespace TORCHLET_TEST_FILE
