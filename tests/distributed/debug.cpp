// TORCHLET_DISTRIBUTED_DEBUG=DETAIL (set by ctest for this program): a collective called
// with different shapes, dtypes or collectives on different ranks throws the same
// DistBackendError on every rank, naming each rank's call, instead of corrupting data.
#include <torchlet/distributed.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace dist = torchlet::distributed;

TEST_CASE("the debug level comes from TORCHLET_DISTRIBUTED_DEBUG") {
  CHECK(dist::get_debug_level() == dist::DebugLevel::DETAIL);
}

TEST_CASE("mismatched shapes are reported on every rank, with every rank's shape") {
  const int r = dist::get_rank();
  // Same element count, different shapes: MPI alone would not notice.
  auto t = r == 0 ? Tensor::empty({2, 3}) : Tensor::empty({3, 2});
  t.fill_(1.0f);
  CHECK_THROWS_WITH(dist::all_reduce(t), Catch::Contains("all_reduce") &&
                                             Catch::Contains("rank 0 called all_reduce with "
                                                             "tensor [2, 3] torch.float32") &&
                                             Catch::Contains("rank 1 called all_reduce with "
                                                             "tensor [3, 2] torch.float32"));
  // The group is still usable afterwards.
  auto ok = Tensor::empty({2});
  ok.fill_(1.0f);
  dist::all_reduce(ok);
  CHECK(ok.to_vector() == std::vector<float>(2, static_cast<float>(dist::get_world_size())));
}

TEST_CASE("mismatched dtypes, roots and collectives are reported") {
  const int r = dist::get_rank();
  if (r == 0) {
    CHECK_THROWS_WITH(dist::broadcast(IntTensor::empty({4}), 0),
                      Catch::Contains("torch.int32") && Catch::Contains("torch.int64"));
    CHECK_THROWS_WITH(dist::broadcast(Tensor::empty({4}), 0), Catch::Contains("root 1"));
    CHECK_THROWS_WITH(dist::broadcast(Tensor::empty({4}), 0),
                      Catch::Contains("rank 1 called all_reduce"));
  } else {
    CHECK_THROWS_AS(dist::broadcast(LongTensor::empty({4}), 0), dist::DistBackendError);
    CHECK_THROWS_AS(dist::broadcast(Tensor::empty({4}), r == 1 ? 1 : 0), dist::DistBackendError);
    CHECK_THROWS_WITH(dist::all_reduce(Tensor::empty({4})),
                      Catch::Contains("rank 0 called broadcast"));
  }
}

}  // namespace TORCHLET_TEST_FILE
