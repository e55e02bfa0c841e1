// One epoch of Fashion-MNIST training, timed: libtorch's side of docs/benchmarks.md.
// Built by benchmarks/compare.py with benchmarks/reference/CMakeLists.txt (its own
// project: find_package(Torch) never enters torchlet's build).
//
//   libtorch_train [--model linear|mlp|cnn] [--variant dataloader|tensors] [--batch-size 64]
//       [--num-workers 0] [--threads 1] [--data DIR] [--seed 0] [--warmup-batches 0]
//
// DIR holds the UNCOMPRESSED IDX files (torch::data::datasets::MNIST reads no .gz);
// compare.py prepares such a directory. The job is benchmarks/train_epoch.cpp's: pixels
// /255 (MNIST does that) then normalised (mean 0.2860, std 0.3530), batch 64, shuffled every
// epoch; linear/mlp with SGD lr 0.05 on cross_entropy, cnn (pytorch/examples' mnist Net) with
// SGD lr 0.01 momentum 0.5 on nll_loss (libtorch 1.13's C++ API has no Adadelta); one warm-up epoch
// (or --warmup-batches batches), one timed epoch, then the test accuracy (test batch 1000). Prints
// ONE JSON line.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

namespace {

constexpr double kMean = 0.2860, kStd = 0.3530, kLr = 0.05;

// x: [B, 1, 28, 28] or [B, 784] -> logits [B, 10]
struct LinearNet : torch::nn::Module {
  torch::nn::Linear fc{nullptr};
  LinearNet() { fc = register_module("fc", torch::nn::Linear(784, 10)); }
  torch::Tensor forward(const torch::Tensor& x) { return fc(x.flatten(1)); }
};

// x: [B, 1, 28, 28] or [B, 784] -> logits [B, 10]
struct MLP : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  MLP() {
    fc1 = register_module("fc1", torch::nn::Linear(784, 256));
    fc2 = register_module("fc2", torch::nn::Linear(256, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) { return fc2(torch::relu(fc1(x.flatten(1)))); }
};

// pytorch/examples' mnist Net. x: [B, 1, 28, 28] or [B, 784] -> log-probabilities [B, 10]
struct CNN : torch::nn::Module {
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Dropout dropout1{nullptr}, dropout2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  CNN() {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3)));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3)));
    dropout1 = register_module("dropout1", torch::nn::Dropout(0.25));
    dropout2 = register_module("dropout2", torch::nn::Dropout(0.5));
    fc1 = register_module("fc1", torch::nn::Linear(9216, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(const torch::Tensor& input) {
    auto x = torch::relu(conv1(input.reshape({-1, 1, 28, 28})));
    x = torch::max_pool2d(torch::relu(conv2(x)), 2);
    x = torch::relu(fc1(dropout1(x).flatten(1)));
    return torch::log_softmax(fc2(dropout2(x)), 1);
  }
};

// The model's optimizer and loss (SGD + cross_entropy; the CNN: SGD lr 0.01 momentum 0.5 +
// nll_loss, since libtorch 1.13's C++ API has no Adadelta).
template <class Net>
struct Training {
  Net model;
  torch::optim::SGD opt{model.parameters(), torch::optim::SGDOptions(kLr)};
  torch::Tensor loss(const torch::Tensor& x, const torch::Tensor& y) {
    return torch::nn::functional::cross_entropy(model.forward(x), y);
  }
};
template <>
struct Training<CNN> {
  CNN model;
  torch::optim::SGD opt{model.parameters(), torch::optim::SGDOptions(0.01).momentum(0.5)};
  torch::Tensor loss(const torch::Tensor& x, const torch::Tensor& y) {
    return torch::nll_loss(model.forward(x), y);
  }
};

// Matrix-product FLOPs per training sample (formula in benchmarks/train_epoch.cpp).
double flops_per_sample(const std::string& model) {
  if (model == "cnn")
    return 2.0 *
           (2.0 * 32 * 26 * 26 * 9 + 3.0 * 64 * 24 * 24 * 288 + 3.0 * 9216 * 128 + 3.0 * 128 * 10);
  return model == "linear" ? 4.0 * 784 * 10 : 4.0 * 784 * 256 + 6.0 * 256 * 10;
}

struct Result {
  double samples = 0, epoch_s = 0, test_acc = 0;
};

template <class Net>
Result run_dataloader(const std::string& root, int64_t batch_size, int64_t workers,
                      int64_t warmup) {
  using torch::data::datasets::MNIST;
  auto train = MNIST(root, MNIST::Mode::kTrain)
                   .map(torch::data::transforms::Normalize<>(kMean, kStd))
                   .map(torch::data::transforms::Stack<>());
  const double n = static_cast<double>(train.size().value());
  auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      std::move(train), torch::data::DataLoaderOptions().batch_size(batch_size).workers(workers));
  auto test = MNIST(root, MNIST::Mode::kTest)
                  .map(torch::data::transforms::Normalize<>(kMean, kStd))
                  .map(torch::data::transforms::Stack<>());
  auto test_loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      std::move(test), torch::data::DataLoaderOptions().batch_size(1000));

  Training<Net> t;
  auto& model = t.model;
  auto epoch = [&](int64_t limit) {
    int64_t batches = 0;
    for (auto& batch : *loader) {
      if (limit > 0 && batches++ == limit) break;
      t.opt.zero_grad();
      auto loss = t.loss(batch.data, batch.target);
      loss.backward();
      t.opt.step();
    }
  };
  epoch(warmup);  // warm-up
  const auto start = std::chrono::steady_clock::now();
  epoch(0);
  Result r;
  r.epoch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.samples = n;
  model.eval();

  torch::NoGradGuard no_grad;
  int64_t correct = 0, seen = 0;
  for (auto& batch : *test_loader) {
    correct += model.forward(batch.data).argmax(1).eq(batch.target).sum().template item<int64_t>();
    seen += batch.target.numel();
  }
  r.test_acc = static_cast<double>(correct) / static_cast<double>(seen);
  return r;
}

// The whole split, normalised once: images [N, 784] and labels [N].
std::pair<torch::Tensor, torch::Tensor> preload(const std::string& root,
                                                torch::data::datasets::MNIST::Mode mode) {
  torch::data::datasets::MNIST ds(root, mode);
  return {((ds.images() - kMean) / kStd).reshape({-1, 784}), ds.targets()};
}

template <class Net>
Result run_tensors(const std::string& root, int64_t batch_size, int64_t warmup) {
  using Mode = torch::data::datasets::MNIST::Mode;
  const auto [x, y] = preload(root, Mode::kTrain);
  const auto [xt, yt] = preload(root, Mode::kTest);
  const int64_t n = x.size(0);

  Training<Net> t;
  auto& model = t.model;
  auto epoch = [&](int64_t limit) {
    const auto perm = torch::randperm(n, torch::kLong);
    const int64_t end = limit > 0 ? std::min(n, limit * batch_size) : n;
    for (int64_t pos = 0; pos < end; pos += batch_size) {
      const auto idx = perm.slice(0, pos, std::min(pos + batch_size, n));
      const auto images = x.index_select(0, idx), labels = y.index_select(0, idx);
      t.opt.zero_grad();
      auto loss = t.loss(images, labels);
      loss.backward();
      t.opt.step();
    }
  };
  epoch(warmup);  // warm-up
  const auto start = std::chrono::steady_clock::now();
  epoch(0);
  Result r;
  r.epoch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.samples = static_cast<double>(n);

  model.eval();
  torch::NoGradGuard no_grad;
  int64_t correct = 0;
  for (int64_t pos = 0; pos < xt.size(0); pos += 1000) {  // test batch 1000
    const int64_t end = std::min<int64_t>(pos + 1000, xt.size(0));
    correct += model.forward(xt.slice(0, pos, end))
                   .argmax(1)
                   .eq(yt.slice(0, pos, end))
                   .sum()
                   .template item<int64_t>();
  }
  r.test_acc = static_cast<double>(correct) / static_cast<double>(xt.size(0));
  return r;
}

int64_t to_int(const std::string& flag, const std::string& v, int64_t lo, int64_t hi) {
  char* end = nullptr;
  const long long out = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || out < lo || out > hi)
    throw std::invalid_argument("--" + flag + " expects an integer in [" + std::to_string(lo) +
                                ", " + std::to_string(hi) + "], got '" + v + "'");
  return out;
}

int run(int argc, char** argv) {
  std::map<std::string, std::string> a{{"model", "linear"},  {"variant", "dataloader"},
                                       {"batch-size", "64"}, {"num-workers", "0"},
                                       {"threads", "1"},     {"data", "."},
                                       {"seed", "0"},        {"warmup-batches", "0"}};
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || !a.count(k.substr(2)) || i + 1 >= argc)
      throw std::invalid_argument(
          "bad argument '" + k +
          "' (options: --model --variant --batch-size "
          "--num-workers --threads --data --seed --warmup-batches, each with a value)");
    a[k.substr(2)] = argv[++i];
  }
  const std::string model = a["model"], variant = a["variant"], root = a["data"];
  if (model != "linear" && model != "mlp" && model != "cnn")
    throw std::invalid_argument("--model expects linear, mlp or cnn, got " + model);
  if (variant != "dataloader" && variant != "tensors")
    throw std::invalid_argument("--variant expects dataloader or tensors, got " + variant);
  const int64_t batch_size = to_int("batch-size", a["batch-size"], 1, 1 << 20);
  const int64_t workers = to_int("num-workers", a["num-workers"], 0, 256);
  const int threads = static_cast<int>(to_int("threads", a["threads"], 1, 1024));
  const int64_t warmup = to_int("warmup-batches", a["warmup-batches"], 0, INT64_MAX);
  if (variant == "tensors" && workers != 0)
    throw std::invalid_argument("--num-workers applies to the dataloader variant only");

  torch::set_num_threads(threads);
  torch::manual_seed(static_cast<uint64_t>(to_int("seed", a["seed"], 0, INT64_MAX)));
  Result r;
  if (variant == "dataloader")
    r = model == "linear" ? run_dataloader<LinearNet>(root, batch_size, workers, warmup)
        : model == "mlp"  ? run_dataloader<MLP>(root, batch_size, workers, warmup)
                          : run_dataloader<CNN>(root, batch_size, workers, warmup);
  else
    r = model == "linear" ? run_tensors<LinearNet>(root, batch_size, warmup)
        : model == "mlp"  ? run_tensors<MLP>(root, batch_size, warmup)
                          : run_tensors<CNN>(root, batch_size, warmup);
  std::printf(
      "{\"impl\": \"libtorch\", \"variant\": \"%s\", \"model\": \"%s\", \"threads\": %d, "
      "\"batch_size\": %lld, "
      "\"num_workers\": %lld, \"epoch_s\": %.4f, \"samples_per_s\": %.1f, \"gflops\": %.3f, "
      "\"test_acc\": %.4f}\n",
      variant.c_str(), model.c_str(), threads, static_cast<long long>(batch_size),
      static_cast<long long>(workers), r.epoch_s, r.samples / r.epoch_s,
      r.samples * flops_per_sample(model) / r.epoch_s / 1e9, r.test_acc);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "libtorch_train: %s\n", e.what());
    return 1;
  }
}
