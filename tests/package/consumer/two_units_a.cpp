// Two translation units that include torchlet.hpp and use the same modules, ops, optimizer and
// serialization, linked into one program: a definition that is not inline (or a template
// that is instantiated differently in the two units) breaks the link or the check below.
#include <cstdio>
#include <string>

#include <torchlet/torchlet.hpp>

#if defined(TORCHLET_EXPECT_COMPILED_LIB) && !defined(TORCHLET_COMPILED_LIB)
#error "two_units links torchlet::compiled, yet TORCHLET_COMPILED_LIB is undefined"
#endif

float train_in_second_unit(const std::string& path);  // two_units_b.cpp

int main(int argc, char** argv) {
  using namespace torchlet;
  const std::string path = std::string(argc > 1 ? argv[1] : ".") + "/two_units.safetensors";
  manual_seed(7);
  nn::Sequential net{nn::Conv2d(1, 4, 3), nn::ReLU{}, nn::Flatten{}, nn::Linear(4 * 6 * 6, 3)};
  optim::Adam opt(net.parameters(), {.lr = 0.01});
  const auto x = randn({2, 1, 8, 8});
  const auto y = tensor<std::int64_t>({0, 2});
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    auto loss = nn::functional::cross_entropy(net(x), y);
    loss.backward();
    opt.step();
  }
  save(net, path);
  const float here = nn::functional::cross_entropy(net(x), y).item();
  const float there = train_in_second_unit(path);  // loads the weights saved above
  std::printf("loss after 3 steps: %g in this unit, %g in the other\n", here, there);
  return here == there ? 0 : 1;
}
