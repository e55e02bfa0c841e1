#pragma once
// The convolutions of torch.nn.functional, over 1, 2 or 3 spatial dims (S = L, H W or D H W):
//   conv{1,2,3}d: x [N, C_in, *S] (or unbatched [C_in, *S]), weight [C_out, C_in / groups, *k],
//     bias [C_out] -> [N, C_out, *S_out], S_out = (S + 2 * padding - dilation * (k - 1) - 1) /
//     stride + 1; padding may be "same" (stride 1: S_out = S) or "valid" (no padding).
//   conv_transpose{1,2,3}d: x [N, C_in, *S], weight [C_in, C_out / groups, *k] -> [N, C_out,
//     *S_out], S_out = (S - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.
// All share the kernels of conv_kernel.hpp (im2col + GEMM over 5-D views), templated on the
// element type (float32, and float64 for gradcheck).
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/conv_kernel.hpp"
#include "torchlet/nn/functional/padding.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn {

/// A 2-D size given as one integer (both dims) or as {h, w}; remembers which form was
/// used, as PyTorch's reprs do ("kernel_size=2" vs "kernel_size=(2, 2)").
struct IntPair {
  ///@{
  /// Height and width.
  std::int64_t h = 0, w = 0;
  ///@}
  /// Given as one integer (true) or as a pair.
  bool scalar = true;
  /// Both dims v (implicit, like Python's int-or-tuple arguments).
  IntPair(std::int64_t v)
      : h(v), w(v), scalar(true) {}  // NOLINT: implicit, as Python's int-or-tuple
  /// {h, w}.
  IntPair(std::int64_t h, std::int64_t w) : h(h), w(w), scalar(false) {}
  /// "3" or "(3, 1)", as given.
  std::string repr() const { return scalar ? std::to_string(h) : tuple_repr(); }
  /// Always "(h, w)".
  std::string tuple_repr() const {
    std::string s(1, '(');  // appended piecewise: GCC 12 -Wrestrict misfires on "(" + std::string
    s.append(std::to_string(h)).append(", ").append(std::to_string(w)).push_back(')');
    return s;
  }
  /// Equal sizes (however given).
  friend bool operator==(const IntPair& a, const IntPair& b) { return a.h == b.h && a.w == b.w; }
};

/// A 3-D size given as one integer (all dims) or as {d, h, w}; remembers which form was used.
struct IntTriple {
  ///@{
  /// Depth, height and width.
  std::int64_t d = 0, h = 0, w = 0;
  ///@}
  /// Given as one integer (true) or as a triple.
  bool scalar = true;
  /// All dims v (implicit, like Python's int-or-tuple arguments).
  IntTriple(std::int64_t v) : d(v), h(v), w(v), scalar(true) {}  // NOLINT: implicit, as Python
  /// {d, h, w}.
  IntTriple(std::int64_t d, std::int64_t h, std::int64_t w) : d(d), h(h), w(w), scalar(false) {}
  /// Always "(d, h, w)".
  std::string tuple_repr() const {
    std::string s(1, '(');
    s.append(std::to_string(d)).append(", ").append(std::to_string(h)).append(", ");
    s.append(std::to_string(w)).push_back(')');
    return s;
  }
  /// Equal sizes (however given).
  friend bool operator==(const IntTriple& a, const IntTriple& b) {
    return a.d == b.d && a.h == b.h && a.w == b.w;
  }
};

/// A convolution's padding: explicit sizes (one integer or a tuple, as Size), or PyTorch's
/// strings "same" (output as large as the input; stride 1 only) and "valid" (no padding).
/// Size is std::int64_t for 1-D convs, IntPair for 2-D, IntTriple for 3-D.
template <class Size>
struct ConvPadding {
  /// Which padding PyTorch's argument named.
  enum class Kind {
    sizes,  ///< the explicit sizes in `size`
    same,   ///< padding="same"
    valid   ///< padding="valid"
  };
  /// The padding on each side when kind is sizes (else 0).
  Size size = Size(0);
  /// Sizes, "same" or "valid".
  Kind kind = Kind::sizes;
  /// The same padding on both sides of every dim (implicit, as Python's int argument).
  ConvPadding(std::int64_t v) : size(v) {}  // NOLINT: implicit, as Python's int-or-tuple
  /// Per-dim padding (implicit: IntPair / IntTriple arguments convert).
  ConvPadding(const Size& s)  // NOLINT: implicit, as Python's int-or-tuple
      requires(!std::is_same_v<Size, std::int64_t>)
      : size(s) {}
  /// {h, w} for 2-D convs.
  ConvPadding(std::int64_t h, std::int64_t w) requires std::is_same_v<Size, IntPair> : size(h, w) {}
  /// {d, h, w} for 3-D convs.
  ConvPadding(std::int64_t d, std::int64_t h,
              std::int64_t w) requires std::is_same_v<Size, IntTriple> : size(d, h, w) {}
  /// padding = "same" or "valid" (anything else throws std::invalid_argument).
  template <std::size_t N>
  ConvPadding(const char (&s)[N])  // NOLINT: implicit, as Python's str argument
      : ConvPadding(std::string_view(s)) {}
  /// A padding string held in a std::string: "same" or "valid".
  ConvPadding(const std::string& s)  // NOLINT: implicit, as Python's str argument
      : ConvPadding(std::string_view(s)) {}
  /// "same" or "valid" (anything else throws std::invalid_argument).
  explicit ConvPadding(std::string_view s) : size(0) {
    if (s == "same")
      kind = Kind::same;
    else if (s == "valid")
      kind = Kind::valid;
    else
      throw std::invalid_argument("Invalid padding string '" + std::string(s) +
                                  "', should be one of 'valid', 'same' or an integer size");
  }
  /// True for padding="same" or "valid".
  bool is_string() const { return kind != Kind::sizes; }
  /// PyTorch's repr: "same", "valid", or the sizes as a tuple.
  std::string repr() const;
  /// Equal paddings.
  friend bool operator==(const ConvPadding& a, const ConvPadding& b) {
    return a.kind == b.kind && a.size == b.size;
  }
};

/// Padding of conv1d / Conv1d: an integer, "same" or "valid".
using Padding1d = ConvPadding<std::int64_t>;
/// Padding of conv2d / Conv2d: an integer, {h, w}, "same" or "valid".
using Padding2d = ConvPadding<IntPair>;
/// Padding of conv3d / Conv3d: an integer, {d, h, w}, "same" or "valid".
using Padding3d = ConvPadding<IntTriple>;

}  // namespace torchlet::nn

namespace torchlet::detail {

/// A conv argument as (D, H, W), unused leading dims filled with `fill`.
template <class = void>
inline Dims3 to_dims3(std::int64_t v, std::int64_t fill) {
  return {fill, fill, v};
}
/// A conv argument as (D, H, W), unused leading dims filled with `fill`.
template <class = void>
inline Dims3 to_dims3(const nn::IntPair& v, std::int64_t fill) {
  return {fill, v.h, v.w};
}
/// A conv argument as (D, H, W).
template <class = void>
inline Dims3 to_dims3(const nn::IntTriple& v, std::int64_t) {
  return {v.d, v.h, v.w};
}

/// Python's tuple repr of the last `dims` entries: "(3,)", "(3, 3)".
template <class = void>
inline std::string conv_tuple(const Dims3& v, int dims) {
  std::string s = "(";
  for (int i = 3 - dims; i < 3; ++i)
    s += (i > 3 - dims ? ", " : "") + std::to_string(v[static_cast<std::size_t>(i)]);
  return s + (dims == 1 ? ",)" : ")");
}
/// PyTorch's tuple repr of a conv size of any dimensionality: "(3,)", "(3, 3)", "(3, 3, 3)".
template <class = void>
inline std::string size_tuple(std::int64_t v) {
  return conv_tuple(to_dims3(v, 0), 1);
}
/// PyTorch's tuple repr of a conv size of any dimensionality: "(3,)", "(3, 3)", "(3, 3, 3)".
template <class = void>
inline std::string size_tuple(const nn::IntPair& v) {
  return v.tuple_repr();
}
/// PyTorch's tuple repr of a conv size of any dimensionality: "(3,)", "(3, 3)", "(3, 3, 3)".
template <class = void>
inline std::string size_tuple(const nn::IntTriple& v) {
  return v.tuple_repr();
}

/// How a conv pads: explicit (D, H, W) sizes, or "same" / "valid".
struct ConvPaddingSpec {
  bool same = false;  ///< padding="same" ("valid" is sizes of zero)
  Dims3 size{};       ///< explicit padding per side
};
/// The spec of a ConvPadding.
template <class Size>
ConvPaddingSpec padding_spec(const nn::ConvPadding<Size>& p) {
  return {p.kind == nn::ConvPadding<Size>::Kind::same, to_dims3(p.size, 0)};
}

/// Checks what every conv and transposed conv needs; returns the batched (D+2)-dim input.
template <class T>
BasicTensor<T> conv_common_checks(const std::string& op, int D, const BasicTensor<T>& input,
                                  const BasicTensor<T>& weight, const Dims3& stride,
                                  const Dims3& padding, const Dims3& dilation,
                                  std::int64_t groups) {
  static const char* const spatial[] = {"L", "H, W", "D, H, W"};
  static const char* const kernel[] = {"kL", "kH, kW", "kD, kH, kW"};
  if (weight.dim() != D + 2)
    throw ShapeError(op + ": weight must be " + std::to_string(D + 2) + "-D [out, in, " +
                     kernel[D - 1] + "], got " + to_string(weight.shape()));
  if (groups < 1)
    throw std::invalid_argument(op + ": groups must be positive, got " + std::to_string(groups));
  for (int i = 3 - D; i < 3; ++i)
    if (stride[i] < 1 || dilation[i] < 1 || padding[i] < 0)
      throw std::invalid_argument(op + ": stride " + conv_tuple(stride, D) + " and dilation " +
                                  conv_tuple(dilation, D) + " must be positive and padding " +
                                  conv_tuple(padding, D) + " non-negative");
  if (input.dim() == D + 2) return input;
  if (input.dim() == D + 1) return input.unsqueeze(0);
  throw ShapeError(op + ": expected a " + std::to_string(D + 1) + "-D [C, " + spatial[D - 1] +
                   "] or " + std::to_string(D + 2) + "-D [N, C, " + spatial[D - 1] +
                   "] input, got " + to_string(input.shape()));
}

/// x [N, C, *S] as [N, C, D, H, W] (S has `dims` entries).
template <class T>
BasicTensor<T> as_5d(const BasicTensor<T>& x, int dims) {
  Shape s = x.shape();
  s.insert(s.begin() + 2, static_cast<std::size_t>(3 - dims), 1);
  return x.reshape(s);
}

/// conv{1,2,3}d over `D` spatial dims (see conv.hpp's header comment).
template <class T>
BasicTensor<T> conv_nd(const std::string& op, int D, const BasicTensor<T>& input,
                       const BasicTensor<T>& weight, const BasicTensor<T>& bias, Dims3 stride,
                       ConvPaddingSpec padding, Dims3 dilation, std::int64_t groups) {
  BasicTensor<T> x =
      conv_common_checks(op, D, input, weight, stride, padding.size, dilation, groups);
  const std::int64_t O = weight.size(0), Cg = weight.size(1), C = x.size(1);
  if (O % groups != 0)
    throw ShapeError(op + ": out_channels " + std::to_string(O) + " (weight " +
                     to_string(weight.shape()) +
                     ") is not divisible by groups=" + std::to_string(groups));
  if (C != Cg * groups)
    throw ShapeError(op + ": input " + to_string(x.shape()) + " has " + std::to_string(C) +
                     " channels, weight " + to_string(weight.shape()) + " with groups=" +
                     std::to_string(groups) + " expects " + std::to_string(Cg * groups));
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != O))
    throw ShapeError(op + ": bias " + to_string(bias.shape()) + " does not match out_channels " +
                     std::to_string(O));
  auto w5 = as_5d(weight, D);
  Dims3 k{w5.size(2), w5.size(3), w5.size(4)}, left = padding.size;
  if (padding.same) {
    if (stride != Dims3{1, 1, 1})
      throw std::invalid_argument(op + ": padding='same' is not supported for strided " +
                                  "convolutions (stride " + conv_tuple(stride, D) + ")");
    // Total padding dilation * (k - 1); an odd total puts the extra element after (PyTorch).
    std::vector<std::int64_t> extra;  // F.pad's list, last dim first
    extra.reserve(6);
    bool asymmetric = false;
    for (int i = 2; i >= 3 - D; --i) {
      const std::int64_t total = dilation[i] * (k[i] - 1);
      left[i] = total / 2;
      extra.push_back(0);
      extra.push_back(total - 2 * left[i]);
      asymmetric = asymmetric || total % 2 != 0;
    }
    if (asymmetric) x = nn::functional::pad(x, extra);
  }
  auto x5 = as_5d(x, D);
  ConvGeometry g{x5.size(0), C, {x5.size(2), x5.size(3), x5.size(4)}, k, stride, left,
                 dilation,   {}};
  for (int i = 0; i < 3; ++i)
    g.out[i] = window_out(g.in[i], k[i], stride[i], left[i], dilation[i], false);
  if (g.out[0] <= 0 || g.out[1] <= 0 || g.out[2] <= 0) {
    Dims3 dk;
    for (int i = 0; i < 3; ++i) dk[i] = dilation[i] * (k[i] - 1) + 1;
    throw ShapeError(op + ": input " + to_string(x.shape()) + " (padded by " + conv_tuple(left, D) +
                     ") is smaller than the dilated kernel " + conv_tuple(dk, D));
  }
  Shape ys{g.n, O};
  for (int i = 3 - D; i < 3; ++i) ys.push_back(g.out[i]);
  auto y = conv_forward(x5, w5, bias, g, groups, ys);
  return input.dim() == D + 2 ? y : y.squeeze(0);
}

/// The spatial output size of a transposed conv along one dim.
template <class = void>
inline std::int64_t transposed_out(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p,
                                   std::int64_t d, std::int64_t op) {
  return (in - 1) * s - 2 * p + d * (k - 1) + op + 1;
}

/// conv_transpose{1,2,3}d over `D` spatial dims (see conv.hpp's header comment).
template <class T>
BasicTensor<T> conv_transpose_nd(const std::string& op, int D, const BasicTensor<T>& input,
                                 const BasicTensor<T>& weight, const BasicTensor<T>& bias,
                                 Dims3 stride, Dims3 padding, Dims3 output_padding,
                                 std::int64_t groups, Dims3 dilation) {
  BasicTensor<T> x = conv_common_checks(op, D, input, weight, stride, padding, dilation, groups);
  const std::int64_t CI = weight.size(0), CO = weight.size(1) * groups, C = x.size(1);
  if (CI % groups != 0)
    throw ShapeError(op + ": in_channels " + std::to_string(CI) + " (weight " +
                     to_string(weight.shape()) +
                     ") is not divisible by groups=" + std::to_string(groups));
  if (C != CI)
    throw ShapeError(op + ": input " + to_string(x.shape()) + " has " + std::to_string(C) +
                     " channels, weight " + to_string(weight.shape()) + " expects " +
                     std::to_string(CI));
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != CO))
    throw ShapeError(op + ": bias " + to_string(bias.shape()) + " does not match out_channels " +
                     std::to_string(CO));
  for (int i = 3 - D; i < 3; ++i)
    if (output_padding[i] < 0 ||
        (output_padding[i] >= stride[i] && output_padding[i] >= dilation[i]))
      throw std::invalid_argument(op + ": output_padding " + conv_tuple(output_padding, D) +
                                  " must be non-negative and smaller than either stride " +
                                  conv_tuple(stride, D) + " or dilation " +
                                  conv_tuple(dilation, D));
  auto x5 = as_5d(x, D), w5 = as_5d(weight, D);
  ConvGeometry g{x5.size(0), CO,      {},       {w5.size(2), w5.size(3), w5.size(4)},
                 stride,     padding, dilation, {x5.size(2), x5.size(3), x5.size(4)}};
  for (int i = 0; i < 3; ++i)
    g.in[i] =
        transposed_out(g.out[i], g.k[i], stride[i], padding[i], dilation[i], output_padding[i]);
  if (g.in[0] <= 0 || g.in[1] <= 0 || g.in[2] <= 0)
    throw ShapeError(op + ": input " + to_string(x.shape()) + " with padding " +
                     conv_tuple(padding, D) + " gives an empty output " + conv_tuple(g.in, D));
  Shape ys{g.n, CO};
  for (int i = 3 - D; i < 3; ++i) ys.push_back(g.in[i]);
  auto y = conv_transpose_forward(x5, w5, bias, g, groups, ys);
  return input.dim() == D + 2 ? y : y.squeeze(0);
}

/// The output_padding that makes a transposed conv's output `output_size` (its last `D`
/// entries), as PyTorch's ConvTranspose forward(input, output_size) chooses it.
template <class = void>
inline Dims3 output_padding_for(const std::string& op, int D, const Shape& input,
                                const std::vector<std::int64_t>& output_size, Dims3 k, Dims3 stride,
                                Dims3 padding, Dims3 dilation) {
  const auto n = static_cast<std::int64_t>(output_size.size());
  const auto in_dims = static_cast<std::int64_t>(input.size());
  if (n != D && n != D + 2)
    throw std::invalid_argument(op + ": output_size must have " + std::to_string(D) + " or " +
                                std::to_string(D + 2) + " elements, got " + std::to_string(n));
  if (in_dims < D)
    throw ShapeError(op + ": input " + to_string(input) + " has fewer than " + std::to_string(D) +
                     " dims");
  Dims3 out{0, 0, 0};
  for (int i = 3 - D; i < 3; ++i) {
    const std::int64_t in = input[static_cast<std::size_t>(in_dims - 3 + i)];
    const std::int64_t want = output_size[static_cast<std::size_t>(n - 3 + i)];
    const std::int64_t lo = transposed_out(in, k[i], stride[i], padding[i], dilation[i], 0);
    const std::int64_t hi = lo + stride[i] - 1;
    if (want < lo || want > hi)
      throw std::invalid_argument(
          op + ": requested an output size of " + std::to_string(want) + " for spatial dim " +
          std::to_string(i - 3 + D) + ", but valid sizes range from " + std::to_string(lo) +
          " to " + std::to_string(hi) + " (for an input of " + to_string(input) + ")");
    out[i] = want - lo;
  }
  return out;
}

}  // namespace torchlet::detail

namespace torchlet::nn {
template <class Size>
std::string ConvPadding<Size>::repr() const {
  if (kind == Kind::same) return "same";
  if (kind == Kind::valid) return "valid";
  return detail::size_tuple(size);
}
}  // namespace torchlet::nn

namespace torchlet::nn::functional {

/// F.conv1d: x [N, C_in, L] (or [C_in, L]), weight [C_out, C_in / groups, kL], bias [C_out]
/// -> [N, C_out, L_out].
template <class T>
BasicTensor<T> conv1d(const BasicTensor<T>& input, const BasicTensor<T>& weight,
                      const BasicTensor<T>& bias = {}, std::int64_t stride = 1,
                      Padding1d padding = 0, std::int64_t dilation = 1, std::int64_t groups = 1) {
  return detail::conv_nd("conv1d", 1, input, weight, bias, detail::to_dims3(stride, 1),
                         detail::padding_spec(padding), detail::to_dims3(dilation, 1), groups);
}

/// F.conv2d: x [N, C_in, H, W] (or [C_in, H, W]), weight [C_out, C_in / groups, kH, kW], bias
/// [C_out] -> [N, C_out, H_out, W_out].
template <class T>
BasicTensor<T> conv2d(const BasicTensor<T>& input, const BasicTensor<T>& weight,
                      const BasicTensor<T>& bias = {}, IntPair stride = 1, Padding2d padding = 0,
                      IntPair dilation = 1, std::int64_t groups = 1) {
  return detail::conv_nd("conv2d", 2, input, weight, bias, detail::to_dims3(stride, 1),
                         detail::padding_spec(padding), detail::to_dims3(dilation, 1), groups);
}

/// F.conv3d: x [N, C_in, D, H, W] (or [C_in, D, H, W]), weight [C_out, C_in / groups, kD, kH,
/// kW], bias [C_out] -> [N, C_out, D_out, H_out, W_out].
template <class T>
BasicTensor<T> conv3d(const BasicTensor<T>& input, const BasicTensor<T>& weight,
                      const BasicTensor<T>& bias = {}, IntTriple stride = 1, Padding3d padding = 0,
                      IntTriple dilation = 1, std::int64_t groups = 1) {
  return detail::conv_nd("conv3d", 3, input, weight, bias, detail::to_dims3(stride, 1),
                         detail::padding_spec(padding), detail::to_dims3(dilation, 1), groups);
}

/// F.conv_transpose1d: x [N, C_in, L] (or [C_in, L]), weight [C_in, C_out / groups, kL], bias
/// [C_out] -> [N, C_out, L_out], L_out = (L - 1) * stride - 2 * padding + dilation * (kL - 1) +
/// output_padding + 1.
template <class T>
BasicTensor<T> conv_transpose1d(const BasicTensor<T>& input, const BasicTensor<T>& weight,
                                const BasicTensor<T>& bias = {}, std::int64_t stride = 1,
                                std::int64_t padding = 0, std::int64_t output_padding = 0,
                                std::int64_t groups = 1, std::int64_t dilation = 1) {
  return detail::conv_transpose_nd("conv_transpose1d", 1, input, weight, bias,
                                   detail::to_dims3(stride, 1), detail::to_dims3(padding, 0),
                                   detail::to_dims3(output_padding, 0), groups,
                                   detail::to_dims3(dilation, 1));
}

/// F.conv_transpose2d: x [N, C_in, H, W] (or [C_in, H, W]), weight [C_in, C_out / groups, kH,
/// kW], bias [C_out] -> [N, C_out, H_out, W_out], H_out = (H - 1) * stride - 2 * padding +
/// dilation * (kH - 1) + output_padding + 1 (same for W).
template <class T>
BasicTensor<T> conv_transpose2d(const BasicTensor<T>& input, const BasicTensor<T>& weight,
                                const BasicTensor<T>& bias = {}, IntPair stride = 1,
                                IntPair padding = 0, IntPair output_padding = 0,
                                std::int64_t groups = 1, IntPair dilation = 1) {
  return detail::conv_transpose_nd("conv_transpose2d", 2, input, weight, bias,
                                   detail::to_dims3(stride, 1), detail::to_dims3(padding, 0),
                                   detail::to_dims3(output_padding, 0), groups,
                                   detail::to_dims3(dilation, 1));
}

/// F.conv_transpose3d: x [N, C_in, D, H, W] (or [C_in, D, H, W]), weight [C_in, C_out / groups,
/// kD, kH, kW], bias [C_out] -> [N, C_out, D_out, H_out, W_out] (sizes as conv_transpose2d's).
template <class T>
BasicTensor<T> conv_transpose3d(const BasicTensor<T>& input, const BasicTensor<T>& weight,
                                const BasicTensor<T>& bias = {}, IntTriple stride = 1,
                                IntTriple padding = 0, IntTriple output_padding = 0,
                                std::int64_t groups = 1, IntTriple dilation = 1) {
  return detail::conv_transpose_nd("conv_transpose3d", 3, input, weight, bias,
                                   detail::to_dims3(stride, 1), detail::to_dims3(padding, 0),
                                   detail::to_dims3(output_padding, 0), groups,
                                   detail::to_dims3(dilation, 1));
}

}  // namespace torchlet::nn::functional
