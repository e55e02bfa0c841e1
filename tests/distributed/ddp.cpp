// nn::parallel::DistributedDataParallel: rank 0's state at construction, averaged gradients
// (one bucket or many), no_sync, find_unused_parameters, broadcast_buffers, rank-0 checkpoints.
#include <cmath>
#include <cstdio>

#include <torchlet/distributed.hpp>
#include <torchlet/io.hpp>
#include <torchlet/torchlet.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace dist = torchlet::distributed;
using nn::parallel::DistributedDataParallel;

namespace {

int rank() { return dist::get_rank(); }
int world() { return dist::get_world_size(); }

struct Net : nn::Module {
  nn::Linear fc1{6, 5}, fc2{5, 4}, fc3{4, 3};
  Net() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
    register_module("fc3", fc3);
  }
  Tensor forward(const Tensor& x) override { return fc3(fc2(fc1(x).relu()).tanh()); }
};

// Rank r's batch: [4, 6], different on every rank.
Tensor batch_of(int r) {
  auto x = Tensor::empty({4, 6});
  for (std::int64_t i = 0; i < x.numel(); ++i)
    x.data()[i] = std::sin(0.37f * static_cast<float>(i) + 1.3f * static_cast<float>(r));
  return x;
}

// Whether t is the same (bitwise) on every rank.
bool same_everywhere(const Tensor& t) {
  auto mine = t.detach().clone();
  auto max = mine.clone(), min = mine.clone();
  dist::all_reduce(max, dist::ReduceOp::MAX);
  dist::all_reduce(min, dist::ReduceOp::MIN);
  bool same = true;
  for (std::int64_t i = 0; i < t.numel(); ++i) same = same && max.data()[i] == min.data()[i];
  return same;
}

// The averaged gradients a single process computes from every rank's batch.
std::vector<Tensor> reference_grads(Net& copy, int accumulate = 1) {
  copy.zero_grad();
  for (int r = 0; r < world(); ++r)
    for (int k = 0; k < accumulate; ++k) (copy(batch_of(r)).pow(2.0f).sum() / world()).backward();
  std::vector<Tensor> g;
  for (auto& p : copy.parameters()) g.push_back(p.grad());
  return g;
}

void copy_state(Net& from, Net& to) { to.load_state_dict(from.state_dict()); }

void check_close(const Tensor& a, const Tensor& b) {
  REQUIRE(a.defined());
  REQUIRE(b.defined());
  REQUIRE(a.shape() == b.shape());
  for (std::int64_t i = 0; i < a.numel(); ++i)
    CHECK(a.data()[i] == Approx(b.data()[i]).margin(1e-6));
}

}  // namespace

TEST_CASE("construction copies rank 0's parameters; gradients are averaged over ranks") {
  for (double cap : {25.0, 0.00001}) {  // one bucket; one bucket per parameter
    INFO("bucket_cap_mb " << cap);
    manual_seed(100 + static_cast<std::uint64_t>(rank()));  // a different init on every rank
    Net net;
    DistributedDataParallel ddp(net, {.bucket_cap_mb = cap});
    CHECK(ddp.num_buckets() == (cap > 1 ? 1u : 6u));
    for (auto& p : net.parameters()) CHECK(same_everywhere(p));
    Net ref;
    copy_state(net, ref);
    auto want = reference_grads(ref);
    net.zero_grad();
    ddp(batch_of(rank())).pow(2.0f).sum().backward();
    auto params = net.parameters();
    for (std::size_t k = 0; k < params.size(); ++k) {
      check_close(params[k].grad(), want[k]);
      CHECK(same_everywhere(params[k].grad()));
    }
    CHECK(ddp.comm_stats().iterations == 1);
    CHECK(ddp.comm_stats().all_reduces == static_cast<std::int64_t>(ddp.num_buckets()));
    // state_dict keys as PyTorch's DDP: "module." in front.
    CHECK(ddp.state_dict().contains("module.fc1.weight"));
  }
}

TEST_CASE("no_sync accumulates locally; the next synchronised backward averages the sum") {
  manual_seed(7);
  Net net;
  DistributedDataParallel ddp(net, {.bucket_cap_mb = 0.00001});
  Net ref;
  copy_state(net, ref);
  auto want = reference_grads(ref, 2);
  net.zero_grad();
  {
    auto guard = ddp.no_sync();
    ddp(batch_of(rank())).pow(2.0f).sum().backward();
  }
  CHECK(ddp.comm_stats().iterations == 0);
  // Inside no_sync the gradients are this rank's own: they differ between ranks.
  CHECK_FALSE(same_everywhere(net.fc1.weight.grad()));
  ddp(batch_of(rank())).pow(2.0f).sum().backward();
  CHECK(ddp.comm_stats().iterations == 1);
  auto params = net.parameters();
  for (std::size_t k = 0; k < params.size(); ++k) check_close(params[k].grad(), want[k]);
}

namespace {
// fc_b is used only on rank 0; fc_never on no rank.
struct Branchy : nn::Module {
  nn::Linear fc_a{3, 2}, fc_b{3, 2}, fc_never{3, 2};
  Branchy() {
    register_module("fc_a", fc_a);
    register_module("fc_b", fc_b);
    register_module("fc_never", fc_never);
  }
  Tensor forward(const Tensor& x) override {
    auto y = fc_a(x);
    return dist::get_rank() == 0 ? y + fc_b(x) : y;
  }
};
}  // namespace

TEST_CASE(
    "find_unused_parameters: a parameter used on some ranks is averaged, one used nowhere "
    "keeps no gradient") {
  manual_seed(3);
  Branchy net;
  DistributedDataParallel ddp(net, {.bucket_cap_mb = 0.00001, .find_unused_parameters = true});
  auto x = Tensor::empty({2, 3});
  x.fill_(1.0f);
  for (int step = 0; step < 2; ++step) {
    net.zero_grad();
    ddp(x).sum().backward();
    // fc_b's gradient on rank 0 is 2 per bias element (two rows); averaged over the world.
    REQUIRE(net.fc_b.bias.grad().defined());
    for (auto v : net.fc_b.bias.grad().to_vector()) CHECK(v == Approx(2.0 / world()));
    for (auto v : net.fc_a.bias.grad().to_vector()) CHECK(v == Approx(2.0));
    CHECK_FALSE(net.fc_never.weight.grad().defined());
  }
}

TEST_CASE("without find_unused_parameters, an unused parameter is reported at the next forward") {
  manual_seed(3);
  Branchy net;
  net.fc_b.requires_grad_(false);  // the same model on every rank, fc_never unused everywhere
  DistributedDataParallel ddp(net);
  auto x = Tensor::empty({2, 3});
  x.fill_(1.0f);
  ddp(x).sum().backward();
  CHECK_THROWS_WITH(
      ddp(x), Catch::Contains("fc_never.weight") && Catch::Contains("find_unused_parameters"));
}

TEST_CASE("broadcast_buffers: every forward uses rank 0's BatchNorm statistics") {
  manual_seed(11);
  nn::Sequential net{nn::Linear{4, 3}, nn::BatchNorm1d{3}};
  DistributedDataParallel ddp(net);
  auto x = Tensor::empty({5, 4});
  for (std::int64_t i = 0; i < x.numel(); ++i)
    x.data()[i] = static_cast<float>((i * 7 + rank() * 3) % 11);
  ddp(x);  // each rank updates its running stats from its own batch...
  CHECK_FALSE(same_everywhere(net.buffers()[0]));
  ddp(x);  // ...and the next forward starts from rank 0's
  for (auto& b : net.buffers()) CHECK(same_everywhere(b) == (b.numel() == 1));
  nn::Sequential plain{nn::Linear{4, 3}, nn::BatchNorm1d{3}};
  DistributedDataParallel quiet(plain, {.broadcast_buffers = false});
  quiet(x);
  quiet(x);
  CHECK_FALSE(same_everywhere(plain.buffers()[0]));
}

TEST_CASE("checkpoints: rank 0 writes, every rank loads the same weights") {
  manual_seed(static_cast<std::uint64_t>(rank()));
  Net net;
  DistributedDataParallel ddp(net);
  const std::string path = std::string(TORCHLET_BINARY_DIR) + "/ddp_checkpoint_" +
                           std::to_string(world()) + ".safetensors";
  if (rank() == 0) save(net, path);
  dist::barrier();
  Net other;  // different initial weights on every rank
  load(other, path);
  auto a = other.parameters(), b = net.parameters();
  for (std::size_t k = 0; k < a.size(); ++k) CHECK(a[k].to_vector() == b[k].to_vector());
  dist::barrier();
  if (rank() == 0) std::remove(path.c_str());
}

TEST_CASE("models that differ between ranks are refused, naming the ranks") {
  nn::Linear small{3, rank() == 0 ? 2 : 3};
  CHECK_THROWS_WITH(
      DistributedDataParallel(small),
      Catch::Contains("DistributedDataParallel on rank") && Catch::Contains("same model"));
}

}  // namespace TORCHLET_TEST_FILE
