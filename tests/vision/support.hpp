#pragma once
// Helpers shared by the vision and io tests: a temporary directory, byte files, fixtures
// (safetensors files made by scripts/make_io_*.py) and tensor comparisons.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <sys/wait.h>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>

namespace test {

namespace fs = std::filesystem;

/// A fresh directory under the system's temp dir, removed with its contents at scope end.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("torchlet_test_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}
inline void write_text(const std::string& path, const std::string& text) {
  write_bytes(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}
inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline std::string fixture_path(const std::string& rel) {
  return std::string(TORCHLET_SOURCE_DIR) + "/tests/fixtures/" + rel;
}

/// A fixture file, loaded once per test program.
inline const torchlet::io::SafetensorsFile& fixture(const std::string& rel) {
  static std::map<std::string, torchlet::io::SafetensorsFile> cache;
  auto it = cache.find(rel);
  if (it == cache.end()) it = cache.emplace(rel, torchlet::io::load_file(fixture_path(rel))).first;
  return it->second;
}

/// Largest |a - b| (inf when the shapes differ).
template <class A, class B>
double max_abs_diff(const torchlet::BasicTensor<A>& a, const torchlet::BasicTensor<B>& b) {
  if (a.shape() != b.shape()) return 1e300;
  double m = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, std::abs(static_cast<double>(a.data()[i]) - static_cast<double>(b.data()[i])));
  return m;
}
template <class T>
bool equal(const torchlet::BasicTensor<T>& a, const torchlet::BasicTensor<T>& b) {
  return a.shape() == b.shape() && a.to_vector() == b.to_vector();
}

/// A gzip file holding `data` in stored (uncompressed) deflate blocks, with a correct CRC.
inline std::vector<std::uint8_t> gzip_stored(const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> out{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, data.size() - pos);
    const bool last = pos + n == data.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<std::uint8_t>(n & 0xFF));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(~n & 0xFF));
    out.push_back(static_cast<std::uint8_t>((~n >> 8) & 0xFF));
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
               data.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  } while (pos < data.size());
  const std::uint32_t crc = torchlet::detail::crc32(data.data(), data.size());
  const auto size = static_cast<std::uint32_t>(data.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
  return out;
}

/// A big-endian IDX file: magic 0x000008NN, dims, data.
inline std::vector<std::uint8_t> idx_bytes(const std::vector<std::uint32_t>& dims,
                                           const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> out{0, 0, 8, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(d >> s));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

/// True when the exception's message contains `what`.
inline bool mentions(const std::exception& e, const std::string& what) {
  return std::string(e.what()).find(what) != std::string::npos;
}

/// The Python that runs the interop scripts: $TORCHLET_PYTHON, else /usr/bin/python3.
inline const char* python() {
  const char* env = std::getenv("TORCHLET_PYTHON");
  return env && *env ? env : "/usr/bin/python3";
}
/// Runs a shell command; its exit status, or -1 when it did not exit normally.
inline int run(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
/// True when python() can import torch.
inline bool have_torch() {
  static const bool ok = run(std::string(python()) + " -c \"import torch\" > /dev/null 2>&1") == 0;
  return ok;
}

}  // namespace test
