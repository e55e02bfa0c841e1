// DistributedDataParallel's speed, run under mpirun (benchmarks/ddp_compare.sh runs it with 1
// and 2 ranks next to PyTorch's DDP over gloo). For the MLP (784-256-10) and a LeNet CNN on
// MNIST-format data, batch 32 per rank, SGD, one thread per rank, each rank an epoch over its
// DistributedSampler shard:
//   - time per epoch (median of the timed epochs, slowest rank),
//   - with 2+ ranks, two DDP settings: buckets of --bucket-cap-mb (all-reduces start during
//     backward) and one bucket holding every gradient (one all-reduce after backward);
//   - "all-reduce alone": the same all-reduces timed by themselves (one blocking all_reduce of
//     every gradient per step), the communication's full cost;
//   - "exposed": the time backward's last hook waited for all-reduces (communication, and
//     waiting for the slower rank, that backward did not hide). benchmarks/ddp_compare.sh
//     derives the overlap: 1 - exposed(bucketed) / exposed(one all-reduce after backward).
// One line of JSON per (model, setting) on rank 0.
//
//   mpirun -np 2 build/benchmarks/bench_ddp [--model mlp|cnn|both] [--epochs 3]
//          [--batch-size 32] [--bucket-cap-mb 0.25] [--data DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <torchlet/distributed.hpp>
#include <torchlet/torchlet.hpp>

using namespace torchlet;
namespace dist = torchlet::distributed;
using Clock = std::chrono::steady_clock;

namespace {

struct LeNet : nn::Module {
  nn::Sequential features{
      nn::Conv2d{1, 16, 3, {.padding = 1}},  nn::ReLU{}, nn::MaxPool2d{2},  // [B, 16, 14, 14]
      nn::Conv2d{16, 32, 3, {.padding = 1}}, nn::ReLU{}, nn::MaxPool2d{2},  // [B, 32, 7, 7]
  };
  nn::Sequential classifier{nn::Flatten{}, nn::Linear{32 * 7 * 7, 128}, nn::ReLU{},
                            nn::Linear{128, 10}};
  LeNet() {
    register_module("features", features);
    register_module("classifier", classifier);
  }
  Tensor forward(const Tensor& x) override { return classifier(features(x)); }
};

std::shared_ptr<nn::Module> make_model(const std::string& which) {
  manual_seed(0);
  if (which == "mlp")
    return std::make_shared<nn::Sequential>(nn::Flatten{}, nn::Linear{784, 256}, nn::ReLU{},
                                            nn::Linear{256, 10});
  return std::make_shared<LeNet>();
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// The largest (max) or the mean of x over the ranks.
double over_ranks(double x, bool max) {
  DoubleTensor t = DoubleTensor::empty({1});
  t.data()[0] = x;
  dist::all_reduce(t, max ? dist::ReduceOp::MAX : dist::ReduceOp::AVG);
  return t.data()[0];
}

struct Result {
  double epoch = 0, exposed = 0, launch = 0, alone = 0;
  std::int64_t steps = 0, buckets = 0, grad_bytes = 0;
};

// Epochs of `which` over this rank's shard; ddp_cap <= 0: no DDP (the single process).
Result run(const std::string& which, const vision::MNIST& train, std::size_t batch, int epochs,
           double ddp_cap) {
  const int world = dist::get_world_size(), rank = dist::get_rank();
  Result r;
  auto model = make_model(which);
  std::unique_ptr<nn::parallel::DistributedDataParallel> ddp;
  if (ddp_cap > 0)
    ddp = std::make_unique<nn::parallel::DistributedDataParallel>(
        *model, nn::parallel::DistributedDataParallelOptions{.bucket_cap_mb = ddp_cap});
  nn::Module& net = ddp ? static_cast<nn::Module&>(*ddp) : *model;
  optim::SGD opt(model->parameters(), {.lr = 0.05});
  nn::CrossEntropyLoss criterion;
  data::DistributedSampler sampler(train, {.num_replicas = static_cast<std::size_t>(world),
                                           .rank = static_cast<std::size_t>(rank)});
  for (auto& p : model->parameters()) r.grad_bytes += p.numel() * 4;
  Tensor images;
  LongTensor labels;
  std::vector<double> times, exposed, launch;
  for (int epoch = 0; epoch <= epochs; ++epoch) {  // epoch 0: warm-up
    sampler.set_epoch(static_cast<std::uint64_t>(epoch));
    const auto idx = sampler.indices();
    if (ddp) ddp->reset_comm_stats();
    dist::barrier();
    const auto start = Clock::now();
    std::int64_t steps = 0;
    for (std::size_t k = 0; k + batch <= idx.size(); k += batch, ++steps) {
      train.get_batch(std::span<const std::size_t>(idx.data() + k, batch), images, labels);
      opt.zero_grad();
      criterion(net(images), labels).backward();
      opt.step();
    }
    const double t = seconds_since(start);
    if (epoch == 0) continue;
    times.push_back(over_ranks(t, true));
    if (ddp) {
      exposed.push_back(over_ranks(ddp->comm_stats().wait_seconds, false));
      launch.push_back(over_ranks(ddp->comm_stats().launch_seconds, false));
      r.buckets = static_cast<std::int64_t>(ddp->num_buckets());
    }
    r.steps = steps;
  }
  r.epoch = median(times);
  r.exposed = median(exposed);
  r.launch = median(launch);
  if (ddp) {  // the same communication by itself: one all-reduce of all gradients per step
    std::int64_t n = 0;
    for (auto& p : model->parameters()) n += p.numel();
    Tensor flat = Tensor::empty({n});
    flat.fill_(1.0f);
    std::vector<double> alone;
    for (int e = 0; e < std::max(epochs, 1); ++e) {
      dist::barrier();
      const auto start = Clock::now();
      for (std::int64_t s = 0; s < r.steps; ++s) dist::all_reduce(flat, dist::ReduceOp::AVG);
      alone.push_back(over_ranks(seconds_since(start), false));
    }
    r.alone = median(alone);
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string models = "both", data_dir = TORCHLET_SOURCE_DIR "/data/mnist";
  int epochs = 3;
  std::size_t batch = 32;
  double cap = 0.25;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model")
      models = v;
    else if (k == "--epochs")
      epochs = std::stoi(v);
    else if (k == "--batch-size")
      batch = static_cast<std::size_t>(std::stoul(v));
    else if (k == "--bucket-cap-mb")
      cap = std::stod(v);
    else if (k == "--data")
      data_dir = v;
    else {
      std::fprintf(stderr, "bench_ddp: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  dist::init_process_group();
  set_num_threads(1);
  const int world = dist::get_world_size(), rank = dist::get_rank();
  namespace T = vision::transforms;
  auto tf = T::Compose{T::ToTensor{}, T::Normalize{{0.2860f}, {0.3530f}}};
  vision::MNIST train(data_dir, {.train = true, .transform = tf});
  std::vector<std::string> which =
      models == "both" ? std::vector<std::string>{"mlp", "cnn"} : std::vector<std::string>{models};
  for (const auto& m : which) {
    struct Setting {
      const char* name;
      double cap;
    };
    std::vector<Setting> settings;
    if (world == 1)
      settings = {{"single process", 0.0}};
    else
      settings = {{"bucketed", cap}, {"one all-reduce after backward", 1e6}};
    for (const auto& s : settings) {
      const Result r = run(m, train, batch, epochs, s.cap);
      if (rank == 0) {
        std::printf(
            "{\"framework\": \"torchlet\", \"model\": \"%s\", \"ranks\": %d, \"setting\": \"%s\", "
            "\"samples\": %zu, \"batch_per_rank\": %zu, \"steps\": %lld, \"buckets\": %lld, "
            "\"epoch_s\": %.4f, \"allreduce_alone_s\": %.4f, \"exposed_s\": %.4f, "
            "\"launch_s\": %.4f, \"grad_bytes\": %lld}\n",
            m.c_str(), world, s.name, train.size(), batch, static_cast<long long>(r.steps),
            static_cast<long long>(r.buckets), r.epoch, r.alone, r.exposed, r.launch,
            static_cast<long long>(r.grad_bytes));
        std::fflush(stdout);
      }
    }
  }
  dist::destroy_process_group();
  return 0;
}
