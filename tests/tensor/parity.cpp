// PyTorch parity: every op's output and input gradients match the values PyTorch
// computed (tests/fixtures/tensor/ops.safetensors, written by
// scripts/make_tensor_fixtures.py), to a relative 1e-5 (float32) with an absolute floor of
// 1e-6 for values near zero. One test case per op ("<op> matches PyTorch"), so a broken
// op names itself and the others stay green.
#include <algorithm>
#include <functional>
#include <set>
#include <sstream>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {

const io::SafetensorsFile& fixtures() {
  static const io::SafetensorsFile f =
      io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/ops.safetensors");
  return f;
}

/// The case names of the fixture file, in order (its "cases" metadata).
std::vector<std::string> fixture_cases() {
  std::vector<std::string> out;
  std::istringstream in(fixtures().metadata.at("cases"));
  for (std::string name; std::getline(in, name, ',');) out.push_back(name);
  return out;
}

/// Case `name`'s tensors: inputs (float32, requiring grad), indices, masks.
struct Fixture {
  std::string name;
  std::vector<Tensor> inputs;
  std::vector<LongTensor> indices;
  std::vector<BoolTensor> masks;

  bool has(const std::string& what) const { return fixtures().contains(name + "/" + what); }
  const io::AnyTensor& at(const std::string& what) const {
    return fixtures().at(name + "/" + what);
  }

  explicit Fixture(std::string n) : name(std::move(n)) {
    for (int i = 0; has("input" + std::to_string(i)); ++i)
      inputs.push_back(std::get<Tensor>(at("input" + std::to_string(i))).clone());
    for (int i = 0; has("index" + std::to_string(i)); ++i)
      indices.push_back(std::get<LongTensor>(at("index" + std::to_string(i))));
    for (int i = 0; has("mask" + std::to_string(i)); ++i)
      masks.push_back(std::get<BoolTensor>(at("mask" + std::to_string(i))));
  }
};

// The result of one case: a float tensor (or a float64 one) and/or an int64 tensor.
struct Result {
  Tensor out;
  DoubleTensor out_double;
  LongTensor index;
};
using Fn = std::function<Result(const Fixture&)>;
using V = std::vector<Tensor>;

Result R(Tensor t) { return {t, {}, {}}; }

/// Fn of a unary op f(input0) / a binary op f(input0, input1).
template <class F>
Fn unary(F f) {
  return [f](const Fixture& c) { return R(f(c.inputs[0])); };
}
template <class F>
Fn binary(F f) {
  return [f](const Fixture& c) { return R(f(c.inputs[0], c.inputs[1])); };
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

/// The op names that have a test case (filled as the test cases are registered).
std::set<std::string>& registered_ops() {
  static std::set<std::string> names;
  return names;
}
bool register_op(const char* name) { return registered_ops().insert(name).second; }

/// Runs op `name` on its fixture's inputs and compares output, indices and input gradients.
void check_op(const std::string& name, const Fn& fn) {
  const auto cases = fixture_cases();
  if (std::find(cases.begin(), cases.end(), name) == cases.end())
    FAIL("no fixture case " << name << " in ops.safetensors (run scripts/make_tensor_fixtures.py)");
  Fixture c(name);
  for (auto& x : c.inputs) x.requires_grad_();
  const Result r = fn(c);
  if (c.has("output")) {
    const io::AnyTensor& want = c.at("output");
    if (r.out_double.defined()) {
      REQUIRE(std::holds_alternative<DoubleTensor>(want));
      CHECK(r.out_double.shape() == io::shape_of(want));
      check_values("output", as_double(r.out_double), io::to_dtype<double>(want).to_vector());
    } else {
      REQUIRE(r.out.defined());
      REQUIRE(std::holds_alternative<Tensor>(want));
      CHECK(r.out.shape() == io::shape_of(want));
      check_values("output", as_double(r.out), io::to_dtype<double>(want).to_vector());
    }
  }
  if (c.has("output_index")) {
    const auto& want = std::get<LongTensor>(c.at("output_index"));
    REQUIRE(r.index.defined());
    CHECK(r.index.shape() == want.shape());
    check_values("indices", as_double(r.index), as_double(want));
  }
  if (c.has("grad_output")) {
    const io::AnyTensor& grad_output = c.at("grad_output");
    if (r.out_double.defined())
      r.out_double.backward(io::to_dtype<double>(grad_output));
    else
      r.out.backward(std::get<Tensor>(grad_output));
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      INFO("gradient of input " << i);
      const std::string what = "grad" + std::to_string(i);
      if (!c.has(what)) {
        CHECK_FALSE(c.inputs[i].grad().defined());
        continue;
      }
      REQUIRE(c.inputs[i].grad().defined());
      CHECK(c.inputs[i].grad().shape() == c.inputs[i].shape());
      check_values("gradient", as_double(c.inputs[i].grad()),
                   io::to_dtype<double>(c.at(what)).to_vector());
    }
  }
}

const auto plus = [](auto& a, auto& b) { return a + b; };
const auto minus = [](auto& a, auto& b) { return a - b; };
const auto times = [](auto& a, auto& b) { return a * b; };
const auto divided = [](auto& a, auto& b) { return a / b; };
const auto mat = [](auto& a, auto& b) { return matmul(a, b); };

/// cat of the parts, the i-th multiplied by i + 1 (so each part's gradient differs).
Tensor weighted_cat(std::vector<Tensor> parts, std::int64_t dim) {
  for (std::size_t i = 0; i < parts.size(); ++i) parts[i] = parts[i] * static_cast<float>(i + 1);
  return cat(parts, dim);
}

}  // namespace

#define PARITY_CAT2(a, b) a##b
#define PARITY_CAT(a, b) PARITY_CAT2(a, b)
/// OP("name", fn): the test case "name matches PyTorch", which runs fn (an Fn) on the
/// fixture case of that name. Used as a declaration (ends with a semicolon).
#define OP(name, ...)                                                             \
  TEST_CASE(name " matches PyTorch", "[parity]") { check_op(name, __VA_ARGS__); } \
  [[maybe_unused]] static const bool PARITY_CAT(parity_registered_, __COUNTER__) = register_op(name)

// ---- elementwise binary, broadcasting, scalars
OP("add", binary(plus));
OP("add_row", binary(plus));
OP("add_col", binary(plus));
OP("add_3d", binary(plus));
OP("add_scalar", unary([](auto& a) { return a + 2.5; }));
OP("rsub_scalar", unary([](auto& a) { return 2.5 - a; }));
OP("sub", binary(minus));
OP("sub_broadcast", binary(minus));
OP("mul", binary(times));
OP("mul_broadcast", binary(times));
OP("mul_scalar", unary([](auto& a) { return a * -1.5; }));
OP("div", binary(divided));
OP("div_broadcast", binary(divided));
OP("div_scalar", unary([](auto& a) { return a / 4.0; }));
OP("rdiv_scalar", unary([](auto& a) { return 2.0 / a; }));
OP("neg", unary([](auto& a) { return -a; }));
OP("addcmul",
   [](const Fixture& c) { return R(addcmul(c.inputs[0], c.inputs[1], c.inputs[2], 0.5f)); });
OP("addcmul_broadcast",
   [](const Fixture& c) { return R(addcmul(c.inputs[0], c.inputs[1], c.inputs[2])); });

// ---- unary
OP("abs", unary([](auto& a) { return a.abs(); }));
OP("exp", unary([](auto& a) { return a.exp(); }));
OP("log", unary([](auto& a) { return a.log(); }));
OP("log1p", unary([](auto& a) { return a.log1p(); }));
OP("sqrt", unary([](auto& a) { return a.sqrt(); }));
OP("rsqrt", unary([](auto& a) { return a.rsqrt(); }));
OP("pow2", unary([](auto& a) { return a.pow(2.f); }));
OP("pow3", unary([](auto& a) { return a.pow(3.f); }));
OP("pow_neg_half", unary([](auto& a) { return a.pow(-0.5f); }));
OP("sin", unary([](auto& a) { return a.sin(); }));
OP("cos", unary([](auto& a) { return a.cos(); }));
OP("tanh", unary([](auto& a) { return a.tanh(); }));
OP("sigmoid", unary([](auto& a) { return a.sigmoid(); }));
OP("relu", unary([](auto& a) { return a.relu(); }));
OP("gelu", unary([](auto& a) { return a.gelu(); }));
OP("gelu_tanh", unary([](auto& a) { return a.gelu("tanh"); }));
OP("clamp", unary([](auto& a) { return a.clamp(-0.5f, 0.5f); }));
OP("clamp_min", unary([](auto& a) { return a.clamp(0.1f); }));
OP("clamp_max", unary([](auto& a) { return a.clamp(std::nullopt, 0.1f); }));
OP("where", [](const Fixture& c) { return R(where(c.masks[0], c.inputs[0], c.inputs[1])); });

// ---- matrix products
OP("mm", binary([](auto& a, auto& b) { return mm(a, b); }));
OP("matmul_dot", binary(mat));
OP("matmul_mv", binary(mat));
OP("matmul_vm", binary(mat));
OP("bmm", binary([](auto& a, auto& b) { return bmm(a, b); }));
OP("matmul_batch_broadcast", binary(mat));
OP("matmul_3d_2d", binary(mat));
OP("matmul_2d_3d", binary(mat));
OP("addmm", [](const Fixture& c) { return R(addmm(c.inputs[0], c.inputs[1], c.inputs[2])); });
OP("addmm_beta_alpha",
   [](const Fixture& c) { return R(addmm(c.inputs[0], c.inputs[1], c.inputs[2], 0.5f, -2.f)); });

// ---- reductions
OP("sum", unary([](auto& a) { return a.sum(); }));
OP("sum_dim0", unary([](auto& a) { return a.sum(0); }));
OP("sum_dim1_keepdim", unary([](auto& a) { return a.sum(1, true); }));
OP("mean", unary([](auto& a) { return a.mean(); }));
OP("mean_dim", unary([](auto& a) { return a.mean(-1); }));
OP("max", unary([](auto& a) { return a.max(); }));
OP("min", unary([](auto& a) { return a.min(); }));
OP("max_ties", unary([](auto& a) { return a.max(); }));
OP("max_dim", [](const Fixture& c) {
  auto [v, i] = c.inputs[0].max(1);
  return Result{v, {}, i};
});
OP("min_dim_keepdim", [](const Fixture& c) {
  auto r = c.inputs[0].min(1, true);
  return Result{r.values, {}, r.indices};
});
OP("var", unary([](auto& a) { return a.var(); }));
OP("var_dim", unary([](auto& a) { return a.var(1); }));
OP("var_biased_keepdim", unary([](auto& a) { return a.var(0, false, true); }));
OP("std", unary([](auto& a) { return a.std(); }));
OP("std_dim_keepdim", unary([](auto& a) { return a.std(1, true, true); }));
OP("logsumexp", unary([](auto& a) { return a.logsumexp(1); }));
OP("logsumexp_keepdim", unary([](auto& a) { return logsumexp(a, 0, true); }));
OP("norm", unary([](auto& a) { return a.norm(); }));
OP("norm1", unary([](auto& a) { return a.norm(1); }));
OP("norm3", unary([](auto& a) { return a.norm(3); }));
OP("norm_inf", unary([](auto& a) { return a.norm(INFINITY); }));
OP("norm_dim", unary([](auto& a) { return a.norm(2, 1); }));
OP("softmax", unary([](auto& a) { return a.softmax(1); }));
OP("softmax_dim0", unary([](auto& a) { return softmax(a, 0); }));
OP("log_softmax", unary([](auto& a) { return a.log_softmax(1); }));

// ---- shapes and indexing
OP("reshape", unary([](auto& a) { return a.reshape({4, -1}); }));
OP("flatten", unary([](auto& a) { return a.flatten(1); }));
OP("squeeze_unsqueeze", unary([](auto& a) { return a.squeeze().unsqueeze(0); }));
OP("transpose", unary([](auto& a) { return a.transpose(0, 2); }));
OP("t", unary([](auto& a) { return a.t(); }));
OP("permute", unary([](auto& a) { return a.permute({2, 0, 1}); }));
OP("cat0", binary([](auto& a, auto& b) { return cat(V{a, b}, 0); }));
OP("cat1", binary([](auto& a, auto& b) { return cat(V{a, b, a}, 1); }));
OP("stack0", binary([](auto& a, auto& b) { return stack(V{a, b}, 0); }));
OP("stack2", binary([](auto& a, auto& b) { return stack(V{a, b}, 2); }));
OP("split", unary([](auto& a) { return weighted_cat(a.split(2, 0), 0); }));
OP("split_sizes", unary([](auto& a) { return weighted_cat(a.split({1, 3, 1}, 1), 1); }));
OP("chunk", unary([](auto& a) { return weighted_cat(a.chunk(3, 1), 1); }));
OP("index_select", [](const Fixture& c) { return R(c.inputs[0].index_select(1, c.indices[0])); });
OP("narrow", unary([](auto& a) { return a.narrow(1, 1, 2); }));
OP("slice_step", unary([](auto& a) { return a.slice(1, 1, 7, 3); }));
OP("select", unary([](auto& a) { return a.select(1, -1); }));
OP("to_double", [](const Fixture& c) {
  return Result{{}, c.inputs[0].template to<double>() * 3.0, {}};
});

// ---- argmax / argmin (outputs only)
OP("argmax_dim", [](const Fixture& c) { return Result{{}, {}, c.inputs[0].argmax(1)}; });
OP("argmin_dim_keepdim", [](const Fixture& c) {
  return Result{{}, {}, c.inputs[0].argmin(0, true)};
});
OP("argmax_all", [](const Fixture& c) { return Result{{}, {}, c.inputs[0].argmax()}; });

// ---- creation (no inputs)
OP("linspace", [](const Fixture&) { return R(linspace(-3.f, 10.f, 11)); });
OP("linspace_even", [](const Fixture&) { return R(linspace(0.f, 1.f, 8)); });
OP("eye", [](const Fixture&) { return R(eye(3, 4)); });
OP("arange", [](const Fixture&) { return R(arange(-1.f, 2.f, 0.3f)); });

TEST_CASE("every fixture case has a test case and every test case a fixture") {
  const auto cases = fixture_cases();
  CHECK(cases.size() >= 90);
  for (const auto& name : cases)
    if (!registered_ops().count(name)) FAIL_CHECK("no OP(\"" << name << "\", ...) in parity.cpp");
  for (const auto& name : registered_ops())
    if (std::find(cases.begin(), cases.end(), name) == cases.end())
      FAIL_CHECK("no fixture case " << name << " in ops.safetensors");
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef PARITY_CAT2
#undef PARITY_CAT
#undef OP
