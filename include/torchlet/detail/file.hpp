#pragma once
// Whole-file reading and gzip decoding (RFC 1952; the deflate stream is decoded by
// stb_image's zlib). Errors are FormatError naming the file.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "torchlet/detail/stb_image.hpp"
#include "torchlet/errors.hpp"

namespace torchlet::detail {

/// Refuse to decompress files that claim more than this (a small file must not be
/// able to make the library allocate gigabytes).
inline constexpr std::uint64_t kMaxDecodedBytes = std::uint64_t{1} << 31;

inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw FormatError(path + ": cannot open file");
  const auto size = in.tellg();
  if (size < 0) throw FormatError(path + ": cannot determine file size");
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(buf.data()), size)) throw FormatError(path + ": read error");
  return buf;
}

inline bool is_gzip(const std::vector<std::uint8_t>& b) { return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b; }

/// CRC-32 (IEEE 802.3, reflected, as gzip uses it).
inline std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

/// Decodes a single-member gzip buffer; `path` is used in error messages.
inline std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& b, const std::string& path) {
  auto fail = [&](const std::string& why) { return FormatError(path + ": invalid gzip data: " + why); };
  if (b.size() < 18) throw fail("file is truncated (" + std::to_string(b.size()) + " bytes)");
  if (!is_gzip(b)) throw fail("wrong magic number");
  if (b[2] != 8) throw fail("unsupported compression method " + std::to_string(b[2]));
  const std::uint8_t flags = b[3];
  std::size_t pos = 10;
  if (flags & 0x04) {  // FEXTRA
    if (pos + 2 > b.size()) throw fail("truncated header");
    pos += 2 + (b[pos] | (b[pos + 1] << 8));
  }
  for (int bit : {0x08, 0x10}) {  // FNAME, FCOMMENT: zero-terminated
    if (flags & bit) {
      while (pos < b.size() && b[pos] != 0) ++pos;
      ++pos;
    }
  }
  if (flags & 0x02) pos += 2;  // FHCRC
  if (pos + 8 > b.size()) throw fail("truncated header");
  const std::size_t tail = b.size() - 4;
  const std::uint32_t isize = b[tail] | (b[tail + 1] << 8) | (b[tail + 2] << 16) | (std::uint32_t{b[tail + 3]} << 24);
  if (isize > kMaxDecodedBytes) throw fail("declared size " + std::to_string(isize) + " bytes exceeds the limit");
  std::vector<std::uint8_t> out(isize);
  // The 8 trailer bytes are handed to the decoder too: stb's inflate refuses to decode
  // the last symbols when fewer than 16 bits of input remain (it stops at the final
  // block's end code, so the extra bytes are never consumed as data).
  const std::size_t in_len = b.size() - pos;
  if (in_len > static_cast<std::size_t>(INT32_MAX)) throw fail("compressed stream too large");
  const int n = stbi_zlib_decode_noheader_buffer(reinterpret_cast<char*>(out.data()), static_cast<int>(out.size()),
                                                 reinterpret_cast<const char*>(b.data() + pos), static_cast<int>(in_len));
  if (n < 0) throw fail("corrupt or truncated deflate stream");
  if (static_cast<std::uint32_t>(n) != isize)
    throw fail("decoded " + std::to_string(n) + " bytes but the trailer says " + std::to_string(isize));
  // CRC-32 check of the decoded data.
  const std::uint32_t crc = crc32(out.data(), out.size());
  const std::size_t c = b.size() - 8;
  const std::uint32_t want = b[c] | (b[c + 1] << 8) | (b[c + 2] << 16) | (std::uint32_t{b[c + 3]} << 24);
  if (crc != want) throw fail("CRC-32 mismatch (corrupt data)");
  return out;
}

}  // namespace torchlet::detail
