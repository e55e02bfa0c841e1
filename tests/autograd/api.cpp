// The autograd API around backward(): grad_fn() and its names, retain_grad, register_hook,
// the grad-mode guards (EnableGradGuard, AutoGradMode, InferenceMode). The names are
// compared with tests/fixtures/autograd/grad_fn_names.txt (scripts/make_autograd_fixtures.py).
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include <torchlet/nn.hpp>
#include <torchlet/tensor.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

TEST_CASE("grad_fn names are PyTorch's") {
  auto a = tensor<float>({1.f, 2.f});
  a.requires_grad_();
  CHECK(a.grad_fn() == nullptr);  // a leaf
  auto m = tensor<float>({{1.f, 2.f}, {3.f, 4.f}});
  m.requires_grad_();
  auto w = tensor<float>({{1.f, 0.5f}, {2.f, 1.f}, {0.f, 1.f}});
  w.requires_grad_();
  auto b = tensor<float>({1.f, 2.f, 3.f});
  b.requires_grad_();
  // The same computations as scripts/make_autograd_fixtures.py, by case name.
  const std::map<std::string, std::function<std::string()>> cases = {
      {"add", [&] { return (a + a).grad_fn()->name(); }},
      {"mul", [&] { return (a * a).grad_fn()->name(); }},
      {"sub", [&] { return (a - a).grad_fn()->name(); }},
      {"div", [&] { return (a / a).grad_fn()->name(); }},
      {"neg", [&] { return (-a).grad_fn()->name(); }},
      {"sum", [&] { return a.sum().grad_fn()->name(); }},
      {"sum_dim", [&] { return m.sum(0).grad_fn()->name(); }},
      {"mean", [&] { return a.mean().grad_fn()->name(); }},
      {"mean_dim", [&] { return m.mean(0).grad_fn()->name(); }},
      {"exp", [&] { return a.exp().grad_fn()->name(); }},
      {"log", [&] { return a.log().grad_fn()->name(); }},
      {"tanh", [&] { return a.tanh().grad_fn()->name(); }},
      {"sigmoid", [&] { return a.sigmoid().grad_fn()->name(); }},
      {"relu", [&] { return a.relu().grad_fn()->name(); }},
      {"gelu", [&] { return a.gelu().grad_fn()->name(); }},
      {"pow", [&] { return a.pow(2.f).grad_fn()->name(); }},
      {"sqrt", [&] { return a.sqrt().grad_fn()->name(); }},
      {"abs", [&] { return a.abs().grad_fn()->name(); }},
      {"softmax", [&] { return a.softmax(0).grad_fn()->name(); }},
      {"log_softmax", [&] { return a.log_softmax(0).grad_fn()->name(); }},
      {"mm", [&] { return m.mm(m).grad_fn()->name(); }},
      {"linear", [&] { return nn::functional::linear(m, w, b).grad_fn()->name(); }},
      {"view",
       [&] {
         return a.view({2, 1}).grad_fn()->name();
       }},
      {"clone", [&] { return a.clone().grad_fn()->name(); }},
      {"unsqueeze", [&] { return a.unsqueeze(0).grad_fn()->name(); }},
      {"cat",
       [&] {
         return cat(std::vector<Tensor>{a, a}).grad_fn()->name();
       }},
      {"stack",
       [&] {
         return stack(std::vector<Tensor>{a, a}).grad_fn()->name();
       }},
      {"select", [&] { return a[0].grad_fn()->name(); }},
      {"permute",
       [&] {
         return m.permute({1, 0}).grad_fn()->name();
       }},
      {"transpose", [&] { return m.transpose(0, 1).grad_fn()->name(); }},
      {"t", [&] { return m.t().grad_fn()->name(); }},
      {"t_1d", [&] { return a.t().grad_fn()->name(); }},
      {"T", [&] { return m.T().grad_fn()->name(); }},
      {"mT", [&] { return m.mT().grad_fn()->name(); }},
      {"H", [&] { return m.H().grad_fn()->name(); }},
      {"clamp", [&] { return a.clamp(0.f, 1.f).grad_fn()->name(); }},
      {"max", [&] { return a.max().grad_fn()->name(); }},
      {"mse_loss", [&] { return nn::functional::mse_loss(a, a.detach()).grad_fn()->name(); }},
      {"leaky_relu", [&] { return nn::functional::leaky_relu(a).grad_fn()->name(); }},
      {"to_double", [&] { return a.to<double>().grad_fn()->name(); }},
  };
  std::ifstream in(TORCHLET_SOURCE_DIR "/tests/fixtures/autograd/grad_fn_names.txt");
  REQUIRE(in);
  std::string key, name;
  std::size_t n = 0;
  while (in >> key >> name) {
    INFO(key);
    REQUIRE(cases.count(key));
    CHECK(cases.at(key)() == name);
    ++n;
  }
  CHECK(n == cases.size());
  auto y = a * a;
  CHECK(y.grad_fn_name() == y.grad_fn()->name());
}

TEST_CASE("next_functions lead to the inputs' nodes") {
  auto a = tensor<float>({1.f, 2.f});
  a.requires_grad_();
  auto c = tensor<float>({3.f, 4.f});  // needs no gradient
  auto y = (a * 2.f).exp() * c;
  auto next = y.grad_fn()->next_functions();
  REQUIRE(next.size() == 2);
  CHECK(next[0]->name() == "ExpBackward0");
  CHECK(next[1] == nullptr);
  auto leaf = next[0]->next_functions()[0]->next_functions();
  REQUIRE(leaf.size() >= 1);
  CHECK(leaf[0]->name() == "AccumulateGrad");
  // The same AccumulateGrad for every use of a leaf, as PyTorch's `(a * a).grad_fn.next_functions`.
  auto sq = (a * a).grad_fn()->next_functions();
  CHECK(sq[0] == sq[1]);
}

TEST_CASE("retain_grad keeps a non-leaf's gradient and accumulates it") {
  auto a = tensor<float>({1.f, 2.f});
  a.requires_grad_();
  auto b = a * 2.f;
  CHECK_FALSE(b.retains_grad());
  b.retain_grad();
  CHECK(b.retains_grad());
  auto c = (b * b).sum();
  c.backward({}, true);
  CHECK(b.grad().to_vector() == std::vector<float>{4.f, 8.f});
  c.backward();
  CHECK(b.grad().to_vector() == std::vector<float>{8.f, 16.f});  // PyTorch 1.13: [8., 16.]
  CHECK(a.grad().to_vector() == std::vector<float>{16.f, 32.f});
  // Without retain_grad a non-leaf keeps no gradient.
  auto d = a * 3.f;
  (d * d).sum().backward();
  CHECK_FALSE(d.grad().defined());
  // A leaf: nothing to do; a tensor outside autograd: PyTorch's error.
  a.retain_grad();
  CHECK_FALSE(a.retains_grad());
  CHECK_THROWS_WITH(tensor<float>({1.f}).retain_grad(),
                    Catch::Contains("retain_grad") && Catch::Contains("requires_grad=False"));
}

TEST_CASE("retain_grad survives an in-place op on the tensor") {
  auto a = tensor<float>({1.f, 2.f});
  a.requires_grad_();
  auto b = a * 2.f;
  b.retain_grad();
  b.mul_(3.f);
  CHECK(b.retains_grad());
  b.sum().backward();
  CHECK(b.grad().to_vector() == std::vector<float>{1.f, 1.f});
  CHECK(a.grad().to_vector() == std::vector<float>{6.f, 6.f});
}

TEST_CASE("register_hook sees, replaces and stops seeing gradients") {
  auto a = tensor<float>({1.f, 2.f});
  a.requires_grad_();
  auto b = a * 2.f;
  std::vector<std::vector<float>> seen;
  auto h1 = b.register_hook([&](const Tensor& g) { seen.push_back(g.to_vector()); });
  // A hook that returns a tensor replaces the gradient for the rest of backward.
  auto h2 = b.register_hook([](const Tensor& g) { return g * 10.f; });
  b.retain_grad();  // retain_grad sees the gradient after every hook, as in PyTorch
  (b * b).sum().backward();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::vector<float>{4.f, 8.f});
  CHECK(b.grad().to_vector() == std::vector<float>{40.f, 80.f});
  CHECK(a.grad().to_vector() == std::vector<float>{80.f, 160.f});
  h1.remove();
  h2.remove();
  h2.remove();  // idempotent
  a.set_grad({});
  auto b2 = a * 2.f;
  (b2 * b2).sum().backward();
  CHECK(seen.size() == 1);
  CHECK(a.grad().to_vector() == std::vector<float>{8.f, 16.f});
}

TEST_CASE("register_hook on a leaf runs before accumulation") {
  auto a = tensor<float>({1.f, 2.f});
  a.requires_grad_();
  int calls = 0;
  auto h = a.register_hook([&](const Tensor& g) {
    ++calls;
    return g * 0.5f;
  });
  (a * 4.f).sum().backward();
  CHECK(calls == 1);
  CHECK(a.grad().to_vector() == std::vector<float>{2.f, 2.f});
  h.remove();
  (a * 4.f).sum().backward();
  CHECK(a.grad().to_vector() == std::vector<float>{6.f, 6.f});
}

TEST_CASE("register_hook: errors") {
  auto x = tensor<float>({1.f, 2.f});
  CHECK_THROWS_WITH(
      x.register_hook([](const Tensor&) {}),
      Catch::Contains("register_hook") && Catch::Contains("doesn't require gradient"));
  x.requires_grad_();
  auto y = x * 2.f;
  y.register_hook([](const Tensor&) { return ones<float>({3}); });
  CHECK_THROWS_WITH(y.sum().backward(), Catch::Contains("register_hook") &&
                                            Catch::Contains("MulBackward0") &&
                                            Catch::Contains("[2]") && Catch::Contains("[3]"));
}

TEST_CASE("EnableGradGuard and AutoGradMode restore the previous mode") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  {
    NoGradGuard no_grad;
    CHECK_FALSE((x * 2.f).requires_grad());
    {
      EnableGradGuard enable;
      CHECK(is_grad_enabled());
      CHECK((x * 2.f).requires_grad());
      {
        AutoGradMode off(false);
        CHECK_FALSE(is_grad_enabled());
        CHECK_FALSE((x * 2.f).requires_grad());
      }
      CHECK(is_grad_enabled());
    }
    CHECK_FALSE(is_grad_enabled());
    AutoGradMode on(true);
    CHECK((x * 2.f).requires_grad());
  }
  CHECK(is_grad_enabled());
}

TEST_CASE("InferenceMode records nothing, even under EnableGradGuard, and keeps versions") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  auto y = x * 2.f;
  auto z = y.exp();  // saves y
  {
    InferenceMode guard;
    CHECK(is_inference_mode_enabled());
    CHECK_FALSE(is_grad_enabled());
    CHECK_FALSE((x * 2.f).requires_grad());
    EnableGradGuard enable;  // PyTorch 1.13: grad mode on, still nothing recorded
    CHECK(is_grad_enabled());
    CHECK_FALSE((x * 2.f).requires_grad());
    {
      InferenceMode off(false);
      CHECK((x * 2.f).requires_grad());
    }
  }
  CHECK_FALSE(is_inference_mode_enabled());
  CHECK(is_grad_enabled());
  z.sum().backward();
  CHECK(x.grad().defined());
}

}  // namespace TORCHLET_TEST_FILE
