#pragma once
// interpolate (F.interpolate): x [N, C, *S] -> [N, C, *S_out], S = L, H W or D H W, with
// S_out = size, or floor(S * scale_factor). Modes "nearest" (any of the three), "linear"
// (3-D input), "bilinear" and "bicubic" (4-D), "trilinear" (5-D); align_corners for the
// interpolating modes, as PyTorch defines them:
//   source coordinate of output index o: align_corners ? o * (in - 1) / (out - 1)
//                                                      : (o + 0.5) * scale - 0.5 (>= 0 for
//   linear), scale = in / out, or 1 / scale_factor when scale_factor is given (and not
//   recomputed); nearest: floor(o * scale).
// Every mode is separable: the tensor-product weights are applied one spatial dim at a time,
// each a sparse linear map out[o] = sum_t w[o, t] x[idx[o, t]] along that dim whose backward
// scatters the gradient with the same taps.
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::detail {

/// The taps of a 1-D resampling: output o reads inputs idx[o * taps + t] with weights w.
struct ResampleTaps {
  std::int64_t in = 0, out = 0, taps = 1;
  std::vector<std::int64_t> idx;
  std::vector<double> w;
};

/// PyTorch's cubic convolution weights (A = -0.75) for the fraction t of the source position.
template <class = void>
inline std::array<double, 4> cubic_weights(double t) {
  constexpr double A = -0.75;
  const auto c1 = [](double x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  const auto c2 = [](double x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  return {c2(t + 1), c1(t), c1(1 - t), c2(2 - t)};
}

/// The taps of one spatial dim: `in` -> `out` in `mode` ("nearest", "linear" for every
/// interpolating mode, "cubic"), `scale` given (1 / scale_factor) or none.
template <class = void>
inline ResampleTaps resample_taps(const std::string& mode, std::int64_t in, std::int64_t out,
                                  bool align_corners, std::optional<double> scale_factor) {
  ResampleTaps r;
  r.in = in;
  r.out = out;
  r.taps = mode == "nearest" ? 1 : mode == "cubic" ? 4 : 2;
  r.idx.resize(static_cast<std::size_t>(out * r.taps));
  r.w.resize(r.idx.size());
  const auto clamp = [&](std::int64_t i) { return std::clamp<std::int64_t>(i, 0, in - 1); };
  if (mode == "nearest") {
    // In float, as PyTorch computes it, so the floor agrees at the boundaries.
    const float scale = scale_factor ? static_cast<float>(1.0 / *scale_factor)
                                     : static_cast<float>(in) / static_cast<float>(out);
    for (std::int64_t o = 0; o < out; ++o) {
      std::int64_t i = out == in ? o
                       : out == 2 * in
                           ? o >> 1
                           : static_cast<std::int64_t>(std::floor(static_cast<float>(o) * scale));
      r.idx[static_cast<std::size_t>(o)] = std::min(i, in - 1);
      r.w[static_cast<std::size_t>(o)] = 1;
    }
    return r;
  }
  const double scale = align_corners  ? (out > 1 ? double(in - 1) / double(out - 1) : 0.0)
                       : scale_factor ? 1.0 / *scale_factor
                                      : double(in) / double(out);
  for (std::int64_t o = 0; o < out; ++o) {
    double src = align_corners ? scale * double(o) : scale * (double(o) + 0.5) - 0.5;
    const auto at = static_cast<std::size_t>(o * r.taps);
    if (mode == "cubic") {
      const double f = std::floor(src);
      const auto w = cubic_weights(src - f);
      for (std::int64_t t = 0; t < 4; ++t) {
        r.idx[at + t] = clamp(static_cast<std::int64_t>(f) - 1 + t);
        r.w[at + t] = w[static_cast<std::size_t>(t)];
      }
    } else {
      if (!align_corners && src < 0) src = 0;
      const auto i0 = static_cast<std::int64_t>(src);
      const double l1 = src - double(i0);
      r.idx[at] = clamp(i0);
      r.idx[at + 1] = clamp(i0 + (i0 < in - 1 ? 1 : 0));
      r.w[at] = 1 - l1;
      r.w[at + 1] = l1;
    }
  }
  return r;
}

template <class T>
BasicTensor<T> resample_dim(const BasicTensor<T>& x, std::int64_t d, const ResampleTaps& r);

/// The adjoint of resample_dim (its backward): g [A, out, B] scattered through the taps into
/// zeros of shape xs [A, in, B]. Linear in g: when g requires grad (create_graph) it is
/// recorded with resample_dim as its backward.
template <class T>
BasicTensor<T> resample_dim_adjoint(const BasicTensor<T>& g, std::int64_t d, const ResampleTaps& r,
                                    const Shape& xs) {
  std::int64_t A = 1, B = 1;
  for (std::int64_t i = 0; i < d; ++i) A *= xs[static_cast<std::size_t>(i)];
  for (auto i = static_cast<std::size_t>(d) + 1; i < xs.size(); ++i) B *= xs[i];
  auto gx = zeros<T>(xs);
  const T* gp = g.data();
  T* dp = gx.data();
  for (std::int64_t a = 0; a < A; ++a)
    for (std::int64_t o = 0; o < r.out; ++o) {
      const T* src = gp + (a * r.out + o) * B;
      for (std::int64_t t = 0; t < r.taps; ++t) {
        const auto k = static_cast<std::size_t>(o * r.taps + t);
        const T w = static_cast<T>(r.w[k]);
        T* dst = dp + (a * r.in + r.idx[k]) * B;
        for (std::int64_t b = 0; b < B; ++b) dst[b] += w * src[b];
      }
    }
  if (needs_graph<T>({&g})) [[unlikely]] {
    record(gx, "UpsampleBackwardBackward", {&g}, [r, d](const BasicTensor<T>& gg) {
      return std::vector<BasicTensor<T>>{resample_dim(gg, d, r)};
    });
    mark_differentiable_backward(gx);
  }
  return gx;
}

/// out = the taps applied along dim d of x [A, in, B] -> [A, out, B] (with backward).
template <class T>
BasicTensor<T> resample_dim(const BasicTensor<T>& x, std::int64_t d, const ResampleTaps& r) {
  std::int64_t A = 1, B = 1;
  for (std::int64_t i = 0; i < d; ++i) A *= x.size(i);
  for (std::int64_t i = d + 1; i < x.dim(); ++i) B *= x.size(i);
  Shape shape = x.shape();
  shape[static_cast<std::size_t>(d)] = r.out;
  auto y = zeros<T>(shape);
  const T* xp = x.data();
  T* yp = y.data();
  for (std::int64_t a = 0; a < A; ++a)
    for (std::int64_t o = 0; o < r.out; ++o) {
      T* dst = yp + (a * r.out + o) * B;
      for (std::int64_t t = 0; t < r.taps; ++t) {
        const auto k = static_cast<std::size_t>(o * r.taps + t);
        const T w = static_cast<T>(r.w[k]);
        const T* src = xp + (a * r.in + r.idx[k]) * B;
        for (std::int64_t b = 0; b < B; ++b) dst[b] += w * src[b];
      }
    }
  if (needs_graph<T>({&x})) {
    record(y, "UpsampleBackward", {&x}, [r, d, xs = x.shape()](const BasicTensor<T>& g) {
      return std::vector<BasicTensor<T>>{resample_dim_adjoint(g, d, r, xs)};
    });
    mark_differentiable_backward(y);
  }
  return y;
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// F.interpolate's arguments after the input (size or scale_factor: one value for every
/// spatial dim, or one per dim).
struct InterpolateOptions {
  std::vector<std::int64_t> size = {};     ///< Output spatial size (or empty).
  std::vector<double> scale_factor = {};   ///< Multiplier of the spatial size (or empty).
  std::string mode = "nearest";            ///< nearest, linear, bilinear, bicubic, trilinear.
  std::optional<bool> align_corners = {};  ///< Interpolating modes only; default false.
  std::optional<bool> recompute_scale_factor = {};  ///< Map coordinates by the computed sizes.
};

/// F.interpolate: x [N, C, *S] -> [N, C, *S_out] (see the header comment for the modes).
template <class T>
BasicTensor<T> interpolate(const BasicTensor<T>& input, const InterpolateOptions& o = {}) {
  const std::int64_t dims = input.dim() - 2;
  const std::string& mode = o.mode;
  const bool interpolating =
      mode == "linear" || mode == "bilinear" || mode == "bicubic" || mode == "trilinear";
  if (mode != "nearest" && !interpolating)
    throw std::invalid_argument(
        "interpolate: mode must be 'nearest', 'linear', 'bilinear', "
        "'bicubic' or 'trilinear', got '" +
        mode + "'");
  if (dims < 1 || dims > 3)
    throw ShapeError("interpolate: expected a 3-D, 4-D or 5-D input [N, C, *S], got " +
                     to_string(input.shape()));
  const std::int64_t need = mode == "linear" ? 1 : mode == "trilinear" ? 3 : 2;
  if (mode != "nearest" && dims != need)
    throw ShapeError("interpolate: got " + std::to_string(dims + 2) + "D input, but " + mode +
                     " mode needs " + std::to_string(need + 2) + "D input (input " +
                     to_string(input.shape()) + ")");
  if (o.align_corners && !interpolating)
    throw std::invalid_argument(
        "interpolate: align_corners option can only be set with the interpolating modes: "
        "linear | bilinear | bicubic | trilinear");
  if (o.size.empty() == o.scale_factor.empty())
    throw std::invalid_argument("interpolate: give exactly one of size and scale_factor");
  const auto per_dim = [&](auto& v, const char* what) {
    using V = std::decay_t<decltype(v)>;
    if (v.size() == 1) return V(static_cast<std::size_t>(dims), v[0]);
    if (static_cast<std::int64_t>(v.size()) != dims)
      throw std::invalid_argument("interpolate: " + std::string(what) + " must have 1 or " +
                                  std::to_string(dims) + " entries for input " +
                                  to_string(input.shape()) + ", got " + std::to_string(v.size()));
    return V(v);
  };
  const bool align = o.align_corners.value_or(false);
  std::vector<std::int64_t> out(static_cast<std::size_t>(dims));
  std::vector<std::optional<double>> scales(static_cast<std::size_t>(dims));
  if (!o.size.empty()) {
    out = per_dim(o.size, "size");
  } else {
    const auto sf = per_dim(o.scale_factor, "scale_factor");
    for (std::size_t i = 0; i < sf.size(); ++i) {
      if (!(sf[i] > 0))
        throw std::invalid_argument("interpolate: scale_factor must be positive, got " +
                                    std::to_string(sf[i]));
      out[i] = static_cast<std::int64_t>(
          std::floor(static_cast<double>(input.size(2 + static_cast<std::int64_t>(i))) * sf[i]));
      if (!o.recompute_scale_factor.value_or(false)) scales[i] = sf[i];
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i] <= 0 || input.size(2 + static_cast<std::int64_t>(i)) <= 0)
      throw ShapeError("interpolate: input " + to_string(input.shape()) +
                       " and output sizes must be positive, got an output size of " +
                       std::to_string(out[i]) + " for spatial dim " + std::to_string(i));
  const std::string kernel = mode == "nearest" ? "nearest" : mode == "bicubic" ? "cubic" : "linear";
  BasicTensor<T> y = input;
  for (std::int64_t i = 0; i < dims; ++i) {
    const auto k = static_cast<std::size_t>(i);
    y = detail::resample_dim(
        y, 2 + i, detail::resample_taps(kernel, input.size(2 + i), out[k], align, scales[k]));
  }
  return y;
}

}  // namespace torchlet::nn::functional
