// Data-parallel training of the MNIST MLP (784 -> 256 -> 10) over MPI, written as a PyTorch
// user writes a DistributedDataParallel script: init_process_group, a DistributedSampler
// giving each rank its shard (set_epoch every epoch), the model wrapped in
// DistributedDataParallel, output and checkpoints from rank 0 only.
//
//   mpirun -np 2 build/examples/mnist_ddp [--data DIR] [--epochs 3] [--batch-size 32]
//                                         [--lr 0.05] [--bucket-cap-mb 25] [--seed 0]
//                                         [--save FILE]
//
// --batch-size is per rank (the global batch is world size x that). DIR defaults to the
// bundled sample (data/mnist). Only rank 0 prints: one line per epoch, then
// "test accuracy: 0.XXXX". Across hosts: docs/distributed.md.
#include <chrono>
#include <cstdio>

#include <torchlet/distributed.hpp>
#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/evaluate.hpp"
#include "common/main.hpp"

using namespace torchlet;
namespace dist = torchlet::distributed;

int run(int argc, char** argv) {
  examples::Args args("mnist_ddp", "Trains an MLP on MNIST with DistributedDataParallel (MPI).");
  args.add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files (raw or .gz)")
      .add("epochs", "3", "number of passes over the training set")
      .add("batch-size", "32", "samples per batch on each rank")
      .add("lr", "0.05", "learning rate (SGD, momentum 0.9)")
      .add("bucket-cap-mb", "25", "DistributedDataParallel's gradient bucket size in MiB")
      .add("seed", "0", "seed of the initial weights and of the sampler's shuffling")
      .add("save", "", "rank 0 saves the trained weights to this .safetensors file");
  dist::init_process_group();
  const int rank = dist::get_rank(), world = dist::get_world_size();
  // Every rank parses the same command line (and reports the same mistakes).
  if (!args.parse(argc, argv)) return 0;
  const auto epochs = args.integer("epochs", 0, 100000);
  const auto batch_size = static_cast<std::size_t>(args.integer("batch-size", 1, 1 << 20));
  const double lr = args.real("lr", 0.0, 1e6);
  const double bucket_cap_mb = args.real("bucket-cap-mb", 1e-6, 1e6);
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));

  manual_seed(seed);
  namespace T = vision::transforms;
  auto tf = T::Compose{T::ToTensor{}, T::Normalize{{0.1307f}, {0.3081f}}};
  vision::MNIST train(args.str("data"), {.train = true, .transform = tf});
  vision::MNIST test(args.str("data"), {.train = false, .transform = tf});
  data::DistributedSampler sampler(train, {.num_replicas = static_cast<std::size_t>(world),
                                           .rank = static_cast<std::size_t>(rank),
                                           .seed = seed});
  data::DataLoader loader(train, {.batch_size = batch_size, .sampler = sampler});
  data::DataLoader test_loader(test, {.batch_size = 1000});

  nn::Sequential model{nn::Flatten{}, nn::Linear{784, 256}, nn::ReLU{}, nn::Linear{256, 10}};
  nn::parallel::DistributedDataParallel ddp(model, {.bucket_cap_mb = bucket_cap_mb});
  optim::SGD opt(model.parameters(), {.lr = lr, .momentum = 0.9});
  nn::CrossEntropyLoss criterion;
  if (rank == 0)
    std::printf("%d ranks x batch %zu, %zu training samples (%zu per rank), %zu test samples\n",
                world, batch_size, train.size(), sampler.size(), test.size());

  for (std::int64_t epoch = 1; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    sampler.set_epoch(static_cast<std::uint64_t>(epoch));
    // Per-rank sums, all-reduced once per epoch: [loss sum, batches, correct, seen].
    DoubleTensor totals = zeros<double>({4});
    for (auto [images, labels] : loader) {
      opt.zero_grad();
      auto logits = ddp(images);
      auto loss = criterion(logits, labels);
      loss.backward();  // gradients averaged over the ranks during backward
      opt.step();
      totals.data()[0] += loss.item();
      totals.data()[1] += 1;
      totals.data()[2] += static_cast<double>((logits.detach().argmax(1) == labels).sum().item());
      totals.data()[3] += static_cast<double>(labels.numel());
    }
    dist::all_reduce(totals);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (rank == 0) {
      std::printf("epoch %lld/%lld  loss %.4f  train acc %.4f  (%d ranks)  %.2f s\n",
                  static_cast<long long>(epoch), static_cast<long long>(epochs),
                  totals.data()[0] / totals.data()[1], totals.data()[2] / totals.data()[3], world,
                  secs);
      std::fflush(stdout);
    }
  }
  // Every rank holds the same weights; rank 0 evaluates and writes the checkpoint.
  if (rank == 0) {
    if (const std::string path = args.str("save"); !path.empty()) {
      save(model, path);
      std::printf("saved %s\n", path.c_str());
    }
    std::printf("test accuracy: %.4f\n", examples::evaluate(model, test_loader));
    std::fflush(stdout);
  }
  dist::destroy_process_group();
  return 0;
}

int main(int argc, char** argv) {
  // On an error run_main returns 1 without destroy_process_group: mpirun then ends the job.
  return examples::run_main("mnist_ddp", "Pass the directory with --data DIR.", run, argc, argv);
}
