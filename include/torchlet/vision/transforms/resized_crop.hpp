#pragma once
// resized_crop (a crop resized to a given size) and RandomResizedCrop, the augmentation of
// ImageNet-style training: a crop of random area and aspect ratio, resized to the network's
// input size (torchvision.transforms.RandomResizedCrop, its get_params and resized_crop).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "torchlet/tensor.hpp"
#include "torchlet/vision/transforms/functional.hpp"
#include "torchlet/vision/transforms/generator.hpp"

namespace torchlet::vision::transforms {

namespace functional {

/// The crop of height x width at (top, left), resized to size ({h, w}, or {s}: the smaller
/// edge becomes s): torchvision's resized_crop, crop then resize.
template <class T>
BasicTensor<T> resized_crop(const BasicTensor<T>& img, std::int64_t top, std::int64_t left,
                            std::int64_t height, std::int64_t width,
                            const std::vector<std::int64_t>& size,
                            InterpolationMode interpolation = InterpolationMode::BILINEAR) {
  return resize(crop(img, top, left, height, width), size, interpolation);
}

}  // namespace functional

/// RandomResizedCrop's options after the size, torchvision's arguments.
struct RandomResizedCropOptions {
  /// The range of the crop's area as a fraction of the image's.
  std::pair<double, double> scale{0.08, 1.0};
  /// The range of the crop's aspect ratio (width / height).
  std::pair<double, double> ratio{3.0 / 4.0, 4.0 / 3.0};
  /// Bilinear or nearest.
  InterpolationMode interpolation = InterpolationMode::BILINEAR;
};

/// A crop of random area (a fraction of the image's, drawn from `scale`) and aspect ratio
/// (width / height, drawn log-uniformly from `ratio`) at a random place, resized to `size`:
/// RandomResizedCrop{224}, RandomResizedCrop{{224, 224}, {.scale = {0.5, 1.0}}}.
struct RandomResizedCrop {
  /// The options after the size.
  using Options = RandomResizedCropOptions;
  ///@{
  /// The output's size.
  std::int64_t height, width;
  ///@}
  /// scale, ratio, interpolation.
  Options options;

  /// A size x size output.
  RandomResizedCrop(std::int64_t size, Options options = {})
      : RandomResizedCrop(std::vector<std::int64_t>{size}, options) {}
  /// An h x w output ({h, w}, or {s} for s x s).
  RandomResizedCrop(const std::vector<std::int64_t>& size, Options options = {})
      : options(options) {
    std::tie(height, width) = detail::hw_of("RandomResizedCrop", size);
    if (height <= 0 || width <= 0)
      throw std::invalid_argument("RandomResizedCrop: size must be positive, got " +
                                  std::to_string(height) + " x " + std::to_string(width));
    check_ranges(options.scale, options.ratio);
  }

  /// (top, left, height, width) of a random crop of an image of height x width pixels, drawn
  /// from `gen` as torchvision's get_params: up to ten tries of an area and an aspect ratio
  /// whose rounded sides fit, then the whole image with its aspect ratio clamped into `ratio`,
  /// centred.
  static std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t> get_params(
      std::int64_t img_height, std::int64_t img_width, std::pair<double, double> scale,
      std::pair<double, double> ratio, Generator& gen) {
    check_ranges(scale, ratio);
    if (img_height <= 0 || img_width <= 0)
      throw std::invalid_argument("RandomResizedCrop: cannot crop an empty image of " +
                                  std::to_string(img_height) + " x " + std::to_string(img_width) +
                                  " pixels");
    const double area = static_cast<double>(img_height) * static_cast<double>(img_width);
    const double log_r0 = std::log(ratio.first), log_r1 = std::log(ratio.second);
    {
      const std::lock_guard lock(gen.mutex());
      for (int attempt = 0; attempt < 10; ++attempt) {
        const double target_area =
            area * (scale.first + (scale.second - scale.first) * gen.uniform());
        const double aspect = std::exp(log_r0 + (log_r1 - log_r0) * gen.uniform());
        // Python's round: half to even, as nearbyint in the default rounding mode.
        const double wd = std::nearbyint(std::sqrt(target_area * aspect)),
                     hd = std::nearbyint(std::sqrt(target_area / aspect));
        if (wd > 0 && wd <= static_cast<double>(img_width) && hd > 0 &&
            hd <= static_cast<double>(img_height)) {
          const auto w = static_cast<std::int64_t>(wd), h = static_cast<std::int64_t>(hd);
          const auto top = static_cast<std::int64_t>(
              gen.randint(static_cast<std::uint64_t>(img_height - h + 1)));
          const auto left =
              static_cast<std::int64_t>(gen.randint(static_cast<std::uint64_t>(img_width - w + 1)));
          return {top, left, h, w};
        }
      }
    }
    // Fallback: the central crop with the aspect ratio clamped into `ratio`.
    const double in_ratio = static_cast<double>(img_width) / static_cast<double>(img_height);
    std::int64_t w = img_width, h = img_height;
    if (in_ratio < ratio.first)
      h = static_cast<std::int64_t>(std::nearbyint(static_cast<double>(w) / ratio.first));
    else if (in_ratio > ratio.second)
      w = static_cast<std::int64_t>(std::nearbyint(static_cast<double>(h) * ratio.second));
    return {(img_height - h) / 2, (img_width - w) / 2, h, w};
  }

  /// img [..., C, H, W] -> [..., C, height, width], same dtype.
  template <class T>
  BasicTensor<T> operator()(const BasicTensor<T>& img) const {
    const auto p = detail::planes_of("RandomResizedCrop", img);
    const auto [top, left, h, w] =
        get_params(p.h, p.w, options.scale, options.ratio, current_generator());
    return functional::resized_crop(img, top, left, h, w, {height, width}, options.interpolation);
  }

 private:
  static void check_ranges(std::pair<double, double> scale, std::pair<double, double> ratio) {
    const auto [s0, s1] = scale;
    const auto [r0, r1] = ratio;
    if (!(s0 >= 0 && s0 <= s1 && std::isfinite(s1)) || !(r0 > 0 && r0 <= r1 && std::isfinite(r1)))
      throw std::invalid_argument(
          "RandomResizedCrop: scale must be {min, max} with 0 <= min <= max and ratio {min, max} "
          "with 0 < min <= max, both finite, got scale {" +
          std::to_string(s0) + ", " + std::to_string(s1) + "}, ratio {" + std::to_string(r0) +
          ", " + std::to_string(r1) + "}");
  }
};

}  // namespace torchlet::vision::transforms
