// One rule for saving tensors (issue 13): every op, nn/functional's included, saves what its
// backward needs through detail::SavedTensor, so a saved input, weight, target or index
// changed in place between forward and backward makes backward throw PyTorch 1.13's error
// ("one of the variables needed for gradient computation has been modified by an inplace
// operation") instead of silently using the new values. Each case was checked against
// /usr/bin/python3 + torch 1.13 (attention in its composed form: 1.13 has no fused op):
// PyTorch raises in the same situations, and does not raise for linear's weight when its input
// needs no gradient (the weight is then not saved). The same sequences without the write give
// the gradients of a central finite difference.
#include <torchlet/distributions.hpp>
#include <torchlet/nn.hpp>
#include <torchlet/optim.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace F = torchlet::nn::functional;

constexpr const char* kInplaceError =
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation";

/// backward() of `y.sum()` throws std::runtime_error naming `node` and PyTorch's message
/// (called once: the nodes backward ran before the throw have freed their saved tensors).
void check_inplace_error(const Tensor& y, const char* node) {
  std::string message;
  try {
    y.sum().backward();
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  INFO("backward threw: \"" << message << "\"");
  CHECK(message.find(kInplaceError) != std::string::npos);
  CHECK(message.find(node) != std::string::npos);
}

/// Checks p.grad() (from a backward of sum(f() * r)) against a central finite difference of
/// that sum at up to `count` entries of p (float: h = 1e-2, loose tolerance).
template <class Fn>
void check_grad_numerically(const Tensor& p, const Tensor& r, Fn f, std::int64_t count = 6) {
  REQUIRE(p.grad().defined());
  const Tensor g = p.grad().clone();
  NoGradGuard no_grad;
  const auto objective = [&] { return static_cast<double>((f() * r).sum().item()); };
  const std::int64_t step = std::max<std::int64_t>(1, p.numel() / count);
  for (std::int64_t i = 0; i < p.numel(); i += step) {
    float* v = p.data() + i;
    const float old = *v, h = 1e-2F;
    *v = old + h;
    const double up = objective();
    *v = old - h;
    const double down = objective();
    *v = old;
    const double numeric = (up - down) / (2.0 * h), analytic = g.data()[i];
    INFO("entry " << i << ": analytic " << analytic << ", numeric " << numeric);
    CHECK(std::abs(analytic - numeric) <= 2e-2 * (1.0 + std::abs(numeric)));
  }
}

TEST_CASE("Linear: a weight or input changed in place after forward makes backward throw") {
  manual_seed(1);
  nn::Linear lin{4, 3};
  auto x = randn({5, 4}).requires_grad_();
  auto y = lin(x);
  {
    NoGradGuard no_grad;
    lin.weight.mul_(2.0F);
  }
  check_inplace_error(y, "AddmmBackward0");

  auto x2 = randn({5, 4});
  auto y2 = lin(x2);  // the weight needs a gradient: x2 is saved
  x2.add_(1.0F);
  check_inplace_error(y2, "AddmmBackward0");
}

TEST_CASE("Linear: with an input that needs no gradient the weight is not saved, as PyTorch") {
  manual_seed(2);
  nn::Linear lin{4, 3};
  auto y = lin(randn({5, 4}));
  {
    NoGradGuard no_grad;
    lin.weight.mul_(2.0F);
  }
  CHECK_NOTHROW(y.sum().backward());
  CHECK(lin.weight.grad().defined());
}

TEST_CASE("Linear: without the write, backward gives the numerical gradient") {
  manual_seed(3);
  nn::Linear lin{4, 3};
  auto x = randn({5, 4}).requires_grad_();
  const auto r = randn({5, 3});
  (lin(x) * r).sum().backward();
  const auto f = [&] { return lin(x); };
  check_grad_numerically(lin.weight, r, f);
  check_grad_numerically(lin.bias, r, f);
  check_grad_numerically(x, r, f);
}

TEST_CASE("Bilinear: a weight or input changed in place makes backward throw") {
  manual_seed(4);
  nn::Bilinear bil{2, 3, 4};
  auto a = randn({5, 2}), b = randn({5, 3});
  auto y = bil(a, b);
  {
    NoGradGuard no_grad;
    bil.weight.add_(1.0F);
  }
  check_inplace_error(y, "BilinearBackward");
  auto y2 = bil(a, b);
  b.mul_(2.0F);
  check_inplace_error(y2, "BilinearBackward");
}

TEST_CASE("Bilinear: without the write, backward gives the numerical gradient") {
  manual_seed(5);
  nn::Bilinear bil{2, 3, 4};
  auto a = randn({5, 2}).requires_grad_(), b = randn({5, 3}).requires_grad_();
  const auto r = randn({5, 4});
  (bil(a, b) * r).sum().backward();
  const auto f = [&] { return bil(a, b); };
  check_grad_numerically(bil.weight, r, f);
  check_grad_numerically(a, r, f);
  check_grad_numerically(b, r, f);
}

TEST_CASE("Conv2d and ConvTranspose2d: a weight changed in place makes backward throw") {
  manual_seed(6);
  nn::Conv2d conv{2, 3, 3};
  auto x = randn({2, 2, 5, 5});
  auto y = conv(x);  // x needs no gradient: PyTorch still checks the weight
  {
    NoGradGuard no_grad;
    conv.weight.mul_(2.0F);
  }
  check_inplace_error(y, "ConvolutionBackward0");

  nn::ConvTranspose2d convt{2, 3, 3};
  auto yt = convt(x);
  {
    NoGradGuard no_grad;
    convt.weight.add_(1.0F);
  }
  check_inplace_error(yt, "ConvolutionBackward0");
  auto yt2 = convt(x);
  x.add_(1.0F);
  check_inplace_error(yt2, "ConvolutionBackward0");
}

TEST_CASE("conv with a frozen weight: the input is not kept, but a write into it throws") {
  // PyTorch 1.13 saves the input of every conv: F.conv2d(x, w) with w frozen, then x.mul_(2)
  // before backward raises. torchlet keeps only the input's version there (no data).
  manual_seed(16);
  const auto w = randn({2, 1, 3, 3});
  auto a = randn({1, 1, 5, 5}).requires_grad_();
  auto x = a * 1.0F;
  auto y = F::conv2d(x, w);
  x.mul_(2.0F);
  check_inplace_error(y, "ConvolutionBackward0");
  auto x1 = a.reshape({1, 1, 25}) * 1.0F;  // conv1d shares the kernel
  auto y1 = F::conv1d(x1, randn({2, 1, 3}));
  x1.add_(1.0F);
  check_inplace_error(y1, "ConvolutionBackward0");
  // Without the write the input gradient is right; the input's data is not held: a freed
  // input cannot have been written, and backward does not need it.
  a.set_grad(Tensor{});
  const auto r = randn({1, 2, 3, 3});
  {
    auto y2 = F::conv2d(a * 1.0F, w);  // the product is freed: only the graph holds nothing
    (y2 * r).sum().backward();
  }
  const auto f = [&] { return F::conv2d(a * 1.0F, w); };
  check_grad_numerically(a, r, f, 25);
}

TEST_CASE("embedding_bag: offsets or indices changed in place make backward throw, as PyTorch") {
  manual_seed(17);
  for (const char* mode : {"sum", "mean", "max"}) {
    INFO(mode);
    auto w = randn({5, 3}).requires_grad_();
    auto idx = tensor({0, 1, 2, 3});
    auto off = tensor({0, 2});
    auto y = F::embedding_bag(idx, w, off, {.mode = mode});
    off.index_put_({tensor({1})}, tensor({1}));  // PyTorch 1.13: o[1] = 1 raises
    check_inplace_error(y, "embedding_bag");
    auto y2 = F::embedding_bag(idx, w, off, {.mode = mode});
    idx.add_(std::int64_t{1});
    check_inplace_error(y2, "embedding_bag");
    auto idx2 = tensor({{0, 1}, {2, 3}});
    auto y3 = F::embedding_bag(idx2, w, {}, {.mode = mode});
    idx2.mul_(std::int64_t{0});
    check_inplace_error(y3, "embedding_bag");
  }
  // Without a write: the bags' bounds rebuilt from the saved offsets give the gradient.
  auto w = randn({5, 3}).requires_grad_();
  const auto idx = tensor({0, 1, 4, 3, 3});
  const auto off = tensor({0, 2, 2, 5});
  const auto r = randn({3, 3});
  const auto f = [&] {
    return F::embedding_bag(idx, w, off, {.mode = "mean", .include_last_offset = true});
  };
  (f() * r).sum().backward();
  check_grad_numerically(w, r, f, 15);
}

TEST_CASE("Conv2d and ConvTranspose2d: without the write, the numerical gradient") {
  manual_seed(7);
  nn::Conv2d conv{2, 3, 3, {.padding = 1}};
  auto x = randn({2, 2, 4, 4}).requires_grad_();
  const auto r = randn({2, 3, 4, 4});
  (conv(x) * r).sum().backward();
  const auto f = [&] { return conv(x); };
  check_grad_numerically(conv.weight, r, f);
  check_grad_numerically(x, r, f);

  nn::ConvTranspose2d convt{2, 3, 3};
  auto xt = randn({2, 2, 4, 4}).requires_grad_();
  const auto rt = randn({2, 3, 6, 6});
  (convt(xt) * rt).sum().backward();
  const auto ft = [&] { return convt(xt); };
  check_grad_numerically(convt.weight, rt, ft);
  check_grad_numerically(xt, rt, ft);
}

TEST_CASE("BatchNorm2d: a weight, input or running statistic changed in place throws") {
  manual_seed(8);
  nn::BatchNorm2d bn{3};
  auto x = randn({4, 3, 2, 2});
  auto y = bn(x);  // training mode, x needs no gradient
  {
    NoGradGuard no_grad;
    bn.weight.mul_(2.0F);
  }
  check_inplace_error(y, "NativeBatchNormBackward0");
  auto y2 = bn(x);
  x.mul_(2.0F);
  check_inplace_error(y2, "NativeBatchNormBackward0");

  bn.eval();  // eval mode normalizes with the running statistics: PyTorch saves them
  auto y3 = bn(randn({4, 3, 2, 2}));
  {
    NoGradGuard no_grad;
    bn.running_mean.add_(1.0F);
  }
  check_inplace_error(y3, "NativeBatchNormBackward0");
}

TEST_CASE("BatchNorm2d (training): without the write, the numerical gradient") {
  manual_seed(9);
  nn::BatchNorm2d bn{3};
  bn.weight.data()[1] = 1.5F;
  auto x = randn({4, 3, 2, 2}).requires_grad_();
  const auto r = randn({4, 3, 2, 2});
  (bn(x) * r).sum().backward();
  const auto f = [&] { return bn(x); };
  check_grad_numerically(bn.weight, r, f);
  check_grad_numerically(bn.bias, r, f);
  check_grad_numerically(x, r, f, 12);
}

TEST_CASE("LayerNorm and GroupNorm: a weight or input changed in place makes backward throw") {
  manual_seed(10);
  nn::LayerNorm ln{4};
  auto x = randn({3, 4});
  auto y = ln(x);
  {
    NoGradGuard no_grad;
    ln.weight.mul_(2.0F);
  }
  check_inplace_error(y, "NativeLayerNormBackward0");
  auto y2 = ln(x);
  x.add_(1.0F);
  check_inplace_error(y2, "NativeLayerNormBackward0");

  nn::GroupNorm gn{2, 4};
  auto yg = gn(randn({2, 4, 3}));
  {
    NoGradGuard no_grad;
    gn.weight.add_(1.0F);
  }
  CHECK_THROWS_WITH(yg.sum().backward(), Catch::Contains(kInplaceError));
  auto xg = randn({2, 4, 3});
  auto yg2 = gn(xg);
  xg.mul_(2.0F);
  CHECK_THROWS_WITH(yg2.sum().backward(), Catch::Contains(kInplaceError));
}

TEST_CASE("LayerNorm and GroupNorm: without the write, the numerical gradient") {
  manual_seed(11);
  nn::LayerNorm ln{4};
  {
    NoGradGuard no_grad;
    ln.weight.copy_(randn({4}));
  }
  auto x = randn({3, 4}).requires_grad_();
  const auto r = randn({3, 4});
  (ln(x) * r).sum().backward();
  const auto f = [&] { return ln(x); };
  check_grad_numerically(ln.weight, r, f);
  check_grad_numerically(x, r, f, 12);

  nn::GroupNorm gn{2, 4};
  auto xg = randn({2, 4, 3}).requires_grad_();
  const auto rg = randn({2, 4, 3});
  (gn(xg) * rg).sum().backward();
  const auto fg = [&] { return gn(xg); };
  check_grad_numerically(gn.weight, rg, fg);
  check_grad_numerically(xg, rg, fg, 12);
}

TEST_CASE("Embedding: indices or weight changed in place make backward throw, as PyTorch") {
  manual_seed(12);
  nn::Embedding emb{5, 3};
  auto idx = tensor<std::int64_t>({1, 2, 2});
  auto y = emb(idx);
  idx.add_(std::int64_t{1});
  check_inplace_error(y, "EmbeddingBackward0");

  auto y2 = emb(tensor<std::int64_t>({0, 4}));
  {
    NoGradGuard no_grad;
    emb.weight.mul_(2.0F);
  }
  check_inplace_error(y2, "EmbeddingBackward0");

  emb.weight.set_grad(Tensor{});
  auto idx3 = tensor<std::int64_t>({1, 2, 2});
  const auto r = randn({3, 3});
  (emb(idx3) * r).sum().backward();
  const auto f = [&] { return emb(idx3); };
  check_grad_numerically(emb.weight, r, f, 15);
}

TEST_CASE("losses: a target, class weight or input changed in place makes backward throw") {
  manual_seed(13);
  auto x = randn({3, 4}).requires_grad_();
  auto t = randn({3, 4});
  auto mse = F::mse_loss(x, t);
  t.mul_(2.0F);
  check_inplace_error(mse, "MseLossBackward0");

  auto labels = tensor<std::int64_t>({0, 1, 3});
  auto w = rand({4});
  auto ce = F::cross_entropy(x, labels, {.weight = w});
  w.mul_(2.0F);
  check_inplace_error(ce, "NllLossBackward0");
  auto ce2 = F::cross_entropy(x, labels);
  labels.mul_(std::int64_t{1});  // any write counts, as in PyTorch
  check_inplace_error(ce2, "NllLossBackward0");

  auto logp = x.log_softmax(1);
  auto w2 = rand({4});
  auto nll = F::nll_loss(logp, tensor<std::int64_t>({0, 1, 3}), {.weight = w2});
  w2.add_(1.0F);
  check_inplace_error(nll, "NllLossBackward0");

  auto p = rand({6}).requires_grad_();
  auto bw = rand({6});
  auto bce = F::binary_cross_entropy(p, rand({6}), {.weight = bw});
  bw.mul_(2.0F);
  check_inplace_error(bce, "BinaryCrossEntropyBackward0");
  auto bt = rand({6});
  auto bcel = F::binary_cross_entropy_with_logits(p, bt);
  bt.mul_(0.5F);
  check_inplace_error(bcel, "BinaryCrossEntropyWithLogitsBackward0");
}

TEST_CASE("activations: every saved input or output is checked") {
  manual_seed(14);
  const auto x = randn({7}).requires_grad_();
  auto h = x * 1.0F;
  auto y = F::leaky_relu(h, 0.1);
  h.add_(1.0F);
  check_inplace_error(y, "LeakyReluBackward0");
  auto s = F::sigmoid(x);  // a saved output, as PyTorch checks it
  s.mul_(2.0F);
  check_inplace_error(s, "SigmoidBackward0");
}

TEST_CASE("one derivative per op: F::gelu is torchlet::gelu, F::softmin is softmax(-x)") {
  manual_seed(18);
  const auto x = randn({7}).requires_grad_();
  for (const char* approximate : {"none", "tanh"}) {
    INFO(approximate);
    auto a = F::gelu(x, approximate);
    auto b = torchlet::gelu(x, approximate);
    CHECK(a.grad_fn()->name() == "GeluBackward0");
    CHECK(allclose(a, b, 0.0, 0.0));
    x.set_grad(Tensor{});
    a.sum().backward();
    const auto ga = x.grad().clone();
    x.set_grad(Tensor{});
    b.sum().backward();
    CHECK(allclose(ga, x.grad(), 0.0, 0.0));
    check_grad_numerically(x, ones({7}), [&] { return F::gelu(x, approximate); });

    auto h = x * 1.0F;
    auto y = F::gelu(h, approximate);
    h.mul_(2.0F);
    check_inplace_error(y, "GeluBackward0");
  }
  CHECK_THROWS_WITH(F::gelu(x, "fast"), Catch::Contains("gelu: approximate must be"));

  const auto x2 = randn({2, 5}).requires_grad_();
  auto m = F::softmin(x2, 1);
  CHECK(m.grad_fn()->name() == "SoftmaxBackward0");  // as PyTorch: softmax(-x)
  CHECK(allclose(m, torchlet::softmax(-x2, 1), 0.0, 0.0));
  const auto r = randn({2, 5});
  (m * r).sum().backward();
  check_grad_numerically(x2, r, [&] { return F::softmin(x2, 1); });
  CHECK_THROWS_WITH(F::softmin(x2, 2), Catch::Contains("softmin"));
}

TEST_CASE("tensor ops: returned indices and index arguments are saved and checked") {
  manual_seed(15);
  const auto x = randn({3, 4}).requires_grad_();
  auto [values, indices] = x.max(1);
  indices.add_(std::int64_t{0});
  check_inplace_error(values, "MaxBackward0");

  auto sorted = torchlet::sort(x, 1);
  sorted.indices.add_(std::int64_t{0});
  check_inplace_error(sorted.values, "SortBackward0");

  auto index = tensor<std::int64_t>({2, 0});
  auto sel = x.index_select(1, index);
  index.add_(std::int64_t{1});
  check_inplace_error(sel, "IndexSelectBackward0");
}

TEST_CASE("attention and grid_sample: saved inputs changed in place make backward throw") {
  manual_seed(16);
  auto q = randn({2, 3, 4}).requires_grad_();
  auto k = randn({2, 5, 4}), v = randn({2, 5, 4});
  auto o = F::scaled_dot_product_attention(q, k, v);
  k.mul_(2.0F);
  check_inplace_error(o, "ScaledDotProductAttentionBackward");

  auto input = randn({1, 2, 4, 4}).requires_grad_();
  auto grid = rand({1, 3, 3, 2}) * 2.0F - 1.0F;
  auto gs = F::grid_sample(input, grid);
  grid.mul_(0.5F);
  check_inplace_error(gs, "GridSampler2DBackward0");
}

TEST_CASE("Categorical.log_prob: a value changed in place makes backward throw, as PyTorch") {
  manual_seed(19);
  const auto logits = randn({3, 4}).requires_grad_();
  auto value = tensor<std::int64_t>({0, 1, 3});
  auto lp = distributions::Categorical({.logits = logits}).log_prob(value);
  value.mul_(std::int64_t{1});
  check_inplace_error(lp, "GatherBackward0");
}

TEST_CASE("a training loop: parameter updates after backward, and writes before forward, work") {
  manual_seed(17);
  nn::Linear lin1{4, 6}, lin2{6, 2};  // lin2 saves its weight: its input needs a gradient
  std::vector<Tensor> params = lin1.parameters();
  for (const auto& p : lin2.parameters()) params.push_back(p);
  auto opt = optim::SGD(params, {.lr = 0.1});
  const auto x = randn({8, 4}), target = randn({8, 2});
  {
    NoGradGuard no_grad;
    lin2.weight.mul_(0.5F);  // before forward: nothing saved yet
  }
  double first = 0, last = 0;
  for (int step = 0; step < 6; ++step) {
    opt.zero_grad();
    auto loss = F::mse_loss(lin2(F::relu(lin1(x))), target);
    if (step == 0) first = loss.item();
    last = loss.item();
    REQUIRE_NOTHROW(loss.backward());
    if (step % 2 == 0) {
      opt.step();
    } else {  // PyTorch's manual update, in place: bumps each version after backward
      NoGradGuard no_grad;
      for (const auto& p : params) p.add_(p.grad() * -0.1F);
    }
  }
  CHECK(last < first);
}

TEST_CASE("an optimizer step is an in-place update: a retained graph that saved the weight fails") {
  // PyTorch 1.13: loss.backward(retain_graph=True); opt.step(); loss.backward() raises "one of
  // the variables needed for gradient computation has been modified by an inplace operation".
  manual_seed(5);
  nn::Linear lin{4, 2};
  const auto x = randn({3, 4}).requires_grad_();  // so Linear saves its weight
  auto loss = lin(x).pow(2.0F).sum();
  loss.backward({}, /*retain_graph=*/true);
  optim::SGD opt(lin.parameters(), {.lr = 0.1});
  opt.step();
  std::string message;
  try {
    loss.backward();
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  CHECK(message.find(kInplaceError) != std::string::npos);
  // Adam and LBFGS (its own update loop) bump the version too.
  auto loss2 = lin(x).pow(2.0F).sum();
  loss2.backward({}, /*retain_graph=*/true);
  optim::Adam adam(lin.parameters(), {.lr = 0.1});
  adam.step();
  CHECK_THROWS_WITH(loss2.backward(), Catch::Contains(kInplaceError));
  auto loss3 = lin(x).pow(2.0F).sum();
  loss3.backward({}, /*retain_graph=*/true);
  optim::LBFGS lbfgs(lin.parameters(), {.lr = 0.1, .max_iter = 1});
  lbfgs.step([&] {
    lbfgs.zero_grad();
    auto l = lin(x).pow(2.0F).sum();
    l.backward();
    return l;
  });
  CHECK_THROWS_WITH(loss3.backward(), Catch::Contains(kInplaceError));
}

}  // namespace TORCHLET_TEST_FILE
