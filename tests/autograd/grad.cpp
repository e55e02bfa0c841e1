// autograd::grad (torch.autograd.grad): gradients returned, not accumulated; grad_outputs,
// retain_graph, allow_unused, create_graph, and PyTorch's errors.
#include <torchlet/tensor.hpp>
#include <torchlet/tensor/autograd_function.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

// x^3 whose backward is written with tensor ops (differentiable again).
struct Cube : autograd::Function<Cube> {
  static DoubleTensor forward(autograd::BasicAutogradContext<double>* ctx, const DoubleTensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static std::vector<DoubleTensor> backward(autograd::BasicAutogradContext<double>* ctx,
                                            std::vector<DoubleTensor> g) {
    auto x = ctx->get_saved_variables()[0];
    return {g[0] * x * x * 3.0};
  }
};

TEST_CASE("grad returns the gradients and leaves grad() alone") {
  auto x = tensor<float>({1.f, 2.f, 3.f});
  x.requires_grad_();
  auto y = (x * x).sum();
  auto g = autograd::grad({y}, {x});
  REQUIRE(g.size() == 1);
  CHECK(g[0].to_vector() == std::vector<float>{2.f, 4.f, 6.f});
  CHECK_FALSE(g[0].requires_grad());
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("grad with several outputs, inputs and grad_outputs") {
  auto a = tensor<float>({1.f, 2.f});
  auto b = tensor<float>({3.f, 4.f});
  a.requires_grad_();
  b.requires_grad_();
  auto y1 = a * b;
  auto y2 = a + b * 2.f;
  auto g =
      autograd::grad({y1, y2}, {a, b}, {tensor<float>({1.f, 1.f}), tensor<float>({10.f, 100.f})});
  // d/da = g1 * b + g2; d/db = g1 * a + 2 g2
  CHECK(g[0].to_vector() == std::vector<float>{13.f, 104.f});
  CHECK(g[1].to_vector() == std::vector<float>{21.f, 202.f});
  // The vector form and the same tensor twice among the inputs.
  std::vector<Tensor> outs{(a * a).sum()};
  auto g2 = autograd::grad(outs, {a, a});
  CHECK(g2[0].to_vector() == std::vector<float>{2.f, 4.f});
  CHECK(g2[1].to_vector() == std::vector<float>{2.f, 4.f});
}

TEST_CASE("grad with respect to a non-leaf runs only what leads to it") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  int below = 0;
  x.register_hook([&](const Tensor&) { ++below; });
  auto y = x * 2.f;
  auto z = (y * y).sum();
  auto g = autograd::grad({z}, {y});
  CHECK(g[0].to_vector() == std::vector<float>{4.f, 8.f});  // 2 y
  CHECK(below == 0);
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("grad: allow_unused") {
  auto x = tensor<float>({1.f, 2.f});
  auto unused = tensor<float>({3.f});
  x.requires_grad_();
  unused.requires_grad_();
  auto y = (x * 3.f).sum();
  CHECK_THROWS_WITH(autograd::grad({y}, {x, unused}, {}, true),
                    Catch::Contains("One of the differentiated Tensors appears to not have been "
                                    "used in the graph. Set allow_unused=True"));
  auto g = autograd::grad({y}, {x, unused}, {}, std::nullopt, false, true);
  CHECK(g[0].to_vector() == std::vector<float>{3.f, 3.f});
  CHECK_FALSE(g[1].defined());
}

TEST_CASE("grad: retain_graph") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  auto y = (x.exp() * x).sum();
  auto g1 = autograd::grad({y}, {x}, {}, true);
  auto g2 = autograd::grad({y}, {x}, {}, true);
  CHECK(g1[0].to_vector() == g2[0].to_vector());
  autograd::grad({y}, {x});  // frees the graph
  CHECK_THROWS_WITH(autograd::grad({y}, {x}),
                    Catch::Contains("backward through the graph a second time"));
  CHECK_THROWS_WITH(y.backward(), Catch::Contains("backward through the graph a second time"));
}

TEST_CASE("grad: errors") {
  auto x = tensor<float>({1.f, 2.f});
  auto plain = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  auto y = x * 2.f;
  CHECK_THROWS_WITH(autograd::grad({plain.sum()}, {x}),
                    Catch::Contains("element 0 of tensors does not require grad"));
  CHECK_THROWS_WITH(autograd::grad({y.sum()}, {plain}),
                    Catch::Contains("One of the differentiated Tensors does not require grad"));
  CHECK_THROWS_WITH(autograd::grad({y}, {x}),
                    Catch::Contains("grad can be implicitly created only for scalar outputs") &&
                        Catch::Contains("[2]"));
  CHECK_THROWS_WITH(autograd::grad({y}, {x}, {ones<float>({3})}),
                    Catch::Contains("Mismatch in shape: grad_output[0] has a shape of [3] and "
                                    "output[0] has a shape of [2]"));
  CHECK_THROWS_WITH(autograd::grad({y, y}, {x}, {ones<float>({2})}),
                    Catch::Contains("2 outputs and 1 grad_outputs"));
}

TEST_CASE("grad: create_graph through a Function whose backward is made of tensor ops") {
  auto x = tensor<double>({1.0, -2.0, 0.5});
  x.requires_grad_();
  auto y = Cube::apply(x);
  auto g = autograd::grad({y}, {x}, {ones<double>({3})}, std::nullopt, true);
  REQUIRE(g[0].requires_grad());
  CHECK(g[0].to_vector() == std::vector<double>{3.0, 12.0, 0.75});  // 3 x^2
  auto gg = autograd::grad({g[0].sum()}, {x});
  CHECK(gg[0].to_vector() == std::vector<double>{6.0, -12.0, 3.0});  // 6 x
  CHECK_FALSE(x.grad().defined());
}

}  // namespace TORCHLET_TEST_FILE
