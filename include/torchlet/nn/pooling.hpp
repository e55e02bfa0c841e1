#pragma once
// Pooling layers over x [N, C, H, W] (or [C, H, W]) -> [N, C, H_out, W_out]; see
// functional/pooling.hpp for the output sizes.
#include "torchlet/nn/functional/pooling.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// MaxPool2d's arguments after kernel_size, in PyTorch's order.
struct MaxPool2dOptions {
  IntPair stride = 0;  // 0: kernel_size (PyTorch's stride=None)
  IntPair padding = 0;
  IntPair dilation = 1;
  bool ceil_mode = false;
};

class MaxPool2d : public StatelessModule {
 public:
  IntPair kernel_size, stride, padding, dilation;
  bool ceil_mode;
  explicit MaxPool2d(IntPair kernel_size, MaxPool2dOptions options = {})
      : kernel_size(kernel_size),
        stride(options.stride.h == 0 && options.stride.w == 0 ? kernel_size : options.stride),
        padding(options.padding),
        dilation(options.dilation),
        ceil_mode(options.ceil_mode) {}
  Tensor forward(const Tensor& x) override {
    return functional::max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
  }
  std::string extra_repr() const override {
    return "kernel_size=" + kernel_size.repr() + ", stride=" + stride.repr() + ", padding=" + padding.repr() +
           ", dilation=" + dilation.repr() + ", ceil_mode=" + torchlet::detail::nnfmt::py_bool(ceil_mode);
  }
};

/// AvgPool2d's arguments after kernel_size, in PyTorch's order (divisor_override 0 = none).
struct AvgPool2dOptions {
  IntPair stride = 0;  // 0: kernel_size (PyTorch's stride=None)
  IntPair padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::int64_t divisor_override = 0;
};

class AvgPool2d : public StatelessModule {
 public:
  IntPair kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
  std::int64_t divisor_override;
  explicit AvgPool2d(IntPair kernel_size, AvgPool2dOptions options = {})
      : kernel_size(kernel_size),
        stride(options.stride.h == 0 && options.stride.w == 0 ? kernel_size : options.stride),
        padding(options.padding),
        ceil_mode(options.ceil_mode),
        count_include_pad(options.count_include_pad),
        divisor_override(options.divisor_override) {}
  Tensor forward(const Tensor& x) override {
    return functional::avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  }
  std::string extra_repr() const override {
    return "kernel_size=" + kernel_size.repr() + ", stride=" + stride.repr() + ", padding=" + padding.repr();
  }
};

class AdaptiveAvgPool2d : public StatelessModule {
 public:
  IntPair output_size;
  explicit AdaptiveAvgPool2d(IntPair output_size) : output_size(output_size) {}
  Tensor forward(const Tensor& x) override { return functional::adaptive_avg_pool2d(x, output_size); }
  std::string extra_repr() const override { return "output_size=" + output_size.repr(); }
};

}  // namespace torchlet::nn
