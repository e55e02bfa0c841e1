#pragma once
// unfold / fold (F.unfold, F.fold): the sliding-window column matrix of a convolution and its
// adjoint, over [N, C, H, W] images.
//   unfold: x [N, C, H, W] (or [C, H, W]) -> [N, C * kH * kW, L], L = H_out * W_out the
//     window positions (im2col; windows in the padding read zeros).
//   fold: x [N, C * kH * kW, L] (or [C * kH * kW, L]) -> [N, C, H, W] with (H, W) =
//     output_size, overlapping values summed (col2im).
// Each is the other's backward.
#include <string>

#include "torchlet/nn/functional/conv.hpp"

namespace torchlet::detail {

/// The geometry of unfold / fold over an image [N, C, H, W].
template <class = void>
inline ConvGeometry fold_geometry(const std::string& op, std::int64_t n, std::int64_t c,
                                  std::int64_t h, std::int64_t w, nn::IntPair k, nn::IntPair d,
                                  nn::IntPair p, nn::IntPair s) {
  if (k.h < 1 || k.w < 1 || d.h < 1 || d.w < 1 || s.h < 1 || s.w < 1 || p.h < 0 || p.w < 0)
    throw std::invalid_argument(op + ": kernel_size " + k.tuple_repr() + ", dilation " +
                                d.tuple_repr() + " and stride " + s.tuple_repr() +
                                " must be positive, padding " + p.tuple_repr() + " non-negative");
  ConvGeometry g{n, c, {1, h, w}, {1, k.h, k.w}, {1, s.h, s.w}, {0, p.h, p.w}, {1, d.h, d.w}, {}};
  for (int i = 0; i < 3; ++i) g.out[i] = window_out(g.in[i], g.k[i], g.s[i], g.p[i], g.d[i], false);
  if (g.out[1] <= 0 || g.out[2] <= 0)
    throw ShapeError(op + ": the image " + to_string(Shape{h, w}) + " (padded by " +
                     p.tuple_repr() + ") is smaller than the dilated kernel " +
                     to_string(Shape{d.h * (k.h - 1) + 1, d.w * (k.w - 1) + 1}));
  return g;
}

/// cols [N, C*K, L] of images [N, C, H, W] (forward of unfold, backward of fold).
template <class T>
BasicTensor<T> im2col_batch(const BasicTensor<T>& x, const ConvGeometry& g) {
  auto cols = BasicTensor<T>::empty({g.n, g.c * g.kernel(), g.positions()});
  for (std::int64_t n = 0; n < g.n; ++n)
    im2col(x.data() + n * g.c * g.image(), g, cols.data() + n * g.c * g.kernel() * g.positions());
  return cols;
}

/// images [N, C, H, W] summed from cols [N, C*K, L] (forward of fold, backward of unfold).
template <class T>
BasicTensor<T> col2im_batch(const BasicTensor<T>& cols, const ConvGeometry& g) {
  auto x = zeros<T>({g.n, g.c, g.in[1], g.in[2]});
  for (std::int64_t n = 0; n < g.n; ++n)
    col2im_add(cols.data() + n * g.c * g.kernel() * g.positions(), g,
               x.data() + n * g.c * g.image());
  return x;
}

template <class T>
BasicTensor<T> col2im_recorded(const BasicTensor<T>& cols, const ConvGeometry& g);

/// im2col_batch recorded ("Im2ColBackward0"): its backward is col2im_recorded, itself
/// recorded when the gradient requires grad (create_graph), so unfold and fold differentiate
/// any number of times.
template <class T>
BasicTensor<T> im2col_recorded(const BasicTensor<T>& x, const ConvGeometry& g) {
  auto out = im2col_batch(x, g);
  if (needs_graph<T>({&x})) {
    record(out, "Im2ColBackward0", {&x}, [g](const BasicTensor<T>& gy) {
      return std::vector<BasicTensor<T>>{col2im_recorded(gy, g)};
    });
    mark_differentiable_backward(out);
  }
  return out;
}

/// col2im_batch recorded ("Col2ImBackward0"), its backward im2col_recorded.
template <class T>
BasicTensor<T> col2im_recorded(const BasicTensor<T>& cols, const ConvGeometry& g) {
  auto out = col2im_batch(cols, g);
  if (needs_graph<T>({&cols})) {
    record(out, "Col2ImBackward0", {&cols}, [g](const BasicTensor<T>& gy) {
      return std::vector<BasicTensor<T>>{im2col_recorded(gy, g)};
    });
    mark_differentiable_backward(out);
  }
  return out;
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// F.unfold: x [N, C, H, W] (or [C, H, W]) -> [N, C * kH * kW, L] (or [C * kH * kW, L]), the
/// sliding windows as columns.
template <class T>
BasicTensor<T> unfold(const BasicTensor<T>& input, IntPair kernel_size, IntPair dilation = 1,
                      IntPair padding = 0, IntPair stride = 1) {
  if (input.dim() != 3 && input.dim() != 4)
    throw ShapeError("unfold: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got " +
                     to_string(input.shape()));
  const auto x = input.dim() == 4 ? input : input.unsqueeze(0);
  const auto g = detail::fold_geometry("unfold", x.size(0), x.size(1), x.size(2), x.size(3),
                                       kernel_size, dilation, padding, stride);
  auto out = detail::im2col_recorded(x, g);
  return input.dim() == 4 ? out : out.squeeze(0);
}

/// F.fold: x [N, C * kH * kW, L] (or [C * kH * kW, L]) -> [N, C, H, W] (or [C, H, W]) with
/// (H, W) = output_size; values of overlapping windows are summed.
template <class T>
BasicTensor<T> fold(const BasicTensor<T>& input, IntPair output_size, IntPair kernel_size,
                    IntPair dilation = 1, IntPair padding = 0, IntPair stride = 1) {
  if (input.dim() != 2 && input.dim() != 3)
    throw ShapeError(
        "fold: expected a 2-D [C * kH * kW, L] or 3-D [N, C * kH * kW, L] input, got " +
        to_string(input.shape()));
  const auto x = input.dim() == 3 ? input : input.unsqueeze(0);
  const std::int64_t K = kernel_size.h * kernel_size.w;
  if (K < 1 || x.size(1) % K != 0)
    throw ShapeError("fold: input " + to_string(input.shape()) + ": dim " +
                     std::to_string(input.dim() - 2) +
                     " must be divisible by the product of kernel_size " +
                     kernel_size.tuple_repr() + " (" + std::to_string(K) + ")");
  if (output_size.h < 1 || output_size.w < 1)
    throw std::invalid_argument("fold: output_size " + output_size.tuple_repr() +
                                " must be positive");
  const auto g = detail::fold_geometry("fold", x.size(0), x.size(1) / K, output_size.h,
                                       output_size.w, kernel_size, dilation, padding, stride);
  if (x.size(2) != g.positions())
    throw ShapeError("fold: input " + to_string(input.shape()) + " has " +
                     std::to_string(x.size(2)) + " blocks, but output_size " +
                     output_size.tuple_repr() + " with kernel_size " + kernel_size.tuple_repr() +
                     ", dilation " + dilation.tuple_repr() + ", padding " + padding.tuple_repr() +
                     " and stride " + stride.tuple_repr() + " gives " +
                     std::to_string(g.positions()));
  auto out = detail::col2im_recorded(x, g);
  return input.dim() == 3 ? out : out.squeeze(0);
}

}  // namespace torchlet::nn::functional
