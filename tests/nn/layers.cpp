// Every layer against PyTorch (tests/fixtures/nn/layers.bin, scripts/make_nn_fixtures.py):
// with PyTorch's parameters loaded through load_state_dict, the output, the input
// gradient and every parameter gradient (for loss = sum(out * gout)) match to 1e-5
// relative, and so do the buffers after the step (BatchNorm's running statistics).
// Then: shape errors, default inits, train/eval behaviour.
#include <cmath>

#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

using namespace torchlet;

namespace {

const fixture::File& layers() {
  static const fixture::File f("layers.bin");
  return f;
}

/// Loads case `name`'s parameters into m, runs it on the case's input and compares.
void check_case(nn::Module& m, const std::string& name) {
  const auto& f = layers();
  INFO("case " << name);
  nn::StateDict sd;
  for (auto& [k, v] : m.state_dict()) sd.insert(k, f.tensor(name + "/" + k));
  m.load_state_dict(sd);
  Tensor x = f.tensor(name + "/x");
  x.requires_grad_();
  auto out = m(x);
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

TEST_CASE("Linear matches PyTorch") {
  nn::Linear a{5, 3};
  check_case(a, "linear");
  nn::Linear b{5, 3, false};
  check_case(b, "linear3d");
  CHECK_THROWS_WITH(a(ones({2, 4})),
                    Catch::Contains("Linear(in_features=5): input has 4 features (shape [2, 4])"));
}

TEST_CASE("Bilinear matches PyTorch") {
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

TEST_CASE("Conv2d matches PyTorch for padding, stride, dilation and groups") {
  nn::Conv2d basic{1, 4, 3, {.padding = 1}};
  check_case(basic, "conv_basic");
  nn::Conv2d grouped{
      3, 6, {3, 2}, {.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}, .groups = 3}};
  check_case(grouped, "conv_grouped");
  nn::Conv2d one{4, 2, 1};
  check_case(one, "conv_1x1");
  nn::Conv2d strided{
      2, 4, 3, {.stride = 2, .padding = 2, .dilation = 2, .groups = 2, .bias = false}};
  check_case(strided, "conv_strided");
  nn::Conv2d unbatched{2, 3, 2};
  check_case(unbatched, "conv_unbatched");
  nn::Conv2d lenet{6, 16, 5};
  check_case(lenet, "conv_lenet");
}

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

TEST_CASE("pooling layers match PyTorch") {
  nn::MaxPool2d m2{2};
  check_case(m2, "maxpool_2");
  nn::MaxPool2d mceil{3, {.stride = 2, .padding = 1, .ceil_mode = true}};
  check_case(mceil, "maxpool_ceil");
  nn::MaxPool2d mdil{{3, 2}, {.stride = {1, 2}, .dilation = {2, 1}}};
  check_case(mdil, "maxpool_dilated");
  nn::AvgPool2d a2{2};
  check_case(a2, "avgpool_2");
  nn::AvgPool2d apad{3, {.stride = 2, .padding = 1}};
  check_case(apad, "avgpool_pad");
  nn::AvgPool2d anopad{3,
                       {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}};
  check_case(anopad, "avgpool_nopad");
  nn::AvgPool2d adiv{{2, 3}, {.stride = {1, 2}, .divisor_override = 4}};
  check_case(adiv, "avgpool_divisor");
  nn::AdaptiveAvgPool2d ad1{1};
  check_case(ad1, "adaptive_1");
  nn::AdaptiveAvgPool2d ad32{{3, 2}};
  check_case(ad32, "adaptive_32");
  CHECK_THROWS_WITH(nn::MaxPool2d{2}(ones({1, 1, 1, 1})), Catch::Contains("too small"));
  CHECK_THROWS_WITH((nn::MaxPool2d{2, {.padding = 2}}(ones({1, 1, 8, 8}))),
                    Catch::Contains("pad should be at most half"));
  CHECK_THROWS_AS(nn::AvgPool2d{2}(ones({8, 8})), ShapeError);
}

TEST_CASE("BatchNorm matches PyTorch in train and eval mode and updates running stats") {
  nn::BatchNorm1d bn{4};
  check_case(bn, "bn1d_train");
  CHECK(bn.num_batches_tracked.item() == 1.0f);
  bn.eval();
  check_case(bn, "bn1d_eval");  // normalizes with the running statistics; they do not change
  nn::BatchNorm1d cumulative{3, {.momentum = std::nullopt, .affine = false}};
  check_case(cumulative, "bn1d_3d");
  nn::BatchNorm2d bn2{3, {.eps = 1e-3, .momentum = 0.3}};
  check_case(bn2, "bn2d_train");
  CHECK_THROWS_WITH(bn2(ones({2, 4, 3, 3})), Catch::Contains("with C = 3, got [2, 4, 3, 3]"));
  CHECK_THROWS_WITH(nn::BatchNorm1d{3}(ones({1, 3})),
                    Catch::Contains("more than 1 value per channel"));
  CHECK_THROWS_AS(nn::BatchNorm2d{3}(ones({2, 3})), ShapeError);
}

TEST_CASE("LayerNorm matches PyTorch") {
  nn::LayerNorm ln{6};
  check_case(ln, "layernorm");
  nn::LayerNorm ln2{{3, 4}, {.eps = 1e-6, .elementwise_affine = false}};
  check_case(ln2, "layernorm_2d");
  CHECK_THROWS_WITH(ln(ones({2, 5})), Catch::Contains("does not end with normalized_shape [6]"));
}

TEST_CASE("Embedding matches PyTorch and never trains its padding row") {
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
  CHECK_THROWS_WITH(emb(ones({2})), Catch::Contains("indices must be a LongTensor"));
  CHECK((nn::Embedding{5, 2, {.padding_idx = -1}}).padding_idx == 4);
}

TEST_CASE("activations match PyTorch") {
  nn::ReLU relu;
  check_case(relu, "relu");
  nn::LeakyReLU leaky{0.2};
  check_case(leaky, "leaky_relu");
  nn::GELU gelu;
  check_case(gelu, "gelu");
  nn::GELU gelu_tanh{"tanh"};
  check_case(gelu_tanh, "gelu_tanh");
  nn::Sigmoid sig;
  check_case(sig, "sigmoid");
  nn::Tanh tanh_;
  check_case(tanh_, "tanh");
  nn::Softmax sm{1};
  check_case(sm, "softmax");
  nn::LogSoftmax lsm{0};
  check_case(lsm, "log_softmax");
  nn::Flatten flat;
  check_case(flat, "flatten");
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
