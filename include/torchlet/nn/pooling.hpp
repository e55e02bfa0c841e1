#pragma once
// Pooling layers over x [N, C, H, W] (or [C, H, W]) -> [N, C, H_out, W_out]; see
// functional/pooling.hpp for the output sizes.
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/pooling.hpp"
#include "torchlet/nn/functional/pooling_nd.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// MaxPool2d's arguments after kernel_size, in PyTorch's order.
struct MaxPool2dOptions {
  IntPair stride = 0;      ///< 0: kernel_size (PyTorch's stride=None)
  IntPair padding = 0;     ///< Implicit negative-infinity padding on each side.
  IntPair dilation = 1;    ///< Spacing between the window's elements.
  bool ceil_mode = false;  ///< Round the output size up instead of down.
};

/// nn.MaxPool2d: the maximum of each window; x [N, C, H, W] or [C, H, W] -> [N, C, H_out, W_out].
template <class = void>
class MaxPool2dImpl : public StatelessModule {
 public:
  ///@{
  /// The window, its step, the padding and the dilation.
  IntPair kernel_size, stride, padding, dilation;
  ///@}
  /// Round the output size up.
  bool ceil_mode;
  /// nn.MaxPool2d(kernel_size, stride = kernel_size, padding, dilation, ceil_mode).
  explicit MaxPool2dImpl(IntPair kernel_size, MaxPool2dOptions options = {})
      : kernel_size(kernel_size),
        stride(options.stride.h == 0 && options.stride.w == 0 ? kernel_size : options.stride),
        padding(options.padding),
        dilation(options.dilation),
        ceil_mode(options.ceil_mode) {}
  /// x [N, C, H, W] -> [N, C, H_out, W_out], the max of each window.
  Tensor forward(const Tensor& x) override {
    return functional::max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
  }
  /// (output, indices flat in each H x W plane): what return_indices=True returns (see
  /// nn::WithIndices).
  std::tuple<Tensor, LongTensor> forward_with_indices(const Tensor& x) {
    return functional::max_pool2d_with_indices(x, kernel_size, stride, padding, dilation,
                                               ceil_mode);
  }
  std::string extra_repr() const override {
    return "kernel_size=" + kernel_size.repr() + ", stride=" + stride.repr() +
           ", padding=" + padding.repr() + ", dilation=" + dilation.repr() +
           ", ceil_mode=" + detail::nnfmt::py_bool(ceil_mode);
  }
};
/// MaxPool2d: see MaxPool2dImpl.
using MaxPool2d = MaxPool2dImpl<>;

/// AvgPool2d's arguments after kernel_size, in PyTorch's order (divisor_override 0 = none).
struct AvgPool2dOptions {
  IntPair stride = 0;                 ///< 0: kernel_size (PyTorch's stride=None)
  IntPair padding = 0;                ///< Implicit zero padding on each side.
  bool ceil_mode = false;             ///< Round the output size up instead of down.
  bool count_include_pad = true;      ///< Count the zero padding in the divisor.
  std::int64_t divisor_override = 0;  ///< If not 0, the divisor instead of the window size.
};

/// nn.AvgPool2d: the mean of each window; x [N, C, H, W] or [C, H, W] -> [N, C, H_out, W_out].
template <class = void>
class AvgPool2dImpl : public StatelessModule {
 public:
  ///@{
  /// The window, its step and the padding.
  IntPair kernel_size, stride, padding;
  ///@}
  ///@{
  /// Round the output size up; count the padding in the divisor.
  bool ceil_mode, count_include_pad;
  ///@}
  /// If not 0, the divisor instead of the window size.
  std::int64_t divisor_override;
  /// nn.AvgPool2d(kernel_size, stride = kernel_size, padding, ceil_mode, count_include_pad,
  /// divisor_override).
  explicit AvgPool2dImpl(IntPair kernel_size, AvgPool2dOptions options = {})
      : kernel_size(kernel_size),
        stride(options.stride.h == 0 && options.stride.w == 0 ? kernel_size : options.stride),
        padding(options.padding),
        ceil_mode(options.ceil_mode),
        count_include_pad(options.count_include_pad),
        divisor_override(options.divisor_override) {}
  /// x [N, C, H, W] -> [N, C, H_out, W_out], the mean of each window.
  Tensor forward(const Tensor& x) override {
    return functional::avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                  divisor_override);
  }
  std::string extra_repr() const override {
    return "kernel_size=" + kernel_size.repr() + ", stride=" + stride.repr() +
           ", padding=" + padding.repr();
  }
};
/// AvgPool2d: see AvgPool2dImpl.
using AvgPool2d = AvgPool2dImpl<>;

/// nn.AdaptiveAvgPool2d: x [N, C, H, W] or [C, H, W] -> [N, C, out_h, out_w], windows chosen as
/// PyTorch does.
template <class = void>
class AdaptiveAvgPool2dImpl : public StatelessModule {
 public:
  /// The output's height and width.
  IntPair output_size;
  /// nn.AdaptiveAvgPool2d(output_size).
  explicit AdaptiveAvgPool2dImpl(IntPair output_size) : output_size(output_size) {}
  /// x [N, C, H, W] -> [N, C, output_size], means over adaptive windows.
  Tensor forward(const Tensor& x) override {
    return functional::adaptive_avg_pool2d(x, output_size);
  }
  std::string extra_repr() const override { return "output_size=" + output_size.repr(); }
};
/// AdaptiveAvgPool2d: see AdaptiveAvgPool2dImpl.
using AdaptiveAvgPool2d = AdaptiveAvgPool2dImpl<>;

}  // namespace torchlet::nn
