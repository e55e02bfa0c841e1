// Tensor::register_post_accumulate_grad_hook: called once per backward, after the
// gradient reached the leaf's grad(), in registration order; remove() unregisters it.
#include <torchlet/tensor.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

TEST_CASE("post-accumulate-grad hooks see the accumulated gradient, once per backward") {
  auto w = Tensor::empty({3});
  w.fill_(2.0f);
  w.requires_grad_();
  std::vector<std::vector<float>> seen;
  auto handle = w.register_post_accumulate_grad_hook(
      [&](const Tensor& p) { seen.push_back(p.grad().to_vector()); });
  // w is used twice: both contributions are summed before the hook runs, once.
  auto x = Tensor::empty({3});
  x.fill_(1.0f);
  ((w * x).sum() + (w * w).sum()).backward();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::vector<float>{5.0f, 5.0f, 5.0f});  // 1 + 2w
  // A second backward accumulates into grad() and fires again.
  (w * x).sum().backward();
  REQUIRE(seen.size() == 2);
  CHECK(seen[1] == std::vector<float>{6.0f, 6.0f, 6.0f});
  handle.remove();
  handle.remove();  // idempotent
  (w * x).sum().backward();
  CHECK(seen.size() == 2);
}

TEST_CASE("post-accumulate-grad hooks run in registration order and only for reached leaves") {
  auto a = Tensor::empty({2});
  a.fill_(1.0f);
  a.requires_grad_();
  auto b = Tensor::empty({2});
  b.fill_(1.0f);
  b.requires_grad_();
  std::vector<int> order;
  a.register_post_accumulate_grad_hook([&](const Tensor&) { order.push_back(1); });
  a.register_post_accumulate_grad_hook([&](const Tensor&) { order.push_back(2); });
  b.register_post_accumulate_grad_hook([&](const Tensor&) { order.push_back(3); });
  (a * 3.0f).sum().backward();  // b is not in this graph
  CHECK(order == std::vector<int>{1, 2});
}

TEST_CASE("post-accumulate-grad hooks: errors") {
  auto leaf = Tensor::empty({2});
  CHECK_THROWS_AS(leaf.register_post_accumulate_grad_hook([](const Tensor&) {}),
                  std::invalid_argument);  // does not require grad
  leaf.requires_grad_();
  auto y = leaf * 2.0f;
  CHECK_THROWS_AS(y.register_post_accumulate_grad_hook([](const Tensor&) {}),
                  std::invalid_argument);  // not a leaf
  // An exception thrown by a hook leaves backward through it.
  leaf.register_post_accumulate_grad_hook(
      [](const Tensor&) { throw std::runtime_error("hook failed"); });
  CHECK_THROWS_WITH((leaf * 2.0f).sum().backward(), "hook failed");
}

}  // namespace TORCHLET_TEST_FILE
