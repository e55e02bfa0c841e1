// A LeNet-style convnet on Fashion-MNIST: a user-defined nn::Module whose layers are
// members (a Sequential feature extractor and a classifier), Adam, a StepLR schedule,
// train() / eval(), and the time per epoch.
//
//   build/examples/fashion_mnist_cnn [--data DIR] [--epochs 5] [--batch-size 64] [--lr 1e-3]
//                                    [--limit 0] [--test-limit 0] [--seed 0]
//
// DIR defaults to Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
// --limit N trains on the first N training images only (a quick smoke run: --epochs 1
// --limit 2000). The last line is "test accuracy: 0.XXXX".
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/evaluate.hpp"
#include "common/main.hpp"

using namespace torchlet;

// x: [B, 1, 28, 28] -> logits [B, 10]
struct LeNet : nn::Module {
  nn::Sequential features{
      nn::Conv2d{1, 16, 3, {.padding = 1}},  nn::ReLU{}, nn::MaxPool2d{2},  // [B, 16, 14, 14]
      nn::Conv2d{16, 32, 3, {.padding = 1}}, nn::ReLU{}, nn::MaxPool2d{2},  // [B, 32, 7, 7]
  };
  nn::Sequential classifier{nn::Flatten{}, nn::Linear{32 * 7 * 7, 128}, nn::ReLU{},
                            nn::Dropout{0.25}, nn::Linear{128, 10}};
  LeNet() {
    register_module("features", features);
    register_module("classifier", classifier);
  }
  Tensor forward(const Tensor& x) override { return classifier(features(x)); }
};

// The first n samples of a dataset (any type with size() and operator[]).
template <class D>
struct Head {
  const D& dataset;
  std::size_t n;
  std::size_t size() const { return n == 0 ? dataset.size() : std::min(n, dataset.size()); }
  auto operator[](std::size_t i) const { return dataset[i]; }
};

int run(int argc, char** argv) {
  examples::Args args("fashion_mnist_cnn", "Trains a LeNet-style convnet on Fashion-MNIST.");
  args.add("data", "/usr/share/datasets/fashion-mnist",
           "directory holding the Fashion-MNIST IDX files (raw or .gz)")
      .add("epochs", "5", "number of passes over the training set")
      .add("batch-size", "64", "samples per batch")
      .add("lr", "1e-3", "Adam learning rate (halved every 2 epochs)")
      .add("limit", "0", "train on the first N training images only (0: all)")
      .add("test-limit", "0", "evaluate on the first N test images only (0: all)")
      .add("seed", "0", "seed of the initial weights, the shuffling and dropout");
  if (!args.parse(argc, argv)) return 0;
  const auto epochs = args.integer("epochs", 0, 100000);
  const auto batch_size = static_cast<std::size_t>(args.integer("batch-size", 1, 1 << 20));
  const double lr = args.real("lr", 0.0, 1e6);
  const auto limit = static_cast<std::size_t>(args.integer("limit", 0, INT64_MAX));
  const auto test_limit = static_cast<std::size_t>(args.integer("test-limit", 0, INT64_MAX));
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  const std::string root = args.str("data");

  manual_seed(seed);
  auto tf = vision::transforms::Compose{vision::transforms::ToTensor{},
                                        vision::transforms::Normalize{{0.2860f}, {0.3530f}}};
  vision::FashionMNIST train_full(root, {.train = true, .transform = tf});
  vision::FashionMNIST test_full(root, {.train = false, .transform = tf});
  Head<vision::FashionMNIST> train{train_full, limit}, test{test_full, test_limit};
  data::DataLoader loader(train, {.batch_size = batch_size, .shuffle = true, .seed = seed});
  data::DataLoader test_loader(test, {.batch_size = 500});
  std::printf("train: %zu samples, test: %zu samples, from %s\n", train.size(), test.size(),
              root.c_str());

  LeNet model;
  std::cout << model << "\n" << model.num_parameters() << " parameters\n";
  optim::Adam opt(model.parameters(), {.lr = lr});
  optim::StepLR schedule(opt, 2, 0.5);
  double test_acc = 0.0, total_secs = 0.0, total_cpu = 0.0;
  for (std::int64_t epoch = 1; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    double loss_sum = 0.0;
    std::int64_t correct = 0, seen = 0, steps = 0;
    auto bar = utils::progress(
        loader, "epoch " + std::to_string(epoch));  // silent unless stderr is a terminal
    for (auto [images, labels] : bar) {
      opt.zero_grad();
      auto logits = model(images);
      auto loss = nn::functional::cross_entropy(logits, labels);
      loss.backward();
      opt.step();
      loss_sum += loss.item();
      ++steps;
      correct += (logits.detach().argmax(1) == labels).sum().item();
      seen += labels.numel();
      bar.set_postfix("loss=" + std::to_string(loss_sum / static_cast<double>(steps)).substr(0, 6));
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // CPU time too: on a shared machine it is the figure that does not depend on the load.
    const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    total_secs += secs;
    total_cpu += cpu;
    schedule.step();
    test_acc = examples::evaluate(model, test_loader);
    std::printf(
        "epoch %lld/%lld  loss %.4f  train acc %.4f  test acc %.4f  %.1f s/epoch (%.1f s cpu)  "
        "%.0f samples/s\n",
        static_cast<long long>(epoch), static_cast<long long>(epochs),
        loss_sum / static_cast<double>(steps),
        static_cast<double>(correct) / static_cast<double>(seen), test_acc, secs, cpu,
        static_cast<double>(seen) / secs);
    std::fflush(stdout);
  }
  if (epochs == 0)
    test_acc = examples::evaluate(model, test_loader);
  else
    std::printf("mean time per epoch: %.1f s (%.1f s cpu)\n",
                total_secs / static_cast<double>(epochs), total_cpu / static_cast<double>(epochs));
  std::printf("test accuracy: %.4f\n", test_acc);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("fashion_mnist_cnn", "Pass the directory with --data DIR.", run, argc,
                            argv);
}
