// A failing rank must not leave the others waiting: run by check_fault.cmake under mpirun,
// which checks that the job ends quickly, with a non-zero status and a message saying why.
//   fault throw   rank 1 throws out of main mid-training (std::terminate: MPI_Abort)
//   fault exit    rank 1 catches its error and returns 1 without destroy_process_group
//   fault skip    rank 1 skips a collective the others wait in (the 3 s timeout aborts)
#include <cstdio>
#include <stdexcept>
#include <string>

#include <torchlet/distributed.hpp>
#include <torchlet/torchlet.hpp>

using namespace torchlet;
namespace dist = torchlet::distributed;

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "throw";
  dist::init_process_group({.timeout = std::chrono::seconds(3)});
  const int rank = dist::get_rank();
  manual_seed(0);
  nn::Linear model{8, 2};
  nn::parallel::DistributedDataParallel ddp(model);
  optim::SGD opt(model.parameters(), {.lr = 0.1});
  auto x = Tensor::empty({4, 8});
  x.fill_(0.5f);
  for (int step = 0; step < 1000; ++step) {
    if (step == 3 && rank == 1) {
      if (mode == "throw") throw std::runtime_error("rank 1 failed on purpose at step 3");
      if (mode == "exit") {
        std::fprintf(stderr, "rank 1: giving up at step 3\n");
        return 1;
      }
      if (mode == "skip") continue;
    }
    opt.zero_grad();
    ddp(x).sum().backward();
    opt.step();
  }
  dist::destroy_process_group();
  return 0;
}
