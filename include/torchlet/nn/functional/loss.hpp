#pragma once
// Loss functions. cross_entropy fuses log_softmax and NLL: input [N, C] logits,
// target [N] class indices (int64) -> scalar (mean over N).
#include <cmath>
#include <limits>

#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

inline Tensor cross_entropy(const Tensor& input, const LongTensor& target) {
  if (input.dim() != 2)
    throw ShapeError("cross_entropy: expected input [N, C] (logits), got " + to_string(input.shape()));
  const auto n = input.size(0), c = input.size(1);
  if (target.dim() != 1 || target.size(0) != n)
    throw ShapeError("cross_entropy: target " + to_string(target.shape()) + " does not match input " +
                     to_string(input.shape()) + " (expected target [" + std::to_string(n) + "])");
  if (n == 0) throw std::invalid_argument("cross_entropy: empty batch (input " + to_string(input.shape()) + ")");
  const float* x = input.data();
  const std::int64_t* t = target.data();
  for (std::int64_t i = 0; i < n; ++i)
    if (t[i] < 0 || t[i] >= c)
      throw std::out_of_range("cross_entropy: target " + std::to_string(t[i]) + " is out of bounds for " +
                              std::to_string(c) + " classes (at index " + std::to_string(i) + ")");
  // Row-wise log-softmax; keep the probabilities for backward.
  auto probs = Tensor::empty({n, c});
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = x + i * c;
    float* p = probs.data() + i * c;
    float mx = -std::numeric_limits<float>::infinity();
    for (std::int64_t k = 0; k < c; ++k) mx = std::max(mx, row[k]);
    float s = 0;
    for (std::int64_t k = 0; k < c; ++k) s += (p[k] = std::exp(row[k] - mx));
    const float inv = 1.0f / s;
    for (std::int64_t k = 0; k < c; ++k) p[k] *= inv;
    total += -(static_cast<double>(row[t[i]]) - mx - std::log(static_cast<double>(s)));
  }
  auto loss = scalar_tensor<float>(static_cast<float>(total / static_cast<double>(n)));
  if (detail::needs_graph<float>({&input})) {
    detail::record(loss, "NllLossBackward", {&input}, [probs, target, n, c](const Tensor& g) {
      // d loss / d x = (softmax(x) - onehot(t)) * g / N
      auto dx = Tensor::empty({n, c});
      const float scale = *g.data() / static_cast<float>(n);
      const float* p = probs.data();
      float* d = dx.data();
      for (std::int64_t i = 0; i < n * c; ++i) d[i] = p[i] * scale;
      for (std::int64_t i = 0; i < n; ++i) d[i * c + target.data()[i]] -= scale;
      return std::vector<Tensor>{dx};
    });
  }
  return loss;
}

}  // namespace torchlet::nn::functional
