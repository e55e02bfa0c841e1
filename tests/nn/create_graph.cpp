// Higher-order gradients through nn/functional's fused ops (issue 13): under create_graph the
// backward of linear, conv2d, leaky_relu, mse_loss, nll_loss and cross_entropy records itself, so a
// gradient can be differentiated again (the gradient penalty of WGAN-GP; loss.backward with
// create_graph, loss.backward({}, std::nullopt, true) or autograd::backward({loss}, {},
// std::nullopt, true)). conv2d is
// templated on the type: its second derivatives are checked by float64 gradgradcheck and the
// penalty by gradcheck of a function that itself takes a gradient with create_graph. The
// float32-only ops are checked against the same computation written with tensor ops whose
// second derivatives gradgradcheck covers (tests/autograd/gradgradcheck.cpp): the
// Hessian-vector products of both agree.
#include <optional>
#include <vector>

#include <torchlet/nn/functional.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace F = torchlet::nn::functional;

namespace {

/// H v for the scalar loss(x) at x: d/dx <d loss/dx, v>, through create_graph.
Tensor hvp(const std::function<Tensor(const Tensor&)>& loss, const Tensor& x0, const Tensor& v) {
  auto x = x0.detach().clone().requires_grad_();
  auto g = autograd::grad({loss(x)}, {x}, {}, std::nullopt, true)[0];
  return autograd::grad({(g * v).sum()}, {x})[0];
}

void check_close(const Tensor& a, const Tensor& b, float tol = 1e-4f) {
  REQUIRE(a.shape() == b.shape());
  const auto av = a.to_vector(), bv = b.to_vector();
  for (std::size_t i = 0; i < av.size(); ++i) CHECK(av[i] == Approx(bv[i]).margin(tol));
}

}  // namespace

TEST_CASE("create_graph: linear's second derivatives match x @ W^T + b's") {
  manual_seed(11);
  const auto x0 = randn<float>({4, 3}), w0 = randn<float>({5, 3}), b0 = randn<float>({5});
  const auto vx = randn<float>({4, 3});
  // The loss is not linear in x (tanh), so the Hessian involves linear's backward twice.
  const auto fused = [&](const Tensor& x) { return F::linear(x, w0, b0).tanh().sum(); };
  const auto composed = [&](const Tensor& x) { return (x.matmul(w0.t()) + b0).tanh().sum(); };
  check_close(hvp(fused, x0, vx), hvp(composed, x0, vx));
  // With respect to the weight, and with 3-D inputs.
  const auto x3 = randn<float>({2, 2, 3});
  const auto vw = randn<float>({5, 3});
  const auto fw = [&](const Tensor& w) { return F::linear(x3, w, b0).sigmoid().sum(); };
  const auto cw = [&](const Tensor& w) { return (x3.matmul(w.t()) + b0).sigmoid().sum(); };
  check_close(hvp(fw, w0, vw), hvp(cw, w0, vw));
  // leaky_relu (the activation of WGAN discriminators): against relu(h) - 0.2 relu(-h).
  const auto fl = [&](const Tensor& x) {
    return (F::leaky_relu(F::linear(x, w0, b0), 0.2) * F::linear(x, w0, b0)).sum();
  };
  const auto cl = [&](const Tensor& x) {
    const auto h = x.matmul(w0.t()) + b0;
    return ((h.relu() - (-h).relu() * 0.2f) * h).sum();
  };
  check_close(hvp(fl, x0, vx), hvp(cl, x0, vx));
  // Mixed: d/dW of a function of d/dx.
  auto w = w0.detach().clone().requires_grad_();
  auto x = x0.detach().clone().requires_grad_();
  auto gx = autograd::grad({F::linear(x, w, b0).tanh().sum()}, {x}, {}, std::nullopt, true)[0];
  auto dw = autograd::grad({(gx * gx).sum()}, {w})[0];
  auto w2 = w0.detach().clone().requires_grad_();
  auto x2 = x0.detach().clone().requires_grad_();
  auto gx2 =
      autograd::grad({(x2.matmul(w2.t()) + b0).tanh().sum()}, {x2}, {}, std::nullopt, true)[0];
  check_close(dw, autograd::grad({(gx2 * gx2).sum()}, {w2})[0]);
}

TEST_CASE("create_graph: mse_loss, nll_loss and cross_entropy match their composed forms") {
  manual_seed(12);
  const auto x0 = randn<float>({4, 5});
  const auto y0 = randn<float>({4, 5});
  const auto v = randn<float>({4, 5});
  const auto w = rand<float>({5}) + 0.5f;
  const auto t = tensor({1, 0, 4, 2});
  const auto t_ignored = tensor({1, -100, 4, 2});
  // Composed losses feed the input through a nonlinearity so the Hessian is not zero.
  const auto pre = [](const Tensor& x) { return x.tanh() * 2.0f; };
  for (auto r : {nn::Reduction::mean, nn::Reduction::sum}) {
    INFO("reduction " << static_cast<int>(r));
    check_close(
        hvp([&](const Tensor& x) { return F::mse_loss(pre(x), y0, {.reduction = r}); }, x0, v),
        hvp(
            [&](const Tensor& x) {
              const auto d = pre(x) - y0;
              return r == nn::Reduction::sum ? (d * d).sum() : (d * d).mean();
            },
            x0, v));
    // nll_loss on log_softmax, with class weights: -(sum_i w[t_i] logp[i, t_i]) / denom.
    auto k = zeros<float>({4, 5});
    double denom = 0;
    for (std::int64_t i = 0; i < 4; ++i) {
      const auto c = t.data()[i];
      k.data()[i * 5 + c] = w.data()[c];
      denom += w.data()[c];
    }
    const float scale = r == nn::Reduction::mean ? static_cast<float>(1.0 / denom) : 1.0f;
    check_close(
        hvp(
            [&](const Tensor& x) {
              return F::nll_loss(pre(x).log_softmax(1), t, {.weight = w, .reduction = r});
            },
            x0, v),
        hvp([&](const Tensor& x) { return -(k * pre(x).log_softmax(1)).sum() * scale; }, x0, v));
    // cross_entropy with weights, label smoothing and an ignored target:
    // loss_i = -sum_c K[i, c] logp[i, c], K = (1 - ls) w_t [c == t] + ls / C w_c.
    const double ls = 0.2;
    auto ks = zeros<float>({4, 5});
    double denom_s = 0;
    for (std::int64_t i = 0; i < 4; ++i) {
      const auto c = t_ignored.data()[i];
      if (c == -100) continue;
      denom_s += w.data()[c];
      for (std::int64_t j = 0; j < 5; ++j)
        ks.data()[i * 5 + j] = static_cast<float>(ls / 5 * w.data()[j]);
      ks.data()[i * 5 + c] += static_cast<float>((1 - ls) * w.data()[c]);
    }
    const float scale_s = r == nn::Reduction::mean ? static_cast<float>(1.0 / denom_s) : 1.0f;
    check_close(
        hvp(
            [&](const Tensor& x) {
              return F::cross_entropy(pre(x), t_ignored,
                                      {.weight = w, .reduction = r, .label_smoothing = ls});
            },
            x0, v),
        hvp([&](const Tensor& x) { return -(ks * pre(x).log_softmax(1)).sum() * scale_s; }, x0, v));
  }
  // reduction none: the per-element losses weighted by a vector u.
  const auto u = randn<float>({4});
  check_close(
      hvp(
          [&](const Tensor& x) {
            return (F::cross_entropy(pre(x), t, {.reduction = nn::Reduction::none}) * u).sum();
          },
          x0, v),
      hvp(
          [&](const Tensor& x) {
            auto oh = zeros<float>({4, 5});
            for (std::int64_t i = 0; i < 4; ++i) oh.data()[i * 5 + t.data()[i]] = u.data()[i];
            return -(oh * pre(x).log_softmax(1)).sum();
          },
          x0, v));
  // Spatial targets: [N, C, H] logits and [N, H] targets.
  const auto x4 = randn<float>({2, 3, 2});
  const auto v4 = randn<float>({2, 3, 2});
  const auto t4 = tensor({{0, 2}, {1, 1}});
  check_close(hvp([&](const Tensor& x) { return F::cross_entropy(pre(x), t4); }, x4, v4),
              hvp(
                  [&](const Tensor& x) {
                    auto oh = zeros<float>({2, 3, 2});
                    for (std::int64_t n = 0; n < 2; ++n)
                      for (std::int64_t h = 0; h < 2; ++h)
                        oh.data()[(n * 3 + t4.data()[n * 2 + h]) * 2 + h] = 0.25f;
                    return -(oh * pre(x).log_softmax(1)).sum();
                  },
                  x4, v4));
}

TEST_CASE("gradgradcheck: conv2d with respect to input, weight and bias (float64)") {
  manual_seed(13);
  auto x = randn<double>({2, 2, 5, 5}).requires_grad_();
  auto w = randn<double>({3, 2, 3, 3}).requires_grad_();
  auto b = randn<double>({3}).requires_grad_();
  CHECK(autograd::gradgradcheck([](const DoubleTensor& xi, const DoubleTensor& wi,
                                   const DoubleTensor& bi) { return F::conv2d(xi, wi, bi, 2, 1); },
                                {x, w, b}));
  CHECK(autograd::gradgradcheck(
      [](const DoubleTensor& xi, const DoubleTensor& wi) {
        return F::conv2d(xi, wi, {}, 1, 2, 2).tanh();
      },
      {x, w}));
  auto x1 = randn<double>({1, 2, 6}).requires_grad_();  // conv1d shares the kernel
  auto w1 = randn<double>({2, 2, 2}).requires_grad_();
  CHECK(autograd::gradgradcheck(
      [](const DoubleTensor& xi, const DoubleTensor& wi) { return F::conv1d(xi, wi, {}, 2); },
      {x1, w1}));
}

TEST_CASE("create_graph: the WGAN-GP gradient penalty through conv2d and its gradients") {
  manual_seed(14);
  // D(x) = sum_n tanh(conv2d(x, w1, b1, stride 2, padding 1)).flatten(1) @ w2; the penalty is
  // mean_n (|dD/dx_n| - 1)^2, differentiated with respect to D's parameters.
  auto x = randn<double>({2, 1, 4, 4}).requires_grad_();
  auto w1 = randn<double>({2, 1, 3, 3}).requires_grad_();
  auto b1 = randn<double>({2}).requires_grad_();
  auto w2 = randn<double>({8}).requires_grad_();
  const auto penalty = [](const DoubleTensor& xi, const DoubleTensor& a, const DoubleTensor& b,
                          const DoubleTensor& c) {
    EnableGradGuard grad_on;  // gradcheck's finite differences run under no_grad
    auto xg = xi.detach().requires_grad_();
    auto d = F::conv2d(xg, a, b, 2, 1).tanh().reshape({2, 8}).matmul(c).sum();
    auto g = autograd::grad({d}, {xg}, {}, std::nullopt, true)[0];
    auto norm = (g * g).reshape({2, -1}).sum(1).sqrt();
    return ((norm - 1.0) * (norm - 1.0)).mean();
  };
  CHECK(autograd::gradcheck([&](const DoubleTensor& a, const DoubleTensor& b,
                                const DoubleTensor& c) { return penalty(x, a, b, c); },
                            {w1, b1, w2}));
  // The same with backward: the parameters' grad() gets the penalty's gradient.
  penalty(x, w1, b1, w2).backward();
  REQUIRE(w1.grad().defined());
  REQUIRE(b1.grad().defined());
  REQUIRE(w2.grad().defined());
  // A grouped conv's weight gradient does not record itself yet: named, not a silent zero.
  auto wg = randn<double>({2, 1, 3, 3}).requires_grad_();
  auto xg = randn<double>({1, 2, 4, 4}).requires_grad_();
  CHECK_THROWS_WITH(
      autograd::grad({F::conv2d(xg, wg, {}, 1, 0, 1, 2).sum()}, {xg}, {}, std::nullopt, true),
      Catch::Contains("ConvolutionBackward0 with groups=2 is not differentiable yet"));
}

TEST_CASE("autograd::backward(create_graph): grad() keeps its graph, as loss.backward(True)") {
  auto x = tensor<double>({0.5, -1.0, 2.0}).requires_grad_();
  autograd::backward({(x * x * x).sum()}, {}, std::nullopt, true);
  REQUIRE(x.grad().grad_fn() != nullptr);  // 3x^2, differentiable
  const auto g1 = x.grad().to_vector();
  CHECK(g1[2] == Approx(12.0));
  auto h = autograd::grad({x.grad().sum()}, {x}, {}, true)[0];  // 6x (x.grad() kept for below)
  CHECK(h.to_vector() == std::vector<double>{3.0, -6.0, 12.0});
  // A second create_graph backward adds with a graph too.
  autograd::backward({(x * x).sum()}, {}, std::nullopt, true);
  CHECK(x.grad().to_vector()[0] == Approx(0.75 + 1.0));
  auto h2 = autograd::grad({x.grad().sum()}, {x})[0];  // 6x + 2
  CHECK(h2.to_vector()[1] == Approx(-4.0));
  // Float32 models: a Linear's weight gradient with a graph.
  auto lin_w = randn<float>({2, 3}).requires_grad_();
  auto inp = randn<float>({4, 3});
  autograd::backward({F::mse_loss(F::linear(inp, lin_w), zeros<float>({4, 2}))}, {}, std::nullopt,
                     true);
  CHECK(lin_w.grad().requires_grad());
  // An op whose backward does not record itself is named.
  auto y = tensor<double>({1.0, 2.0}).requires_grad_();
  CHECK_THROWS_WITH(autograd::backward({y.cumsum(0).sum()}, {}, std::nullopt, true),
                    "backward(create_graph=true): the backward of CumsumBackward0 is not "
                    "differentiable yet");
  // The member spelling, as libtorch's loss.backward({}, c10::nullopt, true).
  auto m = tensor<double>({0.5, -1.0}).requires_grad_();
  (m * m * m).sum().backward({}, std::nullopt, true);
  REQUIRE(m.grad().grad_fn() != nullptr);
  CHECK(autograd::grad({m.grad().sum()}, {m})[0].to_vector() == std::vector<double>{3.0, -6.0});
  // Without create_graph it is the ordinary backward.
  auto z = tensor<double>({1.0, 2.0}).requires_grad_();
  autograd::backward({(z * z).sum()});
  CHECK(z.grad().to_vector() == std::vector<double>{2.0, 4.0});
  CHECK_FALSE(z.grad().requires_grad());
  CHECK_THROWS_WITH(autograd::backward({(z * z).sum()}, {ones<double>({1}), ones<double>({1})}),
                    Catch::Contains("got 1 tensors and 2 grad_tensors"));
}

}  // namespace TORCHLET_TEST_FILE
