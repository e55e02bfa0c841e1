#pragma once
// vision::utils: pictures a person can look at (torchvision.utils).
//   make_grid(batch, {.nrow, .padding, .normalize, .value_range, .scale_each, .pad_value})
//       [B, C, H, W] (or [C, H, W], [H, W]) -> one image [C', H', W'] with the images in rows
//       of nrow, separated by `padding` pixels of pad_value; 1-channel input becomes
//       3 channels, as torchvision does.
//   save_image(batch, "grid.png", {...})
//       make_grid, then x * 255 + 0.5 clamped to [0, 255] and truncated, written as PNG
//       (or JPEG for .jpg/.jpeg).
//   draw_text(image, "P7 T3", {.x, .y, .color, .scale})
//       writes a label into an image in place (3 x 5 pixel font), e.g. predicted / true
//       classes on a grid of test images.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/tensor.hpp"
#include "torchlet/vision/image.hpp"

namespace torchlet::vision::utils {

/// make_grid's arguments, in torchvision's order.
struct MakeGridOptions {
  std::int64_t nrow = 8;     ///< Images per row.
  std::int64_t padding = 2;  ///< Pixels between images and around the grid.
  /// Shift to [0, 1] by the min and max of the batch (or of value_range, or of each image).
  bool normalize = false;
  std::optional<std::pair<double, double>> value_range =
      std::nullopt;  ///< The (low, high) normalize maps to [0, 1]; nullopt: the batch's min and
                     ///< max.
  bool scale_each = false;  ///< Normalise each image by its own min and max.
  double pad_value = 0.0;   ///< Value of the padding pixels.
};

namespace detail {
/// clamp to [low, high], then (x - low) / max(high - low, 1e-5), in place.
template <class T>
void norm_range(T* p, std::int64_t n, double low, double high) {
  const T lo = static_cast<T>(low), hi = static_cast<T>(high);
  const T scale = static_cast<T>(std::max(high - low, 1e-5));
  for (std::int64_t i = 0; i < n; ++i) p[i] = (std::clamp(p[i], lo, hi) - lo) / scale;
}
template <class T>
void norm_auto(T* p, std::int64_t n) {
  if (n == 0) return;
  const auto [mn, mx] = std::minmax_element(p, p + n);
  norm_range(p, n, static_cast<double>(*mn), static_cast<double>(*mx));
}
}  // namespace detail

/// Arranges a batch of images in a grid (torchvision.utils.make_grid).
template <class T>
BasicTensor<T> make_grid(const BasicTensor<T>& batch, const MakeGridOptions& o = {}) {
  if (!batch.defined()) throw std::invalid_argument("make_grid: the batch is an undefined tensor");
  if (batch.dim() < 2 || batch.dim() > 4)
    throw ShapeError(
        "make_grid: expected a batch [B, C, H, W], an image [C, H, W] or [H, W], got shape " +
        to_string(batch.shape()));
  if (o.nrow <= 0)
    throw std::invalid_argument("make_grid: nrow must be positive, got " + std::to_string(o.nrow));
  if (o.padding < 0)
    throw std::invalid_argument("make_grid: padding must be non-negative, got " +
                                std::to_string(o.padding));
  // To [B, C, H, W] with C = 3 when the input has one channel.
  Shape s = batch.shape();
  if (s.size() == 2) s.insert(s.begin(), 1);
  if (s.size() == 3) s.insert(s.begin(), 1);
  const std::int64_t B = s[0], C0 = s[1], H = s[2], W = s[3], C = C0 == 1 ? 3 : C0;
  if (B == 0)
    throw ShapeError("make_grid: the batch is empty (shape " + to_string(batch.shape()) + ")");
  const std::int64_t plane = H * W;
  auto imgs = BasicTensor<T>::empty({B, C, H, W});
  const T* src = batch.contiguous().data();
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t c = 0; c < C; ++c)
      std::copy_n(src + (b * C0 + (C0 == 1 ? 0 : c)) * plane, plane,
                  imgs.data() + (b * C + c) * plane);
  if (o.normalize) {
    if constexpr (!std::is_floating_point_v<T>) {
      throw std::invalid_argument(
          std::string("make_grid: normalize needs a floating point batch, got ") + dtype_name<T>());
    } else {
      if (o.value_range && !(o.value_range->first < o.value_range->second))
        throw std::invalid_argument("make_grid: value_range must be (low, high) with low < high");
      auto norm = [&](T* p, std::int64_t n) {
        if (o.value_range)
          detail::norm_range(p, n, o.value_range->first, o.value_range->second);
        else
          detail::norm_auto(p, n);
      };
      if (o.scale_each)
        for (std::int64_t b = 0; b < B; ++b) norm(imgs.data() + b * C * plane, C * plane);
      else
        norm(imgs.data(), imgs.numel());
    }
  }
  if (B == 1) return imgs.reshape({C, H, W});
  const std::int64_t xmaps = std::min(o.nrow, B), ymaps = (B + xmaps - 1) / xmaps;
  const std::int64_t cell_h = H + o.padding, cell_w = W + o.padding;
  const std::int64_t GH = cell_h * ymaps + o.padding, GW = cell_w * xmaps + o.padding;
  auto grid = full<T>({C, GH, GW}, static_cast<T>(o.pad_value));
  for (std::int64_t k = 0; k < B; ++k) {
    const std::int64_t y0 = (k / xmaps) * cell_h + o.padding, x0 = (k % xmaps) * cell_w + o.padding;
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t y = 0; y < H; ++y)
        std::copy_n(imgs.data() + ((k * C + c) * H + y) * W, W,
                    grid.data() + (c * GH + y0 + y) * GW + x0);
  }
  return grid;
}

/// A float image [C, H, W] in [0, 1] -> ByteTensor: x * 255 + 0.5, clamped, truncated.
template <class T>
ByteTensor to_byte_image(const BasicTensor<T>& img) {
  static_assert(std::is_floating_point_v<T>,
                "to_byte_image: expects a floating point image in [0, 1]");
  auto out = ByteTensor::empty(img.shape());
  const T* src = img.contiguous().data();
  for (std::int64_t i = 0; i < img.numel(); ++i) {
    const T v = src[i] * T(255) + T(0.5);
    out.data()[i] = !(v > 0) ? 0 : v >= 255 ? 255 : static_cast<std::uint8_t>(v);
  }
  return out;
}

/// Saves a batch (or one image) as a grid picture (torchvision.utils.save_image): PNG,
/// or JPEG when the path ends in .jpg / .jpeg.
template <class T>
void save_image(const BasicTensor<T>& batch, const std::string& path,
                const MakeGridOptions& o = {}) {
  const ByteTensor img = to_byte_image(make_grid(batch, o));
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  auto ends = [&](const char* e) {
    const std::size_t n = std::strlen(e);
    return lower.size() >= n && lower.compare(lower.size() - n, n, e) == 0;
  };
  if (ends(".jpg") || ends(".jpeg")) {
    if (img.size(0) != 1 && img.size(0) != 3)
      throw ShapeError("save_image: JPEG needs 1 or 3 channels, the grid has " +
                       std::to_string(img.size(0)));
    write_jpeg(img, path, 95);
  } else if (ends(".png")) {
    write_png(img, path);
  } else {
    throw std::invalid_argument("save_image: cannot tell the format of '" + path +
                                "' (use .png, .jpg or .jpeg)");
  }
}

namespace detail {
/// A 3 x 5 pixel font for ASCII 32..95 (lower case is drawn as upper case): each glyph is
/// 15 bits, row 0 in bits 14..12 (left pixel first). 0xFFFF: no glyph (drawn as '?').
inline constexpr std::uint16_t kFont3x5[64] = {
    0x0000, 0x2482, 0xFFFF, 0xFFFF, 0xFFFF, 0x52A5, 0xFFFF, 0xFFFF,  // ' !"#$%&\''
    0x2922, 0x224A, 0xFFFF, 0x05D0, 0x0014, 0x01C0, 0x0002, 0x12A4,  // '()*+,-./'
    0x7B6F, 0x2C97, 0x73E7, 0x73CF, 0x5BC9, 0x79CF, 0x79EF, 0x7252,  // '01234567'
    0x7BEF, 0x7BCF, 0x0410, 0xFFFF, 0xFFFF, 0x0E38, 0xFFFF, 0x7282,  // '89:;<=>?'
    0xFFFF, 0x2BED, 0x6BAE, 0x3923, 0x6B6E, 0x79A7, 0x79A4, 0x396B,  // '@ABCDEFG'
    0x5BED, 0x7497, 0x126A, 0x5BAD, 0x4927, 0x5FED, 0x6B6D, 0x2B6A,  // 'HIJKLMNO'
    0x6BA4, 0x2B73, 0x6BAD, 0x388E, 0x7492, 0x5B6F, 0x5B6A, 0x5BFD,  // 'PQRSTUVW'
    0x5AAD, 0x5A92, 0x72A7, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0x0007,  // 'XYZ[\\]^_'
};
inline std::uint16_t glyph(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 'a' && u <= 'z') u = static_cast<unsigned char>(u - 'a' + 'A');
  const std::uint16_t g = (u >= 32 && u < 96) ? kFont3x5[u - 32] : 0xFFFF;
  return g == 0xFFFF ? kFont3x5['?' - 32] : g;
}
}  // namespace detail

/// Where and how draw_text writes.
struct TextOptions {
  ///@{
  /// Top-left corner, in pixels.
  std::int64_t x = 0, y = 0;  // top-left corner, in pixels
  ///@}
  std::vector<double> color = {1.0};  ///< one value per channel, or one for all
  std::int64_t scale = 1;             ///< each font pixel becomes scale x scale pixels
};

/// Writes `text` into an image [C, H, W] or [H, W] in place with a 3 x 5 pixel font
/// (digits, letters, " :/-.=?()%+_!,"), each character 4 x scale pixels wide; pixels
/// outside the image are clipped. Returns the width drawn. For labels on a grid:
///   auto grid = make_grid(images, {.nrow = 8, .padding = 10});
///   draw_text(grid, "P7 T3", {.x = 2 + k % 8 * 30, .y = 2 + k / 8 * 38, .color = {1, 0, 0}});
template <class T>
std::int64_t draw_text(const BasicTensor<T>& img, const std::string& text,
                       const TextOptions& o = {}) {
  if (!img.defined() || (img.dim() != 2 && img.dim() != 3))
    throw ShapeError("draw_text: expected an image [C, H, W] or [H, W], got shape " +
                     (img.defined() ? to_string(img.shape()) : std::string("undefined")));
  if (o.scale < 1 || o.scale > 1024)
    throw std::invalid_argument("draw_text: scale must be in [1, 1024], got " +
                                std::to_string(o.scale));
  const std::int64_t C = img.dim() == 3 ? img.size(0) : 1, H = img.size(-2), W = img.size(-1);
  if (o.color.empty() || (o.color.size() != 1 && static_cast<std::int64_t>(o.color.size()) != C))
    throw std::invalid_argument("draw_text: " + std::to_string(o.color.size()) +
                                " color values for an image with " + std::to_string(C) +
                                " channels");
  std::vector<T> color(static_cast<std::size_t>(C));
  for (std::int64_t c = 0; c < C; ++c)
    color[static_cast<std::size_t>(c)] =
        static_cast<T>(o.color[o.color.size() == 1 ? 0 : static_cast<std::size_t>(c)]);
  T* data = img.data();
  std::int64_t pen = o.x;
  for (char ch : text) {
    const std::uint16_t g = detail::glyph(ch);
    for (int row = 0; row < 5; ++row)
      for (int col = 0; col < 3; ++col) {
        if (((g >> (14 - (row * 3 + col))) & 1u) == 0) continue;
        for (std::int64_t dy = 0; dy < o.scale; ++dy)
          for (std::int64_t dx = 0; dx < o.scale; ++dx) {
            const std::int64_t px = pen + col * o.scale + dx, py = o.y + row * o.scale + dy;
            if (px < 0 || px >= W || py < 0 || py >= H) continue;
            for (std::int64_t c = 0; c < C; ++c)
              data[(c * H + py) * W + px] = color[static_cast<std::size_t>(c)];
          }
      }
    pen += 4 * o.scale;
  }
  return pen - o.x;
}

}  // namespace torchlet::vision::utils
