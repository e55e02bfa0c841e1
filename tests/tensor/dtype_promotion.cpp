// PyTorch's dtypes: factories without a named type infer it from the values (tensor({1, 2}) is
// int64, tensor({1.5}) float32, arange(0, 5) int64, linspace(0, 1, 5) float32), and binary ops
// and comparisons between two types compute in the promoted type (torch.result_type). The
// expected dtypes and values are PyTorch 1.13's, in tests/fixtures/tensor/dtypes.txt (written
// by scripts/make_dtype_fixtures.py), including true division of integer tensors (float32) and
// div with a rounding_mode (the integer type kept); each fixture case has a computation here and
// the reverse.
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <torchlet/tensor.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {

struct Result {
  std::string dtype;
  std::string shape;
  std::vector<double> values;
};

template <class T>
Result result(const BasicTensor<T>& t) {
  Result r{dtype_name<T>(), "", {}};
  for (std::size_t i = 0; i < t.shape().size(); ++i)
    r.shape += (i ? "," : "") + std::to_string(t.shape()[i]);
  if (r.shape.empty()) r.shape = "-";
  for (const T& v : t.to_vector()) r.values.push_back(static_cast<double>(v));
  return r;
}

const std::map<std::string, std::function<Result()>>& computations() {
  static const std::map<std::string, std::function<Result()>> cases = {
      {"tensor_int",
       [] {
         return result(tensor({1, 2}));
       }},
      {"tensor_float",
       [] {
         return result(tensor({1.5, 2.25}));
       }},
      {"tensor_2d_int",
       [] {
         return result(tensor({{1, 2}, {3, 4}}));
       }},
      {"tensor_3d_float",
       [] {
         return result(tensor({{{1.0, 2.0}}, {{3.0, 4.0}}}));
       }},
      {"tensor_scalar_int", [] { return result(tensor(3)); }},
      {"tensor_scalar_float", [] { return result(tensor(3.5)); }},
      {"tensor_bool",
       [] {
         return result(tensor({true, false}));
       }},
      {"scalar_tensor_int", [] { return result(scalar_tensor(123)); }},
      {"arange_int", [] { return result(arange(0, 5)); }},
      {"arange_end", [] { return result(arange(5)); }},
      {"arange_float", [] { return result(arange(0.0, 5.0)); }},
      {"arange_mixed_step", [] { return result(arange(0, 5, 0.5)); }},
      {"arange_negative_step", [] { return result(arange(5, 0, -2)); }},
      {"full_int", [] { return result(full({2}, 3)); }},
      {"full_float", [] { return result(full({2}, 3.5)); }},
      {"full_bool", [] { return result(full({2}, true)); }},
      {"linspace_int_ends", [] { return result(linspace(0, 1, 5)); }},
      {"add_long_float",
       [] {
         return result(tensor({1, 2}) + tensor({1.5, 2.0}));
       }},
      {"add_int_long",
       [] {
         return result(tensor<std::int32_t>({1, 2}) + tensor({1, 2}));
       }},
      {"add_double_float",
       [] {
         return result(tensor<double>({1.0, 2.0}) + tensor({0.1, 2.0}));
       }},
      {"add_bool_long",
       [] {
         return result(tensor({true, false}) + tensor({1, 2}));
       }},
      {"add_uint8_int32",
       [] {
         return result(tensor<std::uint8_t>({1, 2}) + tensor<std::int32_t>({1, 2}));
       }},
      {"mul_long_float",
       [] {
         return result(tensor({1, 2}) * tensor({1.5, 2.0}));
       }},
      {"sub_long_double",
       [] {
         return result(tensor({1, 2}) - tensor<double>({1.0, 2.5}));
       }},
      {"div_float_long",
       [] {
         return result(tensor({3.0, 1.0}) / tensor({2, 4}));
       }},
      {"lt_long_float",
       [] {
         return result(tensor({1, 2}) < tensor({1.5, 2.0}));
       }},
      {"eq_float_double",
       [] {
         return result(tensor({0.1, 0.5}) == tensor<double>({0.1, 0.5}));
       }},
      {"add_long_scalar_float",
       [] {
         return result(tensor({1, 2}) + 0.5);
       }},
      {"add_long_scalar_int",
       [] {
         return result(tensor({1, 2}) + 2);
       }},
      {"rmul_scalar_float_long",
       [] {
         return result(0.5 * tensor({1, 2}));
       }},
      {"rsub_scalar_float_long",
       [] {
         return result(2.5 - tensor({1, 2}));
       }},
      {"div_long_scalar_float",
       [] {
         return result(tensor({1, 2}) / 2.0);
       }},
      {"lt_long_scalar_float",
       [] {
         return result(tensor({1, 2}) < 1.5);
       }},
      {"ge_long_scalar_float",
       [] {
         return result(tensor({1, 2}) >= 1.5);
       }},
      {"add_bool_scalar_int",
       [] {
         return result(tensor({true, false}) + 2);
       }},
      {"div_long_long",
       [] {
         return result(tensor({7, -7, 5}) / tensor({2, 2, 4}));
       }},
      {"div_long_scalar_int",
       [] {
         return result(tensor({7, -7}) / 2);
       }},
      {"rdiv_scalar_int_long",
       [] {
         return result(3 / tensor({2, 4}));
       }},
      {"div_int32_int32",
       [] {
         return result(tensor<std::int32_t>({7, 1}) / tensor<std::int32_t>({2, 3}));
       }},
      {"div_uint8_scalar_int",
       [] {
         return result(tensor<std::uint8_t>({7, 1}) / 2);
       }},
      {"div_bool_bool",
       [] {
         return result(tensor({true, false}) / tensor({true, true}));
       }},
      {"div_long_int32",
       [] {
         return result(tensor({7, 9}) / tensor<std::int32_t>({2, 4}));
       }},
      {"div_floor_long",
       [] {
         return result(div(tensor({7, -7, 5, -5}), tensor({2, 2, -3, -3}), "floor"));
       }},
      {"div_trunc_long",
       [] {
         return result(div(tensor({7, -7, 5, -5}), tensor({2, 2, -3, -3}), "trunc"));
       }},
      {"div_floor_long_scalar_int",
       [] {
         return result(div(tensor({7, -7}), 2, "floor"));
       }},
      {"div_trunc_long_scalar_int",
       [] {
         return result(div(tensor({7, -7}), 2, "trunc"));
       }},
      {"div_floor_long_scalar_float",
       [] {
         return result(div(tensor({7, -7}), 2.5, "floor"));
       }},
      {"div_floor_float",
       [] {
         return result(div(tensor({7.5, -7.5, 1.0}), tensor({2.0, 2.0, 0.1}), "floor"));
       }},
      {"div_trunc_float",
       [] {
         return result(div(tensor({7.5, -7.5, 1.0}), tensor({2.0, 2.0, 0.1}), "trunc"));
       }},
      {"div_floor_int32_long",
       [] {
         return result(div(tensor<std::int32_t>({7, -7}), tensor({2, 2}), "floor"));
       }},
      {"div_floor_uint8",
       [] {
         return result(div(tensor<std::uint8_t>({7, 200}), tensor<std::uint8_t>({2, 3}), "floor"));
       }},
      {"floor_divide_long",
       [] {
         return result(floor_divide(tensor({7, -7}), tensor({2, 2})));
       }},
      {"floor_divide_long_scalar_int",
       [] {
         return result(floor_divide(tensor({7, -7}), 2));
       }},
      {"where_long_scalar_float",
       [] {
         return result(where(tensor({true, false, true}), tensor({5, -7, 3}), 0.5));
       }},
      {"where_scalar_float_long",
       [] {
         return result(where(tensor({true, false, true}), 0.5, tensor({5, -7, 3})));
       }},
      {"where_long_scalar_int",
       [] {
         return result(where(tensor({true, false}), tensor({5, -7}), 2));
       }},
      {"where_bool_scalar_int",
       [] {
         return result(where(tensor({true, false}), tensor({true, false}), 2));
       }},
      {"where_int32_scalar_float",
       [] {
         return result(where(tensor({true, false}), tensor<std::int32_t>({5, -7}), 0.5));
       }},
      {"where_double_scalar_float",
       [] {
         return result(where(tensor({true, false}), tensor<double>({5.0, -7.0}), 0.1));
       }},
      {"fmod_long_scalar_float",
       [] {
         return result(fmod(tensor({5, -7, 3}), 1.5));
       }},
      {"fmod_long_scalar_int",
       [] {
         return result(fmod(tensor({5, -7, 3}), 2));
       }},
      {"fmod_bool_scalar_float",
       [] {
         return result(fmod(tensor({true, false}), 1.5));
       }},
      {"remainder_long_scalar_float",
       [] {
         return result(remainder(tensor({5, -7, 3}), 1.5));
       }},
      {"remainder_long_scalar_int",
       [] {
         return result(remainder(tensor({5, -7, 3}), 2));
       }},
      {"remainder_int32_scalar_float",
       [] {
         return result(remainder(tensor<std::int32_t>({5, -7}), -1.5));
       }},
      {"masked_fill_long_scalar_float",
       [] {
         return result(masked_fill(tensor({5, -7, 3}), tensor({true, false, true}), 0.5));
       }},
      {"masked_fill_long_scalar_negative_float",
       [] {
         return result(masked_fill(tensor({5, -7, 3}), tensor({true, false, true}), -2.7));
       }},
      {"masked_fill_bool_scalar_float",
       [] {
         return result(masked_fill(tensor({true, false}), tensor({false, true}), 0.5));
       }},
      {"scatter_long_scalar_float",
       [] {
         return result(scatter(tensor({5, -7, 3}), 0, tensor({0, 2}), -2.7));
       }},
      {"scatter_int32_scalar_float",
       [] {
         return result(scatter(tensor<std::int32_t>({5, -7, 3}), 0, tensor({1}), 9.9));
       }},
  };
  return cases;
}

std::map<std::string, Result> fixtures() {
  std::ifstream file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/dtypes.txt");
  if (!file) throw std::runtime_error("cannot open tests/fixtures/tensor/dtypes.txt");
  std::map<std::string, Result> out;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string name;
    Result r;
    in >> name >> r.dtype >> r.shape;
    for (double v = 0; in >> v;) r.values.push_back(v);
    out[name] = r;
  }
  return out;
}

}  // namespace

TEST_CASE("factories and mixed-type ops give PyTorch's dtypes and values") {
  const auto expected = fixtures();
  REQUIRE(expected.size() == computations().size());
  for (const auto& [name, e] : expected) {
    INFO(name);
    const auto it = computations().find(name);
    REQUIRE(it != computations().end());
    const Result got = it->second();
    CHECK(got.dtype == e.dtype);
    CHECK(got.shape == e.shape);
    REQUIRE(got.values.size() == e.values.size());
    for (std::size_t i = 0; i < e.values.size(); ++i) CHECK(got.values[i] == Approx(e.values[i]));
  }
}

TEST_CASE("a named type is kept, and the promoted type is known at compile time") {
  static_assert(std::is_same_v<decltype(tensor<float>({1, 2})), Tensor>);
  static_assert(std::is_same_v<decltype(tensor<std::int32_t>({1, 2})), IntTensor>);
  static_assert(std::is_same_v<decltype(arange<double>(0, 3)), DoubleTensor>);
  static_assert(std::is_same_v<decltype(full<std::int64_t>({2}, 1)), LongTensor>);
  static_assert(std::is_same_v<decltype(scalar_tensor<double>(1)), DoubleTensor>);
  static_assert(std::is_same_v<decltype(LongTensor() + Tensor()), Tensor>);
  static_assert(std::is_same_v<decltype(Tensor() * DoubleTensor()), DoubleTensor>);
  static_assert(std::is_same_v<decltype(LongTensor() * 0.5), Tensor>);
  static_assert(std::is_same_v<decltype(LongTensor() * 2), LongTensor>);
  static_assert(std::is_same_v<decltype(Tensor() * 2.0), Tensor>);  // a double scalar: float32
  static_assert(std::is_same_v<decltype(add(IntTensor(), LongTensor())), LongTensor>);
  static_assert(std::is_same_v<result_type_t<std::int64_t, float>, float>);
  static_assert(std::is_same_v<result_type_t<float, double>, double>);
  static_assert(std::is_same_v<result_type_t<bool, std::uint8_t>, std::uint8_t>);
  CHECK(tensor<float>({1.5f, 2}).to_vector() == std::vector<float>{1.5f, 2.0f});
  CHECK(full<double>({2}, 1).to_vector() == std::vector<double>{1.0, 1.0});
}

TEST_CASE("a comparison with a floating-point scalar is not truncated to the tensor's type") {
  // Before promotion, LongTensor < 1.5 compared with 1 and gave [false, false].
  CHECK(((tensor({1, 2}) < 1.5).to_vector() == std::vector<bool>{true, false}));
  CHECK(((tensor({1, 2}) == 1.5).to_vector() == std::vector<bool>{false, false}));
  CHECK(((1.5 > tensor({1, 2})).to_vector() == std::vector<bool>{true, false}));
}

TEST_CASE("gradients flow through a promotion between floating types") {
  auto x = tensor({1.0f, 2.0f}).requires_grad_();
  auto w = tensor<double>({2.0, 3.0}).requires_grad_();
  auto y = (x * w).sum();  // float64
  static_assert(std::is_same_v<decltype(y), DoubleTensor>);
  y.backward();
  CHECK(x.grad().to_vector() == std::vector<float>{2.0f, 3.0f});
  CHECK(w.grad().to_vector() == std::vector<double>{1.0, 2.0});
  auto z = tensor({1.0f, 2.0f}).requires_grad_();
  (tensor({3, 4}) * z).sum().backward();  // int64 * float32 -> float32
  CHECK(z.grad().to_vector() == std::vector<float>{3.0f, 4.0f});
}

TEST_CASE("true division of integer tensors is float32; div with a rounding_mode keeps the type") {
  static_assert(std::is_same_v<decltype(LongTensor() / LongTensor()), Tensor>);
  static_assert(std::is_same_v<decltype(LongTensor() / 2), Tensor>);
  static_assert(std::is_same_v<decltype(2 / LongTensor()), Tensor>);
  static_assert(std::is_same_v<decltype(IntTensor() / LongTensor()), Tensor>);
  static_assert(std::is_same_v<decltype(BoolTensor() / BoolTensor()), Tensor>);
  static_assert(std::is_same_v<decltype(DoubleTensor() / 2), DoubleTensor>);
  static_assert(std::is_same_v<decltype(div(LongTensor(), LongTensor())), Tensor>);
  static_assert(std::is_same_v<decltype(div(LongTensor(), LongTensor(), "floor")), LongTensor>);
  static_assert(std::is_same_v<decltype(div(IntTensor(), 2, "trunc")), IntTensor>);
  static_assert(std::is_same_v<decltype(div(LongTensor(), 2.5, "floor")), Tensor>);
  static_assert(std::is_same_v<decltype(floor_divide(LongTensor(), IntTensor())), LongTensor>);
  // Division by zero: IEEE results for true division, an exception with a rounding mode.
  const auto q = (tensor({1, -1, 0}) / tensor({0, 0, 0})).to_vector();
  CHECK(q[0] == std::numeric_limits<float>::infinity());
  CHECK(q[1] == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(q[2]));
  CHECK_THROWS_WITH(div(tensor({7, -7}), tensor({2, 0}), "floor"),
                    Catch::Contains("div: ZeroDivisionError") && Catch::Contains("torch.int64"));
  CHECK_THROWS_AS(div(tensor({7}), 0, "trunc"), std::domain_error);
  CHECK_THROWS_WITH(floor_divide(tensor({7}), 0), Catch::Contains("ZeroDivisionError"));
  const auto f = div(tensor({1.0, -1.0}), 0.0, "floor").to_vector();  // floating: IEEE
  CHECK(f[0] == std::numeric_limits<float>::infinity());
  CHECK(f[1] == -std::numeric_limits<float>::infinity());
  CHECK_THROWS_WITH(div(tensor({7}), tensor({2}), "round"),
                    Catch::Contains("div expected rounding_mode to be one of None, 'trunc', or "
                                    "'floor' but found 'round'"));
  // The rounded quotient of floating tensors has a zero gradient (PyTorch's DivBackward2).
  auto x = tensor<double>({7.5, -7.5}).requires_grad_();
  auto y = div(x, tensor<double>({2.0, 2.0}), "floor");
  CHECK(y.grad_fn_name() == "DivBackward2");
  y.sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{0.0, 0.0});
  // True division of integers keeps a gradient path into the floating operand only.
  auto w = tensor({1.0f, 2.0f}).requires_grad_();
  (w / tensor({2, 4})).sum().backward();
  CHECK(w.grad().to_vector() == std::vector<float>{0.5f, 0.25f});
}

TEST_CASE("a floating scalar promotes an integer tensor in where, fmod and remainder only") {
  static_assert(std::is_same_v<decltype(where(BoolTensor(), LongTensor(), 0.5)), Tensor>);
  static_assert(std::is_same_v<decltype(where(BoolTensor(), 0.5, LongTensor())), Tensor>);
  static_assert(std::is_same_v<decltype(where(BoolTensor(), LongTensor(), 2)), LongTensor>);
  static_assert(std::is_same_v<decltype(where(BoolTensor(), BoolTensor(), 2)), LongTensor>);
  static_assert(std::is_same_v<decltype(fmod(LongTensor(), 1.5)), Tensor>);
  static_assert(std::is_same_v<decltype(remainder(IntTensor(), 2)), IntTensor>);
  static_assert(std::is_same_v<decltype(masked_fill(LongTensor(), BoolTensor(), 0.5)), LongTensor>);
  static_assert(std::is_same_v<decltype(scatter(LongTensor(), 0, LongTensor(), 0.5)), LongTensor>);
  // An integer divisor holding 0: PyTorch's ZeroDivisionError.
  CHECK_THROWS_WITH(fmod(tensor({5, -7}), 0),
                    Catch::Contains("fmod: ZeroDivisionError") && Catch::Contains("torch.int64"));
  CHECK_THROWS_WITH(remainder(tensor({5, -7}), tensor({1, 0})),
                    Catch::Contains("remainder: ZeroDivisionError"));
  CHECK(std::isnan(fmod(tensor({5}), 0.0).item()));  // promoted to float32: NaN, as PyTorch
  // The gradient of where with a promoted scalar reaches a floating operand.
  auto x = tensor<double>({1.0, 2.0}).requires_grad_();
  where(tensor({true, false}), x, 0.5f).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{1.0, 0.0});
}

TEST_CASE("nested lists: both spellings build the same shapes and reject ragged lists") {
  CHECK(tensor({{{1, 2}}, {{3, 4}}}).shape() == Shape{2, 1, 2});
  CHECK(tensor<double>({{{1, 2}}, {{3, 4}}}).to_vector() == std::vector<double>{1, 2, 3, 4});
  CHECK_THROWS_WITH(tensor({{1, 2}, {3}}), Catch::Contains("ragged nested list (rows of 2 and 1"));
  CHECK_THROWS_WITH(tensor<float>({{1.f}, {2.f, 3.f}}), Catch::Contains("ragged nested list"));
  CHECK_THROWS_AS(tensor({{{1, 2}}, {{3, 4}, {5, 6}}}), ShapeError);
  CHECK_THROWS_AS(tensor<float>({{{1.f, 2.f}}, {{3.f}}}), ShapeError);
}

}  // namespace TORCHLET_TEST_FILE
