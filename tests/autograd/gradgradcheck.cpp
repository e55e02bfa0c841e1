// Second derivatives (autograd::grad with create_graph = true) checked by gradgradcheck in
// float64 for the op families whose backward records itself: elementwise arithmetic and
// math, matmul/mm/addmm, sum/mean, softmax/log_softmax, the activations; and the error for
// a backward that does not record itself yet.
#include <torchlet/tensor.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using autograd::gradgradcheck;

DoubleTensor leaf(const Shape& s, double shift = 0.0) {
  return (randn<double>(s) + shift).requires_grad_();
}

TEST_CASE("gradgradcheck: elementwise arithmetic, with broadcasting and scalars") {
  manual_seed(1);
  auto a = leaf({2, 3});
  auto b = leaf({3}, 3.0);  // kept away from 0 for div
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x + y; }, {a, b}));
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x - y; }, {a, b}));
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x * y; }, {a, b}));
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x / y; }, {a, b}));
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x * x * y; },
                      {a, b}));
  CHECK(gradgradcheck([](const DoubleTensor& x) { return -(x * 2.0 + 1.0) / 3.0 - x + (1.0 - x); },
                      {a}));
  CHECK(gradgradcheck([](const DoubleTensor& y) { return 2.0 / y; }, {b}));
}

TEST_CASE("gradgradcheck: elementwise math and activations") {
  manual_seed(2);
  auto x = leaf({2, 3});
  auto pos = (rand<double>({2, 3}) + 0.5).requires_grad_();
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.exp(); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.log(); }, {pos}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.log1p(); }, {pos}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.sqrt(); }, {pos}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.rsqrt(); }, {pos}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.pow(3.0); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.pow(2.0); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.pow(1.5); }, {pos}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.sin() * v.cos(); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.tanh(); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.sigmoid(); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.relu() * v; }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.abs() * v; }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.gelu(); }, {x}));
}

TEST_CASE("gradgradcheck: matmul, mm, addmm") {
  manual_seed(3);
  auto a = leaf({2, 3});
  auto b = leaf({3, 4});
  auto c = leaf({4});
  auto v = leaf({3});
  CHECK(
      gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x.mm(y); }, {a, b}));
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x.matmul(y); },
                      {a, b}));
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x.matmul(y); },
                      {v, b}));
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x.matmul(y); },
                      {a, v}));
  CHECK(gradgradcheck([](const DoubleTensor& i, const DoubleTensor& x,
                         const DoubleTensor& y) { return addmm(i, x, y, 0.5, 2.0); },
                      {c, a, b}));
  // Batched, with broadcasting batch dims, and bmm.
  auto ba = leaf({2, 1, 2, 3});
  auto bb = leaf({3, 3, 2});
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return x.matmul(y); },
                      {ba, bb}));
  CHECK(gradgradcheck([](const DoubleTensor& x, const DoubleTensor& y) { return bmm(x, y); },
                      {leaf({2, 2, 3}), leaf({2, 3, 2})}));
  CHECK(gradgradcheck([](const DoubleTensor& x) { return x.permute({1, 0}).mm(x); }, {a}));
  // A two-layer network's loss: tanh(x W1) W2, summed.
  CHECK(gradgradcheck(
      [](const DoubleTensor& x, const DoubleTensor& w) { return x.mm(w).tanh().sum(); }, {a, b}));
}

TEST_CASE("gradgradcheck: sum, mean, softmax, log_softmax") {
  manual_seed(4);
  auto x = leaf({2, 3, 2});
  CHECK(gradgradcheck([](const DoubleTensor& v) { return (v * v).sum(); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return (v * v).sum(1); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return (v * v).sum(2, true); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return (v * v).mean(); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return (v * v).mean(0); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.softmax(1); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.softmax(-1); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.log_softmax(1); }, {x}));
  CHECK(gradgradcheck([](const DoubleTensor& v) { return v.log_softmax(0); }, {x}));
}

TEST_CASE("create_graph: a known second derivative, and the grad of a grad norm") {
  auto x = tensor<double>({0.5, -1.0, 2.0});
  x.requires_grad_();
  auto y = (x * x * x).sum();  // dy/dx = 3x^2, d2y/dx2 = 6x
  auto g = autograd::grad({y}, {x}, {}, std::nullopt, true);
  CHECK(g[0].grad_fn() != nullptr);
  auto gg = autograd::grad({g[0].sum()}, {x});
  const auto v = gg[0].to_vector();
  CHECK(v[0] == Approx(3.0));
  CHECK(v[1] == Approx(-6.0));
  CHECK(v[2] == Approx(12.0));
  // A gradient penalty (WGAN-GP style): backward through the norm of a gradient.
  auto w = tensor<double>({1.0, 2.0});
  w.requires_grad_();
  auto out = (w * x.narrow(0, 0, 2)).tanh().sum();
  auto gw = autograd::grad({out}, {w}, {}, std::nullopt, true)[0];
  (gw * gw).sum().backward();
  CHECK(w.grad().defined());
  CHECK(autograd::gradgradcheck([](const DoubleTensor& a) { return (a * 1.5).tanh().sum(); },
                                {tensor<double>({0.3, -0.2}).requires_grad_()}));
}

TEST_CASE("create_graph: a backward that does not record itself is named") {
  auto x = tensor<double>({0.5, -1.0, 2.0});
  x.requires_grad_();
  // Third order through mm: mm's second path is made of mm and permute, both recorded.
  auto a = tensor<double>({{1.0, 2.0}, {3.0, 4.0}});
  a.requires_grad_();
  auto g1 = autograd::grad({a.mm(a).mm(a).sum()}, {a}, {}, std::nullopt, true)[0];
  auto g2 = autograd::grad({g1.sum()}, {a}, {}, std::nullopt, true)[0];
  auto g3 = autograd::grad({g2.sum()}, {a})[0];  // PyTorch 1.13 gives 24 everywhere
  for (double v : g3.to_vector()) CHECK(v == Approx(24.0));
  // Third order through an elementwise op: its second-order node does not record itself.
  auto g = autograd::grad({x.tanh().sum()}, {x}, {}, std::nullopt, true)[0];
  CHECK_THROWS_WITH(autograd::grad({g.sum()}, {x}, {}, std::nullopt, true),
                    "autograd::grad(create_graph=true): the backward of TanhBackwardBackward0 is "
                    "not differentiable yet");
  // Without create_graph the second derivative is computed: 1 - tanh^2 differentiated.
  const auto t = x.detach().tanh();
  const auto expect = (t * (t * t - 1.0) * 2.0).to_vector();
  const auto gg = autograd::grad({g.sum()}, {x})[0].to_vector();
  for (std::size_t i = 0; i < gg.size(); ++i) CHECK(gg[i] == Approx(expect[i]));
}

}  // namespace TORCHLET_TEST_FILE
