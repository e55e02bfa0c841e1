// Issue 15's layers against PyTorch (tests/fixtures/nn/layers_extra.safetensors, written by
// scripts/make_layer_fixtures.py), one test case per fixture case ("<case> matches
// PyTorch"): with PyTorch's parameters loaded through load_state_dict, the output, the input
// gradient and every parameter gradient (for loss = sum(out * gout)) match to 1e-5 relative,
// the buffers after the step too, and the module prints as PyTorch's repr (the file's
// metadata). Then gradcheck of every functional form in float64, in-place forms, random
// layers' statistics and the errors.
#include <cmath>

#include <torchlet/nn.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"
#include "nn/check_case.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

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

void check_case(nn::Module& m, const std::string& name) {
  fixture::check_module_case(fx(), m, name, /*through_copy=*/true);
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

// ---------------------------------------------------------------------------- pooling
LAYER("maxpool1d", nn::MaxPool1d{3});
LAYER("maxpool1d_opts",
      nn::MaxPool1d{3, {.stride = 2, .padding = 1, .dilation = 2, .ceil_mode = true}});
LAYER("maxpool1d_unbatched", nn::MaxPool1d{2});
LAYER("maxpool3d", nn::MaxPool3d{2});
LAYER("maxpool3d_opts",
      nn::MaxPool3d{{2, 3, 1}, {.stride = {1, 2, 1}, .padding = {1, 1, 0}, .ceil_mode = true}});
LAYER("avgpool1d", nn::AvgPool1d{3});
LAYER("avgpool1d_opts",
      nn::AvgPool1d{3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}});
LAYER("avgpool3d", nn::AvgPool3d{2});
LAYER("avgpool3d_opts",
      nn::AvgPool3d{{2, 3, 2},
                    {.stride = 1, .padding = 1, .ceil_mode = true, .count_include_pad = false}});
LAYER("avgpool3d_divisor", nn::AvgPool3d{2, {.stride = {1, 2, 1}, .divisor_override = 5}});
LAYER("adaptive_max1d", nn::AdaptiveMaxPool1d{3});
LAYER("adaptive_max2d", nn::AdaptiveMaxPool2d{{3, 2}});
LAYER("adaptive_avg1d", nn::AdaptiveAvgPool1d{4});
LAYER("adaptive_avg3d", nn::AdaptiveAvgPool3d{{2, 3, 1}});
LAYER("lppool2d", nn::LPPool2d(2, 3));
LAYER("lppool2d_opts", nn::LPPool2d(1.5, {2, 3}, {.stride = 1, .ceil_mode = true}));

namespace {
/// Case `name` of a max pool with return_indices: output, indices (exactly), gradients, repr.
template <class Pool>
void check_with_indices(nn::WithIndices<Pool>& m, const std::string& name) {
  const auto& f = fx();
  INFO("case " << name);
  Tensor x = f.tensor(name + "/x");
  x.requires_grad_();
  auto [out, idx] = m(x);
  CHECK(fixture::mismatch(out, f.tensor(name + "/out")) == "");
  CHECK(idx.to_vector() == f.longs(name + "/indices").to_vector());
  CHECK(idx.shape() == out.shape());
  out.backward(f.tensor(name + "/gout"));
  CHECK(fixture::mismatch(x.grad(), f.tensor(name + "/gx")) == "");
  CHECK(m.repr() == py_repr(name));
}
}  // namespace

TEST_CASE("max pools with return_indices match PyTorch", "[parity]") {
  nn::WithIndices<nn::MaxPool1d> p1{3, nn::MaxPool1dOptions{.stride = 2, .padding = 1}};
  check_with_indices(p1, "maxpool1d_idx");
  nn::WithIndices<nn::MaxPool2d> p2{
      3, nn::MaxPool2dOptions{.stride = 2, .padding = 1, .ceil_mode = true}};
  check_with_indices(p2, "maxpool2d_idx");
  nn::WithIndices<nn::MaxPool3d> p3{2};
  check_with_indices(p3, "maxpool3d_idx");
  nn::WithIndices<nn::AdaptiveMaxPool1d> a1{4};
  check_with_indices(a1, "adaptive_max1d_idx");
  nn::WithIndices<nn::AdaptiveMaxPool2d> a2{nn::IntPair{3, 2}};
  check_with_indices(a2, "adaptive_max2d_idx");
}

TEST_CASE("maxunpool2d matches PyTorch", "[parity]") {
  const auto& f = fx();
  nn::MaxUnpool2d unpool{2};
  Tensor x = f.tensor("maxunpool2d/x");
  x.requires_grad_();
  auto out = unpool(x, f.longs("maxunpool2d/indices"));
  CHECK(fixture::mismatch(out, f.tensor("maxunpool2d/out")) == "");
  out.backward(f.tensor("maxunpool2d/gout"));
  CHECK(fixture::mismatch(x.grad(), f.tensor("maxunpool2d/gx")) == "");
  CHECK(unpool.repr() == py_repr("maxunpool2d"));
  CHECK((nn::MaxUnpool2d{{3, 2}, {.stride = 1, .padding = 1}}).repr() ==
        py_repr("maxunpool2d_opts"));
  // The round trip: pool, unpool: the maxima back in place, zeros elsewhere.
  nn::WithIndices<nn::MaxPool2d> pool{2};
  auto img = tensor<float>({1, 5, 2, 0, 3, 4, 8, 7}).reshape({1, 1, 2, 4});
  auto [y, idx] = pool(img);
  CHECK(unpool(y, idx).to_vector() == std::vector<float>{0, 5, 0, 0, 0, 0, 8, 0});
  auto bad = idx.clone();
  bad.data()[0] = 8;
  CHECK_THROWS_WITH(unpool(y, bad), Catch::Contains("max_unpool2d: found an invalid max index"));
}

TEST_CASE("gradcheck the pooling functions in float64") {
  // Distinct values, so no finite-difference step changes which element is the maximum.
  const auto spread = [](Shape s, std::uint64_t seed) {
    auto t = leaf(s, seed);
    for (std::int64_t i = 0; i < t.numel(); ++i)
      t.data()[i] = std::sin(double(i) * 1.7 + double(seed)) * (1 + 0.01 * double(i));
    return t;
  };
  GRADCHECK([](const D& v) { return F::max_pool1d(v, 3, 2, 1, 2, true); }, {spread({2, 2, 9}, 1)});
  GRADCHECK([](const D& v) { return std::get<0>(F::max_pool2d_with_indices(v, 3, 2, 1)); },
            {spread({1, 2, 6, 5}, 2)});
  GRADCHECK(
      [](const D& v) {
        return F::max_pool3d(v, {2, 2, 1}, {1, 2, 1});
      },
      {spread({1, 2, 3, 4, 2}, 3)});
  GRADCHECK([](const D& v) { return F::avg_pool1d(v, 3, 2, 1, true, false); },
            {leaf({2, 2, 8}, 4)});
  GRADCHECK(
      [](const D& v) {
        return F::avg_pool3d(v, {2, 3, 2}, 1, 1, true, false);
      },
      {leaf({1, 1, 3, 4, 3}, 5)});
  GRADCHECK([](const D& v) { return F::avg_pool3d(v, 2, 1, 0, false, true, 5); },
            {leaf({1, 1, 3, 3, 3}, 6)});
  GRADCHECK([](const D& v) { return F::adaptive_max_pool1d(v, 3); }, {spread({2, 2, 7}, 7)});
  GRADCHECK(
      [](const D& v) {
        return F::adaptive_max_pool2d(v, {3, 2});
      },
      {spread({1, 2, 5, 5}, 8)});
  GRADCHECK([](const D& v) { return F::adaptive_avg_pool1d(v, 4); }, {leaf({2, 2, 7}, 9)});
  GRADCHECK(
      [](const D& v) {
        return F::adaptive_avg_pool3d(v, {2, 3, 1});
      },
      {leaf({1, 2, 3, 5, 2}, 10)});
  GRADCHECK([](const D& v) { return F::lp_pool2d(v, 2.0, 2); }, {leaf({1, 2, 4, 4}, 11)});
  auto [y, idx] = F::max_pool2d_with_indices(spread({1, 2, 4, 4}, 12).detach(), 2);
  GRADCHECK([idx = idx](const D& v) { return F::max_unpool2d(v, idx, 2); },
            {leaf({1, 2, 2, 2}, 13)});
}

TEST_CASE("pooling layers reject bad shapes and options with clear messages") {
  CHECK_THROWS_WITH(nn::MaxPool1d{3}(ones({2, 3, 4, 5})),
                    Catch::Contains("max_pool1d: expected a 2-D or 3-D input [C, L] or [N, C, L], "
                                    "got [2, 3, 4, 5]"));
  CHECK_THROWS_AS(nn::MaxPool3d{2}(ones({2, 3})), ShapeError);
  CHECK_THROWS_WITH(nn::MaxPool1d{5}(ones({1, 2, 3})), Catch::Contains("too small"));
  CHECK_THROWS_WITH((nn::AvgPool1d{2, {.padding = 2}}(ones({1, 1, 8}))),
                    Catch::Contains("pad should be at most half"));
  CHECK_THROWS_WITH(nn::AdaptiveAvgPool1d{0}(ones({1, 1, 8})),
                    Catch::Contains("output_size must be positive"));
  CHECK_THROWS_WITH(nn::LPPool2d(-1, 2)(ones({1, 1, 4, 4})),
                    Catch::Contains("norm_type must be positive"));
  nn::MaxUnpool2d unpool{2};
  CHECK_THROWS_WITH(unpool(ones({1, 1, 2, 2}), zeros<std::int64_t>({1, 1, 2, 3})),
                    Catch::Contains("must have the shape of the input"));
}

// ---------------------------------------------------------------------------- normalization
LAYER("groupnorm", nn::GroupNorm(2, 6));
LAYER("groupnorm_noaffine", nn::GroupNorm(3, 6, {.eps = 1e-3, .affine = false}));
LAYER("groupnorm_2d", nn::GroupNorm(1, 4));
LAYER("instancenorm1d", nn::InstanceNorm1d{4});
LAYER("instancenorm1d_unbatched", nn::InstanceNorm1d{4});
LAYER("batchnorm3d", nn::BatchNorm3d{3});
LAYER("lrn", nn::LocalResponseNorm{3});
LAYER("lrn_opts", nn::LocalResponseNorm(2, {.alpha = 0.01, .beta = 0.5, .k = 2.0}));
LAYER("rmsnorm", nn::RMSNorm{6});
LAYER("rmsnorm_2d", nn::RMSNorm({3, 4}, {.eps = 1e-6, .elementwise_affine = false}));

// instancenorm2d_eval is the layer of instancenorm2d_affine after its training step, in eval
// mode: it normalizes with the running statistics it tracked.
TEST_CASE("instancenorm2d_affine and instancenorm2d_eval match PyTorch", "[parity]") {
  nn::InstanceNorm2d layer{
      3, {.eps = 1e-3, .momentum = 0.2, .affine = true, .track_running_stats = true}};
  CHECK(layer.weight.to_vector() == std::vector<float>{1, 1, 1});
  check_case(layer, "instancenorm2d_affine");
  CHECK(layer.repr() == py_repr("instancenorm2d_affine"));
  layer.eval();
  check_case(layer, "instancenorm2d_eval");
  CHECK(nn::InstanceNorm1d{4}.named_parameters().empty());
  CHECK(nn::InstanceNorm1d{4}.named_buffers().empty());
  CHECK((nn::BatchNorm3d{4, {.eps = 1e-3, .momentum = std::nullopt, .affine = false}}).repr() ==
        py_repr("batchnorm3d_opts"));
}

TEST_CASE("normalize matches PyTorch", "[parity]") {
  const auto& f = fx();
  for (auto [name, p, dim] : {std::tuple{"normalize", 2.0, 1}, std::tuple{"normalize_p1", 1.0, -1},
                              std::tuple{"normalize_p3", 3.0, 0}}) {
    INFO(name);
    const std::string n = name;
    Tensor x = f.tensor(n + "/x");
    x.requires_grad_();
    auto out = F::normalize(x, p, dim);
    CHECK(fixture::mismatch(out, f.tensor(n + "/out")) == "");
    out.backward(f.tensor(n + "/gout"));
    CHECK(fixture::mismatch(x.grad(), f.tensor(n + "/gx")) == "");
  }
  // A zero lane stays zero (divided by eps), with a finite gradient.
  auto z = zeros<float>({2, 3});
  z.requires_grad_();
  auto y = F::normalize(z);
  CHECK(y.to_vector() == std::vector<float>(6, 0.0f));
  y.sum().backward();
  CHECK(std::isfinite(z.grad().data()[0]));
}

TEST_CASE("gradcheck the normalization functions in float64") {
  GRADCHECK([](const D& v, const D& w, const D& b) { return F::group_norm(v, 2, w, b); },
            {leaf({2, 4, 3}, 1), leaf({4}, 2), leaf({4}, 3)});
  GRADCHECK([](const D& v) { return F::group_norm(v, 3, D{}, D{}, 1e-3); }, {leaf({2, 6, 2}, 4)});
  GRADCHECK(
      [](const D& v, const D& w, const D& b) { return F::instance_norm(v, D{}, D{}, w, b, true); },
      {leaf({2, 3, 4}, 5), leaf({3}, 6), leaf({3}, 7)});
  auto rm = leaf({3}, 8).detach(), rv = (leaf({3}, 9).detach().abs() + 0.5);
  GRADCHECK(
      [&](const D& v, const D& w, const D& b) { return F::instance_norm(v, rm, rv, w, b, false); },
      {leaf({2, 3, 2, 2}, 10), leaf({3}, 11), leaf({3}, 12)});
  GRADCHECK([](const D& v) { return F::local_response_norm(v, 3, 0.1, 0.75, 1.0); },
            {leaf({2, 5, 3}, 13)});
  GRADCHECK([](const D& v) { return F::local_response_norm(v, 2, 0.05, 0.5, 2.0); },
            {leaf({1, 4, 2, 2}, 14)});
  GRADCHECK([](const D& v) { return F::normalize(v); }, {leaf({3, 4}, 15)});
  GRADCHECK([](const D& v) { return F::normalize(v, 3.0, 0); }, {leaf({3, 4}, 16)});
  GRADCHECK([](const D& v) { return F::normalize(v, 1.0, -1); }, {leaf_off({3, 4}, 17, {0.0})});
  GRADCHECK([](const D& v, const D& w) { return F::rms_norm(v, {4}, w); },
            {leaf({3, 4}, 18), leaf({4}, 19)});
  GRADCHECK([](const D& v) { return F::rms_norm(v, {2, 3}, D{}, 1e-6); }, {leaf({2, 2, 3}, 20)});
}

TEST_CASE("normalization layers reject bad shapes and options with clear messages") {
  CHECK_THROWS_WITH(nn::GroupNorm(4, 6), Catch::Contains("must be divisible by num_groups (4)"));
  CHECK_THROWS_WITH(nn::GroupNorm(2, 6)(ones({2, 4, 3})),
                    Catch::Contains("GroupNorm(num_channels=6): expected input [N, 6, *], got "
                                    "[2, 4, 3]"));
  CHECK_THROWS_WITH(nn::InstanceNorm1d{4}(ones({2, 3, 5})),
                    Catch::Contains("with C = 4, got [2, 3, 5]"));
  CHECK_THROWS_AS(nn::InstanceNorm2d{4}(ones({2, 4})), ShapeError);
  CHECK_THROWS_WITH(nn::InstanceNorm1d{4}(ones({2, 4, 1})),
                    Catch::Contains("expected more than 1 spatial element"));
  CHECK_THROWS_WITH(nn::BatchNorm3d{3}(ones({2, 3, 4, 4})),
                    Catch::Contains("expected 5D input [N, C, D, H, W]"));
  CHECK_THROWS_WITH(nn::LocalResponseNorm{2}(ones({2, 3})),
                    Catch::Contains("expected 3D or higher dimensional input"));
  CHECK_THROWS_WITH(
      nn::RMSNorm{4}(ones({2, 5})),
      Catch::Contains("rms_norm: input [2, 5] does not end with normalized_shape [4]"));
  CHECK_THROWS_AS(F::normalize(ones({2, 3}), 2.0, 2), std::out_of_range);
}

// ---------------------------------------------------------------------------- dropout
TEST_CASE("Dropout1d/2d/3d zero whole channels, scale the rest, and are the identity in eval") {
  Generator g(7);
  nn::Dropout2d drop{0.2};
  drop.generator = &g;
  CHECK(drop.repr() == py_repr("dropout2d"));
  auto x = ones({50, 40, 3, 2});
  x.requires_grad_();
  auto y = drop(x);
  std::int64_t dropped = 0;
  for (std::int64_t ch = 0; ch < 50 * 40; ++ch) {
    const float first = y.data()[ch * 6];
    CHECK((first == 0.0f || std::abs(first - 1.25f) < 1e-6f));
    for (std::int64_t i = 1; i < 6; ++i) CHECK(y.data()[ch * 6 + i] == first);  // the whole channel
    dropped += first == 0.0f;
  }
  CHECK(double(dropped) / 2000.0 == Approx(0.2).margin(0.03));
  y.backward(ones({50, 40, 3, 2}));
  CHECK(x.grad().to_vector() == y.to_vector());  // grad = mask / (1 - p)
  drop.eval();
  CHECK(drop(x).is_same(x));
  // Unbatched inputs: the channels are dim 0.
  nn::Dropout1d d1;
  CHECK(d1.repr() == py_repr("dropout1d"));
  auto u = d1(ones({400, 5}));
  for (std::int64_t c = 0; c < 400; ++c)
    for (std::int64_t i = 1; i < 5; ++i) CHECK(u.data()[c * 5 + i] == u.data()[c * 5]);
  nn::Dropout3d d3{0.3, true};
  CHECK(d3.repr() == py_repr("dropout3d"));
  auto v = ones({2, 300, 2, 2, 2}) * 1.0f;
  auto w = d3(v);
  CHECK(w.is_same(v));  // in place
  double kept = 0;
  for (std::int64_t i = 0; i < w.numel(); ++i) kept += w.data()[i] != 0.0f;
  CHECK(kept / double(w.numel()) == Approx(0.7).margin(0.05));
  CHECK(sum(F::dropout2d(ones({2, 3, 4, 4}), 1.0)).item() == 0.0f);
  CHECK_THROWS_WITH(
      F::dropout2d(ones({2, 3}), 0.5),
      Catch::Contains("dropout2d: expected input [C, H, W] or [N, C, H, W], got [2, 3]"));
  CHECK_THROWS_WITH(nn::Dropout1d(1.5), Catch::Contains("between 0 and 1, but got 1.5"));
}

TEST_CASE("AlphaDropout keeps a standard normal input's mean and variance") {
  Generator g(9);
  nn::AlphaDropout drop{0.2};
  drop.generator = &g;
  CHECK(nn::AlphaDropout{}.repr() == py_repr("alpha_dropout"));
  auto x = randn<float>({200000}, g);
  auto y = drop(x);
  double s = 0, s2 = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i)
    s += y.data()[i], s2 += double(y.data()[i]) * y.data()[i];
  const double mean = s / 200000.0, var = s2 / 200000.0 - mean * mean;
  CHECK(std::abs(mean) < 0.01);
  CHECK(var == Approx(1.0).margin(0.02));
  // Dropped elements all take SELU's saturation value a * alpha' * (p - 1).
  constexpr double kAlpha = 1.7580993408473766;
  const double a = 1.0 / std::sqrt((kAlpha * kAlpha * 0.2 + 1) * 0.8);
  std::int64_t at_floor = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i)
    at_floor += std::abs(y.data()[i] - a * kAlpha * (0.2 - 1)) < 1e-6;
  CHECK(double(at_floor) / 200000.0 == Approx(0.2).margin(0.01));
  drop.eval();
  CHECK(drop(x).is_same(x));
  // FeatureAlphaDropout: one draw per channel.
  nn::FeatureAlphaDropout fd{0.1, true};
  CHECK(fd.repr() == py_repr("feature_alpha_dropout"));
  auto z = F::feature_alpha_dropout(zeros<float>({20, 30, 4}), 0.5, true);
  for (std::int64_t c = 0; c < 600; ++c)
    for (std::int64_t i = 1; i < 4; ++i) CHECK(z.data()[c * 4 + i] == z.data()[c * 4]);
  // The gradient is the scale of the kept elements (a fixed stream makes it deterministic).
  GRADCHECK(
      [](const D& v) {
        Generator gen(3);
        return F::alpha_dropout(v, 0.3, true, false, gen);
      },
      {leaf({3, 4}, 1)});
  GRADCHECK(
      [](const D& v) {
        Generator gen(4);
        return F::dropout1d(v, 0.4, true, false, gen);
      },
      {leaf({3, 4, 2}, 2)});
}

// ---------------------------------------------------------------------------- init
TEST_CASE("calculate_gain matches PyTorch for every nonlinearity it knows", "[parity]") {
  for (const char* n :
       {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
        "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"}) {
    INFO(n);
    CHECK(nn::init::calculate_gain(n) ==
          Approx(std::stod(metadata().at("gain/" + std::string(n)))).epsilon(1e-15));
  }
  for (const char* param : {"0.2", "0.0", "1.0"}) {
    INFO(param);
    CHECK(nn::init::calculate_gain("leaky_relu", std::stod(param)) ==
          Approx(std::stod(metadata().at("gain/leaky_relu/" + std::string(param)))).epsilon(1e-15));
  }
  CHECK_THROWS_WITH(nn::init::calculate_gain("convolution"),
                    Catch::Contains("unsupported nonlinearity 'convolution'"));
}

TEST_CASE("orthogonal_ gives orthonormal rows or columns, times gain") {
  Generator g(1);
  for (auto [shape, gain] :
       {std::pair{Shape{4, 7}, 1.0}, std::pair{Shape{9, 3}, 2.0}, std::pair{Shape{6, 2, 3}, 0.5}}) {
    auto w = empty(shape);
    nn::init::orthogonal_(w, gain, g);
    const auto rows = w.size(0), cols = w.numel() / rows;
    const bool wide = rows <= cols;
    const auto k = wide ? rows : cols;
    for (std::int64_t i = 0; i < k; ++i)
      for (std::int64_t j = 0; j < k; ++j) {
        double dot = 0;
        for (std::int64_t t = 0; t < (wide ? cols : rows); ++t) {
          const double a = wide ? w.data()[i * cols + t] : w.data()[t * cols + i];
          const double b = wide ? w.data()[j * cols + t] : w.data()[t * cols + j];
          dot += a * b;
        }
        CHECK(dot == Approx(i == j ? gain * gain : 0.0).margin(1e-5));
      }
  }
  CHECK_THROWS_AS(nn::init::orthogonal_(empty({3})), ShapeError);
}

TEST_CASE("sparse_ zeroes ceil(sparsity * rows) elements of every column") {
  Generator g(2);
  auto w = empty({10, 6});
  nn::init::sparse_(w, 0.25, 0.5, g);
  for (std::int64_t c = 0; c < 6; ++c) {
    std::int64_t zeros_seen = 0;
    for (std::int64_t r = 0; r < 10; ++r) zeros_seen += w.data()[r * 6 + c] == 0.0f;
    CHECK(zeros_seen == 3);
  }
  CHECK_THROWS_WITH(nn::init::sparse_(empty({2, 3, 4}), 0.1),
                    Catch::Contains("only tensors with 2 dimensions"));
}

TEST_CASE("dirac_ makes a convolution that copies its input channels") {
  auto w = empty({4, 4, 3, 3});
  nn::init::dirac_(w);
  auto x = randn<float>({2, 4, 5, 5});
  CHECK(fixture::mismatch(F::conv2d(x, w, {}, 1, 1), x) == "");
  // groups = 2: in each group of 3 outputs, the first 2 copy the 2 input channels.
  auto wg = empty({6, 2, 3});
  nn::init::dirac_(wg, 2);
  CHECK(sum(wg).item() == 4.0f);  // min(out / groups, in) = 2 per group
  CHECK(wg.data()[(0 * 2 + 0) * 3 + 1] == 1.0f);
  CHECK(wg.data()[(3 * 2 + 0) * 3 + 1] == 1.0f);
  CHECK(wg.data()[(4 * 2 + 1) * 3 + 1] == 1.0f);
  CHECK_THROWS_WITH(nn::init::dirac_(empty({3, 3})), Catch::Contains("3, 4, or 5 dimensions"));
  CHECK_THROWS_WITH(nn::init::dirac_(empty({3, 3, 3}), 2), Catch::Contains("divisible by groups"));
}

TEST_CASE("trunc_normal_ and eye_ keep their bounds and shape") {
  Generator g(3);
  auto w = empty({100, 50});
  nn::init::trunc_normal_(w, 1.0, 2.0, -0.5, 1.5, g);
  float lo = INFINITY, hi = -INFINITY;
  for (std::int64_t i = 0; i < w.numel(); ++i)
    lo = std::min(lo, w.data()[i]), hi = std::max(hi, w.data()[i]);
  CHECK((lo >= -0.5f && hi <= 1.5f && lo < -0.45f && hi > 1.45f));
  auto e = empty({2, 3});
  nn::init::eye_(e);
  CHECK(e.to_vector() == std::vector<float>{1, 0, 0, 0, 1, 0});
}

// ---------------------------------------------------------------------------- embedding
namespace {
/// Case `name` of an Embedding or EmbeddingBag: loads the table, runs `call`, compares the
/// output, the table after the step (max_norm renormalises it in place), the gradients and the
/// repr.
template <class M, class Call>
void check_embedding(M& m, const std::string& name, Call call) {
  const auto& f = fx();
  INFO("case " << name);
  m.load_state_dict({{"weight", f.tensor(name + "/weight")}});
  Tensor psw;
  if (f.has(name + "/per_sample_weights")) {
    psw = f.tensor(name + "/per_sample_weights");
    psw.requires_grad_();
  }
  auto out = call(m, psw);
  CHECK(fixture::mismatch(out, f.tensor(name + "/out")) == "");
  CHECK(fixture::mismatch(m.weight.detach(), f.tensor(name + "/after/weight")) == "");
  out.backward(f.tensor(name + "/gout"));
  CHECK(fixture::mismatch(m.weight.grad(), f.tensor(name + "/gweight")) == "");
  if (psw.defined())
    CHECK(fixture::mismatch(psw.grad(), f.tensor(name + "/gper_sample_weights")) == "");
  CHECK(m.repr() == py_repr(name));
}
}  // namespace

TEST_CASE("embeddings with max_norm match PyTorch, renormalising the table in place", "[parity]") {
  const auto& f = fx();
  nn::Embedding e{10, 4, {.max_norm = 1.0}};
  check_embedding(e, "embedding_maxnorm", [&](nn::Embedding& m, const Tensor&) {
    return m(f.longs("embedding_maxnorm/x"));
  });
  nn::Embedding e1{
      10, 4, {.padding_idx = 3, .max_norm = 1.5, .norm_type = 1.0, .scale_grad_by_freq = true}};
  check_embedding(e1, "embedding_maxnorm_p1", [&](nn::Embedding& m, const Tensor&) {
    return m(f.longs("embedding_maxnorm_p1/x"));
  });
}

TEST_CASE("Embedding::from_pretrained shares the table and freezes it by default") {
  auto table = tensor<float>({1, 2, 3, 4, 5, 6, 7, 8}).reshape({4, 2});
  auto e = nn::Embedding::from_pretrained(table);
  CHECK(!e.weight.requires_grad());
  CHECK(e(torchlet::tensor<std::int64_t>({2, 0})).to_vector() == std::vector<float>{5, 6, 1, 2});
  CHECK(e.weight.data() == table.data());  // shared, as PyTorch's Parameter(embeddings)
  CHECK(e.named_parameters().size() == 1);
  auto t = nn::Embedding::from_pretrained(table.clone(),
                                          {.freeze = false, .padding_idx = 1, .max_norm = 2.0});
  CHECK(t.weight.requires_grad());
  CHECK(t.weight[1].to_vector() == std::vector<float>{3, 4});  // not zeroed
  CHECK(t.repr() == py_repr("embedding_pretrained"));
  auto out = t(torchlet::tensor<std::int64_t>({1, 3}));
  out.sum().backward();
  CHECK(t.weight.grad()[1].to_vector() == std::vector<float>{0, 0});  // padding: no gradient
  CHECK(std::abs(std::hypot(t.weight.data()[6], t.weight.data()[7]) - 2.0) < 1e-5);
  CHECK_THROWS_WITH(nn::Embedding::from_pretrained(ones({3})),
                    Catch::Contains("embeddings must be 2-D"));
}

TEST_CASE("embedding bags match PyTorch", "[parity]") {
  const auto& f = fx();
  nn::EmbeddingBag sum_bag{10, 3, {.mode = "sum"}};
  check_embedding(sum_bag, "bag_sum", [&](nn::EmbeddingBag& m, const Tensor& w) {
    return m(f.longs("bag_sum/x"), f.longs("bag_sum/offsets"), w);
  });
  nn::EmbeddingBag mean_bag{10, 3, {.padding_idx = 2}};
  check_embedding(mean_bag, "bag_mean_2d",
                  [&](nn::EmbeddingBag& m, const Tensor&) { return m(f.longs("bag_mean_2d/x")); });
  nn::EmbeddingBag max_bag{10, 3, {.mode = "max", .include_last_offset = true}};
  check_embedding(max_bag, "bag_max", [&](nn::EmbeddingBag& m, const Tensor&) {
    return m(f.longs("bag_max/x"), f.longs("bag_max/offsets"));
  });
  nn::EmbeddingBag norm_bag{10, 3, {.max_norm = 1.0, .norm_type = 3.0, .mode = "sum"}};
  check_embedding(norm_bag, "bag_sum_maxnorm", [&](nn::EmbeddingBag& m, const Tensor&) {
    return m(f.longs("bag_sum_maxnorm/x"), f.longs("bag_sum_maxnorm/offsets"));
  });
  CHECK(sum(nn::EmbeddingBag{5, 2, {.padding_idx = 0}}.weight[0].abs()).item() == 0.0f);
  // scale_grad_by_freq divides by each index's own count, as nn.Embedding does (PyTorch
  // 1.13's CPU EmbeddingBag kernel uses another index's count: not followed).
  const auto flat = f.longs("bag_sum_maxnorm/x");
  nn::EmbeddingBag freq_bag{10, 1, {.scale_grad_by_freq = true, .mode = "sum"}};
  freq_bag(flat, f.longs("bag_sum_maxnorm/offsets")).sum().backward();
  nn::Embedding freq_emb{10, 1, {.scale_grad_by_freq = true}};
  freq_emb(flat).sum().backward();
  CHECK(freq_bag.weight.grad().to_vector() == freq_emb.weight.grad().to_vector());
  CHECK(freq_emb.weight.grad().to_vector() == std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0, 0, 1});
}

TEST_CASE("gradcheck embedding_bag in float64") {
  const auto flat = torchlet::tensor<std::int64_t>({1, 2, 4, 0, 4, 3});
  const auto offsets = torchlet::tensor<std::int64_t>({0, 2, 2});
  GRADCHECK(
      [&](const D& w, const D& psw) {
        return F::embedding_bag(
            flat, w, offsets,
            F::EmbeddingBagFuncOptions<double>{.mode = "sum", .per_sample_weights = psw});
      },
      {leaf({5, 3}, 1), leaf({6}, 2)});
  GRADCHECK(
      [&](const D& w) {
        return F::embedding_bag(flat, w, offsets,
                                F::EmbeddingBagFuncOptions<double>{.padding_idx = 4});
      },
      {leaf({5, 3}, 3)});
  GRADCHECK(
      [&](const D& w) {
        return F::embedding_bag(flat, w, offsets,
                                F::EmbeddingBagFuncOptions<double>{.mode = "max"});
      },
      {leaf({5, 3}, 4)});
}

TEST_CASE("embedding bags reject bad inputs with clear messages") {
  nn::EmbeddingBag bag{5, 2};
  const auto flat = torchlet::tensor<std::int64_t>({1, 2, 3});
  CHECK_THROWS_WITH(bag(flat), Catch::Contains("a 1-D input needs 1-D offsets"));
  CHECK_THROWS_WITH(bag(flat, torchlet::tensor<std::int64_t>({1})),
                    Catch::Contains("offsets[0] has to be 0, got 1"));
  CHECK_THROWS_WITH(bag(flat, torchlet::tensor<std::int64_t>({0}), ones({3})),
                    Catch::Contains("per_sample_weights is only supported for mode='sum' (got "
                                    "mode='mean')"));
  CHECK_THROWS_WITH(
      bag(torchlet::tensor<std::int64_t>({0, 7}), torchlet::tensor<std::int64_t>({0})),
      Catch::Contains("index 7 is out of range for 5 embeddings"));
  CHECK_THROWS_WITH((nn::EmbeddingBag{5, 2, {.mode = "median"}}),
                    Catch::Contains("mode must be 'sum', 'mean' or 'max', got 'median'"));
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef GRADCHECK
#undef LAYER
