#pragma once
// Activation functions, elementwise on any shape x [*] -> [*] (softmax/log_softmax
// along `dim`). relu/sigmoid/tanh/softmax/log_softmax/gelu are the tensor library's ops (one
// forward and one backward each); leaky_relu is fused here with its backward.
#include <cmath>
#include <string>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

template <class = void>
inline Tensor relu(const Tensor& x) {
  return torchlet::relu(x);
}
/// A tensor nobody else holds (a temporary, or `std::move(x)` of a variable about to be
/// overwritten: `x = F::relu(std::move(x))`) lends its memory to the result when no graph is
/// recorded, so an eval forward holds one activation where it would hold two.
template <class = void>
inline Tensor relu(Tensor&& x) {
  return torchlet::relu(std::move(x));
}
template <class = void>
inline Tensor sigmoid(const Tensor& x) {
  return torchlet::sigmoid(x);
}
template <class = void>
inline Tensor sigmoid(Tensor&& x) {
  return torchlet::sigmoid(std::move(x));
}
template <class = void>
inline Tensor tanh(const Tensor& x) {
  return torchlet::tanh(x);
}
template <class = void>
inline Tensor tanh(Tensor&& x) {
  return torchlet::tanh(std::move(x));
}
template <class = void>
inline Tensor softmax(const Tensor& x, std::int64_t dim) {
  return torchlet::softmax(x, dim);
}
template <class = void>
inline Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  return torchlet::log_softmax(x, dim);
}

/// max(0, x) + negative_slope * min(0, x)
template <class = void>
inline Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01) {
  const auto s = static_cast<float>(negative_slope);
  auto out = Tensor::empty(x.shape());
  const auto X = detail::camap(x.data(), x.numel());
  detail::amap(out.data(), out.numel()) = (X > 0.0f).select(X, X * s);
  if (detail::needs_graph<float>({&x})) {
    detail::record(
        out, "LeakyReluBackward0", {&x}, [sx = detail::SavedTensor<float>(x), s](const Tensor& g) {
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: g times a constant slope mask
            auto slope = Tensor::empty(g.shape());
            const float* xp = sx.data("LeakyReluBackward0");
            for (std::int64_t i = 0; i < slope.numel(); ++i)
              slope.data()[i] = xp[i] > 0.0f ? 1.0f : s;
            return std::vector<Tensor>{g * slope};
          }
          auto gi = Tensor::empty(g.shape());
          const auto G = detail::camap(g.data(), g.numel());
          detail::amap(gi.data(), gi.numel()) =
              (detail::camap(sx.data("LeakyReluBackward0"), g.numel()) > 0.0f).select(G, G * s);
          return std::vector<Tensor>{gi};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

/// GELU: x * Phi(x) (approximate = "none") or its tanh approximation (approximate = "tanh");
/// the tensor library's torchlet::gelu (one forward, one backward: GeluBackward0).
template <class = void>
inline Tensor gelu(const Tensor& x, const std::string& approximate = "none") {
  return torchlet::gelu(x, approximate);
}

}  // namespace torchlet::nn::functional
