// Bad input gets a clear exception, never undefined behaviour: ShapeError (a
// std::invalid_argument) naming the op and both shapes for shape mismatches,
// std::out_of_range for bad dims and indices, std::invalid_argument for bad arguments.
#include <torchlet/tensor.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using Catch::Contains;

namespace {
// The message of the exception f throws (which must be an E).
template <class E, class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("wrong exception type: " << e.what());
  }
  FAIL("no exception");
  return "";
}
}  // namespace

TEST_CASE("shape mismatches throw ShapeError naming the op and both shapes") {
  static_assert(std::is_base_of_v<std::invalid_argument, ShapeError>);
  auto a = zeros({2, 3}), b = zeros({4, 2});
  CHECK(message_of<ShapeError>([&] { (void)(a + b); }) ==
        "add: shapes [2, 3] and [4, 2] cannot be broadcast (size 2 vs 4 at dimension 0)");
  for (auto msg : {message_of<ShapeError>([&] { (void)(a - b); }),
                   message_of<ShapeError>([&] { (void)(a * b); }),
                   message_of<ShapeError>([&] { (void)(a / b); }),
                   message_of<ShapeError>([&] { (void)(a == b); })}) {
    CHECK_THAT(msg, Contains("[2, 3]") && Contains("[4, 2]"));
  }
  CHECK(message_of<ShapeError>([] {
          (void)matmul(zeros({64, 784}), zeros({10, 784}));
        }) == "matmul: [64, 784] @ [10, 784] - inner dimensions differ (784 vs 10)");
  CHECK_THAT(message_of<ShapeError>([] {
               (void)matmul(zeros({2, 3, 4}), zeros({3, 5, 2}));
             }),
             Contains("[2, 3, 4] @ [3, 5, 2]"));
  CHECK_THAT(message_of<ShapeError>([] { (void)matmul(zeros({3}), zeros({4})); }),
             Contains("[3] @ [4]"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)mm(zeros({3}), zeros({3, 4}));
             }),
             Contains("mm") && Contains("[3]"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)bmm(zeros({2, 3, 4}), zeros({3, 4, 5}));
             }),
             Contains("bmm") && Contains("[2, 3, 4] @ [3, 4, 5]"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)addmm(zeros({3, 3}), zeros({2, 4}), zeros({4, 3}));
             }),
             Contains("addmm") && Contains("[3, 3]"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)cat(std::vector<Tensor>{zeros({2, 3}), zeros({2, 4})}, 0);
             }),
             Contains("cat") && Contains("[2, 3]") && Contains("[2, 4]"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)stack(std::vector<Tensor>{zeros({2, 3}), zeros({3, 2})});
             }),
             Contains("stack") && Contains("[2, 3]") && Contains("[3, 2]"));
  CHECK_THAT(message_of<ShapeError>([] { (void)where(zeros({2}) > 0.f, zeros({3}), zeros({2})); }),
             Contains("where") && Contains("[3]"));
  CHECK_THAT(message_of<ShapeError>([] {
               zeros({2}) += zeros({2, 2});
             }),
             Contains("add_") && Contains("[2, 2]"));
  CHECK_THAT(message_of<ShapeError>([] { zeros({2}).copy_(zeros({3})); }),
             Contains("copy_") && Contains("[3]"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)zeros({2, 3}).view({4, -1});
             }),
             Contains("view") && Contains("[2, 3]"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)zeros({2, 3}).reshape({-1, -1});
             }),
             Contains("only one dimension"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)zeros({3}).split(std::vector<std::int64_t>{1, 1});
             }),
             Contains("split") && Contains("[1, 1]"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)zeros({2, 3}).permute({1, 0, 2});
             }),
             Contains("permute"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)zeros({2, 3, 4}).t();
             }),
             Contains("t: ") && Contains("3D"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)zeros({2, 3}).item();
             }),
             Contains("item") && Contains("6 elements"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)from_vector(std::vector<float>{1, 2, 3}, {2, 2});
             }),
             Contains("from_vector") && Contains("[2, 2]"));
  CHECK_THAT(message_of<ShapeError>([] {
               (void)to_eigen(zeros({2, 2, 2}));
             }),
             Contains("to_eigen"));
  CHECK_THAT(message_of<ShapeError>([] { (void)zeros({-1, 2}); }), Contains("negative dimension"));
  auto x = zeros({2});
  x.requires_grad_();
  CHECK_THAT(message_of<ShapeError>([&] { (x * 2.f).backward(ones({3})); }),
             Contains("[3]") && Contains("[2]"));
}

TEST_CASE("bad dims and indices throw std::out_of_range") {
  auto t = zeros({2, 3, 4});
  CHECK(message_of<std::out_of_range>([&] { (void)t.sum(3); }) ==
        "sum: dimension out of range (expected to be in range of [-3, 2], but got 3)");
  CHECK_THROWS_AS(t.size(-4), std::out_of_range);
  CHECK_THROWS_AS(t.mean(5), std::out_of_range);
  CHECK_THROWS_AS(t.max(-4), std::out_of_range);
  CHECK_THROWS_AS(t.argmin(3), std::out_of_range);
  CHECK_THROWS_AS(t.var(7), std::out_of_range);
  CHECK_THROWS_AS(t.softmax(3), std::out_of_range);
  CHECK_THROWS_AS(t.transpose(0, 3), std::out_of_range);
  CHECK_THROWS_AS(t.unsqueeze(4), std::out_of_range);
  CHECK_THROWS_AS(t.squeeze(3), std::out_of_range);
  CHECK_THROWS_AS(t.flatten(0, 3), std::out_of_range);
  CHECK_THROWS_AS(cat(std::vector<Tensor>{t, t}, 3), std::out_of_range);
  CHECK_THROWS_AS(stack(std::vector<Tensor>{t, t}, 4), std::out_of_range);
  CHECK_THROWS_AS(t[2], std::out_of_range);
  CHECK_THROWS_AS(t[-3], std::out_of_range);
  CHECK_THROWS_AS(scalar_tensor(1.f)[0], std::out_of_range);
  CHECK_THAT(message_of<std::out_of_range>([&] { (void)t.select(1, 3); }),
             Contains("index 3 is out of bounds for dimension 1 with size 3"));
  CHECK_THAT(message_of<std::out_of_range>([&] { (void)t.narrow(2, 2, 3); }),
             Contains("narrow") && Contains("[2, 3, 4]"));
  CHECK_THROWS_AS(t.narrow(0, -3, 1), std::out_of_range);
  CHECK_THAT(message_of<std::out_of_range>([&] {
               (void)t.index_select(1, tensor<std::int64_t>({0, 3}));
             }),
             Contains("index_select") && Contains("index 3"));
  CHECK_THROWS_AS(t.index_select(0, tensor<std::int64_t>({-1})), std::out_of_range);
}

TEST_CASE("bad arguments throw std::invalid_argument") {
  CHECK_THROWS_AS(arange(0.f, 1.f, 0.f), std::invalid_argument);
  CHECK_THROWS_AS(linspace(0.f, 1.f, -1), std::invalid_argument);
  CHECK_THROWS_AS(randint(3, 3, {2}), std::invalid_argument);
  CHECK_THROWS_AS(zeros({3}).clamp(std::nullopt, std::nullopt), std::invalid_argument);
  CHECK_THROWS_AS(zeros({3}).gelu("fast"), std::invalid_argument);
  CHECK_THROWS_AS(zeros({3}).slice(0, 0, 2, 0), std::invalid_argument);
  CHECK_THROWS_AS(zeros({3}).chunk(0), std::invalid_argument);
  CHECK_THROWS_AS(zeros({3}).split(0), std::invalid_argument);
  CHECK_THROWS_AS(zeros({3}).permute({0, 0}), ShapeError);
  CHECK_THROWS_AS(zeros({2, 2}).permute({0, 0}), std::invalid_argument);
  CHECK_THROWS_AS(cat(std::vector<Tensor>{}), std::invalid_argument);
  CHECK_THROWS_AS(zeros({0}).max(), std::invalid_argument);
  CHECK_THROWS_AS(zeros({2, 0}).argmax(1), std::invalid_argument);
  CHECK_THROWS_AS(zeros({3}).norm(NAN), std::invalid_argument);
  CHECK_THROWS_AS(zeros({3}).backward(), std::invalid_argument);  // does not require grad
  CHECK_THROWS_AS(Tensor().shape(), std::logic_error);            // an undefined tensor
  CHECK_THROWS_AS(Tensor() + zeros({1}), std::logic_error);
}

TEST_CASE("empty tensors go through every op without undefined behaviour") {
  auto e = zeros({0, 3});
  CHECK(e.sum().item() == 0.f);
  CHECK(std::isnan(e.mean().item()));
  CHECK(e.sum(0).to_vector() == std::vector<float>{0, 0, 0});
  CHECK(e.sum(1).shape() == Shape{0});
  CHECK((e + zeros({3})).shape() == Shape{0, 3});
  CHECK(e.exp().numel() == 0);
  CHECK(matmul(e, zeros({3, 2})).shape() == Shape{0, 2});
  CHECK(matmul(zeros({2, 0}), zeros({0, 4})).to_vector() == std::vector<float>(8, 0.f));
  CHECK(e.t().shape() == Shape{3, 0});
  CHECK(e.softmax(1).numel() == 0);
  CHECK(cat(std::vector<Tensor>{e, zeros({2, 3})}).shape() == Shape{2, 3});
  CHECK(e.split(2).size() == 1);
  CHECK(zeros({0}).chunk(3).size() == 3);
  CHECK(e.var(1).numel() == 0);
  CHECK(e.logsumexp(0).to_vector() == std::vector<float>(3, -INFINITY));
  CHECK(e.index_select(0, BasicTensor<std::int64_t>::empty({0})).shape() == Shape{0, 3});
  CHECK(linspace(0.f, 1.f, 0).numel() == 0);
  CHECK(eye(0).numel() == 0);
}

}  // namespace TORCHLET_TEST_FILE
