#pragma once
// Test helpers: reads the PyTorch reference files written by scripts/make_nn_fixtures.py
// (tests/fixtures/nn/*.safetensors, tensors named "<case>/<what>", read with
// torchlet::io::load_file) and compares tensors with a relative tolerance.
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>

namespace fixture {

/// The names of named_parameters() / named_buffers() / state_dict() entries, in order.
inline std::vector<std::string> names_of(
    const std::vector<std::pair<std::string, torchlet::Tensor>>& v) {
  std::vector<std::string> out;
  for (const auto& [n, t] : v) out.push_back(n);
  return out;
}

class File {
 public:
  /// tests/fixtures/nn/<name>, e.g. "layers.safetensors".
  explicit File(const std::string& name)
      : path_(std::string(TORCHLET_SOURCE_DIR) + "/tests/fixtures/nn/" + name),
        file_(torchlet::io::load_file(path_)) {}
  bool has(const std::string& name) const { return file_.contains(name); }
  /// A float32 or float64 entry as a new float32 tensor (a copy: the caller may make it
  /// require grad without touching the file's tensors).
  torchlet::Tensor tensor(const std::string& name) const {
    const auto& t = get(name);
    if (!std::holds_alternative<torchlet::Tensor>(t) &&
        !std::holds_alternative<torchlet::DoubleTensor>(t))
      throw std::runtime_error("fixture: " + name + " is not a float tensor");
    return torchlet::io::to_dtype<float>(t).clone();
  }
  /// An int64 entry (a copy).
  torchlet::LongTensor longs(const std::string& name) const {
    const auto& t = get(name);
    if (!std::holds_alternative<torchlet::LongTensor>(t))
      throw std::runtime_error("fixture: " + name + " is not an int64 tensor");
    return std::get<torchlet::LongTensor>(t).clone();
  }
  /// A float entry's values (float64 ones exactly).
  std::vector<double> doubles(const std::string& name) const {
    return torchlet::io::to_dtype<double>(get(name)).to_vector();
  }
  double scalar(const std::string& name) const { return doubles(name).at(0); }

 private:
  const torchlet::io::AnyTensor& get(const std::string& name) const {
    if (!file_.contains(name))
      throw std::runtime_error("fixture: " + path_ + " has no entry '" + name + "'");
    return file_.at(name);
  }
  std::string path_;
  torchlet::io::SafetensorsFile file_;
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
