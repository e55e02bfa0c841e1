#pragma once
// The IDX format of MNIST-style datasets (raw or .gz): a big-endian header
// [0, 0, type, ndim] [dim0] ... [dim(ndim-1)], then the data, row-major.
// Only unsigned-byte data (type 0x08) is supported, which is what these datasets use.
#include <string>
#include <vector>

#include "torchlet/detail/file.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::vision {

/// Parses an IDX buffer; `path` names the file in error messages. Expects `ndim`
/// dimensions (0 = any).
inline ByteTensor parse_idx(const std::vector<std::uint8_t>& b, const std::string& path, int ndim = 0) {
  if (b.size() < 4)
    throw FormatError(path + ": not an IDX file: " + std::to_string(b.size()) + " bytes is too short for the header");
  if (b[0] != 0 || b[1] != 0 || b[2] != 0x08) {
    char magic[16];
    std::snprintf(magic, sizeof magic, "0x%02X%02X%02X%02X", b[0], b[1], b[2], b[3]);
    throw FormatError(path + ": wrong magic number " + magic + " (expected 0x000008NN: unsigned-byte IDX data)");
  }
  const int nd = b[3];
  if (ndim && nd != ndim)
    throw FormatError(path + ": expected " + std::to_string(ndim) + " dimensions (magic 0x0000080" + std::to_string(ndim) +
                      "), found " + std::to_string(nd));
  if (nd == 0) throw FormatError(path + ": IDX file with zero dimensions");
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(nd);
  if (b.size() < header)
    throw FormatError(path + ": truncated header (" + std::to_string(b.size()) + " bytes, need " + std::to_string(header) + ")");
  Shape shape;
  std::uint64_t total = 1;
  for (int d = 0; d < nd; ++d) {
    const std::uint8_t* p = b.data() + 4 + 4 * d;
    const std::uint64_t v = (std::uint64_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    shape.push_back(static_cast<std::int64_t>(v));
    total *= v;
    if (total > detail::kMaxDecodedBytes)
      throw FormatError(path + ": dimensions " + to_string(shape) + " describe more data than the file can hold");
  }
  const std::uint64_t have = b.size() - header;
  if (have < total)
    throw FormatError(path + ": truncated: dimensions " + to_string(shape) + " need " + std::to_string(total) +
                      " bytes of data, found " + std::to_string(have));
  if (have > total)
    throw FormatError(path + ": " + std::to_string(have - total) + " unexpected trailing bytes after the data of shape " +
                      to_string(shape));
  auto t = ByteTensor::empty(shape);
  if (total) std::memcpy(t.data(), b.data() + header, total);
  return t;
}

/// Reads an IDX file, gunzipping it first if it is gzip-compressed.
inline ByteTensor read_idx(const std::string& path, int ndim = 0) {
  auto raw = detail::read_file(path);
  if (detail::is_gzip(raw)) raw = detail::gunzip(raw, path);
  return parse_idx(raw, path, ndim);
}

}  // namespace torchlet::vision
