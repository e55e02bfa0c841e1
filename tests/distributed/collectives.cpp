// Every collective against a hand-computed result on every rank, for each dtype and
// ReduceOp, synchronous and async_op, on views into a larger tensor (torchlet's tensors
// are contiguous; a view is a window with an offset into shared storage: the collective
// must write exactly that window), on transposed copies and on empty tensors.
#include <cstdint>
#include <functional>

#include <torchlet/distributed.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace dist = torchlet::distributed;

namespace {

int rank() { return dist::get_rank(); }
int world() { return dist::get_world_size(); }

// Rank r's value at flat index i: small integers, exact in every dtype.
template <class T>
T value(int r, std::int64_t i) {
  if constexpr (std::is_same_v<T, bool>)
    return (r + i) % 2 == 0;
  else
    return static_cast<T>(r + 1 + i % 3);
}

template <class T>
BasicTensor<T> rank_tensor(const Shape& shape, int r) {
  auto t = BasicTensor<T>::empty(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = value<T>(r, i);
  return t;
}

// The reduction of every rank's value at i, computed here.
template <class T>
T expected(dist::ReduceOp op, std::int64_t i) {
  using dist::ReduceOp;
  if constexpr (std::is_same_v<T, bool>) {
    bool any = false, all = true;
    for (int r = 0; r < world(); ++r) {
      any = any || value<T>(r, i);
      all = all && value<T>(r, i);
    }
    return op == ReduceOp::SUM || op == ReduceOp::MAX ? any : all;
  } else {
    double acc = op == ReduceOp::PRODUCT ? 1.0
                 : op == ReduceOp::MIN   ? 1e300
                 : op == ReduceOp::MAX   ? -1e300
                                         : 0.0;
    for (int r = 0; r < world(); ++r) {
      const double v = static_cast<double>(value<T>(r, i));
      if (op == ReduceOp::SUM || op == ReduceOp::AVG) acc += v;
      if (op == ReduceOp::PRODUCT) acc *= v;
      if (op == ReduceOp::MIN) acc = std::min(acc, v);
      if (op == ReduceOp::MAX) acc = std::max(acc, v);
    }
    if (op == ReduceOp::AVG) {
      if constexpr (std::is_floating_point_v<T>)
        return static_cast<T>(static_cast<T>(acc) / static_cast<T>(world()));
      else
        return static_cast<T>(static_cast<std::int64_t>(acc) / world());
    }
    return static_cast<T>(acc);
  }
}

template <class T>
std::vector<dist::ReduceOp> ops_for() {
  using dist::ReduceOp;
  if constexpr (std::is_same_v<T, bool>)
    return {ReduceOp::SUM, ReduceOp::PRODUCT, ReduceOp::MIN, ReduceOp::MAX};
  else
    return {ReduceOp::SUM, ReduceOp::AVG, ReduceOp::PRODUCT, ReduceOp::MIN, ReduceOp::MAX};
}

template <class T>
void check_values(const BasicTensor<T>& t, const std::function<T(std::int64_t)>& want) {
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    INFO("rank " << rank() << " element " << i);
    CHECK(t.data()[i] == want(i));
  }
}

}  // namespace

TEST_CASE("the process group: rank, world size, initialized") {
  CHECK(dist::is_initialized());
  CHECK(world() >= 2);
  CHECK(rank() >= 0);
  CHECK(rank() < world());
  CHECK(dist::get_world_size(dist::world_group()) == world());
  CHECK_THROWS_AS(dist::init_process_group(), std::logic_error);
  CHECK_THROWS_AS(dist::all_reduce(Tensor()), std::invalid_argument);
}

TEMPLATE_TEST_CASE("all_reduce, every op, sync and async, on views and empty tensors", "", float,
                   double, std::int64_t, std::int32_t, std::uint8_t, bool) {
  using T = TestType;
  for (auto op : ops_for<T>())
    for (bool async_op : {false, true}) {
      INFO("op " << static_cast<int>(op) << " async " << async_op);
      auto t = rank_tensor<T>({2, 3}, rank());
      auto work = dist::all_reduce(t, op, {.async_op = async_op});
      CHECK(work.wait());
      CHECK(work.is_completed());
      check_values<T>(t, [&](std::int64_t i) { return expected<T>(op, i); });

      // A window into a larger tensor: rows 1..2 of [4, 3]; rows 0 and 3 untouched.
      auto big = BasicTensor<T>::empty({4, 3});
      for (std::int64_t i = 0; i < 12; ++i) big.data()[i] = value<T>(rank(), i);
      auto window = big.narrow(0, 1, 2);
      REQUIRE(window.data() == big.data() + 3);
      dist::all_reduce(window, op, {.async_op = async_op}).wait();
      check_values<T>(big, [&](std::int64_t i) {
        return i >= 3 && i < 9 ? expected<T>(op, i) : value<T>(rank(), i);
      });

      auto empty = BasicTensor<T>::empty({0, 5});
      dist::all_reduce(empty, op, {.async_op = async_op}).wait();
      CHECK(empty.numel() == 0);
    }
}

TEMPLATE_TEST_CASE("broadcast and reduce from each root", "", float, double, std::int64_t,
                   std::int32_t, std::uint8_t, bool) {
  using T = TestType;
  for (int root = 0; root < world(); ++root)
    for (bool async_op : {false, true}) {
      auto t = rank_tensor<T>({5}, rank());
      dist::broadcast(t, root, {.async_op = async_op}).wait();
      check_values<T>(t, [&](std::int64_t i) { return value<T>(root, i); });
      for (auto op : ops_for<T>()) {
        auto u = rank_tensor<T>({3, 2}, rank());
        dist::reduce(u, root, op, {.async_op = async_op}).wait();
        if (rank() == root)
          check_values<T>(u, [&](std::int64_t i) { return expected<T>(op, i); });
        else
          check_values<T>(u, [&](std::int64_t i) { return value<T>(rank(), i); });
      }
    }
}

TEMPLATE_TEST_CASE("all_gather, all_gather_into_tensor, gather, scatter", "", float, double,
                   std::int64_t, std::int32_t, std::uint8_t, bool) {
  using T = TestType;
  const int W = world();
  for (bool async_op : {false, true}) {
    auto mine = rank_tensor<T>({2, 2}, rank());
    std::vector<BasicTensor<T>> list;
    for (int r = 0; r < W; ++r) list.push_back(BasicTensor<T>::empty({2, 2}));
    dist::all_gather(list, mine, {.async_op = async_op}).wait();
    for (int r = 0; r < W; ++r)
      check_values<T>(list[r], [&](std::int64_t i) { return value<T>(r, i); });

    auto out = BasicTensor<T>::empty({W * 2, 2});
    dist::all_gather_into_tensor(out, mine, {.async_op = async_op}).wait();
    check_values<T>(out, [&](std::int64_t i) { return value<T>(static_cast<int>(i / 4), i % 4); });

    const int root = W - 1;
    std::vector<BasicTensor<T>> gathered;
    if (rank() == root)
      for (int r = 0; r < W; ++r) gathered.push_back(BasicTensor<T>::empty({2, 2}));
    dist::gather(mine, gathered, root, {.async_op = async_op}).wait();
    for (int r = 0; r < static_cast<int>(gathered.size()); ++r)
      check_values<T>(gathered[r], [&](std::int64_t i) { return value<T>(r, i); });

    std::vector<BasicTensor<T>> pieces;
    if (rank() == 0)
      for (int r = 0; r < W; ++r) pieces.push_back(rank_tensor<T>({3}, 10 + r));
    auto piece = BasicTensor<T>::empty({3});
    dist::scatter(piece, pieces, 0, {.async_op = async_op}).wait();
    check_values<T>(piece, [&](std::int64_t i) { return value<T>(10 + rank(), i); });
  }
}

TEMPLATE_TEST_CASE("reduce_scatter and reduce_scatter_tensor, every op", "", float, double,
                   std::int64_t, std::int32_t, std::uint8_t, bool) {
  using T = TestType;
  const int W = world();
  for (auto op : ops_for<T>())
    for (bool async_op : {false, true}) {
      // input block j on rank r: value(r, j * 4 + i); rank j gets the reduction of block j.
      std::vector<BasicTensor<T>> inputs;
      auto flat = rank_tensor<T>({W * 4}, rank());
      for (int j = 0; j < W; ++j) inputs.push_back(flat.narrow(0, j * 4, 4).clone());
      auto out = BasicTensor<T>::empty({4});
      dist::reduce_scatter(out, inputs, op, {.async_op = async_op}).wait();
      check_values<T>(out, [&](std::int64_t i) { return expected<T>(op, rank() * 4 + i); });
      auto out2 = BasicTensor<T>::empty({2, 2});
      dist::reduce_scatter_tensor(out2, flat, op, {.async_op = async_op}).wait();
      check_values<T>(out2, [&](std::int64_t i) { return expected<T>(op, rank() * 4 + i); });
    }
}

TEST_CASE("collectives refuse a transposed view, take its contiguous copy; several in flight") {
  auto view = rank_tensor<float>({2, 3}, rank()).t();  // [3, 2], strides [1, 3]: a view
  REQUIRE_FALSE(view.is_contiguous());
  // PyTorch: "Tensors must be contiguous"; the check is local, so every rank throws.
  CHECK_THROWS_WITH(dist::all_reduce(view), Catch::Contains("Tensors must be contiguous"));
  auto m = view.contiguous();
  std::vector<dist::Work> works;
  auto a = rank_tensor<float>({7}, rank());
  auto b = rank_tensor<double>({1}, rank());
  works.push_back(dist::all_reduce(m, dist::ReduceOp::SUM, {.async_op = true}));
  works.push_back(dist::all_reduce(a, dist::ReduceOp::MAX, {.async_op = true}));
  works.push_back(dist::all_reduce(b, dist::ReduceOp::SUM, {.async_op = true}));
  works.push_back(dist::barrier({.async_op = true}));
  for (auto& w : works) w.wait();
  // m[i][j] was element (j, i) of the [2, 3] tensor: flat index j * 3 + i.
  for (std::int64_t i = 0; i < 3; ++i)
    for (std::int64_t j = 0; j < 2; ++j)
      CHECK(m.data()[i * 2 + j] == expected<float>(dist::ReduceOp::SUM, j * 3 + i));
  check_values<float>(a, [](std::int64_t i) { return expected<float>(dist::ReduceOp::MAX, i); });
  CHECK(b.item() == expected<double>(dist::ReduceOp::SUM, 0));
}

TEST_CASE("send / recv and isend / irecv around a ring") {
  const int W = world(), next = (rank() + 1) % W, prev = (rank() + W - 1) % W;
  auto out = rank_tensor<std::int64_t>({4}, rank());
  auto in = LongTensor::empty({4});
  auto s = dist::isend(out, next);
  auto r = dist::irecv(in, prev);
  r.wait();
  s.wait();
  check_values<std::int64_t>(in, [&](std::int64_t i) { return value<std::int64_t>(prev, i); });
  // Blocking, from any source: rank 0 receives from every other rank.
  if (rank() == 0) {
    std::vector<int> senders;
    for (int k = 1; k < W; ++k) {
      auto t = Tensor::empty({2});
      const int from = dist::recv(t, -1);
      senders.push_back(from);
      check_values<float>(t, [&](std::int64_t i) { return value<float>(from, i); });
    }
    std::sort(senders.begin(), senders.end());
    for (int k = 1; k < W; ++k) CHECK(senders[k - 1] == k);
  } else {
    dist::send(rank_tensor<float>({2}, rank()), 0);
  }
  // A message with more elements than the receiving tensor: an error naming recv.
  if (rank() == 0) dist::send(rank_tensor<float>({3}, 0), 1, {}, 7);
  if (rank() == 1) {
    auto small = Tensor::empty({2});
    CHECK_THROWS_WITH(dist::recv(small, 0, {}, 7),
                      Catch::Contains("recv on rank 1") && Catch::Contains("[2]"));
  }
  dist::barrier();
}

TEST_CASE("new_group: collectives over a subset, non-members excluded") {
  // Ranks 1..W-1 form a group; rank 0 is outside it.
  std::vector<int> members;
  for (int r = 1; r < world(); ++r) members.push_back(r);
  auto g = dist::new_group(members);
  CHECK(g.size() == world() - 1);
  if (rank() == 0) {
    CHECK_FALSE(g.is_member());
    CHECK(dist::get_rank(g) == -1);
    CHECK_THROWS_WITH(dist::all_reduce(Tensor::empty({1}), dist::ReduceOp::SUM, {.group = g}),
                      Catch::Contains("not a member"));
  } else {
    CHECK(dist::get_rank(g) == rank() - 1);
    auto t = IntTensor::empty({1});
    t.data()[0] = rank();
    dist::all_reduce(t, dist::ReduceOp::SUM, {.group = g});
    CHECK(t.item() == world() * (world() - 1) / 2);
    // src is a rank of the default group, as in PyTorch.
    auto u = IntTensor::empty({1});
    u.data()[0] = rank();
    dist::broadcast(u, world() - 1, {.group = g});
    CHECK(u.item() == world() - 1);
    CHECK_THROWS_WITH(dist::broadcast(u, 0, {.group = g}), Catch::Contains("not part of"));
  }
  dist::barrier();
}

TEST_CASE("local argument errors name the collective, the rank and the shape") {
  auto t = Tensor::empty({2, 3});
  std::vector<Tensor> wrong(static_cast<std::size_t>(world()), Tensor::empty({3, 2}));
  CHECK_THROWS_WITH(dist::all_gather(wrong, t),
                    Catch::Contains("all_gather on rank " + std::to_string(rank())) &&
                        Catch::Contains("[2, 3]") && Catch::Contains("[3, 2]"));
  auto small = Tensor::empty({1});
  CHECK_THROWS_AS(dist::all_gather_into_tensor(small, t), ShapeError);
  CHECK_THROWS_WITH(dist::all_reduce(BoolTensor::empty({1}), dist::ReduceOp::AVG),
                    Catch::Contains("AVG"));
  CHECK_THROWS_WITH(dist::broadcast(t, world()),
                    Catch::Contains("broadcast on rank " + std::to_string(rank()) +
                                    " (tensor [2, 3] torch.float32): rank " +
                                    std::to_string(world()) + " is not part of"));
}

}  // namespace TORCHLET_TEST_FILE
