// BasicTensor: creation, shapes, views sharing storage, broadcasting arithmetic, errors.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <sstream>
#include <vector>

#include <torchlet/tensor.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

TEST_CASE("tensors are created with the right shape and values") {
  auto z = zeros({2, 3});
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.numel() == 6);
  CHECK(z.dim() == 2);
  CHECK(z.size(-1) == 3);
  CHECK(sum(z).item() == 0.0f);
  auto t = tensor<float>({{1.f, 2.f}, {3.f, 4.f}});
  CHECK(t.to_vector() == std::vector<float>{1, 2, 3, 4});
  CHECK(full({3}, 7).to_vector() == std::vector<std::int64_t>{7, 7, 7});  // int64, as PyTorch
  CHECK(arange<float>(0.f, 1.f, 0.25f).to_vector() == std::vector<float>{0, 0.25f, 0.5f, 0.75f});
  CHECK_THROWS_AS(tensor<float>({{1.f, 2.f}, {3.f}}), ShapeError);
  CHECK_THROWS_AS(t.size(2), std::out_of_range);
}

TEST_CASE("storage is 64-byte aligned") {
  for (int n : {1, 3, 17, 1000}) {
    auto t = empty({n});
    CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  }
}

TEST_CASE(
    "the buffer cache keeps a freed buffer only in what the live buffers leave of its limit") {
  auto& cache = detail::BufferCache::instance();
  const std::size_t old_limit = buffer_cache_limit();
  empty_buffer_cache();
  const std::size_t live0 = cache.live_bytes();  // large buffers other tests still hold
  const std::size_t limit = live0 + (std::size_t(8) << 20);
  set_buffer_cache_limit(limit);
  // The bytes a storage of n floats takes (alignment slack, rounded to a size class).
  const auto bytes_of = [](std::int64_t n) {
    return detail::buffer_size_class(static_cast<std::size_t>(n) * sizeof(float) +
                                     detail::kAlignment);
  };
  const std::int64_t mib = (std::int64_t(1) << 20) / std::int64_t(sizeof(float));
  {
    auto a = Tensor::empty({3 * mib});  // 3.5 MiB
    CHECK(cache.live_bytes() == live0 + bytes_of(3 * mib));
  }
  CHECK(cache.live_bytes() == live0);
  CHECK(buffer_cache_bytes() == bytes_of(3 * mib));  // kept: nothing else is live
  {
    auto b = Tensor::empty({6 * mib});  // 7 MiB: a miss, and a's 3.5 no longer fit beside it
    CHECK(buffer_cache_bytes() == 0);
  }
  CHECK(buffer_cache_bytes() == bytes_of(6 * mib));
  {
    auto c = Tensor::empty({5 * mib});  // 6 MiB each: together above the limit
    auto d = Tensor::empty({5 * mib});
    CHECK(buffer_cache_bytes() == 0);
    c = Tensor();  // freed, not kept: d leaves 2 MiB of the limit
    CHECK(buffer_cache_bytes() == 0);
    CHECK(cache.live_bytes() == live0 + bytes_of(5 * mib));
  }
  CHECK(buffer_cache_bytes() == bytes_of(5 * mib));  // d kept once nothing is live
  {
    auto e = Tensor::empty({5 * mib});  // d's buffer again
    CHECK(buffer_cache_bytes() == 0);
    CHECK(cache.live_bytes() == live0 + bytes_of(5 * mib));
  }
  // A lower limit frees what no longer fits; 0 keeps nothing.
  set_buffer_cache_limit(live0 + (std::size_t(4) << 20));
  CHECK(buffer_cache_bytes() == 0);
  set_buffer_cache_limit(0);
  { auto f = Tensor::empty({mib}); }
  CHECK(buffer_cache_bytes() == 0);
  set_buffer_cache_limit(old_limit);
}

TEST_CASE("small storages share their allocation with the storage object, without overlap") {
  // Below 64 KiB the elements follow the shared_ptr control block (detail::make_storage); at
  // and above they are a buffer of their own. Either way: aligned, disjoint from the Storage
  // object, and every element writable (ASan checks the bounds).
  auto check = [](auto t, std::int64_t n) {
    const auto* obj = reinterpret_cast<const char*>(t.impl()->storage.get());
    const auto* p = reinterpret_cast<const char*>(t.data());
    CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
    CHECK((p >= obj + sizeof(*t.impl()->storage) ||
           p + static_cast<std::size_t>(n) * sizeof(*t.data()) <= obj));
  };
  std::vector<Tensor> floats;
  std::vector<DoubleTensor> doubles;
  for (std::int64_t n : {1, 2, 15, 16, 1000, 8191, 8192, 16383, 16384, 16385, 40000}) {
    floats.push_back(empty({n}));
    doubles.push_back(DoubleTensor::empty({n}));
    check(floats.back(), n);
    check(doubles.back(), n);
    floats.back().fill_(static_cast<float>(n));
    doubles.back().fill_(static_cast<double>(n));
  }
  for (const auto& t : floats)
    CHECK(std::all_of(t.data(), t.data() + t.numel(),
                      [&](float v) { return v == static_cast<float>(t.numel()); }));
  for (const auto& t : doubles)
    CHECK(std::all_of(t.data(), t.data() + t.numel(),
                      [&](double v) { return v == static_cast<double>(t.numel()); }));
}

TEST_CASE("reshape, view, flatten and operator[] share storage") {
  auto x = arange<float>(24.f).reshape({2, 3, 4});
  auto f = x.flatten(1);
  CHECK(f.shape() == Shape{2, 12});
  CHECK(f.data() == x.data());
  auto v = x.view({-1, 4});
  CHECK(v.shape() == Shape{6, 4});
  auto row = x[1];
  CHECK(row.shape() == Shape{3, 4});
  CHECK(row.data() == x.data() + 12);
  {
    NoGradGuard g;
    row.fill_(0.f);
  }
  CHECK(x.data()[12] == 0.f);
  CHECK(x.data()[11] == 11.f);
  CHECK_THROWS_AS(x.view({5, -1}), ShapeError);
  CHECK_THROWS_AS(x.view({-1, -1}), ShapeError);
  CHECK_THROWS_AS(x[2], std::out_of_range);
  CHECK(x[-1].data() == x.data() + 12);
  CHECK(x.unsqueeze(0).shape() == Shape{1, 2, 3, 4});
  CHECK(x.unsqueeze(0).squeeze(0).shape() == Shape{2, 3, 4});
}

TEST_CASE("arithmetic broadcasts like PyTorch") {
  auto a = tensor<float>({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  auto row = tensor<float>({10.f, 20.f, 30.f});
  auto col = tensor<float>({{100.f}, {200.f}});
  CHECK((a + row).to_vector() == std::vector<float>{11, 22, 33, 14, 25, 36});
  CHECK((a + col).to_vector() == std::vector<float>{101, 102, 103, 204, 205, 206});
  CHECK((row + a).to_vector() == std::vector<float>{11, 22, 33, 14, 25, 36});
  CHECK((col - a).to_vector() == std::vector<float>{99, 98, 97, 196, 195, 194});
  CHECK((a * 2).to_vector() == std::vector<float>{2, 4, 6, 8, 10, 12});
  CHECK((1.0 / tensor<float>({2.f, 4.f})).to_vector() == std::vector<float>{0.5f, 0.25f});
  // [2, 1, 3] + [4, 1]: general broadcast -> [2, 4, 3]
  auto b = arange<float>(6.f).reshape({2, 1, 3});
  auto c = arange<float>(4.f).reshape({4, 1});
  auto s = b + c;
  CHECK(s.shape() == Shape{2, 4, 3});
  CHECK(s.data()[1 * 12 + 2 * 3 + 1] == 4.f + 2.f);
  CHECK_THROWS_AS(a + tensor<float>({1.f, 2.f}), ShapeError);
  try {
    (void)(a + tensor<float>({1.f, 2.f}));
  } catch (const ShapeError& e) {
    CHECK(std::string(e.what()).find("[2, 3]") != std::string::npos);
    CHECK(std::string(e.what()).find("[2]") != std::string::npos);
  }
}

TEST_CASE("matmul follows torch.matmul and names both shapes on mismatch") {
  auto a = arange<float>(6.f).reshape({2, 3});
  auto b = arange<float>(12.f).reshape({3, 4});
  auto c = matmul(a, b);
  CHECK(c.shape() == Shape{2, 4});
  CHECK(c.to_vector() == std::vector<float>{20, 23, 26, 29, 56, 68, 80, 92});
  CHECK(matmul(tensor<float>({1.f, 2.f, 3.f}), tensor<float>({4.f, 5.f, 6.f})).item() == 32.f);
  CHECK(matmul(a, tensor<float>({1.f, 1.f, 1.f})).to_vector() == std::vector<float>{3, 12});
  try {
    (void)matmul(zeros({64, 784}), zeros({10, 784}));
    FAIL("no exception");
  } catch (const ShapeError& e) {
    CHECK(std::string(e.what()) ==
          "matmul: [64, 784] @ [10, 784] - inner dimensions differ (784 vs 10)");
  }
}

TEST_CASE("reductions, argmax and log_softmax") {
  auto x = tensor<float>({{1.f, 5.f, 3.f}, {7.f, 2.f, 2.f}});
  CHECK(x.sum().item() == 20.f);
  CHECK(x.sum(0).to_vector() == std::vector<float>{8, 7, 5});
  CHECK(x.sum(1, true).shape() == Shape{2, 1});
  CHECK(x.mean().item() == Approx(20.0 / 6));
  CHECK(x.argmax(1).to_vector() == std::vector<std::int64_t>{1, 0});
  CHECK(x.max().item() == 7.f);
  auto ls = x.log_softmax(1);
  auto p = ls.exp().sum(1);
  CHECK(p.to_vector()[0] == Approx(1.0));
  CHECK(p.to_vector()[1] == Approx(1.0));
  auto big = tensor<float>({{1e4f, -1e4f, 0.f}});
  auto lb = big.log_softmax(1).to_vector();
  CHECK(lb[0] == Approx(0.0));
  CHECK(std::isfinite(lb[1]));
}

TEST_CASE("softmax and log_softmax over short and long rows match a double reference") {
  // Rows of 7 and 31 take the scalar loop, 32 and 1000 the vectorised kernel (softmax.hpp).
  for (std::int64_t n : {7, 31, 32, 1000}) {
    CAPTURE(n);
    manual_seed(n);
    const auto x = randn<float>({5, n}) * 6.0f;
    const auto xd = x.to<double>();
    auto ref = xd.exp();
    ref = ref / ref.sum(1, true);
    CHECK(x.softmax(1).allclose(ref.to<float>(), 1e-6, 1e-7));
    CHECK(x.log_softmax(1).allclose(ref.log().to<float>(), 1e-5, 1e-5));
    CHECK(xd.softmax(1).allclose(ref, 1e-12, 1e-14));
    // A row of -inf gives NaN (as in PyTorch); a row with one -inf gives it probability 0.
    auto y = x.clone();
    y.select(0, 0).fill_(-std::numeric_limits<float>::infinity());
    y.select(0, 1).narrow(0, 0, 1).fill_(-std::numeric_limits<float>::infinity());
    const auto s = y.softmax(1).to_vector();
    CHECK(std::isnan(s[0]));
    CHECK(s[static_cast<std::size_t>(n)] == 0.0f);
    CHECK(std::isinf(y.log_softmax(1).to_vector()[static_cast<std::size_t>(n)]));
  }
}

TEST_CASE("comparisons give bool tensors whose sum counts") {
  auto a = tensor<std::int64_t>({1, 2, 3, 4});
  auto b = tensor<std::int64_t>({1, 0, 3, 0});
  CHECK((a == b).sum().item() == 2);
  CHECK((a > 2).sum().item() == 2);
}

TEST_CASE("printing matches PyTorch's format") {
  std::ostringstream os;
  auto t = tensor<float>({{0.1f, 0.2f}});
  t.requires_grad_();
  os << t;
  CHECK(os.str() == "tensor([[0.1000, 0.2000]], requires_grad=True)");
  os.str("");
  os << tensor<std::int64_t>({1, 2, 3});
  CHECK(os.str() == "tensor([1, 2, 3])");
  os.str("");
  os << tensor<float>({1.f, 2.f});
  CHECK(os.str() == "tensor([1., 2.])");
}

TEST_CASE("a seeded generator is reproducible") {
  manual_seed(42);
  auto a = randn({100});
  manual_seed(42);
  auto b = randn({100});
  CHECK(a.to_vector() == b.to_vector());
  Generator g(7);
  auto p = randperm(10, g).to_vector();
  std::sort(p.begin(), p.end());
  for (int i = 0; i < 10; ++i) CHECK(p[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("cat and stack take a braced list, as torch.cat([a, b])") {
  auto a = tensor<float>({1.f, 2.f});
  auto b = tensor<float>({3.f, 4.f});
  CHECK(cat({a, b}).to_vector() == std::vector<float>{1.f, 2.f, 3.f, 4.f});
  auto s = stack({a, b}, 1);
  CHECK(s.shape() == Shape{2, 2});
  CHECK(s.to_vector() == std::vector<float>{1.f, 3.f, 2.f, 4.f});
  CHECK(cat({a.view({1, 2}), b.view({1, 2})}, 1).to_vector() ==
        std::vector<float>{1.f, 2.f, 3.f, 4.f});
}

TEST_CASE("multinomial draws categories in proportion to the weights, as torch.multinomial") {
  Generator gen(11);
  const auto w = tensor<float>({1.f, 0.f, 3.f, 6.f});  // not normalised
  const std::int64_t n = 20000;
  auto draws = multinomial(w, n, /*replacement=*/true, gen);
  REQUIRE(draws.shape() == Shape{n});
  std::vector<std::int64_t> count(4, 0);
  for (auto c : draws.to_vector()) ++count[static_cast<std::size_t>(c)];
  CHECK(count[1] == 0);  // a zero weight is never drawn
  CHECK(static_cast<double>(count[0]) / n == Approx(0.1).margin(0.01));
  CHECK(static_cast<double>(count[2]) / n == Approx(0.3).margin(0.015));
  CHECK(static_cast<double>(count[3]) / n == Approx(0.6).margin(0.015));

  // Without replacement: distinct categories per row; all positive ones when asked for all.
  auto rows = tensor<double>({0.5, 0.2, 0.3, 0.0, 0.1, 0.9}).view({2, 3});
  auto picks = multinomial(rows, 2, false, gen);
  REQUIRE(picks.shape() == Shape{2, 2});
  const auto p = picks.to_vector();
  CHECK(p[0] != p[1]);
  CHECK(std::set<std::int64_t>{p[2], p[3]} == std::set<std::int64_t>{1, 2});
  auto all = multinomial(tensor<float>({1.f, 2.f, 3.f}), 3, false, gen).to_vector();
  std::sort(all.begin(), all.end());
  CHECK(all == std::vector<std::int64_t>{0, 1, 2});

  // Seeded: the same generator state gives the same draws.
  Generator g1(5), g2(5);
  CHECK(multinomial(w, 50, true, g1).to_vector() == multinomial(w, 50, true, g2).to_vector());

  CHECK_THROWS_WITH(multinomial(tensor<float>({1.f, -1.f}), 1),
                    Catch::Contains("multinomial: probs must be finite and non-negative"));
  CHECK_THROWS_WITH(multinomial(tensor<float>({0.f, 0.f}), 1), Catch::Contains("sums to 0"));
  CHECK_THROWS_WITH(multinomial(tensor<float>({1.f, 0.f, 0.f}), 2),
                    Catch::Contains("too few to draw 2 without replacement"));
  CHECK_THROWS_WITH(multinomial(tensor<float>({1.f, 1.f}), 3), Catch::Contains("cannot draw 3"));
  CHECK_THROWS_AS(multinomial(zeros({2, 2, 2}), 1), ShapeError);
}

}  // namespace TORCHLET_TEST_FILE
