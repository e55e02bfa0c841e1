#pragma once
// 1-D and 3-D pooling, max pooling with indices, adaptive max pooling, max_unpool2d and
// lp_pool2d. Shapes (a leading N may be left out):
//   *_pool1d  x [N, C, L]       -> [N, C, L_out]
//   *_pool2d  x [N, C, H, W]    -> [N, C, H_out, W_out]
//   *_pool3d  x [N, C, D, H, W] -> [N, C, D_out, H_out, W_out]
// with out = (in + 2 * padding - dilation * (k - 1) - 1) / stride + 1 per dim (rounded up
// with ceil_mode, the last window starting inside the input or its left padding); adaptive
// pools cover [floor(i * in / out), ceil((i + 1) * in / out)). Indices are flat positions in
// each input plane (d * H * W + h * W + w), as PyTorch returns them. Every kernel is one
// templated function for 1, 2 and 3 dims (float32 layers, float64 gradcheck).
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/conv.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn {

/// A 3-D size given as one integer (all dims) or as (d, h, w): Python's int-or-triple.
struct Size3 {
  ///@{
  /// Depth, height and width.
  std::int64_t d = 0, h = 0, w = 0;
  ///@}
  /// Given as one integer (true) or as a triple.
  bool scalar = true;
  /// All dims v (implicit, like Python's int-or-tuple arguments).
  Size3(std::int64_t v) : d(v), h(v), w(v), scalar(true) {}  // NOLINT: implicit, as Python
  /// {d, h, w}.
  Size3(std::int64_t d, std::int64_t h, std::int64_t w) : d(d), h(h), w(w), scalar(false) {}
  /// "3" or "(3, 3, 1)", as given.
  std::string repr() const {
    return scalar ? std::to_string(d)
                  : "(" + std::to_string(d) + ", " + std::to_string(h) + ", " + std::to_string(w) +
                        ")";
  }
  /// Equal dims and spelling.
  bool operator==(const Size3&) const = default;
};

}  // namespace torchlet::nn

namespace torchlet::nn::functional {
namespace detail {

/// One spatial dim of a pooling: for each output position, the input range [lo, hi) walked
/// with `step`, and the divisor factor of an average.
struct PoolAxis {
  std::int64_t in = 1, step = 1;
  std::vector<std::int64_t> lo{0}, hi{1}, div{1};
  std::int64_t out() const { return static_cast<std::int64_t>(lo.size()); }
};

using Dims3 = std::array<std::int64_t, 3>;

/// The axis of a sliding window (max: dilation `d`; avg: d = 1 and the divisor follows
/// count_include_pad).
template <class = void>
inline PoolAxis window_axis(const char* op, std::int64_t in, std::int64_t k, std::int64_t s,
                            std::int64_t p, std::int64_t d, bool ceil_mode, bool count_pad) {
  if (k < 1 || s < 1 || d < 1)
    throw std::invalid_argument(std::string(op) + ": kernel_size (" + std::to_string(k) +
                                "), stride (" + std::to_string(s) + ") and dilation (" +
                                std::to_string(d) + ") must be positive");
  if (p < 0 || p > k / 2)
    throw std::invalid_argument(std::string(op) +
                                ": pad should be at most half of the kernel size, but got pad=" +
                                std::to_string(p) + " and kernel_size=" + std::to_string(k));
  const auto n = window_out(in, k, s, p, d, ceil_mode);
  if (n <= 0) return PoolAxis{in, d, {}, {}, {}};
  PoolAxis a{in, d, {}, {}, {}};
  for (std::int64_t o = 0; o < n; ++o) {
    std::int64_t lo = o * s - p;
    const std::int64_t hi = std::min(lo + (k - 1) * d + 1, in);
    const std::int64_t padded_hi = std::min(lo + k, in + p);
    const std::int64_t pool = padded_hi - lo;
    while (lo < 0) lo += d;
    a.lo.push_back(lo);
    a.hi.push_back(hi);
    a.div.push_back(count_pad ? pool : std::max<std::int64_t>(hi - lo, 0));
  }
  return a;
}

/// The axis of an adaptive pool: out windows [floor(i * in / out), ceil((i + 1) * in / out)).
template <class = void>
inline PoolAxis adaptive_axis(const char* op, std::int64_t in, std::int64_t out) {
  if (out < 1)
    throw std::invalid_argument(std::string(op) + ": output_size must be positive, got " +
                                std::to_string(out));
  if (in < 1) throw ShapeError(std::string(op) + ": input has an empty spatial dim");
  PoolAxis a{in, 1, {}, {}, {}};
  for (std::int64_t o = 0; o < out; ++o) {
    a.lo.push_back(o * in / out);
    a.hi.push_back(((o + 1) * in + out - 1) / out);
    a.div.push_back(a.hi.back() - a.lo.back());
  }
  return a;
}

/// Visits the window of output (a, b, c): f(flat index in the input plane).
template <class F>
void window(const std::array<PoolAxis, 3>& ax, const Dims3& in, std::int64_t a, std::int64_t b,
            std::int64_t c, F&& f) {
  const auto A = static_cast<std::size_t>(a), B = static_cast<std::size_t>(b),
             Cc = static_cast<std::size_t>(c);
  for (std::int64_t i = ax[0].lo[A]; i < ax[0].hi[A]; i += ax[0].step)
    for (std::int64_t j = ax[1].lo[B]; j < ax[1].hi[B]; j += ax[1].step)
      for (std::int64_t k = ax[2].lo[Cc]; k < ax[2].hi[Cc]; k += ax[2].step)
        f((i * in[1] + j) * in[2] + k);
}

/// x [N, C, D, H, W] pooled over three axes: the max (writing each maximum's flat index in
/// its plane to `indices`) or the mean (divisor_override, if not 0, replaces the divisor).
template <class T>
BasicTensor<T> pool3(const char* node, const BasicTensor<T>& x, const std::array<PoolAxis, 3>& ax,
                     bool is_max, std::int64_t divisor_override, LongTensor* indices) {
  const std::int64_t N = x.shape()[0], C = x.shape()[1];
  const Dims3 in{ax[0].in, ax[1].in, ax[2].in};
  const Dims3 out{ax[0].out(), ax[1].out(), ax[2].out()};
  const std::int64_t plane = in[0] * in[1] * in[2], L = out[0] * out[1] * out[2];
  auto y = BasicTensor<T>::empty({N, C, out[0], out[1], out[2]});
  LongTensor idx = is_max ? LongTensor::empty({N, C, out[0], out[1], out[2]}) : LongTensor{};
  std::vector<T> scale;
  if (!is_max) {
    scale.resize(static_cast<std::size_t>(L));
    for (std::int64_t a = 0; a < out[0]; ++a)
      for (std::int64_t b = 0; b < out[1]; ++b)
        for (std::int64_t c = 0; c < out[2]; ++c) {
          const auto A = static_cast<std::size_t>(a), B = static_cast<std::size_t>(b),
                     Cc = static_cast<std::size_t>(c);
          const std::int64_t div =
              divisor_override ? divisor_override : ax[0].div[A] * ax[1].div[B] * ax[2].div[Cc];
          scale[static_cast<std::size_t>((a * out[1] + b) * out[2] + c)] =
              div > 0 ? T(1) / static_cast<T>(div) : T(0);
        }
  }
  const T* xp = x.data();
  T* yp = y.data();
  for (std::int64_t pl = 0; pl < N * C; ++pl) {
    const T* src = xp + pl * plane;
    for (std::int64_t a = 0; a < out[0]; ++a)
      for (std::int64_t b = 0; b < out[1]; ++b)
        for (std::int64_t c = 0; c < out[2]; ++c) {
          const std::int64_t o = (a * out[1] + b) * out[2] + c;
          if (is_max) {
            T best = -std::numeric_limits<T>::infinity();
            std::int64_t bi = -1;
            window(ax, in, a, b, c, [&](std::int64_t i) {
              if (bi < 0 || src[i] > best || std::isnan(src[i])) {  // NaN wins, as in PyTorch
                best = src[i];
                bi = i;
              }
            });
            yp[pl * L + o] = best;
            idx.data()[pl * L + o] = bi;
          } else {
            T s = 0;
            window(ax, in, a, b, c, [&](std::int64_t i) { s += src[i]; });
            yp[pl * L + o] = s * scale[static_cast<std::size_t>(o)];
          }
        }
  }
  if (indices) *indices = idx;
  if (needs_graph<T>({&x})) {
    const Shape xs = x.shape();
    record(
        y, node, {&x},
        [xs, ax, in, node, si = SavedTensor<std::int64_t>(idx), scale = std::move(scale), is_max,
         plane, L, out, NC = N * C, divisor_override](const BasicTensor<T>& gy) {
          // max: the indices, also handed to the caller (checked: they may be changed in place)
          const std::int64_t* ip = is_max ? si.data(node) : nullptr;
          if (is_max && is_grad_enabled()) [[unlikely]]  // create_graph: recorded lane_put
            return std::vector<BasicTensor<T>>{
                lane_put(gy.reshape({NC, L, 1}), si.tensor(node, {NC, L, 1}), plane).reshape(xs)};
          auto dx = torchlet::zeros<T>(xs);
          const T* g = gy.data();
          for (std::int64_t pl = 0; pl < NC; ++pl) {
            T* d = dx.data() + pl * plane;
            if (is_max) {
              const std::int64_t* ix = ip + pl * L;
              for (std::int64_t o = 0; o < L; ++o) d[ix[o]] += g[pl * L + o];
              continue;
            }
            for (std::int64_t a = 0; a < out[0]; ++a)
              for (std::int64_t b = 0; b < out[1]; ++b)
                for (std::int64_t c = 0; c < out[2]; ++c) {
                  const std::int64_t o = (a * out[1] + b) * out[2] + c;
                  const T v = g[pl * L + o] * scale[static_cast<std::size_t>(o)];
                  window(ax, in, a, b, c, [&](std::int64_t i) { d[i] += v; });
                }
          }
          // create_graph (the mean): dx is linear in gy, its backward the pooling itself
          if (!is_max && needs_graph<T>({&gy})) [[unlikely]] {
            record(dx, node, {&gy}, [node, ax, divisor_override](const BasicTensor<T>& gg) {
              return std::vector<BasicTensor<T>>{
                  pool3(node, gg, ax, false, divisor_override, nullptr)};
            });
            mark_differentiable_backward(dx);
          }
          return std::vector<BasicTensor<T>>{dx};
        });
    mark_differentiable_backward(y);
  }
  return y;
}

/// Runs `f` on x viewed as [N, C, D, H, W] for a pooling over `spatial` dims (a batch dim
/// may be left out) and gives the result (and indices) the input's layout back.
template <class T, class F>
BasicTensor<T> as_3d(const char* op, const BasicTensor<T>& x, int spatial, LongTensor* indices,
                     F f) {
  const auto nd = x.dim();
  if (nd != spatial + 1 && nd != spatial + 2) {
    std::string want = spatial == 1   ? "[C, L] or [N, C, L]"
                       : spatial == 2 ? "[C, H, W] or [N, C, H, W]"
                                      : "[C, D, H, W] or [N, C, D, H, W]";
    throw ShapeError(std::string(op) + ": expected a " + std::to_string(spatial + 1) + "-D or " +
                     std::to_string(spatial + 2) + "-D input " + want + ", got " +
                     to_string(x.shape()));
  }
  const bool batched = nd == spatial + 2;
  const Shape& s = x.shape();
  const std::int64_t N = batched ? s[0] : 1, C = s[batched ? 1 : 0];
  const auto sd = static_cast<std::size_t>(spatial);
  Dims3 sp{1, 1, 1};
  for (std::size_t i = 0; i < sd; ++i) sp[3 - sd + i] = s[(batched ? 2 : 1) + i];
  auto y = f(x.reshape({N, C, sp[0], sp[1], sp[2]}), sp);
  Shape os;
  if (batched) os.push_back(N);
  os.push_back(C);
  for (std::size_t i = 0; i < sd; ++i) os.push_back(y.shape()[5 - sd + i]);
  if (indices) *indices = indices->reshape(os);
  return y.reshape(os);
}

/// The max or average pool over 1-3 spatial dims (k, s, p, d given for the last `spatial`
/// dims).
template <class T>
BasicTensor<T> window_pool(const char* op, const char* node, const BasicTensor<T>& x, int spatial,
                           Dims3 k, Dims3 s, Dims3 p, Dims3 d, bool ceil_mode, bool is_max,
                           bool count_include_pad, std::int64_t divisor_override,
                           LongTensor* indices) {
  for (std::size_t i = 0; i < 3; ++i)
    if (s[i] == 0) s[i] = k[i];  // stride=None
  return as_3d(op, x, spatial, indices, [&](const BasicTensor<T>& x5, Dims3 in) {
    std::array<PoolAxis, 3> ax;
    for (std::size_t i = 0; i < 3; ++i)
      ax[i] = i < static_cast<std::size_t>(3 - spatial)
                  ? PoolAxis{}
                  : window_axis(op, in[i], k[i], s[i], p[i], d[i], ceil_mode, count_include_pad);
    for (std::size_t i = 0; i < 3; ++i)
      if (ax[i].out() <= 0)
        throw ShapeError(std::string(op) + ": input " + to_string(x.shape()) +
                         " is too small for the kernel (output size " +
                         std::to_string(window_out(in[i], k[i], s[i], p[i], d[i], ceil_mode)) +
                         " along a spatial dim)");
    return pool3(node, x5, ax, is_max, divisor_override, indices);
  });
}

template <class T>
BasicTensor<T> adaptive_pool(const char* op, const char* node, const BasicTensor<T>& x, int spatial,
                             Dims3 out, bool is_max, LongTensor* indices) {
  return as_3d(op, x, spatial, indices, [&](const BasicTensor<T>& x5, Dims3 in) {
    std::array<PoolAxis, 3> ax;
    for (std::size_t i = 0; i < 3; ++i)
      ax[i] =
          i < static_cast<std::size_t>(3 - spatial) ? PoolAxis{} : adaptive_axis(op, in[i], out[i]);
    return pool3(node, x5, ax, is_max, 0, indices);
  });
}

template <class = void>
inline Dims3 dims1(std::int64_t v) {
  return {1, 1, v};
}
template <class = void>
inline Dims3 dims2(IntPair v) {
  return {1, v.h, v.w};
}
template <class = void>
inline Dims3 dims3(nn::Size3 v) {
  return {v.d, v.h, v.w};
}

}  // namespace detail

/// F.max_pool1d: the max of each window; stride 0 means kernel_size (stride=None).
/// x [N, C, L] or [C, L] -> [N, C, L_out].
template <class T>
BasicTensor<T> max_pool1d(const BasicTensor<T>& x, std::int64_t kernel_size,
                          std::int64_t stride = 0, std::int64_t padding = 0,
                          std::int64_t dilation = 1, bool ceil_mode = false) {
  return detail::window_pool("max_pool1d", "MaxPool1DBackward", x, 1, detail::dims1(kernel_size),
                             detail::dims1(stride), detail::dims1(padding), detail::dims1(dilation),
                             ceil_mode, true, false, 0, nullptr);
}

/// F.max_pool1d(..., return_indices=True): (output, indices), indices [N, C, L_out] into L.
template <class T>
std::tuple<BasicTensor<T>, LongTensor> max_pool1d_with_indices(
    const BasicTensor<T>& x, std::int64_t kernel_size, std::int64_t stride = 0,
    std::int64_t padding = 0, std::int64_t dilation = 1, bool ceil_mode = false) {
  LongTensor idx;
  auto y = detail::window_pool("max_pool1d", "MaxPool1DBackward", x, 1, detail::dims1(kernel_size),
                               detail::dims1(stride), detail::dims1(padding),
                               detail::dims1(dilation), ceil_mode, true, false, 0, &idx);
  return {y, idx};
}

/// F.max_pool2d(..., return_indices=True): (output, indices), indices [N, C, H_out, W_out]
/// flat in each H x W plane (what max_unpool2d takes).
template <class T>
std::tuple<BasicTensor<T>, LongTensor> max_pool2d_with_indices(
    const BasicTensor<T>& x, IntPair kernel_size, IntPair stride = 0, IntPair padding = 0,
    IntPair dilation = 1, bool ceil_mode = false) {
  LongTensor idx;
  auto y =
      detail::window_pool("max_pool2d", "MaxPool2DWithIndicesBackward0", x, 2,
                          detail::dims2(kernel_size), detail::dims2(stride), detail::dims2(padding),
                          detail::dims2(dilation), ceil_mode, true, false, 0, &idx);
  return {y, idx};
}

/// F.max_pool3d: x [N, C, D, H, W] or [C, D, H, W] -> [N, C, D_out, H_out, W_out].
template <class T>
BasicTensor<T> max_pool3d(const BasicTensor<T>& x, Size3 kernel_size, Size3 stride = 0,
                          Size3 padding = 0, Size3 dilation = 1, bool ceil_mode = false) {
  return detail::window_pool("max_pool3d", "MaxPool3DWithIndicesBackward0", x, 3,
                             detail::dims3(kernel_size), detail::dims3(stride),
                             detail::dims3(padding), detail::dims3(dilation), ceil_mode, true,
                             false, 0, nullptr);
}

/// F.max_pool3d(..., return_indices=True): (output, indices flat in each D x H x W volume).
template <class T>
std::tuple<BasicTensor<T>, LongTensor> max_pool3d_with_indices(const BasicTensor<T>& x,
                                                               Size3 kernel_size, Size3 stride = 0,
                                                               Size3 padding = 0,
                                                               Size3 dilation = 1,
                                                               bool ceil_mode = false) {
  LongTensor idx;
  auto y =
      detail::window_pool("max_pool3d", "MaxPool3DWithIndicesBackward0", x, 3,
                          detail::dims3(kernel_size), detail::dims3(stride), detail::dims3(padding),
                          detail::dims3(dilation), ceil_mode, true, false, 0, &idx);
  return {y, idx};
}

/// F.avg_pool1d: the mean of each window. x [N, C, L] or [C, L] -> [N, C, L_out].
template <class T>
BasicTensor<T> avg_pool1d(const BasicTensor<T>& x, std::int64_t kernel_size,
                          std::int64_t stride = 0, std::int64_t padding = 0, bool ceil_mode = false,
                          bool count_include_pad = true) {
  return detail::window_pool("avg_pool1d", "AvgPool2DBackward0", x, 1, detail::dims1(kernel_size),
                             detail::dims1(stride), detail::dims1(padding), detail::dims1(1),
                             ceil_mode, false, count_include_pad, 0, nullptr);
}

/// F.avg_pool3d: the mean of each window (divisor_override 0 = none).
/// x [N, C, D, H, W] or [C, D, H, W] -> [N, C, D_out, H_out, W_out].
template <class T>
BasicTensor<T> avg_pool3d(const BasicTensor<T>& x, Size3 kernel_size, Size3 stride = 0,
                          Size3 padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                          std::int64_t divisor_override = 0) {
  return detail::window_pool("avg_pool3d", "AvgPool3DBackward0", x, 3, detail::dims3(kernel_size),
                             detail::dims3(stride), detail::dims3(padding), detail::dims3(1),
                             ceil_mode, false, count_include_pad, divisor_override, nullptr);
}

/// F.adaptive_avg_pool1d: x [N, C, L] or [C, L] -> [N, C, output_size].
template <class T>
BasicTensor<T> adaptive_avg_pool1d(const BasicTensor<T>& x, std::int64_t output_size) {
  return detail::adaptive_pool("adaptive_avg_pool1d", "AdaptiveAvgPool2DBackward0", x, 1,
                               detail::dims1(output_size), false, nullptr);
}

/// F.adaptive_avg_pool3d: x [N, C, D, H, W] or [C, D, H, W] -> [N, C, output_size].
template <class T>
BasicTensor<T> adaptive_avg_pool3d(const BasicTensor<T>& x, Size3 output_size) {
  return detail::adaptive_pool("adaptive_avg_pool3d", "AdaptiveAvgPool3DBackward0", x, 3,
                               detail::dims3(output_size), false, nullptr);
}

/// F.adaptive_max_pool1d: x [N, C, L] or [C, L] -> [N, C, output_size].
template <class T>
BasicTensor<T> adaptive_max_pool1d(const BasicTensor<T>& x, std::int64_t output_size) {
  return detail::adaptive_pool("adaptive_max_pool1d", "AdaptiveMaxPool2DBackward0", x, 1,
                               detail::dims1(output_size), true, nullptr);
}

/// F.adaptive_max_pool1d(..., return_indices=True): (output, indices into L).
template <class T>
std::tuple<BasicTensor<T>, LongTensor> adaptive_max_pool1d_with_indices(const BasicTensor<T>& x,
                                                                        std::int64_t output_size) {
  LongTensor idx;
  auto y = detail::adaptive_pool("adaptive_max_pool1d", "AdaptiveMaxPool2DBackward0", x, 1,
                                 detail::dims1(output_size), true, &idx);
  return {y, idx};
}

/// F.adaptive_max_pool2d: x [N, C, H, W] or [C, H, W] -> [N, C, output_size].
template <class T>
BasicTensor<T> adaptive_max_pool2d(const BasicTensor<T>& x, IntPair output_size) {
  return detail::adaptive_pool("adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0", x, 2,
                               detail::dims2(output_size), true, nullptr);
}

/// F.adaptive_max_pool2d(..., return_indices=True): (output, indices flat in each H x W).
template <class T>
std::tuple<BasicTensor<T>, LongTensor> adaptive_max_pool2d_with_indices(const BasicTensor<T>& x,
                                                                        IntPair output_size) {
  LongTensor idx;
  auto y = detail::adaptive_pool("adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0", x, 2,
                                 detail::dims2(output_size), true, &idx);
  return {y, idx};
}

/// F.max_unpool2d: the partial inverse of max_pool2d: each value of x goes to its index in a
/// zero plane of output_size (by default (H - 1) * stride - 2 * padding + kernel_size).
/// x [N, C, H, W] or [C, H, W], indices as x -> [N, C, H_out, W_out].
template <class T>
BasicTensor<T> max_unpool2d(const BasicTensor<T>& x, const LongTensor& indices, IntPair kernel_size,
                            IntPair stride = 0, IntPair padding = 0,
                            std::optional<IntPair> output_size = std::nullopt) {
  if (x.shape() != indices.shape())
    throw ShapeError("max_unpool2d: indices " + to_string(indices.shape()) +
                     " must have the shape of the input " + to_string(x.shape()));
  if (x.dim() != 3 && x.dim() != 4)
    throw ShapeError("max_unpool2d: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got " +
                     to_string(x.shape()));
  if (stride.h == 0 && stride.w == 0) stride = kernel_size;
  const bool batched = x.dim() == 4;
  const auto s = x.shape();
  const std::int64_t N = batched ? s[0] : 1, C = s[batched ? 1 : 0], H = s[s.size() - 2],
                     W = s[s.size() - 1];
  const IntPair os = output_size ? *output_size
                                 : IntPair{(H - 1) * stride.h - 2 * padding.h + kernel_size.h,
                                           (W - 1) * stride.w - 2 * padding.w + kernel_size.w};
  if (os.h < 1 || os.w < 1)
    throw ShapeError("max_unpool2d: output size " + os.tuple_repr() + " must be positive");
  const std::int64_t in_plane = H * W, out_plane = os.h * os.w;
  Shape out_shape;
  if (batched) out_shape.push_back(N);
  out_shape.insert(out_shape.end(), {C, os.h, os.w});
  auto y = torchlet::zeros<T>(out_shape);
  const T* xp = x.data();
  const std::int64_t* ip = indices.data();
  for (std::int64_t pl = 0; pl < N * C; ++pl)
    for (std::int64_t i = 0; i < in_plane; ++i) {
      const std::int64_t at = ip[pl * in_plane + i];
      if (at < 0 || at >= out_plane)
        throw std::out_of_range("max_unpool2d: found an invalid max index " + std::to_string(at) +
                                " (output volumes are of size " + std::to_string(os.h) + "x" +
                                std::to_string(os.w) + ")");
      y.data()[pl * out_plane + at] = xp[pl * in_plane + i];
    }
  if (detail::needs_graph<T>({&x})) {
    detail::record(y, "MaxUnpool2DBackward0", {&x},
                   [si = detail::SavedTensor<std::int64_t>(indices), xs = x.shape(), NC = N * C,
                    in_plane, out_plane](const BasicTensor<T>& g) {
                     if (is_grad_enabled()) [[unlikely]]  // create_graph: a recorded lane_take
                       return std::vector<BasicTensor<T>>{
                           detail::lane_take(g.reshape({NC, out_plane, 1}),
                                             si.tensor("MaxUnpool2DBackward0", {NC, in_plane, 1}))
                               .reshape(xs)};
                     const std::int64_t* ip = si.data("MaxUnpool2DBackward0");
                     auto gx = BasicTensor<T>::empty(xs);
                     for (std::int64_t pl = 0; pl < NC; ++pl)
                       for (std::int64_t i = 0; i < in_plane; ++i)
                         gx.data()[pl * in_plane + i] =
                             g.data()[pl * out_plane + ip[pl * in_plane + i]];
                     return std::vector<BasicTensor<T>>{gx};
                   });
    detail::mark_differentiable_backward(y);
  }
  return y;
}

/// F.lp_pool2d: (sum of x^p over each window)^(1 / p), as PyTorch computes it (through
/// avg_pool2d; stride 0 means kernel_size). x [N, C, H, W] or [C, H, W] -> [N, C, H_out, W_out].
template <class T>
BasicTensor<T> lp_pool2d(const BasicTensor<T>& x, double norm_type, IntPair kernel_size,
                         IntPair stride = 0, bool ceil_mode = false) {
  if (!(norm_type > 0))
    throw std::invalid_argument("lp_pool2d: norm_type must be positive, got " +
                                std::to_string(norm_type));
  auto avg =
      detail::window_pool("lp_pool2d", "AvgPool2DBackward0", x.pow(norm_type), 2,
                          detail::dims2(kernel_size), detail::dims2(stride), detail::dims2(0),
                          detail::dims2(1), ceil_mode, false, true, 0, nullptr);
  return (avg * static_cast<T>(kernel_size.h * kernel_size.w)).pow(1.0 / norm_type);
}

}  // namespace torchlet::nn::functional
