// pytorch/examples' mnist/main.py, ported line for line: two 3x3 convolutions, max pooling,
// dropout and two Linear layers to 10 log-probabilities, NLL loss, Adadelta (lr 1.0) with a
// StepLR schedule (gamma 0.7 every epoch), the same train and test loops and the same prints.
//
//   build/examples/mnist [--data DIR] [--batch-size 64] [--test-batch-size 1000] [--epochs 14]
//                        [--lr 1.0] [--gamma 0.7] [--dry-run] [--seed 1] [--log-interval 10]
//                        [--save-model] [--limit 0]
//
// DIR defaults to the bundled sample (data/mnist: 8,000 training and 2,000 test digits, not
// the full MNIST). Differences from the original: CPU only (no --no-accel), --data and --limit
// (train on the first N digits only) added, and a last line "test accuracy: 0.XXXX".
// --save-model writes mnist_cnn.pt in PyTorch's format (torch.load reads it).
#include <cstdio>
#include <iostream>
#include <numeric>
#include <utility>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;
namespace F = torchlet::nn::functional;

// x [B, 1, 28, 28] -> log-probabilities [B, 10]
struct Net : nn::Module {
  nn::Conv2d conv1{1, 32, 3, {.stride = 1}};
  nn::Conv2d conv2{32, 64, 3, {.stride = 1}};
  nn::Dropout dropout1{0.25};
  nn::Dropout dropout2{0.5};
  nn::Linear fc1{9216, 128};
  nn::Linear fc2{128, 10};

  Net() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("dropout1", dropout1);
    register_module("dropout2", dropout2);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }

  Tensor forward(const Tensor& input) override {
    // std::move: x is overwritten anyway, so under no_grad (the test loop) relu writes into
    // conv's output instead of holding a second copy of it ([1000, 64, 24, 24] is 147 MB).
    Tensor x = conv1(input);  // [B, 32, 26, 26]
    x = F::relu(std::move(x));
    x = conv2(x);  // [B, 64, 24, 24]
    x = F::relu(std::move(x));
    x = F::max_pool2d(x, 2);  // [B, 64, 12, 12]
    x = dropout1(x);
    x = x.flatten(1);  // torch.flatten(x, 1): [B, 9216]
    x = fc1(x);
    x = F::relu(x);
    x = dropout2(x);
    x = fc2(x);
    Tensor output = F::log_softmax(x, 1);
    return output;
  }
};

struct Options {
  std::int64_t log_interval;
  bool dry_run;
};

template <class Loader>
void train(const Options& args, Net& model, Loader& train_loader, optim::Optimizer& optimizer,
           std::int64_t epoch) {
  model.train();
  std::int64_t batch_idx = 0;
  for (auto [data, target] : train_loader) {
    optimizer.zero_grad();
    auto output = model(data);
    auto loss = F::nll_loss(output, target);
    loss.backward();
    optimizer.step();
    if (batch_idx % args.log_interval == 0) {
      std::printf("Train Epoch: %lld [%lld/%zu (%.0f%%)]\tLoss: %.6f\n",
                  static_cast<long long>(epoch), static_cast<long long>(batch_idx * data.size(0)),
                  train_loader.dataset().size(),
                  100. * static_cast<double>(batch_idx) / static_cast<double>(train_loader.size()),
                  loss.item());
      std::fflush(stdout);
      if (args.dry_run) break;
    }
    ++batch_idx;
  }
}

// Returns the accuracy (the original prints it only).
template <class Loader>
double test(Net& model, Loader& test_loader) {
  model.eval();
  double test_loss = 0;
  std::int64_t correct = 0;
  {
    NoGradGuard no_grad;
    for (auto [data, target] : test_loader) {
      auto output = model(data);
      test_loss += F::nll_loss(output, target, {.reduction = nn::Reduction::sum})
                       .item();            // sum up batch loss
      auto pred = output.argmax(1, true);  // get the index of the max log-probability
      correct += eq(pred, target.view(pred.shape())).sum().item();
    }
  }
  const auto n = static_cast<double>(test_loader.dataset().size());
  test_loss /= n;

  std::printf("\nTest set: Average loss: %.4f, Accuracy: %lld/%zu (%.0f%%)\n\n", test_loss,
              static_cast<long long>(correct), test_loader.dataset().size(),
              100. * static_cast<double>(correct) / n);
  std::fflush(stdout);
  return static_cast<double>(correct) / n;
}

int run(int argc, char** argv) {
  // Training settings
  examples::Args parser("mnist", "PyTorch MNIST Example, in torchlet.");
  parser
      .add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files (raw or .gz)")
      .add("batch-size", "64", "input batch size for training")
      .add("test-batch-size", "1000", "input batch size for testing")
      .add("epochs", "14", "number of epochs to train")
      .add("lr", "1.0", "learning rate")
      .add("gamma", "0.7", "Learning rate step gamma")
      .add_switch("dry-run", "quickly check a single pass")
      .add("seed", "1", "random seed")
      .add("log-interval", "10", "how many batches to wait before logging training status")
      .add_switch("save-model", "For Saving the current Model")
      .add("limit", "0", "train on the first N training digits only (0: all)");
  if (!parser.parse(argc, argv)) return 0;
  const auto batch_size = static_cast<std::size_t>(parser.integer("batch-size", 1, 1 << 20));
  const auto test_batch_size =
      static_cast<std::size_t>(parser.integer("test-batch-size", 1, 1 << 20));
  const auto epochs = parser.integer("epochs", 0, 100000);
  const double lr = parser.real("lr", 0.0, 1e6);
  const double gamma = parser.real("gamma", 0.0, 1.0);
  const auto seed = static_cast<std::uint64_t>(parser.integer("seed", 0, INT64_MAX));
  const Options args{parser.integer("log-interval", 1, INT64_MAX), parser.on("dry-run")};
  const auto limit = static_cast<std::size_t>(parser.integer("limit", 0, INT64_MAX));

  manual_seed(seed);

  namespace transforms = vision::transforms;
  auto transform =
      transforms::Compose{transforms::ToTensor{}, transforms::Normalize{{0.1307f}, {0.3081f}}};
  vision::MNIST dataset1(parser.str("data"), {.train = true, .transform = transform});
  vision::MNIST dataset2(parser.str("data"), {.train = false, .transform = transform});
  std::vector<std::size_t> first(limit ? std::min(limit, dataset1.size()) : dataset1.size());
  std::iota(first.begin(), first.end(), std::size_t{0});
  data::Subset train_set(dataset1, std::move(first));
  data::DataLoader train_loader(train_set,
                                {.batch_size = batch_size, .shuffle = true, .seed = seed});
  data::DataLoader test_loader(dataset2, {.batch_size = test_batch_size});

  Net model;
  optim::Adadelta optimizer(model.parameters(), {.lr = lr});

  optim::StepLR scheduler(optimizer, 1, gamma);
  double accuracy = 0;
  for (std::int64_t epoch = 1; epoch <= epochs; ++epoch) {
    train(args, model, train_loader, optimizer, epoch);
    accuracy = test(model, test_loader);
    scheduler.step();
  }

  if (parser.on("save-model")) torchlet::save(model, "mnist_cnn.pt");
  if (epochs == 0) accuracy = test(model, test_loader);
  std::printf("test accuracy: %.4f\n", accuracy);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("mnist", "Pass the directory with --data DIR.", run, argc, argv);
}
