#pragma once
// A raw DEFLATE decoder (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks,
// decoded into a buffer the caller sized from what the container declares (the gzip
// trailer, the zip directory). Used by detail/file.hpp's gunzip and io/zip.hpp.
//
// Huffman codes are decoded through a 10-bit lookup table (one load per symbol for the
// short codes that carry almost all the data) with a canonical-code walk for the longer
// ones; bits come from a 64-bit buffer refilled a word at a time. Nothing is allocated.
//
// Every malformed input throws FormatError "<what>: <fault>"; the decoder never reads
// past the input span nor writes past the output span.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "torchlet/errors.hpp"

namespace torchlet::detail {

/// What detail::inflate decoded: bytes written to the output, bytes of input used (up to
/// and including the byte holding the final block's last bit).
struct InflateResult {
  /// Bytes written to the output span.
  std::size_t written = 0;
  /// Bytes of input the stream occupied.
  std::size_t consumed = 0;
};

namespace inflate_impl {

inline constexpr int kFastBits = 10;     // primary lookup table: codes up to 10 bits
inline constexpr int kMaxCodeBits = 15;  // RFC 1951: no code is longer

/// A canonical Huffman code: a lookup table for codes of up to kFastBits bits (entry =
/// symbol << 4 | length; 0 = longer code or unused bit pattern) and, for the rest, the
/// number of codes of each length and the symbols in canonical order.
struct Huffman {
  std::array<std::uint16_t, std::size_t{1} << kFastBits> fast{};
  std::array<std::uint16_t, kMaxCodeBits + 1> count{};
  std::array<std::uint16_t, 288> symbol{};
};

/// Builds `h` from the code length of each symbol (0 = unused). `kind` names the code in
/// errors. An incomplete code is accepted only where RFC 1951 needs it: a literal/length
/// or distance code with a single 1-bit code (or no distance code at all); bit patterns
/// it leaves unused decode as an invalid code.
inline void build_huffman(Huffman& h, const std::uint8_t* lengths, int n, const char* kind,
                          bool allow_single, const char* what) {
  h.count.fill(0);
  for (int s = 0; s < n; ++s) ++h.count[lengths[s]];
  h.count[0] = 0;
  int left = 1;  // code space left, in units of the current length
  int used = 0;
  for (int len = 1; len <= kMaxCodeBits; ++len) {
    left = 2 * left - h.count[len];
    used += h.count[len];
    if (left < 0)
      throw FormatError(std::string(what) + ": over-subscribed deflate code lengths (" + kind +
                        " code)");
  }
  if (left > 0 && !(allow_single && used <= 1 && h.count[1] == used))
    throw FormatError(std::string(what) + ": incomplete deflate code lengths (" + kind + " code: " +
                      std::to_string(used) + " codes leave part of the code space unused)");
  // Canonical order: by length, then by symbol.
  std::array<std::uint16_t, kMaxCodeBits + 2> offset{};
  for (int len = 1; len <= kMaxCodeBits; ++len)
    offset[len + 1] = static_cast<std::uint16_t>(offset[len] + h.count[len]);
  for (int s = 0; s < n; ++s)
    if (lengths[s] != 0) h.symbol[offset[lengths[s]]++] = static_cast<std::uint16_t>(s);
  // Lookup table, indexed by the next kFastBits input bits (a code's first bit is the
  // least significant one of the index, so codes are stored bit-reversed).
  h.fast.fill(0);
  unsigned code = 0;
  int k = 0;
  for (int len = 1; len <= kFastBits; ++len) {
    for (int i = 0; i < h.count[len]; ++i, ++k, ++code) {
      unsigned rev = 0;
      for (int b = 0; b < len; ++b) rev |= ((code >> b) & 1u) << (len - 1 - b);
      const auto entry = static_cast<std::uint16_t>((h.symbol[k] << 4) | len);
      for (unsigned j = rev; j < (1u << kFastBits); j += 1u << len) h.fast[j] = entry;
    }
    code <<= 1;
  }
}

/// Reads bits least-significant first from a byte span, never past its end.
class BitReader {
 public:
  BitReader(std::span<const std::uint8_t> in, const char* what)
      : p_(in.data()), begin_(in.data()), end_(in.data() + in.size()), what_(what) {}

  /// Tops the buffer up to at least 56 bits, or to whatever input is left.
  void refill() {
    if constexpr (std::endian::native == std::endian::little) {
      if (end_ - p_ >= 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, p_, 8);
        bits_ |= word << count_;
        p_ += (63 - count_) >> 3;
        count_ |= 56;
        return;
      }
    }
    while (count_ <= 56 && p_ < end_) {
      bits_ |= std::uint64_t{*p_++} << count_;
      count_ += 8;
    }
  }
  /// The next `n` (<= 32) bits, consumed. Throws when the input has fewer.
  std::uint32_t take(int n) {
    if (count_ < n) {
      refill();
      if (count_ < n) truncated();
    }
    const auto v = static_cast<std::uint32_t>(bits_ & ((std::uint64_t{1} << n) - 1));
    bits_ >>= n;
    count_ -= n;
    return v;
  }
  /// Decodes one symbol of `h` (the caller refilled). `kind` names the code in errors.
  int decode(const Huffman& h, const char* kind) {
    const std::uint16_t e = h.fast[bits_ & ((1u << kFastBits) - 1)];
    if (e != 0) {
      const int len = e & 15;
      if (len > count_) truncated();
      bits_ >>= len;
      count_ -= len;
      return e >> 4;
    }
    // Longer codes: walk the canonical code one bit at a time.
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= kMaxCodeBits; ++len) {
      code |= static_cast<int>((bits_ >> (len - 1)) & 1u);
      const int n = h.count[len];
      if (code - first < n) {
        if (len > count_) truncated();
        bits_ >>= len;
        count_ -= len;
        return h.symbol[index + code - first];
      }
      index += n;
      first = (first + n) << 1;
      code <<= 1;
    }
    if (count_ == 0) truncated();
    throw FormatError(std::string(what_) + ": invalid deflate " + kind + " code near input byte " +
                      std::to_string(position()));
  }
  /// Drops the bits up to the next byte boundary and hands the whole bytes still in the
  /// buffer back to the input (a stored block is read byte-wise).
  void align_to_byte() {
    bits_ >>= count_ & 7;
    count_ &= ~7;
    p_ -= count_ >> 3;
    bits_ = 0;
    count_ = 0;
  }
  /// Copies `n` bytes straight from the input (after align_to_byte).
  void copy_bytes(std::uint8_t* dst, std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n)
      throw FormatError(std::string(what_) + ": truncated deflate stream (a stored block of " +
                        std::to_string(n) + " bytes, " + std::to_string(end_ - p_) +
                        " bytes of input left)");
    if (n > 0) std::memcpy(dst, p_, n);
    p_ += n;
  }
  /// Input bytes used so far (a partly used byte counts).
  std::size_t position() const {
    return static_cast<std::size_t>(p_ - begin_) - static_cast<std::size_t>(count_ >> 3);
  }
  [[noreturn]] void truncated() const {
    throw FormatError(std::string(what_) + ": truncated deflate stream (the input ends after " +
                      std::to_string(end_ - begin_) + " bytes, before the final block does)");
  }
  const char* what() const { return what_; }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* begin_;
  const std::uint8_t* end_;
  const char* what_;
  std::uint64_t bits_ = 0;
  int count_ = 0;
};

// RFC 1951 section 3.2.5: base values and extra bits of length codes 257..285 and
// distance codes 0..29.
inline constexpr std::array<std::uint16_t, 29> kLengthBase{
    3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
inline constexpr std::array<std::uint8_t, 29> kLengthExtra{
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
inline constexpr std::array<std::uint16_t, 30> kDistBase{
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
inline constexpr std::array<std::uint8_t, 30> kDistExtra{0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
                                                         4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
                                                         9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/// Reads a dynamic block's header (RFC 1951 section 3.2.7) into the two codes.
inline void read_dynamic_codes(BitReader& br, Huffman& lit, Huffman& dist) {
  const char* what = br.what();
  const int nlit = static_cast<int>(br.take(5)) + 257;
  const int ndist = static_cast<int>(br.take(5)) + 1;
  const int nclen = static_cast<int>(br.take(4)) + 4;
  if (nlit > 286 || ndist > 30)
    throw FormatError(std::string(what) + ": deflate block declares " + std::to_string(nlit) +
                      " literal/length and " + std::to_string(ndist) +
                      " distance codes (at most 286 and 30)");
  static constexpr std::array<std::uint8_t, 19> kOrder{16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                       11, 4,  12, 3, 13, 2, 14, 1, 15};
  std::array<std::uint8_t, 19> clen{};
  for (int i = 0; i < nclen; ++i) clen[kOrder[i]] = static_cast<std::uint8_t>(br.take(3));
  Huffman clcode;
  build_huffman(clcode, clen.data(), 19, "code-length", false, what);
  std::array<std::uint8_t, 286 + 30> len{};
  for (int i = 0; i < nlit + ndist;) {
    br.refill();
    const int sym = br.decode(clcode, "code-length");
    if (sym < 16) {
      len[i++] = static_cast<std::uint8_t>(sym);
      continue;
    }
    std::uint8_t value = 0;
    int repeat = 0;
    if (sym == 16) {
      if (i == 0)
        throw FormatError(std::string(what) +
                          ": deflate code lengths start with a repeat of the previous length");
      value = len[i - 1];
      repeat = 3 + static_cast<int>(br.take(2));
    } else if (sym == 17) {
      repeat = 3 + static_cast<int>(br.take(3));
    } else {
      repeat = 11 + static_cast<int>(br.take(7));
    }
    if (i + repeat > nlit + ndist)
      throw FormatError(std::string(what) + ": deflate code lengths repeat past the " +
                        std::to_string(nlit + ndist) + " codes the block declares");
    for (int r = 0; r < repeat; ++r) len[i++] = value;
  }
  if (len[256] == 0)
    throw FormatError(std::string(what) + ": deflate block has no end-of-block code");
  build_huffman(lit, len.data(), nlit, "literal/length", true, what);
  build_huffman(dist, len.data() + nlit, ndist, "distance", true, what);
}

/// The fixed codes of RFC 1951 section 3.2.6.
inline void fixed_codes(Huffman& lit, Huffman& dist, const char* what) {
  std::array<std::uint8_t, 288> len{};
  for (int s = 0; s < 288; ++s) len[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
  build_huffman(lit, len.data(), 288, "literal/length", false, what);
  std::array<std::uint8_t, 32> dlen{};
  dlen.fill(5);
  build_huffman(dist, dlen.data(), 32, "distance", false, what);
}

/// Decodes one Huffman-coded block's symbols into out[pos...]; returns the new position.
inline std::size_t inflate_block(BitReader& br, const Huffman& lit, const Huffman& dist,
                                 std::span<std::uint8_t> out, std::size_t pos) {
  std::uint8_t* const o = out.data();
  const std::size_t cap = out.size();
  auto too_large = [&] {
    return FormatError(std::string(br.what()) +
                       ": deflate output larger than the declared size of " + std::to_string(cap) +
                       " bytes");
  };
  for (;;) {
    br.refill();  // >= 56 bits unless the input ends: enough for a length and a distance
    const int sym = br.decode(lit, "literal/length");
    if (sym < 256) {
      if (pos == cap) throw too_large();
      o[pos++] = static_cast<std::uint8_t>(sym);
      continue;
    }
    if (sym == 256) return pos;
    if (sym > 285)
      throw FormatError(std::string(br.what()) + ": invalid deflate literal/length code " +
                        std::to_string(sym) + " near input byte " + std::to_string(br.position()));
    const int li = sym - 257;
    const std::size_t length = kLengthBase[li] + br.take(kLengthExtra[li]);
    const int dsym = br.decode(dist, "distance");
    if (dsym > 29)
      throw FormatError(std::string(br.what()) + ": invalid deflate distance code " +
                        std::to_string(dsym) + " near input byte " + std::to_string(br.position()));
    const std::size_t d = kDistBase[dsym] + br.take(kDistExtra[dsym]);
    if (d > pos)
      throw FormatError(std::string(br.what()) + ": deflate distance " + std::to_string(d) +
                        " goes too far back (only " + std::to_string(pos) +
                        " bytes decoded so far)");
    if (length > cap - pos) throw too_large();
    std::uint8_t* dst = o + pos;
    const std::uint8_t* src = dst - d;
    if (d == 1) {
      std::memset(dst, *src, length);
    } else if (d >= length) {
      std::memcpy(dst, src, length);
    } else {
      for (std::size_t i = 0; i < length; ++i) dst[i] = src[i];  // overlapping: a repeat
    }
    pos += length;
  }
}

}  // namespace inflate_impl

/// Decodes the raw DEFLATE stream (RFC 1951, no zlib or gzip wrapper) at the start of `in`
/// into `out`, whose size is the size the container declares. Bytes after the final
/// block are left alone. `what` names the data in errors ("<file>: invalid gzip data").
/// Throws FormatError "<what>: <fault>" on a truncated stream, block type 3, a stored
/// block whose LEN and NLEN disagree, over-subscribed or incomplete code lengths, an
/// invalid code, a distance reaching before the output's start, or output beyond
/// `out.size()`.
inline InflateResult inflate(std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                             const char* what) {
  using namespace inflate_impl;
  BitReader br(in, what);
  Huffman lit, dist;
  std::size_t pos = 0;
  bool fixed_built = false;
  for (bool last = false; !last;) {
    last = br.take(1) != 0;
    const std::uint32_t type = br.take(2);
    if (type == 0) {
      br.align_to_byte();
      const std::uint32_t len = br.take(16), nlen = br.take(16);
      if ((len ^ 0xFFFFu) != nlen)
        throw FormatError(std::string(what) + ": deflate stored block LEN " + std::to_string(len) +
                          " does not match NLEN " + std::to_string(nlen) +
                          " (expected its one's complement " + std::to_string(len ^ 0xFFFFu) + ")");
      br.align_to_byte();
      if (len > out.size() - pos)
        throw FormatError(std::string(what) + ": deflate output larger than the declared size of " +
                          std::to_string(out.size()) + " bytes");
      br.copy_bytes(out.data() + pos, len);
      pos += len;
    } else if (type == 1) {
      if (!fixed_built) fixed_codes(lit, dist, what);
      fixed_built = true;
      pos = inflate_block(br, lit, dist, out, pos);
    } else if (type == 2) {
      fixed_built = false;
      read_dynamic_codes(br, lit, dist);
      pos = inflate_block(br, lit, dist, out, pos);
    } else {
      throw FormatError(std::string(what) + ": invalid deflate block type 3 near input byte " +
                        std::to_string(br.position()));
    }
  }
  return {pos, br.position()};
}

}  // namespace torchlet::detail
