// main() of the distributed test programs, run by ctest under mpirun: joins the process group
// (a 20 s collective timeout, so that a rank left waiting aborts the job instead of hanging),
// runs the Catch2 test cases on every rank, and fails on every rank when any rank failed.
#ifdef TORCHLET_CATCH2_V3
#include <catch2/catch_session.hpp>
#else
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#endif
#include <torchlet/distributed.hpp>

int main(int argc, char** argv) {
  namespace dist = torchlet::distributed;
  dist::init_process_group({.timeout = std::chrono::seconds(20)});
  const int failed = Catch::Session().run(argc, argv);
  torchlet::IntTensor any = torchlet::IntTensor::empty({1});
  any.data()[0] = failed;
  dist::all_reduce(any, dist::ReduceOp::MAX);
  dist::destroy_process_group();
  return any.data()[0] != 0 ? 1 : 0;
}
