// A multi-layer perceptron on MNIST, written as a PyTorch user would:
// nn::Sequential built from layers, an optimizer chosen at run time behind optim::Optimizer,
// a cosine learning-rate schedule, train() / eval() around evaluation.
//
//   build/examples/mnist_mlp [--data DIR] [--epochs 10] [--batch-size 64] [--optimizer sgd|adam]
//                            [--lr 0.05] [--seed 0]
//
// DIR defaults to the bundled sample (data/mnist: 8,000 training and 2,000 test digits).
// Prints the model, one line per epoch; the last line is "test accuracy: 0.XXXX".
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/evaluate.hpp"
#include "common/main.hpp"
#include "common/predictions.hpp"

using namespace torchlet;

int run(int argc, char** argv) {
  examples::Args args("mnist_mlp", "Trains an MLP (784 -> 256 -> 10) on MNIST-format IDX data.");
  args.add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files (raw or .gz)")
      .add("epochs", "10", "number of passes over the training set")
      .add("batch-size", "64", "samples per batch")
      .add("optimizer", "sgd", "sgd (momentum 0.9, nesterov) or adam")
      .add("lr", "0", "initial learning rate (0: 0.05 for sgd, 1e-3 for adam)")
      .add("seed", "0", "seed of the initial weights and the shuffling")
      .add("predictions", "predictions.png",
           "picture of 32 test digits with predicted and true labels (empty: none)");
  if (!args.parse(argc, argv)) return 0;
  const auto epochs = args.integer("epochs", 0, 100000);
  const auto batch_size = static_cast<std::size_t>(args.integer("batch-size", 1, 1 << 20));
  const std::string which = args.str("optimizer");
  if (which != "sgd" && which != "adam")
    throw examples::UsageError("--optimizer must be sgd or adam, got '" + which + "'");
  double lr = args.real("lr", 0.0, 1e6);
  if (lr == 0.0) lr = which == "sgd" ? 0.05 : 1e-3;
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  const std::string root = args.str("data");

  manual_seed(seed);
  auto tf = vision::transforms::Compose{vision::transforms::ToTensor{},
                                        vision::transforms::Normalize{{0.1307f}, {0.3081f}}};
  vision::MNIST train(root, {.train = true, .transform = tf});
  vision::MNIST test(root, {.train = false, .transform = tf});
  data::DataLoader loader(train, {.batch_size = batch_size, .shuffle = true, .seed = seed});
  data::DataLoader test_loader(test, {.batch_size = 1000});
  std::printf("train: %zu samples, test: %zu samples, from %s\n", train.size(), test.size(),
              root.c_str());

  nn::Sequential model{nn::Flatten{}, nn::Linear{784, 256}, nn::ReLU{}, nn::Linear{256, 10}};
  std::cout << model << "\n" << model.num_parameters() << " parameters\n";
  std::unique_ptr<optim::Optimizer> opt;
  if (which == "sgd")
    opt = std::make_unique<optim::SGD>(
        model.parameters(), optim::SGDOptions{.lr = lr, .momentum = 0.9, .nesterov = true});
  else
    opt = std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{.lr = lr});
  optim::CosineAnnealingLR schedule(*opt, std::max<std::int64_t>(epochs, 1));
  nn::CrossEntropyLoss criterion;

  double test_acc = 0.0;
  for (std::int64_t epoch = 1; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0.0;
    std::int64_t correct = 0, seen = 0, steps = 0;
    auto bar = utils::progress(loader, "epoch " + std::to_string(epoch));
    for (auto [images, labels] : bar) {
      opt->zero_grad();
      auto logits = model(images);
      auto loss = criterion(logits, labels);
      loss.backward();
      opt->step();
      loss_sum += loss.item();
      ++steps;
      correct += (logits.detach().argmax(1) == labels).sum().item();
      seen += labels.numel();
      bar.set_postfix("loss=" + std::to_string(loss_sum / static_cast<double>(steps)).substr(0, 6));
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double lr_used = schedule.get_last_lr()[0];
    schedule.step();
    test_acc = examples::evaluate(model, test_loader);
    std::printf("epoch %lld/%lld  lr %.4g  loss %.4f  train acc %.4f  test acc %.4f  %.2f s\n",
                static_cast<long long>(epoch), static_cast<long long>(epochs), lr_used,
                loss_sum / static_cast<double>(steps),
                static_cast<double>(correct) / static_cast<double>(seen), test_acc, secs);
    std::fflush(stdout);
  }
  if (epochs == 0) test_acc = examples::evaluate(model, test_loader);
  if (const std::string path = args.str("predictions"); !path.empty()) {
    const auto [shown, right] = examples::save_predictions(model, test, path, 0.1307f, 0.3081f);
    std::printf(
        "wrote %s: %lld test digits labelled P<predicted> T<true>, %lld right (green), %lld wrong "
        "(red)\n",
        path.c_str(), static_cast<long long>(shown), static_cast<long long>(right),
        static_cast<long long>(shown - right));
  }
  std::printf("test accuracy: %.4f\n", test_acc);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("mnist_mlp", "Pass the directory with --data DIR.", run, argc, argv);
}
