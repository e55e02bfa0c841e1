// Started without mpirun: a world of one process, where collectives are copies.
#include <cstdio>

#include <torchlet/distributed.hpp>

int main() {
  namespace dist = torchlet::distributed;
  dist::init_process_group();
  auto t = torchlet::Tensor::empty({3});
  t.fill_(2.0f);
  dist::all_reduce(t, dist::ReduceOp::AVG);
  const bool ok = dist::get_world_size() == 1 && dist::get_rank() == 0 && t.data()[2] == 2.0f;
  dist::destroy_process_group();
  std::printf("distributed consumer: %s\n", ok ? "ok" : "wrong");
  return ok ? 0 : 1;
}
