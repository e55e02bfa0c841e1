// One all-reduce of a float tensor between the ranks of one host, four ways, in one run
// (docs/distributed.md, "Ranks on one host"): Open MPI's blocking MPI_Allreduce, its
// nonblocking MPI_Iallreduce + MPI_Wait (torchlet's path without shared memory), torchlet's
// all_reduce (in shared memory when the ranks share a host), and a local memcpy of the same
// bytes (a floor: what one pass over the data costs). The methods alternate, round after
// round, so that other processes on the machine slow them alike; median microseconds per
// call over the rounds, the slowest rank's. One line of JSON per size on rank 0.
//
//   mpirun -np 2 build/benchmarks/bench_allreduce [--numel 203530] [--rounds 20] [--calls 50]
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <torchlet/distributed.hpp>

using namespace torchlet;
namespace dist = torchlet::distributed;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t numel = 203530;  // the MLP 784-256-10's gradients
  int rounds = 20, calls = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--numel")
      numel = std::stoll(v);
    else if (k == "--rounds")
      rounds = std::stoi(v);
    else if (k == "--calls")
      calls = std::stoi(v);
    else {
      std::fprintf(stderr, "bench_allreduce: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  dist::init_process_group();
  const MPI_Comm comm = dist::world_group().comm();
  const int n = static_cast<int>(numel);
  Tensor t = Tensor::empty({numel});
  t.fill_(1.0f);
  std::vector<float> src(static_cast<std::size_t>(n), 1.0f), dst(static_cast<std::size_t>(n));
  const char* names[] = {"MPI_Allreduce", "MPI_Iallreduce+MPI_Wait", "torchlet all_reduce",
                         "memcpy"};
  std::vector<std::vector<double>> us(4);
  for (int round = 0; round <= rounds; ++round)  // round 0: warm-up
    for (int m = 0; m < 4; ++m) {
      MPI_Barrier(comm);
      const double start = MPI_Wtime();
      for (int c = 0; c < calls; ++c) {
        if (m == 0) MPI_Allreduce(MPI_IN_PLACE, t.data(), n, MPI_FLOAT, MPI_SUM, comm);
        if (m == 1) {
          MPI_Request r = MPI_REQUEST_NULL;
          MPI_Iallreduce(MPI_IN_PLACE, t.data(), n, MPI_FLOAT, MPI_SUM, comm, &r);
          MPI_Wait(&r, MPI_STATUS_IGNORE);
        }
        if (m == 2) dist::all_reduce(t, dist::ReduceOp::SUM);
        if (m == 3) std::memcpy(dst.data(), src.data(), sizeof(float) * src.size());
      }
      double per_call = (MPI_Wtime() - start) / calls * 1e6;
      MPI_Allreduce(MPI_IN_PLACE, &per_call, 1, MPI_DOUBLE, MPI_MAX, comm);
      if (round > 0) us[static_cast<std::size_t>(m)].push_back(per_call);
      t.fill_(1.0f);
    }
  if (dist::get_rank() == 0) {
    std::printf("{\"ranks\": %d, \"numel\": %lld, \"bytes\": %lld, \"shared_memory\": %s",
                dist::get_world_size(), static_cast<long long>(numel),
                static_cast<long long>(numel * 4),
                dist::detail::ShmEngine::of(dist::world_group()) ? "true" : "false");
    for (int m = 0; m < 4; ++m)
      std::printf(", \"%s_us\": %.1f", names[m], median(us[static_cast<std::size_t>(m)]));
    std::printf("}\n");
  }
  dist::destroy_process_group();
  return 0;
}
