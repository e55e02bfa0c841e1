#pragma once
// A check shared by the create_graph tests (tests/autograd/gradgrad_extra.cpp,
// tests/nn/create_graph.cpp): an op's recorded backward computes the same first-order
// gradient as its fast one.

#include <cstddef>
#include <functional>
#include <optional>
#include <type_traits>
#include <vector>

#include <torchlet/autograd/engine.hpp>
#include <torchlet/tensor/creation.hpp>

#include "catch.hpp"

namespace torchlet_test {

/// The gradients of f at xs for a random output gradient, with create_graph off (the fast
/// path) and on (the recorded one), agree to `tol`; the fast one carries no graph. T defaults
/// to double (the float64 checks); name it for float ops: same_first_order<float>(...).
template <class T = double>
void same_first_order(
    const std::type_identity_t<
        std::function<torchlet::BasicTensor<T>(const std::vector<torchlet::BasicTensor<T>>&)>>& f,
    const std::type_identity_t<std::vector<torchlet::BasicTensor<T>>>& xs, double tol = 1e-12) {
  std::vector<torchlet::BasicTensor<T>> gout;
  auto run = [&](bool create_graph) {
    std::vector<torchlet::BasicTensor<T>> in;
    for (const auto& x : xs) in.push_back(x.detach().clone().requires_grad_());
    auto y = f(in);
    if (gout.empty()) gout.push_back(torchlet::randn<T>(y.shape()));
    return torchlet::autograd::grad({y}, in, gout, std::nullopt, create_graph);
  };
  const auto fast = run(false), recorded = run(true);
  REQUIRE(fast.size() == recorded.size());
  for (std::size_t i = 0; i < fast.size(); ++i) {
    INFO("input " << i);
    CHECK_FALSE(fast[i].requires_grad());
    const auto a = fast[i].to_vector(), b = recorded[i].to_vector();
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) CHECK(b[k] == Approx(a[k]).margin(tol));
  }
}

}  // namespace torchlet_test
