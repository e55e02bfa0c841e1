// Inputs the fuzzers (fuzz/) found, each kept as a regression test: the library must
// throw a clear exception or decode correctly, never reach undefined behaviour. The
// undefined behaviour itself is only visible under the asan preset (UBSan), which CI
// runs; in a plain build these tests check the outcome.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "catch.hpp"
#include "reliability/text.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using test::has;

namespace {
std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// A PNG chunk: length, type, data, CRC-32 of type + data.
std::vector<std::uint8_t> png_chunk(const std::string& type,
                                    const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> c(12 + data.size());
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (std::size_t k = 0; k < 4; ++k) c[at + k] = static_cast<std::uint8_t>(v >> (24 - 8 * k));
  };
  put32(0, static_cast<std::uint32_t>(data.size()));
  std::copy(type.begin(), type.end(), c.begin() + 4);
  std::copy(data.begin(), data.end(), c.begin() + 8);
  put32(8 + data.size(), torchlet::detail::crc32(c.data() + 4, 4 + data.size()));
  return c;
}
// Offset of the first chunk of `type` in a PNG file.
std::size_t find_chunk(const std::vector<std::uint8_t>& png, const std::string& type) {
  std::size_t pos = 8;
  while (pos + 8 <= png.size()) {
    const std::size_t len = std::size_t{png[pos]} << 24 | std::size_t{png[pos + 1]} << 16 |
                            std::size_t{png[pos + 2]} << 8 | png[pos + 3];
    if (std::string(png.begin() + static_cast<std::ptrdiff_t>(pos + 4),
                    png.begin() + static_cast<std::ptrdiff_t>(pos + 8)) == type)
      return pos;
    pos += 12 + len;
  }
  FAIL("no " + type + " chunk");
  return 0;
}
}  // namespace

// fuzz_image: stb_image 2.27 grew its IDAT buffer to a chunk's declared length before
// reading it: a 100-byte PNG declaring a 1 GB chunk made it allocate 2 GB.
TEST_CASE("a PNG chunk longer than the file is refused before anything is allocated") {
  auto img = ByteTensor::empty({1, 2, 3});
  for (std::int64_t i = 0; i < img.numel(); ++i) img.data()[i] = static_cast<std::uint8_t>(i);
  auto png = vision::encode_png(img);
  const auto at = static_cast<std::ptrdiff_t>(find_chunk(png, "IDAT"));
  auto chunk = png_chunk("IDAT", {1, 2, 3});
  chunk[0] = 0x40;  // declares 0x40000003 bytes
  png.insert(png.begin() + at, chunk.begin(), chunk.end());
  try {
    (void)vision::decode_image(png, vision::ImageReadMode::UNCHANGED, "long.png");
    FAIL("no exception");
  } catch (const FormatError& e) {
    CHECK(has(e.what(), "long.png"));
    CHECK(
        has(e.what(), "chunk 'IDAT' at byte " + std::to_string(at) + " declares 1073741827 bytes"));
  }
}

// fuzz_image: stb_image 2.27 parsed PNM header numbers into an int without an overflow check.
TEST_CASE("a PNM header number too large for stb is refused with the file name") {
  for (const std::string text :
       {"P5 5555555555555 3\n255\n", "P6\n4 99999999999999999999\n255\n",
        "P5 4 3 # comment\n\n 70000000000\n", "P5\n#c\n16777217 1 255\n"}) {
    CAPTURE(text);
    try {
      (void)vision::decode_image(bytes_of(text + std::string(16, 'x')),
                                 vision::ImageReadMode::UNCHANGED, "big.pgm");
      FAIL("no exception");
    } catch (const FormatError& e) {
      CHECK(has(e.what(), "big.pgm"));
      CHECK(has(e.what(), "corrupt PNM header"));
    }
  }
  // Numbers up to stb's own limit still reach stb, which decodes a well-formed file.
  const auto img = vision::decode_image(bytes_of("P5 # c\n2 1\n255\n\x07\x09"),
                                        vision::ImageReadMode::UNCHANGED);
  REQUIRE(img.shape() == Shape{1, 1, 2});
  CHECK(img.data()[0] == 7);
  CHECK(img.data()[1] == 9);
}

// fuzz_image: an empty IDAT chunk before the first non-empty one made stb_image 2.27 call
// memcpy with a null destination.
TEST_CASE("a PNG with empty IDAT chunks decodes to the same image as without them") {
  auto img = ByteTensor::empty({3, 2, 5});
  for (std::int64_t i = 0; i < img.numel(); ++i) img.data()[i] = static_cast<std::uint8_t>(i * 9);
  const auto png = vision::encode_png(img);
  const auto at = static_cast<std::ptrdiff_t>(find_chunk(png, "IDAT"));
  auto with_empty = png;
  const auto empty = png_chunk("IDAT", {});
  with_empty.insert(with_empty.begin() + at, empty.begin(), empty.end());
  with_empty.insert(with_empty.begin() + at, empty.begin(), empty.end());
  const auto back = vision::decode_image(with_empty);
  REQUIRE(back.shape() == img.shape());
  CHECK(std::equal(back.data(), back.data() + back.numel(), img.data()));

  // The fuzzer's input: an empty IDAT followed by a corrupt chunk.
  const std::vector<std::uint8_t> found = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
      0x44, 0x52, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x08, 0x06, 0x00, 0x00,
      0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x49, 0x44, 0x41, 0x54, 0x78,
      0x9c, 0x63, 0x64, 0x60, 0xe7, 0x3b, 0x21, 0x2a, 0x2a, 0xca, 0x00, 0xc3, 0x2c, 0x21,
      0x21, 0x21, 0x0c, 0x78, 0x05, 0x00, 0x8d, 0x4d, 0x05, 0x16, 0xc4, 0x31, 0xbe, 0xc0,
      0xff, 0xff, 0x97, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  CHECK_THROWS_AS(vision::decode_image(found, vision::ImageReadMode::UNCHANGED, "found.png"),
                  FormatError);
  // And one whose empty IDAT is cut short by the end of the file (stb reads the CRC as 0).
  const std::vector<std::uint8_t> cut = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
      0x52, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63};
  CHECK_THROWS_AS(vision::decode_image(cut, vision::ImageReadMode::UNCHANGED, "cut.png"),
                  FormatError);
}

// fuzz_image: stb_image 2.27 converted the channels of a 16-bit PGM/PPM as if its samples
// were 8-bit, reading twice the size of its buffer (heap-buffer-overflow under ASan), and
// read 16-bit samples as little-endian; such files are refused.
TEST_CASE("a 16-bit PNM is refused with the file name and the maximum value") {
  const auto pgm = bytes_of(std::string("P5 2 1 65535\n") + "\x12\x34\xAB\xCD");
  for (auto mode : {vision::ImageReadMode::UNCHANGED, vision::ImageReadMode::RGB}) {
    try {
      (void)vision::decode_image(pgm, mode, "deep.pgm");
      FAIL("no exception");
    } catch (const FormatError& e) {
      CHECK(has(e.what(), "deep.pgm"));
      CHECK(has(e.what(), "16-bit PGM/PPM (maximum value 65535) is not supported"));
    }
  }
  // The fuzzer's input: a 16-bit 4 x 3 PGM read as RGB.
  const auto found = bytes_of(std::string("P5\n4 3\n256\n\x03\x1b\x00\x00\x00\x00\x00\xed", 19));
  CHECK_THROWS_AS(vision::decode_image(found, vision::ImageReadMode::RGB, "found.pgm"),
                  FormatError);
}

// Found while fixing the above: stb_image 2.27 ignores a short read of PNM pixel data and
// returns uninitialised memory as the image.
TEST_CASE("a truncated PNM is refused instead of decoding to uninitialised pixels") {
  const std::string header = "P6\n# two by two\n2 2\n255\n";
  for (std::size_t data : {0, 1, 11}) {
    CAPTURE(data);
    try {
      (void)vision::decode_image(bytes_of(header + std::string(data, '\x40')),
                                 vision::ImageReadMode::UNCHANGED, "t.ppm");
      FAIL("no exception");
    } catch (const FormatError& e) {
      CHECK(has(e.what(), "t.ppm"));
      CHECK(has(e.what(), "truncated PNM file (" + std::to_string(data) +
                              " bytes of pixel data, 2 x 2 needs 12)"));
    }
  }
  const auto img = vision::decode_image(bytes_of(header + std::string(12, '\x40')));
  REQUIRE(img.shape() == Shape{3, 2, 2});
  CHECK(img.data()[11] == 0x40);
}

// fuzz_image: stb_image takes 0xFF fill bytes before a JPEG's SOI marker ("FF FF D8"), so
// the screen for oversized Huffman tables (stb 2.27 writes past its table) must too.
TEST_CASE("a JPEG with fill bytes before SOI is screened for oversized Huffman tables") {
  std::string dht = "\xFF\xC4";
  dht += std::string("\x00\x13\x00", 3) + std::string(16, '\x20');  // 16 x 32 = 512 codes
  for (const std::string start : {"\xFF\xD8", "\xFF\xFF\xD8", "\xFF\xFF\xFF\xFF\xD8"}) {
    try {
      (void)vision::decode_image(bytes_of(start + dht + std::string(64, '\0')),
                                 vision::ImageReadMode::UNCHANGED, "huff.jpg");
      FAIL("no exception");
    } catch (const FormatError& e) {
      CHECK(has(e.what(), "huff.jpg"));
      CHECK(has(e.what(), "a Huffman table declares 512 codes"));
    }
  }
  // A valid JPEG still decodes with a fill byte in front, to the same pixels.
  auto img = ByteTensor::empty({3, 8, 8});
  for (std::int64_t i = 0; i < img.numel(); ++i) img.data()[i] = static_cast<std::uint8_t>(i * 5);
  const auto jpg = vision::encode_jpeg(img, 90);
  auto filled = jpg;
  filled.insert(filled.begin(), 0xFF);
  const auto a = vision::decode_image(jpg), b = vision::decode_image(filled);
  REQUIRE(b.shape() == a.shape());
  CHECK(std::equal(a.data(), a.data() + a.numel(), b.data()));
}

// fuzz_image: stb_image 2.27 decoded a scan whose Huffman table no DHT segment defined,
// reading the table's uninitialised memory (an out-of-bounds read at a garbage offset).
TEST_CASE("a JPEG scan using an undefined Huffman table is refused") {
  auto img = ByteTensor::empty({3, 8, 8});
  for (std::int64_t i = 0; i < img.numel(); ++i) img.data()[i] = static_cast<std::uint8_t>(i * 3);
  auto jpg = vision::encode_jpeg(img, 90);
  REQUIRE(vision::decode_image(jpg).shape() == Shape{3, 8, 8});
  // SOS: FF DA, length, Ns, Ns x (component id, DC << 4 | AC table): point them at table 2.
  std::size_t sos = 0;
  for (std::size_t i = 0; i + 1 < jpg.size(); ++i)
    if (jpg[i] == 0xFF && jpg[i + 1] == 0xDA) sos = i;
  REQUIRE(sos > 0);
  REQUIRE(jpg[sos + 4] == 3);
  for (std::size_t c = 0; c < 3; ++c) jpg[sos + 6 + 2 * c] = 0x22;
  try {
    (void)vision::decode_image(jpg, vision::ImageReadMode::UNCHANGED, "tables.jpg");
    FAIL("no exception");
  } catch (const FormatError& e) {
    CHECK(has(e.what(), "tables.jpg"));
    CHECK(has(e.what(), "a scan uses a Huffman table that was never defined"));
  }
}

// The screens above refuse only broken files: every valid seed of fuzz/corpus/image decodes.
TEST_CASE("every valid image of the fuzz seed corpus decodes in every read mode") {
  int decoded = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(TORCHLET_SOURCE_DIR "/fuzz/corpus/image")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("regression-", 0) == 0) continue;  // inputs the fuzzer made
    CAPTURE(name);
    const auto bytes = torchlet::detail::read_file(entry.path().string());
    for (int mode = 0; mode <= 4; ++mode) {
      const auto img = vision::decode_image(bytes, static_cast<vision::ImageReadMode>(mode), name);
      CHECK(img.size(1) == 3);
      CHECK(img.size(2) == 4);
      if (mode) CHECK(img.size(0) == mode);
    }
    ++decoded;
  }
  CHECK(decoded >= 16);
}

}  // namespace TORCHLET_TEST_FILE
