// Checkpoints: stop a training run, resume it in fresh objects, and get the same losses.
//
//   build/examples/save_and_resume [--data DIR] [--epochs 4] [--stop-after 2]
//                                  [--checkpoint checkpoint.safetensors] [--seed 0]
//
// PyTorch's recipe, in C++:
//   torch.save({'model': model.state_dict(), 'optimizer': opt.state_dict(),
//               'scheduler': sched.state_dict(), 'epoch': epoch}, path)
//   ck = torch.load(path); model.load_state_dict(ck['model']); ...
// is
//   torchlet::save_checkpoint({.model = model.state_dict(), .optimizer = opt.state_dict(),
//                              .scheduler = sched.state_dict(), .metadata = {{"epoch", "2"}}},
//                              path);
//   auto ck = torchlet::load_checkpoint(path); model.load_state_dict(ck.model); ...
//
// The program trains an MLP on the bundled MNIST sample three times: straight through
// (--epochs epochs); stopped after --stop-after epochs and saved; and resumed from the file
// in freshly made objects. It prints the loss of every epoch of each, then the largest
// difference between the resumed run and the straight one (0 when everything that
// matters was saved), and, for contrast, the loss when the optimizer's state (its
// momentum buffers) and the scheduler's are not restored. Exit status 1 if the resumed
// run drifts by more than 1e-5.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;

// Everything a run trains with. Modules, optimizers and schedulers are not copyable, so
// each run makes its own, in place.
struct Trainer {
  nn::Sequential model{nn::Flatten{}, nn::Linear{784, 64}, nn::ReLU{}, nn::Linear{64, 10}};
  optim::SGD opt{model.parameters(), {.lr = 0.05, .momentum = 0.9}};
  optim::StepLR sched{opt, /*step_size=*/2, /*gamma=*/0.3};  // the rate drops after epoch 2
  nn::CrossEntropyLoss criterion;

  // Trains epoch `epoch` (1-based) and returns its mean loss. Each epoch's shuffle is
  // seeded with seed + epoch, so a resumed run sees the batches the straight run saw
  // (PyTorch's DistributedSampler.set_epoch does the same).
  template <class Dataset>
  double train_epoch(Dataset& train, std::uint64_t seed, std::int64_t epoch) {
    data::DataLoader loader(
        train,
        {.batch_size = 64, .shuffle = true, .seed = seed + static_cast<std::uint64_t>(epoch)});
    double loss_sum = 0.0;
    std::int64_t steps = 0;
    auto bar = utils::progress(loader, "epoch " + std::to_string(epoch));
    for (auto [images, labels] : bar) {
      opt.zero_grad();
      auto loss = criterion(model(images), labels);
      loss.backward();
      opt.step();
      loss_sum += loss.item();
      ++steps;
    }
    sched.step();
    return loss_sum / static_cast<double>(steps);
  }
};

int run(int argc, char** argv) {
  examples::Args args(
      "save_and_resume",
      "Trains, saves a checkpoint, resumes it in fresh objects, compares the losses.");
  args.add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files (raw or .gz)")
      .add("epochs", "4", "epochs of the whole run")
      .add("stop-after", "2", "epochs trained before the checkpoint is written")
      .add("checkpoint", "checkpoint.safetensors", "the checkpoint file to write")
      .add("seed", "0", "seed of the initial weights and the shuffling");
  if (!args.parse(argc, argv)) return 0;
  const auto epochs = args.integer("epochs", 1, 1000);
  const auto stop_after = args.integer("stop-after", 1, epochs);
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  const std::string path = args.str("checkpoint");

  auto tf = vision::transforms::Compose{vision::transforms::ToTensor{},
                                        vision::transforms::Normalize{{0.1307f}, {0.3081f}}};
  vision::MNIST train(args.str("data"), {.train = true, .transform = tf});

  // 1. Straight through.
  std::vector<double> straight;
  {
    manual_seed(seed);
    Trainer t;
    for (std::int64_t e = 1; e <= epochs; ++e) {
      const double lr = t.opt.get_lr();
      straight.push_back(t.train_epoch(train, seed, e));
      std::printf("straight  epoch %lld  lr %.4g  loss %.6f\n", static_cast<long long>(e), lr,
                  straight.back());
    }
  }

  // 2. The same run, stopped after `stop_after` epochs: everything goes into one file.
  {
    manual_seed(seed);
    Trainer t;
    for (std::int64_t e = 1; e <= stop_after; ++e) {
      const double lr = t.opt.get_lr();
      const double loss = t.train_epoch(train, seed, e);
      std::printf("stopped   epoch %lld  lr %.4g  loss %.6f\n", static_cast<long long>(e), lr,
                  loss);
    }
    torchlet::save_checkpoint({.model = t.model.state_dict(),
                               .optimizer = t.opt.state_dict(),
                               .scheduler = t.sched.state_dict(),
                               .metadata = {{"epoch", std::to_string(stop_after)}}},
                              path);
    std::printf(
        "saved %s (%ju bytes): model, optimizer (momentum buffers), scheduler, epoch %lld\n",
        path.c_str(), static_cast<std::uintmax_t>(std::filesystem::file_size(path)),
        static_cast<long long>(stop_after));
  }

  // 3. A new process would start here: fresh objects, other initial weights, then the file.
  manual_seed(seed + 12345);
  Trainer resumed;
  const Checkpoint ck = torchlet::load_checkpoint(path);
  resumed.model.load_state_dict(ck.model);
  resumed.opt.load_state_dict(*ck.optimizer);
  resumed.sched.load_state_dict(ck.scheduler);
  const std::int64_t start = std::stoll(ck.metadata.at("epoch")) + 1;
  std::printf("resumed from %s at epoch %lld\n", path.c_str(), static_cast<long long>(start));
  double max_diff = 0.0;
  for (std::int64_t e = start; e <= epochs; ++e) {
    const double lr = resumed.opt.get_lr();
    const double loss = resumed.train_epoch(train, seed, e);
    const double diff = std::abs(loss - straight[static_cast<std::size_t>(e - 1)]);
    max_diff = std::max(max_diff, diff);
    std::printf("resumed   epoch %lld  lr %.4g  loss %.6f  (straight run: %.6f)\n",
                static_cast<long long>(e), lr, loss, straight[static_cast<std::size_t>(e - 1)]);
  }

  // 4. For contrast: only the model's weights restored (a fresh optimizer and scheduler).
  if (start <= epochs) {
    manual_seed(seed + 12345);
    Trainer weights_only;
    weights_only.model.load_state_dict(ck.model);
    const double loss = weights_only.train_epoch(train, seed, start);
    std::printf(
        "weights only, epoch %lld: loss %.6f (straight run: %.6f): without the optimizer's "
        "momentum and "
        "the scheduler's step the run does not continue where it stopped\n",
        static_cast<long long>(start), loss, straight[static_cast<std::size_t>(start - 1)]);
  }
  std::printf("largest |resumed - straight| loss difference: %.3g\n", max_diff);
  return max_diff <= 1e-5 ? 0 : 1;
}

int main(int argc, char** argv) {
  return examples::run_main("save_and_resume", "Pass the directory with --data DIR.", run, argc,
                            argv);
}
