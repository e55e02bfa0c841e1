// A variational auto-encoder on MNIST, the port of pytorch/examples' vae: a model whose
// forward returns three tensors (reconstruction, mean, log-variance), the reparameterisation
// trick, a loss written from tensor ops (binary cross-entropy summed + KL divergence).
//
//   build/examples/vae [--data DIR] [--epochs 10] [--batch-size 128] [--lr 1e-3] [--seed 1]
//                      [--out DIR] [--limit N]
//
// DIR defaults to the bundled sample (data/mnist). After each epoch it prints the average
// training and test loss per image and writes two PNG grids into --out (default: the working
// directory): reconstruction_<epoch>.png (8 test digits above their reconstructions) and
// sample_<epoch>.png (64 digits decoded from z ~ N(0, I)). The last line is
// "test loss: X" (per image).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <tuple>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;
namespace F = nn::functional;

// forward(x) -> (reconstruction, mu, logvar): one of the module system's signatures.
struct VAE : nn::ModuleFor<std::tuple<Tensor, Tensor, Tensor>(const Tensor&)> {
  nn::Linear fc1{784, 400}, fc21{400, 20}, fc22{400, 20}, fc3{20, 400}, fc4{400, 784};

  VAE() {
    register_module("fc1", fc1);
    register_module("fc21", fc21);
    register_module("fc22", fc22);
    register_module("fc3", fc3);
    register_module("fc4", fc4);
  }

  std::tuple<Tensor, Tensor> encode(const Tensor& x) {
    auto h1 = relu(fc1(x));
    return {fc21(h1), fc22(h1)};
  }

  // z = mu + eps * sigma, eps ~ N(0, I): the sample stays differentiable in mu and logvar.
  static Tensor reparameterize(const Tensor& mu, const Tensor& logvar) {
    auto std = (logvar * 0.5f).exp();
    return mu + randn_like(std) * std;
  }

  Tensor decode(const Tensor& z) { return fc4(relu(fc3(z))).sigmoid(); }

  std::tuple<Tensor, Tensor, Tensor> forward(const Tensor& x) override {
    auto [mu, logvar] = encode(x.view({-1, 784}));
    return {decode(reparameterize(mu, logvar)), mu, logvar};
  }
};

// Reconstruction + KL divergence, summed over the batch (as the original).
Tensor loss_function(const Tensor& recon, const Tensor& x, const Tensor& mu, const Tensor& logvar) {
  auto bce = F::binary_cross_entropy(recon, x.view({-1, 784}), {.reduction = nn::Reduction::sum});
  auto kld = (logvar + 1.0f - mu.pow(2) - logvar.exp()).sum() * -0.5f;
  return bce + kld;
}

int run(int argc, char** argv) {
  examples::Args args("vae", "Trains a variational auto-encoder on MNIST-format IDX data.");
  args.add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files (raw or .gz)")
      .add("epochs", "10", "number of passes over the training set")
      .add("batch-size", "128", "samples per batch")
      .add("lr", "1e-3", "Adam's learning rate")
      .add("seed", "1", "seed of the initial weights, the shuffling and the samples")
      .add("out", ".", "directory for the reconstruction_N.png and sample_N.png grids")
      .add("limit", "0", "train on the first N images only (0: all)");
  if (!args.parse(argc, argv)) return 0;
  const auto epochs = args.integer("epochs", 1, 100000);
  const auto batch_size = static_cast<std::size_t>(args.integer("batch-size", 1, 1 << 20));
  const double lr = args.real("lr", 0.0, 1e6);
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  const auto limit = static_cast<std::size_t>(args.integer("limit", 0, INT64_MAX));
  const std::filesystem::path out = args.str("out");
  std::filesystem::create_directories(out);

  manual_seed(seed);
  vision::MNIST train(args.str("data"),
                      {.train = true, .transform = vision::transforms::ToTensor{}});
  vision::MNIST test(args.str("data"),
                     {.train = false, .transform = vision::transforms::ToTensor{}});
  std::vector<std::size_t> first_images(limit ? std::min(limit, train.size()) : train.size());
  std::iota(first_images.begin(), first_images.end(), std::size_t{0});
  data::Subset train_set(train, std::move(first_images));
  data::DataLoader loader(train_set, {.batch_size = batch_size, .shuffle = true, .seed = seed});
  data::DataLoader test_loader(test, {.batch_size = batch_size});
  std::printf("train: %zu samples, test: %zu samples\n", train_set.size(), test.size());

  VAE model;
  optim::Adam opt(model.parameters(), {.lr = lr});
  double test_loss = 0.0;
  for (std::int64_t epoch = 1; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    model.train();
    double train_loss = 0.0;
    for (auto [images, labels] : loader) {
      opt.zero_grad();
      auto [recon, mu, logvar] = model(images);
      auto loss = loss_function(recon, images, mu, logvar);
      loss.backward();
      train_loss += loss.item();
      opt.step();
    }
    train_loss /= static_cast<double>(train_set.size());

    model.eval();
    NoGradGuard no_grad;
    test_loss = 0.0;
    bool first = true;
    for (auto [images, labels] : test_loader) {
      auto [recon, mu, logvar] = model(images);
      test_loss += loss_function(recon, images, mu, logvar).item();
      if (first) {  // 8 test digits, their reconstructions below them
        const auto n = std::min<std::int64_t>(images.size(0), 8);
        auto grid = cat({images.narrow(0, 0, n), recon.view({-1, 1, 28, 28}).narrow(0, 0, n)});
        vision::utils::save_image(
            grid, (out / ("reconstruction_" + std::to_string(epoch) + ".png")).string(),
            {.nrow = n});
        first = false;
      }
    }
    test_loss /= static_cast<double>(test.size());
    auto sample = model.decode(randn({64, 20}));
    vision::utils::save_image(sample.view({64, 1, 28, 28}),
                              (out / ("sample_" + std::to_string(epoch) + ".png")).string());
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch %lld/%lld  train loss %.4f  test loss %.4f  %.2f s\n",
                static_cast<long long>(epoch), static_cast<long long>(epochs), train_loss,
                test_loss, secs);
    std::fflush(stdout);
  }
  std::printf("wrote reconstruction_1..%lld.png and sample_1..%lld.png into %s\n",
              static_cast<long long>(epochs), static_cast<long long>(epochs), out.string().c_str());
  std::printf("test loss: %.4f\n", test_loss);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("vae", "Pass the directory with --data DIR.", run, argc, argv);
}
