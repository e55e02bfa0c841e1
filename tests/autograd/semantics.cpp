// Autograd semantics as in PyTorch: retain_graph, accumulation, in-place rules (leaves,
// views, saved tensors modified), graphs freed when dropped, deep graphs, dtype
// conversions, and no memory growth over 10,000 training-like steps.
#include <malloc.h>

#include <torchlet/tensor.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

TEST_CASE("retain_graph allows a second backward and accumulates") {
  auto x = tensor<float>({1.f, 2.f, 3.f});
  x.requires_grad_();
  auto y = (x * x).sum();
  y.backward({}, true);
  CHECK(x.grad().to_vector() == std::vector<float>{2, 4, 6});
  y.backward({}, true);
  CHECK(x.grad().to_vector() == std::vector<float>{4, 8, 12});
  y.backward();
  CHECK(x.grad().to_vector() == std::vector<float>{6, 12, 18});
  CHECK_THROWS_WITH(y.backward(),
                    Catch::Contains("second time") && Catch::Contains("retain_graph"));
  // torchlet is stricter than PyTorch here: without retain_graph every node is released,
  // even one that saved nothing (PyTorch lets those run again).
  auto z = (x + 1.f).sum();
  z.backward();
  CHECK_THROWS_WITH(z.backward(), Catch::Contains("second time"));
}

TEST_CASE("backward takes an explicit gradient and works from a leaf") {
  auto x = tensor<float>({{1.f, 2.f}, {3.f, 4.f}});
  x.requires_grad_();
  auto g = tensor<float>({{1.f, 0.f}, {0.5f, 2.f}});
  (x * 3.f).backward(g);
  CHECK(x.grad().to_vector() == std::vector<float>{3, 0, 1.5f, 6});
  CHECK(g.to_vector() == std::vector<float>{1, 0, 0.5f, 2});  // the given gradient is not aliased
  x.set_grad({});
  x.backward(g);
  CHECK(x.grad().to_vector() == g.to_vector());
  CHECK_FALSE(x.grad().is_same(g));
  CHECK_THROWS_AS((x * 3.f).backward(ones({3})), ShapeError);
}

TEST_CASE("gradients of two leaves never share memory") {
  auto a = tensor<float>({1.f, 2.f});
  auto b = tensor<float>({3.f, 4.f});
  a.requires_grad_();
  b.requires_grad_();
  (a + b).sum().backward();
  CHECK(a.grad().data() != b.grad().data());
  (a + b).sum().backward();
  CHECK(a.grad().to_vector() == std::vector<float>{2, 2});
  CHECK(b.grad().to_vector() == std::vector<float>{2, 2});
}

TEST_CASE("in-place ops on leaves that require grad are rejected as in PyTorch") {
  auto w = tensor<float>({1.f, 2.f, 3.f});
  w.requires_grad_();
  CHECK_THROWS_WITH(w += 1.f, Catch::Contains("leaf Variable that requires grad"));
  CHECK_THROWS_WITH(w.mul_(tensor<float>({2.f})),
                    Catch::Contains("leaf Variable that requires grad"));
  CHECK_THROWS_WITH(w.fill_(0.f), Catch::Contains("leaf Variable that requires grad"));
  CHECK_THROWS_WITH(w.relu_(), Catch::Contains("leaf Variable that requires grad"));
  CHECK_THROWS_WITH(w.copy_(zeros({3})), Catch::Contains("leaf Variable that requires grad"));
  // ... and on views of them.
  CHECK_THROWS_WITH(w[0].fill_(5.f), Catch::Contains("view of a leaf Variable"));
  CHECK_THROWS_WITH(w.view({3, 1}) += 1.f, Catch::Contains("view of a leaf Variable"));
  CHECK(w.to_vector() == std::vector<float>{1, 2, 3});
  // Allowed without grad mode (what optimizers and initialisers do).
  {
    NoGradGuard ng;
    w -= 0.5f;
    w[0].fill_(7.f);
  }
  CHECK(w.to_vector() == std::vector<float>{7, 1.5f, 2.5f});
  CHECK(w.requires_grad());
  CHECK(w.is_leaf());
}

TEST_CASE("in-place ops on non-leaves are recorded and rebase the history") {
  auto x = tensor<float>({1.f, -2.f, 3.f});
  x.requires_grad_();
  auto y = x * 2.f;
  auto consumer = y * 3.f;  // consumed y before the in-place op (saving nothing)
  y += 1.f;
  CHECK(y.grad_fn_name() == "AddBackward0");
  y.relu_();
  CHECK(y.grad_fn_name() == "ReluBackward0");
  CHECK(y.to_vector() == std::vector<float>{3, 0, 7});
  (y.sum() + consumer.sum()).backward();
  // d/dx relu(2x + 1) = 2 [2x + 1 > 0]; d/dx 3 (2x) = 6: the consumer's gradient still
  // flows through the history y had when it was consumed.
  CHECK(x.grad().to_vector() == std::vector<float>{8, 6, 8});
}

TEST_CASE("modifying a tensor saved for backward is detected") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  auto y = x.exp();  // saves its output
  auto z = y.sum();
  y.mul_(tensor<float>({2.f}));  // y is saved by exp's backward
  CHECK_THROWS_WITH(z.backward(), Catch::Contains("modified by an inplace operation"));
  // A detached alias shares the version counter.
  auto a = tensor<float>({1.f, 2.f});
  a.requires_grad_();
  auto b = a * a;  // saves a
  a.detach().fill_(0.f);
  CHECK_THROWS_WITH(b.sum().backward(), Catch::Contains("modified by an inplace operation"));
}

TEST_CASE("in-place ops on views that take part in a graph rebase the base's history") {
  // As torch 1.13: the base's grad_fn becomes CopySlices, the view's AsStridedBackward0.
  auto x = tensor<float>({1.f, 2.f, 3.f, 4.f});
  x.requires_grad_();
  auto y = x * 2.f;
  auto v = y.view({2, 2});
  v += 1.f;
  CHECK(y.grad_fn_name() == "CopySlices");
  CHECK(v.grad_fn_name() == "AsStridedBackward0");
  (y * y).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{12, 20, 28, 36});
  auto x2 = tensor<float>({1.f, 2.f, 3.f, 4.f});
  x2.requires_grad_();
  auto buf = zeros({4});
  buf.narrow(0, 0, 2).copy_((x2 * 3.f).narrow(0, 0, 2));
  CHECK(buf.grad_fn_name() == "CopySlices");
  CHECK(buf.to_vector() == std::vector<float>{3, 6, 0, 0});
  buf.sum().backward();
  CHECK(x2.grad().to_vector() == std::vector<float>{3, 3, 0, 0});
  auto plain = zeros({4});
  CHECK_NOTHROW(plain.narrow(0, 0, 2).copy_(tensor<float>({5.f, 6.f})));
  CHECK(plain.to_vector() == std::vector<float>{5, 6, 0, 0});
  CHECK(plain.is_leaf());
}

TEST_CASE("a dropped graph is freed and backward frees saved tensors") {
  auto x = randn({8, 8});
  x.requires_grad_();
  std::weak_ptr<detail::TensorImpl<float>> h_impl;
  std::weak_ptr<autograd::Node<float>> node;
  {
    auto h = (x * 2.f).tanh();
    h_impl = h.impl();
    node = h.impl()->grad_fn;
    auto out = (h * h).sum();
  }
  CHECK(h_impl.expired());
  CHECK(node.expired());
  // The intermediate's memory lives only in what backward closures saved.
  auto h = x.exp();
  auto storage = std::weak_ptr<detail::Storage<float>>(h.impl()->storage);
  auto loss = h.sum();
  h = Tensor();
  CHECK_FALSE(storage.expired());  // saved by ExpBackward0
  loss.backward();
  CHECK(storage.expired());  // released after backward without retain_graph
}

TEST_CASE("deep graphs backward and free without recursion") {
  auto x = tensor<float>({1.f});
  x.requires_grad_();
  auto y = x * 1.f;
  for (int i = 0; i < 200000; ++i) y = y + 1e-6f;
  y.backward();
  CHECK(x.grad().item() == 1.f);
  auto z = x * 1.f;
  for (int i = 0; i < 200000; ++i) z = z * 1.f;
  z = Tensor();  // frees 200,000 nodes
  SUCCEED();
}

TEST_CASE("gradients flow through dtype conversions") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  auto d = x.to<double>();
  CHECK(d.grad_fn_name() == "ToCopyBackward0");
  (d * d * 0.5).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>{1, 2});
  auto i = x.to<std::int64_t>();
  CHECK_FALSE(i.requires_grad());
  CHECK(x.to<float>().is_same(x));
}

TEST_CASE("NoGradGuard and detach cut the tape") {
  auto x = tensor<float>({1.f});
  x.requires_grad_();
  {
    NoGradGuard g;
    CHECK_FALSE((x * 2.f).requires_grad());
    CHECK_FALSE(x.exp().requires_grad());
  }
  CHECK((x * 2.f).requires_grad());
  CHECK_FALSE((x * 2.f).detach().requires_grad());
  CHECK_THROWS_AS((x * 2.f).requires_grad_(false), std::invalid_argument);
  CHECK_THROWS_AS(tensor<std::int64_t>({1}).requires_grad_(), std::invalid_argument);
}

namespace {
std::size_t heap_in_use() { return mallinfo2().uordblks; }
}  // namespace

TEST_CASE("10000 training steps do not grow memory") {
  // A two-layer network trained with manual SGD: the pattern of every training loop.
  manual_seed(0);
  auto w1 = (randn({16, 32}) * 0.1f).detach().requires_grad_(), b1 = zeros({32}).requires_grad_();
  auto w2 = (randn({32, 4}) * 0.1f).detach().requires_grad_(), b2 = zeros({4}).requires_grad_();
  const auto x = randn({8, 16});
  const auto target = randint(0, 4, {8});
  std::vector<Tensor> params{w1, b1, w2, b2};
  auto step = [&] {
    for (auto& p : params) p.set_grad({});
    auto h = (matmul(x, w1) + b1).relu();
    auto logits = addmm(b2, h, w2);
    auto logp = logits.log_softmax(1);
    auto loss =
        -(logp * (arange<float>(4.f) == target.to<float>().unsqueeze(1)).to<float>()).sum() / 8.f;
    loss.backward();
    NoGradGuard ng;
    for (auto& p : params) p -= p.grad() * 0.1f;
    return loss.item();
  };
  const float first = step();
  for (int i = 0; i < 100; ++i) step();  // warm up allocator pools
  const auto before = heap_in_use();
  float last = 0;
  for (int i = 0; i < 10000; ++i) last = step();
  const auto after = heap_in_use();
  CHECK(last < first);
  INFO("heap in use before " << before << " bytes, after " << after);
  if (before != 0) CHECK(after <= before + 64 * 1024);  // mallinfo2 reads 0 under sanitizers
}

}  // namespace TORCHLET_TEST_FILE
