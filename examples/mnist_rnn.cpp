// MNIST read row by row by an LSTM: a port of pytorch/examples' mnist_rnn. Each 28 x 28 digit
// is a sequence of 28 rows of 28 pixels; the LSTM's output at the last row goes through
// BatchNorm1d, dropout and two Linear layers to 10 log-probabilities, trained with NLL loss
// and a StepLR schedule.
//
//   build/examples/mnist_rnn [--data DIR] [--epochs 14] [--batch-size 64] [--lr 0.003]
//                            [--gamma 0.7] [--seed 1] [--log-interval 25]
//
// DIR defaults to the bundled sample (data/mnist: 8,000 training and 2,000 test digits).
// Differences from the original, where torchlet has no twin yet: nn::Dropout for Dropout2d
// (on the [batch, 64] features both zero single elements) and Adam for Adadelta.
// The last line is "test accuracy: 0.XXXX".
#include <chrono>
#include <cstdio>
#include <iostream>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;
namespace F = torchlet::nn::functional;

struct Net : nn::Module {
  nn::LSTM rnn{28, 64, {.batch_first = true}};
  nn::BatchNorm1d batchnorm{64};
  nn::Dropout dropout1{0.25}, dropout2{0.5};
  nn::Linear fc1{64, 32}, fc2{32, 10};

  Net() {
    register_module("rnn", rnn);
    register_module("batchnorm", batchnorm);
    register_module("dropout1", dropout1);
    register_module("dropout2", dropout2);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }

  // images [B, 1, 28, 28] -> log-probabilities [B, 10]
  Tensor forward(const Tensor& images) override {
    auto [output, state] = rnn(images.reshape({-1, 28, 28}));  // [B, 28 rows, 64]
    Tensor x = output.select(1, -1);                           // the last row's output [B, 64]
    x = dropout1(batchnorm(x));
    x = dropout2(F::relu(fc1(x)));
    return F::log_softmax(fc2(x), 1);
  }
};

// Average NLL loss and accuracy over the loader.
template <class Loader>
std::pair<double, double> test(Net& model, Loader& loader) {
  NoGradGuard no_grad;
  model.eval();
  double loss = 0.0;
  std::int64_t correct = 0, seen = 0;
  for (auto [images, labels] : loader) {
    auto out = model(images);
    loss += F::nll_loss(out, labels, {.reduction = nn::Reduction::sum}).item();
    correct += (out.argmax(1) == labels).sum().item();
    seen += labels.numel();
  }
  model.train();
  const auto n = static_cast<double>(std::max<std::int64_t>(seen, 1));
  return {loss / n, static_cast<double>(correct) / n};
}

int run(int argc, char** argv) {
  examples::Args args("mnist_rnn", "Trains an LSTM that reads MNIST digits row by row.");
  args.add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files (raw or .gz)")
      .add("epochs", "14", "number of passes over the training set")
      .add("batch-size", "64", "samples per training batch")
      .add("lr", "0.003", "learning rate of Adam")
      .add("gamma", "0.7", "learning rate step gamma (StepLR, every epoch)")
      .add("seed", "1", "seed of the initial weights, dropout and the shuffling")
      .add("log-interval", "25", "batches between two training log lines");
  if (!args.parse(argc, argv)) return 0;
  const auto epochs = args.integer("epochs", 0, 100000);
  const auto batch_size = static_cast<std::size_t>(args.integer("batch-size", 1, 1 << 20));
  const double lr = args.real("lr", 0.0, 1e6);
  const double gamma = args.real("gamma", 0.0, 1.0);
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  const auto log_interval = args.integer("log-interval", 1, INT64_MAX);
  const std::string root = args.str("data");

  manual_seed(seed);
  auto tf = vision::transforms::Compose{vision::transforms::ToTensor{},
                                        vision::transforms::Normalize{{0.1307f}, {0.3081f}}};
  vision::MNIST train(root, {.train = true, .transform = tf});
  vision::MNIST test_set(root, {.train = false, .transform = tf});
  data::DataLoader loader(train, {.batch_size = batch_size, .shuffle = true, .seed = seed});
  data::DataLoader test_loader(test_set, {.batch_size = 1000});

  Net model;
  std::cout << model << "\n" << model.num_parameters() << " parameters\n";
  optim::Adam optimizer(model.parameters(), {.lr = lr});
  optim::StepLR scheduler(optimizer, 1, gamma);

  double accuracy = 0.0;
  for (std::int64_t epoch = 1; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::int64_t batch = 0, seen = 0;
    for (auto [images, labels] : loader) {
      optimizer.zero_grad();
      auto loss = F::nll_loss(model(images), labels);
      loss.backward();
      optimizer.step();
      seen += labels.size(0);
      if (batch++ % log_interval == 0)
        std::printf("Train Epoch: %lld [%lld/%zu (%.0f%%)]\tLoss: %.6f\n",
                    static_cast<long long>(epoch), static_cast<long long>(seen), train.size(),
                    100.0 * static_cast<double>(seen) / static_cast<double>(train.size()),
                    loss.item());
    }
    scheduler.step();
    const auto [test_loss, acc] = test(model, test_loader);
    accuracy = acc;
    std::printf("Test set: Average loss: %.4f, Accuracy: %.2f%% (%.1f s)\n", test_loss, 100.0 * acc,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::fflush(stdout);
  }
  if (epochs == 0) accuracy = test(model, test_loader).second;
  std::printf("test accuracy: %.4f\n", accuracy);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("mnist_rnn", "Pass the directory with --data DIR.", run, argc, argv);
}
