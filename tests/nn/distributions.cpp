// torchlet::distributions (Categorical, Normal, Bernoulli) against PyTorch
// (tests/fixtures/nn/distributions.safetensors, written by
// scripts/make_distribution_fixtures.py), one test case per fixture case ("<case> matches
// PyTorch"): log_prob and entropy, the normalised parameters, mean and variance, and the
// gradients of (log_prob * w).sum() and (entropy * we).sum() with respect to the parameter.
// Then gradcheck in float64 of log_prob, entropy and rsample, sample statistics for fixed
// seeds, and argument validation.
#include <cmath>
#include <numbers>

#include <torchlet/distributions.hpp>
#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using namespace torchlet::distributions;
using D = DoubleTensor;

namespace {

const std::string kFile = "distributions.safetensors";

const fixture::File& fx() {
  static const fixture::File f(kFile);
  return f;
}

void check_close(const Tensor& got, const std::string& name, double rtol = 2e-5) {
  INFO(name);
  CHECK(fixture::mismatch(got, fx().tensor(name), rtol) == "");
}

/// log_prob, entropy and their gradients of case `c`, the parameter named `param`, the
/// distribution made by `make` from a leaf copy of it; `extra` compares accessors.
template <class Make, class Extra>
void check_case(const std::string& c, const std::string& param, Make make, Extra extra) {
  auto p = fx().tensor(c + "/in_" + param).requires_grad_();
  const auto dist = make(p);
  const auto lp = [&] {
    if constexpr (std::is_same_v<std::decay_t<decltype(dist)>, Categorical>)
      return dist.log_prob(fx().longs(c + "/value"));
    else
      return dist.log_prob(fx().tensor(c + "/value"));
  }();
  check_close(lp, c + "/log_prob");
  check_close(dist.entropy(), c + "/entropy");
  extra(dist);
  (lp * fx().tensor(c + "/w")).sum().backward({}, /*retain_graph=*/true);
  check_close(p.grad(), c + "/g_" + param, 1e-4);
  p.set_grad({});
  (dist.entropy() * fx().tensor(c + "/we")).sum().backward();
  check_close(p.grad(), c + "/ge_" + param, 1e-4);
}

void check_categorical(const std::string& c, bool from_logits) {
  check_case(
      c, from_logits ? "logits" : "probs",
      [&](const Tensor& p) { return from_logits ? Categorical({.logits = p}) : Categorical(p); },
      [&](const Categorical& d) {
        check_close(d.probs(), c + "/probs");
        check_close(d.logits(), c + "/logits", 1e-4);
        CHECK(d.event_shape().empty());
        CHECK(d.batch_shape() == Shape(d.probs().shape().begin(), d.probs().shape().end() - 1));
      });
}

void check_bernoulli(const std::string& c, bool from_logits) {
  check_case(
      c, from_logits ? "logits" : "probs",
      [&](const Tensor& p) { return from_logits ? Bernoulli({.logits = p}) : Bernoulli(p); },
      [&](const Bernoulli& d) {
        check_close(d.probs(), c + "/probs");
        check_close(d.logits(), c + "/logits", 1e-4);
        check_close(d.mean(), c + "/mean");
        check_close(d.variance(), c + "/variance");
        CHECK(d.batch_shape() == d.probs().shape());
      });
}

}  // namespace

TEST_CASE("the fixture file has exactly the cases tested here") {
  const auto meta =
      io::load_file(std::string(TORCHLET_SOURCE_DIR) + "/tests/fixtures/nn/" + kFile).metadata;
  CHECK(meta.at("cases") ==
        "categorical_probs,categorical_logits,categorical_single,normal,bernoulli_probs,"
        "bernoulli_logits");
}

TEST_CASE("categorical_probs matches PyTorch", "[parity]") {
  check_categorical("categorical_probs", false);
}
TEST_CASE("categorical_logits matches PyTorch", "[parity]") {
  check_categorical("categorical_logits", true);
}
TEST_CASE("categorical_single matches PyTorch", "[parity]") {
  check_categorical("categorical_single", false);
}
TEST_CASE("bernoulli_probs matches PyTorch", "[parity]") {
  check_bernoulli("bernoulli_probs", false);
}
TEST_CASE("bernoulli_logits matches PyTorch", "[parity]") {
  check_bernoulli("bernoulli_logits", true);
}

TEST_CASE("normal matches PyTorch", "[parity]") {
  const std::string c = "normal";
  auto loc = fx().tensor(c + "/in_loc").requires_grad_();
  auto scale = fx().tensor(c + "/in_scale").requires_grad_();
  const Normal dist(loc, scale);
  CHECK(dist.batch_shape() == Shape{2, 3});
  const auto lp = dist.log_prob(fx().tensor(c + "/value"));
  check_close(lp, c + "/log_prob");
  check_close(dist.entropy(), c + "/entropy");
  check_close(dist.mean(), c + "/mean");
  check_close(dist.stddev(), c + "/stddev");
  check_close(dist.variance(), c + "/variance");
  (lp * fx().tensor(c + "/w")).sum().backward({}, /*retain_graph=*/true);
  check_close(loc.grad(), c + "/g_loc", 1e-4);
  check_close(scale.grad(), c + "/g_scale", 1e-4);
  loc.set_grad({});
  scale.set_grad({});
  (dist.entropy() * fx().tensor(c + "/we")).sum().backward();
  check_close(scale.grad(), c + "/ge_scale", 1e-4);
  CHECK_FALSE(loc.grad().defined());  // the entropy does not depend on loc
}

TEST_CASE("gradcheck log_prob, entropy and rsample in float64") {
  using autograd::gradcheck;
  Generator g(3);
  const auto logits = randn<double>({2, 4}, g).requires_grad_();
  const auto probs = (rand<double>({2, 4}, g) + 0.2).requires_grad_();
  const auto cls = tensor<std::int64_t>({{3, 0}, {1, 1}, {2, 3}});
  CHECK_NOTHROW(gradcheck(
      [&](const D& l) { return BasicCategorical<double>({.logits = l}).log_prob(cls); }, {logits}));
  CHECK_NOTHROW(gradcheck(
      [&](const D& l) { return BasicCategorical<double>({.logits = l}).entropy(); }, {logits}));
  CHECK_NOTHROW(
      gradcheck([&](const D& p) { return BasicCategorical<double>(p).log_prob(cls); }, {probs}));
  CHECK_NOTHROW(
      gradcheck([&](const D& p) { return BasicCategorical<double>(p).entropy(); }, {probs}));

  const auto loc = randn<double>({2, 3}, g).requires_grad_();
  const auto scale = (rand<double>({3}, g) + 0.5).requires_grad_();
  const auto x = randn<double>({4, 2, 3}, g).requires_grad_();
  CHECK_NOTHROW(gradcheck(
      [](const D& m, const D& s, const D& v) { return BasicNormal<double>(m, s).log_prob(v); },
      {loc, scale, x}));
  CHECK_NOTHROW(gradcheck(
      [](const D& m, const D& s) { return BasicNormal<double>(m, s).entropy(); }, {loc, scale}));
  CHECK_NOTHROW(gradcheck(
      [](const D& m, const D& s) {
        Generator draws(11);  // the same eps for every evaluation
        return BasicNormal<double>(m, s).rsample({5}, draws);
      },
      {loc, scale}));

  const auto bl = randn<double>({2, 3}, g).requires_grad_();
  const auto bp = (rand<double>({2, 3}, g) * 0.8 + 0.1).requires_grad_();
  const auto bv = tensor<double>({{1, 0, 0}, {1, 1, 0}});
  CHECK_NOTHROW(gradcheck(
      [&](const D& l) { return BasicBernoulli<double>({.logits = l}).log_prob(bv); }, {bl}));
  CHECK_NOTHROW(
      gradcheck([&](const D& l) { return BasicBernoulli<double>({.logits = l}).entropy(); }, {bl}));
  CHECK_NOTHROW(
      gradcheck([&](const D& p) { return BasicBernoulli<double>(p).log_prob(bv); }, {bp}));
  CHECK_NOTHROW(gradcheck([&](const D& p) { return BasicBernoulli<double>(p).entropy(); }, {bp}));
}

TEST_CASE("Categorical samples each class at its probability") {
  const Categorical dist(tensor<float>({{0.1f, 0.2f, 0.7f}, {0.5f, 0.5f, 0.0f}}));
  Generator g(7);
  const std::int64_t n = 20000;
  const auto s = dist.sample({n}, g);
  REQUIRE(s.shape() == Shape{n, 2});
  CHECK(!s.requires_grad());
  const double expected[2][3] = {{0.1, 0.2, 0.7}, {0.5, 0.5, 0.0}};
  for (std::int64_t b = 0; b < 2; ++b)
    for (std::int64_t k = 0; k < 3; ++k) {
      std::int64_t count = 0;
      for (std::int64_t i = 0; i < n; ++i) count += s.data()[i * 2 + b] == k;
      const double p = expected[b][k], freq = double(count) / double(n);
      // Within 5 standard errors (and exactly 0 for a class of probability 0).
      CHECK(std::abs(freq - p) <= 5 * std::sqrt(p * (1 - p) / double(n)));
    }
  CHECK(dist.sample().shape() == Shape{2});
  CHECK(dist.sample({3, 4}).shape() == Shape{3, 4, 2});
  // The same seed draws the same classes.
  Generator g1(5), g2(5);
  CHECK(dist.sample({50}, g1).to_vector() == dist.sample({50}, g2).to_vector());
}

TEST_CASE("Normal samples have its mean and standard deviation, and rsample carries gradients") {
  auto loc = tensor<float>({-1.f, 2.f}).requires_grad_();
  auto scale = tensor<float>({0.5f, 3.f}).requires_grad_();
  const Normal dist(loc, scale);
  Generator g(9);
  const std::int64_t n = 20000;
  const auto s = dist.sample({n}, g);
  REQUIRE(s.shape() == Shape{n, 2});
  CHECK(!s.requires_grad());
  for (std::int64_t b = 0; b < 2; ++b) {
    const double m = loc.data()[b], sd = scale.data()[b];
    double sum = 0, sq = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double v = s.data()[i * 2 + b];
      sum += v;
      sq += (v - m) * (v - m);
    }
    CHECK(std::abs(sum / double(n) - m) <= 5 * sd / std::sqrt(double(n)));
    CHECK(std::abs(std::sqrt(sq / double(n)) - sd) <= 5 * sd / std::sqrt(2.0 * double(n)));
  }
  // d/dloc sum(rsample) = number of draws; d/dscale = sum of eps = (x - loc) / scale.
  Generator g3(4);
  const auto r = dist.rsample({10}, g3);
  r.sum().backward();
  CHECK(loc.grad().to_vector() == std::vector<float>{10.f, 10.f});
  Generator g4(4);
  const auto eps = (dist.sample({10}, g4) - loc.detach()) / scale.detach();
  CHECK(std::abs(scale.grad().data()[0] - eps.sum(0).data()[0]) < 1e-4);
  CHECK(Normal(0.f, 1.f).batch_shape().empty());
}

TEST_CASE("Bernoulli samples ones at its probability") {
  const Bernoulli dist({.logits = tensor<float>({0.f, -2.f, 3.f})});
  Generator g(13);
  const std::int64_t n = 20000;
  const auto s = dist.sample({n}, g);
  REQUIRE(s.shape() == Shape{n, 3});
  for (std::int64_t b = 0; b < 3; ++b) {
    double ones = 0;
    std::int64_t others = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const float v = s.data()[i * 3 + b];
      others += v != 0.f && v != 1.f;
      ones += v;
    }
    CHECK(others == 0);
    const double p = dist.probs().data()[b];
    CHECK(std::abs(ones / double(n) - p) <= 5 * std::sqrt(p * (1 - p) / double(n)));
  }
}

TEST_CASE("the distributions validate their arguments and values as PyTorch's validate_args") {
  using Catch::Contains;
  CHECK_THROWS_WITH(Categorical(tensor<float>({0.5f, -0.1f, 0.6f})),
                    Contains("Categorical: expected parameter probs") && Contains("Simplex()"));
  CHECK_THROWS_WITH(Categorical(tensor<float>({0.f, 0.f})),
                    Contains("Categorical: expected parameter probs"));
  CHECK_THROWS_WITH(Categorical(CategoricalOptions<float>{}),
                    Contains("either `probs` or `logits` must be specified"));
  CHECK_THROWS_WITH(Categorical({.probs = ones<float>({3}), .logits = zeros<float>({3})}),
                    Contains("but not both"));
  CHECK_THROWS_AS(Categorical(full<float>({}, 1.f)), ShapeError);
  const Categorical c(tensor<float>({{0.2f, 0.8f}, {0.5f, 0.5f}}));
  CHECK_THROWS_WITH(c.log_prob(tensor<std::int64_t>({0, 2})),
                    Contains("Categorical: expected value") &&
                        Contains("IntegerInterval(lower_bound=0, upper_bound=1)") &&
                        Contains("found 2"));
  CHECK_THROWS_AS(c.log_prob(tensor<std::int64_t>({0, 1, 1})), ShapeError);
  CHECK_NOTHROW(c.log_prob(tensor<std::int64_t>({{0, 1}, {1, 1}, {1, 0}})));

  CHECK_THROWS_WITH(Normal(zeros<float>({2}), tensor<float>({1.f, 0.f})),
                    Contains("Normal: expected parameter scale") &&
                        Contains("GreaterThan(lower_bound=0.0)") && Contains("found 0"));
  CHECK_THROWS_AS(Normal(zeros<float>({2}), ones<float>({3})), ShapeError);
  CHECK_THROWS_WITH(Normal(0.f, 1.f).log_prob(full<float>({2}, std::nanf(""))),
                    Contains("Normal: expected value"));
  CHECK_NOTHROW(Normal(zeros<float>({2}), tensor<float>({1.f, 0.f}), false));
  Distribution<float>::set_default_validate_args(false);
  CHECK_NOTHROW(Normal(0.f, -1.f));
  CHECK_FALSE(Bernoulli(tensor<float>({2.f})).validate_args());
  Distribution<float>::set_default_validate_args(true);
  CHECK_THROWS_AS(Normal(0.f, -1.f), std::invalid_argument);
  CHECK(Normal(zeros<float>({3}), 1.f * ones<float>({1})).extended_shape({4, 2}) == Shape{4, 2, 3});

  CHECK_THROWS_WITH(Bernoulli(tensor<float>({0.5f, 1.5f})),
                    Contains("Bernoulli: expected parameter probs") && Contains("found 1.5"));
  CHECK_THROWS_WITH(Bernoulli(tensor<float>({0.5f})).log_prob(tensor<float>({0.5f})),
                    Contains("Bernoulli: expected value") && Contains("Boolean()"));
  CHECK_THROWS_WITH(Bernoulli(BernoulliOptions<float>{}),
                    Contains("either `probs` or `logits` must be specified"));
}

TEST_CASE("Categorical of probs with a zero: log_prob -inf-free logits, finite entropy") {
  // PyTorch clamps probs to [eps, 1 - eps] for the logits and counts 0 log 0 as 0.
  const Categorical c(tensor<float>({0.f, 0.25f, 0.75f}));
  const double h = c.entropy().item();
  CHECK(h == Approx(-(0.25 * std::log(0.25) + 0.75 * std::log(0.75))).epsilon(1e-5));
  CHECK(std::isfinite(c.log_prob(tensor<std::int64_t>({0})).data()[0]));
  CHECK(std::isnan(c.mean().item()));
}

}  // namespace TORCHLET_TEST_FILE
