#pragma once
// nn::PixelShuffle: x [*, C * r^2, H, W] -> [*, C, H * r, W * r]; nn::PixelUnshuffle its
// inverse (see functional/pixelshuffle.hpp).
#include <string>

#include "torchlet/nn/functional/pixelshuffle.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// nn.PixelShuffle(upscale_factor): [*, C * r^2, H, W] -> [*, C, H * r, W * r].
template <class = void>
class PixelShuffleImpl : public StatelessModule {
 public:
  /// r.
  std::int64_t upscale_factor;
  /// nn::PixelShuffle{3}
  explicit PixelShuffleImpl(std::int64_t upscale_factor) : upscale_factor(upscale_factor) {}
  /// x [*, C * r^2, H, W] -> [*, C, H * r, W * r]
  Tensor forward(const Tensor& x) override { return functional::pixel_shuffle(x, upscale_factor); }
  std::string extra_repr() const override {
    return "upscale_factor=" + std::to_string(upscale_factor);
  }
};
/// PixelShuffle: see PixelShuffleImpl.
using PixelShuffle = PixelShuffleImpl<>;

/// nn.PixelUnshuffle(downscale_factor): [*, C, H * r, W * r] -> [*, C * r^2, H, W].
template <class = void>
class PixelUnshuffleImpl : public StatelessModule {
 public:
  /// r.
  std::int64_t downscale_factor;
  /// nn::PixelUnshuffle{2}
  explicit PixelUnshuffleImpl(std::int64_t downscale_factor) : downscale_factor(downscale_factor) {}
  /// x [*, C, H * r, W * r] -> [*, C * r^2, H, W]
  Tensor forward(const Tensor& x) override {
    return functional::pixel_unshuffle(x, downscale_factor);
  }
  std::string extra_repr() const override {
    return "downscale_factor=" + std::to_string(downscale_factor);
  }
};
/// PixelUnshuffle: see PixelUnshuffleImpl.
using PixelUnshuffle = PixelUnshuffleImpl<>;

}  // namespace torchlet::nn
