// autograd::gradcheck over every differentiable op of the tensor library, with
// broadcasting operands, scalars on either side, reductions with and without keepdim,
// in-place ops on non-leaves and dtype conversions.
#include <torchlet/tensor.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using autograd::gradcheck;
using T = DoubleTensor;

namespace {

T leaf(Shape s, std::uint64_t seed) {
  Generator g(seed);
  return randn<double>(s, g).requires_grad_();
}
// Values in [lo, hi), away from the kinks and poles the domain-restricted ops have.
T leaf_in(Shape s, double lo, double hi, std::uint64_t seed) {
  Generator g(seed);
  auto t = rand<double>(s, g);
  {
    NoGradGuard ng;
    t *= hi - lo;
    t += lo;
  }
  return t.requires_grad_();
}
// Random values with |x| >= 0.1, so no finite difference step crosses 0.
T leaf_off_zero(Shape s, std::uint64_t seed) {
  auto t = leaf(s, seed);
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    double& v = t.data()[i];
    if (std::abs(v) < 0.1) v = v < 0 ? v - 0.1 : v + 0.1;
  }
  return t;
}

#define GRADCHECK(...) CHECK_NOTHROW(gradcheck(__VA_ARGS__))

}  // namespace

TEST_CASE("gradcheck itself catches a wrong gradient and rejects bad calls") {
  auto x = leaf({3}, 1);
  // A deliberately wrong backward: claims d(2x)/dx = 3.
  auto wrong = [](const T& v) {
    auto out = v.detach() * 2.0;
    detail::record(out, "WrongBackward", {&v}, [](const T& g) { return std::vector<T>{g * 3.0}; });
    return out;
  };
  CHECK_THROWS_AS(gradcheck(wrong, {x}), autograd::GradcheckError);
  CHECK_FALSE(gradcheck(wrong, {x}, {.raise_exception = false}));
  CHECK(gradcheck([](const T& v) { return v * 2.0; }, {x}));
  CHECK_THROWS_AS(gradcheck([](const T& v) { return v * 2.0; }, {x.detach()}),
                  std::invalid_argument);
  CHECK_THROWS_AS(gradcheck([](const T& v) { return v * 2.0; }, {x * 1.0}), std::invalid_argument);
  CHECK_THROWS_AS(gradcheck([](const T& a, const T& b) { return a * b; }, {x}),
                  std::invalid_argument);
}

TEST_CASE("gradcheck binary arithmetic with broadcasting and scalars") {
  auto a = leaf({2, 3}, 1), b = leaf({2, 3}, 2), row = leaf({3}, 3), col = leaf({2, 1}, 4),
       s = leaf({}, 5);
  auto pos = leaf_in({2, 3}, 0.5, 2.0, 6), pos_row = leaf_in({3}, 0.5, 2.0, 7),
       pos_col = leaf_in({2, 1}, 0.5, 2.0, 8);
  auto c3 = leaf({4, 1, 3}, 9);
  for (auto [x, y] : {std::pair{a, b},
                      {a, row},
                      {row, a},
                      {a, col},
                      {col, row},
                      {a, s},
                      {s, a},
                      {c3, a},
                      {col, c3}}) {
    GRADCHECK([](const T& u, const T& v) { return u + v; }, {x, y});
    GRADCHECK([](const T& u, const T& v) { return u - v; }, {x, y});
    GRADCHECK([](const T& u, const T& v) { return u * v; }, {x, y});
    GRADCHECK([](const T& u, const T& v) { return add(u, v) * sub(u, v); }, {x, y});
  }
  for (auto [x, y] :
       {std::pair{a, pos}, {a, pos_row}, {pos_row, pos}, {a, pos_col}, {pos_col, pos_row}}) {
    GRADCHECK([](const T& u, const T& v) { return u / v; }, {x, y});
    GRADCHECK([](const T& u, const T& v) { return div(u, v); }, {x, y});
  }
  GRADCHECK([](const T& u) { return u + 2.0; }, {a});
  GRADCHECK([](const T& u) { return 2.0 + u; }, {a});
  GRADCHECK([](const T& u) { return u - 2.0; }, {a});
  GRADCHECK([](const T& u) { return 2.0 - u; }, {a});
  GRADCHECK([](const T& u) { return u * 3.0; }, {a});
  GRADCHECK([](const T& u) { return 3.0 * u; }, {a});
  GRADCHECK([](const T& u) { return u / 3.0; }, {a});
  GRADCHECK([](const T& u) { return 3.0 / u; }, {pos});
  GRADCHECK([](const T& u) { return -u; }, {a});
  GRADCHECK([](const T& i, const T& u, const T& v) { return addcmul(i, u, v, 0.5); }, {a, b, a});
  GRADCHECK([](const T& i, const T& u, const T& v) { return addcmul(i, u, v); }, {row, col, a});
  // A tensor used twice, and temporaries lending their memory (rvalue operands).
  GRADCHECK([](const T& u) { return u * u + u; }, {a});
  GRADCHECK([](const T& u, const T& v) { return (u * v + v) * (u - 1.0) / 2.0; }, {a, row});
}

TEST_CASE("gradcheck unary math") {
  auto x = leaf({2, 3}, 11), pos = leaf_in({2, 3}, 0.2, 3.0, 12), off = leaf_off_zero({2, 3}, 13);
  auto gt_m1 = leaf_in({2, 3}, -0.9, 3.0, 14);
  GRADCHECK([](const T& v) { return neg(v); }, {x});
  GRADCHECK([](const T& v) { return v.abs(); }, {off});
  GRADCHECK([](const T& v) { return v.exp(); }, {x});
  GRADCHECK([](const T& v) { return v.log(); }, {pos});
  GRADCHECK([](const T& v) { return v.log1p(); }, {gt_m1});
  GRADCHECK([](const T& v) { return v.sqrt(); }, {pos});
  GRADCHECK([](const T& v) { return v.rsqrt(); }, {pos});
  GRADCHECK([](const T& v) { return v.sin(); }, {x});
  GRADCHECK([](const T& v) { return v.cos(); }, {x});
  GRADCHECK([](const T& v) { return v.tanh(); }, {x});
  GRADCHECK([](const T& v) { return v.sigmoid(); }, {x});
  GRADCHECK([](const T& v) { return v.relu(); }, {off});
  GRADCHECK([](const T& v) { return v.gelu(); }, {x});
  GRADCHECK([](const T& v) { return v.gelu("tanh"); }, {x});
  GRADCHECK([](const T& v) { return v.pow(2.0); }, {x});
  GRADCHECK([](const T& v) { return v.pow(3.0); }, {x});
  GRADCHECK([](const T& v) { return v.pow(-1.5); }, {pos});
  GRADCHECK([](const T& v) { return v.pow(0.0); }, {x});
  GRADCHECK([](const T& v) { return v.clamp(-0.05, 0.05); }, {off});
  GRADCHECK([](const T& v) { return v.clamp(0.0); }, {off});
  GRADCHECK([](const T& v) { return v.clamp(std::nullopt, 0.0); }, {off});
  // Free-function and rvalue forms.
  GRADCHECK([](const T& v) { return exp(tanh(v * 1.0)); }, {x});
  GRADCHECK([](const T& v) { return sigmoid(v) * relu(v + 0.0) - sin(v) + cos(v); }, {off});
}

TEST_CASE("gradcheck where and comparisons as masks") {
  auto a = leaf({2, 3}, 21), b = leaf({3}, 22), c = leaf({2, 1}, 23);
  BoolTensor cond = tensor<bool>({{true, false, true}, {false, false, true}});
  GRADCHECK([&](const T& u, const T& v) { return where(cond, u, v); }, {a, b});
  GRADCHECK([&](const T& u, const T& v) { return where(cond, v, u); }, {c, b});
  GRADCHECK([](const T& u) { return where(u > 0.0, u, 0.5 * u); }, {leaf_off_zero({2, 3}, 24)});
  GRADCHECK([&](const T& u) { return where(cond, u, 1.0); }, {a});
  GRADCHECK([&](const T& u) { return where(cond, 1.0, u); }, {c});
}

TEST_CASE("gradcheck matrix products") {
  auto a = leaf({3, 4}, 31), b = leaf({4, 2}, 32), v4 = leaf({4}, 33), v3 = leaf({3}, 34);
  auto ba = leaf({2, 3, 4}, 35), bb = leaf({2, 4, 2}, 36), b1 = leaf({1, 4, 2}, 37),
       bias = leaf({2}, 38);
  auto b4 = leaf({2, 1, 3, 4}, 39), b5 = leaf({3, 4, 2}, 40);
  GRADCHECK([](const T& x, const T& y) { return mm(x, y); }, {a, b});
  GRADCHECK([](const T& x, const T& y) { return x.mm(y); }, {a, b});
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); }, {a, b});  // 2-D @ 2-D
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); },
            {v4, v4.detach().clone().requires_grad_()});                    // dot
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); }, {a, v4});  // 2-D @ 1-D
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); }, {v3, a});  // 1-D @ 2-D
  GRADCHECK([](const T& x, const T& y) { return bmm(x, y); }, {ba, bb});
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); }, {ba, bb});  // 3-D @ 3-D
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); }, {ba, b1});  // batch broadcast
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); }, {ba, b});   // 3-D @ 2-D
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); }, {a, bb});   // 2-D @ 3-D
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); }, {ba, v4});  // 3-D @ 1-D
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); },
            {v4, ba.detach().transpose(1, 2).contiguous().requires_grad_()});
  GRADCHECK([](const T& x, const T& y) { return matmul(x, y); }, {b4, b5});  // 4-D @ 3-D
  GRADCHECK([](const T& i, const T& x, const T& y) { return addmm(i, x, y); }, {bias, a, b});
  GRADCHECK([](const T& i, const T& x, const T& y) { return addmm(i, x, y, 0.5, -2.0); },
            {leaf({3, 2}, 41), a, b});
}

TEST_CASE("gradcheck reductions over all elements and over a dim with keepdim") {
  auto x = leaf({2, 3, 4}, 51), pos = leaf_in({2, 3, 4}, 0.5, 2.0, 52);
  GRADCHECK([](const T& v) { return v.sum(); }, {x});
  GRADCHECK([](const T& v) { return v.mean(); }, {x});
  GRADCHECK([](const T& v) { return v.max(); }, {x});
  GRADCHECK([](const T& v) { return v.min(); }, {x});
  GRADCHECK([](const T& v) { return v.var(); }, {x});
  GRADCHECK([](const T& v) { return v.var(false); }, {x});
  GRADCHECK([](const T& v) { return v.std(); }, {x});
  GRADCHECK([](const T& v) { return v.norm(); }, {x});
  GRADCHECK([](const T& v) { return v.norm(1.0); }, {leaf_off_zero({2, 3, 4}, 53)});
  GRADCHECK([](const T& v) { return v.norm(3.0); }, {pos});
  GRADCHECK([](const T& v) { return v.norm(INFINITY); }, {x});
  for (std::int64_t d : {0, 1, 2, -1}) {
    for (bool keep : {false, true}) {
      INFO("dim " << d << " keepdim " << keep);
      GRADCHECK([=](const T& v) { return v.sum(d, keep); }, {x});
      GRADCHECK([=](const T& v) { return v.mean(d, keep); }, {x});
      GRADCHECK([=](const T& v) { return v.max(d, keep).values; }, {x});
      GRADCHECK([=](const T& v) { return v.min(d, keep).values; }, {x});
      GRADCHECK([=](const T& v) { return v.var(d, true, keep); }, {x});
      GRADCHECK([=](const T& v) { return v.var(d, false, keep); }, {x});
      GRADCHECK([=](const T& v) { return v.std(d, true, keep); }, {x});
      GRADCHECK([=](const T& v) { return v.logsumexp(d, keep); }, {x});
      GRADCHECK([=](const T& v) { return v.norm(2.0, d, keep); }, {x});
      GRADCHECK([=](const T& v) { return v.norm(1.5, d, keep); }, {pos});
      GRADCHECK([=](const T& v) { return v.norm(-INFINITY, d, keep); }, {x});
    }
    GRADCHECK([=](const T& v) { return v.softmax(d); }, {x});
    GRADCHECK([=](const T& v) { return v.log_softmax(d); }, {x});
  }
  // A keepdim result broadcast back against its input.
  GRADCHECK([](const T& v) { return (v - v.mean(1, true)) / v.std(1, true, true); }, {x});
  GRADCHECK([](const T& v) { return v - v.logsumexp(-1, true); }, {x});
}

TEST_CASE("gradcheck shape and indexing ops") {
  auto x = leaf({2, 3, 4}, 61), y = leaf({2, 3, 4}, 62), z = leaf({2, 5, 4}, 63);
  auto idx = tensor<std::int64_t>({2, 0, 2});
  GRADCHECK([](const T& v) { return v.reshape({4, -1}); }, {x});
  GRADCHECK([](const T& v) { return v.view({6, 4}); }, {x});
  GRADCHECK([](const T& v) { return v.flatten(); }, {x});
  GRADCHECK([](const T& v) { return v.flatten(1); }, {x});
  GRADCHECK([](const T& v) { return v.unsqueeze(1).squeeze(1); }, {x});
  GRADCHECK([](const T& v) { return v.unsqueeze(0).unsqueeze(3).squeeze(); }, {x});
  GRADCHECK([](const T& v) { return v.transpose(0, 2); }, {x});
  GRADCHECK([](const T& v) { return v.transpose(-1, 1); }, {x});
  GRADCHECK([](const T& v) { return v[1].t(); }, {x});
  GRADCHECK([](const T& v) { return v.permute({2, 0, 1}); }, {x});
  GRADCHECK([](const T& v) { return v.permute({1, 0, 2}) * 2.0; }, {x});
  GRADCHECK([](const T& v) { return v.contiguous().clone(); }, {x});
  GRADCHECK([](const T& a, const T& b) { return cat(std::vector<T>{a, b}, 0); }, {x, y});
  GRADCHECK([](const T& a, const T& b) { return cat(std::vector<T>{a, b, a}, 1); }, {x, z});
  GRADCHECK([](const T& a, const T& b) { return cat(std::vector<T>{a, b}, -1); }, {x, y});
  GRADCHECK([](const T& a, const T& b) { return stack(std::vector<T>{a, b}, 0); }, {x, y});
  GRADCHECK([](const T& a, const T& b) { return stack(std::vector<T>{a, b}, 2); }, {x, y});
  GRADCHECK([](const T& a, const T& b) { return stack(std::vector<T>{a, b}, -1); }, {x, y});
  GRADCHECK(
      [](const T& v) {
        auto p = v.split(2, 2);
        return p[0] * p[1];
      },
      {x});
  GRADCHECK(
      [](const T& v) {
        auto p = v.split({1, 2}, 1);
        return p[1].sum(1) + p[0].squeeze(1);
      },
      {x});
  GRADCHECK(
      [](const T& v) {
        auto p = v.chunk(2, 0);
        return p[0] - p[1];
      },
      {x});
  GRADCHECK(
      [](const T& v) {
        auto p = v.chunk(3, 1);
        return p[2] * 2.0 + p[0];
      },
      {x});
  GRADCHECK([&](const T& v) { return v.index_select(1, idx); }, {x});
  GRADCHECK([&](const T& v) { return v.index_select(2, idx); }, {x});
  GRADCHECK([&](const T& v) { return index_select(v, 0, tensor<std::int64_t>({1, 1})); }, {x});
  GRADCHECK([](const T& v) { return v.narrow(0, 1, 1); }, {x});
  GRADCHECK([](const T& v) { return v.narrow(1, 1, 2); }, {x});
  GRADCHECK([](const T& v) { return v.narrow(-1, -3, 2); }, {x});
  GRADCHECK([](const T& v) { return v.slice(2, 0, 4, 2); }, {x});
  GRADCHECK([](const T& v) { return v.slice(1, -2, 100); }, {x});
  GRADCHECK([](const T& v) { return v.select(1, -1); }, {x});
  GRADCHECK([](const T& v) { return v[0][2]; }, {x});
}

TEST_CASE("gradcheck dtype conversions") {
  auto x = leaf({2, 3}, 71);
  GRADCHECK([](const T& v) { return v.to<double>() * 2.0; }, {x});
  // Through float32: finite differences need a larger step and looser tolerances.
  GRADCHECK([](const T& v) { return (v.to<float>() * v.to<float>()).exp().to<double>(); }, {x},
            {.eps = 1e-3, .atol = 1e-3, .rtol = 1e-2});
  GRADCHECK([](const T& v) { return (v.to<float>().tanh() * 3.0f).sum(); }, {x},
            {.eps = 1e-3, .atol = 1e-3, .rtol = 1e-2});
}

TEST_CASE("gradcheck in-place ops on non-leaves") {
  auto a = leaf({2, 3}, 81), b = leaf({3}, 82), pos = leaf_in({3}, 0.5, 2.0, 83),
       off = leaf_off_zero({2, 3}, 84);
  GRADCHECK(
      [](const T& u, const T& v) {
        auto t = u * 1.0;
        t += v;
        return t;
      },
      {a, b});
  GRADCHECK(
      [](const T& u, const T& v) {
        auto t = u * 1.0;
        t -= v;
        return t * t;
      },
      {a, b});
  GRADCHECK(
      [](const T& u, const T& v) {
        auto t = u.sin();
        t *= v;
        return t;
      },
      {a, b});
  GRADCHECK(
      [](const T& u, const T& v) {
        auto t = u + 0.0;
        t /= v;
        return t;
      },
      {a, pos});
  GRADCHECK(
      [](const T& u, const T& v) {
        auto t = u.mul(v);
        t.add_(v).mul_(u);
        return t;
      },
      {a, b});
  GRADCHECK(
      [](const T& u) {
        auto t = u * 2.0;
        t += 1.0;
        t *= 3.0;
        t -= 0.5;
        t /= 2.0;
        return t;
      },
      {a});
  GRADCHECK(
      [](const T& u) {
        auto t = u * 1.0;
        t.relu_();
        return t;
      },
      {off});
  GRADCHECK(
      [](const T& u) {
        auto t = u * 1.0;
        t.clamp_(-0.05, 0.05);
        return t;
      },
      {off});
  GRADCHECK(
      [](const T& u) {
        auto t = u * 1.0;
        t.fill_(2.0);
        return t * u;
      },
      {a});
  GRADCHECK(
      [](const T& u, const T& v) {
        auto t = u * 1.0;
        t.copy_(v);
        return t * u;
      },
      {a, b});
  // A buffer that does not require grad becomes part of the graph through an in-place op.
  GRADCHECK(
      [](const T& v) {
        auto buf = zeros<double>({2, 3});
        buf += v;
        return buf;
      },
      {b});
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef GRADCHECK
