#pragma once
// nn::ConvTranspose1d, ConvTranspose2d, ConvTranspose3d: x [N, C_in, *S] (or [C_in, *S]) ->
// [N, C_out, *S_out], S_out = (S - 1) * stride - 2 * padding + dilation * (kernel_size - 1) +
// output_padding + 1 (see functional/conv.hpp). weight [C_in, C_out / groups, *kernel_size],
// bias [C_out]; PyTorch's init (kaiming_uniform_(a = sqrt(5)), fan_in = C_out / groups *
// prod(kernel_size)). forward(x, output_size) picks output_padding so that the output has
// that spatial size, as PyTorch's forward(input, output_size) does.
#include <string>
#include <vector>

#include "torchlet/nn/conv.hpp"

namespace torchlet::nn {

/// ConvTranspose1d's arguments after kernel_size, in PyTorch's order.
struct ConvTranspose1dOptions {
  std::int64_t stride = 1;             ///< Step of the window.
  std::int64_t padding = 0;            ///< dilation * (k - 1) - padding zeros around the input.
  std::int64_t output_padding = 0;     ///< Extra size added to one side of the output.
  std::int64_t groups = 1;             ///< Channel groups (independent convolutions).
  bool bias = true;                    ///< Add a learnable bias.
  std::int64_t dilation = 1;           ///< Spacing between the kernel's elements.
  std::string padding_mode = "zeros";  ///< Only "zeros", as in PyTorch.
};

/// ConvTranspose2d's arguments after kernel_size, in PyTorch's order.
struct ConvTranspose2dOptions {
  IntPair stride = 1;                  ///< Step of the window.
  IntPair padding = 0;                 ///< dilation * (k - 1) - padding zeros around the input.
  IntPair output_padding = 0;          ///< Extra size added to one side of the output.
  std::int64_t groups = 1;             ///< Channel groups (independent convolutions).
  bool bias = true;                    ///< Add a learnable bias.
  IntPair dilation = 1;                ///< Spacing between the kernel's elements.
  std::string padding_mode = "zeros";  ///< Only "zeros", as in PyTorch.
};

/// ConvTranspose3d's arguments after kernel_size, in PyTorch's order.
struct ConvTranspose3dOptions {
  IntTriple stride = 1;                ///< Step of the window.
  IntTriple padding = 0;               ///< dilation * (k - 1) - padding zeros around the input.
  IntTriple output_padding = 0;        ///< Extra size added to one side of the output.
  std::int64_t groups = 1;             ///< Channel groups (independent convolutions).
  bool bias = true;                    ///< Add a learnable bias.
  IntTriple dilation = 1;              ///< Spacing between the kernel's elements.
  std::string padding_mode = "zeros";  ///< Only "zeros", as in PyTorch.
};

namespace detail {

/// What ConvTranspose1d, 2d and 3d share (PyTorch's _ConvTransposeNd).
template <class Size, class Options, int Dims>
class ConvTransposeNd : public Module {
 public:
  ///@{
  /// C_in and C_out.
  std::int64_t in_channels, out_channels;
  ///@}
  ///@{
  /// As given to the constructor.
  Size kernel_size, stride, padding, output_padding;
  ///@}
  /// Channel groups.
  std::int64_t groups;
  /// Spacing between the kernel's elements.
  Size dilation;
  /// Always "zeros".
  std::string padding_mode;
  ///@{
  /// weight [C_in, C_out / groups, *kernel_size]; bias [C_out] (undefined without bias).
  Tensor weight, bias;
  ///@}

  /// in_channels, out_channels, kernel_size, then the options.
  ConvTransposeNd(const char* name, std::int64_t in_channels, std::int64_t out_channels,
                  Size kernel_size, Options options)
      : in_channels(in_channels),
        out_channels(out_channels),
        kernel_size(kernel_size),
        stride(options.stride),
        padding(options.padding),
        output_padding(options.output_padding),
        groups(options.groups),
        dilation(options.dilation),
        padding_mode(options.padding_mode) {
    check_conv_arguments(name, in_channels, out_channels, groups, Dims, to_dims3(kernel_size, 1),
                         to_dims3(stride, 1), to_dims3(padding, 0), to_dims3(dilation, 1),
                         padding_mode);
    if (padding_mode != "zeros")
      throw std::invalid_argument(std::string(name) + ": only padding_mode 'zeros' is supported " +
                                  "(as in PyTorch), got '" + padding_mode + "'");
    const Dims3 op = to_dims3(output_padding, 0), s = to_dims3(stride, 1),
                d = to_dims3(dilation, 1);
    for (int i = 3 - Dims; i < 3; ++i)
      if (op[i] < 0 || (op[i] >= s[i] && op[i] >= d[i]))
        throw std::invalid_argument(std::string(name) + ": output_padding " + conv_tuple(op, Dims) +
                                    " must be non-negative and smaller than either stride " +
                                    conv_tuple(s, Dims) + " or dilation " + conv_tuple(d, Dims));
    Shape w{in_channels, out_channels / groups};
    for (int i = 3 - Dims; i < 3; ++i) w.push_back(to_dims3(kernel_size, 1)[i]);
    weight = empty(w);
    if (options.bias) bias = empty({out_channels});
    reset_parameters();
    register_parameter("weight", weight);
    register_parameter("bias", bias);
  }

  /// PyTorch's default: kaiming_uniform_(a = sqrt(5)) weights, bias U(-1/sqrt(fan_in),
  /// 1/sqrt(fan_in)), fan_in from weight's dim 1 (C_out / groups) and the kernel.
  void reset_parameters() { reset_conv_parameters(weight, bias); }

  /// x: [N, C_in, *S] (or [C_in, *S]) -> [N, C_out, *S_out]
  Tensor forward(const Tensor& x) override { return run(x, to_dims3(output_padding, 0)); }

  /// PyTorch's forward(input, output_size): output_size lists the output's spatial sizes (or
  /// all its sizes); output_padding is chosen to reach them. As calling a PyTorch module's
  /// forward directly, this runs no hooks.
  Tensor forward(const Tensor& x, const std::vector<std::int64_t>& output_size) {
    check_input(x);
    return run(
        x, output_padding_for(name(), Dims, x.shape(), output_size, to_dims3(kernel_size, 1),
                              to_dims3(stride, 1), to_dims3(padding, 0), to_dims3(dilation, 1)));
  }

  std::string extra_repr() const override {
    std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                    ", kernel_size=" + size_tuple(kernel_size) + ", stride=" + size_tuple(stride);
    if (!(to_dims3(padding, 0) == Dims3{0, 0, 0})) s += ", padding=" + size_tuple(padding);
    if (!(to_dims3(dilation, 1) == Dims3{1, 1, 1})) s += ", dilation=" + size_tuple(dilation);
    if (!(to_dims3(output_padding, 0) == Dims3{0, 0, 0}))
      s += ", output_padding=" + size_tuple(output_padding);
    if (groups != 1) s += ", groups=" + std::to_string(groups);
    if (!bias.defined()) s += ", bias=False";
    return s;
  }

 private:
  void check_input(const Tensor& x) const {
    if ((x.dim() != Dims + 1 && x.dim() != Dims + 2) || x.size(-(Dims + 1)) != in_channels)
      throw ShapeError(name() + "(in_channels=" + std::to_string(in_channels) +
                       "): expected input [N, " + std::to_string(in_channels) + ", " +
                       spatial_names(Dims) + "], got " + to_string(x.shape()));
  }
  Tensor run(const Tensor& x, const Dims3& out_pad) {
    check_input(x);
    return conv_transpose_nd("conv_transpose" + std::to_string(Dims) + "d", Dims, x, weight, bias,
                             to_dims3(stride, 1), to_dims3(padding, 0), out_pad, groups,
                             to_dims3(dilation, 1));
  }
};

}  // namespace detail

/// nn.ConvTranspose1d: x [N, C_in, L] (or [C_in, L]) -> [N, C_out, L_out].
template <class = void>
class ConvTranspose1dImpl
    : public detail::ConvTransposeNd<std::int64_t, ConvTranspose1dOptions, 1> {
 public:
  /// nn::ConvTranspose1d up{16, 8, 4, {.stride = 2, .padding = 1}}
  ConvTranspose1dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size,
                      ConvTranspose1dOptions options = {})
      : ConvTransposeNd("ConvTranspose1d", in_channels, out_channels, kernel_size,
                        std::move(options)) {}
};
/// ConvTranspose1d: see ConvTranspose1dImpl.
using ConvTranspose1d = ConvTranspose1dImpl<>;

/// nn.ConvTranspose2d: x [N, C_in, H, W] (or [C_in, H, W]) -> [N, C_out, H_out, W_out].
template <class = void>
class ConvTranspose2dImpl : public detail::ConvTransposeNd<IntPair, ConvTranspose2dOptions, 2> {
 public:
  /// nn::ConvTranspose2d up{64, 32, 4, {.stride = 2, .padding = 1, .bias = false}}
  ConvTranspose2dImpl(std::int64_t in_channels, std::int64_t out_channels, IntPair kernel_size,
                      ConvTranspose2dOptions options = {})
      : ConvTransposeNd("ConvTranspose2d", in_channels, out_channels, kernel_size,
                        std::move(options)) {}
};
/// ConvTranspose2d: see ConvTranspose2dImpl.
using ConvTranspose2d = ConvTranspose2dImpl<>;

/// nn.ConvTranspose3d: x [N, C_in, D, H, W] (or [C_in, D, H, W]) -> [N, C_out, D_out, H_out,
/// W_out].
template <class = void>
class ConvTranspose3dImpl : public detail::ConvTransposeNd<IntTriple, ConvTranspose3dOptions, 3> {
 public:
  /// nn::ConvTranspose3d up{8, 4, 3, {.stride = 2}}
  ConvTranspose3dImpl(std::int64_t in_channels, std::int64_t out_channels, IntTriple kernel_size,
                      ConvTranspose3dOptions options = {})
      : ConvTransposeNd("ConvTranspose3d", in_channels, out_channels, kernel_size,
                        std::move(options)) {}
};
/// ConvTranspose3d: see ConvTranspose3dImpl.
using ConvTranspose3d = ConvTranspose3dImpl<>;

}  // namespace torchlet::nn
