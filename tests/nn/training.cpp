// Training-curve parity with PyTorch: the MLP 784-256-10 (Flatten, Linear, ReLU, Linear),
// started from PyTorch's initial weights (tests/fixtures/nn/mlp_epoch.safetensors),
// trained for one epoch on the bundled MNIST sample's 8,000 training images in file order
// (125 batches of 64) with cross_entropy: every step's loss matches PyTorch's within 1e-4
// relative, for SGD with momentum and for Adam.
#include <torchlet/torchlet.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {

/// x * (1/255) - 0.1307) * (1 / 0.3081) in float32, as the fixture script computes it.
Tensor normalize(const ByteTensor& images) {
  const auto n = images.size(0);
  auto x = Tensor::empty({n, 1, 28, 28});
  const float scale = 1.0f / 255.0f, mean = 0.1307f, inv_std = 1.0f / 0.3081f;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    x.data()[i] = (static_cast<float>(images.data()[i]) * scale - mean) * inv_std;
  return x;
}

template <class MakeOpt>
void check_curve(const std::string& name, MakeOpt make_opt) {
  const fixture::File f("mlp_epoch.safetensors");
  vision::MNIST train(TORCHLET_SOURCE_DIR "/data/mnist", {.train = true});
  const Tensor x = normalize(train.data);
  const LongTensor y = train.targets;
  nn::Sequential model{nn::Flatten{}, nn::Linear{784, 256}, nn::ReLU{}, nn::Linear{256, 10}};
  nn::StateDict init;
  for (auto& [k, v] : model.state_dict()) init.insert(k, f.tensor("init/" + k));
  model.load_state_dict(init);
  auto opt = make_opt(model.parameters());
  const auto expected = f.doubles(name + "/losses");
  REQUIRE(expected.size() == 125);
  const std::int64_t batch = 64;
  double worst = 0;
  std::size_t worst_step = 0;
  for (std::size_t step = 0; step < expected.size(); ++step) {
    const auto start = static_cast<std::int64_t>(step) * batch;
    opt.zero_grad();
    auto loss =
        nn::functional::cross_entropy(model(x.narrow(0, start, batch)), y.narrow(0, start, batch));
    loss.backward();
    opt.step();
    const double err = std::abs(loss.item() - expected[step]) / std::abs(expected[step]);
    if (err > worst) worst = err, worst_step = step;
  }
  INFO(name << ": worst relative loss difference " << worst << " at step " << worst_step);
  CHECK(worst < 1e-4);
}

}  // namespace

TEST_CASE("an MLP trained with SGD and momentum follows PyTorch's loss curve step by step") {
  check_curve("sgd", [](std::vector<Tensor> p) {
    return optim::SGD(std::move(p), {.lr = 0.01, .momentum = 0.9});
  });
}

TEST_CASE("an MLP trained with Adam follows PyTorch's loss curve step by step") {
  check_curve("adam",
              [](std::vector<Tensor> p) { return optim::Adam(std::move(p), {.lr = 1e-3}); });
}

}  // namespace TORCHLET_TEST_FILE
