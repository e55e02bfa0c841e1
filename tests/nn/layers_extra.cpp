// Issue 15's layers against PyTorch (tests/fixtures/nn/layers_extra.safetensors, written by
// scripts/make_layer_fixtures.py), one test case per fixture case ("<case> matches
// PyTorch"): with PyTorch's parameters loaded through load_state_dict, the output, the input
// gradient and every parameter gradient (for loss = sum(out * gout)) match to 1e-5 relative,
// the buffers after the step too, and the module prints as PyTorch's repr (the file's
// metadata). Then gradcheck of every functional form in float64, in-place forms, random
// layers' statistics and the errors.
#include <cmath>

#include <torchlet/autograd/gradcheck.hpp>
#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

using namespace torchlet;
namespace F = torchlet::nn::functional;
using D = DoubleTensor;

namespace {

const std::string kFile = "layers_extra.safetensors";

const fixture::File& fx() {
  static const fixture::File f(kFile);
  return f;
}

const std::map<std::string, std::string>& metadata() {
  static const auto m =
      io::load_file(std::string(TORCHLET_SOURCE_DIR) + "/tests/fixtures/nn/" + kFile).metadata;
  return m;
}

/// PyTorch's repr of the module of case `name`.
std::string py_repr(const std::string& name) {
  const auto it = metadata().find("repr/" + name);
  if (it == metadata().end()) throw std::runtime_error("fixture: no repr of " + name);
  return it->second;
}

/// Loads case `name`'s parameters into m, runs it on the case's input (through x * 1, so
/// in-place layers write into a non-leaf) and compares output and gradients.
void check_case(nn::Module& m, const std::string& name) {
  const auto& f = fx();
  INFO("case " << name);
  nn::StateDict sd;
  for (auto& [k, v] : m.state_dict()) sd.insert(k, f.tensor(name + "/" + k));
  m.load_state_dict(sd);
  Tensor x = f.tensor(name + "/x");
  x.requires_grad_();
  auto out = m(x * 1.0f);
  CHECK(fixture::mismatch(out, f.tensor(name + "/out")) == "");
  out.backward(f.tensor(name + "/gout"));
  CHECK(fixture::mismatch(x.grad(), f.tensor(name + "/gx")) == "");
  for (auto& [k, p] : m.named_parameters()) {
    INFO("gradient of " << k);
    CHECK(fixture::mismatch(p.grad(), f.tensor(name + "/g" + k)) == "");
  }
  for (auto& [k, b] : m.named_buffers()) {
    INFO("buffer " << k);
    CHECK(fixture::mismatch(b, f.tensor(name + "/after/" + k)) == "");
  }
}

D leaf(Shape s, std::uint64_t seed, double scale = 1.0) {
  Generator g(seed);
  auto t = randn<double>(s, g);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] *= scale;
  return t.requires_grad_();
}

/// Random values at least 0.05 away from each of the kinks, so no finite difference step
/// crosses one.
D leaf_off(Shape s, std::uint64_t seed, std::vector<double> kinks, double scale = 2.0) {
  auto t = leaf(s, seed, scale);
  for (std::int64_t i = 0; i < t.numel(); ++i)
    for (double k : kinks) {
      double& v = t.data()[i];
      if (std::abs(v - k) < 0.05) v = v < k ? k - 0.05 : k + 0.05;
    }
  return t;
}

}  // namespace

#define GRADCHECK(...) CHECK_NOTHROW(autograd::gradcheck(__VA_ARGS__))

/// LAYER("case", Type{args}): "case matches PyTorch": outputs, gradients and repr.
#define LAYER(name, ...)                           \
  TEST_CASE(name " matches PyTorch", "[parity]") { \
    auto layer = __VA_ARGS__;                      \
    check_case(layer, name);                       \
    CHECK(layer.repr() == py_repr(name));          \
  }                                                \
  static_assert(true)

// ---------------------------------------------------------------------------- activations
LAYER("elu", nn::ELU{});
LAYER("elu_alpha", nn::ELU{0.5, true});
LAYER("selu", nn::SELU{});
LAYER("celu", nn::CELU{2.0});
LAYER("silu", nn::SiLU{});
LAYER("mish", nn::Mish{});
LAYER("softplus", nn::Softplus{});
LAYER("softplus_beta", nn::Softplus{{.beta = 2, .threshold = 3}});
LAYER("softsign", nn::Softsign{});
LAYER("softshrink", nn::Softshrink{});
LAYER("hardshrink", nn::Hardshrink{1.0});
LAYER("tanhshrink", nn::Tanhshrink{});
LAYER("hardtanh", nn::Hardtanh{});
LAYER("hardtanh_range", nn::Hardtanh{{.min_val = -2, .max_val = 3, .inplace = true}});
LAYER("relu6", nn::ReLU6{});
LAYER("hardswish", nn::Hardswish{});
LAYER("hardsigmoid", nn::Hardsigmoid{});
LAYER("logsigmoid", nn::LogSigmoid{});
LAYER("threshold", nn::Threshold{0.5, -2.0});
LAYER("softmin", nn::Softmin{1});
LAYER("softmax2d", nn::Softmax2d{});
LAYER("glu", nn::GLU{});
LAYER("glu_dim1", nn::GLU{1});
LAYER("prelu_channels", nn::PReLU{{.num_parameters = 4, .init = 0.1}});

TEST_CASE("rrelu_eval matches PyTorch", "[parity]") {
  nn::RReLU layer{{.lower = 0.1, .upper = 0.3}};
  layer.eval();
  check_case(layer, "rrelu_eval");
  CHECK(layer.repr() == py_repr("rrelu_eval"));
}

TEST_CASE("prelu matches PyTorch and starts at 0.25", "[parity]") {
  nn::PReLU layer;
  CHECK(layer.weight.to_vector() == std::vector<float>{0.25f});
  CHECK(nn::PReLU{3}.weight.to_vector() == std::vector<float>{0.25f, 0.25f, 0.25f});
  check_case(layer, "prelu");
  CHECK(layer.named_parameters().size() == 1);
}

TEST_CASE("activation reprs with inplace and defaults match PyTorch") {
  CHECK(nn::ELU{1.0, true}.repr() == py_repr("elu_inplace"));
  CHECK(nn::SELU{true}.repr() == py_repr("selu_inplace"));
  CHECK(nn::SiLU{true}.repr() == py_repr("silu_inplace"));
  CHECK(nn::ReLU6{true}.repr() == py_repr("relu6_inplace"));
  CHECK(nn::Hardswish{true}.repr() == py_repr("hardswish_inplace"));
  CHECK(nn::RReLU{}.repr() == py_repr("rrelu"));
  CHECK(nn::Threshold{0.1, 20.0, true}.repr() == py_repr("threshold_inplace"));
  CHECK(nn::Softplus{}.repr() == py_repr("softplus_default"));
  CHECK(nn::CELU{}.repr() == py_repr("celu_default"));
}

TEST_CASE("gradcheck the activations in float64") {
  const auto x = leaf_off({2, 3, 4}, 1, {0.0, -1.0, 1.0, -3.0, 3.0, 0.5, -0.5});
  GRADCHECK([](const D& v) { return F::elu(v, 0.7); }, {x});
  GRADCHECK([](const D& v) { return F::selu(v); }, {x});
  GRADCHECK([](const D& v) { return F::celu(v, 1.5); }, {x});
  GRADCHECK([](const D& v) { return F::silu(v); }, {x});
  GRADCHECK([](const D& v) { return F::mish(v); }, {x});
  GRADCHECK([](const D& v) { return F::softplus(v, 2.0, 1.0); }, {x});
  GRADCHECK([](const D& v) { return F::softsign(v); }, {x});
  GRADCHECK([](const D& v) { return F::softshrink(v, 0.5); }, {x});
  GRADCHECK([](const D& v) { return F::hardshrink(v, 0.5); }, {x});
  GRADCHECK([](const D& v) { return F::tanhshrink(v); }, {x});
  GRADCHECK([](const D& v) { return F::hardtanh(v, -1.0, 1.0); }, {x});
  GRADCHECK([](const D& v) { return F::relu6(v); }, {x});
  GRADCHECK([](const D& v) { return F::hardswish(v); }, {x});
  GRADCHECK([](const D& v) { return F::hardsigmoid(v); }, {x});
  GRADCHECK([](const D& v) { return F::logsigmoid(v); }, {x});
  GRADCHECK([](const D& v) { return F::threshold(v, 0.5, -2.0); }, {x});
  GRADCHECK([](const D& v) { return F::rrelu(v, 0.1, 0.3); }, {x});
  GRADCHECK([](const D& v) { return F::glu(v, 1); }, {leaf({2, 4, 3}, 2)});
  GRADCHECK([](const D& v) { return F::glu(v); }, {leaf({3, 4}, 3)});
  GRADCHECK([](const D& v) { return F::softmin(v, 1); }, {leaf({2, 3, 4}, 4)});
  GRADCHECK([](const D& v) { return F::softmax2d(v); }, {leaf({2, 3, 2, 2}, 5)});
  GRADCHECK([](const D& v, const D& w) { return F::prelu(v, w); },
            {leaf_off({2, 3, 2}, 6, {0.0}), leaf({3}, 7)});
  GRADCHECK([](const D& v, const D& w) { return F::prelu(v, w); },
            {leaf_off({4, 3}, 8, {0.0}), leaf({1}, 9)});
  // In-place forms on a non-leaf: the same gradient.
  GRADCHECK([](const D& v) { return F::elu(v * 1.0, 0.7, true); }, {x});
  GRADCHECK([](const D& v) { return F::hardswish(v * 1.0, true); }, {x});
  GRADCHECK([](const D& v) { return F::threshold(v * 1.0, 0.5, -2.0, true); }, {x});
  // Training rrelu with a fixed stream: the gradient is the drawn slope.
  GRADCHECK(
      [](const D& v) {
        Generator g(11);
        return F::rrelu(v, 0.1, 0.3, true, false, g);
      },
      {x});
}

TEST_CASE("in-place activations write into their input and follow PyTorch's rules") {
  auto x = tensor<float>({-1.0f, 0.5f, 8.0f});
  auto y = F::relu6(x, true);
  CHECK(y.is_same(x));
  CHECK(x.to_vector() == std::vector<float>{0.0f, 0.5f, 6.0f});
  auto leaf_x = tensor<float>({1.0f, -2.0f});
  leaf_x.requires_grad_();
  CHECK_THROWS_WITH(F::elu(leaf_x, 1.0, true), Catch::Contains("elu: a leaf Variable"));
  nn::SiLU silu{true};
  auto z = leaf_x * 2.0f;
  auto out = silu(z);
  CHECK(out.is_same(z));
  out.sum().backward();
  CHECK(leaf_x.grad().defined());
}

TEST_CASE("RReLU draws one slope per negative element in training, from its generator") {
  nn::RReLU layer{{.lower = 0.1, .upper = 0.3}};
  Generator g(5);
  layer.generator = &g;
  auto x = full<float>({2000}, -1.0f);
  auto y = layer(x);
  double mean = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const float v = -y.data()[i];
    CHECK((v >= 0.1f && v <= 0.3f));
    mean += v / 2000.0;
  }
  CHECK(mean == Approx(0.2).epsilon(0.05));
  CHECK(layer(ones({3})).to_vector() == std::vector<float>{1, 1, 1});
  Generator g2(5);
  layer.generator = &g2;
  CHECK(layer(x).to_vector() == y.to_vector());  // reproducible from the generator
  layer.eval();
  CHECK(layer(x).to_vector() == std::vector<float>(2000, -0.2f));
}

TEST_CASE("activations reject bad arguments and shapes with clear messages") {
  CHECK_THROWS_WITH(nn::Hardtanh(2.0, 1.0), Catch::Contains("must be greater or equal to min_val"));
  CHECK_THROWS_WITH(nn::Softshrink(-1.0), Catch::Contains("greater or equal to 0"));
  CHECK_THROWS_WITH(nn::RReLU(0.5, 0.1), Catch::Contains("less than or equal to upper"));
  CHECK_THROWS_AS(nn::CELU(0.0), std::invalid_argument);
  CHECK_THROWS_AS(nn::PReLU(0), std::invalid_argument);
  CHECK_THROWS_WITH(nn::GLU{1}(ones({2, 5})),
                    Catch::Contains("glu: halving dimension must be even, but dimension 1 of "
                                    "[2, 5] is size 5"));
  CHECK_THROWS_AS(nn::GLU{1}(ones({2, 5})), ShapeError);
  CHECK_THROWS_WITH(nn::PReLU{3}(ones({2, 4, 5})),
                    Catch::Contains("weight has 3 slopes, input [2, 4, 5] has 4 channels"));
  CHECK_THROWS_WITH(nn::Softmax2d{}(ones({2, 3})),
                    Catch::Contains("expected input of 3 or 4 dims"));
  CHECK_THROWS_AS(nn::Softmin{3}(ones({2, 3})), std::out_of_range);
}
