#pragma once
// A small zip archive reader and writer, as much of the format as PyTorch's checkpoint
// files (torch.save since 1.6) need: the end-of-central-directory record (zip64 too), the
// central directory, entries stored (method 0) or deflated (method 8, decoded by
// detail/inflate.hpp), CRC-32 checked. No encryption, no multi-disk archives.
//
// Reading validates before it allocates: every offset and size lies inside the file, the
// sizes the directory declares are bounded (detail::kMaxDecodedBytes, and what the
// compressed bytes could expand to), names are unique. Errors are FormatError
// "<path>: invalid zip archive: <what was expected>, <what was found>".
//
// Writing stores entries uncompressed, each entry's data aligned to 64 bytes (the
// alignment PyTorch's own writer uses, so readers may map the data), with a classic
// (non-zip64) directory: archives are limited to 4 GiB.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchlet/detail/file.hpp"
#include "torchlet/detail/inflate.hpp"
#include "torchlet/detail/namespaces.hpp"

namespace torchlet::io {

/// One entry of a zip archive's central directory.
struct ZipEntry {
  /// The entry's name ("archive/data.pkl").
  std::string name;
  /// 0: stored, 8: deflated.
  std::uint16_t method = 0;
  /// The CRC-32 of the uncompressed data.
  std::uint32_t crc = 0;
  ///@{
  /// Sizes of the data in the archive and once decompressed.
  std::uint64_t compressed_size = 0, size = 0;
  ///@}
  /// Where the entry's data starts in the archive.
  std::uint64_t data_offset = 0;
};

/// A zip archive held in memory: its directory, and its entries' data on demand.
class ZipReader {
 public:
  /// Parses the directory of `bytes` (which must outlive the reader); `path` names the
  /// archive in errors. Throws FormatError.
  ZipReader(std::span<const std::uint8_t> bytes, std::string path)
      : bytes_(bytes), path_(std::move(path)) {
    parse();
  }

  /// The entries, in directory order.
  const std::vector<ZipEntry>& entries() const noexcept { return entries_; }
  /// The entry called `name`, or nullptr.
  const ZipEntry* find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }
  /// The decompressed, CRC-checked data of an entry. Throws FormatError.
  std::vector<std::uint8_t> read(const ZipEntry& e) const {
    std::vector<std::uint8_t> out;
    const std::uint8_t* src = bytes_.data() + e.data_offset;
    if (e.method == 0) {
      out.assign(src, src + e.size);
    } else {
      out.resize(static_cast<std::size_t>(e.size));
      const std::string what = path_ + ": invalid zip archive: entry '" + e.name + "'";
      const std::size_t n =
          detail::inflate({src, static_cast<std::size_t>(e.compressed_size)}, out, what.c_str())
              .written;
      if (n != e.size)
        throw fail("entry '" + e.name + "': the directory declares " + std::to_string(e.size) +
                   " bytes, the deflate stream holds " + std::to_string(n));
    }
    const std::uint32_t crc = detail::crc32(out.data(), out.size());
    if (crc != e.crc)
      throw fail("entry '" + e.name + "': CRC-32 mismatch (expected " + hex(e.crc) + ", found " +
                 hex(crc) + ")");
    return out;
  }

 private:
  FormatError fail(const std::string& why) const {
    return FormatError(path_ + ": invalid zip archive: " + why);
  }
  static std::string hex(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
  }
  std::uint64_t le(std::uint64_t at, int n) const {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | bytes_[static_cast<std::size_t>(at) + i];
    return v;
  }
  void need(std::uint64_t at, std::uint64_t n, const char* what) const {
    if (at > bytes_.size() || n > bytes_.size() - at)
      throw fail(std::string(what) + " at offset " + std::to_string(at) + " (" + std::to_string(n) +
                 " bytes) goes past the end of the file (" + std::to_string(bytes_.size()) +
                 " bytes)");
  }

  void parse() {
    const std::uint64_t size = bytes_.size();
    if (size < 22)
      throw fail("expected an end-of-central-directory record, the file has only " +
                 std::to_string(size) + " bytes");
    // The record is the last 22 bytes plus a comment of at most 65535 bytes.
    std::uint64_t eocd = size - 22;
    const std::uint64_t lowest = size - 22 > 65535 ? size - 22 - 65535 : 0;
    while (le(eocd, 4) != 0x06054b50) {
      if (eocd == lowest) throw fail("no end-of-central-directory record found");
      --eocd;
    }
    std::uint64_t count = le(eocd + 10, 2), cd_size = le(eocd + 12, 4),
                  cd_offset = le(eocd + 16, 4);
    if (le(eocd + 4, 2) != 0 || le(eocd + 6, 2) != 0)
      throw fail("multi-disk archives are not supported");
    if (eocd >= 20 && le(eocd - 20, 4) == 0x07064b50) {  // zip64 locator
      const std::uint64_t z = le(eocd - 20 + 8, 8);
      need(z, 56, "zip64 end-of-central-directory record");
      if (le(z, 4) != 0x06064b50)
        throw fail("the zip64 locator points at offset " + std::to_string(z) +
                   ", which holds no zip64 end-of-central-directory record");
      count = le(z + 32, 8);
      cd_size = le(z + 40, 8);
      cd_offset = le(z + 48, 8);
    }
    need(cd_offset, cd_size, "central directory");
    if (count > cd_size / 46)
      throw fail("the directory declares " + std::to_string(count) + " entries, its " +
                 std::to_string(cd_size) + " bytes hold at most " + std::to_string(cd_size / 46));
    std::uint64_t at = cd_offset;
    const std::uint64_t end = cd_offset + cd_size;
    for (std::uint64_t i = 0; i < count; ++i) {
      if (at + 46 > end) throw fail("central directory entry " + std::to_string(i) + " truncated");
      if (le(at, 4) != 0x02014b50)
        throw fail("expected central directory entry " + std::to_string(i) + " at offset " +
                   std::to_string(at) + ", found other bytes");
      ZipEntry e;
      const auto flags = le(at + 8, 2);
      e.method = static_cast<std::uint16_t>(le(at + 10, 2));
      e.crc = static_cast<std::uint32_t>(le(at + 16, 4));
      e.compressed_size = le(at + 20, 4);
      e.size = le(at + 24, 4);
      const auto name_len = le(at + 28, 2), extra_len = le(at + 30, 2),
                 comment_len = le(at + 32, 2);
      std::uint64_t local = le(at + 42, 4);
      if (at + 46 + name_len + extra_len + comment_len > end)
        throw fail("central directory entry " + std::to_string(i) + " goes past the directory");
      e.name.assign(reinterpret_cast<const char*>(bytes_.data() + at + 46),
                    static_cast<std::size_t>(name_len));
      // zip64 extended information: the fields saturated at 0xFFFFFFFF, in this order.
      std::uint64_t x = at + 46 + name_len;
      const std::uint64_t x_end = x + extra_len;
      while (x + 4 <= x_end) {
        const auto id = le(x, 2), len = le(x + 2, 2);
        if (x + 4 + len > x_end) throw fail("entry '" + e.name + "': malformed extra field");
        if (id == 1) {
          std::uint64_t p = x + 4;
          for (std::uint64_t* f : {&e.size, &e.compressed_size, &local}) {
            if (*f != 0xFFFFFFFFu) continue;
            if (p + 8 > x + 4 + len) throw fail("entry '" + e.name + "': truncated zip64 field");
            *f = le(p, 8);
            p += 8;
          }
        }
        x += 4 + len;
      }
      at += 46 + name_len + extra_len + comment_len;
      if (flags & 1) throw fail("entry '" + e.name + "' is encrypted");
      if (e.method != 0 && e.method != 8)
        throw fail("entry '" + e.name + "': expected compression method 0 (stored) or 8 " +
                   "(deflated), found " + std::to_string(e.method));
      need(local, 30, ("local header of '" + e.name + "'").c_str());
      if (le(local, 4) != 0x04034b50)
        throw fail("entry '" + e.name + "': no local header at offset " + std::to_string(local));
      e.data_offset = local + 30 + le(local + 26, 2) + le(local + 28, 2);
      need(e.data_offset, e.compressed_size, ("data of '" + e.name + "'").c_str());
      if (e.size > detail::kMaxDecodedBytes)
        throw fail("entry '" + e.name + "' declares " + std::to_string(e.size) +
                   " bytes, more than the limit of " + std::to_string(detail::kMaxDecodedBytes));
      if (e.method == 0 && e.size != e.compressed_size)
        throw fail("stored entry '" + e.name + "' declares " + std::to_string(e.size) +
                   " bytes but occupies " + std::to_string(e.compressed_size));
      if (e.method == 8 && e.size > e.compressed_size * detail::kMaxDeflateRatio + 1024)
        throw fail("entry '" + e.name + "' declares " + std::to_string(e.size) +
                   " bytes, more than its " + std::to_string(e.compressed_size) +
                   " compressed bytes can hold");
      if (index_.count(e.name)) throw fail("duplicate entry '" + e.name + "'");
      index_.emplace(e.name, entries_.size());
      entries_.push_back(std::move(e));
    }
  }

  std::span<const std::uint8_t> bytes_;
  std::string path_;
  std::vector<ZipEntry> entries_;
  std::map<std::string, std::size_t> index_;
};

/// Builds a zip archive in memory, entries stored uncompressed with 64-byte aligned data.
class ZipWriter {
 public:
  /// Appends an entry. Throws std::invalid_argument past 4 GiB (no zip64 writing).
  void add(const std::string& name, std::span<const std::uint8_t> data) {
    if (name.size() > 0xFFFF) throw std::invalid_argument("zip: entry name too long");
    const std::uint64_t local = out_.size();
    // Pad the local header's extra field so that the data starts on a 64-byte boundary.
    std::uint64_t pad = (64 - (local + 30 + name.size() + 4) % 64) % 64;
    const std::uint32_t crc = detail::crc32(data.data(), data.size());
    if (local + 30 + name.size() + 4 + pad + data.size() > 0xFFFFFFFFu)
      throw std::invalid_argument("zip: archives over 4 GiB are not supported");
    put(0x04034b50, 4);
    put(20, 2);    // version needed
    put(0, 2);     // flags
    put(0, 2);     // stored
    put(0, 2);     // time
    put(0x21, 2);  // date: 1980-01-01
    put(crc, 4);
    put(data.size(), 4);
    put(data.size(), 4);
    put(name.size(), 2);
    put(4 + pad, 2);
    out_.insert(out_.end(), name.begin(), name.end());
    put(0x4246, 2);  // "FB": padding, as PyTorch's writer names it
    put(pad, 2);
    out_.insert(out_.end(), static_cast<std::size_t>(pad), std::uint8_t{'Z'});
    out_.insert(out_.end(), data.begin(), data.end());
    dir_.push_back({name, crc, data.size(), local});
  }
  /// The archive: entries, central directory, end record.
  std::vector<std::uint8_t> finish() {
    const std::uint64_t cd = out_.size();
    for (const auto& d : dir_) {
      put(0x02014b50, 4);
      put(20, 2);  // made by
      put(20, 2);  // needed
      put(0, 2);
      put(0, 2);
      put(0, 2);
      put(0x21, 2);
      put(d.crc, 4);
      put(d.size, 4);
      put(d.size, 4);
      put(d.name.size(), 2);
      put(0, 2);  // extra
      put(0, 2);  // comment
      put(0, 2);  // disk
      put(0, 2);  // internal attributes
      put(0, 4);  // external attributes
      put(d.offset, 4);
      out_.insert(out_.end(), d.name.begin(), d.name.end());
    }
    const std::uint64_t cd_size = out_.size() - cd;
    if (dir_.size() > 0xFFFF || out_.size() > 0xFFFFFFFFu)
      throw std::invalid_argument("zip: too many entries or too large for a classic archive");
    put(0x06054b50, 4);
    put(0, 2);
    put(0, 2);
    put(dir_.size(), 2);
    put(dir_.size(), 2);
    put(cd_size, 4);
    put(cd, 4);
    put(0, 2);
    return std::move(out_);
  }

 private:
  struct Dir {
    std::string name;
    std::uint32_t crc;
    std::uint64_t size, offset;
  };
  void put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t> out_;
  std::vector<Dir> dir_;
};

}  // namespace torchlet::io
