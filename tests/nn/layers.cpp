// Every layer against PyTorch (tests/fixtures/nn/layers.safetensors, written by
// scripts/make_nn_fixtures.py), one test case per fixture case ("<case> matches PyTorch"):
// with PyTorch's parameters loaded through load_state_dict, the output, the input gradient
// and every parameter gradient (for loss = sum(out * gout)) match to 1e-5 relative, and so
// do the buffers after the step (BatchNorm's running statistics). Then: shape errors,
// default inits, train/eval behaviour.
#include <cmath>

#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "nn/check_case.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {

const fixture::File& layers() {
  static const fixture::File f("layers.safetensors");
  return f;
}

void check_case(nn::Module& m, const std::string& name) {
  fixture::check_module_case(layers(), m, name, /*through_copy=*/false);
}

/// Sample standard deviation of a tensor's values.
double stddev(const Tensor& t) {
  double s = 0, s2 = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    s += t.data()[i];
    s2 += double(t.data()[i]) * t.data()[i];
  }
  const double n = static_cast<double>(t.numel());
  return std::sqrt((s2 - s * s / n) / (n - 1));
}

std::pair<float, float> range(const Tensor& t) {
  float lo = INFINITY, hi = -INFINITY;
  for (std::int64_t i = 0; i < t.numel(); ++i)
    lo = std::min(lo, t.data()[i]), hi = std::max(hi, t.data()[i]);
  return {lo, hi};
}

}  // namespace

/// LAYER("case", Type{args}): the test case "case matches PyTorch", which builds the layer
/// and checks it against fixture case `case` (check_case).
#define LAYER(name, ...)                           \
  TEST_CASE(name " matches PyTorch", "[parity]") { \
    auto layer = __VA_ARGS__;                      \
    check_case(layer, name);                       \
  }                                                \
  static_assert(true)

LAYER("linear", nn::Linear{5, 3});
LAYER("linear3d", nn::Linear{5, 3, false});

TEST_CASE("Linear rejects a wrong number of features") {
  nn::Linear a{5, 3};
  CHECK_THROWS_WITH(a(ones({2, 4})),
                    Catch::Contains("Linear(in_features=5): input has 4 features (shape [2, 4])"));
}

TEST_CASE("bilinear matches PyTorch", "[parity]") {
  const auto& f = layers();
  nn::Bilinear bil{3, 4, 2};
  bil.load_state_dict(
      {{"weight", f.tensor("bilinear/weight")}, {"bias", f.tensor("bilinear/bias")}});
  Tensor x1 = f.tensor("bilinear/x1"), x2 = f.tensor("bilinear/x2");
  x1.requires_grad_();
  x2.requires_grad_();
  auto out = bil(x1, x2);
  CHECK(fixture::mismatch(out, f.tensor("bilinear/out")) == "");
  out.backward(f.tensor("bilinear/gout"));
  CHECK(fixture::mismatch(x1.grad(), f.tensor("bilinear/gx1")) == "");
  CHECK(fixture::mismatch(x2.grad(), f.tensor("bilinear/gx2")) == "");
  CHECK(fixture::mismatch(bil.weight.grad(), f.tensor("bilinear/gweight")) == "");
  CHECK(fixture::mismatch(bil.bias.grad(), f.tensor("bilinear/gbias")) == "");
  CHECK(bil.repr() == "Bilinear(in1_features=3, in2_features=4, out_features=2, bias=True)");
  CHECK_THROWS_WITH(bil(ones({5, 3}), ones({4, 4})),
                    Catch::Contains("do not match weight [2, 3, 4]"));
}

LAYER("conv_basic", nn::Conv2d{1, 4, 3, {.padding = 1}});
LAYER("conv_grouped",
      nn::Conv2d{
          3, 6, {3, 2}, {.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}, .groups = 3}});
LAYER("conv_1x1", nn::Conv2d{4, 2, 1});
LAYER("conv_strided",
      nn::Conv2d{2, 4, 3, {.stride = 2, .padding = 2, .dilation = 2, .groups = 2, .bias = false}});
LAYER("conv_unbatched", nn::Conv2d{2, 3, 2});
LAYER("conv_lenet", nn::Conv2d{6, 16, 5});

TEST_CASE("Conv2d rejects bad shapes and options with clear messages") {
  nn::Conv2d conv{3, 8, 3};
  CHECK_THROWS_WITH(
      conv(ones({2, 4, 8, 8})),
      Catch::Contains("Conv2d(in_channels=3): expected input [N, 3, H, W], got [2, 4, 8, 8]"));
  CHECK_THROWS_WITH(conv(ones({2, 3, 2, 8})), Catch::Contains("smaller than the dilated kernel"));
  CHECK_THROWS_AS(conv(ones({3, 8})), ShapeError);
  CHECK_THROWS_WITH((nn::Conv2d{3, 8, 3, {.groups = 2}}), Catch::Contains("divisible by groups"));
  CHECK_THROWS_AS((nn::Conv2d{3, 8, 0}), std::invalid_argument);
  CHECK_THROWS_WITH(nn::functional::conv2d(ones({1, 4, 5, 5}), ones({2, 2, 3, 3}), {}, 1, 0, 1, 3),
                    Catch::Contains("not divisible by groups=3"));
}

LAYER("maxpool_2", nn::MaxPool2d{2});
LAYER("maxpool_ceil", nn::MaxPool2d{3, {.stride = 2, .padding = 1, .ceil_mode = true}});
LAYER("maxpool_dilated", nn::MaxPool2d{{3, 2}, {.stride = {1, 2}, .dilation = {2, 1}}});
LAYER("avgpool_2", nn::AvgPool2d{2});
LAYER("avgpool_pad", nn::AvgPool2d{3, {.stride = 2, .padding = 1}});
LAYER("avgpool_nopad",
      nn::AvgPool2d{3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}});
LAYER("avgpool_divisor", nn::AvgPool2d{{2, 3}, {.stride = {1, 2}, .divisor_override = 4}});
LAYER("adaptive_1", nn::AdaptiveAvgPool2d{1});
LAYER("adaptive_32", nn::AdaptiveAvgPool2d{{3, 2}});

TEST_CASE("pooling layers reject bad shapes") {
  CHECK_THROWS_WITH(nn::MaxPool2d{2}(ones({1, 1, 1, 1})), Catch::Contains("too small"));
  CHECK_THROWS_WITH((nn::MaxPool2d{2, {.padding = 2}}(ones({1, 1, 8, 8}))),
                    Catch::Contains("pad should be at most half"));
  CHECK_THROWS_AS(nn::AvgPool2d{2}(ones({8, 8})), ShapeError);
}

// bn1d_eval is the module of bn1d_train after its training step, in eval mode: it
// normalizes with the running statistics, which do not change.
TEST_CASE("bn1d_train and bn1d_eval match PyTorch", "[parity]") {
  nn::BatchNorm1d bn{4};
  check_case(bn, "bn1d_train");
  CHECK(bn.num_batches_tracked.item() == 1.0f);
  bn.eval();
  check_case(bn, "bn1d_eval");
}
LAYER("bn1d_3d", nn::BatchNorm1d{3, {.momentum = std::nullopt, .affine = false}});
LAYER("bn2d_train", nn::BatchNorm2d{3, {.eps = 1e-3, .momentum = 0.3}});

TEST_CASE("BatchNorm rejects bad shapes") {
  nn::BatchNorm2d bn2{3, {.eps = 1e-3, .momentum = 0.3}};
  CHECK_THROWS_WITH(bn2(ones({2, 4, 3, 3})), Catch::Contains("with C = 3, got [2, 4, 3, 3]"));
  CHECK_THROWS_WITH(nn::BatchNorm1d{3}(ones({1, 3})),
                    Catch::Contains("more than 1 value per channel"));
  CHECK_THROWS_AS(nn::BatchNorm2d{3}(ones({2, 3})), ShapeError);
}

LAYER("layernorm", nn::LayerNorm{6});
LAYER("layernorm_2d", nn::LayerNorm{{3, 4}, {.eps = 1e-6, .elementwise_affine = false}});

TEST_CASE("LayerNorm rejects a wrong trailing shape") {
  nn::LayerNorm ln{6};
  CHECK_THROWS_WITH(ln(ones({2, 5})), Catch::Contains("does not end with normalized_shape [6]"));
}

TEST_CASE("embedding matches PyTorch and never trains its padding row", "[parity]") {
  const auto& f = layers();
  nn::Embedding emb{7, 4, {.padding_idx = 2}};
  CHECK(emb.padding_idx == 2);
  CHECK(sum(emb.weight[2].abs()).item() == 0.0f);
  emb.load_state_dict({{"weight", f.tensor("embedding/weight")}});
  const LongTensor idx = f.longs("embedding/x");
  auto out = emb(idx);
  CHECK(fixture::mismatch(out, f.tensor("embedding/out")) == "");
  out.backward(f.tensor("embedding/gout"));
  CHECK(fixture::mismatch(emb.weight.grad(), f.tensor("embedding/gweight")) == "");
  CHECK(sum(emb.weight.grad()[2].abs()).item() == 0.0f);
  CHECK_THROWS_WITH(emb(torchlet::tensor<std::int64_t>({7})),
                    Catch::Contains("index 7 is out of range for 7 embeddings"));
  // Float indices do not compile: Embedding's forward takes a LongTensor.
  static_assert(!std::is_invocable_v<nn::Embedding&, const Tensor&>);
  static_assert(std::is_invocable_r_v<Tensor, nn::Embedding&, const LongTensor&>);
  CHECK((nn::Embedding{5, 2, {.padding_idx = -1}}).padding_idx == 4);
}

LAYER("relu", nn::ReLU{});
LAYER("leaky_relu", nn::LeakyReLU{0.2});
LAYER("gelu", nn::GELU{});
LAYER("gelu_tanh", nn::GELU{"tanh"});
LAYER("sigmoid", nn::Sigmoid{});
LAYER("tanh", nn::Tanh{});
LAYER("softmax", nn::Softmax{1});
LAYER("log_softmax", nn::LogSoftmax{0});
LAYER("flatten", nn::Flatten{});

TEST_CASE("GELU rejects an unknown approximation") {
  CHECK_THROWS_AS(nn::GELU{"fast"}, std::invalid_argument);
}

TEST_CASE("Dropout zeroes about p of the values in training and is the identity in eval") {
  manual_seed(3);
  nn::Dropout drop{0.3};
  auto x = ones({100, 100});
  x.requires_grad_();
  auto y = drop(x);
  std::int64_t zeros_seen = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const float v = y.data()[i];
    CHECK((v == 0.0f || std::abs(v - 1.0f / 0.7f) < 1e-6f));
    zeros_seen += v == 0.0f;
  }
  CHECK(std::abs(static_cast<double>(zeros_seen) / 1e4 - 0.3) < 0.02);
  y.backward(ones({100, 100}));
  for (std::int64_t i = 0; i < y.numel(); ++i)
    CHECK(x.grad().data()[i] == y.data()[i]);  // grad = mask / (1 - p)
  drop.eval();
  CHECK(drop(x).is_same(x));
  CHECK(sum(nn::functional::dropout(ones({10}), 1.0)).item() == 0.0f);
  CHECK_THROWS_AS(nn::Dropout{1.5}, std::invalid_argument);
}

TEST_CASE("dropout drops exactly where the generator's uniform draw is below p") {
  // The mask is decided from the draw's 53 bits without a branch; it must be the same as
  // uniform() < p for any p, including those (0.5, 0.25) where p * 2^53 is a whole number.
  for (const double p : {0.5, 0.25, 0.3, 1e-9, 1.0 - 1e-12}) {
    Generator gen(11), replay(11);
    auto x = randn({7, 33});
    const auto y = nn::functional::dropout(x, p, true, gen);
    const float scale = static_cast<float>(1.0 / (1.0 - p));
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const float expected = replay.uniform() < p ? 0.0f : x.data()[i] * scale;
      CHECK(y.data()[i] == expected);
    }
    CHECK(gen.next() == replay.next());  // one draw per element, no more
  }
}

TEST_CASE("max_pool2d's 2x2 fast path picks PyTorch's maximum: the first of ties, NaN, -inf") {
  // The 2x2 / stride 2 windows run a kernel of their own; the general window loop
  // (max_pool2d_with_indices) is the reference, for values, indices and the gradient.
  auto x = randn({2, 3, 8, 10});
  float* v = x.data();
  for (std::int64_t i = 0; i < x.numel(); i += 7) v[i] = 0.5f;  // ties with neighbours
  for (std::int64_t i = 1; i < x.numel(); i += 5) v[i] = 0.5f;
  v[0] = v[1] = v[10] = v[11] = -INFINITY;  // a window of -inf only: its first element
  v[23] = NAN;                              // a NaN wins its window
  v[44] = NAN, v[45] = NAN;                 // two NaNs: the later one
  v[60] = NAN;                              // NaN first, then larger numbers: NaN stays
  v[61] = 5.0f, v[70] = 6.0f;
  x.requires_grad_();
  const auto fast = nn::functional::max_pool2d(x, 2);
  const auto [ref, idx] = nn::functional::max_pool2d_with_indices(x.detach(), 2);
  REQUIRE(fast.shape() == ref.shape());
  for (std::int64_t i = 0; i < ref.numel(); ++i) {
    const float a = fast.data()[i], b = ref.data()[i];
    CHECK((a == b || (std::isnan(a) && std::isnan(b))));
  }
  fast.backward(ones_like(fast));
  auto expected = zeros({2, 3, 8, 10});
  for (std::int64_t pl = 0; pl < 6; ++pl)
    for (std::int64_t i = 0; i < 20; ++i) expected.data()[pl * 80 + idx.data()[pl * 20 + i]] += 1;
  CHECK(x.grad().to_vector() == expected.to_vector());
  CHECK(x.grad().data()[0] == 1.0f);   // the -inf window's first element
  CHECK(x.grad().data()[23] == 1.0f);  // the NaN
  CHECK(x.grad().data()[45] == 1.0f);  // the later NaN
  CHECK(x.grad().data()[60] == 1.0f);  // the NaN before larger numbers
}

TEST_CASE("default inits follow PyTorch's rules") {
  // Linear and Conv2d: kaiming_uniform_(a = sqrt(5)) -> U(-1/sqrt(fan_in), 1/sqrt(fan_in)), bias
  // likewise.
  manual_seed(0);
  nn::Linear fc{400, 300};
  const double bound = 1.0 / std::sqrt(400.0);
  auto [lo, hi] = range(fc.weight);
  CHECK(lo >= -bound);
  CHECK(hi <= bound);
  CHECK(lo < -0.99 * bound);
  CHECK(stddev(fc.weight) == Approx(bound / std::sqrt(3.0)).epsilon(0.01));
  auto [blo, bhi] = range(fc.bias);
  CHECK((blo >= -bound && bhi <= bound));
  nn::Conv2d conv{16, 32, 3, {.groups = 2}};
  const double cb = 1.0 / std::sqrt(8.0 * 9.0);
  auto [clo, chi] = range(conv.weight);
  CHECK((clo >= -cb && chi <= cb && chi > 0.95 * cb));
  auto [cblo, cbhi] = range(conv.bias);
  CHECK((cblo >= -cb && cbhi <= cb));
  // Embedding ~ N(0, 1); norms start at weight 1, bias 0, running stats 0 / 1.
  nn::Embedding emb{1000, 64};
  CHECK(stddev(emb.weight) == Approx(1.0).epsilon(0.02));
  nn::BatchNorm2d bn{3};
  CHECK(bn.weight.to_vector() == std::vector<float>{1, 1, 1});
  CHECK(bn.bias.to_vector() == std::vector<float>{0, 0, 0});
  CHECK(bn.running_var.to_vector() == std::vector<float>{1, 1, 1});
  nn::LayerNorm ln{3};
  CHECK(ln.weight.to_vector() == std::vector<float>{1, 1, 1});
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef LAYER
