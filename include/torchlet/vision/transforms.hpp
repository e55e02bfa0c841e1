#pragma once
// vision::transforms: callables applied to one sample, composed with Compose, with
// torchvision's names and tensor semantics (the operations are in
// transforms/functional.hpp; the random ones draw from current_generator(), see
// transforms/generator.hpp for the hook a DataLoader seeds).
//
// Images are tensors: ByteTensor [H, W] or [C, H, W] as datasets and read_image give
// them, Tensor [C, H, W] in [0, 1] after ToTensor. Geometric transforms (Resize, crops,
// flips, rotation, Grayscale) accept both and keep the dtype.
//
//   ToTensor            ByteTensor [H, W] / [C, H, W] (0..255) -> Tensor [C, H, W] in [0, 1]
//   Normalize           Tensor [..., C, H, W] -> (x - mean[c]) / std[c]; in place on an
//                       rvalue that nothing else shares (as Compose passes it)
//   ConvertImageDtype   dtype conversion with torchvision's scaling
//   Lambda              any callable
//   Resize, CenterCrop, Pad, RandomCrop, RandomHorizontalFlip, RandomVerticalFlip,
//   RandomRotation, Grayscale
//   RandomResizedCrop   transforms/resized_crop.hpp
//   ColorJitter         transforms/color.hpp (with adjust_brightness, _contrast, _saturation, _hue)
//
// A transform whose output pixel depends only on the input pixel at the same place and
// its channel declares `static constexpr bool elementwise = true` (ToTensor, Normalize,
// ConvertImageDtype, and a Compose of such). MNIST uses it to turn the whole pipeline
// into a 256-entry table (see vision/mnist.hpp).
#include <functional>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/tensor.hpp"
#include "torchlet/vision/transforms/color.hpp"
#include "torchlet/vision/transforms/functional.hpp"
#include "torchlet/vision/transforms/generator.hpp"
#include "torchlet/vision/transforms/resized_crop.hpp"

namespace torchlet::vision::transforms {

/// True when F declares `static constexpr bool elementwise = true`.
template <class F>
inline constexpr bool is_elementwise_v = requires {
  requires std::remove_cvref_t<F>::elementwise;
};

/// Applies each transform in turn, passing rvalues along:
/// Compose{ToTensor{}, Normalize{{0.1307f}, {0.3081f}}}.
template <class... Ts>
struct Compose {
  /// True when every transform is elementwise (MNIST then precomputes a pixel table).
  static constexpr bool elementwise = (is_elementwise_v<Ts> && ...);
  /// The transforms, applied first to last.
  std::tuple<Ts...> transforms;
  /// Compose{t1, t2, ...} (torchvision's Compose([t1, t2, ...])).
  Compose(Ts... ts) : transforms(std::move(ts)...) {}
  /// x -> tn(...t2(t1(x))), each result passed on as an rvalue.
  template <class X>
  auto operator()(X&& x) const {
    return std::apply([&](const auto&... t) { return run(std::forward<X>(x), t...); }, transforms);
  }

 private:
  template <class X>
  static std::remove_cvref_t<X> run(X&& x) {
    return std::forward<X>(x);
  }
  template <class X, class F, class... Rest>
  static auto run(X&& x, const F& f, const Rest&... rest) {
    return run(f(std::forward<X>(x)), rest...);
  }
};
template <class... Ts>
Compose(Ts...) -> Compose<Ts...>;

/// ByteTensor [H, W] or [C, H, W] with values 0..255 -> Tensor [C, H, W] = x / 255.
struct ToTensor {
  /// Output pixel depends on the input pixel only.
  static constexpr bool elementwise = true;
  /// ByteTensor [H, W] or [C, H, W] -> Tensor [C, H, W] in [0, 1] (pixel / 255).
  Tensor operator()(const ByteTensor& img) const { return functional::to_tensor(img); }
};

/// (x - mean[c]) / std[c] for each channel c of a float image [..., C, H, W]; a single
/// mean/std applies to all channels. Works in place when `inplace` is set or when the
/// argument is an rvalue whose storage nothing else shares (never on a tensor that
/// requires grad).
struct Normalize {
  /// Output pixel depends on the input pixel only.
  static constexpr bool elementwise = true;
  ///@{
  /// One value per channel, or one for all channels.
  std::vector<float> mean, std;
  ///@}
  /// Overwrite the argument instead of returning a new tensor.
  bool inplace = false;

  /// x [..., C, H, W] -> (x - mean[c]) / std[c], same shape.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& x) const {
    if (inplace) {
      functional::normalize_into(x, mean, std, x);
      return x;
    }
    return functional::normalize(x, mean, std);
  }
  /// The same, reusing x's storage when nothing else shares it.
  template <class T>
  BasicTensor<T> operator()(BasicTensor<T>&& x) const {
    const bool unshared = x.defined() && x.impl().use_count() == 1 &&
                          x.impl()->storage.use_count() == 1 && !x.requires_grad() &&
                          x.is_contiguous();
    if (!inplace && !unshared) return functional::normalize(x, mean, std);
    functional::normalize_into(x, mean, std, x);
    return std::move(x);
  }
};

/// Converts an image to dtype To with torchvision's scaling (uint8 -> float: / 255;
/// float -> uint8: * 255.999, truncated): ConvertImageDtype<float>{}.
template <class To>
struct ConvertImageDtype {
  /// Output pixel depends on the input pixel only.
  static constexpr bool elementwise = true;
  /// img [*] of dtype From -> [*] of dtype To, scaled as torchvision does.
  template <class From>
  BasicTensor<To> operator()(const BasicTensor<From>& img) const {
    return functional::convert_image_dtype<To>(img);
  }
};

/// Wraps any callable as a transform: Lambda{[](Tensor x) { return x * 2.0f; }}.
template <class F>
struct Lambda {
  /// The wrapped callable.
  F lambd;
  /// lambd(x).
  template <class X>
  auto operator()(X&& x) const {
    return std::invoke(lambd, std::forward<X>(x));
  }
};
template <class F>
Lambda(F) -> Lambda<F>;

/// RGB [..., 3, H, W] (or gray [..., 1, H, W]) -> gray [..., n, H, W], n = 1 or 3.
struct Grayscale {
  /// 1, or 3 (the gray value repeated).
  int num_output_channels = 1;
  /// img [..., 3 or 1, H, W] -> [..., num_output_channels, H, W], same dtype.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& img) const {
    return functional::rgb_to_grayscale(img, num_output_channels);
  }
};

/// Resize{{h, w}} to exactly h x w, or Resize{s}: the smaller edge becomes s, the aspect
/// ratio is kept (torchvision's rule, longer edge truncated; max_size caps it). Bilinear
/// (align_corners=False, antialias=False: torchvision's tensor default in 0.14) or nearest.
struct Resize {
  /// {h, w}, or {s} for the smaller edge.
  std::vector<std::int64_t> size;
  /// Bilinear or nearest.
  InterpolationMode interpolation = InterpolationMode::BILINEAR;
  std::int64_t max_size = 0;  ///< 0: none

  /// Resize(s): the smaller edge becomes s (aspect ratio kept, longer edge at most max_size if
  /// set).
  Resize(std::int64_t size, InterpolationMode interpolation = InterpolationMode::BILINEAR,
         std::int64_t max_size = 0)
      : Resize(std::vector<std::int64_t>{size}, interpolation, max_size) {}
  /// Resize({h, w}) to exactly h x w, or Resize({s}) as Resize(s).
  Resize(std::vector<std::int64_t> size,
         InterpolationMode interpolation = InterpolationMode::BILINEAR, std::int64_t max_size = 0)
      : size(std::move(size)), interpolation(interpolation), max_size(max_size) {
    if (this->size.empty() || this->size.size() > 2)
      throw std::invalid_argument("Resize: size must have 1 or 2 values, got " +
                                  std::to_string(this->size.size()));
    for (auto s : this->size)
      if (s <= 0)
        throw std::invalid_argument("Resize: size must be positive, got " + std::to_string(s));
    if (max_size && this->size.size() == 2)
      throw std::invalid_argument(
          "Resize: max_size is only supported when size is a single value (the smaller edge)");
  }
  /// img [..., C, H, W] -> [..., C, H', W'], same dtype.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& img) const {
    return functional::resize(img, size, interpolation, max_size);
  }
};

/// The central size x size (or h x w) crop, padding with 0 if the image is smaller.
struct CenterCrop {
  ///@{
  /// The crop's size.
  std::int64_t height, width;
  ///@}
  /// A size x size crop.
  CenterCrop(std::int64_t size) : CenterCrop(std::vector<std::int64_t>{size}) {}
  /// {h, w} or {s}.
  CenterCrop(const std::vector<std::int64_t>& size) {
    std::tie(height, width) = detail::hw_of("CenterCrop", size);
  }
  /// img [..., C, H, W] -> [..., C, height, width], same dtype.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& img) const {
    return functional::center_crop(img, height, width);
  }
};

/// Pads by {all}, {left/right, top/bottom} or {left, top, right, bottom} pixels.
struct Pad {
  /// {all}, {left/right, top/bottom} or {left, top, right, bottom}.
  std::vector<std::int64_t> padding;
  /// The value of constant padding.
  double fill = 0;
  /// constant, edge, reflect or symmetric.
  PaddingMode padding_mode = PaddingMode::constant;
  /// img [..., C, H, W] -> [..., C, H + top + bottom, W + left + right], same dtype.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& img) const {
    return functional::pad(img, padding, fill, padding_mode);
  }
};

/// A crop at a random place: RandomCrop(32, {4}) pads by 4 on every side first.
/// The offsets are drawn top then left, each uniform in [0, room].
struct RandomCrop {
  ///@{
  /// The crop's size.
  std::int64_t height, width;
  ///@}
  /// Padding applied first, as Pad's.
  std::vector<std::int64_t> padding;
  /// Pad images smaller than the crop.
  bool pad_if_needed = false;
  /// The value of constant padding.
  double fill = 0;
  /// constant, edge, reflect or symmetric.
  PaddingMode padding_mode = PaddingMode::constant;

  /// A size x size crop at a random place, after optional padding (torchvision's argument order).
  RandomCrop(std::int64_t size, std::vector<std::int64_t> padding = {}, bool pad_if_needed = false,
             double fill = 0, PaddingMode padding_mode = PaddingMode::constant)
      : RandomCrop(std::vector<std::int64_t>{size}, std::move(padding), pad_if_needed, fill,
                   padding_mode) {}
  /// An h x w crop ({h, w} or {s}) at a random place, after optional padding.
  RandomCrop(const std::vector<std::int64_t>& size, std::vector<std::int64_t> padding = {},
             bool pad_if_needed = false, double fill = 0,
             PaddingMode padding_mode = PaddingMode::constant)
      : padding(std::move(padding)),
        pad_if_needed(pad_if_needed),
        fill(fill),
        padding_mode(padding_mode) {
    std::tie(height, width) = detail::hw_of("RandomCrop", size);
    if (height <= 0 || width <= 0) throw std::invalid_argument("RandomCrop: size must be positive");
  }
  /// input [..., C, H, W] -> [..., C, height, width], same dtype.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& input) const {
    BasicTensor<T> img =
        padding.empty() ? input : functional::pad(input, padding, fill, padding_mode);
    if (pad_if_needed && img.dim() >= 2 && img.size(-1) < width)
      img = functional::pad(img, {width - img.size(-1), 0}, fill, padding_mode);
    if (pad_if_needed && img.dim() >= 2 && img.size(-2) < height)
      img = functional::pad(img, {0, height - img.size(-2)}, fill, padding_mode);
    const auto p = transforms::detail::planes_of("RandomCrop", img);
    if (p.h < height || p.w < width)
      throw std::invalid_argument("RandomCrop: required crop size (" + std::to_string(height) +
                                  ", " + std::to_string(width) +
                                  ") is larger than the input image size (" + std::to_string(p.h) +
                                  ", " + std::to_string(p.w) + ")");
    if (p.h == height && p.w == width) return img;
    Generator& gen = current_generator();
    const std::unique_lock lock(gen.mutex());
    const auto top =
        static_cast<std::int64_t>(gen.randint(static_cast<std::uint64_t>(p.h - height + 1)));
    const auto left =
        static_cast<std::int64_t>(gen.randint(static_cast<std::uint64_t>(p.w - width + 1)));
    return functional::crop(img, top, left, height, width);
  }
};

/// Mirrors the image left-right with probability p.
struct RandomHorizontalFlip {
  /// Probability of flipping.
  double p = 0.5;
  /// img [..., C, H, W] -> the same shape, maybe mirrored.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& img) const {
    return draw_uniform() < p ? functional::hflip(img) : img;
  }
};

/// Mirrors the image top-bottom with probability p.
struct RandomVerticalFlip {
  /// Probability of flipping.
  double p = 0.5;
  /// img [..., C, H, W] -> the same shape, maybe flipped.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& img) const {
    return draw_uniform() < p ? functional::vflip(img) : img;
  }
};

/// Rotates by an angle drawn uniformly from [-degrees, degrees] (or [min, max]).
struct RandomRotation {
  ///@{
  /// The range of angles, in degrees (counter-clockwise).
  double min_degrees, max_degrees;
  ///@}
  /// Nearest or bilinear.
  InterpolationMode interpolation = InterpolationMode::NEAREST;
  /// Grow the output to hold the whole rotated image.
  bool expand = false;
  /// Centre of rotation {x, y}; empty: the image centre.
  std::vector<double> center;
  /// Value of the pixels outside the rotated image.
  double fill = 0;

  /// Angles uniform in [-degrees, degrees].
  RandomRotation(double degrees, InterpolationMode interpolation = InterpolationMode::NEAREST,
                 bool expand = false, std::vector<double> center = {}, double fill = 0)
      : RandomRotation(std::vector<double>{-degrees, degrees}, interpolation, expand,
                       std::move(center), fill) {
    if (degrees < 0)
      throw std::invalid_argument(
          "RandomRotation: if degrees is a single number, it must be positive");
  }
  /// Angles uniform in [degrees[0], degrees[1]].
  RandomRotation(const std::vector<double>& degrees,
                 InterpolationMode interpolation = InterpolationMode::NEAREST, bool expand = false,
                 std::vector<double> center = {}, double fill = 0)
      : interpolation(interpolation), expand(expand), center(std::move(center)), fill(fill) {
    if (degrees.size() != 2 || degrees[0] > degrees[1])
      throw std::invalid_argument(
          "RandomRotation: degrees must be a number or a pair {min, max} with min <= max");
    min_degrees = degrees[0];
    max_degrees = degrees[1];
  }
  /// img [..., C, H, W] -> rotated, same shape (larger with expand), same dtype.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& img) const {
    const double angle = min_degrees + (max_degrees - min_degrees) * draw_uniform();
    return functional::rotate(img, angle, interpolation, expand, center, fill);
  }
};

}  // namespace torchlet::vision::transforms

namespace torchlet::vision {

/// A type-erased image transform ByteTensor -> Tensor (what datasets store): any callable
/// converts to it. It remembers whether the callable is elementwise (see above), which
/// lets MNIST precompute the pipeline as a per-pixel table.
class ImageTransform {
 public:
  ImageTransform() = default;
  /// Wraps any callable ByteTensor -> Tensor (a Compose, a lambda, ...).
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, ImageTransform> &&
           std::is_invocable_r_v<Tensor, const std::decay_t<F>&, const ByteTensor&>)
      ImageTransform(F&& f)  // NOLINT(google-explicit-constructor): converts like std::function
      : fn_(std::forward<F>(f)), elementwise_(transforms::is_elementwise_v<F>) {}

  /// Applies the wrapped callable; throws std::logic_error if empty.
  Tensor operator()(const ByteTensor& img) const {
    if (!fn_) throw std::logic_error("ImageTransform: called while empty");
    return fn_(img);
  }
  /// Whether a callable is wrapped.
  explicit operator bool() const noexcept { return static_cast<bool>(fn_); }
  /// True when the wrapped callable declared itself elementwise.
  bool elementwise() const noexcept { return elementwise_ && fn_; }

 private:
  std::function<Tensor(const ByteTensor&)> fn_;
  bool elementwise_ = false;
};

}  // namespace torchlet::vision
