// Must not compile: nn::Bilinear's forward takes two tensors, so it cannot be chained in a
// nn::Sequential. The test "compile_fail: ..." expects the static_assert's message.
// Only the two headers it needs: the compiler stops at the static_assert either way, and
// nn.hpp would cost a minute of template instantiation first.
#include <torchlet/nn/container.hpp>
#include <torchlet/nn/linear.hpp>

using namespace torchlet;

int main() {
  nn::Sequential seq{nn::Linear{4, 4}, nn::Bilinear{4, 4, 2}};
  return static_cast<int>(seq.size());
}
