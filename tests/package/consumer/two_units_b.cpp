// The second unit of two_units_a.cpp: the same network, loaded from the file the first unit
// wrote, evaluated on the same input.
#include <string>

#include <torchlet/torchlet.hpp>

float train_in_second_unit(const std::string& path) {
  using namespace torchlet;
  manual_seed(7);
  nn::Sequential net{nn::Conv2d(1, 4, 3), nn::ReLU{}, nn::Flatten{}, nn::Linear(4 * 6 * 6, 3)};
  load(net, path);
  const auto x = randn({2, 1, 8, 8});
  const auto y = tensor<std::int64_t>({0, 2});
  return nn::functional::cross_entropy(net(x), y).item();
}
