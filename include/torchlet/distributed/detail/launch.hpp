#pragma once
// What every collective does around its MPI call: checks the group and the element count,
// describes itself for messages, runs the debug shape handshake (TORCHLET_DISTRIBUTED_DEBUG=
// DETAIL), starts the nonblocking MPI operation and either returns its Work or waits for it.
#include <mpi.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "torchlet/distributed/process_group.hpp"
#include "torchlet/distributed/work.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::distributed::detail {

/// The MPI datatype carrying T (bool travels as one byte, 0 or 1).
template <class T>
MPI_Datatype mpi_type() {
  if constexpr (std::is_same_v<T, float>)
    return MPI_FLOAT;
  else if constexpr (std::is_same_v<T, double>)
    return MPI_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return MPI_INT64_T;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return MPI_INT32_T;
  else if constexpr (std::is_same_v<T, std::uint8_t> || std::is_same_v<T, bool>) {
    static_assert(sizeof(bool) == 1, "bool travels as one byte");
    return MPI_UINT8_T;
  } else {
    static_assert(sizeof(T) == 0, "torchlet.distributed: unsupported dtype");
  }
}

/// The collectives, for the handshake and the messages.
enum class Coll : std::int64_t {
  all_reduce = 1,
  broadcast,
  reduce,
  all_gather,
  all_gather_into_tensor,
  reduce_scatter,
  reduce_scatter_tensor,
  gather,
  scatter,
  barrier,
  send,
  recv
};
inline const char* coll_name(std::int64_t c) {
  static const char* names[] = {"?",
                                "all_reduce",
                                "broadcast",
                                "reduce",
                                "all_gather",
                                "all_gather_into_tensor",
                                "reduce_scatter",
                                "reduce_scatter_tensor",
                                "gather",
                                "scatter",
                                "barrier",
                                "send",
                                "recv"};
  return c >= 1 && c <= 12 ? names[c] : "?";
}
inline const char* coll_name(Coll c) { return coll_name(static_cast<std::int64_t>(c)); }

/// The dtype's index in a fixed list (for the handshake).
template <class T>
constexpr std::int64_t dtype_code() {
  if constexpr (std::is_same_v<T, float>) return 1;
  if constexpr (std::is_same_v<T, double>) return 2;
  if constexpr (std::is_same_v<T, std::int64_t>) return 3;
  if constexpr (std::is_same_v<T, std::int32_t>) return 4;
  if constexpr (std::is_same_v<T, std::uint8_t>) return 5;
  if constexpr (std::is_same_v<T, bool>) return 6;
  return 0;
}
inline const char* dtype_of_code(std::int64_t c) {
  static const char* names[] = {"?",           "torch.float32", "torch.float64", "torch.int64",
                                "torch.int32", "torch.uint8",   "torch.bool"};
  return c >= 0 && c <= 6 ? names[c] : "?";
}

/// "all_reduce on rank 1 (tensor [3, 4] torch.float32)": one call, as messages name it.
template <class T>
std::string describe(Coll op, const ProcessGroup& group, const BasicTensor<T>& t) {
  std::string s = std::string(coll_name(op)) + " on rank " + std::to_string(world_rank());
  if (group.is_member() && group.size() != get_world_size())
    s += " (rank " + std::to_string(group.rank()) + " of a group of " +
         std::to_string(group.size()) + ")";
  if (t.defined()) s += " (tensor " + to_string(t.shape()) + " " + dtype_name<T>() + ")";
  return s;
}

/// The group rank of `global` (a rank of the default group, as PyTorch's src / dst); throws
/// std::invalid_argument naming the call when it is not a member of the group.
template <class T>
int root_rank(Coll op, const ProcessGroup& group, int global, const BasicTensor<T>& t) {
  const auto& ranks = group.ranks();
  auto it = std::find(ranks.begin(), ranks.end(), global);
  if (it == ranks.end())
    throw std::invalid_argument(describe(op, group, t) + ": rank " + std::to_string(global) +
                                " is not part of the process group (" +
                                std::to_string(ranks.size()) + " ranks)");
  return static_cast<int>(it - ranks.begin());
}

/// MPI counts are int: throws naming the call when n does not fit.
inline int count_of(std::int64_t n, const std::string& what) {
  if (n < 0 || n > INT_MAX)
    throw std::invalid_argument(what + ": " + std::to_string(n) +
                                " elements do not fit MPI's int count");
  return static_cast<int>(n);
}

/// The group a call runs on (the default group when none is given); throws for a non-member.
inline ProcessGroup group_or_world(const ProcessGroup* group, Coll op) {
  ProcessGroup g = group ? *group : world_group();
  if (!g.is_member())
    throw std::invalid_argument(std::string(coll_name(op)) + ": rank " +
                                std::to_string(world_rank()) +
                                " is not a member of the process group it was called on");
  return g;
}

/// TORCHLET_DISTRIBUTED_DEBUG=DETAIL: every member sends (collective, dtype, root, shape) to
/// every other; all throw the same DistBackendError, naming each rank's call, on a mismatch.
/// `root` is -1 for collectives without one.
template <class T>
void handshake(Coll op, const ProcessGroup& group, const BasicTensor<T>& t, std::int64_t root,
               const std::string& what) {
  if (get_debug_level() != DebugLevel::DETAIL || group.size() == 1) return;
  constexpr int kDims = 8, kLen = 5 + kDims;
  std::array<std::int64_t, kLen> mine{};
  mine[0] = static_cast<std::int64_t>(op);
  mine[1] = dtype_code<T>();
  mine[2] = root;
  mine[3] = t.defined() ? t.dim() : -1;
  mine[4] = t.defined() ? t.numel() : -1;
  for (int d = 0; t.defined() && d < kDims && d < t.dim(); ++d)
    mine[5 + static_cast<std::size_t>(d)] = t.size(d);
  std::vector<std::int64_t> all(static_cast<std::size_t>(kLen * group.size()));
  WorkState w;
  w.what = what + " (debug shape handshake)";
  w.timeout = group.timeout();
  const int rc = MPI_Iallgather(mine.data(), kLen, MPI_INT64_T, all.data(), kLen, MPI_INT64_T,
                                group.comm(), &w.request);
  if (rc != MPI_SUCCESS) w.fail(rc);
  w.wait();
  bool same = true;
  for (int r = 1; r < group.size() && same; ++r)
    same = std::equal(all.begin(), all.begin() + kLen, all.begin() + std::ptrdiff_t{r} * kLen);
  if (same) return;
  std::string msg =
      std::string(coll_name(op)) + ": the ranks' calls differ (TORCHLET_DISTRIBUTED_DEBUG=DETAIL):";
  for (int r = 0; r < group.size(); ++r) {
    const std::int64_t* d = all.data() + std::ptrdiff_t{r} * kLen;
    const Shape shape(d + 5, d + 5 + std::clamp<std::int64_t>(d[3], 0, kDims));
    msg += std::string(r ? ";" : "") + " rank " +
           std::to_string(group.ranks()[static_cast<std::size_t>(r)]) + " called " +
           coll_name(d[0]) + " with tensor " + to_string(shape) + " " + dtype_of_code(d[1]);
    if (d[2] >= 0) msg += " root " + std::to_string(d[2]);
  }
  throw DistBackendError(msg);
}

/// Starts one collective: `start(request)` issues the nonblocking MPI call and returns its
/// code; `finish` runs once it completed (copies out, divides for AVG); `keep` holds the
/// buffers. Returns the pending Work when async_op, else waits and returns a completed one.
/// `shown` is the tensor messages and the handshake describe.
template <class T, class Start>
Work launch(Coll op, const ProcessGroup& group, const BasicTensor<T>& shown, std::int64_t root,
            bool async_op, Start&& start, std::function<void(const MPI_Status&)> finish = nullptr,
            std::shared_ptr<void> keep = nullptr) {
  auto w = std::make_shared<WorkState>();
  w->what = describe(op, group, shown);
  w->timeout = group.timeout();
  handshake(op, group, shown, root, w->what);
  const int rc = start(w->request);
  if (rc != MPI_SUCCESS) w->fail(rc);
  w->finish = std::move(finish);
  w->keep_alive = std::move(keep);
  if (async_op) return Work(std::move(w));
  w->wait();
  return Work();
}

}  // namespace torchlet::distributed::detail
