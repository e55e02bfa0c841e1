// Train in C++, predict in PyTorch: the weights travel as a safetensors file with
// PyTorch's state_dict keys.
//
//   build/examples/export_to_pytorch [--data DIR] [--epochs 3] [--out mnist_mlp.safetensors]
//                                    [--check mnist_mlp_check.safetensors] [--seed 0]
//   /usr/bin/python3 examples/export_to_pytorch.py mnist_mlp.safetensors
//   mnist_mlp_check.safetensors
//
// The C++ side trains nn::Sequential{Flatten, Linear(784, 128), ReLU, Linear(128, 10)} on
// the bundled MNIST sample and writes
//   --out    the model: torchlet::save(model, path) -> keys "1.weight" [128, 784],
//            "1.bias" [128], "3.weight" [10, 128], "3.bias" [10] (Sequential names its
//            children "0", "1", ... as PyTorch does; Flatten and ReLU hold nothing);
//   --check  what PyTorch must reproduce: "images" [100, 1, 28, 28] (the first 100 test
//            digits, normalised), "labels" [100], and the C++ "logits" [100, 10] and
//            "predictions" [100] for them.
// The Python script builds the same nn.Sequential, loads the weights and checks that it
// predicts the same classes and the same logits (torch.allclose, rtol = atol = 1e-5).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;

int run(int argc, char** argv) {
  examples::Args args("export_to_pytorch",
                      "Trains an MLP on MNIST and saves it for PyTorch (safetensors).");
  args.add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files (raw or .gz)")
      .add("epochs", "3", "number of passes over the training set")
      .add("out", "mnist_mlp.safetensors", "the model file to write")
      .add("check", "mnist_mlp_check.safetensors",
           "the file of inputs and C++ logits for the Python check")
      .add("seed", "0", "seed of the initial weights and the shuffling");
  if (!args.parse(argc, argv)) return 0;
  const auto epochs = args.integer("epochs", 0, 100000);
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));

  manual_seed(seed);
  auto tf = vision::transforms::Compose{vision::transforms::ToTensor{},
                                        vision::transforms::Normalize{{0.1307f}, {0.3081f}}};
  vision::MNIST train(args.str("data"), {.train = true, .transform = tf});
  vision::MNIST test(args.str("data"), {.train = false, .transform = tf});
  data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = seed});

  nn::Sequential model{nn::Flatten{}, nn::Linear{784, 128}, nn::ReLU{}, nn::Linear{128, 10}};
  optim::SGD opt(model.parameters(), {.lr = 0.05, .momentum = 0.9});
  for (std::int64_t epoch = 1; epoch <= epochs; ++epoch) {
    double loss_sum = 0.0;
    std::int64_t steps = 0;
    auto bar = utils::progress(loader, "epoch " + std::to_string(epoch));
    for (auto [images, labels] : bar) {
      opt.zero_grad();
      auto loss = nn::functional::cross_entropy(model(images), labels);
      loss.backward();
      opt.step();
      loss_sum += loss.item();
      ++steps;
    }
    std::printf("epoch %lld/%lld  loss %.4f\n", static_cast<long long>(epoch),
                static_cast<long long>(epochs), loss_sum / static_cast<double>(steps));
  }

  // The model, as PyTorch's model.state_dict() would name it.
  torchlet::save(model, args.str("out"));
  std::printf("saved %s:", args.str("out").c_str());
  for (const auto& [name, t] : model.named_parameters())
    std::printf(" %s %s", name.c_str(), to_string(t.shape()).c_str());
  std::printf("\n");

  // The first 100 test digits (one batch, in order) and what the C++ model says about them.
  model.eval();
  NoGradGuard no_grad;
  data::DataLoader test_loader(test, {.batch_size = 100});
  auto [images, labels] = *test_loader.begin();     // images [100, 1, 28, 28], labels [100]
  const Tensor logits = model(images);              // [100, 10]
  const LongTensor predictions = logits.argmax(1);  // [100]
  const std::vector<std::pair<std::string, io::AnyTensor>> check = {
      {"images", images}, {"labels", labels}, {"logits", logits}, {"predictions", predictions}};
  io::save_file(check, args.str("check"));
  const auto correct = (predictions == labels).sum().item();
  std::printf("saved %s: %lld test digits, C++ predicts %lld of them correctly\n",
              args.str("check").c_str(), static_cast<long long>(labels.numel()),
              static_cast<long long>(correct));
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("export_to_pytorch", "Pass the directory with --data DIR.", run, argc,
                            argv);
}
