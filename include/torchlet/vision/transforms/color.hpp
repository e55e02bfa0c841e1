#pragma once
// Colour adjustments of an RGB (or gray) image tensor, torchvision's functional_tensor kernels:
//   adjust_brightness(img, f)   f * img, clamped to the dtype's range (0: black, 1: unchanged)
//   adjust_contrast(img, f)     blend with the mean of the grayscale image (0: uniform gray)
//   adjust_saturation(img, f)   blend with the grayscale image (0: gray, 2: twice as saturated)
//   adjust_hue(img, h)          shifts the hue by h turns, h in [-0.5, 0.5] (RGB -> HSV -> RGB)
// and ColorJitter, which applies the four with random factors in a random order.
//
// Images are [..., 1 or 3, H, W], uint8 (0..255) or floating point (0..1). Each blend is
// computed as torchvision does, in float for uint8 images (round toward zero on the way back),
// in the image's own type otherwise: ratio * img1 + (1 - ratio) * img2, clamped to [0, 1] or
// [0, 255].
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/tensor.hpp"
#include "torchlet/vision/transforms/functional.hpp"
#include "torchlet/vision/transforms/generator.hpp"

namespace torchlet::vision::transforms {
namespace detail {

/// The channel count of an image a colour op takes (1 or 3), else a ShapeError naming `op`.
template <class T>
std::int64_t color_channels(const char* op, const BasicTensor<T>& img) {
  planes_of(op, img);
  const std::int64_t c = channels_of(img);
  if (c != 1 && c != 3)
    throw ShapeError(std::string(op) +
                     ": expected an image with 1 or 3 channels [..., C, H, W], "
                     "got shape " +
                     to_string(img.shape()));
  return c;
}

/// The largest value of an image of type T: 255 for uint8 (any integer: its maximum), 1 for
/// floating point.
template <class T>
constexpr double image_bound() {
  if constexpr (std::is_floating_point_v<T>)
    return 1.0;
  else
    return static_cast<double>(std::numeric_limits<T>::max());
}

/// torchvision's _blend: ratio * img + (1 - ratio) * other, clamped to [0, bound] and converted
/// back to T (toward zero for integers). `other(i, k)` is the blend partner of element k of
/// image i (images of c * plane elements).
template <class T, class Other>
BasicTensor<T> blend(const BasicTensor<T>& img, double ratio, std::int64_t c, Other other) {
  using F = compute_t<T>;
  const F r = static_cast<F>(ratio), rest = static_cast<F>(1.0 - ratio),
          bound = static_cast<F>(image_bound<T>());
  const std::int64_t plane = img.size(-1) * img.size(-2), per = c * plane,
                     images = per ? img.numel() / per : 0;
  auto out = BasicTensor<T>::empty(img.shape());
  const T* src = img.contiguous().data();
  T* dst = out.data();
  for (std::int64_t i = 0; i < images; ++i)
    for (std::int64_t k = 0; k < per; ++k) {
      const F v = r * static_cast<F>(src[i * per + k]) + rest * other(i, k);
      dst[i * per + k] = static_cast<T>(std::clamp(v, F(0), bound));
    }
  return out;
}

/// A factor a colour op takes: not negative, and finite (an infinite factor times a black pixel
/// has no value).
inline void check_factor(const char* op, const char* name, double f) {
  if (!(f >= 0.0))
    throw std::invalid_argument(std::string(op) + ": " + name + " (" + std::to_string(f) +
                                ") is not non-negative");
  if (!std::isfinite(f))
    throw std::invalid_argument(std::string(op) + ": " + name + " (" + std::to_string(f) +
                                ") is not finite");
}

/// PyTorch's remainder of floats: the result has the divisor's sign.
template <class F>
F floor_mod(F a, F b) {
  F m = std::fmod(a, b);
  if (m != F(0) && ((b < F(0)) != (m < F(0)))) m += b;
  return m;
}

}  // namespace detail

namespace functional {

/// img * brightness_factor, clamped: 0 gives a black image, 1 the original.
template <class T>
BasicTensor<T> adjust_brightness(const BasicTensor<T>& img, double brightness_factor) {
  detail::check_factor("adjust_brightness", "brightness_factor", brightness_factor);
  const auto c = detail::color_channels("adjust_brightness", img);
  using F = detail::compute_t<T>;
  return detail::blend(img, brightness_factor, c, [](std::int64_t, std::int64_t) { return F(0); });
}

/// Blends with the mean of the image's grayscale version (over its channels and pixels, per
/// image of a batch): 0 gives a uniform gray image, 1 the original.
template <class T>
BasicTensor<T> adjust_contrast(const BasicTensor<T>& img, double contrast_factor) {
  detail::check_factor("adjust_contrast", "contrast_factor", contrast_factor);
  const auto c = detail::color_channels("adjust_contrast", img);
  using F = detail::compute_t<T>;
  // torchvision: the mean of rgb_to_grayscale(img) (converted to T first) or of img itself.
  const BasicTensor<T> gray = c == 3 ? functional::rgb_to_grayscale(img) : img.contiguous();
  const std::int64_t plane = img.size(-1) * img.size(-2),
                     images = plane ? img.numel() / (c * plane) : 0;
  std::vector<F> means(static_cast<std::size_t>(images));
  const T* g = gray.data();
  for (std::int64_t i = 0; i < images; ++i) {
    double s = 0;
    for (std::int64_t k = 0; k < plane; ++k)
      s += static_cast<double>(static_cast<F>(g[i * plane + k]));
    means[static_cast<std::size_t>(i)] = static_cast<F>(s / static_cast<double>(plane));
  }
  return detail::blend(img, contrast_factor, c, [&](std::int64_t i, std::int64_t) {
    return means[static_cast<std::size_t>(i)];
  });
}

/// Blends with the image's grayscale version: 0 gives a gray image, 1 the original, 2 doubles
/// the saturation. A 1-channel image is returned as it is.
template <class T>
BasicTensor<T> adjust_saturation(const BasicTensor<T>& img, double saturation_factor) {
  detail::check_factor("adjust_saturation", "saturation_factor", saturation_factor);
  const auto c = detail::color_channels("adjust_saturation", img);
  if (c == 1) return img;
  using F = detail::compute_t<T>;
  const auto gray = functional::rgb_to_grayscale(img);
  const T* g = gray.data();
  const std::int64_t plane = img.size(-1) * img.size(-2);
  return detail::blend(img, saturation_factor, c, [&](std::int64_t i, std::int64_t k) {
    return static_cast<F>(g[i * plane + k % plane]);
  });
}

/// Shifts the hue by hue_factor turns (in [-0.5, 0.5]; +-0.5 gives the complementary colours):
/// RGB -> HSV, H + hue_factor modulo 1, HSV -> RGB, as torchvision's tensor kernel. uint8
/// images are computed as x / 255 in float and scaled back by 255 (toward zero); a 1-channel
/// image is returned as it is.
template <class T>
BasicTensor<T> adjust_hue(const BasicTensor<T>& img, double hue_factor) {
  if (!(hue_factor >= -0.5 && hue_factor <= 0.5))
    throw std::invalid_argument("adjust_hue: hue_factor (" + std::to_string(hue_factor) +
                                ") is not in [-0.5, 0.5]");
  const auto c = detail::color_channels("adjust_hue", img);
  if (c == 1) return img;
  using F = detail::compute_t<T>;
  constexpr bool integral = !std::is_floating_point_v<T>;
  const F shift = static_cast<F>(hue_factor), bound = static_cast<F>(detail::image_bound<T>());
  const std::int64_t plane = img.size(-1) * img.size(-2),
                     images = plane ? img.numel() / (3 * plane) : 0;
  auto out = BasicTensor<T>::empty(img.shape());
  const T* src = img.contiguous().data();
  T* dst = out.data();
  for (std::int64_t i = 0; i < images; ++i)
    for (std::int64_t k = 0; k < plane; ++k) {
      const T* px = src + i * 3 * plane + k;
      const auto load = [&](int ch) {
        const F v = static_cast<F>(px[ch * plane]);
        return integral ? v / bound : v;
      };
      const F r = load(0), g = load(1), b = load(2);
      // RGB -> HSV (torchvision's _rgb2hsv).
      const F maxc = std::max({r, g, b}), minc = std::min({r, g, b});
      const bool eqc = maxc == minc;
      const F cr = maxc - minc;
      const F s = cr / (eqc ? F(1) : maxc);
      const F crd = eqc ? F(1) : cr;
      const F rc = (maxc - r) / crd, gc = (maxc - g) / crd, bc = (maxc - b) / crd;
      const F hr = maxc == r ? bc - gc : F(0);
      const F hg = maxc == g && maxc != r ? (F(2) + rc) - bc : F(0);
      const F hb = maxc != g && maxc != r ? (F(4) + gc) - rc : F(0);
      F h = detail::floor_mod((hr + hg + hb) / F(6) + F(1), F(1));
      h = detail::floor_mod(h + shift, F(1));
      // HSV -> RGB (torchvision's _hsv2rgb), v = maxc.
      const F v = maxc, i6 = std::floor(h * F(6)), f = h * F(6) - i6;
      const F p = std::clamp(v * (F(1) - s), F(0), F(1));
      const F q = std::clamp(v * (F(1) - s * f), F(0), F(1));
      const F t = std::clamp(v * (F(1) - s * (F(1) - f)), F(0), F(1));
      // i6 is 0..6 for h in [0, 1]; a NaN or infinite pixel gives NaN, which PyTorch's int
      // conversion on x86 maps to sector 4.
      const std::int64_t sector = i6 >= F(0) && i6 <= F(6) ? static_cast<std::int64_t>(i6) % 6 : 4;
      const F rgb[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
      T* o = dst + i * 3 * plane + k;
      for (int ch = 0; ch < 3; ++ch) {
        const F x = rgb[sector][ch];
        o[ch * plane] = static_cast<T>(integral ? x * bound : x);
      }
    }
  return out;
}

}  // namespace functional

/// A jitter amount of ColorJitter: one number (a range around the centre) or a range {lo, hi}.
struct JitterRange {
  ///@{
  /// The range, or the number twice.
  double lo = 0, hi = 0;
  ///@}
  /// Whether a range was given.
  bool is_pair = false;
  /// A number: the range around the centre.
  JitterRange(double amount = 0) : lo(amount), hi(amount) {}
  /// A range {lo, hi}.
  JitterRange(std::initializer_list<double> r) : is_pair(true) {
    if (r.size() != 2)
      throw std::invalid_argument("ColorJitter: a range has 2 values {min, max}, got " +
                                  std::to_string(r.size()));
    lo = *r.begin();
    hi = *(r.begin() + 1);
  }
};

/// ColorJitter's options, torchvision's arguments.
struct ColorJitterOptions {
  ///@{
  /// How much to jitter each.
  JitterRange brightness = 0, contrast = 0, saturation = 0, hue = 0;
  ///@}
};

/// Changes brightness, contrast, saturation and hue by random factors, in a random order
/// (torchvision.transforms.ColorJitter): ColorJitter{{.brightness = 0.4, .hue = 0.1}}. Each of
/// brightness, contrast and saturation is a number b (factors uniform in [max(0, 1 - b), 1 + b])
/// or a range {lo, hi}; hue a number h (shifts uniform in [-h, h], h <= 0.5) or a range inside
/// [-0.5, 0.5]. A range that is a single point at 1 (0 for hue), the default, leaves that
/// adjustment out. The order is a random permutation of the four, drawn first, then the factors
/// in the order brightness, contrast, saturation, hue, all from current_generator().
struct ColorJitter {
  /// A jitter amount.
  using Range = JitterRange;
  /// The options.
  using Options = ColorJitterOptions;
  ///@{
  /// The ranges factors are drawn from; empty when the adjustment is left out.
  std::optional<std::pair<double, double>> brightness, contrast, saturation, hue;
  ///@}

  ColorJitter() = default;
  /// ColorJitter{{.brightness = 0.4, .contrast = 0.4, .saturation = 0.4, .hue = 0.1}}.
  ColorJitter(const Options& o)
      : brightness(check(o.brightness, "brightness", 1.0, 0.0, kInf, true)),
        contrast(check(o.contrast, "contrast", 1.0, 0.0, kInf, true)),
        saturation(check(o.saturation, "saturation", 1.0, 0.0, kInf, true)),
        hue(check(o.hue, "hue", 0.0, -0.5, 0.5, false)) {}
  /// Positional numbers, as torchvision's ColorJitter(brightness, contrast, saturation, hue)
  /// (ranges go through the options).
  explicit ColorJitter(double brightness, double contrast = 0, double saturation = 0,
                       double hue = 0)
      : ColorJitter(Options{brightness, contrast, saturation, hue}) {}

  /// img [..., 1 or 3, H, W] -> the same shape and dtype.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& img) const {
    Generator& gen = current_generator();
    const auto order = randperm(4, gen);  // torchvision: torch.randperm(4), then the factors
    double factor[4] = {};
    {
      const std::lock_guard lock(gen.mutex());
      const std::optional<std::pair<double, double>>* ranges[4] = {&brightness, &contrast,
                                                                   &saturation, &hue};
      for (int i = 0; i < 4; ++i)
        if (*ranges[i])
          factor[i] =
              (*ranges[i])->first + ((*ranges[i])->second - (*ranges[i])->first) * gen.uniform();
    }
    BasicTensor<T> out = img;
    for (const std::int64_t fn : order.to_vector()) {
      if (fn == 0 && brightness) out = functional::adjust_brightness(out, factor[0]);
      if (fn == 1 && contrast) out = functional::adjust_contrast(out, factor[1]);
      if (fn == 2 && saturation) out = functional::adjust_saturation(out, factor[2]);
      if (fn == 3 && hue) out = functional::adjust_hue(out, factor[3]);
    }
    return out;
  }

 private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  // torchvision's _check_input: a number a gives [centre - a, centre + a] (the lower end
  // clipped at 0 for the factors); a range must lie inside [lo, hi]; a single point at the
  // centre leaves the adjustment out.
  static std::optional<std::pair<double, double>> check(const Range& r, const char* name,
                                                        double centre, double lo, double hi,
                                                        bool clip_first_on_zero) {
    double a = r.lo, b = r.hi;
    if (!r.is_pair) {
      if (!(r.lo >= 0) || !std::isfinite(r.lo))
        throw std::invalid_argument(std::string("ColorJitter: if ") + name +
                                    " is a single number, it must be non negative, got " +
                                    std::to_string(r.lo));
      a = centre - r.lo;
      b = centre + r.lo;
      if (clip_first_on_zero) a = std::max(a, 0.0);
    }
    if (!(lo <= a && a <= b && b <= hi))
      throw std::invalid_argument(std::string("ColorJitter: ") + name +
                                  " values should be between " + std::to_string(lo) + " and " +
                                  std::to_string(hi) + ", got {" + std::to_string(a) + ", " +
                                  std::to_string(b) + "}");
    if (a == centre && b == centre) return std::nullopt;
    return std::pair{a, b};
  }
};

}  // namespace torchlet::vision::transforms
