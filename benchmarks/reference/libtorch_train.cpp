// One epoch of Fashion-MNIST training, timed: libtorch's side of docs/benchmarks.md.
// Built by benchmarks/compare.py with benchmarks/reference/CMakeLists.txt (its own
// project: find_package(Torch) never enters torchlet's build).
//
//   libtorch_train [--model linear|mlp] [--variant dataloader|tensors] [--batch-size 64]
//       [--num-workers 0] [--threads 1] [--data DIR] [--seed 0]
//
// DIR holds the UNCOMPRESSED IDX files (torch::data::datasets::MNIST reads no .gz);
// compare.py prepares such a directory. The job is benchmarks/train_epoch.cpp's: pixels
// /255 (MNIST does that) then normalised (mean 0.2860, std 0.3530), SGD lr 0.05,
// batch 64, shuffled every epoch, one warm-up epoch, one timed epoch, then the test
// accuracy. Prints ONE JSON line.
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

// Matrix-product FLOPs per training sample (formula in benchmarks/train_epoch.cpp).
double flops_per_sample(const std::string& model) {
  return model == "linear" ? 4.0 * 784 * 10 : 4.0 * 784 * 256 + 6.0 * 256 * 10;
}

struct Result {
  double samples = 0, epoch_s = 0, test_acc = 0;
};

template <class Net>
Result run_dataloader(const std::string& root, int64_t batch_size, int64_t workers) {
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

  Net model;
  torch::optim::SGD opt(model.parameters(), torch::optim::SGDOptions(kLr));
  auto epoch = [&] {
    for (auto& batch : *loader) {
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model.forward(batch.data), batch.target);
      loss.backward();
      opt.step();
    }
  };
  epoch();  // warm-up
  const auto start = std::chrono::steady_clock::now();
  epoch();
  Result r;
  r.epoch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.samples = n;

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
Result run_tensors(const std::string& root, int64_t batch_size) {
  using Mode = torch::data::datasets::MNIST::Mode;
  const auto [x, y] = preload(root, Mode::kTrain);
  const auto [xt, yt] = preload(root, Mode::kTest);
  const int64_t n = x.size(0);

  Net model;
  torch::optim::SGD opt(model.parameters(), torch::optim::SGDOptions(kLr));
  auto epoch = [&] {
    const auto perm = torch::randperm(n, torch::kLong);
    for (int64_t pos = 0; pos < n; pos += batch_size) {
      const auto idx = perm.slice(0, pos, std::min(pos + batch_size, n));
      const auto images = x.index_select(0, idx), labels = y.index_select(0, idx);
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model.forward(images), labels);
      loss.backward();
      opt.step();
    }
  };
  epoch();  // warm-up
  const auto start = std::chrono::steady_clock::now();
  epoch();
  Result r;
  r.epoch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.samples = static_cast<double>(n);

  torch::NoGradGuard no_grad;
  r.test_acc = model.forward(xt).argmax(1).eq(yt).to(torch::kDouble).mean().template item<double>();
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
                                       {"seed", "0"}};
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || !a.count(k.substr(2)) || i + 1 >= argc)
      throw std::invalid_argument("bad argument '" + k +
                                  "' (options: --model --variant --batch-size "
                                  "--num-workers --threads --data --seed, each with a value)");
    a[k.substr(2)] = argv[++i];
  }
  const std::string model = a["model"], variant = a["variant"], root = a["data"];
  if (model != "linear" && model != "mlp")
    throw std::invalid_argument("--model expects linear or mlp, got " + model);
  if (variant != "dataloader" && variant != "tensors")
    throw std::invalid_argument("--variant expects dataloader or tensors, got " + variant);
  const int64_t batch_size = to_int("batch-size", a["batch-size"], 1, 1 << 20);
  const int64_t workers = to_int("num-workers", a["num-workers"], 0, 256);
  const int threads = static_cast<int>(to_int("threads", a["threads"], 1, 1024));
  if (variant == "tensors" && workers != 0)
    throw std::invalid_argument("--num-workers applies to the dataloader variant only");

  torch::set_num_threads(threads);
  torch::manual_seed(static_cast<uint64_t>(to_int("seed", a["seed"], 0, INT64_MAX)));
  Result r;
  if (variant == "dataloader")
    r = model == "linear" ? run_dataloader<LinearNet>(root, batch_size, workers)
                          : run_dataloader<MLP>(root, batch_size, workers);
  else
    r = model == "linear" ? run_tensors<LinearNet>(root, batch_size)
                          : run_tensors<MLP>(root, batch_size);
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
