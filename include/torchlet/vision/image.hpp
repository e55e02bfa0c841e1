#pragma once
// Image files <-> ByteTensor [C, H, W], through stb_image and stb_image_write, with
// torchvision.io's names:
//   read_image(path, mode)          PNG, JPEG, BMP, TGA, GIF (first frame), PNM -> [C, H, W]
//   decode_image(bytes, mode)       the same from memory
//   write_png(img, path, level)     [C, H, W] (C = 1..4) or [H, W] -> PNG file
//   write_jpeg(img, path, quality)  [C, H, W] (C = 1 or 3) or [H, W] -> JPEG file
//   encode_png / encode_jpeg        the same into memory
// A file that cannot be read or decoded throws FormatError "<path>: <stb's reason>";
// images whose decoded size would exceed detail::kMaxDecodedBytes are refused before
// decoding, and inputs that hit known bugs of Debian's stb_image 2.27 are refused (JPEG
// Huffman tables, PNM headers, PNG chunk lengths) or repaired (empty PNG IDAT chunks)
// first. 16-bit PNGs are reduced to 8 bits; GRAY conversion uses stb's weights
// (77 R + 150 G + 29 B) / 256.
#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "torchlet/detail/file.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/detail/stb_image.hpp"
#include "torchlet/detail/stb_image_write.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::vision {

/// Channels read_image returns (torchvision.io.ImageReadMode): UNCHANGED keeps the file's.
enum class ImageReadMode { UNCHANGED = 0, GRAY = 1, GRAY_ALPHA = 2, RGB = 3, RGB_ALPHA = 4 };

namespace detail {
struct StbFree {
  void operator()(stbi_uc* p) const noexcept { stbi_image_free(p); }
};

/// stb_image 2.27 (Debian 12's) writes past a Huffman table when a JPEG's DHT segment
/// declares more than 256 codes, and decodes a scan with a Huffman table no DHT segment
/// defined - uninitialised memory, whose garbage offsets make it read far out of bounds
/// (both fixed upstream in 2.28). Walk the JPEG's segments as stb does and refuse such a
/// file before stb sees it. Throws FormatError naming `name`.
/// A JPEG is what stb takes for one: 0xFF, any number of 0xFF fill bytes, then SOI (0xD8).
inline void check_jpeg_huffman_tables(std::span<const std::uint8_t> b, const std::string& name) {
  if (b.empty() || b[0] != 0xFF) return;
  std::size_t pos = 1;
  while (pos < b.size() && b[pos] == 0xFF) ++pos;
  if (pos == b.size() || b[pos] != 0xD8) return;
  ++pos;                    // after SOI
  bool defined[2][4] = {};  // [DC, AC][table id]: defined by a DHT segment so far
  bool progressive = false;
  auto at = [&](std::size_t i) -> std::uint8_t {
    return i < b.size() ? b[i] : 0;
  };  // stb reads 0 past the end
  while (pos + 1 < b.size()) {
    if (b[pos] != 0xFF) {  // entropy-coded data or junk between segments
      ++pos;
      continue;
    }
    const std::uint8_t m = b[pos + 1];
    if (m == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (m == 0x00 || m == 0x01 ||
        (m >= 0xD0 && m <= 0xD9)) {  // stuffed byte, TEM, RSTn, SOI, EOI: no length
      pos += 2;
      continue;
    }
    if (pos + 4 > b.size()) return;
    const std::size_t len = static_cast<std::size_t>(b[pos + 2] << 8 | b[pos + 3]);
    if (m == 0xC4) {
      std::size_t p = pos + 4;
      const std::size_t end = std::min(pos + 2 + len, b.size());
      while (len >= 2 && p < end) {
        std::size_t codes = 0;
        for (std::size_t i = 1; i <= 16 && p + i < b.size(); ++i) codes += b[p + i];
        if (codes > 256)
          throw FormatError(name +
                            ": cannot decode image: corrupt JPEG (a Huffman table declares " +
                            std::to_string(codes) + " codes, at most 256 are possible)");
        const int tc = b[p] >> 4, th = b[p] & 15;
        if (tc <= 1 && th <= 3) defined[tc][th] = true;  // stb refuses other ids itself
        p += 17 + codes;
      }
    } else if (m == 0xC0 || m == 0xC1 || m == 0xC2) {
      progressive = m == 0xC2;
    } else if (m ==
               0xDA) {  // SOS: Ns, Ns x (component, DC table << 4 | AC table), Ss, Se, Ah << 4 | Al
      const std::size_t ns = at(pos + 4);
      const std::uint8_t ss = at(pos + 5 + 2 * ns), ah = at(pos + 7 + 2 * ns) >> 4;
      // Which tables stb's decoder uses: both in a sequential scan; in a progressive one
      // the DC table in a first DC scan, the AC table in an AC scan.
      const bool dc = !progressive || (ss == 0 && ah == 0), ac = !progressive || ss != 0;
      for (std::size_t c = 0; c < ns && c < 4; ++c) {
        const int hd = at(pos + 6 + 2 * c) >> 4, ha = at(pos + 6 + 2 * c) & 15;
        if ((dc && hd <= 3 && !defined[0][hd]) || (ac && ha <= 3 && !defined[1][ha]))
          throw FormatError(
              name +
              ": cannot decode image: corrupt JPEG (a scan uses a Huffman table that was never " +
              "defined)");
      }
    }
    pos += 2 + len;
  }
}

/// stb_image 2.27 mishandles PGM/PPM (P5/P6) files in three ways (all fixed or changed
/// upstream later): it reads the header numbers into an int without an overflow check
/// ("P5 5555555555 3 255": signed overflow, UB), it ignores a short read of the pixel data
/// (a truncated file decodes to uninitialised memory), and it treats 16-bit samples (max
/// value > 255) as little-endian and converts their channels as if they were 8-bit (reading
/// past its buffer). Walk the header as stb does (whitespace and '#' comments between the
/// numbers, one whitespace byte after the max value) and refuse numbers above 2^24 (stb
/// refuses larger sizes anyway), 16-bit files, and files shorter than width x height x
/// channels bytes of pixel data. Throws FormatError naming `name`.
inline void check_pnm_header(std::span<const std::uint8_t> b, const std::string& name) {
  const std::string fail = name + ": cannot decode image: ";
  std::size_t pos = 2;  // after "P5" / "P6"
  auto eof = [&] { return pos >= b.size(); };
  auto get = [&]() -> char { return eof() ? '\0' : static_cast<char>(b[pos++]); };
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
  };
  char c = get();
  std::uint64_t numbers[3] = {0, 0, 0};  // width, height, max value
  const char* what[3] = {"width", "height", "maximum value"};
  for (int i = 0; i < 3; ++i) {
    for (;;) {  // stb's stbi__pnm_skip_whitespace
      while (!eof() && space(c)) c = get();
      if (eof() || c != '#') break;
      while (!eof() && c != '\n' && c != '\r') c = get();
    }
    while (!eof() && c >= '0' && c <= '9') {
      numbers[i] = numbers[i] * 10 + static_cast<std::uint64_t>(c - '0');
      if (numbers[i] > (std::uint64_t{1} << 24))
        throw FormatError(fail + "corrupt PNM header (the " + what[i] +
                          " has too many digits; at most 16777216 is possible)");
      c = get();
    }
  }
  if (numbers[2] > 255)
    throw FormatError(fail + "16-bit PGM/PPM (maximum value " + std::to_string(numbers[2]) +
                      ") is not supported, only 8-bit (maximum value <= 255)");
  const std::uint64_t need = numbers[0] * numbers[1] * (b[1] == '6' ? 3 : 1);
  const std::uint64_t have = b.size() - std::min<std::size_t>(pos, b.size());
  if (numbers[0] && numbers[1] && have < need)
    throw FormatError(fail + "truncated PNM file (" + std::to_string(have) +
                      " bytes of pixel data, " + std::to_string(numbers[0]) + " x " +
                      std::to_string(numbers[1]) + " needs " + std::to_string(need) + ")");
}

/// Two flaws of stb_image 2.27's PNG chunk reader: it grows its IDAT buffer to a chunk's
/// declared length before reading the chunk, so a 100-byte file declaring a 1 GB chunk
/// makes it allocate 2 GB; and it copies an empty IDAT chunk before the first non-empty
/// one with memcpy to a null pointer (UB). Walk the chunks as stb does: a chunk longer
/// than the rest of the file is refused (stb fails on it anyway, after allocating), and
/// empty IDAT chunks, which carry no data, are dropped. Returns the file without them, or
/// an empty vector if it has none. Throws FormatError naming `name`.
inline std::vector<std::uint8_t> screen_png_chunks(std::span<const std::uint8_t> b,
                                                   const std::string& name) {
  std::vector<std::uint8_t> out;
  std::size_t pos = 8, copied = 0;  // after the signature
  // stb reads a chunk's length and type, its data, then its CRC (zeros past the end).
  while (pos + 8 <= b.size()) {
    const std::uint32_t len = std::uint32_t{b[pos]} << 24 | std::uint32_t{b[pos + 1]} << 16 |
                              std::uint32_t{b[pos + 2]} << 8 | std::uint32_t{b[pos + 3]};
    const std::string type(b.begin() + static_cast<std::ptrdiff_t>(pos + 4),
                           b.begin() + static_cast<std::ptrdiff_t>(pos + 8));
    if (len > b.size() - pos - 8)
      throw FormatError(name + ": cannot decode image: truncated or corrupt PNG (chunk '" + type +
                        "' at byte " + std::to_string(pos) + " declares " + std::to_string(len) +
                        " bytes, the file has " + std::to_string(b.size() - pos - 8) + " more)");
    if (type == "IDAT" && len == 0) {
      out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(copied),
                 b.begin() + static_cast<std::ptrdiff_t>(pos));
      copied = std::min(pos + 12, b.size());
    }
    if (type == "IEND") break;
    pos += 12 + std::size_t{len};
  }
  if (copied) out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(copied), b.end());
  return out;
}
}  // namespace detail

/// A small file may not decode to more than max(kMaxImageFloorBytes, kMaxImageRatio x its
/// size): PNG's deflate expands at most ~1032:1 and JPEG ~800:1, so only a corrupt header
/// asks for more (a 100-byte file claiming 30,000 x 30,000 pixels), and stb would allocate
/// it before finding the data missing.
/// Fuzz builds (the standard FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION macro) use 1 MiB and
/// 256 so that the fuzzer spends its time on parsing, not on decoding large valid images.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
inline constexpr std::uint64_t kMaxImageFloorBytes = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMaxImageRatio = 256;
#else
inline constexpr std::uint64_t kMaxImageFloorBytes = std::uint64_t{64} << 20;
inline constexpr std::uint64_t kMaxImageRatio = 4096;
#endif

/// Decodes an image held in memory; `name` (a path) is used in error messages.
inline ByteTensor decode_image(std::span<const std::uint8_t> bytes,
                               ImageReadMode mode = ImageReadMode::UNCHANGED,
                               const std::string& name = "<memory>") {
  const int req = static_cast<int>(mode);
  if (req < 0 || req > 4)
    throw std::invalid_argument("decode_image: invalid ImageReadMode " + std::to_string(req));
  if (bytes.empty()) throw FormatError(name + ": cannot decode image: the file is empty");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    throw FormatError(name + ": cannot decode image: files over 2 GB are not supported");
  detail::check_jpeg_huffman_tables(bytes, name);
  if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6'))
    detail::check_pnm_header(bytes, name);
  std::vector<std::uint8_t> fixed;
  static constexpr std::uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() >= 8 && std::equal(kPngSignature, kPngSignature + 8, bytes.begin())) {
    fixed = detail::screen_png_chunks(bytes, name);
    if (!fixed.empty()) bytes = fixed;
  }
  const auto* p = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, comp = 0;
  if (stbi_info_from_memory(p, len, &w, &h, &comp)) {
    const std::uint64_t c = static_cast<std::uint64_t>(req ? req : comp);
    const std::uint64_t need = static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h) * c;
    const std::string what = name + ": cannot decode image: " + std::to_string(w) + " x " +
                             std::to_string(h) + " x " + std::to_string(c) + " would need " +
                             std::to_string(need) + " bytes, ";
    if (need > detail::kMaxDecodedBytes)
      throw FormatError(what + "more than the limit of " +
                        std::to_string(detail::kMaxDecodedBytes));
    if (need >
        std::max(kMaxImageFloorBytes, kMaxImageRatio * static_cast<std::uint64_t>(bytes.size())))
      throw FormatError(what + "implausible for a file of " + std::to_string(bytes.size()) +
                        " bytes (corrupt header?)");
  }
  std::unique_ptr<stbi_uc, detail::StbFree> pixels(
      stbi_load_from_memory(p, len, &w, &h, &comp, req));
  if (!pixels) {
    const char* why = stbi_failure_reason();
    throw FormatError(name + ": cannot decode image: " + (why ? why : "unknown error") +
                      " (supported: PNG, JPEG, BMP, TGA, GIF, PNM)");
  }
  const int c = req ? req : comp;
  if (w <= 0 || h <= 0 || c < 1 || c > 4)
    throw FormatError(name + ": cannot decode image: invalid dimensions");
  auto img = ByteTensor::empty({c, h, w});
  // stb gives interleaved H x W x C; torchvision's layout is planar C x H x W.
  const std::int64_t plane = static_cast<std::int64_t>(h) * w;
  std::uint8_t* dst = img.data();
  const stbi_uc* src = pixels.get();
  if (c == 1) {
    std::memcpy(dst, src, static_cast<std::size_t>(plane));
  } else {
    for (std::int64_t k = 0; k < plane; ++k)
      for (int ch = 0; ch < c; ++ch) dst[ch * plane + k] = src[k * c + ch];
  }
  return img;
}

/// Reads an image file into a ByteTensor [C, H, W] (C per `mode`; UNCHANGED: the file's).
inline ByteTensor read_image(const std::string& path,
                             ImageReadMode mode = ImageReadMode::UNCHANGED) {
  const auto bytes = detail::read_file(path);
  return decode_image(bytes, mode, path);
}

namespace detail {
/// [C, H, W] or [H, W] ByteTensor -> interleaved H x W x C bytes, with the checks a writer needs.
inline std::vector<std::uint8_t> interleave(const char* op, const ByteTensor& img, int& c, int& h,
                                            int& w, std::initializer_list<int> allowed) {
  if (!img.defined())
    throw std::invalid_argument(std::string(op) + ": the image is an undefined tensor");
  if (img.dim() != 2 && img.dim() != 3)
    throw ShapeError(std::string(op) + ": expected an image [C, H, W] or [H, W], got shape " +
                     to_string(img.shape()));
  const std::int64_t C = img.dim() == 3 ? img.size(0) : 1, H = img.size(-2), W = img.size(-1);
  bool ok = false;
  std::string list;
  for (int a : allowed) {
    ok = ok || C == a;
    if (!list.empty()) list += ", ";
    list += std::to_string(a);
  }
  if (!ok)
    throw ShapeError(std::string(op) + ": expected " + list + " channels, got " +
                     std::to_string(C) + " (shape " + to_string(img.shape()) + ")");
  if (H <= 0 || W <= 0 || H > (1 << 24) || W > (1 << 24) ||
      static_cast<std::uint64_t>(C * H * W) > detail::kMaxDecodedBytes)
    throw ShapeError(std::string(op) + ": cannot encode an image of shape " +
                     to_string(img.shape()));
  c = static_cast<int>(C);
  h = static_cast<int>(H);
  w = static_cast<int>(W);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(C * H * W));
  const std::uint8_t* src = img.contiguous().data();
  const std::int64_t plane = H * W;
  for (std::int64_t k = 0; k < plane; ++k)
    for (std::int64_t ch = 0; ch < C; ++ch)
      out[static_cast<std::size_t>(k * C + ch)] = src[ch * plane + k];
  return out;
}
inline void append_bytes(void* ctx, void* data, int size) {
  if (size <= 0) return;
  auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
  const std::size_t old = v->size();
  v->resize(old + static_cast<std::size_t>(size));
  std::memcpy(v->data() + old, data, static_cast<std::size_t>(size));
}
/// stb_image_write's PNG compression level is a global: writers take turns.
inline std::mutex& png_level_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace detail

/// Encodes [C, H, W] (C = 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) or [H, W] as PNG bytes.
/// compression_level: 0 (none) .. 9 (torchvision's default is 6).
inline std::vector<std::uint8_t> encode_png(const ByteTensor& img, int compression_level = 6) {
  if (compression_level < 0 || compression_level > 9)
    throw std::invalid_argument("encode_png: compression_level must be between 0 and 9, got " +
                                std::to_string(compression_level));
  int c = 0, h = 0, w = 0;
  const auto pixels = detail::interleave("encode_png", img, c, h, w, {1, 2, 3, 4});
  std::vector<std::uint8_t> out;
  int ok = 0;
  {
    std::lock_guard lock(detail::png_level_mutex());
    stbi_write_png_compression_level = compression_level;
    ok = stbi_write_png_to_func(&detail::append_bytes, &out, w, h, c, pixels.data(), w * c);
  }
  if (!ok)
    throw FormatError("encode_png: stb_image_write failed for an image of shape " +
                      to_string(img.shape()));
  return out;
}

/// Encodes [C, H, W] (C = 1 or 3) or [H, W] as baseline JPEG bytes; quality 1..100.
inline std::vector<std::uint8_t> encode_jpeg(const ByteTensor& img, int quality = 75) {
  if (quality < 1 || quality > 100)
    throw std::invalid_argument("encode_jpeg: quality must be between 1 and 100, got " +
                                std::to_string(quality));
  int c = 0, h = 0, w = 0;
  const auto pixels = detail::interleave("encode_jpeg", img, c, h, w, {1, 3});
  std::vector<std::uint8_t> out;
  if (!stbi_write_jpg_to_func(&detail::append_bytes, &out, w, h, c, pixels.data(), quality))
    throw FormatError("encode_jpeg: stb_image_write failed for an image of shape " +
                      to_string(img.shape()));
  return out;
}

/// Writes a PNG file (torchvision.io.write_png).
inline void write_png(const ByteTensor& img, const std::string& path, int compression_level = 6) {
  const auto bytes = encode_png(img, compression_level);
  detail::write_file(path, bytes, "write_png");
}

/// Writes a JPEG file (torchvision.io.write_jpeg).
inline void write_jpeg(const ByteTensor& img, const std::string& path, int quality = 75) {
  const auto bytes = encode_jpeg(img, quality);
  detail::write_file(path, bytes, "write_jpeg");
}

}  // namespace torchlet::vision
