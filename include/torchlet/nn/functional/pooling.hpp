#pragma once
// 2-D pooling over x [N, C, H, W] (or unbatched [C, H, W]) -> [N, C, H_out, W_out]:
//   max_pool2d / avg_pool2d: H_out = (H + 2 * padding - dilation * (k - 1) - 1) / stride + 1
//     (rounded up with ceil_mode, the last window starting inside the input or left padding);
//   adaptive_avg_pool2d: output (oh, ow) averages rows [floor(i*H/oh), ceil((i+1)*H/oh)) (and
//   cols).
#include <cmath>
#include <limits>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/detail/workspace.hpp"
#include "torchlet/nn/functional/conv.hpp"

namespace torchlet::detail {

template <class = void>
inline Window2d pool_window(const char* op, const Tensor& x, nn::IntPair k, nn::IntPair s,
                            nn::IntPair p, nn::IntPair d, bool ceil_mode) {
  if (k.h < 1 || k.w < 1 || s.h < 1 || s.w < 1 || d.h < 1 || d.w < 1)
    throw std::invalid_argument(std::string(op) + ": kernel_size " + k.tuple_repr() + ", stride " +
                                s.tuple_repr() + " and dilation " + d.tuple_repr() +
                                " must be positive");
  if (p.h < 0 || p.w < 0 || p.h > k.h / 2 || p.w > k.w / 2)
    throw std::invalid_argument(
        std::string(op) +
        ": pad should be at most half of the effective kernel size, but got pad=" + p.tuple_repr() +
        " and kernel_size=" + k.tuple_repr());
  Window2d g{x.size(0), x.size(1), x.size(2), x.size(3), k.h, k.w, s.h,
             s.w,       p.h,       p.w,       d.h,       d.w, 0,   0};
  g.oh = window_out(g.h, g.kh, g.sh, g.ph, g.dh, ceil_mode);
  g.ow = window_out(g.w, g.kw, g.sw, g.pw, g.dw, ceil_mode);
  if (g.oh <= 0 || g.ow <= 0)
    throw ShapeError(std::string(op) + ": input " + to_string(x.shape()) +
                     " is too small for kernel_size " + k.tuple_repr() + " (output size " +
                     std::to_string(g.oh) + "x" + std::to_string(g.ow) + ")");
  return g;
}

/// max_pool2d's 2x2 / stride 2 windows of one plane (row length w) without padding: out [oh,
/// ow] and the flat index in the plane of each maximum, the first one in window order (the top
/// row, then the bottom one) or the last NaN, as PyTorch's kernel picks. Branch-free selects on
/// local copies, so that the compiler vectorizes the loop over a row's windows: with a branch per
/// comparison, random inputs mispredicted about half of them (the max-pool of pytorch/examples'
/// mnist CNN took 10% of its training epoch, docs/benchmarks.md).
template <class = void>
inline void max_pool_2x2(const float* plane, std::int64_t w, std::int64_t oh, std::int64_t ow,
                         float* out, std::int64_t* ix) {
  for (std::int64_t r = 0; r < oh; ++r) {
    const float* __restrict top = plane + 2 * r * w;
    const float* __restrict bottom = top + w;
    float* __restrict o = out + r * ow;
    std::int64_t* __restrict i = ix + r * ow;
    const std::int64_t first = 2 * r * w;
    for (std::int64_t c = 0; c < ow; ++c) {
      const float a = top[2 * c], b = top[2 * c + 1], d = bottom[2 * c], e = bottom[2 * c + 1];
      float m = a;
      std::int64_t at = 0;
      bool take = (b > m) | (b != b);
      m = take ? b : m;
      at = take ? 1 : at;
      take = (d > m) | (d != d);
      m = take ? d : m;
      at = take ? w : at;
      take = (e > m) | (e != e);
      m = take ? e : m;
      at = take ? w + 1 : at;
      o[c] = m;
      i[c] = first + 2 * c + at;
    }
  }
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// Max over each window; the gradient goes to the (first) maximum. stride 0 (the default)
/// means stride = kernel_size, PyTorch's stride=None.
template <class = void>
inline Tensor max_pool2d(const Tensor& input, IntPair kernel_size, IntPair stride = 0,
                         IntPair padding = 0, IntPair dilation = 1, bool ceil_mode = false) {
  return detail::with_batch_dim("max_pool2d", input, [&](const Tensor& x) {
    const auto g = detail::pool_window("max_pool2d", x, kernel_size,
                                       stride.h == 0 && stride.w == 0 ? kernel_size : stride,
                                       padding, dilation, ceil_mode);
    const std::int64_t planes = g.n * g.c, L = g.oh * g.ow;
    auto y = Tensor::empty({g.n, g.c, g.oh, g.ow});
    // Flat index in the input plane of each maximum: kept for backward when recording,
    // else written to a reused per-thread scratch plane.
    const bool recording = detail::needs_graph<float>({&x});
    auto idx = recording ? LongTensor::empty({planes * L}) : LongTensor{};
    const float* xp = x.data();
    // The common 2x2 / stride 2 window without padding: no bounds to check.
    const bool two_by_two = g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 &&
                            g.pw == 0 && g.dh == 1 && g.dw == 1 && 2 * g.oh <= g.h &&
                            2 * g.ow <= g.w;
    // Planes on the intra-op threads.
    detail::parallel_rows(planes, L * g.kh * g.kw, [&](std::int64_t p0, std::int64_t p1) {
      std::int64_t* scratch =
          recording ? nullptr : detail::thread_workspace<std::int64_t>(static_cast<std::size_t>(L));
      for (std::int64_t pl = p0; pl < p1; ++pl) {
        const float* plane = xp + pl * g.h * g.w;
        float* out = y.data() + pl * L;
        std::int64_t* ix = recording ? idx.data() + pl * L : scratch;
        if (two_by_two) {
          detail::max_pool_2x2(plane, g.w, g.oh, g.ow, out, ix);
          continue;
        }
        for (std::int64_t oh = 0; oh < g.oh; ++oh)
          for (std::int64_t ow = 0; ow < g.ow; ++ow) {
            std::int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
            const std::int64_t h1 = std::min(h0 + (g.kh - 1) * g.dh + 1, g.h),
                               w1 = std::min(w0 + (g.kw - 1) * g.dw + 1, g.w);
            while (h0 < 0) h0 += g.dh;
            while (w0 < 0) w0 += g.dw;
            float best = -std::numeric_limits<float>::infinity();
            std::int64_t bi = h0 * g.w + w0;
            for (std::int64_t ih = h0; ih < h1; ih += g.dh)
              for (std::int64_t iw = w0; iw < w1; iw += g.dw) {
                const float v = plane[ih * g.w + iw];
                if (v > best || std::isnan(v)) {
                  best = v;
                  bi = ih * g.w + iw;
                }
              }
            out[oh * g.ow + ow] = best;
            ix[oh * g.ow + ow] = bi;
          }
      }
    });
    if (recording)
      detail::record(
          y, "MaxPool2DWithIndicesBackward0", {&x}, [idx, g, planes, L](const Tensor& gy) {
            if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded lane_put
              return std::vector<Tensor>{detail::lane_put(gy.reshape({planes, L, 1}),
                                                          idx.reshape({planes, L, 1}), g.h * g.w)
                                             .reshape({g.n, g.c, g.h, g.w})};
            auto dx = zeros<float>({g.n, g.c, g.h, g.w});
            detail::parallel_rows(planes, L, [&](std::int64_t p0, std::int64_t p1) {
              for (std::int64_t pl = p0; pl < p1; ++pl) {
                float* d = dx.data() + pl * g.h * g.w;
                const float* s = gy.data() + pl * L;
                const std::int64_t* ix = idx.data() + pl * L;
                for (std::int64_t i = 0; i < L; ++i) d[ix[i]] += s[i];
              }
            });
            return std::vector<Tensor>{dx};
          });
    detail::mark_differentiable_backward(y);
    return y;
  });
}

/// Mean over each window. count_include_pad counts padded positions in the divisor;
/// divisor_override (if non-zero) replaces the divisor; stride 0 means kernel_size.
template <class = void>
inline Tensor avg_pool2d(const Tensor& input, IntPair kernel_size, IntPair stride = 0,
                         IntPair padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                         std::int64_t divisor_override = 0) {
  return detail::with_batch_dim("avg_pool2d", input, [&](const Tensor& x) {
    const auto g = detail::pool_window("avg_pool2d", x, kernel_size,
                                       stride.h == 0 && stride.w == 0 ? kernel_size : stride,
                                       padding, 1, ceil_mode);
    const std::int64_t planes = g.n * g.c, L = g.oh * g.ow;
    // Per output position: the clipped window and its divisor (the same for every plane).
    struct Cell {
      std::int64_t h0, h1, w0, w1;
      float scale;
    };
    std::vector<Cell> cells(static_cast<std::size_t>(L));
    for (std::int64_t oh = 0; oh < g.oh; ++oh)
      for (std::int64_t ow = 0; ow < g.ow; ++ow) {
        std::int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
        std::int64_t h1 = std::min(h0 + g.kh, g.h + g.ph), w1 = std::min(w0 + g.kw, g.w + g.pw);
        const std::int64_t pool_size = (h1 - h0) * (w1 - w0);
        h0 = std::max<std::int64_t>(h0, 0);
        w0 = std::max<std::int64_t>(w0, 0);
        h1 = std::min(h1, g.h);
        w1 = std::min(w1, g.w);
        const std::int64_t div = divisor_override
                                     ? divisor_override
                                     : (count_include_pad ? pool_size : (h1 - h0) * (w1 - w0));
        cells[static_cast<std::size_t>(oh * g.ow + ow)] = {
            h0, h1, w0, w1, div > 0 ? 1.0f / static_cast<float>(div) : 0.0f};
      }
    auto y = Tensor::empty({g.n, g.c, g.oh, g.ow});
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* plane = x.data() + pl * g.h * g.w;
      float* out = y.data() + pl * L;
      for (std::int64_t i = 0; i < L; ++i) {
        const auto& c = cells[static_cast<std::size_t>(i)];
        float s = 0;
        for (std::int64_t ih = c.h0; ih < c.h1; ++ih)
          for (std::int64_t iw = c.w0; iw < c.w1; ++iw) s += plane[ih * g.w + iw];
        out[i] = s * c.scale;
      }
    }
    if (detail::needs_graph<float>({&x}))
      detail::record(
          y, "AvgPool2DBackward0", {&x},
          [cells = std::move(cells), g, planes, L, kernel_size, stride, padding, ceil_mode,
           count_include_pad, divisor_override](const Tensor& gy) {
            auto dx = zeros<float>({g.n, g.c, g.h, g.w});
            for (std::int64_t pl = 0; pl < planes; ++pl) {
              float* d = dx.data() + pl * g.h * g.w;
              const float* s = gy.data() + pl * L;
              for (std::int64_t i = 0; i < L; ++i) {
                const auto& c = cells[static_cast<std::size_t>(i)];
                const float v = s[i] * c.scale;
                for (std::int64_t ih = c.h0; ih < c.h1; ++ih)
                  for (std::int64_t iw = c.w0; iw < c.w1; ++iw) d[ih * g.w + iw] += v;
              }
            }
            // create_graph: dx is linear in gy, its backward the pooling itself
            if (detail::needs_graph<float>({&gy})) [[unlikely]] {
              detail::record(dx, "AvgPool2DBackwardBackward0", {&gy}, [=](const Tensor& gg) {
                return std::vector<Tensor>{avg_pool2d(gg, kernel_size, stride, padding, ceil_mode,
                                                      count_include_pad, divisor_override)};
              });
              detail::mark_differentiable_backward(dx);
            }
            return std::vector<Tensor>{dx};
          });
    detail::mark_differentiable_backward(y);
    return y;
  });
}

/// Averages into a fixed output size (oh, ow), whatever the input size.
template <class = void>
inline Tensor adaptive_avg_pool2d(const Tensor& input, IntPair output_size) {
  return detail::with_batch_dim("adaptive_avg_pool2d", input, [&](const Tensor& x) {
    const std::int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
    const std::int64_t OH = output_size.h, OW = output_size.w;
    if (OH < 1 || OW < 1)
      throw std::invalid_argument("adaptive_avg_pool2d: output_size must be positive, got " +
                                  output_size.tuple_repr());
    if (H < 1 || W < 1)
      throw ShapeError("adaptive_avg_pool2d: input " + to_string(x.shape()) +
                       " has an empty spatial size");
    auto start = [](std::int64_t o, std::int64_t in, std::int64_t out) { return (o * in) / out; };
    auto end = [](std::int64_t o, std::int64_t in, std::int64_t out) {
      return ((o + 1) * in + out - 1) / out;
    };
    const std::int64_t planes = N * C, L = OH * OW;
    auto y = Tensor::empty({N, C, OH, OW});
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* plane = x.data() + pl * H * W;
      for (std::int64_t oh = 0; oh < OH; ++oh)
        for (std::int64_t ow = 0; ow < OW; ++ow) {
          const auto h0 = start(oh, H, OH), h1 = end(oh, H, OH), w0 = start(ow, W, OW),
                     w1 = end(ow, W, OW);
          float s = 0;
          for (auto ih = h0; ih < h1; ++ih)
            for (auto iw = w0; iw < w1; ++iw) s += plane[ih * W + iw];
          y.data()[pl * L + oh * OW + ow] = s / static_cast<float>((h1 - h0) * (w1 - w0));
        }
    }
    if (detail::needs_graph<float>({&x}))
      detail::record(y, "AdaptiveAvgPool2DBackward0", {&x}, [=](const Tensor& gy) {
        auto dx = zeros<float>({N, C, H, W});
        for (std::int64_t pl = 0; pl < planes; ++pl) {
          float* d = dx.data() + pl * H * W;
          for (std::int64_t oh = 0; oh < OH; ++oh)
            for (std::int64_t ow = 0; ow < OW; ++ow) {
              const auto h0 = start(oh, H, OH), h1 = end(oh, H, OH), w0 = start(ow, W, OW),
                         w1 = end(ow, W, OW);
              const float v =
                  gy.data()[pl * L + oh * OW + ow] / static_cast<float>((h1 - h0) * (w1 - w0));
              for (auto ih = h0; ih < h1; ++ih)
                for (auto iw = w0; iw < w1; ++iw) d[ih * W + iw] += v;
            }
        }
        // create_graph: dx is linear in gy, its backward the pooling itself
        if (detail::needs_graph<float>({&gy})) [[unlikely]] {
          detail::record(dx, "AdaptiveAvgPool2DBackwardBackward0", {&gy},
                         [output_size](const Tensor& gg) {
                           return std::vector<Tensor>{adaptive_avg_pool2d(gg, output_size)};
                         });
          detail::mark_differentiable_backward(dx);
        }
        return std::vector<Tensor>{dx};
      });
    detail::mark_differentiable_backward(y);
    return y;
  });
}

}  // namespace torchlet::nn::functional
