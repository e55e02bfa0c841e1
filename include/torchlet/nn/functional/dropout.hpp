#pragma once
// dropout(x, p, training): in training, zeroes each element with probability p and
// scales the rest by 1 / (1 - p); the identity otherwise. x [*] -> [*].
#include <cmath>
#include <cstdint>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

template <class = void>
inline Tensor dropout(const Tensor& x, double p = 0.5, bool training = true,
                      Generator& gen = default_generator()) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument("dropout: probability has to be between 0 and 1, but got " +
                                std::to_string(p));
  if (!training || p == 0.0) return x;
  // mask holds 0 or 1 / (1 - p); p == 1 drops everything.
  auto mask = Tensor::empty(x.shape());
  auto out = Tensor::empty(x.shape());
  const float scale = p == 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - p));
  // An element is dropped where gen.uniform() < p, that is where its 53 random bits k (uniform()
  // is k * 2^-53) are below ceil(p * 2^53): the same masks, decided without a branch (random
  // outcomes mispredicted one branch in two) and applied in the same pass.
  const auto drop_below = static_cast<std::uint64_t>(std::ceil(p * 0x1.0p53));
  const float* xs = x.data();
  float* m = mask.data();
  float* o = out.data();
  const std::unique_lock lock(gen.mutex());
  for (std::int64_t i = 0, n = mask.numel(); i < n; ++i) {
    const float keep = (gen.next() >> 11) < drop_below ? 0.0f : scale;
    m[i] = keep;
    o[i] = xs[i] * keep;
  }
  if (detail::needs_graph<float>({&x})) {
    detail::record(out, "DropoutBackward", {&x}, [mask](const Tensor& g) {
      if (is_grad_enabled()) [[unlikely]]  // create_graph: g times the constant mask, recorded
        return std::vector<Tensor>{g * mask};
      auto gi = Tensor::empty(g.shape());
      detail::amap(gi.data(), gi.numel()) =
          detail::camap(g.data(), g.numel()) * detail::camap(mask.data(), mask.numel());
      return std::vector<Tensor>{gi};
    });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

}  // namespace torchlet::nn::functional
