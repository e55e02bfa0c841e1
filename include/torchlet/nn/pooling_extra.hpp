#pragma once
// The pooling layers beyond MaxPool2d/AvgPool2d/AdaptiveAvgPool2d: MaxPool1d/3d,
// AvgPool1d/3d, AdaptiveMaxPool1d/2d, AdaptiveAvgPool1d/3d, MaxUnpool2d, LPPool2d, and
// WithIndices<Pool>, the C++ spelling of return_indices=True (a forward's return type is
// part of the module's type, so the indices come from a separate module type:
// `nn::WithIndices<nn::MaxPool2d> pool{2}; auto [y, idx] = pool(x);`). Shapes: see
// nn/functional/pooling_nd.hpp.
#include <optional>
#include <tuple>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/pooling_nd.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/pooling.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// MaxPool1d's arguments after kernel_size, in PyTorch's order.
struct MaxPool1dOptions {
  std::int64_t stride = 0;    ///< 0: kernel_size (PyTorch's stride=None)
  std::int64_t padding = 0;   ///< Implicit negative-infinity padding on each side.
  std::int64_t dilation = 1;  ///< Spacing between the window's elements.
  bool ceil_mode = false;     ///< Round the output size up instead of down.
};

/// nn.MaxPool1d: the maximum of each window; x [N, C, L] or [C, L] -> [N, C, L_out].
template <class = void>
class MaxPool1dImpl : public StatelessModule {
 public:
  ///@{
  /// The window, its step, the padding and the dilation.
  std::int64_t kernel_size, stride, padding, dilation;
  ///@}
  /// Round the output size up.
  bool ceil_mode;
  /// nn.MaxPool1d(kernel_size, stride = kernel_size, padding, dilation, ceil_mode).
  explicit MaxPool1dImpl(std::int64_t kernel_size, MaxPool1dOptions o = {})
      : kernel_size(kernel_size),
        stride(o.stride == 0 ? kernel_size : o.stride),
        padding(o.padding),
        dilation(o.dilation),
        ceil_mode(o.ceil_mode) {}
  /// x [N, C, L] -> [N, C, L_out]
  Tensor forward(const Tensor& x) override {
    return functional::max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode);
  }
  /// (output, indices into L): what return_indices=True returns.
  std::tuple<Tensor, LongTensor> forward_with_indices(const Tensor& x) {
    return functional::max_pool1d_with_indices(x, kernel_size, stride, padding, dilation,
                                               ceil_mode);
  }
  std::string extra_repr() const override {
    return "kernel_size=" + std::to_string(kernel_size) + ", stride=" + std::to_string(stride) +
           ", padding=" + std::to_string(padding) + ", dilation=" + std::to_string(dilation) +
           ", ceil_mode=" + detail::nnfmt::py_bool(ceil_mode);
  }
};
/// MaxPool1d: see MaxPool1dImpl.
using MaxPool1d = MaxPool1dImpl<>;

/// MaxPool3d's arguments after kernel_size, in PyTorch's order.
struct MaxPool3dOptions {
  Size3 stride = 0;        ///< 0: kernel_size (PyTorch's stride=None)
  Size3 padding = 0;       ///< Implicit negative-infinity padding on each side.
  Size3 dilation = 1;      ///< Spacing between the window's elements.
  bool ceil_mode = false;  ///< Round the output size up instead of down.
};

/// nn.MaxPool3d: the maximum of each window; x [N, C, D, H, W] or [C, D, H, W] -> [N, C,
/// D_out, H_out, W_out].
template <class = void>
class MaxPool3dImpl : public StatelessModule {
 public:
  ///@{
  /// The window, its step, the padding and the dilation.
  Size3 kernel_size, stride, padding, dilation;
  ///@}
  /// Round the output size up.
  bool ceil_mode;
  /// nn.MaxPool3d(kernel_size, stride = kernel_size, padding, dilation, ceil_mode).
  explicit MaxPool3dImpl(Size3 kernel_size, MaxPool3dOptions o = {})
      : kernel_size(kernel_size),
        stride(o.stride == Size3(0) ? kernel_size : o.stride),
        padding(o.padding),
        dilation(o.dilation),
        ceil_mode(o.ceil_mode) {}
  /// x [N, C, D, H, W] -> [N, C, D_out, H_out, W_out]
  Tensor forward(const Tensor& x) override {
    return functional::max_pool3d(x, kernel_size, stride, padding, dilation, ceil_mode);
  }
  /// (output, indices flat in each D x H x W volume): what return_indices=True returns.
  std::tuple<Tensor, LongTensor> forward_with_indices(const Tensor& x) {
    return functional::max_pool3d_with_indices(x, kernel_size, stride, padding, dilation,
                                               ceil_mode);
  }
  std::string extra_repr() const override {
    return "kernel_size=" + kernel_size.repr() + ", stride=" + stride.repr() +
           ", padding=" + padding.repr() + ", dilation=" + dilation.repr() +
           ", ceil_mode=" + detail::nnfmt::py_bool(ceil_mode);
  }
};
/// MaxPool3d: see MaxPool3dImpl.
using MaxPool3d = MaxPool3dImpl<>;

/// AvgPool1d's arguments after kernel_size, in PyTorch's order.
struct AvgPool1dOptions {
  std::int64_t stride = 0;        ///< 0: kernel_size (PyTorch's stride=None)
  std::int64_t padding = 0;       ///< Implicit zero padding on each side.
  bool ceil_mode = false;         ///< Round the output size up instead of down.
  bool count_include_pad = true;  ///< Count the zero padding in the divisor.
};

/// nn.AvgPool1d: the mean of each window; x [N, C, L] or [C, L] -> [N, C, L_out].
template <class = void>
class AvgPool1dImpl : public StatelessModule {
 public:
  ///@{
  /// The window, its step and the padding.
  std::int64_t kernel_size, stride, padding;
  ///@}
  ///@{
  /// Round the output size up; count the padding in the divisor.
  bool ceil_mode, count_include_pad;
  ///@}
  /// nn.AvgPool1d(kernel_size, stride = kernel_size, padding, ceil_mode, count_include_pad).
  explicit AvgPool1dImpl(std::int64_t kernel_size, AvgPool1dOptions o = {})
      : kernel_size(kernel_size),
        stride(o.stride == 0 ? kernel_size : o.stride),
        padding(o.padding),
        ceil_mode(o.ceil_mode),
        count_include_pad(o.count_include_pad) {}
  /// x [N, C, L] -> [N, C, L_out]
  Tensor forward(const Tensor& x) override {
    return functional::avg_pool1d(x, kernel_size, stride, padding, ceil_mode, count_include_pad);
  }
  std::string extra_repr() const override {
    return "kernel_size=(" + std::to_string(kernel_size) + ",), stride=(" + std::to_string(stride) +
           ",), padding=(" + std::to_string(padding) + ",)";
  }
};
/// AvgPool1d: see AvgPool1dImpl.
using AvgPool1d = AvgPool1dImpl<>;

/// AvgPool3d's arguments after kernel_size, in PyTorch's order (divisor_override 0 = none).
struct AvgPool3dOptions {
  Size3 stride = 0;                   ///< 0: kernel_size (PyTorch's stride=None)
  Size3 padding = 0;                  ///< Implicit zero padding on each side.
  bool ceil_mode = false;             ///< Round the output size up instead of down.
  bool count_include_pad = true;      ///< Count the zero padding in the divisor.
  std::int64_t divisor_override = 0;  ///< If not 0, the divisor instead of the window size.
};

/// nn.AvgPool3d: the mean of each window; x [N, C, D, H, W] or [C, D, H, W] -> [N, C, D_out,
/// H_out, W_out].
template <class = void>
class AvgPool3dImpl : public StatelessModule {
 public:
  ///@{
  /// The window, its step and the padding.
  Size3 kernel_size, stride, padding;
  ///@}
  ///@{
  /// Round the output size up; count the padding in the divisor.
  bool ceil_mode, count_include_pad;
  ///@}
  /// If not 0, the divisor instead of the window size.
  std::int64_t divisor_override;
  /// nn.AvgPool3d(kernel_size, stride = kernel_size, padding, ceil_mode, count_include_pad,
  /// divisor_override).
  explicit AvgPool3dImpl(Size3 kernel_size, AvgPool3dOptions o = {})
      : kernel_size(kernel_size),
        stride(o.stride == Size3(0) ? kernel_size : o.stride),
        padding(o.padding),
        ceil_mode(o.ceil_mode),
        count_include_pad(o.count_include_pad),
        divisor_override(o.divisor_override) {}
  /// x [N, C, D, H, W] -> [N, C, D_out, H_out, W_out]
  Tensor forward(const Tensor& x) override {
    return functional::avg_pool3d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                  divisor_override);
  }
  std::string extra_repr() const override {
    return "kernel_size=" + kernel_size.repr() + ", stride=" + stride.repr() +
           ", padding=" + padding.repr();
  }
};
/// AvgPool3d: see AvgPool3dImpl.
using AvgPool3d = AvgPool3dImpl<>;

/// nn.AdaptiveMaxPool1d: x [N, C, L] or [C, L] -> [N, C, output_size].
template <class = void>
class AdaptiveMaxPool1dImpl : public StatelessModule {
 public:
  /// The output's length.
  std::int64_t output_size;
  /// nn.AdaptiveMaxPool1d(output_size).
  explicit AdaptiveMaxPool1dImpl(std::int64_t output_size) : output_size(output_size) {}
  /// x [N, C, L] -> [N, C, output_size]
  Tensor forward(const Tensor& x) override {
    return functional::adaptive_max_pool1d(x, output_size);
  }
  /// (output, indices into L): what return_indices=True returns.
  std::tuple<Tensor, LongTensor> forward_with_indices(const Tensor& x) {
    return functional::adaptive_max_pool1d_with_indices(x, output_size);
  }
  std::string extra_repr() const override { return "output_size=" + std::to_string(output_size); }
};
/// AdaptiveMaxPool1d: see AdaptiveMaxPool1dImpl.
using AdaptiveMaxPool1d = AdaptiveMaxPool1dImpl<>;

/// nn.AdaptiveMaxPool2d: x [N, C, H, W] or [C, H, W] -> [N, C, output_size].
template <class = void>
class AdaptiveMaxPool2dImpl : public StatelessModule {
 public:
  /// The output's height and width.
  IntPair output_size;
  /// nn.AdaptiveMaxPool2d(output_size).
  explicit AdaptiveMaxPool2dImpl(IntPair output_size) : output_size(output_size) {}
  /// x [N, C, H, W] -> [N, C, output_size]
  Tensor forward(const Tensor& x) override {
    return functional::adaptive_max_pool2d(x, output_size);
  }
  /// (output, indices flat in each H x W plane): what return_indices=True returns.
  std::tuple<Tensor, LongTensor> forward_with_indices(const Tensor& x) {
    return functional::adaptive_max_pool2d_with_indices(x, output_size);
  }
  std::string extra_repr() const override { return "output_size=" + output_size.repr(); }
};
/// AdaptiveMaxPool2d: see AdaptiveMaxPool2dImpl.
using AdaptiveMaxPool2d = AdaptiveMaxPool2dImpl<>;

/// nn.AdaptiveAvgPool1d: x [N, C, L] or [C, L] -> [N, C, output_size].
template <class = void>
class AdaptiveAvgPool1dImpl : public StatelessModule {
 public:
  /// The output's length.
  std::int64_t output_size;
  /// nn.AdaptiveAvgPool1d(output_size).
  explicit AdaptiveAvgPool1dImpl(std::int64_t output_size) : output_size(output_size) {}
  /// x [N, C, L] -> [N, C, output_size]
  Tensor forward(const Tensor& x) override {
    return functional::adaptive_avg_pool1d(x, output_size);
  }
  std::string extra_repr() const override { return "output_size=" + std::to_string(output_size); }
};
/// AdaptiveAvgPool1d: see AdaptiveAvgPool1dImpl.
using AdaptiveAvgPool1d = AdaptiveAvgPool1dImpl<>;

/// nn.AdaptiveAvgPool3d: x [N, C, D, H, W] or [C, D, H, W] -> [N, C, output_size].
template <class = void>
class AdaptiveAvgPool3dImpl : public StatelessModule {
 public:
  /// The output's depth, height and width.
  Size3 output_size;
  /// nn.AdaptiveAvgPool3d(output_size).
  explicit AdaptiveAvgPool3dImpl(Size3 output_size) : output_size(output_size) {}
  /// x [N, C, D, H, W] -> [N, C, output_size]
  Tensor forward(const Tensor& x) override {
    return functional::adaptive_avg_pool3d(x, output_size);
  }
  std::string extra_repr() const override { return "output_size=" + output_size.repr(); }
};
/// AdaptiveAvgPool3d: see AdaptiveAvgPool3dImpl.
using AdaptiveAvgPool3d = AdaptiveAvgPool3dImpl<>;

/// nn.MaxPool1d/2d/3d and nn.AdaptiveMaxPool1d/2d with return_indices=True: the module
/// `Pool`, whose call returns (output, indices) (LongTensor, what MaxUnpool2d takes).
/// `nn::WithIndices<nn::MaxPool2d> pool{2, {.stride = 2}};  auto [y, idx] = pool(x);`
template <class Pool>
class WithIndices : public ModuleFor<std::tuple<Tensor, LongTensor>(const Tensor&)> {
 public:
  /// The pooling layer, with its options.
  Pool pool;
  /// Pool's constructor arguments.
  template <class... A>
  explicit WithIndices(A&&... args) : pool(std::forward<A>(args)...) {}
  /// x -> (output, indices)
  std::tuple<Tensor, LongTensor> forward(const Tensor& x) override {
    return pool.forward_with_indices(x);
  }
  std::string name() const override { return pool.name(); }
  std::string extra_repr() const override { return pool.extra_repr(); }
};

/// MaxUnpool2d's arguments after kernel_size.
struct MaxUnpool2dOptions {
  IntPair stride = 0;   ///< 0: kernel_size (PyTorch's stride=None)
  IntPair padding = 0;  ///< the max pool's padding
};

/// nn.MaxUnpool2d: puts each value at its max_pool2d index in a zero plane; x [N, C, H, W]
/// and indices of the same shape -> [N, C, (H - 1) * stride - 2 * padding + kernel_size, ...].
/// `nn::MaxUnpool2d unpool{2}; auto restored = unpool(y, idx);` with (y, idx) from a
/// `nn::WithIndices<nn::MaxPool2d>`.
template <class = void>
class MaxUnpool2dImpl : public ModuleFor<Tensor(const Tensor&, const LongTensor&)> {
 public:
  ///@{
  /// The pool's window, step and padding.
  IntPair kernel_size, stride, padding;
  ///@}
  /// nn.MaxUnpool2d(kernel_size, stride = kernel_size, padding).
  explicit MaxUnpool2dImpl(IntPair kernel_size, MaxUnpool2dOptions o = {})
      : kernel_size(kernel_size),
        stride(o.stride.h == 0 && o.stride.w == 0 ? kernel_size : o.stride),
        padding(o.padding) {}
  /// x [N, C, H, W], indices [N, C, H, W] -> [N, C, H_out, W_out]
  Tensor forward(const Tensor& x, const LongTensor& indices) override {
    return functional::max_unpool2d(x, indices, kernel_size, stride, padding);
  }
  std::string name() const override { return "MaxUnpool2d"; }
  std::string extra_repr() const override {
    return "kernel_size=" + kernel_size.tuple_repr() + ", stride=" + stride.tuple_repr() +
           ", padding=" + padding.tuple_repr();
  }
};
/// MaxUnpool2d: see MaxUnpool2dImpl.
using MaxUnpool2d = MaxUnpool2dImpl<>;

/// LPPool2d's arguments after norm_type and kernel_size.
struct LPPool2dOptions {
  std::optional<IntPair> stride = std::nullopt;  ///< none: kernel_size
  bool ceil_mode = false;                        ///< Round the output size up.
};

/// nn.LPPool2d: (sum of x^p over each window)^(1 / p); x [N, C, H, W] or [C, H, W] -> [N, C,
/// H_out, W_out].
template <class = void>
class LPPool2dImpl : public StatelessModule {
 public:
  /// The power p.
  double norm_type;
  /// The window.
  IntPair kernel_size;
  /// The step (none: kernel_size).
  std::optional<IntPair> stride;
  /// Round the output size up.
  bool ceil_mode;
  /// nn.LPPool2d(norm_type, kernel_size, stride = None, ceil_mode).
  LPPool2dImpl(double norm_type, IntPair kernel_size, LPPool2dOptions o = {})
      : norm_type(norm_type), kernel_size(kernel_size), stride(o.stride), ceil_mode(o.ceil_mode) {}
  /// x [N, C, H, W] -> [N, C, H_out, W_out]
  Tensor forward(const Tensor& x) override {
    return functional::lp_pool2d(x, norm_type, kernel_size, stride ? *stride : kernel_size,
                                 ceil_mode);
  }
  std::string extra_repr() const override {
    const bool integral = norm_type == std::floor(norm_type) && std::abs(norm_type) < 1e15;
    return "norm_type=" +
           (integral ? std::to_string(static_cast<long long>(norm_type))
                     : detail::nnfmt::py_float(norm_type)) +
           ", kernel_size=" + kernel_size.repr() +
           ", stride=" + (stride ? stride->repr() : std::string("None")) +
           ", ceil_mode=" + detail::nnfmt::py_bool(ceil_mode);
  }
};
/// LPPool2d: see LPPool2dImpl.
using LPPool2d = LPPool2dImpl<>;

}  // namespace torchlet::nn
