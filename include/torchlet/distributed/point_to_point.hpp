#pragma once
// torch.distributed's point-to-point messages: send / recv block, isend / irecv return a Work.
// Ranks are ranks of the default group (or of `group` when given); a message matches the recv
// of the same tag from the same sender, in order.
#include <mpi.h>

#include <optional>
#include <string>

#include "torchlet/distributed/detail/launch.hpp"
#include "torchlet/distributed/process_group.hpp"
#include "torchlet/distributed/work.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::distributed {

/// Sends `tensor` to rank dst without waiting (torch.distributed.isend): do not write to it
/// before wait().
template <class T>
Work isend(const BasicTensor<T>& tensor, int dst, std::optional<ProcessGroup> group = {},
           int tag = 0) {
  using namespace detail;
  const ProcessGroup g = group_or_world(group ? &*group : nullptr, Coll::send);
  if (!tensor.defined()) throw std::invalid_argument("send: the tensor is undefined");
  if (!tensor.is_contiguous())
    throw std::invalid_argument("send: Tensors must be contiguous (got strides " +
                                to_string(tensor.stride()) + "; call contiguous())");
  const std::string what = describe(Coll::send, g, tensor) + " to rank " + std::to_string(dst);
  const int peer = g.group_rank(dst);
  const int n = count_of(tensor.numel(), what);
  auto w = std::make_shared<WorkState>();
  w->what = what;
  w->timeout = g.timeout();
  w->keep_alive = tensor.impl();
  const int rc = MPI_Isend(tensor.data(), n, mpi_type<T>(), peer, tag, g.comm(), &w->request);
  if (rc != MPI_SUCCESS) w->fail(rc);
  return Work(std::move(w));
}

/// Receives into `tensor` from rank src, or from any rank when src < 0, without waiting
/// (torch.distributed.irecv); after wait(), Work::source_rank() is the sender's rank in the
/// group. A message whose element count differs from tensor's throws DistBackendError.
template <class T>
Work irecv(const BasicTensor<T>& tensor, int src = -1, std::optional<ProcessGroup> group = {},
           int tag = 0) {
  using namespace detail;
  const ProcessGroup g = group_or_world(group ? &*group : nullptr, Coll::recv);
  if (!tensor.defined()) throw std::invalid_argument("recv: the tensor is undefined");
  if (!tensor.is_contiguous())
    throw std::invalid_argument("recv: Tensors must be contiguous (got strides " +
                                to_string(tensor.stride()) + "; call contiguous())");
  const std::string what =
      describe(Coll::recv, g, tensor) +
      (src < 0 ? std::string(" from any rank") : " from rank " + std::to_string(src));
  const int peer = src < 0 ? MPI_ANY_SOURCE : g.group_rank(src);
  const int n = count_of(tensor.numel(), what);
  auto w = std::make_shared<WorkState>();
  w->what = what;
  w->timeout = g.timeout();
  w->keep_alive = tensor.impl();
  w->finish = [what, n](const MPI_Status& st) {
    int got = 0;
    MPI_Get_count(&st, mpi_type<T>(), &got);
    if (got != n)
      throw DistBackendError(what + ": received " + std::to_string(got) +
                             " elements, the tensor has " + std::to_string(n));
  };
  const int rc = MPI_Irecv(tensor.data(), n, mpi_type<T>(), peer, tag, g.comm(), &w->request);
  if (rc != MPI_SUCCESS) w->fail(rc);
  return Work(std::move(w));
}

/// Sends `tensor` to rank dst and returns when the buffer may be reused
/// (torch.distributed.send).
template <class T>
void send(const BasicTensor<T>& tensor, int dst, std::optional<ProcessGroup> group = {},
          int tag = 0) {
  isend(tensor, dst, std::move(group), tag).wait();
}

/// Receives into `tensor` from rank src (any rank when src < 0) and returns the sender's rank
/// (torch.distributed.recv).
template <class T>
int recv(const BasicTensor<T>& tensor, int src = -1, std::optional<ProcessGroup> group = {},
         int tag = 0) {
  const ProcessGroup g = detail::group_or_world(group ? &*group : nullptr, detail::Coll::recv);
  Work w = irecv(tensor, src, g, tag);
  w.wait();
  return g.ranks()[static_cast<std::size_t>(w.source_rank())];
}

}  // namespace torchlet::distributed
