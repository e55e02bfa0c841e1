// Custom ops (autograd::Function): forward/backward, the context (save_for_backward,
// get_saved_variables, needs_input_grad, mark_non_differentiable, saved_data), node names,
// gradchecks in float64 and PyTorch's errors.
#include <torchlet/tensor.hpp>
#include <torchlet/tensor/autograd_function.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using autograd::BasicAutogradContext;

// exp with its output saved (as PyTorch's docs example).
struct MyExp : autograd::Function<MyExp> {
  template <class T>
  static BasicTensor<T> forward(BasicAutogradContext<T>* ctx, const BasicTensor<T>& x) {
    auto y = x.exp();
    ctx->save_for_backward({y});
    return y;
  }
  template <class T>
  static std::vector<BasicTensor<T>> backward(BasicAutogradContext<T>* ctx,
                                              std::vector<BasicTensor<T>> grads) {
    return {grads[0] * ctx->get_saved_variables()[0]};
  }
};

std::vector<bool> last_needs;  // needs_input_grad as seen by MulAdd's backward

// (a, b, s) -> (a * b, a + s * b): two tensor inputs, a scalar, two outputs.
struct MulAdd : autograd::Function<MulAdd> {
  static std::vector<DoubleTensor> forward(BasicAutogradContext<double>* ctx, const DoubleTensor& a,
                                           const DoubleTensor& b, double s) {
    ctx->save_for_backward({a, b});
    ctx->saved_data["s"] = s;
    return {a * b, a + b * s};
  }
  static std::vector<DoubleTensor> backward(BasicAutogradContext<double>* ctx,
                                            std::vector<DoubleTensor> g) {
    last_needs = {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2)};
    const auto saved = ctx->get_saved_variables();
    const double s = std::any_cast<double>(ctx->saved_data.at("s"));
    DoubleTensor ga, gb;
    if (ctx->needs_input_grad(0)) ga = g[0] * saved[1] + g[1];
    if (ctx->needs_input_grad(1)) gb = g[0] * saved[0] + g[1] * s;
    return {ga, gb, DoubleTensor()};
  }
};

// (x) -> (2 x, a 0/1 mask of x > 0): the mask is marked non-differentiable.
struct TwiceAndMask : autograd::Function<TwiceAndMask> {
  static std::vector<Tensor> forward(autograd::AutogradContext* ctx, const Tensor& x) {
    auto mask = (x > 0.f).to<float>();
    ctx->mark_non_differentiable({mask});
    return {x * 2.f, mask};
  }
  static std::vector<Tensor> backward(autograd::AutogradContext*, std::vector<Tensor> g) {
    CHECK(g[1].defined());  // zeros for the non-differentiable output
    CHECK(g[1].abs().sum().item() == 0.f);
    return {g[0] * 2.f};
  }
};

struct WrongCount : autograd::Function<WrongCount> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x * 2.f; }
  static std::vector<Tensor> backward(autograd::AutogradContext*, std::vector<Tensor> g) {
    return {g[0], g[0]};
  }
};

struct WrongShape : autograd::Function<WrongShape> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x * 2.f; }
  static std::vector<Tensor> backward(autograd::AutogradContext*, std::vector<Tensor> g) {
    return {g[0].sum()};
  }
};

struct Identity : autograd::Function<Identity> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x; }
  static std::vector<Tensor> backward(autograd::AutogradContext*, std::vector<Tensor> g) {
    return {g[0]};
  }
};

TEST_CASE("Function: a custom exp has its node, its gradient and passes gradcheck") {
  auto x = tensor<float>({0.f, 1.f, -1.f});
  x.requires_grad_();
  auto y = MyExp::apply(x);
  REQUIRE(y.grad_fn() != nullptr);
  CHECK(y.grad_fn()->name() == "MyExpBackward");
  CHECK(y.grad_fn()->next_functions()[0]->name() == "AccumulateGrad");
  y.sum().backward();
  const auto e = x.detach().exp().to_vector();
  CHECK(x.grad().to_vector() == e);
  auto xd = randn<double>({2, 3}).requires_grad_();
  CHECK(autograd::gradcheck([](const DoubleTensor& v) { return MyExp::apply(v); }, {xd}));
  // Used in a larger graph, before and after other ops.
  CHECK(autograd::gradcheck(
      [](const DoubleTensor& v) { return (MyExp::apply(v * 2.0).tanh() * v).sum(); }, {xd}));
}

TEST_CASE("Function: two inputs, a scalar argument, two outputs") {
  auto a = randn<double>({2, 3}).requires_grad_();
  auto b = randn<double>({2, 3}).requires_grad_();
  auto outs = MulAdd::apply(a, b, 3.0);
  REQUIRE(outs.size() == 2);
  CHECK(outs[0].grad_fn()->name() == "MulAddBackward");
  CHECK(outs[1].grad_fn()->name() == "MulAddBackward");
  CHECK(autograd::gradcheck(
      [](const DoubleTensor& p, const DoubleTensor& q) {
        auto o = MulAdd::apply(p, q, 3.0);
        return o[0] * 2.0 + o[1].exp();
      },
      {a, b}));
  // One output used: the other's gradient is zero.
  CHECK(autograd::gradcheck(
      [](const DoubleTensor& p, const DoubleTensor& q) { return MulAdd::apply(p, q, 0.5)[1]; },
      {a, b}));
  CHECK(last_needs == std::vector<bool>{true, true, false});
  // needs_input_grad follows which inputs require grad.
  auto c = randn<double>({2, 3});
  MulAdd::apply(a, c, 1.0)[0].sum().backward();
  CHECK(last_needs == std::vector<bool>{true, false, false});
  CHECK_THROWS_AS(BasicAutogradContext<double>().needs_input_grad(0), std::out_of_range);
}

TEST_CASE("Function: mark_non_differentiable") {
  auto x = tensor<float>({-1.f, 2.f, 3.f});
  x.requires_grad_();
  auto outs = TwiceAndMask::apply(x);
  CHECK(outs[0].requires_grad());
  CHECK_FALSE(outs[1].requires_grad());
  CHECK(outs[1].to_vector() == std::vector<float>{0.f, 1.f, 1.f});
  (outs[0] * outs[1]).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{0.f, 2.f, 2.f});
}

TEST_CASE("Function: nothing is recorded without an input that requires grad or under no_grad") {
  auto x = tensor<float>({1.f});
  CHECK(MyExp::apply(x).grad_fn() == nullptr);
  x.requires_grad_();
  NoGradGuard no_grad;
  CHECK_FALSE(MyExp::apply(x).requires_grad());
}

TEST_CASE("Function: an input returned as is gets a new history; the input keeps its own") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  auto y = Identity::apply(x);
  CHECK(x.is_leaf());
  CHECK(y.grad_fn()->name() == "IdentityBackward");
  (y * 3.f).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{3.f, 3.f});
}

TEST_CASE("Function: PyTorch's errors") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  // A saved tensor modified in place before backward.
  auto y = MyExp::apply(x);
  y.mul_(2.f);
  CHECK_THROWS_WITH(y.sum().backward(), Catch::Contains("modified by an inplace operation") &&
                                            Catch::Contains("MyExpBackward"));
  CHECK_THROWS_WITH(WrongCount::apply(x).sum().backward(),
                    Catch::Contains("WrongCountBackward") &&
                        Catch::Contains("incorrect number of gradients (expected 1, got 2)"));
  CHECK_THROWS_WITH(WrongShape::apply(x).sum().backward(),
                    Catch::Contains("WrongShapeBackward") && Catch::Contains("invalid gradient") &&
                        Catch::Contains("[2]"));
  // The graph is freed after backward, as for built-in ops.
  auto z = MyExp::apply(x).sum();
  z.backward();
  CHECK_THROWS_WITH(z.backward(), Catch::Contains("second time"));
}

}  // namespace TORCHLET_TEST_FILE
