// Must not compile: in-place true division of an integer tensor would store a float32 result
// in an int64 tensor (PyTorch raises "result type Float can't be cast to the desired output
// type Long" at run time). The test "compile_fail: ..." expects the static_assert's message.
#include <torchlet/tensor/inplace.hpp>

using namespace torchlet;

int main() {
  auto x = tensor({7, 8});
  x /= 2;
  return static_cast<int>(x.numel());
}
