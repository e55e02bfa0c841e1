#pragma once
// nn::Conv2d: x [N, C_in, H, W] (or [C_in, H, W]) -> [N, C_out, H_out, W_out] (see
// functional/conv.hpp). weight [C_out, C_in / groups, kH, kW], bias [C_out]. PyTorch's
// default init: kaiming_uniform_(weight, a = sqrt(5)), bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))
// with fan_in = C_in / groups * kH * kW.
#include <cmath>

#include "torchlet/nn/functional/conv.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// Conv2d's arguments after kernel_size, in PyTorch's order.
struct Conv2dOptions {
  IntPair stride = 1;    ///< Step of the window.
  IntPair padding = 0;   ///< Implicit zero padding on each side.
  IntPair dilation = 1;  ///< Spacing between the kernel's elements.
  std::int64_t groups =
      1;  ///< Channel groups: in and out channels are split into `groups` independent convolutions.
  bool bias = true;  ///< Add a learnable bias.
};

/// nn.Conv2d: x [N, C_in, H, W] (or [C_in, H, W]) -> [N, C_out, H_out, W_out].
class Conv2d : public Module {
 public:
  ///@{
  /// C_in and C_out.
  std::int64_t in_channels, out_channels;
  ///@}
  ///@{
  /// As given to the constructor (see Conv2dOptions).
  IntPair kernel_size, stride, padding, dilation;
  ///@}
  /// Channel groups.
  std::int64_t groups;
  ///@{
  /// weight [C_out, C_in / groups, kH, kW]; bias [C_out] (undefined without bias).
  Tensor weight, bias;
  ///@}

  /// nn::Conv2d conv{1, 32, 3, {.padding = 1}}
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, IntPair kernel_size,
         Conv2dOptions options = {})
      : in_channels(in_channels),
        out_channels(out_channels),
        kernel_size(kernel_size),
        stride(options.stride),
        padding(options.padding),
        dilation(options.dilation),
        groups(options.groups) {
    if (in_channels <= 0 || out_channels <= 0)
      throw std::invalid_argument("Conv2d: in_channels and out_channels must be positive, got " +
                                  std::to_string(in_channels) + " and " +
                                  std::to_string(out_channels));
    if (groups <= 0 || in_channels % groups || out_channels % groups)
      throw std::invalid_argument("Conv2d: in_channels (" + std::to_string(in_channels) +
                                  ") and out_channels (" + std::to_string(out_channels) +
                                  ") must be divisible by groups (" + std::to_string(groups) + ")");
    if (kernel_size.h < 1 || kernel_size.w < 1 || stride.h < 1 || stride.w < 1 || dilation.h < 1 ||
        dilation.w < 1 || padding.h < 0 || padding.w < 0)
      throw std::invalid_argument("Conv2d: kernel_size " + kernel_size.tuple_repr() + ", stride " +
                                  stride.tuple_repr() + " and dilation " + dilation.tuple_repr() +
                                  " must be positive, padding " + padding.tuple_repr() +
                                  " non-negative");
    weight = empty({out_channels, in_channels / groups, kernel_size.h, kernel_size.w});
    if (options.bias) bias = empty({out_channels});
    reset_parameters();
    register_all();
  }

  /// PyTorch's default: kaiming_uniform_(a = sqrt(5)) weights, bias U(-1/sqrt(fan_in),
  /// 1/sqrt(fan_in)).
  void reset_parameters() {
    init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (bias.defined()) {
      const auto fan_in = init::calculate_fan_in_and_fan_out(weight).fan_in;
      const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
      init::uniform_(bias, -bound, bound);
    }
  }

  /// x: [N, C_in, H, W] -> [N, C_out, H_out, W_out]
  Tensor forward(const Tensor& x) override {
    if ((x.dim() != 3 && x.dim() != 4) || x.size(-3) != in_channels)
      throw ShapeError("Conv2d(in_channels=" + std::to_string(in_channels) +
                       "): expected input [N, " + std::to_string(in_channels) + ", H, W], got " +
                       to_string(x.shape()));
    return functional::conv2d(x, weight, bias, stride, padding, dilation, groups);
  }

  std::string extra_repr() const override {
    std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                    ", kernel_size=" + kernel_size.tuple_repr() + ", stride=" + stride.tuple_repr();
    if (!(padding == IntPair(0))) s += ", padding=" + padding.tuple_repr();
    if (!(dilation == IntPair(1))) s += ", dilation=" + dilation.tuple_repr();
    if (groups != 1) s += ", groups=" + std::to_string(groups);
    if (!bias.defined()) s += ", bias=False";
    return s;
  }

 private:
  void register_all() {
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }
};

}  // namespace torchlet::nn
