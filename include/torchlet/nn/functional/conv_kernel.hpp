#pragma once
// The convolution kernels every conv and transposed conv shares (internals, namespace detail).
// All work on 5-D tensors: conv1d and conv2d see [N, C, 1, 1, L] and [N, C, 1, H, W].
//
// conv_forward: x [N, C_in, D, H, W], weight [C_out, C_in / G, kD, kH, kW] -> y [N, C_out, oD,
// oH, oW], as im2col + GEMM per sample and group g:
//   Y[n, g] [C_out/G, L] = W_g [C_out/G, K] @ cols[n, g] [K, L],  K = C_in/G * kD * kH * kW,
//   L = oD * oH * oW.
// Backward: dW_g += dY[n, g] @ cols[n, g]^T, dcols = W_g^T @ dY[n, g] scattered back by col2im.
//
// conv_transpose_forward is that input gradient as a forward: x [N, C_in, iD, iH, iW], weight
// [C_in, C_out / G, kD, kH, kW] -> y [N, C_out, oD, oH, oW] = col2im(W_g^T @ x[n, g]), where the
// window geometry is the one of the conv that maps y's shape to x's. Its backward is a conv:
// dx[n, g] = W_g @ im2col(dY)[n, g], dW_g += x[n, g] @ im2col(dY)[n, g]^T.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/detail/workspace.hpp"
#include "torchlet/parallel.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::detail {

/// Geometry of a 2-D sliding window over [N, C, H, W] (the pools).
struct Window2d {
  std::int64_t n, c, h, w;  // input
  std::int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  std::int64_t oh, ow;  // output
};

/// Output extent of a sliding window (PyTorch's pooling_output_shape, with ceil_mode).
template <class = void>
inline std::int64_t window_out(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p,
                               std::int64_t d, bool ceil_mode) {
  const std::int64_t num = in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  std::int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;  // floor division
  // With ceil_mode the last window must start inside the input or the left padding.
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

/// Runs f on a 4-D version of x: unbatched [C, H, W] inputs get a batch of one.
template <class F>
Tensor with_batch_dim(const char* op, const Tensor& x, F f) {
  if (x.dim() == 4) return f(x);
  if (x.dim() == 3) return f(x.unsqueeze(0)).squeeze(0);
  throw ShapeError(std::string(op) + ": expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got " +
                   to_string(x.shape()));
}

/// Sizes over the three spatial dims (D, H, W); 1-D and 2-D convs have leading ones.
using Dims3 = std::array<std::int64_t, 3>;

/// Geometry of a convolution over [N, C, D, H, W] (the image side: a conv's input, a
/// transposed conv's output) whose windows give `out` positions (the columns' side).
struct ConvGeometry {
  std::int64_t n = 0, c = 0;  ///< batch, channels of the image side
  Dims3 in{}, k{}, s{}, p{}, d{}, out{};
  std::int64_t image() const { return in[0] * in[1] * in[2]; }
  std::int64_t kernel() const { return k[0] * k[1] * k[2]; }
  std::int64_t positions() const { return out[0] * out[1] * out[2]; }
};

/// For kernel column kj: the input column offset off = kj * dw - pw and the output columns
/// [lo, hi) whose input column ow * sw + off lies inside [0, w).
struct ColumnRange {
  std::int64_t off, lo, hi;
};
template <class = void>
inline ColumnRange column_range(const ConvGeometry& g, std::int64_t kj) {
  const std::int64_t w = g.in[2], sw = g.s[2], ow = g.out[2];
  const std::int64_t off = kj * g.d[2] - g.p[2];
  std::int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  std::int64_t hi = w - off > 0 ? (w - off + sw - 1) / sw : 0;
  lo = std::min(lo, ow);
  hi = std::clamp(hi, lo, ow);
  return {off, lo, hi};
}

/// Walks every (row, output position) of the column matrix [C * kD * kH * kW, L] of one image
/// [C, D, H, W]: f(offset of the output row in cols, whether the image row exists (not in the
/// padding), offset of the window's first element in that image row, its ColumnRange).
template <class F>
void for_each_column_row(const ConvGeometry& g, F f) {
  const std::int64_t L = g.positions(), OHW = g.out[1] * g.out[2];
  const std::int64_t H = g.in[1], W = g.in[2];
  std::int64_t row = 0;
  for (std::int64_t c = 0; c < g.c; ++c)
    for (std::int64_t ka = 0; ka < g.k[0]; ++ka)
      for (std::int64_t ki = 0; ki < g.k[1]; ++ki)
        for (std::int64_t kj = 0; kj < g.k[2]; ++kj, ++row) {
          const ColumnRange r = column_range(g, kj);
          for (std::int64_t od = 0; od < g.out[0]; ++od) {
            const std::int64_t id = od * g.s[0] - g.p[0] + ka * g.d[0];
            for (std::int64_t oh = 0; oh < g.out[1]; ++oh) {
              const std::int64_t ih = oh * g.s[1] - g.p[1] + ki * g.d[1];
              const std::int64_t col = row * L + od * OHW + oh * g.out[2];
              const bool inside = id >= 0 && id < g.in[0] && ih >= 0 && ih < H;
              f(col, inside, ((c * g.in[0] + id) * H + ih) * W + r.off, r);
            }
          }
        }
}

/// cols [C*kD*kH*kW, L] of one image x [C, D, H, W] (zeros where the window is in the padding).
template <class T>
void im2col(const T* x, const ConvGeometry& g, T* cols) {
  const std::int64_t OW = g.out[2], sw = g.s[2];
  for_each_column_row(g,
                      [&](std::int64_t col, bool inside, std::int64_t src, const ColumnRange& r) {
                        T* d = cols + col;
                        if (!inside) {
                          std::fill_n(d, OW, T(0));
                          return;
                        }
                        const T* s = x + src;
                        std::fill_n(d, r.lo, T(0));
                        if (sw == 1)
                          std::copy(s + r.lo, s + r.hi, d + r.lo);
                        else
                          for (std::int64_t o = r.lo; o < r.hi; ++o) d[o] = s[o * sw];
                        std::fill(d + r.hi, d + OW, T(0));
                      });
}

/// dx [C, D, H, W] += col2im(dcols [C*kD*kH*kW, L]) (the adjoint of im2col).
template <class T>
void col2im_add(const T* dcols, const ConvGeometry& g, T* dx) {
  const std::int64_t sw = g.s[2];
  for_each_column_row(g,
                      [&](std::int64_t col, bool inside, std::int64_t dst, const ColumnRange& r) {
                        if (!inside) return;
                        const T* s = dcols + col;
                        T* d = dx + dst;
                        if (sw == 1)
                          for (std::int64_t o = r.lo; o < r.hi; ++o) d[o] += s[o];
                        else
                          for (std::int64_t o = r.lo; o < r.hi; ++o) d[o * sw] += s[o];
                      });
}

/// Multiply-adds below which a conv's batch loop runs on one thread.
inline constexpr std::int64_t kParallelConvWork = std::int64_t(1) << 18;
/// The most chunks a batch is cut into for the weight gradient's partial sums.
inline constexpr std::int64_t kMaxBatchChunks = 16;

/// Runs f(n0, n1, acc) over the samples [0, N) cut in chunks on the intra-op threads, where
/// acc is the chunk's own zeroed accumulator of `size` elements, then adds the accumulators
/// into out (size elements) in chunk order; with out == nullptr, acc is null. The chunks
/// depend on N and size only, never on the thread count, so the sums are the same bits for
/// any number of threads. per_sample: multiply-adds per sample (small batches run inline).
template <class T, class F>
void for_batch_chunks(std::int64_t N, std::int64_t per_sample, T* out, std::int64_t size, F f) {
  if (N <= 0) return;
  // Accumulators: at most 64 MiB, never more chunks than samples.
  const std::int64_t by_memory =
      out ? std::max<std::int64_t>(1, (std::int64_t(64) << 20) / (size * std::int64_t(sizeof(T))))
          : kMaxBatchChunks;
  const std::int64_t chunks = std::min({N, kMaxBatchChunks, by_memory});
  const std::int64_t per_chunk = (N + chunks - 1) / chunks;
  const std::int64_t used = (N + per_chunk - 1) / per_chunk;
  T* acc = nullptr;
  if (out && used > 1) {
    acc = thread_workspace<T, 2>(static_cast<std::size_t>(used * size));
    std::fill_n(acc, used * size, T(0));
  }
  const std::int64_t grain =
      N * per_sample < kParallelConvWork ? used : 1;  // small convs: one thread
  parallel_for(0, used, grain, [&](std::int64_t c0, std::int64_t c1) {
    for (std::int64_t c = c0; c < c1; ++c)
      f(c * per_chunk, std::min(N, (c + 1) * per_chunk),
        out ? (used > 1 ? acc + c * size : out) : nullptr);
  });
  if (acc) {
    auto O = amap(out, size);
    for (std::int64_t c = 0; c < used; ++c) O += camap(acc + c * size, size);
  }
}

/// db [C] = sum over samples and positions of gy [N, C, L]: per-sample row sums on the
/// intra-op threads, then added in sample order (the same bits for any thread count).
template <class T>
BasicTensor<T> bias_grad(const BasicTensor<T>& gy, std::int64_t N, std::int64_t C, std::int64_t L) {
  auto db = zeros<T>({C});
  auto DB = amap(db.data(), C);
  if (N * C * L < kParallelConvWork) {
    for (std::int64_t n = 0; n < N; ++n)
      DB += cmmap(gy.data() + n * C * L, C, L).rowwise().sum().array();
    return db;
  }
  auto per = BasicTensor<T>::empty({N, C});
  parallel_for(0, N, 1, [&](std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; ++n)
      mmap(per.data() + n * C, C, 1).col(0) = cmmap(gy.data() + n * C * L, C, L).rowwise().sum();
  });
  for (std::int64_t n = 0; n < N; ++n) DB += camap(per.data() + n * C, C);
  return db;
}

/// y [N, C_out, oD, oH, oW] = conv(x [N, C_in, D, H, W], weight [C_out, C_in/G, kD, kH, kW]) +
/// bias, with g.out already computed and every shape checked by the caller. y is allocated
/// with out_shape (the same elements without the unit dims of a 1-D or 2-D conv), so that
/// the caller returns it as it is, not a view: a view cannot lend its memory to the next op
/// (`F::relu(std::move(y))`).
///
/// Memory: the batch is processed one sample at a time, its columns [K, L] built in the calling
/// thread's workspace (slot 0, reused across calls), so the scratch is one sample's columns
/// whatever the batch size. Backward saves the input (only when the weight needs a gradient;
/// otherwise only its version, so that a write into it still raises as in PyTorch) and
/// rebuilds each sample's columns in the workspace; the input gradient's columns use slot
/// 1. Nothing is saved when no input requires grad or under NoGradGuard.
template <class T>
BasicTensor<T> conv_forward(const BasicTensor<T>& x, const BasicTensor<T>& weight,
                            const BasicTensor<T>& bias, const ConvGeometry& g, std::int64_t groups,
                            const Shape& out_shape);
template <class T>
BasicTensor<T> conv_transpose_forward(const BasicTensor<T>& x, const BasicTensor<T>& weight,
                                      const BasicTensor<T>& bias, const ConvGeometry& g,
                                      std::int64_t groups, const Shape& out_shape);

/// The weight gradient of the conv y [N, O, out...] = conv(x [N, C, in...], W [O, C/G, k...])
/// as recorded ops (create_graph), on 5-D tensors: for each group, the conv of x's channels
/// (batch and channels swapped) with gy's as the kernel, strides and dilations exchanged, cut
/// to the kernel's size; the groups' results concatenated along O.
template <class T>
BasicTensor<T> conv_weight_grad_recorded(const BasicTensor<T>& x, const BasicTensor<T>& gy,
                                         const ConvGeometry& g, std::int64_t groups,
                                         const Shape& wshape) {
  const std::int64_t N = g.n, Cg = g.c / groups, Og = wshape[0] / groups;
  ConvGeometry g2{Cg, N, g.in, g.out, g.d, g.p, g.s, {}};
  for (int i = 0; i < 3; ++i)
    g2.out[i] = window_out(g.in[i], g.out[i], g.d[i], g.p[i], g.s[i], false);
  std::vector<BasicTensor<T>> parts;
  for (std::int64_t gi = 0; gi < groups; ++gi) {
    const auto xg = groups == 1 ? x : x.narrow(1, gi * Cg, Cg);
    const auto gyg = groups == 1 ? gy : gy.narrow(1, gi * Og, Og);
    const auto xt = xg.transpose(0, 1).contiguous();   // [Cg, N, D, H, W]
    const auto kt = gyg.transpose(0, 1).contiguous();  // [Og, N, oD, oH, oW]
    auto r = conv_forward(xt, kt, BasicTensor<T>(), g2, 1,
                          {Cg, Og, g2.out[0], g2.out[1], g2.out[2]});  // [Cg, Og, >= k...]
    for (int i = 0; i < 3; ++i) r = r.narrow(2 + i, 0, g.k[i]);
    parts.push_back(r.transpose(0, 1).contiguous());  // [Og, Cg, k...]
  }
  return (groups == 1 ? parts[0] : cat(parts, 0)).reshape(wshape);
}

/// A conv's backward as recorded ops (create_graph), on 5-D tensors: dx is the transposed
/// conv of gy with the weight (a function of both, so the gradient penalty of WGAN-GP
/// differentiates it again); dW conv_weight_grad_recorded; db the sum of gy.
template <class T>
std::vector<BasicTensor<T>> conv_backward_recorded(const BasicTensor<T>& gy,
                                                   const SavedTensor<T>& sx,
                                                   const SavedTensor<T>& sw, const Shape& wshape,
                                                   const ConvGeometry& g, std::int64_t groups,
                                                   bool gx, bool gw, bool gb) {
  const char* name = "ConvolutionBackward0";
  const std::int64_t N = g.n, O = wshape[0];
  const auto gy5 = gy.reshape({N, O, g.out[0], g.out[1], g.out[2]});
  BasicTensor<T> dx, dw, db;
  if (gx)
    dx = conv_transpose_forward(gy5, sw.variable(name, wshape), BasicTensor<T>(), g, groups,
                                {N, g.c, g.in[0], g.in[1], g.in[2]});
  if (gw)
    dw = conv_weight_grad_recorded(sx.variable(name, {N, g.c, g.in[0], g.in[1], g.in[2]}), gy5, g,
                                   groups, wshape);
  if (gb) db = gy5.reshape({N, O, -1}).sum(2).sum(0);
  return {dx, dw, db};
}

/// A transposed conv's backward as recorded ops (create_graph): y = conv_transpose(x, W) is
/// the adjoint of the conv with geometry g from y's space to x's, so dx is that conv of gy
/// with W, and dW the weight gradient of that conv with gy as its input and x as its output's
/// gradient; db the sum of gy.
template <class T>
std::vector<BasicTensor<T>> conv_transpose_backward_recorded(
    const BasicTensor<T>& gy, const SavedTensor<T>& sx, const SavedTensor<T>& sw, const Shape& xs,
    const Shape& ws, const ConvGeometry& g, std::int64_t groups, bool gx, bool gw, bool gb) {
  const char* name = "ConvolutionBackward0";
  const std::int64_t N = g.n, CO = g.c;
  const auto gy5 = gy.reshape({N, CO, g.in[0], g.in[1], g.in[2]});
  BasicTensor<T> dx, dw, db;
  if (gx) dx = conv_forward(gy5, sw.variable(name, ws), BasicTensor<T>(), g, groups, xs);
  if (gw) dw = conv_weight_grad_recorded(gy5, sx.variable(name, xs), g, groups, ws);
  if (gb) db = gy5.reshape({N, CO, -1}).sum(2).sum(0);
  return {dx, dw, db};
}

template <class T>
BasicTensor<T> conv_forward(const BasicTensor<T>& x, const BasicTensor<T>& weight,
                            const BasicTensor<T>& bias, const ConvGeometry& g, std::int64_t groups,
                            const Shape& out_shape) {
  const std::int64_t N = g.n, C = g.c, O = weight.size(0), L = g.positions();
  const std::int64_t K = C * g.kernel(), Kg = K / groups, Og = O / groups, IMG = C * g.image();
  // 1x1, stride 1, no padding: the image is its own column matrix.
  const bool direct = g.kernel() == 1 && g.s == Dims3{1, 1, 1} && g.p == Dims3{0, 0, 0};
  auto y = BasicTensor<T>::empty(out_shape);  // [N, O, oD, oH, oW] in the caller's rank
  const T* wp = weight.data();
  // Samples on the intra-op threads, each thread's columns in its own workspace.
  for_batch_chunks<T>(N, O * K * L, nullptr, 0, [&](std::int64_t n0, std::int64_t n1, T*) {
    T* workspace = direct ? nullptr : thread_workspace<T>(static_cast<std::size_t>(K * L));
    for (std::int64_t n = n0; n < n1; ++n) {
      const T* cn = direct ? x.data() + n * IMG : workspace;
      if (!direct) im2col(x.data() + n * IMG, g, workspace);
      for (std::int64_t gi = 0; gi < groups; ++gi) {
        T* yg = y.data() + (n * O + gi * Og) * L;  // Y_g [Og, L] = W_g [Og, Kg] @ cols_g
        gemm_serial(wp + gi * Og * Kg, Og, Kg, false, cn + gi * Kg * L, Kg, L, false, yg, false);
        if (bias.defined()) mmap(yg, Og, L).colwise() += cmmap(bias.data() + gi * Og, Og, 1).col(0);
      }
    }
  });
  if (!needs_graph<T>({&x, &weight, &bias})) return y;
  const bool gx = x.requires_grad(), gw = weight.requires_grad(),
             gb = bias.defined() && bias.requires_grad();
  // The input only when dW needs it (its columns are rebuilt per sample in backward); the
  // weight always (a handle on the parameter: backward checks its version, as PyTorch does).
  // Without dW the input's data is not kept, only its version (PyTorch saves the input).
  record(y, "ConvolutionBackward0", {&x, &weight, &bias},
         [sx = gw ? SavedTensor<T>(x) : SavedTensor<T>{},
          vx = gw ? SavedVersion<T>() : SavedVersion<T>(x), sw = SavedTensor<T>(weight),
          wshape = weight.shape(), g, groups, gx, gw, gb, O, Og, K, Kg, L, IMG,
          direct](const BasicTensor<T>& gy) {
           const std::int64_t N = g.n;
           BasicTensor<T> dx, dw, db;
           vx.check("ConvolutionBackward0");
           if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded ops
             return conv_backward_recorded(gy, sx, sw, wshape, g, groups, gx, gw, gb);
           const T* wp = sw.data("ConvolutionBackward0");
           if (gb) db = bias_grad(gy, N, O, L);
           if (!gw && !gx) return std::vector<BasicTensor<T>>{dx, dw, db};
           const T* xp = gw ? sx.data("ConvolutionBackward0") : nullptr;
           if (gw) dw = zeros<T>(wshape);
           if (gx) dx = zeros<T>({N, g.c, g.in[0], g.in[1], g.in[2]});
           const std::int64_t work = (gw + gx) * O * K * L;
           for_batch_chunks<T>(
               N, work, gw ? dw.data() : nullptr, O * Kg,
               [&](std::int64_t n0, std::int64_t n1, T* dwc) {
                 T* cols =
                     gw && !direct ? thread_workspace<T>(static_cast<std::size_t>(K * L)) : nullptr;
                 T* dcols = gx && !direct ? thread_workspace<T, 1>(static_cast<std::size_t>(K * L))
                                          : nullptr;
                 for (std::int64_t n = n0; n < n1; ++n) {
                   if (gw) {  // dW_g += dY[n, g] [Og, L] @ cols[n, g]^T [L, Kg]
                     const T* cn = direct ? xp + n * IMG : cols;
                     if (!direct) im2col(xp + n * IMG, g, cols);
                     for (std::int64_t gi = 0; gi < groups; ++gi)
                       gemm_serial(gy.data() + (n * O + gi * Og) * L, Og, L, false,
                                   cn + gi * Kg * L, Kg, L, true, dwc + gi * Og * Kg, true);
                   }
                   if (gx) {  // dcols[n, g] = W_g^T [Kg, Og] @ dY[n, g] [Og, L], then col2im
                     T* dst = direct ? dx.data() + n * IMG : dcols;
                     for (std::int64_t gi = 0; gi < groups; ++gi)
                       gemm_serial(wp + gi * Og * Kg, Og, Kg, true,
                                   gy.data() + (n * O + gi * Og) * L, Og, L, false,
                                   dst + gi * Kg * L, false);
                     if (!direct) col2im_add(dcols, g, dx.data() + n * IMG);
                   }
                 }
               });
           return std::vector<BasicTensor<T>>{dx, dw, db};
         });
  mark_differentiable_backward(y);
  return y;
}

/// y [N, C_out, oD, oH, oW] = conv_transpose(x [N, C_in, iD, iH, iW], weight [C_in, C_out/G,
/// kD, kH, kW]) + bias. g is the geometry of the conv from y to x: g.c = C_out, g.in = y's
/// spatial size, g.out = x's; shapes checked by the caller.
template <class T>
BasicTensor<T> conv_transpose_forward(const BasicTensor<T>& x, const BasicTensor<T>& weight,
                                      const BasicTensor<T>& bias, const ConvGeometry& g,
                                      std::int64_t groups, const Shape& out_shape) {
  const std::int64_t N = g.n, CI = x.size(1), CO = g.c, L = g.positions();
  const std::int64_t Cig = CI / groups, Og = CO / groups, Kg = Og * g.kernel(), K = CO * g.kernel();
  const std::int64_t IMG = CO * g.image();
  auto y = zeros<T>(out_shape);  // [N, C_out, oD, oH, oW] in the caller's rank
  for_batch_chunks<T>(N, CI * Kg * L, nullptr, 0, [&](std::int64_t n0, std::int64_t n1, T*) {
    T* cols = thread_workspace<T>(static_cast<std::size_t>(K * L));
    for (std::int64_t n = n0; n < n1; ++n) {
      for (std::int64_t gi = 0; gi < groups; ++gi)  // cols_g [Kg, L] = W_g^T [Kg, Cig] @ x_g
        gemm_serial(weight.data() + gi * Cig * Kg, Cig, Kg, true,
                    x.data() + (n * CI + gi * Cig) * L, Cig, L, false, cols + gi * Kg * L, false);
      col2im_add(cols, g, y.data() + n * IMG);
      if (bias.defined())
        mmap(y.data() + n * IMG, CO, g.image()).colwise() += cmmap(bias.data(), CO, 1).col(0);
    }
  });
  if (!needs_graph<T>({&x, &weight, &bias})) return y;
  const bool gx = x.requires_grad(), gw = weight.requires_grad(),
             gb = bias.defined() && bias.requires_grad();
  record(y, "ConvolutionBackward0", {&x, &weight, &bias},
         [sx = SavedTensor<T>(x), sw = SavedTensor<T>(weight), xs = x.shape(), ws = weight.shape(),
          g, groups, gx, gw, gb, CI, Cig, Kg, K, L, IMG](const BasicTensor<T>& gy) {
           if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded ops
             return conv_transpose_backward_recorded(gy, sx, sw, xs, ws, g, groups, gx, gw, gb);
           const std::int64_t N = g.n, CO = g.c;
           BasicTensor<T> dx, dw, db;
           const T* xp = sx.data("ConvolutionBackward0");
           const T* wp = sw.data("ConvolutionBackward0");
           if (gx) dx = zeros<T>(xs);
           if (gw) dw = zeros<T>(ws);
           if (gx || gw) {
             const std::int64_t work = (gx + gw) * CI * Kg * L;
             for_batch_chunks<T>(N, work, gw ? dw.data() : nullptr, numel_of(ws),
                                 [&](std::int64_t n0, std::int64_t n1, T* dwc) {
                                   T* cols = thread_workspace<T>(static_cast<std::size_t>(K * L));
                                   for (std::int64_t n = n0; n < n1; ++n) {
                                     im2col(gy.data() + n * IMG, g, cols);
                                     for (std::int64_t gi = 0; gi < groups; ++gi) {
                                       const T* cg = cols + gi * Kg * L;
                                       if (gx)  // dx_g [Cig, L] = W_g [Cig, Kg] @ cols_g [Kg, L]
                                         gemm_serial(wp + gi * Cig * Kg, Cig, Kg, false, cg, Kg, L,
                                                     false, dx.data() + (n * CI + gi * Cig) * L,
                                                     false);
                                       if (gw)  // dW_g [Cig, Kg] += x_g [Cig, L] @ cols_g^T [L, Kg]
                                         gemm_serial(xp + (n * CI + gi * Cig) * L, Cig, L, false,
                                                     cg, Kg, L, true, dwc + gi * Cig * Kg, true);
                                     }
                                   }
                                 });
           }
           if (gb) db = bias_grad(gy, N, CO, g.image());
           return std::vector<BasicTensor<T>>{dx, dw, db};
         });
  mark_differentiable_backward(y);
  return y;
}

}  // namespace torchlet::detail
