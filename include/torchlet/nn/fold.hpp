#pragma once
// nn::Unfold, nn::Fold: the sliding-window columns of an image and back (see
// functional/fold.hpp). Unfold: x [N, C, H, W] -> [N, C * kH * kW, L]; Fold: x [N, C * kH *
// kW, L] -> [N, C, output_size].
#include <string>

#include "torchlet/nn/functional/fold.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// Unfold's and Fold's arguments after kernel_size, in PyTorch's order.
struct FoldOptions {
  IntPair dilation = 1;  ///< Spacing between the kernel's elements.
  IntPair padding = 0;   ///< Implicit zero padding on each side.
  IntPair stride = 1;    ///< Step of the window.
};

/// nn.Unfold: x [N, C, H, W] (or [C, H, W]) -> [N, C * kH * kW, L] (or [C * kH * kW, L]).
template <class = void>
class UnfoldImpl : public StatelessModule {
 public:
  ///@{
  /// As given to the constructor.
  IntPair kernel_size, dilation, padding, stride;
  ///@}
  /// nn::Unfold unfold{{2, 3}, {.padding = 1}}
  explicit UnfoldImpl(IntPair kernel_size, FoldOptions options = {})
      : kernel_size(kernel_size),
        dilation(options.dilation),
        padding(options.padding),
        stride(options.stride) {}
  /// x [N, C, H, W] -> [N, C * kH * kW, L]
  Tensor forward(const Tensor& x) override {
    return functional::unfold(x, kernel_size, dilation, padding, stride);
  }
  std::string extra_repr() const override {
    return "kernel_size=" + kernel_size.repr() + ", dilation=" + dilation.repr() +
           ", padding=" + padding.repr() + ", stride=" + stride.repr();
  }
};
/// Unfold: see UnfoldImpl.
using Unfold = UnfoldImpl<>;

/// nn.Fold: x [N, C * kH * kW, L] (or [C * kH * kW, L]) -> [N, C, H, W] (or [C, H, W]) with
/// (H, W) = output_size; overlapping values are summed.
template <class = void>
class FoldImpl : public StatelessModule {
 public:
  ///@{
  /// As given to the constructor.
  IntPair output_size, kernel_size, dilation, padding, stride;
  ///@}
  /// nn::Fold fold{{4, 5}, 2, {.stride = 1}}
  FoldImpl(IntPair output_size, IntPair kernel_size, FoldOptions options = {})
      : output_size(output_size),
        kernel_size(kernel_size),
        dilation(options.dilation),
        padding(options.padding),
        stride(options.stride) {}
  /// x [N, C * kH * kW, L] -> [N, C, H, W]
  Tensor forward(const Tensor& x) override {
    return functional::fold(x, output_size, kernel_size, dilation, padding, stride);
  }
  std::string extra_repr() const override {
    return "output_size=" + output_size.repr() + ", kernel_size=" + kernel_size.repr() +
           ", dilation=" + dilation.repr() + ", padding=" + padding.repr() +
           ", stride=" + stride.repr();
  }
};
/// Fold: see FoldImpl.
using Fold = FoldImpl<>;

}  // namespace torchlet::nn
