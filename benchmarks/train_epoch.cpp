// One epoch of Fashion-MNIST training, timed: torchlet's side of the benchmark of
// docs/benchmarks.md (the PyTorch and libtorch sides are in benchmarks/reference/).
//
//   build/benchmarks/bench_train_epoch [--model linear|mlp|cnn] [--variant dataloader|tensors]
//       [--batch-size 64] [--num-workers 0] [--threads 1] [--data DIR] [--seed 0] [--epochs 1]
//       [--warmup-batches 0]
//
// The job, identical on every side: pixels /255 then normalised (mean 0.2860, std 0.3530),
// batch 64, shuffled every epoch; model `linear` (784 -> 10) or `mlp` (784 -> 256 -> ReLU ->
// 10), trained with SGD lr 0.05 on cross_entropy, or `cnn`, pytorch/examples' mnist Net
// (Conv2d 1->32 3x3, ReLU, Conv2d 32->64 3x3, ReLU, max_pool2d 2, Dropout 0.25, Linear
// 9216->128, ReLU, Dropout 0.5, Linear 128->10, log_softmax) on nll_loss with SGD lr 0.01
// momentum 0.5 (the example's Adadelta is missing from libtorch 1.13's C++ API, so every side
// uses the SGD the example used before it). One warm-up epoch (or --warmup-batches batches), then
// one timed epoch, then the test accuracy (test batch 1000; --epochs N times N epochs and reports
// their mean, for profiling). Prints ONE JSON line:
//   {"impl", "variant", "model", "threads", "batch_size", "num_workers", "epoch_s",
//    "samples_per_s", "gflops", "test_acc"}
//
// Variants:
//   dataloader  the idiomatic pipeline: vision::FashionMNIST + Compose{ToTensor, Normalize}
//               + data::DataLoader(shuffle) - every sample goes through the transforms
//               and the collate, every epoch.
//   tensors     the whole set normalised once into a Tensor [60000, 784]; each epoch a
//               randperm, each batch gathered from it (what index_select does).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include <torchlet/parallel.hpp>
#include <torchlet/torchlet.hpp>

#include "../examples/common/cli.hpp"

using namespace torchlet;

namespace {

constexpr float kMean = 0.2860f, kStd = 0.3530f;
constexpr double kLr = 0.05;

// x: [B, 784] or [B, 1, 28, 28] -> logits [B, 10]
struct LinearNet : nn::Module {
  nn::Linear fc{784, 10};
  LinearNet() { register_module("fc", fc); }
  Tensor forward(const Tensor& x) override { return fc(x.flatten(1)); }
};

// x: [B, 784] or [B, 1, 28, 28] -> logits [B, 10]
struct MLP : nn::Module {
  nn::Linear fc1{784, 256}, fc2{256, 10};
  MLP() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override { return fc2(relu(fc1(x.flatten(1)))); }
};

// pytorch/examples' mnist Net. x: [B, 784] or [B, 1, 28, 28] -> log-probabilities [B, 10]
struct CNN : nn::Module {
  nn::Conv2d conv1{1, 32, 3}, conv2{32, 64, 3};
  nn::Dropout dropout1{0.25}, dropout2{0.5};
  nn::Linear fc1{9216, 128}, fc2{128, 10};
  CNN() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("dropout1", dropout1);
    register_module("dropout2", dropout2);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& input) override {
    namespace F = nn::functional;
    auto x = F::relu(conv1(input.reshape({input.size(0), 1, 28, 28})));  // [B, 32, 26, 26]
    x = F::max_pool2d(F::relu(conv2(x)), 2);                             // [B, 64, 12, 12]
    x = F::relu(fc1(dropout1(x).flatten(1)));                            // [B, 128]
    return F::log_softmax(fc2(dropout2(x)), 1);                          // [B, 10]
  }
};

// The model's optimizer and loss: SGD + cross_entropy, or SGD with momentum + nll_loss for
// the CNN.
template <class Net>
struct Training {
  Net model;
  optim::SGD opt{model.parameters(), {.lr = kLr}};
  Tensor loss(const Tensor& x, const LongTensor& y) {
    return nn::functional::cross_entropy(model(x), y);
  }
};
template <>
struct Training<CNN> {
  CNN model;
  optim::SGD opt{model.parameters(), {.lr = 0.01, .momentum = 0.5}};
  Tensor loss(const Tensor& x, const LongTensor& y) {
    return nn::functional::nll_loss(model(x), y);
  }
};

// Floating-point operations of one training epoch, counting only the matrix products
// (bias adds, ReLU, softmax and the SGD update are O(B*width), negligible):
//   a Linear(in, out) layer on N samples costs 2*N*in*out for the forward product, as much
//   for the weight gradient dW = G^T X, and as much again for the input gradient
//   dX = G W when the input needs one (not for the first layer: the pixels need no grad).
//   linear: N * (2 + 2) * 784*10                       = N * 31,360   (1.88 GFLOP / epoch)
//   mlp:    N * ((2 + 2) * 784*256 + (2 + 2 + 2) * 256*10) = N * 818,176 (49.1 GFLOP / epoch)
//   cnn: conv1 32*26*26*9 multiply-adds (forward and dW), conv2 64*24*24*288 (forward, dW,
//   dX), fc1 9216*128 and fc2 128*10 (forward, dW, dX), 2 FLOP each = N * 71,565,312
//   (4294 GFLOP / epoch).
double flops_per_sample(const std::string& model) {
  if (model == "linear") return 4.0 * 784 * 10;
  if (model == "cnn")
    return 2.0 *
           (2.0 * 32 * 26 * 26 * 9 + 3.0 * 64 * 24 * 24 * 288 + 3.0 * 9216 * 128 + 3.0 * 128 * 10);
  return 4.0 * 784 * 256 + 6.0 * 256 * 10;
}

// Sets DataLoaderOptions::num_workers when this torchlet's DataLoader has it; else only 0 is valid.
template <class Options>
void set_num_workers(Options& options, std::size_t n) {
  if constexpr (requires { options.num_workers; }) {
    options.num_workers = static_cast<decltype(options.num_workers)>(n);
  } else if (n != 0) {
    throw examples::UsageError("--num-workers " + std::to_string(n) +
                               ": this torchlet's DataLoader has no num_workers option (use 0)");
  }
}

// The whole split, normalised once: images [N, 784] and labels [N].
std::pair<Tensor, LongTensor> preload(const vision::FashionMNIST& ds) {
  const auto n = ds.data.size(0);
  auto x = Tensor::empty({n, 784});
  detail::amap(x.data(), x.numel()) =
      (detail::camap(ds.data.data(), ds.data.numel()).cast<float>() * (1.0f / 255.0f) - kMean) *
      (1.0f / kStd);
  return {x, ds.targets};
}

// rows idx[pos, pos + b) of x [N, F] and y [N] -> ([b, F], [b]) (x[idx], y[idx] in PyTorch).
std::pair<Tensor, LongTensor> gather(const Tensor& x, const LongTensor& y, const std::int64_t* idx,
                                     std::int64_t b) {
  const auto f = x.size(1);
  auto xb = Tensor::empty({b, f});
  auto yb = LongTensor::empty({b});
  for (std::int64_t i = 0; i < b; ++i) {
    std::memcpy(xb.data() + i * f, x.data() + idx[i] * f,
                sizeof(float) * static_cast<std::size_t>(f));
    yb.data()[i] = y.data()[idx[i]];
  }
  return {xb, yb};
}

struct Result {
  double samples = 0, epoch_s = 0, test_acc = 0;  // samples: of the timed epoch
  double parallel_s = 0;  // of which in splittable parallel regions (--profile-parallel)
};

bool g_profile = false;  // --profile-parallel

// Starts counting the time in splittable parallel regions (when --profile-parallel).
void profile_start() {
  auto& p = detail::ParallelProfile::get();
  p.nanoseconds = 0;
  p.enabled = g_profile;
}
// Seconds counted since profile_start, per timed epoch.
double profile_stop(int epochs) {
  auto& p = detail::ParallelProfile::get();
  p.enabled = false;
  return static_cast<double>(p.nanoseconds.load()) * 1e-9 / epochs;
}

template <class Net>
Result run_dataloader(const std::string& root, std::size_t batch_size, std::size_t workers,
                      int epochs, std::int64_t warmup_batches) {
  auto tf = vision::transforms::Compose{vision::transforms::ToTensor{},
                                        vision::transforms::Normalize{{kMean}, {kStd}}};
  vision::FashionMNIST train(root, {.train = true, .transform = tf});
  vision::FashionMNIST test(root, {.train = false, .transform = tf});
  data::DataLoaderOptions train_opts{.batch_size = batch_size, .shuffle = true};
  set_num_workers(train_opts, workers);
  data::DataLoader loader(train, train_opts);
  data::DataLoader test_loader(test, {.batch_size = 1000});

  Training<Net> t;
  auto& model = t.model;
  auto epoch = [&](std::int64_t limit) {
    std::int64_t batches = 0;
    for (auto [images, labels] : loader) {
      if (limit > 0 && batches++ == limit) break;
      t.opt.zero_grad();
      auto loss = t.loss(images, labels);
      loss.backward();
      t.opt.step();
    }
  };
  epoch(warmup_batches);  // warm-up
  model.train();
  profile_start();
  const auto start = std::chrono::steady_clock::now();
  for (int e = 0; e < epochs; ++e) epoch(0);
  Result r;
  r.epoch_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / epochs;
  r.parallel_s = profile_stop(epochs);
  r.samples = static_cast<double>(train.size());
  model.eval();

  NoGradGuard no_grad;
  std::int64_t correct = 0, seen = 0;
  for (auto [images, labels] : test_loader) {
    correct += (model(images).argmax(1) == labels).sum().item();
    seen += labels.numel();
  }
  r.test_acc = static_cast<double>(correct) / static_cast<double>(seen);
  return r;
}

template <class Net>
Result run_tensors(const std::string& root, std::size_t batch_size, int epochs,
                   std::int64_t warmup_batches) {
  // Plain variables, not structured bindings: clang 14 cannot capture those in the lambda.
  const auto train = preload(vision::FashionMNIST(root, {.train = true}));
  const auto test = preload(vision::FashionMNIST(root, {.train = false}));
  const Tensor& x = train.first;
  const LongTensor& y = train.second;
  const auto n = x.size(0), b = static_cast<std::int64_t>(batch_size);

  Training<Net> t;
  auto& model = t.model;
  auto epoch = [&](std::int64_t limit) {
    const auto perm = randperm(n);
    const std::int64_t end = limit > 0 ? std::min(n, limit * b) : n;
    for (std::int64_t pos = 0; pos < end; pos += b) {
      auto [images, labels] = gather(x, y, perm.data() + pos, std::min(b, n - pos));
      t.opt.zero_grad();
      auto loss = t.loss(images, labels);
      loss.backward();
      t.opt.step();
    }
  };
  epoch(warmup_batches);  // warm-up
  profile_start();
  const auto start = std::chrono::steady_clock::now();
  for (int e = 0; e < epochs; ++e) epoch(0);
  Result r;
  r.epoch_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / epochs;
  r.parallel_s = profile_stop(epochs);
  r.samples = static_cast<double>(n);
  model.eval();

  NoGradGuard no_grad;
  std::int64_t correct = 0;
  const auto nt = test.first.size(0);
  for (std::int64_t pos = 0; pos < nt; pos += 1000) {  // test batch 1000, as the DataLoader's
    const auto len = std::min<std::int64_t>(1000, nt - pos);
    correct += (model(test.first.narrow(0, pos, len)).argmax(1) == test.second.narrow(0, pos, len))
                   .sum()
                   .item();
  }
  r.test_acc = static_cast<double>(correct) / static_cast<double>(nt);
  return r;
}

int run(int argc, char** argv) {
  examples::Args args(
      "bench_train_epoch",
      "Times one epoch of Fashion-MNIST training (after a warm-up epoch); prints one JSON line.");
  args.add("model", "linear",
           "linear (784->10), mlp (784-256-10, ReLU) or cnn (pytorch/examples' mnist Net)")
      .add("variant", "dataloader",
           "dataloader (FashionMNIST + transforms + DataLoader) or tensors (pre-loaded)")
      .add("batch-size", "64", "samples per batch")
      .add("num-workers", "0", "DataLoader workers (dataloader variant)")
      .add("threads", "1", "torchlet::set_num_threads")
      .add("data", "/usr/share/datasets/fashion-mnist",
           "directory holding the Fashion-MNIST IDX files (raw or .gz)")
      .add("seed", "0", "torchlet::manual_seed (initial weights, shuffling)")
      .add("epochs", "1",
           "timed epochs after the warm-up one (their mean is reported; >1 for profiling)")
      .add("warmup-batches", "0", "batches of the warm-up epoch (0: all of it)")
      .add("profile-parallel", "0",
           "1: also report parallel_s, the timed epochs' wall time in splittable parallel regions "
           "(for the Amdahl projection of docs/benchmarks.md)");
  if (!args.parse(argc, argv)) return 0;
  const std::string model = args.str("model"), variant = args.str("variant"),
                    root = args.str("data");
  if (model != "linear" && model != "mlp" && model != "cnn")
    throw examples::UsageError("--model expects linear, mlp or cnn, got '" + model + "'");
  if (variant != "dataloader" && variant != "tensors")
    throw examples::UsageError("--variant expects dataloader or tensors, got '" + variant + "'");
  const auto batch_size = static_cast<std::size_t>(args.integer("batch-size", 1, 1 << 20));
  const auto workers = static_cast<std::size_t>(args.integer("num-workers", 0, 256));
  const auto threads = static_cast<int>(args.integer("threads", 1, 1024));
  const auto epochs = static_cast<int>(args.integer("epochs", 1, 10000));
  const auto warmup = args.integer("warmup-batches", 0, INT64_MAX);
  const bool profile = args.integer("profile-parallel", 0, 1) == 1;
  if (variant == "tensors" && workers != 0)
    throw examples::UsageError("--num-workers applies to the dataloader variant only");

  set_num_threads(threads);
  g_profile = profile;
  manual_seed(static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX)));
  Result r;
  if (variant == "dataloader")
    r = model == "linear" ? run_dataloader<LinearNet>(root, batch_size, workers, epochs, warmup)
        : model == "mlp"  ? run_dataloader<MLP>(root, batch_size, workers, epochs, warmup)
                          : run_dataloader<CNN>(root, batch_size, workers, epochs, warmup);
  else
    r = model == "linear" ? run_tensors<LinearNet>(root, batch_size, epochs, warmup)
        : model == "mlp"  ? run_tensors<MLP>(root, batch_size, epochs, warmup)
                          : run_tensors<CNN>(root, batch_size, epochs, warmup);

  // The build, in the name (compare.py's labels): Eigen's products on OpenBLAS
  // (TORCHLET_USE_BLAS), "-portable" when not compiled for this CPU (TORCHLET_NATIVE=OFF),
  // "-compiled-<capability>" when linked with torchlet::compiled (TORCHLET_BENCH_COMPILED).
  std::string impl = "torchlet";
#if defined(EIGEN_USE_BLAS)
  impl += "-blas";
#endif
#if defined(TORCHLET_COMPILED_LIB)  // torchlet::compiled: its kernels chosen at run time
  impl += "-compiled-" + torchlet::backends::cpu::get_cpu_capability();
#elif !TORCHLET_BENCH_NATIVE
  impl += "-portable";
#endif
  std::printf(
      "{\"impl\": \"%s\", \"variant\": \"%s\", \"model\": \"%s\", \"threads\": %d, \"batch_size\": "
      "%zu, "
      "\"num_workers\": %zu, \"epoch_s\": %.4f, \"samples_per_s\": %.1f, \"gflops\": %.3f, "
      "\"test_acc\": %.4f%s}\n",
      impl.c_str(), variant.c_str(), model.c_str(), threads, batch_size, workers, r.epoch_s,
      r.samples / r.epoch_s, r.samples * flops_per_sample(model) / r.epoch_s / 1e9, r.test_acc,
      profile ? (", \"parallel_s\": " + std::to_string(r.parallel_s)).c_str() : "");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const vision::DatasetNotFoundError& e) {
    std::fprintf(stderr, "bench_train_epoch: %s\nPass the directory with --data DIR.\n", e.what());
    return 1;
  } catch (const examples::UsageError& e) {
    std::fprintf(stderr, "bench_train_epoch: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train_epoch: %s\n", e.what());
    return 1;
  }
}
