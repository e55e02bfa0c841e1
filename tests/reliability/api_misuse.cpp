// API misuse across the public surface: each mistake is a clear exception naming the
// operation, what was expected and what was found - never a crash or silent garbage.
#include <string>

#include <torchlet/torchlet.hpp>

#include "catch.hpp"
#include "reliability/text.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using test::has;

namespace {
// The message of the exception `f` throws (fails the test if it throws none).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("no exception thrown");
  return {};
}
}  // namespace

TEST_CASE("matmul with mismatched inner dimensions names both shapes") {
  auto m = message_of<ShapeError>([] { (void)matmul(zeros({64, 784}), zeros({10, 784})); });
  CHECK(m == "matmul: [64, 784] @ [10, 784] - inner dimensions differ (784 vs 10)");
}

TEST_CASE("Linear given the wrong number of input features names the module and the shape") {
  nn::Linear fc{784, 10};
  auto m = message_of<ShapeError>([&] { (void)fc(zeros({64, 783})); });
  CHECK(has(m, "Linear(in_features=784)"));
  CHECK(has(m, "783"));
  CHECK(has(m, "[64, 783]"));
}

TEST_CASE("cross_entropy with a target out of range names the target and the class count") {
  auto logits = zeros({4, 10});
  auto target = tensor<std::int64_t>({1, 2, 12, 3});
  auto m =
      message_of<std::out_of_range>([&] { (void)nn::functional::cross_entropy(logits, target); });
  CHECK(has(m, "12"));
  CHECK(has(m, "10"));
  auto neg = tensor<std::int64_t>({-1, 0, 0, 0});
  CHECK_THROWS_AS(nn::functional::cross_entropy(logits, neg), std::out_of_range);
  CHECK_THROWS_AS(nn::functional::cross_entropy(logits, tensor<std::int64_t>({1, 2})), ShapeError);
}

TEST_CASE("Conv2d given the wrong number of channels names the module and the shape") {
  nn::Conv2d conv{3, 8, 3};
  auto m = message_of<ShapeError>([&] { (void)conv(zeros({2, 1, 28, 28})); });
  CHECK(has(m, "Conv2d(in_channels=3)"));
  CHECK(has(m, "[2, 1, 28, 28]"));
}

TEST_CASE("backward on a non-scalar without a gradient is refused") {
  auto x = ones({3});
  x.requires_grad_();
  auto y = x * 2.f;
  auto m = message_of<std::invalid_argument>([&] { y.backward(); });
  CHECK(has(m, "scalar"));
  CHECK(has(m, "[3]"));
  CHECK_THROWS_AS(y.backward(ones({4})), ShapeError);
}

TEST_CASE("loading the state dict of another architecture names the keys and changes nothing") {
  nn::Linear small{4, 2};
  nn::Linear big{5, 2};
  const auto before = small.weight.to_vector();
  auto m = message_of<nn::StateDictError>([&] { small.load_state_dict(big.state_dict()); });
  CHECK(has(m, "weight"));
  CHECK(small.weight.to_vector() == before);
  nn::Sequential seq{nn::Linear{4, 2}, nn::ReLU{}};
  auto m2 = message_of<nn::StateDictError>([&] { small.load_state_dict(seq.state_dict()); });
  CHECK(has(m2, "0.weight"));
  CHECK(small.weight.to_vector() == before);
}

TEST_CASE("a DataLoader refuses batch_size 0") {
  std::vector<std::pair<Tensor, std::int64_t>> samples(4, {zeros({2}), 0});
  auto m = message_of<std::invalid_argument>(
      [&] { data::DataLoader loader(samples, {.batch_size = 0}); });
  CHECK(has(m, "batch_size"));
}

TEST_CASE("an empty dataset gives no batches and never reads a sample") {
  std::vector<std::pair<Tensor, std::int64_t>> none;
  data::DataLoader loader(none, {.batch_size = 4});
  CHECK(loader.size() == 0);
  CHECK(loader.begin() == loader.end());
}

TEST_CASE("views and indices out of range throw std::out_of_range") {
  auto x = zeros({2, 3});
  CHECK_THROWS_AS(x[2], std::out_of_range);
  CHECK_THROWS_AS(x.size(2), std::out_of_range);
  CHECK_THROWS_AS(x.sum(5), std::out_of_range);
  CHECK_THROWS_AS(x.narrow(1, 2, 5), std::out_of_range);
  CHECK_THROWS_AS(x.view({4, -1}), ShapeError);
}

TEST_CASE("log_softmax and cross_entropy stay finite for logits of plus or minus 1e4") {
  auto logits = tensor<float>({{1e4f, -1e4f, 0.f}, {-1e4f, -1e4f, 1e4f}});
  logits.requires_grad_();
  auto ls = logits.log_softmax(1).to_vector();
  for (float v : ls) CHECK(std::isfinite(v));
  auto loss = nn::functional::cross_entropy(logits, tensor<std::int64_t>({1, 2}));
  CHECK(std::isfinite(loss.item()));
  CHECK(loss.item() == Approx(1e4f));
  loss.backward();
  for (float g : logits.grad().to_vector()) CHECK(std::isfinite(g));
}

}  // namespace TORCHLET_TEST_FILE
