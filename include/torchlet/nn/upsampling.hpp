#pragma once
// nn::Upsample, nn::UpsamplingNearest2d, nn::UpsamplingBilinear2d: F.interpolate as a layer,
// x [N, C, *S] -> [N, C, *S_out] (see functional/interpolate.hpp).
#include <string>

#include "torchlet/nn/detail/format.hpp"
#include "torchlet/nn/functional/interpolate.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// Upsample's arguments (all of PyTorch's, by keyword).
using UpsampleOptions = functional::InterpolateOptions;

/// nn.Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None,
/// recompute_scale_factor=None): x [N, C, *S] -> [N, C, *S_out].
template <class = void>
class UpsampleImpl : public StatelessModule {
 public:
  /// F.interpolate's arguments.
  UpsampleOptions options;
  /// nn::Upsample up{{.scale_factor = {2}, .mode = "bilinear", .align_corners = false}}
  explicit UpsampleImpl(UpsampleOptions options) : options(std::move(options)) {
    if (this->options.size.empty() == this->options.scale_factor.empty())
      throw std::invalid_argument(name() + ": give exactly one of size and scale_factor");
  }
  /// x [N, C, *S] -> [N, C, *S_out]
  Tensor forward(const Tensor& x) override { return functional::interpolate(x, options); }
  std::string extra_repr() const override {
    std::string s;
    if (!options.scale_factor.empty()) {
      s = "scale_factor=";
      if (options.scale_factor.size() == 1) {
        s += detail::nnfmt::py_float(options.scale_factor[0]);
      } else {
        s += "(";
        for (std::size_t i = 0; i < options.scale_factor.size(); ++i)
          s += (i ? ", " : "") + detail::nnfmt::py_float(options.scale_factor[i]);
        s += ")";
      }
    } else {
      s = "size=" + (options.size.size() == 1 ? std::to_string(options.size[0])
                                              : detail::nnfmt::py_tuple(options.size));
    }
    return s + ", mode=" + options.mode;
  }
};
/// Upsample: see UpsampleImpl.
using Upsample = UpsampleImpl<>;

/// nn.UpsamplingNearest2d(size=None, scale_factor=None): Upsample with mode "nearest".
template <class = void>
class UpsamplingNearest2dImpl : public Upsample {
 public:
  /// nn::UpsamplingNearest2d{{.scale_factor = {2}}} (mode and align_corners are fixed)
  explicit UpsamplingNearest2dImpl(const UpsampleOptions& options)
      : Upsample({options.size, options.scale_factor, "nearest", {}, {}}) {}
};
/// UpsamplingNearest2d: see UpsamplingNearest2dImpl.
using UpsamplingNearest2d = UpsamplingNearest2dImpl<>;

/// nn.UpsamplingBilinear2d(size=None, scale_factor=None): Upsample with mode "bilinear" and
/// align_corners = true.
template <class = void>
class UpsamplingBilinear2dImpl : public Upsample {
 public:
  /// nn::UpsamplingBilinear2d{{.size = {5}}} (mode and align_corners are fixed)
  explicit UpsamplingBilinear2dImpl(const UpsampleOptions& options)
      : Upsample({options.size, options.scale_factor, "bilinear", true, {}}) {}
};
/// UpsamplingBilinear2d: see UpsamplingBilinear2dImpl.
using UpsamplingBilinear2d = UpsamplingBilinear2dImpl<>;

}  // namespace torchlet::nn
