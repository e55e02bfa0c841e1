#pragma once
// Whole-file reading, atomic whole-file writing and gzip decoding (RFC 1952; the
// deflate stream is decoded by detail/inflate.hpp). Errors are FormatError naming the file.
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>
#define TORCHLET_POSIX_FILES 1
#endif

#include "torchlet/detail/inflate.hpp"
#include "torchlet/errors.hpp"

namespace torchlet::detail {

/// No single decoded buffer (a decompressed file, an IDX payload, a decoded image) may
/// exceed this many bytes: a small file must not be able to make the library allocate
/// gigabytes.
inline constexpr std::uint64_t kMaxDecodedBytes = std::uint64_t{1} << 31;

/// Deflate expands at most ~1032:1 (a 258-byte match coded in 2 bits); a gzip trailer that
/// claims more than this per compressed byte is a lie, rejected before allocating.
inline constexpr std::uint64_t kMaxDeflateRatio = 1033;

/// The bytes of a regular file. Throws FormatError "<path>: cannot open file (<reason>)".
inline std::vector<std::uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    throw FormatError(path + ": cannot open file (" +
                      (ec ? ec.message() : std::string("no such file")) + ")");
  if (std::filesystem::is_directory(status))
    throw FormatError(path + ": cannot open file (it is a directory)");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw FormatError(path + ": cannot open file (" + std::strerror(errno) + ")");
  const auto size = in.tellg();
  if (size < 0) throw FormatError(path + ": cannot determine the file size");
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(buf.data()), size))
    throw FormatError(path + ": read error");
  return buf;
}

/// Writes `bytes` to `path` (replacing it). `op` names the caller in error messages.
inline void write_file(const std::string& path, std::span<const std::uint8_t> bytes,
                       const char* op) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FormatError(std::string(op) + ": cannot write '" + path + "': it is a directory");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw FormatError(std::string(op) + ": cannot open '" + path + "' for writing (" +
                      std::strerror(errno) + ")");
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw FormatError(std::string(op) + ": write error on '" + path + "'");
}

/// Writes `bytes` to `path` so that a crash never leaves a half-written file there: the
/// data goes to a temporary file in the same directory, is flushed to disk (fsync), and
/// is renamed over `path` (atomic on POSIX); the directory is then fsync'd too.
/// `op` names the caller in error messages ("save", "write_png"). Throws FormatError.
inline void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes,
                              const char* op) {
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& why) {
    return FormatError(std::string(op) + ": cannot write '" + path + "': " + why);
  };
  const fs::path target(path);
  if (target.filename().empty()) throw fail("the path names a directory, not a file");
  std::error_code ec;
  if (fs::is_directory(target, ec)) throw fail("it is a directory");
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) throw fail("directory '" + dir.string() + "' does not exist");
  // Unique in the directory: pid + address of a local + a counter.
  static std::atomic<std::uint64_t> counter{0};
  const std::uint64_t tag =
      (reinterpret_cast<std::uintptr_t>(&ec) >> 4) ^ (++counter * 0x9E3779B97F4A7C15ULL);
#ifdef TORCHLET_POSIX_FILES
  const std::string tmp = (dir / ("." + target.filename().string() + ".tmp." +
                                  std::to_string(::getpid()) + "." + std::to_string(tag)))
                              .string();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    throw fail(std::string("cannot create a temporary file in '") + dir.string() +
               "': " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ::ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw fail("write error: " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw fail("cannot flush the data to disk: " + why);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw fail("cannot rename the temporary file over it: " + why);
  }
  // Make the rename itself durable (best effort: some file systems refuse fsync on a directory).
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
#else
  const fs::path tmp = dir / ("." + target.filename().string() + ".tmp." + std::to_string(tag));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw fail("cannot create a temporary file in '" + dir.string() + "'");
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      throw fail("write error");
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw fail("cannot rename the temporary file over it: " + ec.message());
  }
#endif
}

inline bool is_gzip(std::span<const std::uint8_t> b) {
  return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

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

/// Decodes a single-member gzip buffer; `path` is used in error messages. The size the
/// trailer declares is checked against kMaxDecodedBytes and against what the compressed
/// bytes could possibly expand to before anything is allocated.
inline std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> b, const std::string& path) {
  auto fail = [&](const std::string& why) {
    return FormatError(path + ": invalid gzip data: " + why);
  };
  if (b.size() < 18) throw fail("file is truncated (" + std::to_string(b.size()) + " bytes)");
  if (!is_gzip(b)) throw fail("wrong magic number");
  if (b[2] != 8) throw fail("unsupported compression method " + std::to_string(b[2]));
  const std::uint8_t flags = b[3];
  std::size_t pos = 10;
  if (flags & 0x04) {  // FEXTRA
    if (pos + 2 > b.size()) throw fail("truncated header");
    pos += 2 + static_cast<std::size_t>(b[pos] | (b[pos + 1] << 8));
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
  const std::uint32_t isize =
      b[tail] | (b[tail + 1] << 8) | (b[tail + 2] << 16) | (std::uint32_t{b[tail + 3]} << 24);
  const std::size_t in_len = b.size() - pos;
  if (isize > kMaxDecodedBytes)
    throw fail("declared size " + std::to_string(isize) + " bytes exceeds the limit");
  if (isize > (in_len - 8) * kMaxDeflateRatio + 1024)
    throw fail("declared size " + std::to_string(isize) + " bytes is more than " +
               std::to_string(in_len - 8) +
               " compressed bytes can hold (corrupt or truncated file)");
  std::vector<std::uint8_t> out(isize);
  // The deflate stream lies between the header and the 8-byte trailer.
  const std::string what = path + ": invalid gzip data";
  const std::size_t n = inflate(b.subspan(pos, in_len - 8), out, what.c_str()).written;
  if (n != isize)
    throw fail("decoded " + std::to_string(n) + " bytes but the trailer says " +
               std::to_string(isize));
  // CRC-32 check of the decoded data.
  const std::uint32_t crc = crc32(out.data(), out.size());
  const std::size_t c = b.size() - 8;
  const std::uint32_t want =
      b[c] | (b[c + 1] << 8) | (b[c + 2] << 16) | (std::uint32_t{b[c + 3]} << 24);
  if (crc != want) throw fail("CRC-32 mismatch (corrupt data)");
  return out;
}

}  // namespace torchlet::detail
