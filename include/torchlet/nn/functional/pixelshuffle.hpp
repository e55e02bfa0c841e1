#pragma once
// pixel_shuffle / pixel_unshuffle (F.pixel_shuffle, F.pixel_unshuffle), r the factor:
//   pixel_shuffle:   x [*, C * r * r, H, W] -> [*, C, H * r, W * r]
//   pixel_unshuffle: x [*, C, H * r, W * r] -> [*, C * r * r, H, W]
// Each a reshape, a permute and a reshape (autograd through those).
#include <string>

#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

/// F.pixel_shuffle: [*, C * r^2, H, W] -> [*, C, H * r, W * r].
template <class T>
BasicTensor<T> pixel_shuffle(const BasicTensor<T>& input, std::int64_t upscale_factor) {
  const std::int64_t r = upscale_factor;
  if (r < 1)
    throw std::invalid_argument("pixel_shuffle: upscale_factor must be positive, got " +
                                std::to_string(r));
  if (input.dim() < 3 || input.size(-3) % (r * r) != 0)
    throw ShapeError("pixel_shuffle: expected an input [*, C * " + std::to_string(r * r) +
                     ", H, W] (channels divisible by upscale_factor^2 = " + std::to_string(r * r) +
                     "), got " + to_string(input.shape()));
  Shape lead(input.shape().begin(), input.shape().end() - 3);
  const std::int64_t C = input.size(-3) / (r * r), H = input.size(-2), W = input.size(-1);
  std::int64_t B = 1;
  for (std::int64_t s : lead) B *= s;
  auto y = input.reshape({B, C, r, r, H, W}).permute({0, 1, 4, 2, 5, 3});
  for (std::int64_t s : {C, H * r, W * r}) lead.push_back(s);
  return y.reshape(lead);
}

/// F.pixel_unshuffle: [*, C, H * r, W * r] -> [*, C * r^2, H, W].
template <class T>
BasicTensor<T> pixel_unshuffle(const BasicTensor<T>& input, std::int64_t downscale_factor) {
  const std::int64_t r = downscale_factor;
  if (r < 1)
    throw std::invalid_argument("pixel_unshuffle: downscale_factor must be positive, got " +
                                std::to_string(r));
  if (input.dim() < 3 || input.size(-2) % r != 0 || input.size(-1) % r != 0)
    throw ShapeError(
        "pixel_unshuffle: expected an input [*, C, H, W] with H and W divisible by "
        "downscale_factor " +
        std::to_string(r) + ", got " + to_string(input.shape()));
  Shape lead(input.shape().begin(), input.shape().end() - 3);
  const std::int64_t C = input.size(-3), H = input.size(-2) / r, W = input.size(-1) / r;
  std::int64_t B = 1;
  for (std::int64_t s : lead) B *= s;
  auto y = input.reshape({B, C, H, r, W, r}).permute({0, 1, 3, 5, 2, 4});
  for (std::int64_t s : {C * r * r, H, W}) lead.push_back(s);
  return y.reshape(lead);
}

}  // namespace torchlet::nn::functional
