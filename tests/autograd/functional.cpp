// torch.autograd.functional (autograd::functional): jacobian, hessian, vjp, jvp, vhp and hvp of
// functions of one tensor and of a vector of tensors, against PyTorch
// (tests/fixtures/autograd/functional.safetensors, written by
// scripts/make_autograd_functional_fixtures.py), with create_graph, strict and the errors.
#include <cmath>
#include <string>
#include <vector>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>
#include <torchlet/tensor/autograd_functional.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using Catch::Contains;
using D = DoubleTensor;
using Ds = std::vector<DoubleTensor>;
namespace AF = autograd::functional;

const io::SafetensorsFile& fixtures() {
  static const io::SafetensorsFile f =
      io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/autograd/functional.safetensors");
  return f;
}

/// Tensor `what` of case `name` (float64).
D fixture(const std::string& name, const std::string& what) {
  return std::get<D>(fixtures().at(name + "/" + what)).clone();
}

/// got equals PyTorch's within float64 rounding (shape and every element).
void check_close(const std::string& what, const D& got, const D& want) {
  INFO(what);
  REQUIRE(got.defined());
  REQUIRE(to_string(got.shape()) == to_string(want.shape()));
  const auto g = got.contiguous().to_vector(), w = want.contiguous().to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i << ": got " << g[i] << ", PyTorch " << w[i]);
    CHECK(std::abs(g[i] - w[i]) <= 1e-10 * std::abs(w[i]) + 1e-12);
  }
}

// The fixture script's functions, written with torchlet's ops.
D weights() { return from_vector<double>({0.5, -1.0, 1.5, 0.25, -0.75, 2.0}, {3, 2}); }
D f_single(const D& x) { return (x.matmul(weights())).tanh() * x.sum(); }
Ds f_multi(const Ds& in) { return {(in[0] * in[1]).exp().sum(1), in[0].matmul(in[1]).tanh()}; }
D s_single(const D& x) { return (x.tanh() * x).sum() + x.matmul(weights()).pow(2.0).sum(); }
D s_multi(const Ds& in) {
  return (in[0].exp() * in[1]).sum() + (in[0] * in[0]).sum() * in[1].sum();
}
D s_poly(const D& x) {
  const auto xw = x.matmul(weights());
  return (x * x * x).sum() + (xw * xw).sum();
}

TEST_CASE("jacobian of a function of one tensor: out.shape + in.shape, PyTorch's values") {
  const auto x = fixture("jacobian_single", "input0");
  const D j = AF::jacobian(f_single, x);
  check_close("jacobian", j, fixture("jacobian_single", "result0_0"));
  CHECK_FALSE(j.requires_grad());  // detached without create_graph
  CHECK_FALSE(x.requires_grad());  // the input is left as it was
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("jacobian of a function of two tensors with two outputs: J[i][j] = d out_i / d in_j") {
  const Ds in{fixture("jacobian_multi", "input0"), fixture("jacobian_multi", "input1")};
  const auto j = AF::jacobian(f_multi, in);
  REQUIRE(j.size() == 2);
  for (std::size_t a = 0; a < 2; ++a) {
    REQUIRE(j[a].size() == 2);
    for (std::size_t b = 0; b < 2; ++b)
      check_close(
          "J[" + std::to_string(a) + "][" + std::to_string(b) + "]", j[a][b],
          fixture("jacobian_multi", "result" + std::to_string(a) + "_" + std::to_string(b)));
  }
  // One output: a vector over the inputs; one input: a vector over the outputs.
  const auto per_input = AF::jacobian([](const Ds& v) { return f_multi(v)[0]; }, in);
  REQUIRE(per_input.size() == 2);
  check_close("d out0 / d in1", per_input[1], fixture("jacobian_multi", "result0_1"));
  const auto per_output = AF::jacobian([&](const D& x) { return f_multi({x, in[1]}); }, in[0]);
  REQUIRE(per_output.size() == 2);
  check_close("d out1 / d in0", per_output[1], fixture("jacobian_multi", "result1_0"));
}

TEST_CASE("hessian of a scalar function of one and of two tensors") {
  const auto x = fixture("hessian_single", "input0");
  const D h = AF::hessian(s_single, x);
  check_close("hessian", h, fixture("hessian_single", "result0_0"));
  const Ds in{fixture("hessian_multi", "input0"), fixture("hessian_multi", "input1")};
  const auto hm = AF::hessian(s_multi, in);
  REQUIRE(hm.size() == 2);
  for (std::size_t a = 0; a < 2; ++a)
    for (std::size_t b = 0; b < 2; ++b)
      check_close("H[" + std::to_string(a) + "][" + std::to_string(b) + "]", hm[a][b],
                  fixture("hessian_multi", "result" + std::to_string(a) + "_" + std::to_string(b)));
}

TEST_CASE("vjp, jvp, vhp and hvp give f's result and PyTorch's products") {
  {
    const auto x = fixture("vjp", "input0");
    const auto [out, r] = AF::vjp(f_single, x, fixture("vjp", "v0"));
    check_close("vjp output", out, fixture("vjp", "out0"));
    check_close("vjp", r, fixture("vjp", "result0_0"));
  }
  {
    const auto x = fixture("jvp", "input0");
    const auto [out, r] = AF::jvp(f_single, x, fixture("jvp", "v0"));
    check_close("jvp output", out, fixture("jvp", "out0"));
    check_close("jvp", r, fixture("jvp", "result0_0"));
  }
  {
    const Ds in{fixture("jvp_multi", "input0"), fixture("jvp_multi", "input1")};
    const auto [outs, r] =
        AF::jvp(f_multi, in, Ds{fixture("jvp_multi", "v0"), fixture("jvp_multi", "v1")});
    REQUIRE(outs.size() == 2);
    REQUIRE(r.size() == 2);
    for (std::size_t a = 0; a < 2; ++a) {
      check_close("jvp output", outs[a], fixture("jvp_multi", "out" + std::to_string(a)));
      check_close("jvp", r[a], fixture("jvp_multi", "result" + std::to_string(a) + "_0"));
    }
  }
  for (const std::string name : {"vhp", "hvp"}) {
    const auto x = fixture(name, "input0");
    const auto v = fixture(name, "v0");
    const auto [out, r] = name == "vhp" ? AF::vhp(s_single, x, v) : AF::hvp(s_single, x, v);
    check_close(name + " output", out, fixture(name, "out0"));
    check_close(name, r, fixture(name, "result0_0"));
  }
  {
    const Ds in{fixture("hvp_multi", "input0"), fixture("hvp_multi", "input1")};
    const auto [out, r] =
        AF::hvp(s_multi, in, Ds{fixture("hvp_multi", "v0"), fixture("hvp_multi", "v1")});
    check_close("hvp output", out, fixture("hvp_multi", "out0"));
    REQUIRE(r.size() == 2);
    for (std::size_t a = 0; a < 2; ++a)
      check_close("hvp", r[a], fixture("hvp_multi", "result" + std::to_string(a) + "_0"));
  }
}

TEST_CASE("v may be left out where PyTorch allows it: a one-element output (vjp) or input") {
  const auto x = from_vector<double>({0.3}, {1});
  const auto cube = [](const D& v) { return v * v * v; };
  CHECK(AF::vjp(cube, x).second.item() == Approx(3 * 0.3 * 0.3));
  CHECK(AF::jvp(cube, x).second.item() == Approx(3 * 0.3 * 0.3));
  CHECK(AF::vhp([&](const D& v) { return cube(v).sum(); }, x).second.item() == Approx(6 * 0.3));
  CHECK(AF::hvp([&](const D& v) { return cube(v).sum(); }, x).second.item() == Approx(6 * 0.3));
  const auto x3 = from_vector<double>({1, 2, 3}, {3});
  CHECK_THROWS_WITH(AF::vjp(cube, x3),
                    Contains("autograd::functional::vjp: v can be left out only when the output"));
  CHECK_THROWS_WITH(AF::jvp(cube, x3),
                    Contains("autograd::functional::jvp: v can be left out only when the input"));
}

TEST_CASE("create_graph: the jacobian and the hessian can be differentiated again") {
  {
    auto x = fixture("jacobian_create_graph", "input0").requires_grad_();
    const D j = AF::jacobian(f_single, x, {.create_graph = true});
    REQUIRE(j.requires_grad());
    j.sum().backward();
    check_close("d sum(J) / d x", x.grad(), fixture("jacobian_create_graph", "result0_0"));
  }
  {
    auto x = fixture("hessian_create_graph", "input0").requires_grad_();
    AF::hessian(s_poly, x, {.create_graph = true}).sum().backward();
    check_close("d sum(H) / d x", x.grad(), fixture("hessian_create_graph", "result0_0"));
  }
  // Third derivatives of tanh are not recorded: the error names the node.
  auto x = fixture("hessian_single", "input0").requires_grad_();
  CHECK_THROWS_WITH(AF::hessian(s_single, x, {.create_graph = true}),
                    Contains("is not differentiable yet"));
}

TEST_CASE("an output independent of an input: zeros, or an error under strict") {
  const auto x = from_vector<double>({1, 2}, {2});
  const auto y = from_vector<double>({3, 4, 5}, {3});
  const auto f = [](const Ds& in) { return in[0] * 2.0; };  // ignores in[1]
  const auto j = AF::jacobian(f, Ds{x, y});
  check_close("d out / d y", j[1], zeros<double>({2, 3}));
  check_close("d out / d x", j[0], from_vector<double>({2, 0, 0, 2}, {2, 2}));
  CHECK_THROWS_WITH(AF::jacobian(f, Ds{x, y}, {.strict = true}),
                    Contains("autograd::functional::jacobian: output 0 of the user-provided "
                             "function is independent of input 1"));
  const auto constant = [](const D& v) { return v.detach() * 2.0; };
  check_close("constant", AF::jacobian(constant, x), zeros<double>({2, 2}));
  CHECK_THROWS_WITH(AF::jacobian(constant, x, {.strict = true}),
                    Contains("output 0 of the user-provided function does not require gradients"));
  const auto [out, r] = AF::vjp(f, Ds{x, y}, D(ones<double>({2})));
  check_close("vjp of the ignored input", r[1], zeros<double>({3}));
  CHECK_THROWS_WITH(AF::vjp(f, Ds{x, y}, D(ones<double>({2})), {.strict = true}),
                    Contains("independent of input 1"));
  const auto linear = [](const D& v) { return (v * 3.0).sum(); };  // zero Hessian
  check_close("hessian of a linear function", AF::hessian(linear, x), zeros<double>({2, 2}));
  check_close("hvp of a linear function", AF::hvp(linear, x, x).second, zeros<double>({2}));
}

TEST_CASE("bad arguments get errors naming the function and what was expected") {
  const auto x = from_vector<double>({1, 2}, {2});
  const auto sq = [](const D& v) { return v * v; };
  CHECK_THROWS_WITH(AF::vjp(sq, x, D(ones<double>({3}))),
                    Contains("autograd::functional::vjp: mismatch in shape: v[0] has a shape of "
                             "[3] and output[0] has a shape of [2]"));
  CHECK_THROWS_WITH(AF::jvp(sq, x, D(ones<double>({2, 1}))),
                    Contains("autograd::functional::jvp: mismatch in shape: v[0] has a shape of "
                             "[2, 1] and input[0] has a shape of [2]"));
  CHECK_THROWS_WITH(AF::jvp([](const Ds& v) { return v[0]; }, Ds{x, x}, Ds{x}),
                    Contains("v has 1 tensors, expected 2 (one per input)"));
  CHECK_THROWS_WITH(AF::hessian(sq, x),
                    Contains("autograd::functional::hessian: the tensor the function returns "
                             "should contain a single element, got shape [2]"));
  CHECK_THROWS_WITH(AF::vhp(sq, x, x), Contains("autograd::functional::vhp: the tensor the "
                                                "function returns should contain a single"));
  CHECK_THROWS_WITH(AF::jacobian(sq, D()), Contains("input 0 is an undefined tensor"));
  CHECK_THROWS_WITH(AF::jacobian([](const Ds& v) { return v[0]; }, Ds{}),
                    Contains("autograd::functional::jacobian: no inputs given"));
}

TEST_CASE("jvp with create_graph names the node whose backward cannot be differentiated") {
  // jvp's double backward trick differentiates f's backward; with create_graph that second
  // backward is recorded too, which needs tanh's third derivative: not recorded, so it throws.
  const auto x = from_vector<double>({0.1, 0.2}, {2});
  CHECK_THROWS_WITH(AF::jvp([](const D& v) { return v.tanh(); }, x, x, {.create_graph = true}),
                    Contains("autograd::functional::jvp: autograd::grad(create_graph=true): the "
                             "backward of TanhBackwardBackward0 is not differentiable yet (jvp's "
                             "double backward trick differentiates f's backward)"));
  // Without create_graph it runs.
  const auto [out, r] = AF::jvp([](const D& v) { return v.tanh(); }, x, x);
  check_close("jvp of tanh", r, x * (1.0 - out * out));
}

}  // namespace TORCHLET_TEST_FILE
