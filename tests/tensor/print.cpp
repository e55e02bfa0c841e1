// Printing: operator<< reproduces str(tensor) of PyTorch character for character,
// including scientific notation, line wrapping and summarisation of large tensors
// (tests/fixtures/tensor/print.txt, written by scripts/make_tensor_fixtures.py).
#include <fstream>
#include <sstream>

#include <torchlet/tensor.hpp>

#include "catch.hpp"

using namespace torchlet;

namespace {

template <class T>
BasicTensor<T> read_tensor(std::istringstream& in) {
  std::int64_t nd;
  in >> nd;
  Shape s(static_cast<std::size_t>(nd));
  for (auto& d : s) in >> d;
  std::vector<T> v(static_cast<std::size_t>(detail::numel_of(s)));
  for (auto& x : v) {
    std::string tok;
    in >> tok;
    x = static_cast<T>(std::stod(tok));  // handles nan and inf
  }
  return from_vector(v, s);
}

template <class T>
std::string printed(BasicTensor<T> t, bool requires_grad) {
  if (requires_grad) t.requires_grad_();
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace

TEST_CASE("tensors print exactly as PyTorch prints them") {
  std::ifstream file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/print.txt");
  REQUIRE(file);
  std::string line;
  int cases = 0;
  while (std::getline(file, line)) {
    if (line.rfind("case ", 0) != 0) continue;
    const std::string name = line.substr(5);
    std::getline(file, line);
    std::istringstream in(line);
    std::string tag;
    in >> tag;
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
    std::string got;
    if (tag == "input")
      got = printed(read_tensor<float>(in), rg);
    else if (tag == "input_double")
      got = printed(read_tensor<double>(in), rg);
    else
      got = printed(read_tensor<std::int64_t>(in), rg);
    INFO("case " << name);
    CHECK(got == want);
    ++cases;
  }
  CHECK(cases >= 19);
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
