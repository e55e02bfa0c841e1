#pragma once
// nn::Conv1d, Conv2d, Conv3d: x [N, C_in, *S] (or [C_in, *S]) -> [N, C_out, *S_out] (see
// functional/conv.hpp), S = L, H W or D H W. weight [C_out, C_in / groups, *kernel_size], bias
// [C_out]. padding: sizes, "same" or "valid"; padding_mode "zeros", "reflect", "replicate" or
// "circular" (the others pad the input with F.pad first, as PyTorch does). PyTorch's default
// init: kaiming_uniform_(weight, a = sqrt(5)), bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
// fan_in = C_in / groups * prod(kernel_size).
#include <cmath>
#include <string>

#include "torchlet/nn/functional/conv.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// Conv1d's arguments after kernel_size, in PyTorch's order.
struct Conv1dOptions {
  std::int64_t stride = 1;             ///< Step of the window.
  Padding1d padding = 0;               ///< Padding on each side, or "same" / "valid".
  std::int64_t dilation = 1;           ///< Spacing between the kernel's elements.
  std::int64_t groups = 1;             ///< Channel groups (independent convolutions).
  bool bias = true;                    ///< Add a learnable bias.
  std::string padding_mode = "zeros";  ///< "zeros", "reflect", "replicate" or "circular".
};

/// Conv2d's arguments after kernel_size, in PyTorch's order.
struct Conv2dOptions {
  IntPair stride = 1;     ///< Step of the window.
  Padding2d padding = 0;  ///< Padding on each side, or "same" / "valid".
  IntPair dilation = 1;   ///< Spacing between the kernel's elements.
  std::int64_t groups =
      1;  ///< Channel groups: in and out channels are split into `groups` independent convolutions.
  bool bias = true;                    ///< Add a learnable bias.
  std::string padding_mode = "zeros";  ///< "zeros", "reflect", "replicate" or "circular".
};

/// Conv3d's arguments after kernel_size, in PyTorch's order.
struct Conv3dOptions {
  IntTriple stride = 1;                ///< Step of the window.
  Padding3d padding = 0;               ///< Padding on each side, or "same" / "valid".
  IntTriple dilation = 1;              ///< Spacing between the kernel's elements.
  std::int64_t groups = 1;             ///< Channel groups (independent convolutions).
  bool bias = true;                    ///< Add a learnable bias.
  std::string padding_mode = "zeros";  ///< "zeros", "reflect", "replicate" or "circular".
};

namespace detail {

/// The spatial dims' names for messages: "L", "H, W", "D, H, W".
template <class = void>
inline const char* spatial_names(int dims) {
  static const char* const names[] = {"L", "H, W", "D, H, W"};
  return names[dims - 1];
}

/// PyTorch's _ConvNd init: kaiming_uniform_(a = sqrt(5)) weights, bias U(+-1/sqrt(fan_in)).
template <class = void>
inline void reset_conv_parameters(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const auto fan_in = init::calculate_fan_in_and_fan_out(weight).fan_in;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

/// Checks a conv module's channel, size and padding_mode arguments (what _ConvNd checks).
template <class = void>
inline void check_conv_arguments(const std::string& name, std::int64_t in, std::int64_t out,
                                 std::int64_t groups, int dims, const Dims3& k, const Dims3& s,
                                 const Dims3& p, const Dims3& d, const std::string& mode) {
  if (in <= 0 || out <= 0)
    throw std::invalid_argument(name + ": in_channels and out_channels must be positive, got " +
                                std::to_string(in) + " and " + std::to_string(out));
  if (groups <= 0 || in % groups || out % groups)
    throw std::invalid_argument(name + ": in_channels (" + std::to_string(in) +
                                ") and out_channels (" + std::to_string(out) +
                                ") must be divisible by groups (" + std::to_string(groups) + ")");
  for (int i = 3 - dims; i < 3; ++i)
    if (k[i] < 1 || s[i] < 1 || d[i] < 1 || p[i] < 0)
      throw std::invalid_argument(name + ": kernel_size " + conv_tuple(k, dims) + ", stride " +
                                  conv_tuple(s, dims) + " and dilation " + conv_tuple(d, dims) +
                                  " must be positive, padding " + conv_tuple(p, dims) +
                                  " non-negative");
  if (mode != "zeros" && mode != "reflect" && mode != "replicate" && mode != "circular")
    throw std::invalid_argument(name +
                                ": padding_mode must be one of 'zeros', 'reflect', 'replicate' "
                                "or 'circular', but got padding_mode='" +
                                mode + "'");
}

/// What Conv1d, Conv2d and Conv3d share (PyTorch's _ConvNd): `Size` is std::int64_t, IntPair
/// or IntTriple, `Dims` 1, 2 or 3.
template <class Size, class Options, int Dims>
class ConvNd : public Module {
 public:
  ///@{
  /// C_in and C_out.
  std::int64_t in_channels, out_channels;
  ///@}
  ///@{
  /// As given to the constructor.
  Size kernel_size, stride;
  ///@}
  /// Padding sizes, or "same" / "valid".
  ConvPadding<Size> padding;
  /// Spacing between the kernel's elements.
  Size dilation;
  /// Channel groups.
  std::int64_t groups;
  /// "zeros", "reflect", "replicate" or "circular".
  std::string padding_mode;
  ///@{
  /// weight [C_out, C_in / groups, *kernel_size]; bias [C_out] (undefined without bias).
  Tensor weight, bias;
  ///@}

  /// in_channels, out_channels, kernel_size, then the options.
  ConvNd(const char* name, std::int64_t in_channels, std::int64_t out_channels, Size kernel_size,
         Options options)
      : in_channels(in_channels),
        out_channels(out_channels),
        kernel_size(kernel_size),
        stride(options.stride),
        padding(options.padding),
        dilation(options.dilation),
        groups(options.groups),
        padding_mode(options.padding_mode) {
    check_conv_arguments(name, in_channels, out_channels, groups, Dims, to_dims3(kernel_size, 1),
                         to_dims3(stride, 1), to_dims3(padding.size, 0), to_dims3(dilation, 1),
                         padding_mode);
    if (padding.kind == ConvPadding<Size>::Kind::same && !(to_dims3(stride, 1) == Dims3{1, 1, 1}))
      throw std::invalid_argument(std::string(name) +
                                  ": padding='same' is not supported for strided convolutions");
    Shape w{out_channels, in_channels / groups};
    for (int i = 3 - Dims; i < 3; ++i) w.push_back(to_dims3(kernel_size, 1)[i]);
    weight = empty(w);
    if (options.bias) bias = empty({out_channels});
    reset_parameters();
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }

  /// PyTorch's default: kaiming_uniform_(a = sqrt(5)) weights, bias U(-1/sqrt(fan_in),
  /// 1/sqrt(fan_in)).
  void reset_parameters() { reset_conv_parameters(weight, bias); }

  /// x: [N, C_in, *S] (or [C_in, *S]) -> [N, C_out, *S_out]
  Tensor forward(const Tensor& x) override {
    if ((x.dim() != Dims + 1 && x.dim() != Dims + 2) || x.size(-(Dims + 1)) != in_channels)
      throw ShapeError(name() + "(in_channels=" + std::to_string(in_channels) +
                       "): expected input [N, " + std::to_string(in_channels) + ", " +
                       spatial_names(Dims) + "], got " + to_string(x.shape()));
    const std::string op = "conv" + std::to_string(Dims) + "d";
    const Dims3 s = to_dims3(stride, 1), d = to_dims3(dilation, 1);
    if (padding_mode == "zeros")
      return conv_nd(op, Dims, x, weight, bias, s, padding_spec(padding), d, groups);
    // PyTorch's _reversed_padding_repeated_twice: F.pad's list, last dim first.
    const Dims3 k = to_dims3(kernel_size, 1), p = to_dims3(padding.size, 0);
    std::vector<std::int64_t> pads;
    pads.reserve(6);
    for (int i = 2; i >= 3 - Dims; --i) {
      if (padding.kind == ConvPadding<Size>::Kind::same) {
        const std::int64_t total = d[i] * (k[i] - 1);
        pads.push_back(total / 2);
        pads.push_back(total - total / 2);
      } else {
        pads.push_back(p[i]);
        pads.push_back(p[i]);
      }
    }
    return conv_nd(op, Dims, functional::pad(x, pads, padding_mode), weight, bias, s,
                   ConvPaddingSpec{}, d, groups);
  }

  std::string extra_repr() const override {
    std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                    ", kernel_size=" + size_tuple(kernel_size) + ", stride=" + size_tuple(stride);
    if (!(padding == ConvPadding<Size>(0))) s += ", padding=" + padding.repr();
    if (!(to_dims3(dilation, 1) == Dims3{1, 1, 1})) s += ", dilation=" + size_tuple(dilation);
    if (groups != 1) s += ", groups=" + std::to_string(groups);
    if (!bias.defined()) s += ", bias=False";
    if (padding_mode != "zeros") s += ", padding_mode=" + padding_mode;
    return s;
  }
};

}  // namespace detail

/// nn.Conv1d: x [N, C_in, L] (or [C_in, L]) -> [N, C_out, L_out].
template <class = void>
class Conv1dImpl : public detail::ConvNd<std::int64_t, Conv1dOptions, 1> {
 public:
  /// nn::Conv1d conv{16, 33, 3, {.stride = 2, .padding_mode = "reflect"}}
  Conv1dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
             Conv1dOptions options = {})
      : ConvNd("Conv1d", in_channels, out_channels, kernel_size, std::move(options)) {}
};
/// Conv1d: see Conv1dImpl.
using Conv1d = Conv1dImpl<>;

/// nn.Conv2d: x [N, C_in, H, W] (or [C_in, H, W]) -> [N, C_out, H_out, W_out].
template <class = void>
class Conv2dImpl : public detail::ConvNd<IntPair, Conv2dOptions, 2> {
 public:
  /// nn::Conv2d conv{1, 32, 3, {.padding = 1}}
  Conv2dImpl(std::int64_t in_channels, std::int64_t out_channels, IntPair kernel_size,
             Conv2dOptions options = {})
      : ConvNd("Conv2d", in_channels, out_channels, kernel_size, std::move(options)) {}
};
/// Conv2d: see Conv2dImpl.
using Conv2d = Conv2dImpl<>;

/// nn.Conv3d: x [N, C_in, D, H, W] (or [C_in, D, H, W]) -> [N, C_out, D_out, H_out, W_out].
template <class = void>
class Conv3dImpl : public detail::ConvNd<IntTriple, Conv3dOptions, 3> {
 public:
  /// nn::Conv3d conv{4, 8, {3, 3, 1}, {.padding = "same"}}
  Conv3dImpl(std::int64_t in_channels, std::int64_t out_channels, IntTriple kernel_size,
             Conv3dOptions options = {})
      : ConvNd("Conv3d", in_channels, out_channels, kernel_size, std::move(options)) {}
};
/// Conv3d: see Conv3dImpl.
using Conv3d = Conv3dImpl<>;

}  // namespace torchlet::nn
