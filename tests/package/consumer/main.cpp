// The contract program of the foundation issue, unchanged: built against an installed
// torchlet (find_package) and through add_subdirectory by tests/package.
#include <torchlet/torchlet.hpp>
using namespace torchlet;

struct Net : nn::Module {
  nn::Linear fc{784, 10};
  Net() { register_module("fc", fc); }
  Tensor forward(const Tensor& x) override { return fc(x.flatten(1)); }
};

int main() {
  auto tf = vision::transforms::Compose{vision::transforms::ToTensor{},
                                        vision::transforms::Normalize{{0.1307f}, {0.3081f}}};
  vision::MNIST train("data/mnist", {.train = true, .transform = tf});
  vision::MNIST test("data/mnist", {.train = false, .transform = tf});
  data::DataLoader loader(train, {.batch_size = 64, .shuffle = true});
  Net model;
  optim::SGD opt(model.parameters(), {.lr = 0.1});
  for (int epoch = 0; epoch < 5; ++epoch) {
    for (auto [images, labels] : loader) {
      opt.zero_grad();
      auto loss = nn::functional::cross_entropy(model(images), labels);
      loss.backward();
      opt.step();
    }
  }
  auto [first_images, first_labels] =
      *data::DataLoader(test, {.batch_size = 8}).begin();  // next(iter(loader))
}
