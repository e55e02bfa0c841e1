#pragma once
// vision::transforms::functional: the stateless image operations behind the transform
// classes, with torchvision.transforms.functional's names and tensor semantics
// (torchvision 0.14, tensor path).
//
// Images are tensors [H, W] or [..., C, H, W] of uint8, float or double (any leading
// dimensions: a batch [B, C, H, W] is transformed image by image with the same
// parameters). The result has the input's dtype and leading dimensions. Interpolation
// is computed in float (double for double images); uint8 results are rounded half to
// even and clamped, as torchvision does.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::vision::transforms {

/// Interpolation of Resize and RandomRotation (torchvision.transforms.InterpolationMode).
enum class InterpolationMode { NEAREST, BILINEAR };
/// How Pad and RandomCrop fill the border (torchvision's padding_mode).
enum class PaddingMode { constant, edge, reflect, symmetric };

namespace detail {

/// An image seen as `planes` planes of h x w (planes = product of the leading dims).
struct Planes {
  Shape lead;  // every dimension but the last two
  std::int64_t planes = 1, h = 0, w = 0;
  Shape with(std::int64_t oh, std::int64_t ow) const {
    Shape s = lead;
    s.push_back(oh);
    s.push_back(ow);
    return s;
  }
};

template <class T>
Planes planes_of(const char* op, const BasicTensor<T>& img) {
  if (!img.defined())
    throw std::invalid_argument(std::string(op) + ": the image is an undefined tensor");
  if (img.dim() < 2)
    throw ShapeError(std::string(op) + ": expected an image [H, W] or [..., C, H, W], got shape " +
                     to_string(img.shape()));
  Planes p;
  p.lead.assign(img.shape().begin(), img.shape().end() - 2);
  p.h = img.size(-2);
  p.w = img.size(-1);
  for (auto d : p.lead) p.planes *= d;
  return p;
}

/// Number of channels: size(-3), or 1 for a 2-D image.
template <class T>
std::int64_t channels_of(const BasicTensor<T>& img) {
  return img.dim() >= 3 ? img.size(-3) : 1;
}

/// The float type interpolation uses for T (torchvision casts uint8 to float32).
template <class T>
using compute_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

/// Converts an interpolated value back to T: round half to even and clamp for integers.
template <class T, class F>
T from_compute(F v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    const F r = std::nearbyint(v);
    const F lo = static_cast<F>(std::numeric_limits<T>::lowest()),
            hi = static_cast<F>(std::numeric_limits<T>::max());
    if (!(r >= lo)) return std::numeric_limits<T>::lowest();  // also NaN
    if (r >= hi) return std::numeric_limits<T>::max();
    return static_cast<T>(r);
  }
}

template <class T>
T fill_value(const char* op, double fill) {
  if constexpr (std::is_integral_v<T>) {
    if (!(fill >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
          fill <= static_cast<double>(std::numeric_limits<T>::max())))
      throw std::invalid_argument(std::string(op) + ": fill value " + std::to_string(fill) +
                                  " does not fit the image's dtype " + dtype_name<T>());
  }
  return static_cast<T>(fill);
}

/// An output size {h, w} or {s} (s x s) as (h, w); else an error naming `op`.
inline std::pair<std::int64_t, std::int64_t> hw_of(const char* op,
                                                   const std::vector<std::int64_t>& size) {
  if (size.size() == 1) return {size[0], size[0]};
  if (size.size() == 2) return {size[0], size[1]};
  throw std::invalid_argument(std::string(op) + ": size must have 1 or 2 values, got " +
                              std::to_string(size.size()));
}

/// Maps an index outside [0, n) back inside according to the padding mode; -1 = fill.
inline std::int64_t pad_index(std::int64_t i, std::int64_t n, PaddingMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PaddingMode::constant:
      return -1;
    case PaddingMode::edge:
      return i < 0 ? 0 : n - 1;
    case PaddingMode::reflect:
      return i < 0 ? -i : 2 * (n - 1) - i;  // d c b | a b c d | c b a
    case PaddingMode::symmetric:
      return i < 0 ? -i - 1 : 2 * n - 1 - i;  // b a | a b c d | d c
  }
  return -1;
}

}  // namespace detail

namespace functional {

/// The crop of height x width at (top, left); parts outside the image are zero
/// (torchvision's crop pads with 0 then).
template <class T>
BasicTensor<T> crop(const BasicTensor<T>& img, std::int64_t top, std::int64_t left,
                    std::int64_t height, std::int64_t width) {
  const auto p = detail::planes_of("crop", img);
  if (height < 0 || width < 0)
    throw std::invalid_argument("crop: height and width must be non-negative, got " +
                                std::to_string(height) + " x " + std::to_string(width));
  auto out = BasicTensor<T>::empty(p.with(height, width));
  const T* src = img.contiguous().data();
  T* dst = out.data();
  const std::int64_t x0 = std::clamp<std::int64_t>(left, 0, p.w),
                     x1 = std::clamp<std::int64_t>(left + width, 0, p.w);
  for (std::int64_t k = 0; k < p.planes; ++k)
    for (std::int64_t y = 0; y < height; ++y) {
      T* row = dst + (k * height + y) * width;
      const std::int64_t sy = top + y;
      if (sy < 0 || sy >= p.h || x1 <= x0) {
        std::fill_n(row, width, T(0));
        continue;
      }
      std::fill_n(row, x0 - left, T(0));
      std::memcpy(row + (x0 - left), src + (k * p.h + sy) * p.w + x0,
                  sizeof(T) * static_cast<std::size_t>(x1 - x0));
      std::fill_n(row + (x1 - left), left + width - x1, T(0));
    }
  return out;
}

/// Pads by {all}, {left/right, top/bottom} or {left, top, right, bottom} pixels.
/// reflect and symmetric need the padding to be smaller than the image (as torch's).
template <class T>
BasicTensor<T> pad(const BasicTensor<T>& img, const std::vector<std::int64_t>& padding,
                   double fill = 0, PaddingMode mode = PaddingMode::constant) {
  const auto p = detail::planes_of("pad", img);
  std::int64_t l, t, r, b;
  if (padding.size() == 1)
    l = t = r = b = padding[0];
  else if (padding.size() == 2)
    l = r = padding[0], t = b = padding[1];
  else if (padding.size() == 4)
    l = padding[0], t = padding[1], r = padding[2], b = padding[3];
  else
    throw std::invalid_argument("pad: padding must have 1, 2 or 4 values, got " +
                                std::to_string(padding.size()));
  if (l < 0 || t < 0 || r < 0 || b < 0)
    throw std::invalid_argument("pad: padding must be non-negative");
  if ((mode == PaddingMode::reflect || mode == PaddingMode::symmetric) &&
      (std::max(l, r) >= p.w + (mode == PaddingMode::symmetric) ||
       std::max(t, b) >= p.h + (mode == PaddingMode::symmetric)))
    throw std::invalid_argument(
        "pad: reflect/symmetric padding of " + std::to_string(std::max({l, t, r, b})) +
        " is too large for an image of " + std::to_string(p.h) + " x " + std::to_string(p.w));
  if (mode != PaddingMode::constant && (p.h == 0 || p.w == 0) && (l || t || r || b))
    throw std::invalid_argument("pad: cannot pad an empty image with mode edge/reflect/symmetric");
  const T f = detail::fill_value<T>("pad", fill);
  const std::int64_t oh = p.h + t + b, ow = p.w + l + r;
  auto out = BasicTensor<T>::empty(p.with(oh, ow));
  std::vector<std::int64_t> xs(static_cast<std::size_t>(ow));
  for (std::int64_t x = 0; x < ow; ++x)
    xs[static_cast<std::size_t>(x)] = detail::pad_index(x - l, p.w, mode);
  const T* src = img.contiguous().data();
  T* dst = out.data();
  for (std::int64_t k = 0; k < p.planes; ++k)
    for (std::int64_t y = 0; y < oh; ++y) {
      T* row = dst + (k * oh + y) * ow;
      const std::int64_t sy = detail::pad_index(y - t, p.h, mode);
      if (sy < 0) {
        std::fill_n(row, ow, f);
        continue;
      }
      const T* srow = src + (k * p.h + sy) * p.w;
      for (std::int64_t x = 0; x < ow; ++x) {
        const auto sx = xs[static_cast<std::size_t>(x)];
        row[x] = sx < 0 ? f : srow[sx];
      }
    }
  return out;
}

/// Mirror image left-right: [..., H, W] -> [..., H, W].
template <class T>
BasicTensor<T> hflip(const BasicTensor<T>& img) {
  const auto p = detail::planes_of("hflip", img);
  auto out = BasicTensor<T>::empty(img.shape());
  const T* src = img.contiguous().data();
  T* dst = out.data();
  for (std::int64_t r = 0; r < p.planes * p.h; ++r)
    std::reverse_copy(src + r * p.w, src + (r + 1) * p.w, dst + r * p.w);
  return out;
}

/// Mirror image top-bottom.
template <class T>
BasicTensor<T> vflip(const BasicTensor<T>& img) {
  const auto p = detail::planes_of("vflip", img);
  auto out = BasicTensor<T>::empty(img.shape());
  const T* src = img.contiguous().data();
  T* dst = out.data();
  for (std::int64_t k = 0; k < p.planes; ++k)
    for (std::int64_t y = 0; y < p.h; ++y)
      std::copy_n(src + (k * p.h + p.h - 1 - y) * p.w, p.w, dst + (k * p.h + y) * p.w);
  return out;
}

/// The central height x width crop; an image smaller than that is first padded with 0
/// (torchvision's offsets: round((H - h) / 2) with ties to even).
template <class T>
BasicTensor<T> center_crop(const BasicTensor<T>& img, std::int64_t height, std::int64_t width) {
  const auto p = detail::planes_of("center_crop", img);
  if (height <= 0 || width <= 0)
    throw std::invalid_argument("center_crop: size must be positive, got " +
                                std::to_string(height) + " x " + std::to_string(width));
  if (width > p.w || height > p.h) {
    const std::int64_t l = width > p.w ? (width - p.w) / 2 : 0,
                       t = height > p.h ? (height - p.h) / 2 : 0;
    const std::int64_t r = width > p.w ? (width - p.w + 1) / 2 : 0,
                       b = height > p.h ? (height - p.h + 1) / 2 : 0;
    auto padded = pad(img, {l, t, r, b});
    if (padded.size(-2) == height && padded.size(-1) == width) return padded;
    return center_crop(padded, height, width);
  }
  const auto top =
      static_cast<std::int64_t>(std::nearbyint(static_cast<double>(p.h - height) / 2.0));
  const auto left =
      static_cast<std::int64_t>(std::nearbyint(static_cast<double>(p.w - width) / 2.0));
  return crop(img, top, left, height, width);
}

/// The output [height, width] torchvision's Resize computes: size {h, w} is used as it
/// is; size {s} sets the smaller edge to s and keeps the aspect ratio (the longer edge
/// truncated), then caps the longer edge at max_size if given.
inline std::pair<std::int64_t, std::int64_t> resized_output_size(
    std::int64_t h, std::int64_t w, const std::vector<std::int64_t>& size,
    std::int64_t max_size = 0) {
  if (size.size() == 2) return {size[0], size[1]};
  if (size.size() != 1)
    throw std::invalid_argument("resize: size must have 1 or 2 values, got " +
                                std::to_string(size.size()));
  if (h <= 0 || w <= 0)
    throw std::invalid_argument("resize: cannot keep the aspect ratio of an empty image");
  const std::int64_t shrt = std::min(h, w), lng = std::max(h, w);
  std::int64_t new_short = size[0];
  auto new_long = static_cast<std::int64_t>(static_cast<double>(new_short) *
                                            static_cast<double>(lng) / static_cast<double>(shrt));
  if (max_size > 0) {
    if (max_size <= new_short)
      throw std::invalid_argument(
          "resize: max_size = " + std::to_string(max_size) +
          " must be strictly greater than the requested size for the smaller edge " +
          std::to_string(new_short));
    if (new_long > max_size) {
      new_short =
          static_cast<std::int64_t>(static_cast<double>(max_size) * static_cast<double>(new_short) /
                                    static_cast<double>(new_long));
      new_long = max_size;
    }
  }
  return w <= h ? std::pair{new_long, new_short} : std::pair{new_short, new_long};
}

namespace detail_resize {
/// Source taps of PyTorch's bilinear (align_corners=False) along one axis: the scale is
/// in/out in float, the source coordinate (o + 0.5) * scale - 0.5 and the weights in
/// double, which reproduces PyTorch 1.13's CPU kernel in 1-D exactly (in 2-D its results
/// differ from ours by at most an ulp).
struct Taps {
  std::vector<std::int64_t> i0, i1;
  std::vector<double> w0, w1;
};
inline Taps linear_taps(std::int64_t in, std::int64_t out) {
  Taps t;
  t.i0.resize(static_cast<std::size_t>(out));
  t.i1 = t.i0;
  t.w0.resize(static_cast<std::size_t>(out));
  t.w1 = t.w0;
  const double scale = static_cast<double>(static_cast<float>(in) / static_cast<float>(out));
  for (std::int64_t o = 0; o < out; ++o) {
    const auto k = static_cast<std::size_t>(o);
    if (in == out) {
      t.i0[k] = t.i1[k] = o;
      t.w0[k] = 1;
      t.w1[k] = 0;
      continue;
    }
    double src = scale * (static_cast<double>(o) + 0.5) - 0.5;
    if (src < 0) src = 0;
    const auto i0 = std::min(static_cast<std::int64_t>(src), in - 1);
    const double lambda = std::min(std::max(src - static_cast<double>(i0), 0.0), 1.0);
    t.i0[k] = i0;
    t.i1[k] = i0 + (i0 < in - 1 ? 1 : 0);
    t.w0[k] = 1.0 - lambda;
    t.w1[k] = lambda;
  }
  return t;
}
/// Source index of PyTorch's nearest (floor(o * in / out)).
inline std::vector<std::int64_t> nearest_taps(std::int64_t in, std::int64_t out) {
  std::vector<std::int64_t> idx(static_cast<std::size_t>(out));
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (std::int64_t o = 0; o < out; ++o)
    idx[static_cast<std::size_t>(o)] =
        std::min(static_cast<std::int64_t>(std::floor(static_cast<float>(o) * scale)), in - 1);
  return idx;
}
}  // namespace detail_resize

/// Resizes to height x width: bilinear with align_corners=False and no antialiasing
/// (torchvision's Resize(antialias=False) on tensors), or nearest.
template <class T>
BasicTensor<T> resize(const BasicTensor<T>& img, std::int64_t height, std::int64_t width,
                      InterpolationMode mode = InterpolationMode::BILINEAR) {
  const auto p = detail::planes_of("resize", img);
  if (height <= 0 || width <= 0)
    throw std::invalid_argument("resize: output size must be positive, got " +
                                std::to_string(height) + " x " + std::to_string(width));
  if (p.h == 0 || p.w == 0)
    throw std::invalid_argument("resize: cannot resize an empty image of shape " +
                                to_string(img.shape()));
  using F = detail::compute_t<T>;
  auto out = BasicTensor<T>::empty(p.with(height, width));
  const T* src = img.contiguous().data();
  T* dst = out.data();
  if (mode == InterpolationMode::NEAREST) {
    const auto ys = detail_resize::nearest_taps(p.h, height),
               xs = detail_resize::nearest_taps(p.w, width);
    for (std::int64_t k = 0; k < p.planes; ++k)
      for (std::int64_t y = 0; y < height; ++y) {
        const T* srow = src + (k * p.h + ys[static_cast<std::size_t>(y)]) * p.w;
        T* row = dst + (k * height + y) * width;
        for (std::int64_t x = 0; x < width; ++x) row[x] = srow[xs[static_cast<std::size_t>(x)]];
      }
    return out;
  }
  const auto ty = detail_resize::linear_taps(p.h, height),
             tx = detail_resize::linear_taps(p.w, width);
  for (std::int64_t k = 0; k < p.planes; ++k)
    for (std::int64_t y = 0; y < height; ++y) {
      const auto yk = static_cast<std::size_t>(y);
      const T* r0 = src + (k * p.h + ty.i0[yk]) * p.w;
      const T* r1 = src + (k * p.h + ty.i1[yk]) * p.w;
      const double hw0 = ty.w0[yk], hw1 = ty.w1[yk];
      T* row = dst + (k * height + y) * width;
      for (std::int64_t x = 0; x < width; ++x) {
        const auto xk = static_cast<std::size_t>(x);
        const double ww0 = tx.w0[xk], ww1 = tx.w1[xk];
        // Width first, then height; each row's value rounded to the compute type.
        const F top = static_cast<F>(static_cast<double>(r0[tx.i0[xk]]) * ww0 +
                                     static_cast<double>(r0[tx.i1[xk]]) * ww1);
        const F bottom = static_cast<F>(static_cast<double>(r1[tx.i0[xk]]) * ww0 +
                                        static_cast<double>(r1[tx.i1[xk]]) * ww1);
        row[x] = detail::from_compute<T>(
            static_cast<F>(static_cast<double>(top) * hw0 + static_cast<double>(bottom) * hw1));
      }
    }
  return out;
}

/// torchvision's resize(img, size): size {h, w} or {smaller edge}.
template <class T>
BasicTensor<T> resize(const BasicTensor<T>& img, const std::vector<std::int64_t>& size,
                      InterpolationMode mode = InterpolationMode::BILINEAR,
                      std::int64_t max_size = 0) {
  const auto p = detail::planes_of("resize", img);
  const auto [h, w] = resized_output_size(p.h, p.w, size, max_size);
  return resize(img, h, w, mode);
}

/// Luminance 0.2989 R + 0.587 G + 0.114 B (computed in float, truncated for uint8, as
/// torchvision); 1-channel images are copied. [..., 3 or 1, H, W] -> [..., n, H, W].
template <class T>
BasicTensor<T> rgb_to_grayscale(const BasicTensor<T>& img, int num_output_channels = 1) {
  if (img.dim() < 3)
    throw ShapeError(
        "rgb_to_grayscale: expected an image [..., C, H, W] with at least 3 dimensions, got "
        "shape " +
        to_string(img.shape()));
  const auto c = img.size(-3);
  if (c != 1 && c != 3)
    throw ShapeError("rgb_to_grayscale: expected 1 or 3 channels, got " + std::to_string(c) +
                     " (shape " + to_string(img.shape()) + ")");
  if (num_output_channels != 1 && num_output_channels != 3)
    throw std::invalid_argument(
        "rgb_to_grayscale: num_output_channels should be either 1 or 3, got " +
        std::to_string(num_output_channels));
  using F = detail::compute_t<T>;
  const std::int64_t plane = img.size(-1) * img.size(-2),
                     images = plane ? img.numel() / (plane * c) : 0;
  Shape s = img.shape();
  s[s.size() - 3] = num_output_channels;
  auto out = BasicTensor<T>::empty(s);
  const T* src = img.contiguous().data();
  T* dst = out.data();
  for (std::int64_t i = 0; i < images; ++i) {
    const T* in = src + i * c * plane;
    T* o = dst + i * num_output_channels * plane;
    if (c == 1) {
      std::copy_n(in, plane, o);
    } else {
      for (std::int64_t k = 0; k < plane; ++k) {
        const F l = F(0.2989) * static_cast<F>(in[k]) + F(0.587) * static_cast<F>(in[plane + k]) +
                    F(0.114) * static_cast<F>(in[2 * plane + k]);
        o[k] = static_cast<T>(l);  // truncation toward zero, like .to(uint8); l is in [0, 255]
      }
    }
    for (int extra = 1; extra < num_output_channels; ++extra)
      std::copy_n(o, plane, o + extra * plane);
  }
  return out;
}

/// Rotates by `angle` degrees counter-clockwise about the image center (or `center`,
/// in pixel coordinates), as torchvision's rotate on tensors: an inverse affine map
/// sampled with grid_sample(align_corners=False); pixels from outside get `fill`.
/// expand = true enlarges the output to hold the whole rotated image.
template <class T>
BasicTensor<T> rotate(const BasicTensor<T>& img, double angle,
                      InterpolationMode mode = InterpolationMode::NEAREST, bool expand = false,
                      std::vector<double> center = {}, double fill = 0) {
  const auto p = detail::planes_of("rotate", img);
  if (!center.empty() && center.size() != 2)
    throw std::invalid_argument("rotate: center must be {x, y}, got " +
                                std::to_string(center.size()) + " values");
  if (!std::isfinite(angle)) throw std::invalid_argument("rotate: angle must be finite");
  using F = detail::compute_t<T>;
  const F f = static_cast<F>(detail::fill_value<T>("rotate", fill));
  // torchvision's _get_inverse_affine_matrix(center, -angle, 0, 1, 0).
  const double rot = -angle * M_PI / 180.0;
  const double cx = center.empty() ? 0.0 : center[0] - static_cast<double>(p.w) * 0.5;
  const double cy = center.empty() ? 0.0 : center[1] - static_cast<double>(p.h) * 0.5;
  double m[6] = {std::cos(rot), std::sin(rot), 0.0, -std::sin(rot), std::cos(rot), 0.0};
  m[2] += m[0] * -cx + m[1] * -cy + cx;
  m[5] += m[3] * -cx + m[4] * -cy + cy;
  std::int64_t ow = p.w, oh = p.h;
  if (expand) {
    const double W = static_cast<double>(p.w), H = static_cast<double>(p.h);
    const double pts[4][2] = {
        {-0.5 * W, -0.5 * H}, {-0.5 * W, 0.5 * H}, {0.5 * W, 0.5 * H}, {0.5 * W, -0.5 * H}};
    double lo[2] = {1e300, 1e300}, hi[2] = {-1e300, -1e300};
    for (auto& q : pts)
      for (std::size_t a = 0; a < 2; ++a) {
        const float v = static_cast<float>(q[0] * m[3 * a] + q[1] * m[3 * a + 1] + m[3 * a + 2]);
        lo[a] = std::min(lo[a], static_cast<double>(v));
        hi[a] = std::max(hi[a], static_cast<double>(v));
      }
    const double tol = 1e-4;
    auto width_of = [&](int a, double half) {
      return static_cast<std::int64_t>(std::ceil(std::trunc((hi[a] + half) / tol) * tol) -
                                       std::floor(std::trunc((lo[a] + half) / tol) * tol));
    };
    ow = width_of(0, 0.5 * W);
    oh = width_of(1, 0.5 * H);
  }
  auto out = BasicTensor<T>::empty(p.with(oh, ow));
  const T* src = img.contiguous().data();
  T* dst = out.data();
  const F m0 = static_cast<F>(m[0]), m1 = static_cast<F>(m[1]), m2 = static_cast<F>(m[2]);
  const F m3 = static_cast<F>(m[3]), m4 = static_cast<F>(m[4]), m5 = static_cast<F>(m[5]);
  const F sw = static_cast<F>(0.5 * static_cast<double>(p.w)),
          sh = static_cast<F>(0.5 * static_cast<double>(p.h));
  for (std::int64_t y = 0; y < oh; ++y)
    for (std::int64_t x = 0; x < ow; ++x) {
      const F bx = static_cast<F>(x) - static_cast<F>(ow) * F(0.5) + F(0.5);
      const F by = static_cast<F>(y) - static_cast<F>(oh) * F(0.5) + F(0.5);
      // normalised grid coordinates, then grid_sample's unnormalisation (align_corners=False)
      const F gx = (bx * m0 + by * m1 + m2) / sw, gy = (bx * m3 + by * m4 + m5) / sh;
      const F px = ((gx + 1) * static_cast<F>(p.w) - 1) / 2,
              py = ((gy + 1) * static_cast<F>(p.h) - 1) / 2;
      for (std::int64_t k = 0; k < p.planes; ++k) {
        const T* plane = src + k * p.h * p.w;
        F v;
        if (mode == InterpolationMode::NEAREST) {
          const auto ix = static_cast<std::int64_t>(std::nearbyint(px)),
                     iy = static_cast<std::int64_t>(std::nearbyint(py));
          const bool inside = ix >= 0 && ix < p.w && iy >= 0 && iy < p.h;
          v = inside ? static_cast<F>(plane[iy * p.w + ix]) : f;
        } else {
          const F fx = std::floor(px), fy = std::floor(py);
          const auto x0 = static_cast<std::int64_t>(fx), y0 = static_cast<std::int64_t>(fy);
          const F ax = px - fx, ay = py - fy;
          F acc = 0, mask = 0;
          for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx) {
              const std::int64_t sx = x0 + dx, sy = y0 + dy;
              const F wgt = (dx ? ax : 1 - ax) * (dy ? ay : 1 - ay);
              if (sx >= 0 && sx < p.w && sy >= 0 && sy < p.h) {
                acc += static_cast<F>(plane[sy * p.w + sx]) * wgt;
                mask += wgt;
              }
            }
          v = acc * mask + (1 - mask) * f;
        }
        dst[(k * oh + y) * ow + x] = detail::from_compute<T>(v);
      }
    }
  return out;
}

/// (x - mean[c]) / std[c] per channel of a float image [..., C, H, W]; one mean/std
/// applies to every channel. Writes into `out` (which may be `x` itself).
template <class T>
void normalize_into(const BasicTensor<T>& x, const std::vector<float>& mean,
                    const std::vector<float>& std, const BasicTensor<T>& out) {
  static_assert(std::is_floating_point_v<T>,
                "normalize: expects a floating point image (use ToTensor first)");
  if (x.dim() < 3)
    throw ShapeError("Normalize: expected a tensor image [..., C, H, W], got shape " +
                     to_string(x.shape()));
  const auto c = x.size(-3);
  if (mean.empty() || std.size() != mean.size() ||
      (mean.size() != 1 && static_cast<std::int64_t>(mean.size()) != c))
    throw std::invalid_argument("Normalize: " + std::to_string(mean.size()) + " means and " +
                                std::to_string(std.size()) + " stds for an image with " +
                                std::to_string(c) + " channels (shape " + to_string(x.shape()) +
                                ")");
  for (float s : std)
    if (s == 0)
      throw std::invalid_argument("Normalize: std evaluated to zero, leading to division by zero");
  const auto plane = x.size(-1) * x.size(-2);
  if (plane == 0 || c == 0) return;
  const auto images = x.numel() / (plane * c);
  const T* src = x.contiguous().data();
  T* dst = out.data();
  for (std::int64_t i = 0; i < images; ++i)
    for (std::int64_t k = 0; k < c; ++k) {
      const auto ch = static_cast<std::size_t>(mean.size() == 1 ? 0 : k);
      const T m = static_cast<T>(mean[ch]), s = static_cast<T>(std[ch]);
      const auto off = (i * c + k) * plane;
      // Division, not multiplication by 1/std: the same rounding as torchvision's sub_().div_().
      detail::amap(dst + off, plane) = (detail::camap(src + off, plane) - m) / s;
    }
}

template <class T>
BasicTensor<T> normalize(const BasicTensor<T>& x, const std::vector<float>& mean,
                         const std::vector<float>& std) {
  auto out = BasicTensor<T>::empty(x.shape());
  normalize_into(x, mean, std, out);
  return out;
}

/// ByteTensor [H, W] or [C, H, W] (0..255) -> Tensor [C, H, W] in [0, 1] (x / 255).
inline Tensor to_tensor(const ByteTensor& img) {
  if (!img.defined()) throw std::invalid_argument("ToTensor: the image is an undefined tensor");
  if (img.dim() != 2 && img.dim() != 3)
    throw ShapeError("ToTensor: expected an image [H, W] or [C, H, W], got shape " +
                     to_string(img.shape()));
  Shape s = img.shape();
  if (s.size() == 2) s.insert(s.begin(), 1);
  auto out = Tensor::empty(s);
  detail::amap(out.data(), out.numel()) =
      detail::camap(img.contiguous().data(), img.numel()).template cast<float>() / 255.0f;
  return out;
}

/// torchvision's convert_image_dtype: integers scale to [0, 1] floats by their maximum,
/// floats to integers by x * (max + 1 - 1e-3) truncated (clamped to the range: values
/// outside [0, 1] saturate instead of wrapping), integers to integers by powers of two.
template <class To, class From>
BasicTensor<To> convert_image_dtype(const BasicTensor<From>& img) {
  static_assert(
      std::is_arithmetic_v<To> && !std::is_same_v<To, bool> && !std::is_same_v<From, bool>,
      "convert_image_dtype: bool images are not supported");
  if constexpr (std::is_same_v<To, From>) {
    return img;
  } else {
    auto out = BasicTensor<To>::empty(img.shape());
    const From* src = img.contiguous().data();
    To* dst = out.data();
    const auto n = img.numel();
    if constexpr (std::is_floating_point_v<From> && std::is_floating_point_v<To>) {
      for (std::int64_t i = 0; i < n; ++i) dst[i] = static_cast<To>(src[i]);
    } else if constexpr (std::is_floating_point_v<From>) {
      if constexpr ((std::is_same_v<From, float> && sizeof(To) >= 4) ||
                    (std::is_same_v<From, double> && sizeof(To) >= 8))
        static_assert(
            sizeof(To) == 0,
            "convert_image_dtype: this float -> integer conversion cannot be performed safely");
      const From scale =
          static_cast<From>(static_cast<double>(std::numeric_limits<To>::max()) + 1.0 - 1e-3);
      const From hi = static_cast<From>(std::numeric_limits<To>::max());
      for (std::int64_t i = 0; i < n; ++i) {
        const From v = src[i] * scale;
        dst[i] = !(v > 0) ? To(0) : v >= hi ? std::numeric_limits<To>::max() : static_cast<To>(v);
      }
    } else if constexpr (std::is_floating_point_v<To>) {
      const To max = static_cast<To>(std::numeric_limits<From>::max());
      for (std::int64_t i = 0; i < n; ++i) dst[i] = static_cast<To>(src[i]) / max;
    } else {
      constexpr double in_max = static_cast<double>(std::numeric_limits<From>::max());
      constexpr double out_max = static_cast<double>(std::numeric_limits<To>::max());
      if constexpr (in_max > out_max) {
        constexpr auto factor = static_cast<From>((in_max + 1) / (out_max + 1));
        for (std::int64_t i = 0; i < n; ++i) {
          From q = static_cast<From>(src[i] / factor);
          if (src[i] % factor != 0 && src[i] < 0) --q;  // floor division
          dst[i] = static_cast<To>(q);
        }
      } else {
        constexpr auto factor = static_cast<To>((out_max + 1) / (in_max + 1));
        for (std::int64_t i = 0; i < n; ++i)
          dst[i] = static_cast<To>(static_cast<To>(src[i]) * factor);
      }
    }
    return out;
  }
}

}  // namespace functional
}  // namespace torchlet::vision::transforms
