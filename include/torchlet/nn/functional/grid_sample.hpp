#pragma once
// affine_grid and grid_sample (F.affine_grid, F.grid_sample), the 2-D spatial transformer:
//   affine_grid: theta [N, 2, 3], size {N, C, H, W} -> grid [N, H, W, 2], grid[n, h, w] =
//     theta[n] @ (x_w, y_h, 1) with x, y the normalized coordinates of the output pixels in
//     [-1, 1] (pixel corners at +-1 with align_corners, else pixel centers).
//   grid_sample: x [N, C, H_in, W_in], grid [N, H, W, 2] (x, y in [-1, 1]) -> [N, C, H, W],
//     the input sampled at each grid point: mode "bilinear" or "nearest" (round half to even),
//     padding_mode "zeros" (outside reads 0) or "border" (coordinates clamped to the edge).
// Both with backward (grid_sample to the input and, for bilinear, to the grid).
#include <cmath>
#include <string>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::detail {

/// The normalized coordinate of pixel i of `size` pixels.
template <class = void>
inline double grid_coordinate(std::int64_t i, std::int64_t size, bool align_corners) {
  if (align_corners) return size > 1 ? -1.0 + 2.0 * double(i) / double(size - 1) : 0.0;
  return (2.0 * double(i) + 1.0) / double(size) - 1.0;
}

/// Pixel coordinate of normalized `v` along a dim of `size` pixels, with d(pixel)/d(v) in
/// `grad` (PyTorch's grid_sampler_compute_source_index_set_grad).
template <class T>
T grid_source_index(T v, std::int64_t size, bool align_corners, bool border, T& grad) {
  T coord;
  if (align_corners) {
    coord = (v + 1) / 2 * T(size - 1);
    grad = T(size - 1) / 2;
  } else {
    coord = ((v + 1) * T(size) - 1) / 2;
    grad = T(size) / 2;
  }
  if (border) {
    if (coord <= 0) {
      coord = 0;
      grad = 0;
    } else if (coord >= T(size - 1)) {
      coord = T(size - 1);
      grad = 0;
    }
  }
  return coord;
}

/// grid_sample's backward as recorded ops (create_graph), on the saved input x [N, C, IH, IW]
/// and grid [N, H, W, 2] as variables: the taps' positions, validity and the slopes d(pixel) /
/// d(grid) are constants of the point; the bilinear weights are recorded functions of the
/// grid, the tapped values a recorded gather of x. dx scatters go times each tap's weight
/// (lane_put); dgrid is the sum over taps and channels of go x_tap d(weight)/d(pixel), times
/// the slope.
template <class T>
std::vector<BasicTensor<T>> grid_sample_backward_recorded(const BasicTensor<T>& go,
                                                          const BasicTensor<T>& x,
                                                          const BasicTensor<T>& grid, bool bilinear,
                                                          bool border, bool align, bool gin,
                                                          bool ggrid) {
  const std::int64_t N = x.size(0), C = x.size(1), IH = x.size(2), IW = x.size(3), H = grid.size(1),
                     W = grid.size(2), P = H * W;
  const int taps = bilinear ? 4 : 1;
  // Per point: slopes, the pixel coordinate's constant part, floors; per tap: index, validity.
  auto mx = BasicTensor<T>::empty({N, P, 1}), my = BasicTensor<T>::empty({N, P, 1});
  auto cx = BasicTensor<T>::empty({N, P, 1}), cy = BasicTensor<T>::empty({N, P, 1});
  std::vector<LongTensor> idx;
  std::vector<BasicTensor<T>> valid;
  for (int t = 0; t < taps; ++t) {
    idx.push_back(LongTensor::empty({N, P, C}));
    valid.push_back(BasicTensor<T>::empty({N, P, 1}));
  }
  const T* gp = grid.data();
  for (std::int64_t e = 0; e < N * P; ++e) {
    const T* g = gp + e * 2;
    T slope_x, slope_y;
    const T ix = grid_source_index(g[0], IW, align, border, slope_x);
    const T iy = grid_source_index(g[1], IH, align, border, slope_y);
    mx.data()[e] = slope_x;
    my.data()[e] = slope_y;
    const auto x0 = static_cast<std::int64_t>(bilinear ? std::floor(ix) : std::nearbyint(ix));
    const auto y0 = static_cast<std::int64_t>(bilinear ? std::floor(iy) : std::nearbyint(iy));
    // ix - x0 = g0 * sx + cx: the fraction's constant part (the whole of it where clamped)
    cx.data()[e] = ix - T(x0) - g[0] * slope_x;
    cy.data()[e] = iy - T(y0) - g[1] * slope_y;
    for (int t = 0; t < taps; ++t) {
      const std::int64_t yy = y0 + t / 2, xx = x0 + t % 2;
      const bool in = yy >= 0 && yy < IH && xx >= 0 && xx < IW;
      std::fill_n(idx[static_cast<std::size_t>(t)].data() + e * C, C, in ? yy * IW + xx : 0);
      valid[static_cast<std::size_t>(t)].data()[e] = in ? T(1) : T(0);
    }
  }
  const auto xl = x.reshape({N, C, IH * IW}).transpose(1, 2);  // [N, IH*IW, C]
  const auto gol = go.reshape({N, C, P}).transpose(1, 2);      // [N, P, C]
  const auto g2 = grid.reshape({N, P, 2});
  const auto fx = g2.narrow(2, 0, 1) * mx + cx, fy = g2.narrow(2, 1, 1) * my + cy;  // [N, P, 1]
  const auto one = full<T>({}, T(1));
  // Tap t = (row y0 + t / 2, column x0 + t % 2): its weight and d(weight)/d(fx), d/d(fy).
  const auto weight = [&](int t) {
    if (!bilinear) return valid[0];
    const auto wx = t % 2 ? fx : one - fx, wy = t / 2 ? fy : one - fy;
    return wx * wy * valid[static_cast<std::size_t>(t)];
  };
  BasicTensor<T> dx, dg;
  if (gin) {
    BasicTensor<T> acc;
    for (int t = 0; t < taps; ++t) {
      auto part = lane_put(gol * weight(t), idx[static_cast<std::size_t>(t)], IH * IW);
      acc = acc.defined() ? acc + part : part;
    }
    dx = acc.transpose(1, 2).reshape(x.shape());
  }
  if (ggrid) {
    if (!bilinear) {
      dg = zeros<T>(grid.shape());
    } else {
      BasicTensor<T> sx, sy;  // sum over taps and channels of go x_tap d(weight)/d(f)
      for (int t = 0; t < taps; ++t) {
        const auto& v = valid[static_cast<std::size_t>(t)];
        const auto gx = (gol * lane_take(xl, idx[static_cast<std::size_t>(t)])).sum(2, true) * v;
        const auto dwx = t % 2 ? (t / 2 ? fy : one - fy) : -(t / 2 ? fy : one - fy);
        const auto dwy = t / 2 ? (t % 2 ? fx : one - fx) : -(t % 2 ? fx : one - fx);
        sx = sx.defined() ? sx + gx * dwx : gx * dwx;
        sy = sy.defined() ? sy + gx * dwy : gx * dwy;
      }
      dg = cat(std::vector<BasicTensor<T>>{sx * mx, sy * my}, 2).reshape(grid.shape());
    }
  }
  return {dx, dg};
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// F.affine_grid: theta [N, 2, 3], size {N, C, H, W} -> grid [N, H, W, 2] (float and double).
template <class T>
BasicTensor<T> affine_grid(const BasicTensor<T>& theta, const std::vector<std::int64_t>& size,
                           bool align_corners = false) {
  if (size.size() != 4)
    throw std::invalid_argument("affine_grid: size must be {N, C, H, W} (2-D affine grids), got " +
                                std::to_string(size.size()) + " sizes");
  const std::int64_t N = size[0], H = size[2], W = size[3];
  if (theta.dim() != 3 || theta.size(0) != N || theta.size(1) != 2 || theta.size(2) != 3)
    throw ShapeError("affine_grid: expected theta [" + std::to_string(N) +
                     ", 2, 3] for size [N, C, H, W] = " + to_string(Shape(size)) + ", got " +
                     to_string(theta.shape()));
  if (H <= 0 || W <= 0)
    throw ShapeError("affine_grid: H and W must be positive, got " + to_string(Shape(size)));
  std::vector<T> xs(static_cast<std::size_t>(W)), ys(static_cast<std::size_t>(H));
  for (std::int64_t i = 0; i < W; ++i)
    xs[static_cast<std::size_t>(i)] = static_cast<T>(detail::grid_coordinate(i, W, align_corners));
  for (std::int64_t i = 0; i < H; ++i)
    ys[static_cast<std::size_t>(i)] = static_cast<T>(detail::grid_coordinate(i, H, align_corners));
  auto grid = BasicTensor<T>::empty({N, H, W, 2});
  const T* th = theta.data();
  T* g = grid.data();
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t w = 0; w < W; ++w) {
        const T x = xs[static_cast<std::size_t>(w)], y = ys[static_cast<std::size_t>(h)];
        const T* t = th + n * 6;
        T* o = g + ((n * H + h) * W + w) * 2;
        o[0] = t[0] * x + t[1] * y + t[2];
        o[1] = t[3] * x + t[4] * y + t[5];
      }
  if (detail::needs_graph<T>({&theta})) {
    detail::record(grid, "AffineGridGeneratorBackward0", {&theta},
                   [xs, ys, N, H, W](const BasicTensor<T>& gg) {
                     if (is_grad_enabled()) [[unlikely]] {  // create_graph: a recorded matmul
                       // dtheta[n] = gg[n]^T [2, H*W] @ base [H*W, 3], base's rows (x, y, 1)
                       auto base = BasicTensor<T>::empty({H * W, 3});
                       for (std::int64_t h = 0; h < H; ++h)
                         for (std::int64_t w = 0; w < W; ++w) {
                           T* b = base.data() + (h * W + w) * 3;
                           b[0] = xs[static_cast<std::size_t>(w)];
                           b[1] = ys[static_cast<std::size_t>(h)];
                           b[2] = T(1);
                         }
                       return std::vector<BasicTensor<T>>{
                           gg.reshape({N, H * W, 2}).transpose(1, 2).matmul(base)};
                     }
                     auto dt = zeros<T>({N, 2, 3});
                     const T* gp = gg.data();
                     T* d = dt.data();
                     for (std::int64_t n = 0; n < N; ++n)
                       for (std::int64_t h = 0; h < H; ++h)
                         for (std::int64_t w = 0; w < W; ++w) {
                           const T x = xs[static_cast<std::size_t>(w)],
                                   y = ys[static_cast<std::size_t>(h)];
                           const T* gi = gp + ((n * H + h) * W + w) * 2;
                           for (std::int64_t r = 0; r < 2; ++r) {
                             d[n * 6 + r * 3] += gi[r] * x;
                             d[n * 6 + r * 3 + 1] += gi[r] * y;
                             d[n * 6 + r * 3 + 2] += gi[r];
                           }
                         }
                     return std::vector<BasicTensor<T>>{dt};
                   });
    detail::mark_differentiable_backward(grid);
  }
  return grid;
}

/// grid_sample's arguments after the grid (F.grid_sample's keywords).
struct GridSampleOptions {
  std::string mode = "bilinear";       ///< "bilinear" or "nearest".
  std::string padding_mode = "zeros";  ///< "zeros" or "border".
  bool align_corners = false;          ///< -1 and 1 are the corner pixels' centers.
};

/// F.grid_sample: x [N, C, H_in, W_in], grid [N, H, W, 2] -> [N, C, H, W] (float and double).
template <class T>
BasicTensor<T> grid_sample(const BasicTensor<T>& input, const BasicTensor<T>& grid,
                           const GridSampleOptions& o = {}) {
  if (o.mode != "bilinear" && o.mode != "nearest")
    throw std::invalid_argument("grid_sample: mode must be 'bilinear' or 'nearest', got '" +
                                o.mode + "'");
  if (o.padding_mode != "zeros" && o.padding_mode != "border")
    throw std::invalid_argument("grid_sample: padding_mode must be 'zeros' or 'border', got '" +
                                o.padding_mode + "'");
  if (input.dim() != 4 || grid.dim() != 4 || grid.size(0) != input.size(0) || grid.size(3) != 2)
    throw ShapeError("grid_sample: expected input [N, C, H_in, W_in] and grid [N, H, W, 2], got " +
                     to_string(input.shape()) + " and " + to_string(grid.shape()));
  const std::int64_t N = input.size(0), C = input.size(1), IH = input.size(2), IW = input.size(3),
                     H = grid.size(1), W = grid.size(2);
  const bool border = o.padding_mode == "border", bilinear = o.mode == "bilinear",
             align = o.align_corners;
  auto out = zeros<T>({N, C, H, W});
  const T* xp = input.data();
  const T* gp = grid.data();
  T* op = out.data();
  // Calls f(n, h, w, corner index in the input plane (or -1 outside), weight) for the taps of
  // every output point.
  const auto for_each_tap = [&](auto f) {
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t h = 0; h < H; ++h)
        for (std::int64_t w = 0; w < W; ++w) {
          const T* g = gp + ((n * H + h) * W + w) * 2;
          T gx, gy;  // unused here: the backward recomputes them
          const T ix = detail::grid_source_index(g[0], IW, align, border, gx);
          const T iy = detail::grid_source_index(g[1], IH, align, border, gy);
          const auto at = [&](std::int64_t yy, std::int64_t xx) -> std::int64_t {
            return yy >= 0 && yy < IH && xx >= 0 && xx < IW ? yy * IW + xx : -1;
          };
          if (!bilinear) {
            const auto xx = static_cast<std::int64_t>(std::nearbyint(ix));
            const auto yy = static_cast<std::int64_t>(std::nearbyint(iy));
            f(n, h, w, at(yy, xx), T(1));
            continue;
          }
          const auto x0 = static_cast<std::int64_t>(std::floor(ix));
          const auto y0 = static_cast<std::int64_t>(std::floor(iy));
          const T dx = ix - T(x0), dy = iy - T(y0);
          f(n, h, w, at(y0, x0), (1 - dx) * (1 - dy));
          f(n, h, w, at(y0, x0 + 1), dx * (1 - dy));
          f(n, h, w, at(y0 + 1, x0), (1 - dx) * dy);
          f(n, h, w, at(y0 + 1, x0 + 1), dx * dy);
        }
  };
  for_each_tap([&](std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t idx, T wt) {
    if (idx < 0) return;
    for (std::int64_t c = 0; c < C; ++c)
      op[((n * C + c) * H + h) * W + w] += wt * xp[(n * C + c) * IH * IW + idx];
  });
  if (detail::needs_graph<T>({&input, &grid})) {
    const bool gin = input.requires_grad(), ggrid = grid.requires_grad();
    detail::record(
        out, "GridSampler2DBackward0", {&input, &grid},
        [sx = detail::SavedTensor<T>(input), sg = detail::SavedTensor<T>(grid), xs = input.shape(),
         gs = grid.shape(), o, gin, ggrid](const BasicTensor<T>& go) {
          if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded ops
            return detail::grid_sample_backward_recorded(
                go, sx.variable("GridSampler2DBackward0", xs),
                sg.variable("GridSampler2DBackward0", gs), o.mode == "bilinear",
                o.padding_mode == "border", o.align_corners, gin, ggrid);
          BasicTensor<T> dx, dg;
          const std::int64_t N = xs[0], C = xs[1], IH = xs[2], IW = xs[3], H = gs[1], W = gs[2];
          if (gin) dx = zeros<T>(xs);
          if (ggrid) dg = zeros<T>(gs);
          const bool border = o.padding_mode == "border", bilinear = o.mode == "bilinear";
          const T* xp = sx.data("GridSampler2DBackward0");
          const T* gp = sg.data("GridSampler2DBackward0");
          const T* gop = go.data();
          for (std::int64_t n = 0; n < N; ++n)
            for (std::int64_t h = 0; h < H; ++h)
              for (std::int64_t w = 0; w < W; ++w) {
                const T* g = gp + ((n * H + h) * W + w) * 2;
                T mx, my;
                const T ix = detail::grid_source_index(g[0], IW, o.align_corners, border, mx);
                const T iy = detail::grid_source_index(g[1], IH, o.align_corners, border, my);
                T sx = 0, sy = 0;  // d out / d (ix, iy), summed over channels
                const auto tap = [&](std::int64_t yy, std::int64_t xx, T wt, T dwx, T dwy) {
                  if (yy < 0 || yy >= IH || xx < 0 || xx >= IW) return;
                  for (std::int64_t c = 0; c < C; ++c) {
                    const T gv = gop[((n * C + c) * H + h) * W + w];
                    const std::int64_t k = (n * C + c) * IH * IW + yy * IW + xx;
                    if (gin) dx.data()[k] += wt * gv;
                    sx += dwx * gv * xp[k];
                    sy += dwy * gv * xp[k];
                  }
                };
                if (!bilinear) {
                  tap(static_cast<std::int64_t>(std::nearbyint(iy)),
                      static_cast<std::int64_t>(std::nearbyint(ix)), T(1), T(0), T(0));
                } else {
                  const auto x0 = static_cast<std::int64_t>(std::floor(ix));
                  const auto y0 = static_cast<std::int64_t>(std::floor(iy));
                  const T ddx = ix - T(x0), ddy = iy - T(y0);
                  tap(y0, x0, (1 - ddx) * (1 - ddy), -(1 - ddy), -(1 - ddx));
                  tap(y0, x0 + 1, ddx * (1 - ddy), (1 - ddy), -ddx);
                  tap(y0 + 1, x0, (1 - ddx) * ddy, -ddy, (1 - ddx));
                  tap(y0 + 1, x0 + 1, ddx * ddy, ddy, ddx);
                }
                if (ggrid) {
                  T* d = dg.data() + ((n * H + h) * W + w) * 2;
                  d[0] = sx * mx;
                  d[1] = sy * my;
                }
              }
          return std::vector<BasicTensor<T>>{dx, dg};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

}  // namespace torchlet::nn::functional
