// The backward engine: gradients of composed ops, accumulation, no_grad, retain_graph,
// and a finite-difference check of the ops the foundation uses.
#include <algorithm>
#include <map>

#include <torchlet/nn/functional.hpp>
#include <torchlet/tensor.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {
// Central finite differences of a scalar function of x, in double precision.
std::vector<double> numeric_grad(const std::function<double(const DoubleTensor&)>& f,
                                 const DoubleTensor& x) {
  std::vector<double> g(static_cast<std::size_t>(x.numel()));
  NoGradGuard ng;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double v = x.data()[i], h = 1e-6;
    x.data()[i] = v + h;
    const double up = f(x);
    x.data()[i] = v - h;
    const double down = f(x);
    x.data()[i] = v;
    g[static_cast<std::size_t>(i)] = (up - down) / (2 * h);
  }
  return g;
}
void check_grad(const std::function<DoubleTensor(const DoubleTensor&)>& f, const DoubleTensor& x) {
  auto xg = x.detach();
  xg.requires_grad_();
  f(xg).backward();
  auto num = numeric_grad([&](const DoubleTensor& v) { return f(v).item(); }, x.clone());
  auto ana = xg.grad().to_vector();
  REQUIRE(ana.size() == num.size());
  for (std::size_t i = 0; i < num.size(); ++i)
    CHECK(ana[i] == Approx(num[i]).epsilon(1e-5).margin(1e-7));
}
}  // namespace

TEST_CASE("gradients of elementwise ops match finite differences") {
  manual_seed(1);
  auto x = randn<double>({3, 4});
  auto row = randn<double>({4});
  check_grad([&](const DoubleTensor& v) { return (v * v + v * row).sum(); }, x);
  check_grad([&](const DoubleTensor& v) { return (v / (row * row + 1.0)).sum(); }, x);
  check_grad([&](const DoubleTensor& v) { return ((row * row + 1.0) / (v * v + 1.0)).sum(); }, x);
  check_grad([&](const DoubleTensor& v) { return (v.exp() - v.tanh() + v.sigmoid()).sum(); }, x);
  check_grad(
      [&](const DoubleTensor& v) { return ((v * v + 1.0).log() + (v * v + 1.0).sqrt()).mean(); },
      x);
  check_grad([&](const DoubleTensor& v) { return (v.relu() * 3.0 - v.abs()).sum(); }, x);
  check_grad([&](const DoubleTensor& v) { return v.sum(1).pow(2.0).sum(); }, x);
  check_grad([&](const DoubleTensor& v) { return (v.mean(0, true) * v).sum(); }, x);
  check_grad([&](const DoubleTensor& v) { return (v.log_softmax(1) * row).sum(); }, x);
  check_grad([&](const DoubleTensor& v) { return (v.softmax(0) * v).sum(); }, x);
}

TEST_CASE("gradients of matmul and views match finite differences") {
  manual_seed(2);
  auto a = randn<double>({3, 5});
  auto b = randn<double>({5, 2});
  check_grad([&](const DoubleTensor& v) { return matmul(v, b).pow(2.0).sum(); }, a);
  check_grad([&](const DoubleTensor& v) { return matmul(a, v).pow(2.0).sum(); }, b);
  check_grad([&](const DoubleTensor& v) { return (v.reshape({15}) * arange<double>(15.0)).sum(); },
             a);
  check_grad([&](const DoubleTensor& v) { return (v.t() * v.t()).sum(); }, a);
  check_grad([&](const DoubleTensor& v) { return v.narrow(1, 1, 3).pow(3.0).sum(); }, a);
  check_grad([&](const DoubleTensor& v) { return v[1].pow(3.0).sum(); }, a);
}

TEST_CASE("linear and cross_entropy backward match finite differences") {
  manual_seed(3);
  auto x = randn({4, 6}), w = randn({3, 6}), b = randn({3});
  auto target = tensor<std::int64_t>({0, 2, 1, 2});
  for (int which = 0; which < 3; ++which) {
    Tensor xs = x.clone(), ws = w.clone(), bs = b.clone();
    Tensor& p = which == 0 ? xs : which == 1 ? ws : bs;
    p.requires_grad_();
    nn::functional::cross_entropy(nn::functional::linear(xs, ws, bs), target).backward();
    auto ana = p.grad().to_vector();
    NoGradGuard ng;
    for (std::int64_t i = 0; i < p.numel(); ++i) {
      const float v = p.data()[i], h = 1e-2f;
      p.data()[i] = v + h;
      const double up =
          nn::functional::cross_entropy(nn::functional::linear(xs, ws, bs), target).item();
      p.data()[i] = v - h;
      const double down =
          nn::functional::cross_entropy(nn::functional::linear(xs, ws, bs), target).item();
      p.data()[i] = v;
      CHECK(ana[static_cast<std::size_t>(i)] ==
            Approx((up - down) / (2 * h)).epsilon(2e-3).margin(1e-4));
    }
  }
}

TEST_CASE("gradients accumulate at leaves until cleared") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  (x * x).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{2, 4});
  (x * 3.f).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{5, 7});
  // A tensor used twice gets both contributions.
  auto y = tensor<float>({3.f});
  y.requires_grad_();
  (y * y + y).sum().backward();
  CHECK(y.grad().item() == 7.f);
}

TEST_CASE("NoGradGuard records nothing and detach cuts the graph") {
  auto x = tensor<float>({1.f});
  x.requires_grad_();
  {
    NoGradGuard g;
    auto y = x * 2.f;
    CHECK_FALSE(y.requires_grad());
  }
  auto z = (x * 2.f).detach();
  CHECK_FALSE(z.requires_grad());
  CHECK(is_grad_enabled());
}

TEST_CASE("backward errors are clear") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  auto y = x * 2.f;
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("only for scalar outputs"));
  y.backward(ones({2}));
  CHECK(x.grad().to_vector() == std::vector<float>{2, 2});
  auto l = (x * x).sum();
  l.backward();
  CHECK_THROWS_WITH(l.backward(), Catch::Contains("second time"));
  auto l2 = (x * x).sum();
  l2.backward({}, true);
  CHECK_NOTHROW(l2.backward());
  CHECK_THROWS_AS(tensor<float>({1.f}).backward(), std::invalid_argument);
  CHECK_THROWS_WITH(x.fill_(0.f), Catch::Contains("leaf Variable that requires grad"));
  CHECK_THROWS_AS(x += 1.f, std::invalid_argument);
}

TEST_CASE("a graph is freed when its output is dropped") {
  auto x = tensor<float>({1.f});
  x.requires_grad_();
  std::weak_ptr<detail::TensorImpl<float>> inner;
  {
    auto h = x * 2.f;
    inner = h.impl();
    auto out = h * 3.f;
  }
  CHECK(inner.expired());
}

TEST_CASE("topological_order lists each node once, after every node with an edge to it") {
  auto x = randn({3}).requires_grad_();
  Tensor y = x;
  // Shared subgraphs (y is used twice per step) and a depth beyond any recursion's stack.
  for (int i = 0; i < 3000; ++i) y = i % 3 == 0 ? y * y + x : y.tanh() + y;
  const auto root = detail::gradient_edge(y.sum());
  const auto order = autograd::topological_order(root.get());
  std::map<const autograd::NodeBase*, std::size_t> at;
  for (std::size_t i = 0; i < order.size(); ++i) REQUIRE(at.emplace(order[i], i).second);
  CHECK(order.front() == root.get());
  std::size_t edges = 0, misplaced = 0, missing = 0;
  for (auto* n : order)
    for (auto& e : n->next) {
      if (!e) continue;
      ++edges;
      const auto it = at.find(e.get());
      if (it == at.end())
        ++missing;
      else if (it->second <= at.at(n))
        ++misplaced;
    }
  CHECK(edges >= order.size() - 1);
  CHECK(missing == 0);
  CHECK(misplaced == 0);

  // The engine's set of nodes: grows past its first table, finds each node, no other.
  autograd::NodeSet set;
  std::size_t fresh = 0, again = 0;
  for (auto* n : order) fresh += set.insert(n);
  for (auto* n : order) again += set.insert(n);
  CHECK(fresh == order.size());
  CHECK(again == 0);
  CHECK(set.size() == order.size());
  CHECK(std::all_of(order.begin(), order.end(), [&](auto* n) { return set.contains(n); }));
  const auto other = detail::gradient_edge((x * 2).sum());
  CHECK_FALSE(set.contains(other.get()));
  CHECK_FALSE(autograd::NodeSet().contains(root.get()));
}

}  // namespace TORCHLET_TEST_FILE
