// nn::init: PyTorch's fan and gain rules, and the distributions each initializer draws
// from (bounds exactly, standard deviations statistically).
#include <cmath>

#include <torchlet/nn.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace init = nn::init;

namespace {
struct Stats {
  double mean, std, lo, hi;
};
Stats stats(const Tensor& t) {
  double s = 0, s2 = 0, lo = INFINITY, hi = -INFINITY;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const double v = t.data()[i];
    s += v;
    s2 += v * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double n = static_cast<double>(t.numel());
  return {s / n, std::sqrt((s2 - s * s / n) / (n - 1)), lo, hi};
}
}  // namespace

TEST_CASE("fans and gains follow PyTorch") {
  auto f = init::calculate_fan_in_and_fan_out(empty({32, 16, 3, 5}));
  CHECK(f.fan_in == 16 * 15);
  CHECK(f.fan_out == 32 * 15);
  CHECK(init::calculate_fan_in_and_fan_out(empty({10, 784})).fan_in == 784);
  CHECK_THROWS_WITH(init::calculate_fan_in_and_fan_out(empty({5})),
                    Catch::Contains("fewer than 2 dimensions"));
  CHECK(init::calculate_gain("linear") == 1.0);
  CHECK(init::calculate_gain("conv2d") == 1.0);
  CHECK(init::calculate_gain("sigmoid") == 1.0);
  CHECK(init::calculate_gain("tanh") == Approx(5.0 / 3.0));
  CHECK(init::calculate_gain("relu") == Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain("leaky_relu") == Approx(std::sqrt(2.0 / (1 + 0.01 * 0.01))));
  CHECK(init::calculate_gain("leaky_relu", 0.2) == Approx(std::sqrt(2.0 / 1.04)));
  CHECK(init::calculate_gain("selu") == 0.75);
  CHECK_THROWS_WITH(init::calculate_gain("swish"),
                    Catch::Contains("unsupported nonlinearity 'swish'"));
}

TEST_CASE("initializers draw from PyTorch's distributions") {
  manual_seed(7);
  auto w = empty({200, 300});
  init::uniform_(w, -0.5, 1.5);
  auto s = stats(w);
  CHECK((s.lo >= -0.5 && s.hi < 1.5 && s.lo < -0.49 && s.hi > 1.49));
  CHECK(s.mean == Approx(0.5).margin(0.01));
  init::normal_(w, 2.0, 0.5);
  s = stats(w);
  CHECK(s.mean == Approx(2.0).margin(0.01));
  CHECK(s.std == Approx(0.5).epsilon(0.01));
  init::constant_(w, 0.25);
  CHECK((stats(w).lo == 0.25 && stats(w).hi == 0.25));
  init::ones_(w);
  CHECK(stats(w).mean == 1.0);
  init::zeros_(w);
  CHECK(stats(w).hi == 0.0);

  // xavier: bound = gain * sqrt(6 / (fan_in + fan_out)), std = gain * sqrt(2 / (fan_in + fan_out))
  init::xavier_uniform_(w, 2.0);
  const double xb = 2.0 * std::sqrt(6.0 / 500.0);
  s = stats(w);
  CHECK((s.lo >= -xb && s.hi <= xb && s.hi > 0.99 * xb));
  init::xavier_normal_(w);
  CHECK(stats(w).std == Approx(std::sqrt(2.0 / 500.0)).epsilon(0.01));

  // kaiming: std = gain / sqrt(fan), uniform bound = sqrt(3) * std; fan by mode.
  auto conv = empty({64, 32, 3, 3});
  init::kaiming_uniform_(conv, 0.0, "fan_in", "relu");
  const double kb = std::sqrt(2.0) * std::sqrt(3.0 / (32 * 9));
  s = stats(conv);
  CHECK((s.lo >= -kb && s.hi <= kb && s.hi > 0.99 * kb));
  init::kaiming_normal_(conv, 0.0, "fan_out", "relu");
  CHECK(stats(conv).std == Approx(std::sqrt(2.0) / std::sqrt(64.0 * 9)).epsilon(0.02));
  init::kaiming_normal_(conv);  // a = 0, fan_in, leaky_relu -> gain sqrt(2)
  CHECK(stats(conv).std == Approx(std::sqrt(2.0) / std::sqrt(32.0 * 9)).epsilon(0.02));
  CHECK_THROWS_WITH(init::kaiming_uniform_(conv, 0.0, "fan_avg"),
                    Catch::Contains("mode fan_avg not supported"));

  init::trunc_normal_(w, 0.0, 1.0, -0.5, 0.5);
  s = stats(w);
  CHECK((s.lo >= -0.5 && s.hi <= 0.5));
  init::eye_(w);
  CHECK(sum(w).item() == 200.0f);
  CHECK(w.data()[301] == 1.0f);
  CHECK_THROWS_AS(init::eye_(conv), ShapeError);
}

TEST_CASE("a seeded generator makes initialization reproducible") {
  Generator g1(42), g2(42);
  auto a = empty({10, 10}), b = empty({10, 10});
  init::kaiming_uniform_(a, std::sqrt(5.0), init::FanMode::fan_in, "leaky_relu", g1);
  init::kaiming_uniform_(b, std::sqrt(5.0), init::FanMode::fan_in, "leaky_relu", g2);
  CHECK(a.to_vector() == b.to_vector());
  manual_seed(1);
  nn::Linear l1{4, 4};
  manual_seed(1);
  nn::Linear l2{4, 4};
  CHECK(l1.weight.to_vector() == l2.weight.to_vector());
}

}  // namespace TORCHLET_TEST_FILE
