// Convolution memory (issue 16, "Bounded memory"): the im2col scratch is one sample's columns
// in a per-thread workspace whatever the batch size, backward saves the input rather than the
// whole batch's columns (and rebuilds them per sample), and nothing is saved under NoGradGuard
// or when no input requires grad. The results are checked against a naive convolution.
#include <thread>

#include <torchlet/nn.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace F = torchlet::nn::functional;

/// Runs f on a new thread (a fresh thread_workspace) and returns what it returns.
template <class Fn>
auto on_new_thread(Fn f) {
  decltype(f()) result{};
  std::thread t([&] { result = f(); });
  t.join();
  return result;
}

/// Bytes the buffer cache gained while `f` ran (it receives every freed buffer >= 64 KiB).
template <class Fn>
std::size_t freed_large_bytes(Fn f) {
  empty_buffer_cache();
  f();
  return buffer_cache_bytes();
}

/// Naive conv2d (stride s, padding p, groups G) in double: y [N, O, OH, OW].
std::vector<double> naive_conv(const std::vector<float>& x, const std::vector<float>& w,
                               std::int64_t N, std::int64_t C, std::int64_t H, std::int64_t W,
                               std::int64_t O, std::int64_t k, std::int64_t s, std::int64_t p,
                               std::int64_t G, std::int64_t OH, std::int64_t OW) {
  std::vector<double> y(static_cast<std::size_t>(N * O * OH * OW), 0.0);
  const std::int64_t Cg = C / G, Og = O / G;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t o = 0; o < O; ++o)
      for (std::int64_t oh = 0; oh < OH; ++oh)
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          double acc = 0;
          for (std::int64_t c = 0; c < Cg; ++c)
            for (std::int64_t i = 0; i < k; ++i)
              for (std::int64_t j = 0; j < k; ++j) {
                const std::int64_t ih = oh * s - p + i, iw = ow * s - p + j;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const std::int64_t ci = (o / Og) * Cg + c;
                acc += double(x[static_cast<std::size_t>(((n * C + ci) * H + ih) * W + iw)]) *
                       double(w[static_cast<std::size_t>(((o * Cg + c) * k + i) * k + j)]);
              }
          y[static_cast<std::size_t>(((n * O + o) * OH + oh) * OW + ow)] = acc;
        }
  return y;
}

TEST_CASE("conv2d's im2col workspace holds one sample's columns whatever the batch size") {
  // K = 4 * 3 * 3 = 36 rows, L = 10 * 10 = 100 positions: 3600 elements per sample.
  // One intra-op thread, so that the calling thread runs every sample (with more, each pool
  // thread holds one sample's columns in its own workspace).
  const int threads = get_num_threads();
  set_num_threads(1);
  for (std::int64_t batch : {1, 64}) {
    const auto caps = on_new_thread([batch] {
      manual_seed(0);
      auto x = randn({batch, 4, 12, 12}).requires_grad_();
      auto w = randn({8, 4, 3, 3}).requires_grad_();
      auto y = F::conv2d(x, w);
      const auto forward = detail::thread_workspace_capacity<float>();
      y.sum().backward();
      return std::array<std::size_t, 3>{forward, detail::thread_workspace_capacity<float>(),
                                        detail::thread_workspace_capacity<float, 1>()};
    });
    CAPTURE(batch);
    CHECK(caps[0] == 3600);  // forward: one sample's columns
    CHECK(caps[1] == 3600);  // backward rebuilt them in the same buffer
    CHECK(caps[2] == 3600);  // the input gradient's columns
  }
  set_num_threads(threads);
}

TEST_CASE("a recorded conv2d saves its input, not the batch's columns") {
  manual_seed(0);
  auto x = randn({64, 4, 12, 12});
  auto w = randn({8, 4, 3, 3}).requires_grad_();
  const std::size_t out_bytes = 64 * 8 * 10 * 10 * sizeof(float);  // 200 KiB
  const std::size_t cols_bytes = 64 * 36 * 100 * sizeof(float);    // 900 KiB
  const auto freed = freed_large_bytes([&] { auto y = F::conv2d(x, w); });
  CHECK(freed >= out_bytes);
  CHECK(freed < out_bytes + cols_bytes / 2);  // the output (rounded to a size class) only
}

TEST_CASE("conv2d under NoGradGuard or without grad inputs records and saves nothing") {
  manual_seed(0);
  auto x = randn({64, 4, 12, 12}).requires_grad_();
  auto w = randn({8, 4, 3, 3}).requires_grad_();
  const std::size_t out_bytes = 64 * 8 * 10 * 10 * sizeof(float);
  {
    NoGradGuard no_grad;
    auto y = F::conv2d(x, w);
    CHECK_FALSE(y.requires_grad());
    CHECK(y.is_leaf());
  }
  const auto freed = freed_large_bytes([&] {
    NoGradGuard no_grad;
    auto y = F::conv2d(x, w);
  });
  CHECK(freed < out_bytes + out_bytes / 2);
  auto y = F::conv2d(x.detach(), w.detach());
  CHECK(y.is_leaf());
  nn::Conv2d conv{4, 8, 3};
  conv.eval();
  NoGradGuard no_grad;
  CHECK(conv(x).is_leaf());
}

TEST_CASE("conv2d forward and backward, recomputing columns per sample, match a naive conv") {
  // stride 2, padding 1, groups 2 over a batch of 3; loss = sum(y * gy).
  const std::int64_t N = 3, C = 4, H = 7, W = 6, O = 6, k = 3, s = 2, p = 1, G = 2;
  const std::int64_t OH = (H + 2 * p - k) / s + 1, OW = (W + 2 * p - k) / s + 1;
  manual_seed(1);
  auto x = randn({N, C, H, W}).requires_grad_();
  auto w = randn({O, C / G, k, k}).requires_grad_();
  auto b = randn({O}).requires_grad_();
  auto gy = randn({N, O, OH, OW});
  auto y = F::conv2d(x, w, b, 2, 1, 1, G);
  (y * gy).sum().backward();
  const auto xv = x.detach().to_vector(), wv = w.detach().to_vector(), gv = gy.to_vector();
  const auto bv = b.detach().to_vector();
  const auto ref = naive_conv(xv, wv, N, C, H, W, O, k, s, p, G, OH, OW);
  const auto yv = y.detach().to_vector();
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double want = ref[i] + bv[(i / static_cast<std::size_t>(OH * OW)) % O];
    REQUIRE(yv[i] == Approx(want).margin(1e-4));
  }
  // Gradients by finite differences of the (linear) naive conv: d/dv sum(naive * gy).
  const auto loss = [&](const std::vector<float>& xs, const std::vector<float>& ws) {
    const auto r = naive_conv(xs, ws, N, C, H, W, O, k, s, p, G, OH, OW);
    double l = 0;
    for (std::size_t i = 0; i < r.size(); ++i) l += r[i] * double(gv[i]);
    return l;
  };
  const double base = loss(xv, wv);
  const auto dx = x.grad().to_vector(), dw = w.grad().to_vector();
  for (std::size_t i = 0; i < xv.size(); i += 5) {  // linear in x: a unit step is exact
    auto xs = xv;
    xs[i] += 1.0F;
    REQUIRE(dx[i] == Approx(loss(xs, wv) - base).margin(1e-3));
  }
  for (std::size_t i = 0; i < wv.size(); ++i) {
    auto ws = wv;
    ws[i] += 1.0F;
    REQUIRE(dw[i] == Approx(loss(xv, ws) - base).margin(1e-3));
  }
  // db = sum of gy over the batch and positions.
  const auto db = b.grad().to_vector();
  for (std::int64_t o = 0; o < O; ++o) {
    double want = 0;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t l = 0; l < OH * OW; ++l)
        want += gv[static_cast<std::size_t>((n * O + o) * OH * OW + l)];
    CHECK(db[static_cast<std::size_t>(o)] == Approx(want).margin(1e-4));
  }
}

TEST_CASE("conv2d input gradient with a frozen weight, and 1x1 convs, match the full backward") {
  manual_seed(2);
  for (std::int64_t k : {1, 3}) {
    auto x = randn({5, 4, 6, 6});
    auto w = randn({6, 4, k, k});
    auto x1 = x.clone().requires_grad_(), x2 = x.clone().requires_grad_();
    auto w2 = w.clone().requires_grad_();
    F::conv2d(x1, w).sum().backward();   // only the input needs a gradient: x is not saved
    F::conv2d(x2, w2).sum().backward();  // both
    CAPTURE(k);
    CHECK(allclose(x1.grad(), x2.grad(), 1e-5, 1e-5));
    auto x3 = x.clone();
    auto w3 = w.clone().requires_grad_();
    F::conv2d(x3, w3).sum().backward();  // only the weight
    CHECK(allclose(w3.grad(), w2.grad(), 1e-5, 1e-5));
  }
}

TEST_CASE("conv2d backward throws when its saved input was modified in place") {
  manual_seed(3);
  auto x = randn({2, 3, 5, 5});
  auto w = randn({4, 3, 3, 3}).requires_grad_();
  auto y = F::conv2d(x, w);
  x.add_(1.0F);
  CHECK_THROWS_WITH(y.sum().backward(),
                    Catch::Contains("ConvolutionBackward") && Catch::Contains("inplace"));
}

}  // namespace TORCHLET_TEST_FILE
