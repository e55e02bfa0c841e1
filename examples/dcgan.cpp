// A deep convolutional GAN on MNIST, the port of pytorch/examples' dcgan at 28 x 28 single-channel
// images: a generator of ConvTranspose2d + BatchNorm2d + ReLU layers (Tanh out) against a
// discriminator of Conv2d + BatchNorm2d + LeakyReLU(0.2) layers (Sigmoid out), DCGAN's weight
// init (conv weights N(0, 0.02), BatchNorm weights N(1, 0.02)), BCELoss, Adam(lr 0.0002,
// betas (0.5, 0.999)). The original's 64 x 64 stacks lose one stage each for 28 x 28 digits.
//
//   build/examples/dcgan [--data DIR] [--epochs 5] [--batch-size 64] [--nz 100] [--ngf 16]
//                        [--ndf 16] [--lr 0.0002] [--beta1 0.5] [--seed 1] [--out DIR]
//                        [--limit N]
//
// DIR defaults to the bundled sample (data/mnist). Prints the losses every 10 steps as the
// original does ("[epoch/epochs][i/n] Loss_D ... Loss_G ... D(x) ... D(G(z)) ..."), and after
// each epoch writes fake_samples_epoch_<epoch>.png (64 digits generated from a fixed noise)
// and real_samples.png into --out. The last line is "Loss_D: X" (the discriminator's mean loss
// over the last epoch).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;

// z [B, nz, 1, 1] -> image [B, 1, 28, 28] in [-1, 1].
struct DCGANGenerator : nn::Module {
  nn::Sequential main;
  DCGANGenerator(std::int64_t nz, std::int64_t ngf)
      : main{// input is Z, going into a convolution
             nn::ConvTranspose2d{nz, ngf * 4, 7, {.stride = 1, .padding = 0, .bias = false}},
             nn::BatchNorm2d{ngf * 4}, nn::ReLU{},
             // state size. (ngf*4) x 7 x 7
             nn::ConvTranspose2d{ngf * 4, ngf * 2, 4, {.stride = 2, .padding = 1, .bias = false}},
             nn::BatchNorm2d{ngf * 2}, nn::ReLU{},
             // state size. (ngf*2) x 14 x 14
             nn::ConvTranspose2d{ngf * 2, 1, 4, {.stride = 2, .padding = 1, .bias = false}},
             nn::Tanh{}} {
    // state size. 1 x 28 x 28
    register_module("main", main);
  }
  Tensor forward(const Tensor& z) override { return main(z); }
};

// image [B, 1, 28, 28] -> probability of being real [B].
struct Discriminator : nn::Module {
  nn::Sequential main;
  explicit Discriminator(std::int64_t ndf)
      : main{// input is 1 x 28 x 28
             nn::Conv2d{1, ndf, 4, {.stride = 2, .padding = 1, .bias = false}}, nn::LeakyReLU{0.2},
             // state size. (ndf) x 14 x 14
             nn::Conv2d{ndf, ndf * 2, 4, {.stride = 2, .padding = 1, .bias = false}},
             nn::BatchNorm2d{ndf * 2}, nn::LeakyReLU{0.2},
             // state size. (ndf*2) x 7 x 7
             nn::Conv2d{ndf * 2, 1, 7, {.stride = 1, .padding = 0, .bias = false}}, nn::Sigmoid{}} {
    register_module("main", main);
  }
  Tensor forward(const Tensor& x) override { return main(x).view({-1, 1}).squeeze(1); }
};

// DCGAN's custom weights initialization, applied to every conv and BatchNorm.
void weights_init(nn::ModuleBase& model) {
  model.apply([](nn::Conv2d& m) { nn::init::normal_(m.weight, 0.0, 0.02); });
  model.apply([](nn::ConvTranspose2d& m) { nn::init::normal_(m.weight, 0.0, 0.02); });
  model.apply([](nn::BatchNorm2d& m) {
    nn::init::normal_(m.weight, 1.0, 0.02);
    nn::init::zeros_(m.bias);
  });
}

int run(int argc, char** argv) {
  examples::Args args("dcgan", "Trains a DCGAN on MNIST-format IDX data.");
  args.add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files (raw or .gz)")
      .add("epochs", "5", "number of passes over the training set")
      .add("batch-size", "64", "input batch size")
      .add("nz", "100", "size of the latent z vector")
      .add("ngf", "16", "width of the generator")
      .add("ndf", "16", "width of the discriminator")
      .add("lr", "0.0002", "Adam's learning rate")
      .add("beta1", "0.5", "Adam's beta1")
      .add("seed", "1", "seed of the initial weights, the shuffling and the noise")
      .add("out", ".", "directory for the fake_samples_epoch_N.png and real_samples.png grids")
      .add("limit", "0", "train on the first N images only (0: all)");
  if (!args.parse(argc, argv)) return 0;
  const auto epochs = args.integer("epochs", 1, 100000);
  const auto batch_size = static_cast<std::size_t>(args.integer("batch-size", 1, 1 << 20));
  const auto nz = args.integer("nz", 1, 1 << 20), ngf = args.integer("ngf", 1, 1 << 16),
             ndf = args.integer("ndf", 1, 1 << 16);
  const double lr = args.real("lr", 0.0, 1e6), beta1 = args.real("beta1", 0.0, 1.0);
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  const auto limit = static_cast<std::size_t>(args.integer("limit", 0, INT64_MAX));
  const std::filesystem::path out = args.str("out");
  std::filesystem::create_directories(out);

  manual_seed(seed);
  namespace T = vision::transforms;
  vision::MNIST dataset(
      args.str("data"),
      {.train = true, .transform = T::Compose{T::ToTensor{}, T::Normalize{{0.5f}, {0.5f}}}});
  std::vector<std::size_t> first(limit ? std::min(limit, dataset.size()) : dataset.size());
  std::iota(first.begin(), first.end(), std::size_t{0});
  data::Subset train_set(dataset, std::move(first));
  data::DataLoader dataloader(train_set, {.batch_size = batch_size, .shuffle = true, .seed = seed});

  DCGANGenerator netG(nz, ngf);
  weights_init(netG);
  std::cout << netG << '\n';
  Discriminator netD(ndf);
  weights_init(netD);
  std::cout << netD << '\n';

  nn::BCELoss criterion;
  auto fixed_noise = randn({64, nz, 1, 1});
  const float real_label = 1, fake_label = 0;
  optim::Adam optimizerD(netD.parameters(), {.lr = lr, .betas = {beta1, 0.999}});
  optim::Adam optimizerG(netG.parameters(), {.lr = lr, .betas = {beta1, 0.999}});

  const auto steps = static_cast<long long>((train_set.size() + batch_size - 1) / batch_size);
  double epoch_loss_d = 0;
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    epoch_loss_d = 0;
    long long i = 0;
    for (auto [real, labels] : dataloader) {
      // (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
      // train with real
      netD.zero_grad();
      const std::int64_t b = real.size(0);
      auto label = full({b}, real_label);
      auto output = netD(real);
      auto errD_real = criterion(output, label);
      errD_real.backward();
      const double D_x = output.mean().item();

      // train with fake
      auto noise = randn({b, nz, 1, 1});
      auto fake = netG(noise);
      label.fill_(fake_label);
      output = netD(fake.detach());
      auto errD_fake = criterion(output, label);
      errD_fake.backward();
      const double D_G_z1 = output.mean().item();
      const double errD = errD_real.item() + errD_fake.item();
      optimizerD.step();

      // (2) Update G network: maximize log(D(G(z)))
      netG.zero_grad();
      label.fill_(real_label);  // fake labels are real for generator cost
      output = netD(fake);
      auto errG = criterion(output, label);
      errG.backward();
      const double D_G_z2 = output.mean().item();
      optimizerG.step();

      epoch_loss_d += errD;
      if (i % 10 == 0)
        std::printf(
            "[%lld/%lld][%lld/%lld] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f\n",
            static_cast<long long>(epoch), static_cast<long long>(epochs), i, steps, errD,
            errG.item(), D_x, D_G_z1, D_G_z2);
      if (epoch == 0 && i == 0)
        vision::utils::save_image(real, (out / "real_samples.png").string(), {.normalize = true});
      ++i;
    }
    epoch_loss_d /= static_cast<double>(i);
    {
      NoGradGuard no_grad;
      netG.eval();
      auto fake = netG(fixed_noise);
      netG.train();
      vision::utils::save_image(
          fake, (out / ("fake_samples_epoch_" + std::to_string(epoch) + ".png")).string(),
          {.normalize = true});
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch %lld: mean Loss_D %.4f, %.2f s\n", static_cast<long long>(epoch),
                epoch_loss_d, secs);
    std::fflush(stdout);
  }
  std::printf("wrote real_samples.png and fake_samples_epoch_0..%lld.png into %s\n",
              static_cast<long long>(epochs - 1), out.string().c_str());
  std::printf("Loss_D: %.4f\n", epoch_loss_d);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("dcgan", "Pass the directory with --data DIR.", run, argc, argv);
}
