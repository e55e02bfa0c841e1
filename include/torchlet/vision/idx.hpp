#pragma once
// The IDX format of MNIST-style datasets (raw or .gz): a big-endian header
// [0, 0, type, ndim] [dim0] ... [dim(ndim-1)], then the data, row-major.
// Only unsigned-byte data (type 0x08) is read, which is what MNIST, Fashion-MNIST,
// KMNIST and EMNIST use; other types are refused with a message naming them.
//
// Every malformed file is a FormatError whose message starts with the file's path:
// empty or short file, wrong magic, wrong number of dimensions, dimensions whose
// product would exceed detail::kMaxDecodedBytes (so a 40-byte file cannot ask for
// 100 GB), truncated data, trailing bytes after the data.
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "torchlet/detail/file.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::vision {

namespace detail {
inline const char* idx_type_name(std::uint8_t type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "short";
    case 0x0C:
      return "int";
    case 0x0D:
      return "float";
    case 0x0E:
      return "double";
    default:
      return "unknown";
  }
}
}  // namespace detail

/// Parses an IDX buffer into a ByteTensor of the shape its header gives. `path` names
/// the file in error messages. `ndim` is the number of dimensions expected (0 = any).
inline ByteTensor parse_idx(std::span<const std::uint8_t> b, const std::string& path,
                            int ndim = 0) {
  if (b.size() < 4)
    throw FormatError(path + ": not an IDX file: " + std::to_string(b.size()) +
                      " bytes is too short for the 4-byte magic number");
  if (b[0] != 0 || b[1] != 0) {
    char magic[16];
    std::snprintf(magic, sizeof magic, "0x%02X%02X%02X%02X", b[0], b[1], b[2], b[3]);
    throw FormatError(path + ": not an IDX file: wrong magic number " + magic +
                      " (expected 0x000008NN: unsigned-byte IDX data with NN dimensions)");
  }
  if (b[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02X", b[2]);
    throw FormatError(path + ": unsupported IDX data type " + type + " (" +
                      detail::idx_type_name(b[2]) +
                      "); only unsigned-byte data (0x08) is supported");
  }
  const int nd = b[3];
  if (ndim && nd != ndim)
    throw FormatError(path + ": wrong rank: expected " + std::to_string(ndim) +
                      " dimensions (magic 0x0000080" + std::to_string(ndim) + "), found " +
                      std::to_string(nd));
  if (nd == 0) throw FormatError(path + ": IDX file with zero dimensions");
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(nd);
  if (b.size() < header)
    throw FormatError(path + ": truncated header (" + std::to_string(b.size()) + " bytes, the " +
                      std::to_string(nd) + " dimensions need " + std::to_string(header) + ")");
  Shape shape;
  // The product of the non-zero dimensions is checked against the limit (a shape such as
  // [4294967295, 4294967295, 0] is corrupt even though it holds no element).
  std::uint64_t nonzero = 1;
  bool too_big = false, empty = false;
  for (int d = 0; d < nd; ++d) {
    const std::uint8_t* p = b.data() + 4 + 4 * static_cast<std::ptrdiff_t>(d);
    const std::uint64_t v = (std::uint64_t{p[0]} << 24) | (std::uint64_t{p[1]} << 16) |
                            (std::uint64_t{p[2]} << 8) | p[3];
    shape.push_back(static_cast<std::int64_t>(v));
    if (v == 0) empty = true;
    // nonzero <= 2^31 and v < 2^32 before the product: it cannot overflow 64 bits.
    else if (!too_big)
      nonzero *= v;
    if (nonzero > detail::kMaxDecodedBytes) too_big = true;
  }
  const std::uint64_t have = b.size() - header;
  const std::uint64_t total = empty ? 0 : nonzero;
  if (too_big)
    throw FormatError(path + ": dimensions " + to_string(shape) + " describe more than " +
                      std::to_string(detail::kMaxDecodedBytes) + " bytes of data (the file holds " +
                      std::to_string(have) + "): corrupt header");
  if (have < total)
    throw FormatError(path + ": truncated: dimensions " + to_string(shape) + " need " +
                      std::to_string(total) + " bytes of data, found " + std::to_string(have));
  if (have > total)
    throw FormatError(path + ": " + std::to_string(have - total) +
                      " unexpected trailing bytes after the data of shape " + to_string(shape));
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
