// Anomaly detection (torch.autograd.detect_anomaly): off by default; while on, the first
// recorded op whose output, or whose backward gradient, holds NaN or Inf throws an
// AnomalyError naming the op.
#include <cmath>
#include <limits>
#include <string>

#include <torchlet/torchlet.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {
template <class F>
std::string anomaly_of(F&& f) {
  try {
    f();
  } catch (const autograd::AnomalyError& e) {
    return e.what();
  }
  FAIL("no AnomalyError thrown");
  return {};
}
Tensor leaf(std::initializer_list<float> v) { return tensor(v).requires_grad_(); }
}  // namespace

TEST_CASE("anomaly detection is off by default and NaN then flows through silently") {
  REQUIRE_FALSE(autograd::is_anomaly_enabled());
  auto x = leaf({-1.0f, 1.0f, 4.0f});
  auto y = log(x).sum();
  CHECK(std::isnan(y.item()));
  y.backward();
  CHECK(x.grad().data()[0] == -1.0f);
}

TEST_CASE("detect_anomaly names the op whose forward output is NaN or Inf") {
  autograd::detect_anomaly guard;
  auto x = leaf({-1.0f, 1.0f, 4.0f});
  CHECK(anomaly_of([&] { (void)log(x); }) ==
        "detect_anomaly: forward of log (LogBackward0) produced nan in its output (shape [3])");
  auto z = leaf({0.0f, 1.0f});
  CHECK(anomaly_of([&] { (void)(ones({2}) / z); }) ==
        "detect_anomaly: forward of div (DivBackward0) produced inf in its output (shape [2])");
  CHECK(anomaly_of([&] { (void)log(z); }) ==
        "detect_anomaly: forward of log (LogBackward0) produced -inf in its output (shape [2])");
  // Finite ops record as usual.
  auto ok = (x * x).sum();
  ok.backward();
  CHECK(x.grad().data()[2] == 8.0f);
}

TEST_CASE("detect_anomaly names the op whose backward produced NaN or Inf in an input's gradient") {
  autograd::detect_anomaly guard;
  auto x = leaf({0.0f, 1.0f, 4.0f});
  auto y = sqrt(x).sum();  // forward finite: sqrt(0) = 0; backward 1 / (2 sqrt(0)) = inf
  CHECK(anomaly_of([&] { y.backward(); }) ==
        "detect_anomaly: backward of sqrt (SqrtBackward0) produced inf in its input 0 gradient "
        "(shape [3])");
  CHECK_FALSE(x.grad().defined());  // nothing reached the leaf
}

TEST_CASE("detect_anomaly says when a NaN comes from outside the recorded graph") {
  autograd::detect_anomaly guard;
  auto w = leaf({1.0f, 2.0f});
  const Tensor data = tensor({std::numeric_limits<float>::quiet_NaN(), 1.0f});
  const auto m = anomaly_of([&] { (void)(w * data); });
  CHECK(m.find("detect_anomaly: forward of mul (MulBackward0) received nan in its input 1 (shape "
               "[2])") == 0);
}

TEST_CASE("detect_anomaly catches a training step whose loss turns NaN and names the op") {
  nn::Linear fc{2, 1};
  const Tensor x = tensor({{1.0f, 2.0f}});
  {
    NoGradGuard no_grad;
    fc.weight.fill_(-1.0f);  // fc(x) < 0, so log(fc(x)) is NaN
  }
  autograd::detect_anomaly guard;
  const auto m = anomaly_of([&] { (void)log(fc(x)).mean(); });
  CHECK(m ==
        "detect_anomaly: forward of log (LogBackward0) produced nan in its output (shape [1, 1])");
}

TEST_CASE("the detect_anomaly guard restores the previous setting and nests") {
  CHECK_FALSE(autograd::is_anomaly_enabled());
  {
    autograd::detect_anomaly on;
    CHECK(autograd::is_anomaly_enabled());
    {
      autograd::detect_anomaly off(false);
      CHECK_FALSE(autograd::is_anomaly_enabled());
      auto x = leaf({-1.0f});
      CHECK_NOTHROW(log(x));
    }
    CHECK(autograd::is_anomaly_enabled());
  }
  CHECK_FALSE(autograd::is_anomaly_enabled());
  autograd::set_detect_anomaly(true);
  CHECK(autograd::is_anomaly_enabled());
  CHECK_THROWS_AS(log(leaf({-2.0f})), autograd::AnomalyError);
  autograd::set_detect_anomaly(false);
  CHECK_NOTHROW(log(leaf({-2.0f})));
}

TEST_CASE("anomaly detection leaves ops outside the autograd tape alone") {
  autograd::detect_anomaly guard;
  const Tensor x = tensor({-1.0f});
  CHECK(std::isnan(log(x).item()));  // no graph recorded, nothing checked
  NoGradGuard no_grad;
  CHECK(std::isnan(log(leaf({-1.0f})).item()));
}

}  // namespace TORCHLET_TEST_FILE
