#pragma once
// torch.distributed's collectives on tensors of every dtype (float32, float64, int64, int32,
// uint8, bool), over the default group or one from new_group, synchronous or (async_op) with a
// Work handle. Tensors are written in place, as PyTorch's are; ranks are ranks of the default
// group (src, dst), as in PyTorch. Every rank of the group must make the same calls in the
// same order with tensors of the same shape and dtype (TORCHLET_DISTRIBUTED_DEBUG=DETAIL
// checks the shapes; without it a mismatch is an MPI error or wrong data, as in PyTorch).
//
// ReduceOp on integer tensors: AVG is the sum divided by the group size, truncated toward
// zero. On bool tensors SUM and MAX are a logical or, PRODUCT and MIN a logical and; AVG throws.
#include <mpi.h>

#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchlet/distributed/detail/launch.hpp"
#include "torchlet/distributed/detail/shm.hpp"
#include "torchlet/distributed/process_group.hpp"
#include "torchlet/distributed/work.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::distributed {

/// The reductions of all_reduce, reduce and reduce_scatter (torch.distributed.ReduceOp).
enum class ReduceOp { SUM, AVG, PRODUCT, MIN, MAX };

/// The arguments every collective shares (PyTorch's group= and async_op=).
struct CollectiveOptions {
  /// The group to run on; the default group when empty.
  std::optional<ProcessGroup> group{};
  /// Return at once with a pending Work (wait() on it before reading or writing the tensors);
  /// otherwise the call returns when the result is in place.
  bool async_op = false;
};

namespace detail {

/// The MPI op for ReduceOp on T (AVG sums; divide() finishes it).
template <class T>
MPI_Op mpi_op(ReduceOp op, const std::string& what) {
  if constexpr (std::is_same_v<T, bool>) {
    if (op == ReduceOp::AVG)
      throw std::invalid_argument(what + ": ReduceOp::AVG is not defined for bool tensors");
    return op == ReduceOp::SUM || op == ReduceOp::MAX ? MPI_MAX : MPI_MIN;
  } else {
    switch (op) {
      case ReduceOp::SUM:
      case ReduceOp::AVG:
        return MPI_SUM;
      case ReduceOp::PRODUCT:
        return MPI_PROD;
      case ReduceOp::MIN:
        return MPI_MIN;
      case ReduceOp::MAX:
        return MPI_MAX;
    }
    throw std::invalid_argument(what + ": unknown ReduceOp");
  }
}

/// n elements at p divided by `by` (AVG's second half; integers truncate toward zero).
template <class T>
void divide(T* p, std::int64_t n, int by) {
  if constexpr (!std::is_same_v<T, bool>)
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(p[i] / static_cast<T>(by));
}

/// Throws ShapeError unless every tensor of `list` is defined and has `shape`; `size` >= 0
/// also requires that many tensors.
template <class T>
void check_list(const std::vector<BasicTensor<T>>& list, const Shape& shape, int size,
                const char* name, const std::string& what) {
  if (size >= 0 && static_cast<int>(list.size()) != size)
    throw ShapeError(what + ": " + name + " has " + std::to_string(list.size()) +
                     " tensors, the group has " + std::to_string(size) + " ranks");
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].defined() || list[i].shape() != shape)
      throw ShapeError(what + ": " + name + "[" + std::to_string(i) + "] has shape " +
                       (list[i].defined() ? to_string(list[i].shape()) : "undefined") +
                       ", expected " + to_string(shape));
    if (!list[i].is_contiguous())
      throw std::invalid_argument(what + ": Tensors must be contiguous (" + name + "[" +
                                  std::to_string(i) + "] has strides " +
                                  to_string(list[i].stride()) + ")");
  }
}

template <class T>
void check_defined(const BasicTensor<T>& t, Coll op) {
  if (!t.defined())
    throw std::invalid_argument(std::string(coll_name(op)) + " on rank " +
                                std::to_string(world_rank()) + ": the tensor is undefined");
  // As PyTorch: collectives move whole buffers, a strided view is not one.
  if (!t.is_contiguous())
    throw std::invalid_argument(std::string(coll_name(op)) + " on rank " +
                                std::to_string(world_rank()) +
                                ": Tensors must be contiguous (got shape " + to_string(t.shape()) +
                                ", strides " + to_string(t.stride()) + "; call contiguous())");
}

inline ProcessGroup group_of(const CollectiveOptions& o, Coll op) {
  return group_or_world(o.group ? &*o.group : nullptr, op);
}

/// The shared-memory kernel's combine for ReduceOp on T (after mpi_op validated it).
template <class T>
ShmCombine shm_combine(ReduceOp op) {
  switch (op) {
    case ReduceOp::SUM:
    case ReduceOp::AVG:
      return ShmCombine::kSum;
    case ReduceOp::PRODUCT:
      return ShmCombine::kProd;
    case ReduceOp::MIN:
      return ShmCombine::kMin;
    case ReduceOp::MAX:
      break;
  }
  return ShmCombine::kMax;
}

/// all_reduce through the group's shared memory (detail/shm.hpp) when its ranks share a host
/// and the tensor fits; an empty Work pointer otherwise (then MPI does it). Every rank takes
/// the same decision: it depends only on the group, the size and earlier calls.
template <class T>
std::optional<Work> all_reduce_shm(const BasicTensor<T>& tensor, ReduceOp op, const ProcessGroup& g,
                                   bool async_op, const std::string& what) {
  ShmEngine* shm = ShmEngine::of(g);
  const auto n = static_cast<std::size_t>(tensor.numel());
  if (!shm || !ShmEngine::fits(n * sizeof(T))) return std::nullopt;
  handshake(Coll::all_reduce, g, tensor, -1, what);
  if (n == 0) return Work();
  auto region = shm->ring_region(n * sizeof(T));
  const std::uint64_t seq = region->acquire(what, g.timeout());
  std::memcpy(region->mine(), tensor.data(), n * sizeof(T));
  return shm_start<T>(region, seq, n, shm_combine<T>(op), op == ReduceOp::AVG,
                      {ShmSegment{0, n, tensor.data()}}, async_op, what, g.timeout(),
                      tensor.impl());
}

}  // namespace detail

/// Reduces `tensor` over the group in place: afterwards every rank holds the result
/// (torch.distributed.all_reduce).
template <class T>
Work all_reduce(const BasicTensor<T>& tensor, ReduceOp op = ReduceOp::SUM,
                const CollectiveOptions& options = {}) {
  using namespace detail;
  check_defined(tensor, Coll::all_reduce);
  const ProcessGroup g = group_of(options, Coll::all_reduce);
  const std::string what = describe(Coll::all_reduce, g, tensor);
  const MPI_Op mop = mpi_op<T>(op, what);
  const int n = count_of(tensor.numel(), what);
  if (auto w = all_reduce_shm(tensor, op, g, options.async_op, what)) return std::move(*w);
  T* p = tensor.data();
  std::function<void(const MPI_Status&)> finish;
  if (op == ReduceOp::AVG)
    finish = [p, n, size = g.size()](const MPI_Status&) { divide(p, n, size); };
  return launch(
      Coll::all_reduce, g, tensor, -1, options.async_op,
      [&](MPI_Request& r) {
        return MPI_Iallreduce(MPI_IN_PLACE, p, n, mpi_type<T>(), mop, g.comm(), &r);
      },
      std::move(finish), tensor.impl());
}

/// Copies rank src's `tensor` into `tensor` on every rank (torch.distributed.broadcast).
template <class T>
Work broadcast(const BasicTensor<T>& tensor, int src, const CollectiveOptions& options = {}) {
  using namespace detail;
  check_defined(tensor, Coll::broadcast);
  const ProcessGroup g = group_of(options, Coll::broadcast);
  const int root = root_rank(Coll::broadcast, g, src, tensor);
  const int n = count_of(tensor.numel(), describe(Coll::broadcast, g, tensor));
  return launch(
      Coll::broadcast, g, tensor, src, options.async_op,
      [&](MPI_Request& r) {
        return MPI_Ibcast(tensor.data(), n, mpi_type<T>(), root, g.comm(), &r);
      },
      nullptr, tensor.impl());
}

/// Reduces `tensor` over the group into rank dst's `tensor`; the others' are left as they were
/// (torch.distributed.reduce).
template <class T>
Work reduce(const BasicTensor<T>& tensor, int dst, ReduceOp op = ReduceOp::SUM,
            const CollectiveOptions& options = {}) {
  using namespace detail;
  check_defined(tensor, Coll::reduce);
  const ProcessGroup g = group_of(options, Coll::reduce);
  const int root = root_rank(Coll::reduce, g, dst, tensor);
  const std::string what = describe(Coll::reduce, g, tensor);
  const MPI_Op mop = mpi_op<T>(op, what);
  const int n = count_of(tensor.numel(), what);
  const bool is_root = g.rank() == root;
  T* p = tensor.data();
  std::function<void(const MPI_Status&)> finish;
  if (op == ReduceOp::AVG && is_root)
    finish = [p, n, size = g.size()](const MPI_Status&) { divide(p, n, size); };
  return launch(
      Coll::reduce, g, tensor, dst, options.async_op,
      [&](MPI_Request& r) {
        return MPI_Ireduce(is_root ? MPI_IN_PLACE : p, is_root ? p : nullptr, n, mpi_type<T>(), mop,
                           root, g.comm(), &r);
      },
      std::move(finish), tensor.impl());
}

/// Gathers every rank's `tensor` into tensor_list on every rank: tensor_list[i] receives
/// rank i's (torch.distributed.all_gather). tensor_list: one tensor of tensor's shape per rank.
template <class T>
Work all_gather(const std::vector<BasicTensor<T>>& tensor_list, const BasicTensor<T>& tensor,
                const CollectiveOptions& options = {}) {
  using namespace detail;
  check_defined(tensor, Coll::all_gather);
  const ProcessGroup g = group_of(options, Coll::all_gather);
  const std::string what = describe(Coll::all_gather, g, tensor);
  check_list(tensor_list, tensor.shape(), g.size(), "tensor_list", what);
  const int n = count_of(tensor.numel(), what);
  count_of(tensor.numel() * g.size(), what);
  auto buf = BasicTensor<T>::empty({static_cast<std::int64_t>(tensor.numel() * g.size())});
  auto keep =
      std::make_shared<std::pair<BasicTensor<T>, std::vector<BasicTensor<T>>>>(tensor, tensor_list);
  return launch(
      Coll::all_gather, g, tensor, -1, options.async_op,
      [&](MPI_Request& r) {
        return MPI_Iallgather(tensor.data(), n, mpi_type<T>(), buf.data(), n, mpi_type<T>(),
                              g.comm(), &r);
      },
      [buf, keep, n](const MPI_Status&) {
        for (std::size_t i = 0; i < keep->second.size(); ++i)
          std::copy_n(buf.data() + i * static_cast<std::size_t>(n), n, keep->second[i].data());
      },
      keep);
}

/// Gathers every rank's `input` into `output`, rank by rank (torch.distributed.
/// all_gather_into_tensor): output has world_size times input's elements, e.g. [W * N, ...]
/// for input [N, ...], or [W, N, ...].
template <class T>
Work all_gather_into_tensor(const BasicTensor<T>& output, const BasicTensor<T>& input,
                            const CollectiveOptions& options = {}) {
  using namespace detail;
  check_defined(input, Coll::all_gather_into_tensor);
  check_defined(output, Coll::all_gather_into_tensor);
  const ProcessGroup g = group_of(options, Coll::all_gather_into_tensor);
  const std::string what = describe(Coll::all_gather_into_tensor, g, input);
  if (output.numel() != input.numel() * g.size())
    throw ShapeError(what + ": output of shape " + to_string(output.shape()) + " must have " +
                     std::to_string(g.size()) + " x " + std::to_string(input.numel()) +
                     " elements");
  const int n = count_of(input.numel(), what);
  count_of(output.numel(), what);
  auto keep = std::make_shared<std::pair<BasicTensor<T>, BasicTensor<T>>>(input, output);
  return launch(
      Coll::all_gather_into_tensor, g, input, -1, options.async_op,
      [&](MPI_Request& r) {
        return MPI_Iallgather(input.data(), n, mpi_type<T>(), output.data(), n, mpi_type<T>(),
                              g.comm(), &r);
      },
      nullptr, keep);
}

/// Reduces input_list[i] over the group into rank i's `output` (torch.distributed.
/// reduce_scatter). input_list: one tensor of output's shape per rank.
template <class T>
Work reduce_scatter(const BasicTensor<T>& output, const std::vector<BasicTensor<T>>& input_list,
                    ReduceOp op = ReduceOp::SUM, const CollectiveOptions& options = {}) {
  using namespace detail;
  check_defined(output, Coll::reduce_scatter);
  const ProcessGroup g = group_of(options, Coll::reduce_scatter);
  const std::string what = describe(Coll::reduce_scatter, g, output);
  check_list(input_list, output.shape(), g.size(), "input_list", what);
  const MPI_Op mop = mpi_op<T>(op, what);
  const int n = count_of(output.numel(), what);
  count_of(output.numel() * g.size(), what);
  auto buf = BasicTensor<T>::empty({static_cast<std::int64_t>(output.numel() * g.size())});
  for (std::size_t i = 0; i < input_list.size(); ++i)
    std::copy_n(input_list[i].data(), n, buf.data() + i * static_cast<std::size_t>(n));
  T* p = output.data();
  const bool avg = op == ReduceOp::AVG;
  return launch(
      Coll::reduce_scatter, g, output, -1, options.async_op,
      [&](MPI_Request& r) {
        return MPI_Ireduce_scatter_block(buf.data(), p, n, mpi_type<T>(), mop, g.comm(), &r);
      },
      [buf, p, n, avg, size = g.size()](const MPI_Status&) {
        if (avg) divide(p, n, size);
      },
      output.impl());
}

/// Reduces `input` (world_size blocks of output's size, rank by rank) over the group; rank i's
/// `output` receives block i's result (torch.distributed.reduce_scatter_tensor).
template <class T>
Work reduce_scatter_tensor(const BasicTensor<T>& output, const BasicTensor<T>& input,
                           ReduceOp op = ReduceOp::SUM, const CollectiveOptions& options = {}) {
  using namespace detail;
  check_defined(output, Coll::reduce_scatter_tensor);
  check_defined(input, Coll::reduce_scatter_tensor);
  const ProcessGroup g = group_of(options, Coll::reduce_scatter_tensor);
  const std::string what = describe(Coll::reduce_scatter_tensor, g, output);
  if (input.numel() != output.numel() * g.size())
    throw ShapeError(what + ": input of shape " + to_string(input.shape()) + " must have " +
                     std::to_string(g.size()) + " x " + std::to_string(output.numel()) +
                     " elements");
  const MPI_Op mop = mpi_op<T>(op, what);
  const int n = count_of(output.numel(), what);
  count_of(input.numel(), what);
  T* p = output.data();
  const bool avg = op == ReduceOp::AVG;
  auto keep = std::make_shared<std::pair<BasicTensor<T>, BasicTensor<T>>>(input, output);
  return launch(
      Coll::reduce_scatter_tensor, g, output, -1, options.async_op,
      [&](MPI_Request& r) {
        return MPI_Ireduce_scatter_block(input.data(), p, n, mpi_type<T>(), mop, g.comm(), &r);
      },
      [p, n, avg, size = g.size()](const MPI_Status&) {
        if (avg) divide(p, n, size);
      },
      keep);
}

/// Gathers every rank's `tensor` into rank dst's gather_list (torch.distributed.gather):
/// gather_list[i] receives rank i's. gather_list: one tensor of tensor's shape per rank on dst,
/// empty on the other ranks.
template <class T>
Work gather(const BasicTensor<T>& tensor, const std::vector<BasicTensor<T>>& gather_list = {},
            int dst = 0, const CollectiveOptions& options = {}) {
  using namespace detail;
  check_defined(tensor, Coll::gather);
  const ProcessGroup g = group_of(options, Coll::gather);
  const int root = root_rank(Coll::gather, g, dst, tensor);
  const std::string what = describe(Coll::gather, g, tensor);
  const bool is_root = g.rank() == root;
  if (is_root)
    check_list(gather_list, tensor.shape(), g.size(), "gather_list", what);
  else if (!gather_list.empty())
    throw std::invalid_argument(what + ": gather_list must be empty on a rank other than dst");
  const int n = count_of(tensor.numel(), what);
  count_of(tensor.numel() * g.size(), what);
  auto buf =
      BasicTensor<T>::empty({is_root ? static_cast<std::int64_t>(tensor.numel() * g.size()) : 0});
  auto keep =
      std::make_shared<std::pair<BasicTensor<T>, std::vector<BasicTensor<T>>>>(tensor, gather_list);
  return launch(
      Coll::gather, g, tensor, dst, options.async_op,
      [&](MPI_Request& r) {
        return MPI_Igather(tensor.data(), n, mpi_type<T>(), is_root ? buf.data() : nullptr, n,
                           mpi_type<T>(), root, g.comm(), &r);
      },
      [buf, keep, n](const MPI_Status&) {
        for (std::size_t i = 0; i < keep->second.size(); ++i)
          std::copy_n(buf.data() + i * static_cast<std::size_t>(n), n, keep->second[i].data());
      },
      keep);
}

/// Sends scatter_list[i] from rank src to rank i's `tensor` (torch.distributed.scatter).
/// scatter_list: one tensor of tensor's shape per rank on src, empty on the other ranks.
template <class T>
Work scatter(const BasicTensor<T>& tensor, const std::vector<BasicTensor<T>>& scatter_list = {},
             int src = 0, const CollectiveOptions& options = {}) {
  using namespace detail;
  check_defined(tensor, Coll::scatter);
  const ProcessGroup g = group_of(options, Coll::scatter);
  const int root = root_rank(Coll::scatter, g, src, tensor);
  const std::string what = describe(Coll::scatter, g, tensor);
  const bool is_root = g.rank() == root;
  if (is_root)
    check_list(scatter_list, tensor.shape(), g.size(), "scatter_list", what);
  else if (!scatter_list.empty())
    throw std::invalid_argument(what + ": scatter_list must be empty on a rank other than src");
  const int n = count_of(tensor.numel(), what);
  count_of(tensor.numel() * g.size(), what);
  auto buf =
      BasicTensor<T>::empty({is_root ? static_cast<std::int64_t>(tensor.numel() * g.size()) : 0});
  for (std::size_t i = 0; i < scatter_list.size(); ++i)
    std::copy_n(scatter_list[i].data(), n, buf.data() + i * static_cast<std::size_t>(n));
  auto keep = std::make_shared<std::pair<BasicTensor<T>, BasicTensor<T>>>(tensor, buf);
  return launch(
      Coll::scatter, g, tensor, src, options.async_op,
      [&](MPI_Request& r) {
        return MPI_Iscatter(is_root ? buf.data() : nullptr, n, mpi_type<T>(), tensor.data(), n,
                            mpi_type<T>(), root, g.comm(), &r);
      },
      nullptr, keep);
}

/// Returns once every rank of the group has called it (torch.distributed.barrier).
inline Work barrier(const CollectiveOptions& options = {}) {
  using namespace detail;
  const ProcessGroup g = group_of(options, Coll::barrier);
  return launch(Coll::barrier, g, BasicTensor<std::uint8_t>(), -1, options.async_op,
                [&](MPI_Request& r) { return MPI_Ibarrier(g.comm(), &r); });
}

}  // namespace torchlet::distributed
