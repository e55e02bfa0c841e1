// detail::inflate (detail/inflate.hpp), the raw DEFLATE decoder behind gunzip and the zip
// reader: every stream of tests/fixtures/io/inflate_streams.bin (made by Python's zlib at
// levels 0, 1, 6, 9 and with Z_FIXED / Z_HUFFMAN_ONLY / Z_RLE, plus a distance-32768 copy;
// scripts/make_inflate_fixtures.py) decodes to the bytes it was made from, and every
// malformed stream, built here bit by bit, throws FormatError naming the data and the fault;
// gunzip and the zip reader put the file (and the entry) in front of that fault.
#include <torchlet/detail/file.hpp>
#include <torchlet/detail/inflate.hpp>
#include <torchlet/io/zip.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using torchlet::FormatError;
using torchlet::detail::inflate;
using Bytes = std::vector<std::uint8_t>;

namespace {

struct Stream {
  std::string name;
  std::uint32_t size = 0, crc = 0;
  Bytes data;
};

std::vector<Stream> load_streams() {
  const Bytes f = torchlet::detail::read_file(test::fixture_path("io/inflate_streams.bin"));
  std::size_t at = 0;
  auto need = [&](std::size_t n) {
    if (f.size() - at < n) throw std::runtime_error("inflate_streams.bin is truncated");
  };
  auto u32 = [&] {
    need(4);
    const std::uint32_t v = f[at] | (f[at + 1] << 8) | (f[at + 2] << 16) |
                            (static_cast<std::uint32_t>(f[at + 3]) << 24);
    at += 4;
    return v;
  };
  need(8);
  if (std::string(f.begin(), f.begin() + 8) != "TLINFL01")
    throw std::runtime_error("inflate_streams.bin: wrong magic");
  at = 8;
  std::vector<Stream> out(u32());
  for (auto& s : out) {
    need(1);
    const std::size_t len = f[at++];
    need(len);
    s.name.assign(f.begin() + static_cast<std::ptrdiff_t>(at),
                  f.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += len;
    s.size = u32();
    s.crc = u32();
    const std::uint32_t n = u32();
    need(n);
    s.data.assign(f.begin() + static_cast<std::ptrdiff_t>(at),
                  f.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  return out;
}

const Stream& stream(const std::vector<Stream>& all, const std::string& name) {
  for (const auto& s : all)
    if (s.name == name) return s;
  throw std::runtime_error("no stream " + name);
}

/// Writes bits least-significant first, as RFC 1951 packs them.
class BitWriter {
 public:
  void bits(std::uint32_t value, int count) {
    for (int i = 0; i < count; ++i) put((value >> i) & 1u);
  }
  /// A Huffman code: most significant bit first.
  void code(std::uint32_t code, int length) {
    for (int i = length - 1; i >= 0; --i) put((code >> i) & 1u);
  }
  Bytes finish() const { return out_; }

 private:
  void put(std::uint32_t bit) {
    if (n_ % 8 == 0) out_.push_back(0);
    out_.back() = static_cast<std::uint8_t>(out_.back() | (bit << (n_ % 8)));
    ++n_;
  }
  Bytes out_;
  int n_ = 0;
};

/// A block header: BFINAL (1: the last block) and BTYPE (1: fixed Huffman, 2: dynamic).
void block_header(BitWriter& w, std::uint32_t final, std::uint32_t type) {
  w.bits(final, 1);
  w.bits(type, 2);
}

/// RFC 1951's fixed literal/length code.
void fixed_literal(BitWriter& w, int sym) {
  if (sym < 144)
    w.code(static_cast<std::uint32_t>(0x30 + sym), 8);
  else if (sym < 256)
    w.code(static_cast<std::uint32_t>(0x190 + sym - 144), 9);
  else if (sym < 280)
    w.code(static_cast<std::uint32_t>(sym - 256), 7);
  else
    w.code(static_cast<std::uint32_t>(0xC0 + sym - 280), 8);
}

/// One code-length symbol of a dynamic header, with its extra bits.
struct CodeLen {
  int sym, extra = 0;
};

/// A final dynamic block's header: HLIT, HDIST, a code-length code giving 4 bits to each
/// of `clen_syms` (16 symbols: a complete code, canonical code = rank), then `seq`.
/// Symbols 16/17/18 carry 2/3/7 extra bits.
void dynamic_header(BitWriter& w, int nlit, int ndist, const std::vector<CodeLen>& seq,
                    std::vector<int> clen_syms = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                                  15},
                    int clen_bits = 4) {
  static constexpr int kOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                     11, 4,  12, 3, 13, 2, 14, 1, 15};
  block_header(w, 1, 2);
  w.bits(static_cast<std::uint32_t>(nlit - 257), 5);
  w.bits(static_cast<std::uint32_t>(ndist - 1), 5);
  w.bits(15, 4);  // 19 code-length code lengths
  std::array<int, 19> len{};
  for (int s : clen_syms) len[static_cast<std::size_t>(s)] = clen_bits;
  for (int i : kOrder) w.bits(static_cast<std::uint32_t>(len[static_cast<std::size_t>(i)]), 3);
  std::array<int, 19> rank{};
  int r = 0;
  for (int s = 0; s < 19; ++s)
    if (len[static_cast<std::size_t>(s)]) rank[static_cast<std::size_t>(s)] = r++;
  for (const auto& c : seq) {
    w.code(static_cast<std::uint32_t>(rank[static_cast<std::size_t>(c.sym)]), clen_bits);
    if (c.sym == 16) w.bits(static_cast<std::uint32_t>(c.extra), 2);
    if (c.sym == 17) w.bits(static_cast<std::uint32_t>(c.extra), 3);
    if (c.sym == 18) w.bits(static_cast<std::uint32_t>(c.extra), 7);
  }
}

/// The code-length sequence giving symbol i the length lengths[i] (no repeat codes).
std::vector<CodeLen> plain(const std::vector<int>& lengths) {
  std::vector<CodeLen> seq;
  for (int l : lengths) seq.push_back({l});
  return seq;
}

/// 258 literal/length lengths (HLIT 258: symbols up to 257, length 3), all 0 but the
/// listed ones, then `dist` distance lengths.
std::vector<int> code_lengths(std::initializer_list<std::pair<int, int>> lit,
                              std::vector<int> dist) {
  std::vector<int> v(258, 0);
  for (auto [s, l] : lit) v[static_cast<std::size_t>(s)] = l;
  v.insert(v.end(), dist.begin(), dist.end());
  return v;
}

/// What inflate throws for `in` decoded into `out_size` bytes, or "" when it does not.
std::string error_of(const Bytes& in, std::size_t out_size = 1024) {
  Bytes out(out_size);
  try {
    (void)inflate(in, out, "case.bin");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

}  // namespace

TEST_CASE("every zlib-made stream decodes to the bytes it was made from") {
  const auto all = load_streams();
  REQUIRE(all.size() == 42);
  for (const auto& s : all) {
    INFO(s.name);
    Bytes out(s.size);
    const auto r = inflate(s.data, out, s.name.c_str());
    CHECK(r.written == s.size);
    CHECK(r.consumed == s.data.size());
    CHECK(torchlet::detail::crc32(out.data(), out.size()) == s.crc);
    // Bytes after the final block are not read.
    Bytes padded = s.data;
    padded.insert(padded.end(), {0xFF, 0xFF, 0xFF});
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    const auto r2 = inflate(padded, out, s.name.c_str());
    CHECK(r2.consumed == s.data.size());
    CHECK(torchlet::detail::crc32(out.data(), out.size()) == s.crc);
    // A larger buffer: the stream says where it ends.
    Bytes big(s.size + 10);
    CHECK(inflate(s.data, big, s.name.c_str()).written == s.size);
    // One byte too small: refused, never written past.
    if (s.size > 0) {
      Bytes small(s.size - 1);
      CHECK_THROWS_WITH(inflate(s.data, small, s.name.c_str()),
                        Catch::StartsWith(s.name +
                                          ": deflate output larger than the declared "
                                          "size of " +
                                          std::to_string(s.size - 1) + " bytes"));
    }
  }
  // What the fixture claims to cover.
  CHECK(stream(all, "stored64k_l0").data.size() > 65536);
  CHECK(stream(all, "hand_dist32768").size == 32768 + 258 + 258 + 3 + 1);
  CHECK(stream(all, "far_l9").data.size() < 2000);  // the second copy is a match
}

TEST_CASE("every strict prefix of a stream is a truncated stream") {
  const auto all = load_streams();
  for (const char* name : {"text_l6", "text_fixed", "text_huffman", "run1_rle", "one_l0",
                           "empty_l9", "random_l0", "far_l1"}) {
    const auto& s = stream(all, name);
    INFO(name);
    for (std::size_t n = 0; n < s.data.size(); ++n) {
      INFO("prefix of " << n << " bytes");
      const Bytes prefix(s.data.begin(), s.data.begin() + static_cast<std::ptrdiff_t>(n));
      const std::string e = error_of(prefix, s.size);
      CHECK(starts_with(e, "case.bin: truncated deflate stream ("));
      CHECK((e.find("the input ends after " + std::to_string(n) + " bytes") != std::string::npos ||
             e.find("bytes of input left") != std::string::npos));
    }
  }
}

TEST_CASE("stored and fixed blocks: each fault named") {
  // Block type 3 (final bit 1, type bits 11).
  CHECK(error_of({0x07}) == "case.bin: invalid deflate block type 3 near input byte 1");
  // Stored block whose NLEN is not LEN's complement.
  CHECK(error_of({0x01, 0x05, 0x00, 0xFA, 0xFE, 'a', 'b', 'c', 'd', 'e'}) ==
        "case.bin: deflate stored block LEN 5 does not match NLEN 65274 (expected its one's "
        "complement 65530)");
  // Stored block longer than the input.
  CHECK(error_of({0x01, 0x05, 0x00, 0xFA, 0xFF, 'a', 'b'}) ==
        "case.bin: truncated deflate stream (a stored block of 5 bytes, 2 bytes of input left)");
  // Stored block longer than the output.
  CHECK(error_of({0x01, 0x05, 0x00, 0xFA, 0xFF, 'a', 'b', 'c', 'd', 'e'}, 4) ==
        "case.bin: deflate output larger than the declared size of 4 bytes");
  {  // A non-final stored block, then nothing.
    CHECK(starts_with(error_of({0x00, 0x01, 0x00, 0xFE, 0xFF, 'a'}),
                      "case.bin: truncated deflate stream"));
  }
  {  // Fixed block: literal/length codes 286 and 287 exist in the code but are invalid.
    for (int sym : {286, 287}) {
      BitWriter w;
      block_header(w, 1, 1);
      fixed_literal(w, sym);
      CHECK(starts_with(error_of(w.finish()),
                        "case.bin: invalid deflate literal/length code " + std::to_string(sym)));
    }
  }
  {  // Fixed block: distance codes 30 and 31 likewise.
    for (std::uint32_t d : {30u, 31u}) {
      BitWriter w;
      block_header(w, 1, 1);
      fixed_literal(w, 'a');
      fixed_literal(w, 257);
      w.code(d, 5);
      CHECK(starts_with(error_of(w.finish()),
                        "case.bin: invalid deflate distance code " + std::to_string(d)));
    }
  }
  {  // A distance reaching before the start of the output.
    BitWriter w;
    block_header(w, 1, 1);
    fixed_literal(w, 'a');
    fixed_literal(w, 257);  // length 3
    w.code(1, 5);           // distance 2
    fixed_literal(w, 256);
    CHECK(error_of(w.finish()) ==
          "case.bin: deflate distance 2 goes too far back (only 1 bytes decoded so far)");
  }
  {  // A match, then a literal, past the declared size.
    BitWriter w;
    block_header(w, 1, 1);
    fixed_literal(w, 'a');
    fixed_literal(w, 258);  // length 4
    w.code(0, 5);           // distance 1
    fixed_literal(w, 'b');
    fixed_literal(w, 256);
    const Bytes s = w.finish();
    CHECK(error_of(s, 6) == "");
    Bytes out(6);
    (void)inflate(s, out, "x");
    CHECK(out == Bytes{'a', 'a', 'a', 'a', 'a', 'b'});
    CHECK(error_of(s, 5) == "case.bin: deflate output larger than the declared size of 5 bytes");
    CHECK(error_of(s, 4) == "case.bin: deflate output larger than the declared size of 4 bytes");
    CHECK(error_of(s, 0) == "case.bin: deflate output larger than the declared size of 0 bytes");
  }
}

TEST_CASE("dynamic blocks: code-length faults named, single distance code accepted") {
  auto block = [](const std::vector<int>& lengths, int nlit = 258) {
    BitWriter w;
    dynamic_header(w, nlit, static_cast<int>(lengths.size()) - nlit, plain(lengths));
    return w;
  };
  {  // Valid: 'a' (2 bits), end (2 bits), length 3 (1 bit); one distance code of 1 bit.
    BitWriter w = block(code_lengths({{'a', 2}, {256, 2}, {257, 1}}, {1}));
    w.code(2, 2);  // 'a'  (canonical: 257 -> 0, 'a' -> 10, 256 -> 11)
    w.code(0, 1);  // length 3
    w.code(0, 1);  // distance code 0: distance 1
    w.code(3, 2);  // end
    const Bytes s = w.finish();
    Bytes out(4);
    CHECK(inflate(s, out, "x").written == 4);
    CHECK(out == Bytes{'a', 'a', 'a', 'a'});
  }
  {  // The unused half of that distance code.
    BitWriter w = block(code_lengths({{'a', 2}, {256, 2}, {257, 1}}, {1}));
    w.code(2, 2);
    w.code(0, 1);
    w.code(1, 1);
    w.code(3, 2);
    CHECK(starts_with(error_of(w.finish()), "case.bin: invalid deflate distance code near input"));
  }
  {  // No distance code at all is fine for literals only...
    BitWriter w = block(code_lengths({{'a', 1}, {256, 1}}, {0}));
    w.code(0, 1);
    w.code(1, 1);
    Bytes out(1);
    CHECK(inflate(w.finish(), out, "x").written == 1);
    CHECK(out[0] == 'a');
  }
  {  // ...but a length code then has no distance to use.
    BitWriter w = block(code_lengths({{'a', 2}, {256, 2}, {257, 1}}, {0}));
    w.code(2, 2);
    w.code(0, 1);
    w.code(0, 1);
    CHECK(starts_with(error_of(w.finish()), "case.bin: invalid deflate distance code near input"));
  }
  CHECK(error_of(block(code_lengths({{'a', 1}, {'b', 1}, {256, 1}}, {1})).finish()) ==
        "case.bin: over-subscribed deflate code lengths (literal/length code)");
  CHECK(error_of(block(code_lengths({{'a', 2}, {256, 2}}, {1})).finish()) ==
        "case.bin: incomplete deflate code lengths (literal/length code: 2 codes leave part of "
        "the code space unused)");
  CHECK(error_of(block(code_lengths({{'a', 1}, {256, 1}}, {1, 1, 1})).finish()) ==
        "case.bin: over-subscribed deflate code lengths (distance code)");
  CHECK(error_of(block(code_lengths({{'a', 1}, {256, 1}}, {2, 2, 2})).finish()) ==
        "case.bin: incomplete deflate code lengths (distance code: 3 codes leave part of the "
        "code space unused)");
  CHECK(error_of(block(code_lengths({{'a', 1}, {'b', 1}}, {1})).finish()) ==
        "case.bin: deflate block has no end-of-block code");
  {  // Code-length code: 17 codes of 4 bits is one too many, 15 too few.
    BitWriter over;
    dynamic_header(over, 257, 1, {}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    CHECK(error_of(over.finish()) ==
          "case.bin: over-subscribed deflate code lengths (code-length code)");
    BitWriter under;
    dynamic_header(under, 257, 1, {}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
    CHECK(error_of(under.finish()) ==
          "case.bin: incomplete deflate code lengths (code-length code: 15 codes leave part of "
          "the code space unused)");
    BitWriter single;  // a single code-length code of 1 bit is incomplete too
    dynamic_header(single, 257, 1, {}, {0}, 1);
    CHECK(starts_with(error_of(single.finish()),
                      "case.bin: incomplete deflate code lengths (code-length code"));
  }
  const std::vector<int> with_repeats{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 18};
  {  // A repeat of the previous length as the very first.
    BitWriter w;
    dynamic_header(w, 257, 1, {{16, 0}}, with_repeats);
    CHECK(error_of(w.finish()) ==
          "case.bin: deflate code lengths start with a repeat of the previous length");
  }
  {  // Zeros repeated past HLIT + HDIST (257 + 1 = 258: 2 x 138 = 276).
    BitWriter w;
    dynamic_header(w, 257, 1, {{18, 127}, {18, 127}}, with_repeats);
    CHECK(error_of(w.finish()) ==
          "case.bin: deflate code lengths repeat past the 258 codes the block declares");
  }
  {  // Repeats landing exactly on HLIT + HDIST: 97 zeros, 'a' = 1 and six copies (16),
    // 138 + 14 zeros (18), end-of-block = 1, one distance code = 1: the lengths decode, and
    // eight 1-bit literal/length codes are over-subscribed.
    BitWriter w;
    dynamic_header(w, 257, 1, {{18, 86}, {1}, {16, 3}, {18, 127}, {18, 3}, {1}, {1}}, with_repeats);
    CHECK(error_of(w.finish()) ==
          "case.bin: over-subscribed deflate code lengths (literal/length code)");
  }
  {  // HLIT 287 and HDIST 31 are beyond what RFC 1951 defines.
    BitWriter w;
    block_header(w, 1, 2);
    w.bits(30, 5);
    w.bits(0, 5);
    w.bits(0, 4);
    CHECK(error_of(w.finish()) ==
          "case.bin: deflate block declares 287 literal/length and 1 distance codes (at most "
          "286 and 30)");
  }
  {  // A truncated header.
    BitWriter w = block(code_lengths({{'a', 2}, {256, 2}, {257, 1}}, {1}));
    Bytes s = w.finish();
    s.resize(s.size() / 2);
    CHECK(starts_with(error_of(s), "case.bin: truncated deflate stream"));
  }
}

TEST_CASE("gunzip names the file for a deflate fault inside a gzip member") {
  const auto all = load_streams();
  const auto& s = stream(all, "text_l9");
  auto gzip = [&](const Bytes& body, std::uint32_t crc, std::uint32_t size) {
    Bytes g{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    g.insert(g.end(), body.begin(), body.end());
    for (int i = 0; i < 4; ++i) g.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
    for (int i = 0; i < 4; ++i) g.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
    return g;
  };
  const auto out = torchlet::detail::gunzip(gzip(s.data, s.crc, s.size), "a.gz");
  CHECK(out.size() == s.size);
  CHECK(torchlet::detail::crc32(out.data(), out.size()) == s.crc);
  CHECK_THROWS_WITH(torchlet::detail::gunzip(gzip({0x07, 0, 0}, 0, 3), "a.gz"),
                    "a.gz: invalid gzip data: invalid deflate block type 3 near input byte 1");
  // The deflate stream may not run into the trailer.
  Bytes cut(s.data.begin(), s.data.end() - 1);
  CHECK_THROWS_WITH(torchlet::detail::gunzip(gzip(cut, s.crc, s.size), "a.gz"),
                    Catch::StartsWith("a.gz: invalid gzip data: truncated deflate stream"));
  // A trailer that declares fewer bytes than the stream holds.
  CHECK_THROWS_WITH(torchlet::detail::gunzip(gzip(s.data, s.crc, s.size - 1), "a.gz"),
                    Catch::StartsWith("a.gz: invalid gzip data: deflate output larger than the "
                                      "declared size"));
}

TEST_CASE("the zip reader inflates deflated entries and names the entry for a fault") {
  const auto all = load_streams();
  const auto& s = stream(all, "text_fixed");
  // A one-entry archive holding the stream, its directory entry turned into a deflated one
  // (method 8, the decoded CRC and size): the reader trusts the central directory.
  auto archive = [&](const Bytes& body, std::uint32_t crc, std::uint32_t size) {
    torchlet::io::ZipWriter w;
    w.add("x/data.pkl", body);
    Bytes z = w.finish();
    const std::size_t eocd = z.size() - 22;
    const std::size_t cd = z[eocd + 16] | (z[eocd + 17] << 8) | (z[eocd + 18] << 16) |
                           (static_cast<std::size_t>(z[eocd + 19]) << 24);
    auto put = [&](std::size_t at, std::uint32_t v, int n) {
      for (int i = 0; i < n; ++i)
        z[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
    };
    put(cd + 10, 8, 2);
    put(cd + 16, crc, 4);
    put(cd + 24, size, 4);
    return z;
  };
  const Bytes good = archive(s.data, s.crc, s.size);
  const torchlet::io::ZipReader zip(good, "a.pt");
  REQUIRE(zip.entries().size() == 1);
  CHECK(zip.entries()[0].method == 8);
  const Bytes out = zip.read(zip.entries()[0]);
  CHECK(out.size() == s.size);
  CHECK(torchlet::detail::crc32(out.data(), out.size()) == s.crc);

  const Bytes bad = archive({0x07, 0, 0}, 0, 3);
  const torchlet::io::ZipReader bad_zip(bad, "a.pt");
  CHECK_THROWS_WITH(bad_zip.read(bad_zip.entries()[0]),
                    "a.pt: invalid zip archive: entry 'x/data.pkl': invalid deflate block type 3 "
                    "near input byte 1");
  // The stream may not run past the entry's compressed bytes into what follows.
  const Bytes cut = archive(Bytes(s.data.begin(), s.data.end() - 1), s.crc, s.size);
  const torchlet::io::ZipReader cut_zip(cut, "a.pt");
  CHECK_THROWS_WITH(cut_zip.read(cut_zip.entries()[0]),
                    Catch::StartsWith("a.pt: invalid zip archive: entry 'x/data.pkl': truncated "
                                      "deflate stream"));
}

}  // namespace TORCHLET_TEST_FILE
