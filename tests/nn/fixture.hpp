#pragma once
// Test helpers: reads the PyTorch reference files written by scripts/make_nn_fixtures.py
// (format "TLFX1": a header line per tensor, "<name> <f32|f64|i64> <ndim> <dims...>",
// followed by its raw little-endian data) and compares tensors with a relative tolerance.
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include <torchlet/tensor.hpp>

namespace fixture {

struct Entry {
  std::string kind;
  torchlet::Shape shape;
  std::string bytes;
};

class File {
 public:
  explicit File(const std::string& name)
      : path_(std::string(TORCHLET_SOURCE_DIR) + "/tests/fixtures/nn/" + name) {
    std::ifstream in(path_, std::ios::binary);
    if (!in)
      throw std::runtime_error("fixture: cannot open " + path_ +
                               " (run scripts/make_nn_fixtures.py)");
    std::string line;
    std::getline(in, line);
    if (line != "TLFX1") throw std::runtime_error("fixture: " + path_ + " is not a TLFX1 file");
    while (std::getline(in, line)) {
      std::istringstream h(line);
      std::string name;
      Entry e;
      int nd = 0;
      h >> name >> e.kind >> nd;
      std::int64_t n = 1;
      for (int i = 0; i < nd; ++i) {
        std::int64_t d = 0;
        h >> d;
        e.shape.push_back(d);
        n *= d;
      }
      const std::size_t width = e.kind == "f32" ? 4 : 8;
      e.bytes.resize(static_cast<std::size_t>(n) * width);
      in.read(e.bytes.data(), static_cast<std::streamsize>(e.bytes.size()));
      if (!in) throw std::runtime_error("fixture: " + path_ + " is truncated at " + name);
      entries_[name] = std::move(e);
    }
  }
  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  torchlet::Tensor tensor(const std::string& name) const {
    const auto& e = get(name);
    auto t = torchlet::Tensor::empty(e.shape);
    if (e.kind == "f32") {
      std::memcpy(t.data(), e.bytes.data(), e.bytes.size());
    } else if (e.kind == "f64") {
      const auto* d = reinterpret_cast<const double*>(e.bytes.data());
      for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<float>(d[i]);
    } else {
      throw std::runtime_error("fixture: " + name + " is not a float tensor");
    }
    return t;
  }
  torchlet::LongTensor longs(const std::string& name) const {
    const auto& e = get(name);
    if (e.kind != "i64") throw std::runtime_error("fixture: " + name + " is not an int64 tensor");
    auto t = torchlet::LongTensor::empty(e.shape);
    std::memcpy(t.data(), e.bytes.data(), e.bytes.size());
    return t;
  }
  std::vector<double> doubles(const std::string& name) const {
    const auto& e = get(name);
    std::vector<double> out;
    if (e.kind == "f64") {
      out.resize(e.bytes.size() / 8);
      std::memcpy(out.data(), e.bytes.data(), e.bytes.size());
    } else {
      auto t = tensor(name);
      out.assign(t.data(), t.data() + t.numel());
    }
    return out;
  }
  double scalar(const std::string& name) const { return doubles(name).at(0); }

 private:
  const Entry& get(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end())
      throw std::runtime_error("fixture: " + path_ + " has no entry '" + name + "'");
    return it->second;
  }
  std::string path_;
  std::map<std::string, Entry> entries_;
};

/// "" if |a - b| <= rtol * max(|b|, floor) elementwise and the shapes agree, else a
/// description of the worst element. `floor` keeps values far below the tensor's scale
/// (tails of gelu, 1 - tanh^2 near saturation) from demanding more than float32 gives:
/// by default 0.1 of the largest |b|, so those get an absolute tolerance of rtol / 10 of it.
inline std::string mismatch(const torchlet::Tensor& a, const torchlet::Tensor& b,
                            double rtol = 1e-5, double floor = -1) {
  if (!a.defined() || !b.defined())
    return a.defined() == b.defined() ? "" : "one tensor is undefined";
  if (a.shape() != b.shape())
    return "shape " + torchlet::to_string(a.shape()) + " vs " + torchlet::to_string(b.shape());
  double scale = 0;
  for (std::int64_t i = 0; i < b.numel(); ++i)
    scale = std::max(scale, std::abs(double(b.data()[i])));
  if (floor < 0) floor = 0.1 * scale;
  double worst = 0;
  std::int64_t at = -1;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.data()[i], y = b.data()[i];
    const double err = std::abs(x - y) / std::max({std::abs(y), floor, 1e-30});
    if (!(err <= worst)) {  // also catches NaN
      worst = err;
      at = i;
    }
  }
  if (worst <= rtol) return "";
  std::ostringstream os;
  os.precision(9);
  os << "relative error " << worst << " at element " << at << ": " << a.data()[at] << " vs "
     << b.data()[at];
  return os.str();
}

}  // namespace fixture
