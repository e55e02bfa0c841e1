// Fuzzes detail::inflate, the raw DEFLATE decoder behind gunzip and the zip reader. Input:
// a little-endian u32 output size (taken modulo 64 KiB + 1: larger outputs only repeat the same
// loops), then the stream; the seeds in fuzz/corpus/inflate/ are streams Python's zlib made
// (scripts/make_inflate_fixtures.py). Any input either decodes or throws FormatError. Differential
// check: whenever torchlet decodes a stream, stb_image's zlib (an independent decoder, given the
// same stream padded with zeros, as it needs) must decode it to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <torchlet/detail/inflate.hpp>
#include <torchlet/detail/stb_image.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const std::uint32_t declared =
      static_cast<std::uint32_t>(data[0] | (data[1] << 8) | (data[2] << 16) |
                                 (std::uint32_t{data[3]} << 24)) %
      ((1u << 16) + 1);
  // An exact-size copy, so ASan sees any read past the stream.
  const std::vector<std::uint8_t> in(data + 4, data + size);
  std::vector<std::uint8_t> out(declared);
  torchlet::detail::InflateResult r;
  try {
    r = torchlet::detail::inflate(in, out, "fuzz");
  } catch (const torchlet::FormatError&) {
    return 0;
  }
  if (r.written > out.size() || r.consumed > in.size() || (in.size() > 0 && r.consumed == 0))
    std::abort();
  std::vector<std::uint8_t> padded(in);
  padded.resize(in.size() + 16, 0);
  std::vector<std::uint8_t> ref(out.size() + 1);
  const int n = stbi_zlib_decode_noheader_buffer(
      reinterpret_cast<char*>(ref.data()), static_cast<int>(ref.size()),
      reinterpret_cast<const char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0 || static_cast<std::size_t>(n) != r.written ||
      (r.written > 0 && std::memcmp(ref.data(), out.data(), r.written) != 0))
    std::abort();
  return 0;
}
