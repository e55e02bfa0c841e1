// Higher-order gradients through nn/functional's fused ops (issue 13): under create_graph the
// backward of linear, conv2d, leaky_relu, mse_loss, nll_loss, cross_entropy, the activations
// (prelu, glu, rrelu, mish...) and the max/avg pools records itself, so a
// gradient can be differentiated again (the gradient penalty of WGAN-GP; loss.backward with
// create_graph, loss.backward({}, std::nullopt, true) or autograd::backward({loss}, {},
// std::nullopt, true)); since the fourth round also the in-place activations, the dropouts,
// pad, embedding(_bag), fold/unfold, interpolate, max_unpool2d, grouped and transposed convs,
// rms_norm, local_response_norm, affine_grid, grid_sample and the attention. conv2d is
// templated on the type: its second derivatives are checked by float64 gradgradcheck and the
// penalty by gradcheck of a function that itself takes a gradient with create_graph. The
// float32-only ops are checked against the same computation written with tensor ops whose
// second derivatives gradgradcheck covers (tests/autograd/gradgradcheck.cpp): the
// Hessian-vector products of both agree.
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <torchlet/nn/functional.hpp>

#include "catch.hpp"
#include "create_graph_checks.hpp"

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

using torchlet_test::same_first_order;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
using DFn = std::function<DoubleTensor(const std::vector<DoubleTensor>&)>;

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
}

TEST_CASE("gradgradcheck: grouped convs' weight, conv_transpose1d/2d/3d (float64)") {
  manual_seed(38);
  using autograd::gradgradcheck;
  auto x = randn<double>({2, 4, 5, 4}).requires_grad_();
  auto wg = randn<double>({6, 2, 3, 2}).requires_grad_();  // groups=2: 4 -> 6 channels
  auto b = randn<double>({6}).requires_grad_();
  const auto grouped = [](const DoubleTensor& xi, const DoubleTensor& wi, const DoubleTensor& bi) {
    return F::conv2d(xi, wi, bi, {2, 1}, 1, {1, 2}, 2);
  };
  CHECK(gradgradcheck(grouped, {x, wg, b}));
  same_first_order<double>(
      [&](const std::vector<DoubleTensor>& v) { return grouped(v[0], v[1], v[2]); }, {x, wg, b},
      1e-10);
  auto wd = randn<double>({4, 1, 3}).requires_grad_();  // depthwise conv1d
  auto x1 = randn<double>({2, 4, 7}).requires_grad_();
  CHECK(
      gradgradcheck([](const DoubleTensor& xi,
                       const DoubleTensor& wi) { return F::conv1d(xi, wi, {}, 1, 1, 1, 4).tanh(); },
                    {x1, wd}));
  // conv_transpose: input, weight [C_in, C_out / G, k...] and bias.
  auto wt = randn<double>({4, 3, 2, 3}).requires_grad_();
  auto bt = randn<double>({3}).requires_grad_();
  const auto tr = [](const DoubleTensor& xi, const DoubleTensor& wi, const DoubleTensor& bi) {
    return F::conv_transpose2d(xi, wi, bi, 2, 1, 1);
  };
  CHECK(gradgradcheck(tr, {x, wt, bt}));
  same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return tr(v[0], v[1], v[2]); },
                           {x, wt, bt}, 1e-10);
  auto wtg = randn<double>({4, 1, 2, 2}).requires_grad_();  // groups=2: 4 -> 2 channels
  CHECK(gradgradcheck(
      [](const DoubleTensor& xi, const DoubleTensor& wi) {
        return F::conv_transpose2d(xi, wi, {}, {1, 2}, 0, 0, 2, {2, 1}) * xi.sum();
      },
      {x, wtg}));
  auto wt1 = randn<double>({4, 2, 3}).requires_grad_();
  CHECK(
      gradgradcheck([](const DoubleTensor& xi,
                       const DoubleTensor& wi) { return F::conv_transpose1d(xi, wi, {}, 2).sin(); },
                    {x1, wt1}));
  auto x3 = randn<double>({1, 2, 2, 3, 2}).requires_grad_();
  auto wt3 = randn<double>({2, 2, 2, 2, 2}).requires_grad_();
  CHECK(gradgradcheck(
      [](const DoubleTensor& xi, const DoubleTensor& wi) { return F::conv_transpose3d(xi, wi); },
      {x3, wt3}));
}

TEST_CASE("gradgradcheck: normalize, cosine_similarity, pairwise_distance (float64)") {
  manual_seed(15);
  auto x = randn<double>({3, 4}).requires_grad_();
  auto y = randn<double>({3, 4}).requires_grad_();
  for (double p : {2.0, 3.0, 1.5}) {
    INFO("p = " << p);
    CHECK(autograd::gradgradcheck([p](const DoubleTensor& v) { return F::normalize(v, p); }, {x}));
    CHECK(autograd::gradgradcheck(
        [p](const DoubleTensor& v) { return F::normalize(v.sin(), p, 0); }, {x}));
    CHECK(autograd::gradgradcheck(
        [p](const DoubleTensor& u, const DoubleTensor& v) {
          return F::pairwise_distance(u, v, {.p = p});
        },
        {x, y}));
    same_first_order<double>(
        [p](const std::vector<DoubleTensor>& v) { return F::normalize(v[0], p); }, {x}, 1e-12);
  }
  // The clamp active: a lane whose norm is below eps is x / eps.
  auto small = (randn<double>({2, 3}) * 1e-3).requires_grad_();
  CHECK(autograd::gradgradcheck(
      [](const DoubleTensor& v) { return F::normalize(v, 2.0, 1, 1e-2) * v; }, {small}));
  CHECK(autograd::gradgradcheck(
      [](const DoubleTensor& u, const DoubleTensor& v) { return F::cosine_similarity(u, v); },
      {x, y}));
  CHECK(autograd::gradgradcheck(
      [](const DoubleTensor& u, const DoubleTensor& v) {
        return F::cosine_similarity(u, v.unsqueeze(0), {.dim = 2});
      },
      {randn<double>({3, 1, 4}).requires_grad_(), y}));
  same_first_order<double>(
      [](const std::vector<DoubleTensor>& v) { return F::cosine_similarity(v[0], v[1]); }, {x, y},
      1e-12);
}

TEST_CASE("gradgradcheck: group_norm and instance_norm (float64)") {
  manual_seed(16);
  auto x = randn<double>({2, 4, 3}).requires_grad_();
  auto w = randn<double>({4}).requires_grad_();
  auto b = randn<double>({4}).requires_grad_();
  const auto gn = [](const DoubleTensor& v, const DoubleTensor& wi, const DoubleTensor& bi) {
    return F::group_norm(v, 2, wi, bi);
  };
  CHECK(autograd::gradgradcheck(gn, {x, w, b}));
  CHECK(autograd::gradgradcheck([](const DoubleTensor& v) { return F::group_norm(v, 4).tanh(); },
                                {x}));
  const auto in = [](const DoubleTensor& v, const DoubleTensor& wi, const DoubleTensor& bi) {
    return F::instance_norm(v, {}, {}, wi, bi);
  };
  CHECK(autograd::gradgradcheck(in, {x, w, b}));
  same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return gn(v[0], v[1], v[2]); },
                           {x, w, b}, 1e-10);
  same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return in(v[0], v[1], v[2]); },
                           {x, w, b}, 1e-10);
}

TEST_CASE("create_graph: bilinear, layer_norm and batch_norm match their composed forms") {
  manual_seed(17);
  const auto x1 = randn<float>({4, 3}), x2 = randn<float>({4, 2});
  const auto w = randn<float>({5, 3, 2}), b = randn<float>({5});
  // y[n, o] = x1[n] W_o x2[n] + b[o], through batched matmul.
  const auto composed = [](const Tensor& a, const Tensor& c, const Tensor& wi, const Tensor& bi) {
    return (a.reshape({4, 1, 1, 3}).matmul(wi).reshape({4, 5, 2}) * c.reshape({4, 1, 2})).sum(2) +
           bi;
  };
  const auto loss = [](const Tensor& y) { return y.tanh().sum(); };
  const auto v1 = randn<float>({4, 3}), v2 = randn<float>({4, 2}), vw = randn<float>({5, 3, 2}),
             vb = randn<float>({5});
  check_close(hvp([&](const Tensor& a) { return loss(F::bilinear(a, x2, w, b)); }, x1, v1),
              hvp([&](const Tensor& a) { return loss(composed(a, x2, w, b)); }, x1, v1));
  check_close(hvp([&](const Tensor& c) { return loss(F::bilinear(x1, c, w, b)); }, x2, v2),
              hvp([&](const Tensor& c) { return loss(composed(x1, c, w, b)); }, x2, v2));
  check_close(hvp([&](const Tensor& wi) { return loss(F::bilinear(x1, x2, wi, b)); }, w, vw),
              hvp([&](const Tensor& wi) { return loss(composed(x1, x2, wi, b)); }, w, vw));
  check_close(hvp([&](const Tensor& bi) { return loss(F::bilinear(x1, x2, w, bi)); }, b, vb),
              hvp([&](const Tensor& bi) { return loss(composed(x1, x2, w, bi)); }, b, vb));
  same_first_order<float>(
      [](const std::vector<Tensor>& v) { return F::bilinear(v[0], v[1], v[2], v[3]); },
      {x1, x2, w, b}, 1e-5);

  // layer_norm over the last two dims, with weight and bias.
  const auto x = randn<float>({3, 2, 4}), lw = randn<float>({2, 4}), lb = randn<float>({2, 4});
  const auto k = randn<float>({3, 2, 4});
  const auto ln = [](const Tensor& xi, const Tensor& wi, const Tensor& bi) {
    const auto xr = xi.reshape({3, 8});
    const auto xc = xr - xr.mean(1, true);
    return (xc * ((xc * xc).mean(1, true) + 1e-5f).rsqrt()).reshape({3, 2, 4}) * wi + bi;
  };
  const auto vx = randn<float>({3, 2, 4}), vlw = randn<float>({2, 4});
  const auto sl = [&](const Tensor& y) { return (y.sin() * k).sum(); };
  check_close(hvp(
                  [&](const Tensor& xi) {
                    return sl(F::layer_norm(xi, {2, 4}, lw, lb));
                  },
                  x, vx),
              hvp([&](const Tensor& xi) { return sl(ln(xi, lw, lb)); }, x, vx), 1e-3f);
  check_close(hvp(
                  [&](const Tensor& wi) {
                    return sl(F::layer_norm(x, {2, 4}, wi, lb));
                  },
                  lw, vlw),
              hvp([&](const Tensor& wi) { return sl(ln(x, wi, lb)); }, lw, vlw), 1e-3f);
  check_close(hvp([&](const Tensor& xi) { return sl(F::layer_norm(xi, {4})); }, x, vx),
              hvp(
                  [&](const Tensor& xi) {
                    const auto xc = xi - xi.mean(2, true);
                    return sl(xc * ((xc * xc).mean(2, true) + 1e-5f).rsqrt());
                  },
                  x, vx),
              1e-3f);
  same_first_order<float>(
      [](const std::vector<Tensor>& v) {
        return F::layer_norm(v[0], {2, 4}, v[1], v[2]);
      },
      {x, lw, lb}, 1e-4);

  // batch_norm in training (batch statistics) and in eval (running statistics), [N, C, L].
  const auto xb = randn<float>({4, 3, 2}), bw = randn<float>({3}), bb = randn<float>({3});
  const auto kb = randn<float>({4, 3, 2}), vxb = randn<float>({4, 3, 2}), vbw = randn<float>({3});
  const auto rm = randn<float>({3}), rv = rand<float>({3}) + 0.5f;
  const auto bn = [](const Tensor& xi, const Tensor& wi, const Tensor& bi) {
    const auto m = [](const Tensor& t) { return t.mean(2, true).mean(0, true); };
    const auto xc = xi - m(xi);
    return xc * (m(xc * xc) + 1e-5f).rsqrt() * wi.reshape({1, 3, 1}) + bi.reshape({1, 3, 1});
  };
  const auto sb = [&](const Tensor& y) { return (y.sin() * kb).sum(); };
  const auto fb = [&](const Tensor& xi, const Tensor& wi, bool training) {
    return F::batch_norm(xi, training ? Tensor{} : rm, training ? Tensor{} : rv, wi, bb, training);
  };
  check_close(hvp([&](const Tensor& xi) { return sb(fb(xi, bw, true)); }, xb, vxb),
              hvp([&](const Tensor& xi) { return sb(bn(xi, bw, bb)); }, xb, vxb), 1e-3f);
  check_close(hvp([&](const Tensor& wi) { return sb(fb(xb, wi, true)); }, bw, vbw),
              hvp([&](const Tensor& wi) { return sb(bn(xb, wi, bb)); }, bw, vbw), 1e-3f);
  const auto ev = [&](const Tensor& xi, const Tensor& wi) {
    return (xi - rm.reshape({1, 3, 1})) * (rv.reshape({1, 3, 1}) + 1e-5f).rsqrt() *
               wi.reshape({1, 3, 1}) +
           bb.reshape({1, 3, 1});
  };
  check_close(hvp([&](const Tensor& xi) { return sb(fb(xi, bw, false)); }, xb, vxb),
              hvp([&](const Tensor& xi) { return sb(ev(xi, bw)); }, xb, vxb), 1e-3f);
  check_close(hvp([&](const Tensor& wi) { return sb(fb(xb, wi, false)); }, bw, vbw),
              hvp([&](const Tensor& wi) { return sb(ev(xb, wi)); }, bw, vbw), 1e-3f);
  for (bool training : {true, false})
    same_first_order<float>(
        [&](const std::vector<Tensor>& v) {
          return F::batch_norm(v[0], training ? Tensor{} : rm, training ? Tensor{} : rv, v[1], v[2],
                               training);
        },
        {xb, bw, bb}, 1e-4);
}

TEST_CASE(
    "create_graph: l1, huber, smooth_l1 and the binary cross entropies match composed forms") {
  manual_seed(18);
  const auto x0 = randn<float>({4, 5}), y0 = randn<float>({4, 5}), v = randn<float>({4, 5});
  const auto pre = [](const Tensor& x) { return x.tanh() * 2.0f; };
  const auto red = [](const Tensor& per, nn::Reduction r) {
    return r == nn::Reduction::sum ? per.sum() : per.mean();
  };
  const auto t = rand<float>({4, 5});  // probabilities as targets
  const auto w = rand<float>({5}) + 0.5f, pw = rand<float>({5}) + 0.5f;
  for (auto r : {nn::Reduction::mean, nn::Reduction::sum}) {
    INFO("reduction " << static_cast<int>(r));
    check_close(
        hvp([&](const Tensor& x) { return F::l1_loss(pre(x), y0, {.reduction = r}); }, x0, v),
        hvp([&](const Tensor& x) { return red((pre(x) - y0).abs(), r); }, x0, v));
    // huber (delta 0.7) and smooth_l1 (beta 0.6): both pieces occur for these inputs.
    const auto huber = [&](const Tensor& d) {
      return where(d.abs() < 0.7f, d * d * 0.5f, (d.abs() - 0.35f) * 0.7f);
    };
    check_close(hvp(
                    [&](const Tensor& x) {
                      return F::huber_loss(pre(x), y0, {.reduction = r, .delta = 0.7});
                    },
                    x0, v),
                hvp([&](const Tensor& x) { return red(huber(pre(x) - y0), r); }, x0, v));
    check_close(  // with respect to the target
        hvp(
            [&](const Tensor& y) {
              return F::huber_loss(x0, pre(y), {.reduction = r, .delta = 0.7});
            },
            y0, v),
        hvp([&](const Tensor& y) { return red(huber(x0 - pre(y)), r); }, y0, v));
    const auto sl1 = [&](const Tensor& d) {
      return where(d.abs() < 0.6f, d * d * (0.5f / 0.6f), d.abs() - 0.3f);
    };
    check_close(hvp(
                    [&](const Tensor& x) {
                      return F::smooth_l1_loss(pre(x), y0, {.reduction = r, .beta = 0.6});
                    },
                    x0, v),
                hvp([&](const Tensor& x) { return red(sl1(pre(x) - y0), r); }, x0, v));
    // binary_cross_entropy on sigmoid probabilities, with a weight.
    check_close(hvp(
                    [&](const Tensor& x) {
                      return F::binary_cross_entropy(x.sigmoid(), t, {.weight = w, .reduction = r});
                    },
                    x0, v),
                hvp(
                    [&](const Tensor& x) {
                      const auto p = x.sigmoid();
                      return red(-(w * (t * p.log() + (1.0f - t) * (1.0f - p).log())), r);
                    },
                    x0, v));
    // binary_cross_entropy_with_logits with weight and pos_weight:
    // (1 - t) z + (1 + (pw - 1) t) (log(1 + exp(-|z|)) + max(-z, 0)).
    check_close(hvp(
                    [&](const Tensor& x) {
                      return F::binary_cross_entropy_with_logits(
                          pre(x), t, {.weight = w, .reduction = r, .pos_weight = pw});
                    },
                    x0, v),
                hvp(
                    [&](const Tensor& x) {
                      const auto z = pre(x);
                      const auto lw = (pw - 1.0f) * t + 1.0f;
                      return red(
                          w * ((1.0f - t) * z + lw * ((-z.abs()).exp().log1p() + (-z).relu())), r);
                    },
                    x0, v));
  }
  // reduction none, weighted by u.
  const auto u = randn<float>({4, 5});
  check_close(hvp(
                  [&](const Tensor& x) {
                    return (F::binary_cross_entropy_with_logits(
                                pre(x), t, {.reduction = nn::Reduction::none}) *
                            u)
                        .sum();
                  },
                  x0, v),
              hvp(
                  [&](const Tensor& x) {
                    const auto z = pre(x);
                    return (((1.0f - t) * z + (-z.abs()).exp().log1p() + (-z).relu()) * u).sum();
                  },
                  x0, v));
  // cross_entropy with class probabilities, weights and label smoothing: -sum_c w_c q_c logp_c
  // per position, q = (1 - ls) target + ls / C.
  const auto q = t.softmax(1);
  for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
    INFO("soft cross_entropy, reduction " << static_cast<int>(r));
    const auto fused = [&](const Tensor& x) {
      auto l = F::cross_entropy(pre(x), q, {.weight = w, .reduction = r, .label_smoothing = 0.1});
      return r == nn::Reduction::none ? (l * u.select(1, 0)).sum() : l;
    };
    const auto composed = [&](const Tensor& x) {
      const auto per = -(w * (q * 0.9f + 0.02f) * pre(x).log_softmax(1)).sum(1);
      return r == nn::Reduction::none ? (per * u.select(1, 0)).sum() : red(per, r);
    };
    check_close(hvp(fused, x0, v), hvp(composed, x0, v));
  }
  same_first_order<float>(
      [&](const std::vector<Tensor>& a) {
        return F::cross_entropy(a[0], q, {.weight = w, .label_smoothing = 0.1});
      },
      {x0}, 1e-6);
  // The first-order gradients with create_graph equal the fast path's.
  const std::vector<std::pair<const char*, Fn>> losses = {
      {"l1", [&](const std::vector<Tensor>& a) { return F::l1_loss(a[0], a[1]); }},
      {"huber",
       [&](const std::vector<Tensor>& a) { return F::huber_loss(a[0], a[1], {.delta = 0.7}); }},
      {"smooth_l1",
       [&](const std::vector<Tensor>& a) { return F::smooth_l1_loss(a[0], a[1], {.beta = 0.6}); }},
  };
  for (const auto& [name, f] : losses) {
    INFO(name);
    same_first_order<float>(f, {x0, y0}, 1e-6);
  }
  same_first_order<float>(
      [&](const std::vector<Tensor>& a) {
        return F::binary_cross_entropy(a[0].sigmoid(), t,
                                       {.weight = w, .reduction = nn::Reduction::none});
      },
      {x0}, 1e-6);
  same_first_order<float>(
      [&](const std::vector<Tensor>& a) {
        return F::binary_cross_entropy_with_logits(a[0], t, {.weight = w, .pos_weight = pw});
      },
      {x0}, 1e-6);
}

TEST_CASE("gradgradcheck: the pointwise activations of activation_extra (float64)") {
  manual_seed(19);
  auto x = (randn<double>({3, 4}) * 2.0).requires_grad_();
  const std::vector<std::pair<const char*, DFn>> acts = {
      {"elu", [](const std::vector<DoubleTensor>& v) { return F::elu(v[0], 0.7); }},
      {"selu", [](const std::vector<DoubleTensor>& v) { return F::selu(v[0]); }},
      {"celu", [](const std::vector<DoubleTensor>& v) { return F::celu(v[0], 1.5); }},
      {"silu", [](const std::vector<DoubleTensor>& v) { return F::silu(v[0]); }},
      {"softplus", [](const std::vector<DoubleTensor>& v) { return F::softplus(v[0], 2.0, 3.0); }},
      {"logsigmoid", [](const std::vector<DoubleTensor>& v) { return F::logsigmoid(v[0]); }},
      {"softsign", [](const std::vector<DoubleTensor>& v) { return F::softsign(v[0]); }},
      {"tanhshrink", [](const std::vector<DoubleTensor>& v) { return F::tanhshrink(v[0]); }},
      {"softshrink", [](const std::vector<DoubleTensor>& v) { return F::softshrink(v[0], 0.3); }},
      {"hardshrink", [](const std::vector<DoubleTensor>& v) { return F::hardshrink(v[0], 0.3); }},
      {"hardtanh", [](const std::vector<DoubleTensor>& v) { return F::hardtanh(v[0], -1.5, 1.0); }},
      {"relu6", [](const std::vector<DoubleTensor>& v) { return F::relu6(v[0] * 4.0); }},
      {"hardswish", [](const std::vector<DoubleTensor>& v) { return F::hardswish(v[0] * 2.0); }},
      {"hardsigmoid",
       [](const std::vector<DoubleTensor>& v) { return F::hardsigmoid(v[0] * 2.0); }},
      {"threshold",
       [](const std::vector<DoubleTensor>& v) { return F::threshold(v[0], 0.1, -2.0); }},
      {"mish", [](const std::vector<DoubleTensor>& v) { return F::mish(v[0]); }},
      {"rrelu (eval)", [](const std::vector<DoubleTensor>& v) { return F::rrelu(v[0], 0.1, 0.3); }},
  };
  for (const auto& act : acts) {
    const auto& f = act.second;
    INFO(act.first);
    CHECK(autograd::gradgradcheck([&](const DoubleTensor& v) { return f({v}) * v; }, {x}));
    same_first_order<double>(f, {x}, 1e-12);
  }
  // An in-place form on a view of a non-leaf: its base's CopySlices records itself too.
  const DFn on_view = [](const std::vector<DoubleTensor>& v) {
    auto h = v[0] * v[0];
    F::elu(h.narrow(0, 0, 2), 1.0, true);
    return h;
  };
  CHECK(autograd::gradgradcheck([&](const DoubleTensor& v) { return on_view({v}) * v; }, {x}));
  same_first_order<double>(on_view, {x}, 1e-12);
}

TEST_CASE("gradgradcheck: the in-place activations (inplace=true) and dropouts (float64)") {
  manual_seed(35);
  auto x = (randn<double>({3, 4}) * 2.0).requires_grad_();
  // Each writes into a non-leaf copy of v and returns it (times v: second derivatives in v).
  const std::vector<std::pair<const char*, std::function<void(const DoubleTensor&)>>> acts = {
      {"elu_", [](const DoubleTensor& h) { F::elu(h, 0.7, true); }},
      {"selu_", [](const DoubleTensor& h) { F::selu(h, true); }},
      {"celu_", [](const DoubleTensor& h) { F::celu(h, 1.5, true); }},
      {"silu_", [](const DoubleTensor& h) { F::silu(h, true); }},
      {"mish_", [](const DoubleTensor& h) { F::mish(h, true); }},
      {"hardtanh_", [](const DoubleTensor& h) { F::hardtanh(h, -1.5, 1.0, true); }},
      {"relu6_", [](const DoubleTensor& h) { F::relu6(h, true); }},
      {"hardswish_", [](const DoubleTensor& h) { F::hardswish(h, true); }},
      {"hardsigmoid_", [](const DoubleTensor& h) { F::hardsigmoid(h, true); }},
      {"threshold_", [](const DoubleTensor& h) { F::threshold(h, 0.1, -2.0, true); }},
      {"rrelu_ (eval)", [](const DoubleTensor& h) { F::rrelu(h, 0.1, 0.3, false, true); }},
      {"rrelu_ (training)",
       [](const DoubleTensor& h) {
         Generator gen(7);
         F::rrelu(h, 0.1, 0.4, true, true, gen);
       }},
      {"dropout1d_",
       [](const DoubleTensor& h) {
         Generator gen(8);
         F::dropout1d(h, 0.4, true, true, gen);
       }},
      {"alpha_dropout_",
       [](const DoubleTensor& h) {
         Generator gen(9);
         F::alpha_dropout(h, 0.4, true, true, gen);
       }},
      {"feature_alpha_dropout_",
       [](const DoubleTensor& h) {
         Generator gen(10);
         F::feature_alpha_dropout(h, 0.4, true, true, gen);
       }},
  };
  for (const auto& act : acts) {
    const auto& f = act.second;
    INFO(act.first);
    const auto run = [f](const DoubleTensor& v) {
      auto h = v * 1.0;
      f(h);
      return h;
    };
    CHECK(autograd::gradgradcheck([&](const DoubleTensor& v) { return run(v) * v; }, {x}));
    same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return run(v[0]); }, {x},
                             1e-12);
  }
  // The in-place result's second derivatives are the out-of-place one's.
  auto a = x.detach().clone().requires_grad_(), b = x.detach().clone().requires_grad_();
  auto ga = autograd::grad({(F::elu(a * 1.0, 0.7) * a).sum()}, {a}, {}, std::nullopt, true)[0];
  auto hb = b * 1.0;
  F::elu(hb, 0.7, true);
  auto gb = autograd::grad({(hb * b).sum()}, {b}, {}, std::nullopt, true)[0];
  const auto ha = autograd::grad({(ga * ga).sum()}, {a})[0].to_vector();
  const auto hbv = autograd::grad({(gb * gb).sum()}, {b})[0].to_vector();
  for (std::size_t i = 0; i < ha.size(); ++i) CHECK(hbv[i] == Approx(ha[i]).margin(1e-12));
  // Out-of-place dropouts (the same generator state for every evaluation).
  auto x4 = randn<double>({2, 3, 2, 2}).requires_grad_();
  const std::vector<std::pair<const char*, DFn>> drops = {
      {"dropout2d",
       [](const std::vector<DoubleTensor>& v) {
         Generator gen(11);
         return F::dropout2d(v[0], 0.5, true, false, gen);
       }},
      {"alpha_dropout",
       [](const std::vector<DoubleTensor>& v) {
         Generator gen(12);
         return F::alpha_dropout(v[0], 0.3, true, false, gen);
       }},
  };
  for (const auto& drop : drops) {
    const auto& f = drop.second;
    INFO(drop.first);
    CHECK(autograd::gradgradcheck([&](const DoubleTensor& v) { return f({v}) * v.sin(); }, {x4}));
    same_first_order<double>(f, {x4}, 1e-12);
  }
  // F.dropout (float32): against x times the same mask.
  const auto x0 = randn<float>({4, 5}), v0 = randn<float>({4, 5});
  Generator mask_gen(13);
  const auto mask = F::dropout(ones<float>({4, 5}), 0.3, true, mask_gen);
  check_close(hvp(
                  [](const Tensor& t) {
                    Generator gen(13);
                    return F::dropout(t, 0.3, true, gen).tanh().sum();
                  },
                  x0, v0),
              hvp([&](const Tensor& t) { return (t * mask).tanh().sum(); }, x0, v0));
  same_first_order<float>(
      [](const std::vector<Tensor>& v) {
        Generator gen(13);
        return F::dropout(v[0], 0.3, true, gen);
      },
      {x0}, 1e-6);
}

TEST_CASE("gradgradcheck: pad in every mode (float64), embedding against index_select") {
  manual_seed(36);
  auto x = randn<double>({2, 3, 4}).requires_grad_();
  for (const char* mode : {"constant", "reflect", "replicate", "circular"}) {
    INFO(mode);
    const auto f = [mode](const DoubleTensor& v) {
      return F::pad(v.sin() * v, {2, 1, 1, 2}, mode, 0.5);
    };
    CHECK(autograd::gradgradcheck(f, {x}));
    same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return f(v[0]); }, {x},
                             1e-12);
  }
  // Negative constant pads crop.
  CHECK(autograd::gradgradcheck(
      [](const DoubleTensor& v) {
        return F::pad(v * v, {-1, 2, 0, -1});
      },
      {x}));
  // embedding (float32): the weight's Hessian-vector product equals index_select's, also with
  // padding_idx (that row gets no gradient) and scale_grad_by_freq (divided by the count).
  const auto w0 = randn<float>({5, 3}), vw = randn<float>({5, 3});
  const auto idx = tensor({{1, 3}, {3, 0}});
  const auto flat = idx.reshape({-1});
  check_close(hvp([&](const Tensor& w) { return F::embedding(idx, w).tanh().sum(); }, w0, vw),
              hvp([&](const Tensor& w) { return w.index_select(0, flat).tanh().sum(); }, w0, vw));
  // Rows of index 3 (twice) scaled by 1/2, row of index 0 (padding) by 0, once in the Hessian:
  // PyTorch's double backward of embedding gathers without the scale (the first backward
  // applied it). The composed form scales the rows' derivative by sqrt(scale), twice.
  const auto root_scale =
      tensor<float>({1.0f, std::sqrt(0.5f), std::sqrt(0.5f), 0.0f}).reshape({4, 1});
  const auto scaled_grad = [&](const Tensor& w) {
    auto rows = w.index_select(0, flat);
    return rows.detach() + (rows - rows.detach()) * root_scale;
  };
  check_close(hvp(
                  [&](const Tensor& w) {
                    return F::embedding(idx, w, 0, std::nullopt, 2.0, true).tanh().sum();
                  },
                  w0, vw),
              hvp([&](const Tensor& w) { return scaled_grad(w).tanh().sum(); }, w0, vw));
  same_first_order<float>(
      [&](const std::vector<Tensor>& v) {
        return F::embedding(idx, v[0], 0, std::nullopt, 2.0, true);
      },
      {w0}, 1e-6);
}

TEST_CASE("gradgradcheck: prelu, glu and rrelu in training (float64)") {
  manual_seed(32);
  auto x = (randn<double>({2, 3, 4}) * 2.0).requires_grad_();
  auto w3 = tensor<double>({0.25, -0.5, 1.5}).requires_grad_();
  auto w1 = tensor<double>({0.3}).requires_grad_();
  CHECK(autograd::gradgradcheck(
      [](const DoubleTensor& v, const DoubleTensor& w) { return F::prelu(v, w) * v; }, {x, w3}));
  CHECK(autograd::gradgradcheck(
      [](const DoubleTensor& v, const DoubleTensor& w) { return F::prelu(v * v - 1.0, w * w); },
      {x, w1}));
  same_first_order<double>([](const std::vector<DoubleTensor>& v) { return F::prelu(v[0], v[1]); },
                           {x, w3}, 1e-12);
  same_first_order<double>([](const std::vector<DoubleTensor>& v) { return F::prelu(v[0], v[1]); },
                           {x, w1}, 1e-12);
  CHECK(autograd::gradgradcheck([](const DoubleTensor& v) { return F::glu(v, 0); }, {x}));
  CHECK(autograd::gradgradcheck([](const DoubleTensor& v) { return F::glu(v * v) * 2.0; }, {x}));
  same_first_order<double>([](const std::vector<DoubleTensor>& v) { return F::glu(v[0], -1); }, {x},
                           1e-12);
  // Training draws the slopes once per call: the same generator state for every evaluation.
  const auto rr = [](const DoubleTensor& v) {
    Generator gen(7);
    return F::rrelu(v, 0.1, 0.4, true, false, gen) * v;
  };
  CHECK(autograd::gradgradcheck(rr, {x}));
  same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return rr(v[0]); }, {x},
                           1e-12);
}

TEST_CASE("create_graph: pooling (float64 gradgradcheck, float32 2-D against composed forms)") {
  manual_seed(34);
  auto x = randn<double>({2, 3, 7}).requires_grad_();
  using autograd::gradgradcheck;
  CHECK(gradgradcheck([](const DoubleTensor& v) { return F::max_pool1d(v * v, 3, 2, 1) * 2.0; },
                      {x}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) { return F::avg_pool1d(v.sin(), 3, 2, 1, false, false) * v.sum(); },
      {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return F::adaptive_avg_pool1d(v * v, 4); }, {x}));
  auto x3 = randn<double>({1, 2, 3, 4, 4}).requires_grad_();
  CHECK(gradgradcheck([](const DoubleTensor& v) { return F::max_pool3d(v.sin() * v, 2); }, {x3}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) { return F::avg_pool3d(v * v, 2, 1, 0, false, true, 3); }, {x3}));
  same_first_order<double>(
      [](const std::vector<DoubleTensor>& v) { return F::max_pool1d(v[0], 3, 2, 1); }, {x}, 1e-12);
  same_first_order<double>(
      [](const std::vector<DoubleTensor>& v) { return F::avg_pool1d(v[0], 2); }, {x}, 1e-12);
  // float32 max_pool2d / avg_pool2d / adaptive_avg_pool2d: 2x2 windows taken apart by views.
  const auto x0 = randn<float>({2, 3, 4, 6}), vx = randn<float>({2, 3, 4, 6});
  const auto windows = [](const Tensor& t) {
    return t.reshape({2, 3, 2, 2, 3, 2}).permute({0, 1, 2, 4, 3, 5}).reshape({2, 3, 2, 3, 4});
  };
  check_close(
      hvp([](const Tensor& t) { return F::max_pool2d(t * t, 2).tanh().sum(); }, x0, vx),
      hvp([&](const Tensor& t) { return max(windows(t * t), -1).values.tanh().sum(); }, x0, vx));
  check_close(hvp([](const Tensor& t) { return F::avg_pool2d(t * t, 2).tanh().sum(); }, x0, vx),
              hvp([&](const Tensor& t) { return mean(windows(t * t), -1).tanh().sum(); }, x0, vx));
  check_close(hvp(
                  [](const Tensor& t) {
                    return F::adaptive_avg_pool2d(t * t, {2, 3}).tanh().sum();
                  },
                  x0, vx),
              hvp([&](const Tensor& t) { return mean(windows(t * t), -1).tanh().sum(); }, x0, vx));
  for (const Fn& f :
       std::vector<Fn>{[](const std::vector<Tensor>& v) { return F::max_pool2d(v[0], 2); },
                       [](const std::vector<Tensor>& v) { return F::avg_pool2d(v[0], 3, 1, 1); },
                       [](const std::vector<Tensor>& v) {
                         return F::adaptive_avg_pool2d(v[0], {3, 4});
                       }})
    same_first_order<float>(f, {x0}, 1e-6);
}

TEST_CASE("gradgradcheck: the composed losses (float64)") {
  manual_seed(20);
  auto x = randn<double>({4, 5}).requires_grad_();
  auto z = randn<double>({4, 5}).requires_grad_();
  const auto sign =
      where(randn<double>({4, 5}) > 0.0, full<double>({}, 1.0), full<double>({}, -1.0));
  const auto sign4 = where(randn<double>({4}) > 0.0, full<double>({}, 1.0), full<double>({}, -1.0));
  const auto y01 = (randn<double>({4, 5}) > 0.0).to<double>();
  const auto d2 = [](auto f) {
    return [f](const DoubleTensor& a, const DoubleTensor& b) { return f(a, b); };
  };
  CHECK(autograd::gradgradcheck(
      d2([&](const DoubleTensor& a, const DoubleTensor&) { return F::soft_margin_loss(a, sign); }),
      {x, z.detach()}));
  CHECK(autograd::gradgradcheck(d2([&](const DoubleTensor& a, const DoubleTensor&) {
                                  return F::multilabel_soft_margin_loss(a, y01);
                                }),
                                {x, z.detach()}));
  CHECK(autograd::gradgradcheck(d2([](const DoubleTensor& a, const DoubleTensor& b) {
                                  return F::kl_div(a.log_softmax(1), b.softmax(1));
                                }),
                                {x, z}));
  CHECK(autograd::gradgradcheck(d2([](const DoubleTensor& a, const DoubleTensor& b) {
                                  return F::poisson_nll_loss(a, b.abs());
                                }),
                                {x, z}));
  CHECK(autograd::gradgradcheck(d2([](const DoubleTensor& a, const DoubleTensor& b) {
                                  return F::gaussian_nll_loss(a, b, b * b + 0.5);
                                }),
                                {x, z}));
  CHECK(autograd::gradgradcheck(d2([&](const DoubleTensor& a, const DoubleTensor& b) {
                                  return F::cosine_embedding_loss(a, b, sign4);
                                }),
                                {x, z}));
  CHECK(autograd::gradgradcheck(d2([&](const DoubleTensor& a, const DoubleTensor& b) {
                                  return F::triplet_margin_loss(a, b, b.tanh() + 1.0,
                                                                {.swap = true});
                                }),
                                {x, z}));
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
  // An op whose backward does not record itself is named: ctc_loss (PyTorch 1.13 has no
  // double backward for it either).
  auto y = randn<double>({3, 1, 3}).requires_grad_();
  const auto ctc = F::ctc_loss(y.log_softmax(2), tensor<std::int64_t>({{1}}),
                               tensor<std::int64_t>({3}), tensor<std::int64_t>({1}));
  CHECK_THROWS_WITH(autograd::backward({ctc}, {}, std::nullopt, true),
                    "backward(create_graph=true): the backward of CtcLossBackward is not "
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

TEST_CASE("gradgradcheck: fold, unfold, interpolate, max_unpool2d (float64)") {
  manual_seed(37);
  using autograd::gradgradcheck;
  auto x = randn<double>({2, 2, 4, 5}).requires_grad_();
  const auto un = [](const DoubleTensor& v) { return F::unfold(v.sin() * v, {2, 3}, 1, 1, 2); };
  CHECK(gradgradcheck(un, {x}));
  same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return un(v[0]); }, {x},
                           1e-12);
  auto cols = randn<double>({2, 8, 6}).requires_grad_();  // C = 2, 2x2 kernel, 2x3 blocks
  const auto fo = [](const DoubleTensor& v) { return F::fold(v * v, {3, 4}, 2); };
  CHECK(gradgradcheck(fo, {cols}));
  CHECK(gradgradcheck(
      [](const DoubleTensor& v) {
        return F::fold(v.select(0, 0), {3, 4}, 2);
      },
      {cols}));  // unbatched
  same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return fo(v[0]); }, {cols},
                           1e-12);
  // interpolate: every mode (a linear map of the input; squared first).
  struct Case {
    const char* name;
    DoubleTensor input;
    F::InterpolateOptions o;
  };
  const std::vector<Case> cases = {
      {"nearest", x, {.size = {6, 3}}},
      {"nearest 1-D", randn<double>({1, 2, 5}), {.scale_factor = {1.7}}},
      {"bilinear", x, {.size = {7, 3}, .mode = "bilinear"}},
      {"bilinear align_corners", x, {.size = {3, 8}, .mode = "bilinear", .align_corners = true}},
      {"bicubic", x, {.scale_factor = {1.5}, .mode = "bicubic"}},
      {"linear", randn<double>({1, 2, 5}), {.size = {8}, .mode = "linear"}},
      {"trilinear", randn<double>({1, 1, 2, 3, 2}), {.size = {3, 2, 4}, .mode = "trilinear"}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto o = c.o;
    const auto f = [o](const DoubleTensor& v) { return F::interpolate(v * v, o); };
    CHECK(gradgradcheck(f, {c.input.detach().requires_grad_()}));
    same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return f(v[0]); }, {c.input},
                             1e-12);
  }
  // max_unpool2d at the indices of a max_pool2d (constant): a gather in its backward.
  auto [pooled, idx] = F::max_pool2d_with_indices(randn<double>({2, 2, 4, 6}), 2);
  auto p = pooled.requires_grad_();
  const auto unpool = [idx = idx](const DoubleTensor& v) { return F::max_unpool2d(v * v, idx, 2); };
  CHECK(gradgradcheck(unpool, {p}));
  CHECK(gradgradcheck(
      [idx = idx](const DoubleTensor& v) {
        return F::max_unpool2d(v.select(0, 1), idx.select(0, 1), 2);
      },
      {p}));  // unbatched
  same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return unpool(v[0]); }, {p},
                           1e-12);
}

TEST_CASE("gradgradcheck: rms_norm and local_response_norm (float64)") {
  manual_seed(39);
  using autograd::gradgradcheck;
  auto x = randn<double>({2, 3, 4}).requires_grad_();
  auto w = randn<double>({3, 4}).requires_grad_();
  const auto rn = [](const DoubleTensor& v, const DoubleTensor& wi) {
    return F::rms_norm(v, {3, 4}, wi, 1e-3);
  };
  CHECK(gradgradcheck(rn, {x, w}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return F::rms_norm(v, {4}).tanh(); }, {x}));
  same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return rn(v[0], v[1]); },
                           {x, w}, 1e-10);
  auto x4 = randn<double>({2, 5, 2, 2}).requires_grad_();
  for (std::int64_t size : {1, 2, 3, 4}) {
    INFO("size " << size);
    const auto lrn = [size](const DoubleTensor& v) {
      return F::local_response_norm(v, size, 0.5, 0.75, 1.5);
    };
    CHECK(gradgradcheck(lrn, {x4}));
    same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return lrn(v[0]); }, {x4},
                             1e-10);
  }
}

TEST_CASE("gradgradcheck: embedding_bag in every mode (float64)") {
  manual_seed(40);
  using autograd::gradgradcheck;
  auto w = randn<double>({5, 3}).requires_grad_();
  const auto in1 = tensor({1, 3, 3, 0, 4, 2, 1});
  const auto offs = tensor({0, 2, 2, 5});  // bag 1 empty
  for (const char* mode : {"sum", "mean", "max"}) {
    INFO(mode);
    const F::EmbeddingBagFuncOptions<double> o{.mode = mode, .padding_idx = 3};
    const auto f = [&, o](const DoubleTensor& wi) {
      return F::embedding_bag(in1, wi * wi, offs, o);
    };
    CHECK(gradgradcheck(f, {w}));
    same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return f(v[0]); }, {w},
                             1e-12);
    // scale_grad_by_freq's gradient is not a derivative (no gradgradcheck): the recorded one
    // equals the fast path's.
    const F::EmbeddingBagFuncOptions<double> freq{.scale_grad_by_freq = true, .mode = mode};
    same_first_order<double>(
        [&, freq](const std::vector<DoubleTensor>& v) {
          return F::embedding_bag(tensor({{1, 3, 3}, {0, 3, 2}}), v[0], {}, freq);
        },
        {w}, 1e-12);
  }
  // per_sample_weights (mode sum): both gradients, and their mixed second derivatives.
  auto psw = randn<double>({7}).requires_grad_();
  const auto ps = [&](const DoubleTensor& wi, const DoubleTensor& pi) {
    return F::embedding_bag(in1, wi, offs, {.mode = "sum", .per_sample_weights = pi}).sin();
  };
  CHECK(gradgradcheck(ps, {w, psw}));
  same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return ps(v[0], v[1]); },
                           {w, psw}, 1e-12);
}

TEST_CASE("gradgradcheck: scaled_dot_product_attention (float64)") {
  manual_seed(41);
  using autograd::gradgradcheck;
  auto q = randn<double>({2, 3, 4}).requires_grad_();
  auto k = randn<double>({2, 5, 4}).requires_grad_();
  auto v = randn<double>({2, 5, 2}).requires_grad_();
  const auto plain = [](const DoubleTensor& a, const DoubleTensor& b, const DoubleTensor& c) {
    return F::scaled_dot_product_attention(a, b, c);
  };
  CHECK(gradgradcheck(plain, {q, k, v}));
  same_first_order<double>(
      [&](const std::vector<DoubleTensor>& t) { return plain(t[0], t[1], t[2]); }, {q, k, v},
      1e-10);
  // A float mask with a gradient, broadcast over the batch.
  auto m = randn<double>({3, 5}).requires_grad_();
  CHECK(gradgradcheck(
      [](const DoubleTensor& a, const DoubleTensor& b, const DoubleTensor& c,
         const DoubleTensor& mi) {
        return F::scaled_dot_product_attention(a, b, c, {.attn_mask = mi});
      },
      {q, k, v, m}));
  // A bool mask, causal, an explicit scale, dropout (the same draws for every evaluation).
  const auto bm = randn<double>({2, 3, 5}) > -0.5;
  auto qs = randn<double>({2, 5, 4}).requires_grad_();
  const std::vector<
      std::pair<const char*, std::function<DoubleTensor(const DoubleTensor&, const DoubleTensor&)>>>
      cases = {
          {"bool mask",
           [&](const DoubleTensor& a, const DoubleTensor& b) {
             return F::scaled_dot_product_attention(a.narrow(1, 0, 3), b, b.narrow(2, 0, 2),
                                                    {.attn_mask = bm});
           }},
          {"causal",
           [](const DoubleTensor& a, const DoubleTensor& b) {
             return F::scaled_dot_product_attention(a, b, b * b, {.is_causal = true, .scale = 0.7});
           }},
          {"dropout",
           [](const DoubleTensor& a, const DoubleTensor& b) {
             manual_seed(5);
             return F::scaled_dot_product_attention(a, b, b, {.dropout_p = 0.3});
           }},
      };
  for (const auto& c : cases) {
    const auto& f = c.second;
    INFO(c.first);
    CHECK(gradgradcheck([&](const DoubleTensor& a, const DoubleTensor& b) { return f(a, b); },
                        {qs, k}));
  }
}

TEST_CASE("create_graph: affine_grid (float64), multi_head_attention_forward (float32)") {
  manual_seed(42);
  auto theta = randn<double>({2, 2, 3}).requires_grad_();
  for (bool align : {false, true}) {
    INFO("align_corners " << align);
    const auto f = [align](const DoubleTensor& t) {
      return F::affine_grid(t * t, {2, 1, 3, 4}, align);
    };
    CHECK(autograd::gradgradcheck(f, {theta}));
    same_first_order<double>([&](const std::vector<DoubleTensor>& t) { return f(t[0]); }, {theta},
                             1e-12);
  }
  // multi_head_attention_forward: its Hessian-vector product in the query equals the central
  // difference of its gradients (float32), with the weights' output in the loss too.
  const std::int64_t E = 4;
  const auto w_in = randn<float>({3 * E, E}) * 0.5f, b_in = randn<float>({3 * E});
  const auto w_out = randn<float>({E, E}) * 0.5f, b_out = randn<float>({E});
  const auto kv = randn<float>({5, 2, E});
  const auto loss = [&](const Tensor& qi) {
    auto [out, weights] = F::multi_head_attention_forward(qi, kv, kv, E, 2, w_in, b_in, {}, {},
                                                          false, 0.0, w_out, b_out);
    return out.tanh().sum() + (weights * weights).sum();
  };
  const auto q0 = randn<float>({3, 2, E}), vq = randn<float>({3, 2, E});
  const auto grad_at = [&](const Tensor& qi) {
    auto x = qi.detach().clone().requires_grad_();
    return autograd::grad({loss(x)}, {x})[0];
  };
  const float eps = 1e-2f;
  const auto fd = (grad_at(q0 + vq * eps) - grad_at(q0 - vq * eps)) / (2 * eps);
  check_close(hvp(loss, q0, vq), fd, 2e-2f);
  same_first_order<float>([&](const std::vector<Tensor>& t) { return loss(t[0]); }, {q0}, 1e-5);
}

TEST_CASE("gradgradcheck: grid_sample (float64)") {
  manual_seed(43);
  using autograd::gradgradcheck;
  auto x = randn<double>({2, 2, 3, 4}).requires_grad_();
  auto grid = (rand<double>({2, 3, 2, 2}) * 2.4 - 1.2).requires_grad_();  // some outside
  for (const char* padding : {"zeros", "border"})
    for (bool align : {false, true}) {
      INFO(padding << ", align_corners " << align);
      const F::GridSampleOptions o{.padding_mode = padding, .align_corners = align};
      const auto f = [o](const DoubleTensor& xi, const DoubleTensor& gi) {
        return F::grid_sample(xi, gi, o);
      };
      CHECK(gradgradcheck(f, {x, grid}));
      same_first_order<double>([&](const std::vector<DoubleTensor>& v) { return f(v[0], v[1]); },
                               {x, grid}, 1e-12);
      // nearest: linear in the input, its grid gradient 0.
      const F::GridSampleOptions on{
          .mode = "nearest", .padding_mode = padding, .align_corners = align};
      CHECK(gradgradcheck(
          [&, on](const DoubleTensor& xi) { return F::grid_sample(xi * xi, grid.detach(), on); },
          {x}));
    }
  // Through affine_grid: the spatial transformer's second derivatives in theta.
  auto theta = (randn<double>({2, 2, 3}) * 0.5).requires_grad_();
  CHECK(gradgradcheck(
      [](const DoubleTensor& xi, const DoubleTensor& t) {
        return F::grid_sample(xi, F::affine_grid(t, {2, 2, 3, 3}));
      },
      {x, theta}));
}

}  // namespace TORCHLET_TEST_FILE
