// PyTorch parity: every op's output and input gradients match the values PyTorch
// computed (tests/fixtures/tensor/ops.txt, written by scripts/make_tensor_fixtures.py),
// to a relative 1e-5 (float32) with an absolute floor of 1e-6 for values near zero.
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <torchlet/tensor.hpp>

#include "catch.hpp"

using namespace torchlet;

namespace {

struct Fixture {
  std::string name;
  std::vector<Tensor> inputs;
  std::vector<LongTensor> indices;
  std::vector<BoolTensor> masks;
  std::vector<double> output, output_index;
  Shape output_shape, output_index_shape;
  bool has_output = false, has_output_index = false;
  Tensor grad_output;
  std::vector<std::optional<std::vector<double>>> grads;
};

// "<ndim> <dims...> <values...>" after the tag.
template <class T>
BasicTensor<T> read_tensor(std::istringstream& in) {
  std::int64_t nd;
  in >> nd;
  Shape s(static_cast<std::size_t>(nd));
  for (auto& d : s) in >> d;
  std::vector<T> v(static_cast<std::size_t>(detail::numel_of(s)));
  for (std::size_t i = 0; i < v.size(); ++i) {  // (not a range-for: std::vector<bool>)
    double d;
    in >> d;
    v[i] = static_cast<T>(d);
  }
  if (!in) throw std::runtime_error("ops.txt: malformed tensor line");
  return from_vector(v, s);
}

std::vector<Fixture> load_fixtures() {
  std::ifstream file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/ops.txt");
  if (!file) throw std::runtime_error("cannot open tests/fixtures/tensor/ops.txt");
  std::vector<Fixture> out;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "case") {
      out.emplace_back();
      in >> out.back().name;
      continue;
    }
    auto& f = out.back();
    if (tag == "input")
      f.inputs.push_back(read_tensor<float>(in));
    else if (tag == "index")
      f.indices.push_back(read_tensor<std::int64_t>(in));
    else if (tag == "mask")
      f.masks.push_back(read_tensor<bool>(in));
    else if (tag == "output" || tag == "output_index") {
      auto t = read_tensor<double>(in);
      (tag == "output" ? f.output : f.output_index) = t.to_vector();
      (tag == "output" ? f.output_shape : f.output_index_shape) = t.shape();
      (tag == "output" ? f.has_output : f.has_output_index) = true;
    } else if (tag == "grad_output") {
      f.grad_output = read_tensor<float>(in);
    } else if (tag == "grad") {
      std::string rest;
      if (line == "grad none")
        f.grads.emplace_back(std::nullopt);
      else
        f.grads.emplace_back(read_tensor<double>(in).to_vector());
    } else if (tag != "end") {
      throw std::runtime_error("ops.txt: unknown tag " + tag);
    }
  }
  return out;
}

// The result of one case: a float tensor (or a float64 one) and/or an int64 tensor.
struct Result {
  Tensor out;
  DoubleTensor out_double;
  LongTensor index;
};
using Fn = std::function<Result(const Fixture&)>;
using V = std::vector<Tensor>;

Result R(Tensor t) { return {t, {}, {}}; }

std::map<std::string, Fn> ops() {
  std::map<std::string, Fn> m;
  auto unary = [&](const char* name, std::function<Tensor(const Tensor&)> f) {
    m[name] = [f](const Fixture& c) { return R(f(c.inputs[0])); };
  };
  auto binary = [&](const char* name, std::function<Tensor(const Tensor&, const Tensor&)> f) {
    m[name] = [f](const Fixture& c) { return R(f(c.inputs[0], c.inputs[1])); };
  };
  for (auto n : {"add", "add_row", "add_col", "add_3d"})
    binary(n, [](auto& a, auto& b) { return a + b; });
  unary("add_scalar", [](auto& a) { return a + 2.5; });
  unary("rsub_scalar", [](auto& a) { return 2.5 - a; });
  for (auto n : {"sub", "sub_broadcast"}) binary(n, [](auto& a, auto& b) { return a - b; });
  for (auto n : {"mul", "mul_broadcast"}) binary(n, [](auto& a, auto& b) { return a * b; });
  unary("mul_scalar", [](auto& a) { return a * -1.5; });
  for (auto n : {"div", "div_broadcast"}) binary(n, [](auto& a, auto& b) { return a / b; });
  unary("div_scalar", [](auto& a) { return a / 4.0; });
  unary("rdiv_scalar", [](auto& a) { return 2.0 / a; });
  unary("neg", [](auto& a) { return -a; });
  m["addcmul"] = [](const Fixture& c) {
    return R(addcmul(c.inputs[0], c.inputs[1], c.inputs[2], 0.5f));
  };
  m["addcmul_broadcast"] = [](const Fixture& c) {
    return R(addcmul(c.inputs[0], c.inputs[1], c.inputs[2]));
  };
  unary("abs", [](auto& a) { return a.abs(); });
  unary("exp", [](auto& a) { return a.exp(); });
  unary("log", [](auto& a) { return a.log(); });
  unary("log1p", [](auto& a) { return a.log1p(); });
  unary("sqrt", [](auto& a) { return a.sqrt(); });
  unary("rsqrt", [](auto& a) { return a.rsqrt(); });
  unary("pow2", [](auto& a) { return a.pow(2.f); });
  unary("pow3", [](auto& a) { return a.pow(3.f); });
  unary("pow_neg_half", [](auto& a) { return a.pow(-0.5f); });
  unary("sin", [](auto& a) { return a.sin(); });
  unary("cos", [](auto& a) { return a.cos(); });
  unary("tanh", [](auto& a) { return a.tanh(); });
  unary("sigmoid", [](auto& a) { return a.sigmoid(); });
  unary("relu", [](auto& a) { return a.relu(); });
  unary("gelu", [](auto& a) { return a.gelu(); });
  unary("gelu_tanh", [](auto& a) { return a.gelu("tanh"); });
  unary("clamp", [](auto& a) { return a.clamp(-0.5f, 0.5f); });
  unary("clamp_min", [](auto& a) { return a.clamp(0.1f); });
  unary("clamp_max", [](auto& a) { return a.clamp(std::nullopt, 0.1f); });
  m["where"] = [](const Fixture& c) { return R(where(c.masks[0], c.inputs[0], c.inputs[1])); };
  binary("mm", [](auto& a, auto& b) { return mm(a, b); });
  for (auto n : {"matmul_dot", "matmul_mv", "matmul_vm", "matmul_batch_broadcast", "matmul_3d_2d",
                 "matmul_2d_3d"})
    binary(n, [](auto& a, auto& b) { return matmul(a, b); });
  binary("bmm", [](auto& a, auto& b) { return bmm(a, b); });
  m["addmm"] = [](const Fixture& c) { return R(addmm(c.inputs[0], c.inputs[1], c.inputs[2])); };
  m["addmm_beta_alpha"] = [](const Fixture& c) {
    return R(addmm(c.inputs[0], c.inputs[1], c.inputs[2], 0.5f, -2.f));
  };
  unary("sum", [](auto& a) { return a.sum(); });
  unary("sum_dim0", [](auto& a) { return a.sum(0); });
  unary("sum_dim1_keepdim", [](auto& a) { return a.sum(1, true); });
  unary("mean", [](auto& a) { return a.mean(); });
  unary("mean_dim", [](auto& a) { return a.mean(-1); });
  unary("max", [](auto& a) { return a.max(); });
  unary("min", [](auto& a) { return a.min(); });
  unary("max_ties", [](auto& a) { return a.max(); });
  m["max_dim"] = [](const Fixture& c) {
    auto [v, i] = c.inputs[0].max(1);
    return Result{v, {}, i};
  };
  m["min_dim_keepdim"] = [](const Fixture& c) {
    auto r = c.inputs[0].min(1, true);
    return Result{r.values, {}, r.indices};
  };
  unary("var", [](auto& a) { return a.var(); });
  unary("var_dim", [](auto& a) { return a.var(1); });
  unary("var_biased_keepdim", [](auto& a) { return a.var(0, false, true); });
  unary("std", [](auto& a) { return a.std(); });
  unary("std_dim_keepdim", [](auto& a) { return a.std(1, true, true); });
  unary("logsumexp", [](auto& a) { return a.logsumexp(1); });
  unary("logsumexp_keepdim", [](auto& a) { return logsumexp(a, 0, true); });
  unary("norm", [](auto& a) { return a.norm(); });
  unary("norm1", [](auto& a) { return a.norm(1); });
  unary("norm3", [](auto& a) { return a.norm(3); });
  unary("norm_inf", [](auto& a) { return a.norm(INFINITY); });
  unary("norm_dim", [](auto& a) { return a.norm(2, 1); });
  unary("softmax", [](auto& a) { return a.softmax(1); });
  unary("softmax_dim0", [](auto& a) { return softmax(a, 0); });
  unary("log_softmax", [](auto& a) { return a.log_softmax(1); });
  unary("reshape", [](auto& a) { return a.reshape({4, -1}); });
  unary("flatten", [](auto& a) { return a.flatten(1); });
  unary("squeeze_unsqueeze", [](auto& a) { return a.squeeze().unsqueeze(0); });
  unary("transpose", [](auto& a) { return a.transpose(0, 2); });
  unary("t", [](auto& a) { return a.t(); });
  unary("permute", [](auto& a) { return a.permute({2, 0, 1}); });
  binary("cat0", [](auto& a, auto& b) { return cat(V{a, b}, 0); });
  binary("cat1", [](auto& a, auto& b) { return cat(V{a, b, a}, 1); });
  binary("stack0", [](auto& a, auto& b) { return stack(V{a, b}, 0); });
  binary("stack2", [](auto& a, auto& b) { return stack(V{a, b}, 2); });
  auto weighted_cat = [](std::vector<Tensor> parts, std::int64_t dim) {
    for (std::size_t i = 0; i < parts.size(); ++i) parts[i] = parts[i] * static_cast<float>(i + 1);
    return cat(parts, dim);
  };
  unary("split", [=](auto& a) { return weighted_cat(a.split(2, 0), 0); });
  unary("split_sizes", [=](auto& a) { return weighted_cat(a.split({1, 3, 1}, 1), 1); });
  unary("chunk", [=](auto& a) { return weighted_cat(a.chunk(3, 1), 1); });
  m["index_select"] = [](const Fixture& c) { return R(c.inputs[0].index_select(1, c.indices[0])); };
  unary("narrow", [](auto& a) { return a.narrow(1, 1, 2); });
  unary("slice_step", [](auto& a) { return a.slice(1, 1, 7, 3); });
  unary("select", [](auto& a) { return a.select(1, -1); });
  m["to_double"] = [](const Fixture& c) {
    return Result{{}, c.inputs[0].template to<double>() * 3.0, {}};
  };
  m["argmax_dim"] = [](const Fixture& c) { return Result{{}, {}, c.inputs[0].argmax(1)}; };
  m["argmin_dim_keepdim"] = [](const Fixture& c) {
    return Result{{}, {}, c.inputs[0].argmin(0, true)};
  };
  m["argmax_all"] = [](const Fixture& c) { return Result{{}, {}, c.inputs[0].argmax()}; };
  m["linspace"] = [](const Fixture&) { return R(linspace(-3.f, 10.f, 11)); };
  m["linspace_even"] = [](const Fixture&) { return R(linspace(0.f, 1.f, 8)); };
  m["eye"] = [](const Fixture&) { return R(eye(3, 4)); };
  m["arange"] = [](const Fixture&) { return R(arange(-1.f, 2.f, 0.3f)); };
  return m;
}

bool close(double got, double want) { return std::abs(got - want) <= 1e-5 * std::abs(want) + 1e-6; }

void check_values(const std::string& what, const std::vector<double>& got,
                  const std::vector<double>& want) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", PyTorch " << want[i]);
    CHECK(close(got[i], want[i]));
  }
}

template <class U>
std::vector<double> as_double(const BasicTensor<U>& t) {
  std::vector<double> v;
  for (auto x : t.to_vector()) v.push_back(static_cast<double>(x));
  return v;
}

}  // namespace

TEST_CASE("every op matches PyTorch's outputs and gradients") {
  const auto fixtures = load_fixtures();
  const auto table = ops();
  REQUIRE(fixtures.size() >= 90);
  for (const auto& c : fixtures) {
    INFO("case " << c.name);
    auto it = table.find(c.name);
    REQUIRE(it != table.end());
    for (auto& x : c.inputs) {
      x.set_grad({});
      x.requires_grad_();
    }
    const Result r = it->second(c);
    if (c.has_output) {
      if (r.out_double.defined()) {
        CHECK(r.out_double.shape() == c.output_shape);
        check_values("output", as_double(r.out_double), c.output);
      } else {
        REQUIRE(r.out.defined());
        CHECK(r.out.shape() == c.output_shape);
        check_values("output", as_double(r.out), c.output);
      }
    }
    if (c.has_output_index) {
      REQUIRE(r.index.defined());
      CHECK(r.index.shape() == c.output_index_shape);
      check_values("indices", as_double(r.index), c.output_index);
    }
    if (c.grad_output.defined()) {
      if (r.out_double.defined())
        r.out_double.backward(c.grad_output.to<double>());
      else
        r.out.backward(c.grad_output);
      REQUIRE(c.grads.size() == c.inputs.size());
      for (std::size_t i = 0; i < c.inputs.size(); ++i) {
        INFO("gradient of input " << i);
        if (!c.grads[i]) {
          CHECK_FALSE(c.inputs[i].grad().defined());
          continue;
        }
        REQUIRE(c.inputs[i].grad().defined());
        CHECK(c.inputs[i].grad().shape() == c.inputs[i].shape());
        check_values("gradient", as_double(c.inputs[i].grad()), *c.grads[i]);
      }
    }
  }
}

TEST_CASE("every fixture case has a computation and every computation a fixture") {
  const auto fixtures = load_fixtures();
  auto table = ops();
  for (const auto& c : fixtures) table.erase(c.name);
  for (const auto& [name, fn] : table) FAIL("no fixture for " << name);
}
