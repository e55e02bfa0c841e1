// Printing: operator<< reproduces str(tensor) of PyTorch character for character,
// including scientific notation, line wrapping and summarisation of large tensors (the
// tensors in tests/fixtures/tensor/print.safetensors, PyTorch's printed text in
// print.txt, both written by scripts/make_tensor_fixtures.py), one test case per fixture
// case ("<case> prints as PyTorch prints it").
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {

const io::SafetensorsFile& tensors() {
  static const io::SafetensorsFile f =
      io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/print.safetensors");
  return f;
}

struct Expected {
  bool requires_grad = false;
  std::string text;
};

/// print.txt: case name -> whether the tensor requires grad, and how PyTorch prints it.
const std::map<std::string, Expected>& expected() {
  static const std::map<std::string, Expected> cases = [] {
    std::ifstream file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/print.txt");
    if (!file) throw std::runtime_error("cannot open tests/fixtures/tensor/print.txt");
    std::map<std::string, Expected> out;
    std::string line;
    while (std::getline(file, line)) {
      if (line.rfind("case ", 0) != 0) continue;
      Expected& e = out[line.substr(5)];
      std::string rg_line, repr_line;
      std::getline(file, rg_line);
      std::getline(file, repr_line);
      e.requires_grad = rg_line == "requires_grad 1";
      const int n = std::stoi(repr_line.substr(5));
      for (int i = 0; i < n; ++i) {
        std::getline(file, line);
        e.text += (i ? "\n" : "") + line;
      }
    }
    return out;
  }();
  return cases;
}

template <class T>
std::string printed(BasicTensor<T> t, bool requires_grad) {
  if (requires_grad) t.requires_grad_();
  std::ostringstream os;
  os << t;
  return os.str();
}

std::set<std::string>& registered_cases() {
  static std::set<std::string> names;
  return names;
}
bool register_case(const char* name) { return registered_cases().insert(name).second; }

void check_print(const std::string& name) {
  REQUIRE(expected().count(name));
  REQUIRE(tensors().contains(name));
  const Expected& e = expected().at(name);
  const std::string got = std::visit(
      [&](const auto& t) { return printed(t.clone(), e.requires_grad); }, tensors().at(name));
  CHECK(got == e.text);
}

}  // namespace

#define PRINT_CAT2(a, b) a##b
#define PRINT_CAT(a, b) PRINT_CAT2(a, b)
/// PRINTS("case"): the test case "case prints as PyTorch prints it" (check_print).
#define PRINTS(name)                                                                \
  TEST_CASE(name " prints as PyTorch prints it", "[parity]") { check_print(name); } \
  [[maybe_unused]] static const bool PRINT_CAT(print_registered_, __COUNTER__) = register_case(name)

PRINTS("small");
PRINTS("ints_as_float");
PRINTS("mixed_width");
PRINTS("sci_small");
PRINTS("sci_large");
PRINTS("sci_ratio");
PRINTS("negative_zero_one");
PRINTS("long");
PRINTS("scalar");
PRINTS("scalar_grad");
PRINTS("double");
PRINTS("empty");
PRINTS("empty_2d");
PRINTS("nan_inf");
PRINTS("cube");
PRINTS("summarized_1d");
PRINTS("summarized_2d");
PRINTS("summarized_3d");
PRINTS("random");

TEST_CASE("every print fixture case has a test case and every test case a fixture") {
  CHECK(expected().size() >= 19);
  CHECK(expected().size() == tensors().tensors.size());
  for (const auto& [name, e] : expected())
    if (!registered_cases().count(name)) FAIL_CHECK("no PRINTS(\"" << name << "\") in print.cpp");
  for (const auto& name : registered_cases())
    if (!expected().count(name)) FAIL_CHECK("no case " << name << " in print.txt");
}

TEST_CASE("a result prints its grad_fn and print options apply") {
  auto x = tensor<float>({1.f, 2.f});
  x.requires_grad_();
  std::ostringstream os;
  os << x * 2.f;
  CHECK(os.str() == "tensor([2., 4.], grad_fn=<MulBackward0>)");
  os.str("");
  os << (x + x).sum();
  CHECK(os.str() == "tensor(6., grad_fn=<SumBackward0>)");
  const auto saved = get_printoptions();
  PrintOptions two_digits;
  two_digits.precision = 2;
  set_printoptions(two_digits);
  os.str("");
  os << tensor<float>({0.125f, 1.5f});
  CHECK(os.str() == "tensor([0.12, 1.50])");
  set_printoptions(saved);
  os.str("");
  os << tensor<bool>({true, false}) << ' '
     << BasicTensor<std::int32_t>(tensor<std::int32_t>({1, -2}));
  CHECK(os.str() == "tensor([ True, False]) tensor([ 1, -2], dtype=torch.int32)");
  os.str("");
  os << Tensor();
  CHECK(os.str() == "[ undefined tensor ]");
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef PRINT_CAT2
#undef PRINT_CAT
#undef PRINTS
