// Printing: operator<< reproduces str(tensor) of PyTorch character for character,
// including scientific notation, line wrapping and summarisation of large tensors (the
// tensors in tests/fixtures/tensor/print.safetensors, PyTorch's printed text in
// print.txt, both written by scripts/make_tensor_fixtures.py).
#include <fstream>
#include <sstream>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>

#include "catch.hpp"

using namespace torchlet;

namespace {

template <class T>
std::string printed(BasicTensor<T> t, bool requires_grad) {
  if (requires_grad) t.requires_grad_();
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace

TEST_CASE("tensors print exactly as PyTorch prints them") {
  const auto tensors =
      io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/print.safetensors");
  std::ifstream file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/print.txt");
  REQUIRE(file);
  std::string line;
  int cases = 0;
  while (std::getline(file, line)) {
    if (line.rfind("case ", 0) != 0) continue;
    const std::string name = line.substr(5);
    std::string rg_line, repr_line;
    std::getline(file, rg_line);
    std::getline(file, repr_line);
    const bool rg = rg_line == "requires_grad 1";
    const int n = std::stoi(repr_line.substr(5));
    std::string want;
    for (int i = 0; i < n; ++i) {
      std::getline(file, line);
      want += (i ? "\n" : "") + line;
    }
    INFO("case " << name);
    REQUIRE(tensors.contains(name));
    const std::string got =
        std::visit([&](const auto& t) { return printed(t.clone(), rg); }, tensors.at(name));
    CHECK(got == want);
    ++cases;
  }
  CHECK(cases >= 19);
  CHECK(static_cast<std::size_t>(cases) == tensors.tensors.size());
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
