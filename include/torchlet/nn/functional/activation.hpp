#pragma once
// Activation functions, elementwise on any shape x [*] -> [*] (softmax/log_softmax
// along `dim`). relu/sigmoid/tanh/softmax/log_softmax are the tensor library's ops;
// leaky_relu and gelu are fused here with their backward.
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
  if (detail::needs_graph<float>({&x}))
    detail::record(
        out, "LeakyReluBackward0", {&x}, [sx = detail::SavedTensor<float>(x), s](const Tensor& g) {
          auto gi = Tensor::empty(g.shape());
          const auto G = detail::camap(g.data(), g.numel());
          detail::amap(gi.data(), gi.numel()) =
              (detail::camap(sx.data("LeakyReluBackward0"), g.numel()) > 0.0f).select(G, G * s);
          return std::vector<Tensor>{gi};
        });
  return out;
}

/// GELU: x * Phi(x) (approximate = "none") or its tanh approximation (approximate = "tanh").
template <class = void>
inline Tensor gelu(const Tensor& x, const std::string& approximate = "none") {
  if (approximate != "none" && approximate != "tanh")
    throw std::invalid_argument("gelu: approximate must be 'none' or 'tanh', got '" + approximate +
                                "'");
  const bool use_tanh = approximate == "tanh";
  constexpr float kInvSqrt2 = 0.70710678118654752440f, kInvSqrt2Pi = 0.39894228040143267794f;
  constexpr float kBeta = 0.79788456080286535588f /* sqrt(2/pi) */, kKappa = 0.044715f;
  auto out = Tensor::empty(x.shape());
  const float* xp = x.data();
  float* op = out.data();
  const auto n = x.numel();
  if (use_tanh) {
    for (std::int64_t i = 0; i < n; ++i) {
      const float v = xp[i];
      op[i] = 0.5f * v * (1.0f + std::tanh(kBeta * (v + kKappa * v * v * v)));
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i)
      op[i] = 0.5f * xp[i] * (1.0f + std::erf(xp[i] * kInvSqrt2));
  }
  if (detail::needs_graph<float>({&x}))
    detail::record(out, "GeluBackward0", {&x}, [xd = x.detach(), use_tanh](const Tensor& g) {
      auto gi = Tensor::empty(g.shape());
      const float* xv = xd.data();
      const float* gv = g.data();
      float* d = gi.data();
      for (std::int64_t i = 0; i < gi.numel(); ++i) {
        const float v = xv[i];
        float dy;
        if (use_tanh) {
          const float inner = kBeta * (v + kKappa * v * v * v);
          const float t = std::tanh(inner);
          const float dinner = kBeta * (1.0f + 3.0f * kKappa * v * v);
          dy = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * dinner;
        } else {
          dy = 0.5f * (1.0f + std::erf(v * kInvSqrt2)) + v * kInvSqrt2Pi * std::exp(-0.5f * v * v);
        }
        d[i] = gv[i] * dy;
      }
      return std::vector<Tensor>{gi};
    });
  return out;
}

}  // namespace torchlet::nn::functional
