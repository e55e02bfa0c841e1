#pragma once
// Matrix products through Eigen's GEMM on mapped row-major buffers (no copies).
// mm: [n, k] @ [k, m] -> [n, m]; matmul follows torch.matmul for 1-D, 2-D, batched 3-D.
#include "torchlet/detail/eigen.hpp"
#include "torchlet/tensor/elementwise.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet {
namespace detail {

/// C = op(A) @ op(B) (+ C if accumulate); op = transpose where asked. Row-major maps.
template <class T>
void gemm(const T* a, std::int64_t ar, std::int64_t ac, bool ta, const T* b, std::int64_t br, std::int64_t bc,
          bool tb, T* c, bool accumulate) {
  const auto A = cmmap(a, ar, ac);
  const auto B = cmmap(b, br, bc);
  const std::int64_t n = ta ? ac : ar, m = tb ? br : bc;
  auto C = mmap(c, n, m);
  if (!accumulate) {
    if (!ta && !tb) C.noalias() = A * B;
    else if (ta && !tb) C.noalias() = A.transpose() * B;
    else if (!ta && tb) C.noalias() = A * B.transpose();
    else C.noalias() = A.transpose() * B.transpose();
  } else {
    if (!ta && !tb) C.noalias() += A * B;
    else if (ta && !tb) C.noalias() += A.transpose() * B;
    else if (!ta && tb) C.noalias() += A * B.transpose();
    else C.noalias() += A.transpose() * B.transpose();
  }
}

}  // namespace detail

/// [n, k] @ [k, m] -> [n, m]
template <class T>
BasicTensor<T> mm(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  if (a.dim() != 2 || b.dim() != 2)
    throw ShapeError("mm: expected 2-D tensors, got " + to_string(a.shape()) + " @ " + to_string(b.shape()));
  const auto n = a.size(0), k = a.size(1), m = b.size(1);
  if (b.size(0) != k)
    throw ShapeError("matmul: " + to_string(a.shape()) + " @ " + to_string(b.shape()) +
                     " - inner dimensions differ (" + std::to_string(k) + " vs " + std::to_string(b.size(0)) + ")");
  auto out = BasicTensor<T>::empty({n, m});
  detail::gemm(a.data(), n, k, false, b.data(), k, m, false, out.data(), false);
  if (detail::needs_graph<T>({&a, &b})) {
    auto ad = a.detach(), bd = b.detach();
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    detail::record(out, "MmBackward", {&a, &b}, [=](const BasicTensor<T>& g) {
      BasicTensor<T> da, db;
      if (ga) {  // dA = G @ B^T : [n, m] @ [m, k]
        da = BasicTensor<T>::empty({n, k});
        detail::gemm(g.data(), n, m, false, bd.data(), k, m, true, da.data(), false);
      }
      if (gb) {  // dB = A^T @ G : [k, n] @ [n, m]
        db = BasicTensor<T>::empty({k, m});
        detail::gemm(ad.data(), n, k, true, g.data(), n, m, false, db.data(), false);
      }
      return std::vector<BasicTensor<T>>{da, db};
    });
  }
  return out;
}

/// [B, n, k] @ [B, k, m] -> [B, n, m]
template <class T>
BasicTensor<T> bmm(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  if (a.dim() != 3 || b.dim() != 3 || a.size(0) != b.size(0) || a.size(2) != b.size(1))
    throw ShapeError("bmm: " + to_string(a.shape()) + " @ " + to_string(b.shape()) +
                     " - expected [B, n, k] @ [B, k, m]");
  const auto B = a.size(0), n = a.size(1), k = a.size(2), m = b.size(2);
  auto out = BasicTensor<T>::empty({B, n, m});
  for (std::int64_t i = 0; i < B; ++i)
    detail::gemm(a.data() + i * n * k, n, k, false, b.data() + i * k * m, k, m, false, out.data() + i * n * m, false);
  if (detail::needs_graph<T>({&a, &b})) {
    auto ad = a.detach(), bd = b.detach();
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    detail::record(out, "BmmBackward", {&a, &b}, [=](const BasicTensor<T>& g) {
      BasicTensor<T> da, db;
      if (ga) da = BasicTensor<T>::empty({B, n, k});
      if (gb) db = BasicTensor<T>::empty({B, k, m});
      for (std::int64_t i = 0; i < B; ++i) {
        if (ga) detail::gemm(g.data() + i * n * m, n, m, false, bd.data() + i * k * m, k, m, true, da.data() + i * n * k, false);
        if (gb) detail::gemm(ad.data() + i * n * k, n, k, true, g.data() + i * n * m, n, m, false, db.data() + i * k * m, false);
      }
      return std::vector<BasicTensor<T>>{da, db};
    });
  }
  return out;
}

/// torch.matmul: 1-D x 1-D dot, 2-D x 2-D mm, 1-D operands promoted and squeezed,
/// 3-D batched (a 2-D operand broadcast over the batch).
template <class T>
BasicTensor<T> matmul(const BasicTensor<T>& a, const BasicTensor<T>& b) {
  const auto da = a.dim(), db = b.dim();
  if (da == 0 || db == 0)
    throw ShapeError("matmul: both arguments need at least 1 dimension, got " + to_string(a.shape()) + " @ " + to_string(b.shape()));
  if (da == 1 && db == 1) {
    if (a.size(0) != b.size(0))
      throw ShapeError("matmul: " + to_string(a.shape()) + " @ " + to_string(b.shape()) +
                       " - inner dimensions differ (" + std::to_string(a.size(0)) + " vs " + std::to_string(b.size(0)) + ")");
    return mm(a.unsqueeze(0), b.unsqueeze(1)).reshape({});
  }
  if (da == 2 && db == 2) return mm(a, b);
  if (da == 1 && db == 2) return mm(a.unsqueeze(0), b).squeeze(0);
  if (da == 2 && db == 1) return mm(a, b.unsqueeze(1)).squeeze(1);
  if (da == 3 && db == 3) return bmm(a, b);
  if (da == 3 && db == 2) {  // [B, n, k] @ [k, m]: fold the batch into rows
    if (a.size(2) != b.size(0))
      throw ShapeError("matmul: " + to_string(a.shape()) + " @ " + to_string(b.shape()) +
                       " - inner dimensions differ (" + std::to_string(a.size(2)) + " vs " + std::to_string(b.size(0)) + ")");
    return mm(a.reshape({-1, a.size(2)}), b).reshape({a.size(0), a.size(1), b.size(1)});
  }
  if (da == 3 && db == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
  throw ShapeError("matmul: unsupported operand ranks " + to_string(a.shape()) + " @ " + to_string(b.shape()));
}

/// beta * input + alpha * (m1 @ m2), input broadcast to [n, m].
template <class T>
BasicTensor<T> addmm(const BasicTensor<T>& input, const BasicTensor<T>& m1, const BasicTensor<T>& m2) {
  return add(mm(m1, m2), input);
}

template <class T> BasicTensor<T> BasicTensor<T>::matmul(const BasicTensor& o) const { return torchlet::matmul(*this, o); }

}  // namespace torchlet
