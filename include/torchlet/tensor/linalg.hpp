#pragma once
// Matrix products through Eigen's GEMM on mapped row-major buffers (no copies; a transposed
// operand, x.t(), x.mT(), k.transpose(-2, -1), is read from its storage as it lies).
//   mm:     [n, k] @ [k, m] -> [n, m]
//   bmm:    [B, n, k] @ [B, k, m] -> [B, n, m]
//   matmul: torch.matmul: 1-D x 1-D dot, 2-D mm, 1-D operands promoted then squeezed,
//           batched [*Ba, n, k] @ [*Bb, k, m] -> [broadcast(Ba, Bb), n, m]
//   addmm:  beta * input + alpha * (m1 @ m2), input broadcast to [n, m]
//   baddbmm, addbmm, addmv, outer: composed from the products above (autograd from them)
//   dist, cdist: p-norm distances, composed from sub and norm

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_LINALG
#endif

#include "torchlet/tensor/binary.hpp"
#include "torchlet/tensor/comparison.hpp"
#include "torchlet/tensor/detail/gemm.hpp"
#include "torchlet/tensor/inplace.hpp"
#include "torchlet/tensor/norm.hpp"
#include "torchlet/tensor/reduction.hpp"
#include "torchlet/tensor/unary.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet {

/// [n, k] @ [k, m] -> [n, m]
template <class Scalar>
BasicTensor<Scalar> mm(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  if (a.dim() != 2 || b.dim() != 2)
    throw ShapeError("mm: expected 2-D tensors, got " + to_string(a.shape()) + " @ " +
                     to_string(b.shape()));
  const auto n = a.size(0), k = a.size(1), m = b.size(1);
  if (b.size(0) != k) throw ShapeError(detail::inner_mismatch(a.shape(), b.shape(), k, b.size(0)));
  auto out = BasicTensor<Scalar>::empty({n, m});
  detail::gemm(detail::gemm_operand(a), detail::gemm_operand(b), out.data(), false);
  if (detail::needs_graph<Scalar>({&a, &b})) {
    detail::record(
        out, "MmBackward0", {&a, &b},
        [sa = b.requires_grad() ? detail::SavedTensor<Scalar>(a) : detail::SavedTensor<Scalar>(),
         sb = a.requires_grad() ? detail::SavedTensor<Scalar>(b) : detail::SavedTensor<Scalar>(), n,
         k, m](const BasicTensor<Scalar>& g) {
          BasicTensor<Scalar> da, db;
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            if (sb.defined()) da = g.mm(sb.variable("MmBackward0", {k, m}).t());
            if (sa.defined()) db = sa.variable("MmBackward0", {n, k}).t().mm(g);
            return std::vector<BasicTensor<Scalar>>{da, db};
          }
          if (sb.defined()) {  // dA = G @ B^T : [n, m] @ [m, k]
            da = BasicTensor<Scalar>::empty({n, k});
            detail::gemm(detail::gemm_operand(g),
                         detail::gemm_operand(sb, "MmBackward0", k, m, true), da.data(), false);
          }
          if (sa.defined()) {  // dB = A^T @ G : [k, n] @ [n, m]
            db = BasicTensor<Scalar>::empty({k, m});
            detail::gemm(detail::gemm_operand(sa, "MmBackward0", n, k, true),
                         detail::gemm_operand(g), db.data(), false);
          }
          return std::vector<BasicTensor<Scalar>>{da, db};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

/// [B, n, k] @ [B, k, m] -> [B, n, m] (no broadcasting, as torch.bmm).
template <class Scalar>
BasicTensor<Scalar> bmm(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  detail::check_bmm("bmm", a, b);
  return detail::batched_matmul("BmmBackward0", a, b);
}

/// torch.matmul (see the top of this file).
template <class Scalar>
BasicTensor<Scalar> matmul(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  const auto da = a.dim(), db = b.dim();
  if (da == 0 || db == 0)
    throw ShapeError("matmul: both arguments need at least 1 dimension, got " +
                     to_string(a.shape()) + " @ " + to_string(b.shape()));
  if (da == 1 && db == 1) {
    if (a.size(0) != b.size(0))
      throw ShapeError(detail::inner_mismatch(a.shape(), b.shape(), a.size(0), b.size(0)));
    return mm(a.unsqueeze(0), b.unsqueeze(1)).reshape({});
  }
  if (da == 2 && db == 2) return mm(a, b);
  if (da == 1 && db == 2) {
    if (a.size(0) != b.size(0))
      throw ShapeError(detail::inner_mismatch(a.shape(), b.shape(), a.size(0), b.size(0)));
    return mm(a.unsqueeze(0), b).squeeze(0);
  }
  if (da == 2 && db == 1) {
    if (a.size(1) != b.size(0))
      throw ShapeError(detail::inner_mismatch(a.shape(), b.shape(), a.size(1), b.size(0)));
    return mm(a, b.unsqueeze(1)).squeeze(1);
  }
  // Batched. A 1-D operand becomes a matrix ([k] -> [1, k] on the left, [k, 1] on the
  // right) and that dim is removed from the result.
  if (db == 1) {
    if (a.size(-1) != b.size(0))
      throw ShapeError(detail::inner_mismatch(a.shape(), b.shape(), a.size(-1), b.size(0)));
    return matmul(a, b.unsqueeze(1)).squeeze(-1);
  }
  if (da == 1) {
    if (a.size(0) != b.size(-2))
      throw ShapeError(detail::inner_mismatch(a.shape(), b.shape(), a.size(0), b.size(-2)));
    return matmul(a.unsqueeze(0), b).squeeze(-2);
  }
  if (a.size(-1) != b.size(-2))
    throw ShapeError(detail::inner_mismatch(a.shape(), b.shape(), a.size(-1), b.size(-2)));
  if (db == 2) {  // [*B, n, k] @ [k, m]: fold the batch into rows, one GEMM
    Shape os = a.shape();
    os.back() = b.size(1);
    return mm(a.reshape({-1, a.size(-1)}), b).reshape(os);
  }
  return detail::batched_matmul("BmmBackward0", a, b);
}

/// beta * input + alpha * (m1 @ m2): m1 [n, k], m2 [k, m], input broadcastable to [n, m].
template <class Scalar>
BasicTensor<Scalar> addmm(const BasicTensor<Scalar>& input, const BasicTensor<Scalar>& m1,
                          const BasicTensor<Scalar>& m2, Scalar beta = Scalar(1),
                          Scalar alpha = Scalar(1)) {
  if (m1.dim() != 2 || m2.dim() != 2)
    throw ShapeError("addmm: expected 2-D matrices, got " + to_string(m1.shape()) + " @ " +
                     to_string(m2.shape()));
  const auto n = m1.size(0), k = m1.size(1), m = m2.size(1);
  if (m2.size(0) != k)
    throw ShapeError(detail::inner_mismatch(m1.shape(), m2.shape(), k, m2.size(0)));
  const Shape os{n, m};
  if (input.shape() != os && detail::broadcast_shapes("addmm", input.shape(), os) != os)
    throw ShapeError("addmm: input of shape " + to_string(input.shape()) +
                     " cannot be broadcast to the product's shape " + to_string(os));
  auto out = BasicTensor<Scalar>::empty(os);
  std::fill_n(out.data(), out.numel(), Scalar(0));
  if (beta != Scalar(0))  // beta = 0 ignores input (even NaN), as PyTorch
    detail::broadcast_into(out, input, os, out.data(),
                           [beta](const auto&, const auto& y) { return y * beta; });
  detail::gemm(detail::gemm_operand(m1), detail::gemm_operand(m2), out.data(), true, alpha);
  if (detail::needs_graph<Scalar>({&input, &m1, &m2})) {
    detail::record(
        out, "AddmmBackward0", {&input, &m1, &m2},
        [gi = input.requires_grad(), is = input.shape(), beta, alpha,
         s1 = m2.requires_grad() ? detail::SavedTensor<Scalar>(m1) : detail::SavedTensor<Scalar>(),
         s2 = m1.requires_grad() ? detail::SavedTensor<Scalar>(m2) : detail::SavedTensor<Scalar>(),
         n, k, m](const BasicTensor<Scalar>& g) {
          BasicTensor<Scalar> dinput, d1, d2;
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            if (gi) dinput = detail::sum_to_recorded(beta == Scalar(1) ? g : g * beta, is);
            if (s2.defined()) d1 = g.mm(s2.variable("AddmmBackward0", {k, m}).t()) * alpha;
            if (s1.defined()) d2 = s1.variable("AddmmBackward0", {n, k}).t().mm(g) * alpha;
            return std::vector<BasicTensor<Scalar>>{dinput, d1, d2};
          }
          if (gi) dinput = detail::sum_to(beta == Scalar(1) ? g : g * beta, is);
          if (s2.defined()) {
            d1 = BasicTensor<Scalar>::empty({n, k});
            detail::gemm(detail::gemm_operand(g),
                         detail::gemm_operand(s2, "AddmmBackward0", k, m, true), d1.data(), false,
                         alpha);
          }
          if (s1.defined()) {
            d2 = BasicTensor<Scalar>::empty({k, m});
            detail::gemm(detail::gemm_operand(s1, "AddmmBackward0", n, k, true),
                         detail::gemm_operand(g), d2.data(), false, alpha);
          }
          return std::vector<BasicTensor<Scalar>>{dinput, d1, d2};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::matmul(const BasicTensor& o) const {
  return torchlet::matmul(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::mm(const BasicTensor& o) const {
  return torchlet::mm(*this, o);
}

/// torch.baddbmm(input, batch1, batch2, beta, alpha): beta * input + alpha * bmm(batch1,
/// batch2); batch1 [B, n, k], batch2 [B, k, m], input broadcastable to [B, n, m].
template <class Scalar>
BasicTensor<Scalar> baddbmm(const BasicTensor<Scalar>& input, const BasicTensor<Scalar>& batch1,
                            const BasicTensor<Scalar>& batch2, Scalar beta = Scalar(1),
                            Scalar alpha = Scalar(1)) {
  detail::check_bmm("baddbmm", batch1, batch2);
  auto p = detail::batched_matmul("BmmBackward0", batch1, batch2);
  return detail::add_scaled("baddbmm", input, alpha == Scalar(1) ? p : p * alpha, beta);
}
/// torch.addbmm(input, batch1, batch2, beta, alpha): beta * input + alpha * sum_b batch1[b] @
/// batch2[b]; batch1 [B, n, k], batch2 [B, k, m], input broadcastable to [n, m].
template <class Scalar>
BasicTensor<Scalar> addbmm(const BasicTensor<Scalar>& input, const BasicTensor<Scalar>& batch1,
                           const BasicTensor<Scalar>& batch2, Scalar beta = Scalar(1),
                           Scalar alpha = Scalar(1)) {
  detail::check_bmm("addbmm", batch1, batch2);
  // sum_b A[b] @ B[b] = [n, B*k] @ [B*k, m]: one GEMM on the batch laid side by side.
  const auto nb = batch1.size(0), n = batch1.size(1), k = batch1.size(2), m = batch2.size(2);
  auto p = mm(batch1.permute({1, 0, 2}).reshape({n, nb * k}), batch2.reshape({nb * k, m}));
  return detail::add_scaled("addbmm", input, alpha == Scalar(1) ? p : p * alpha, beta);
}
/// torch.addmv(input, mat, vec, beta, alpha): beta * input + alpha * (mat @ vec); mat [n, m],
/// vec [m], input broadcastable to [n].
template <class Scalar>
BasicTensor<Scalar> addmv(const BasicTensor<Scalar>& input, const BasicTensor<Scalar>& mat,
                          const BasicTensor<Scalar>& vec, Scalar beta = Scalar(1),
                          Scalar alpha = Scalar(1)) {
  if (mat.dim() != 2 || vec.dim() != 1 || mat.size(1) != vec.size(0))
    throw ShapeError("addmv: " + to_string(mat.shape()) + " @ " + to_string(vec.shape()) +
                     " - expected a matrix [n, m] and a vector [m]");
  auto p = mm(mat, vec.unsqueeze(1)).squeeze(1);
  return detail::add_scaled("addmv", input, alpha == Scalar(1) ? p : p * alpha, beta);
}
/// torch.outer(a, b): a [n], b [m] -> [n, m] with out[i, j] = a[i] * b[j].
template <class Scalar>
BasicTensor<Scalar> outer(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  if (a.dim() != 1 || b.dim() != 1)
    throw ShapeError("outer: expected two 1-D vectors, got " + to_string(a.shape()) + " and " +
                     to_string(b.shape()));
  return a.unsqueeze(1) * b.unsqueeze(0);
}
/// torch.dist(a, b, p): the p-norm of a - b (broadcast), 0-D; p as in norm (2, 1, 0, inf,
/// -inf, any real).
template <class Scalar>
BasicTensor<Scalar> dist(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b,
                         double p = 2.0) {
  return norm(a - b, p);
}
/// torch.cdist(x1, x2, p): the p-norm distance between every row of x1 and every row of x2,
/// x1 [*B1, P, M], x2 [*B2, R, M] -> [broadcast(B1, B2), P, R]; p >= 0 (0, 1, 2, inf, any).
/// Computed as norm(x1[.., :, None, :] - x2[.., None, :, :], p, -1), so it holds a
/// [*B, P, R, M] temporary; the gradient at a zero distance is 0, as PyTorch's.
template <class Scalar>
BasicTensor<Scalar> cdist(const BasicTensor<Scalar>& x1, const BasicTensor<Scalar>& x2,
                          double p = 2.0) {
  if (x1.dim() < 2 || x2.dim() < 2)
    throw ShapeError("cdist: expected x1 [*B, P, M] and x2 [*B, R, M] with at least 2 dims, got " +
                     to_string(x1.shape()) + " and " + to_string(x2.shape()));
  if (x1.size(-1) != x2.size(-1))
    throw ShapeError("cdist: x1 and x2 must have the same number of columns, got " +
                     to_string(x1.shape()) + " and " + to_string(x2.shape()));
  if (!(p >= 0)) throw std::invalid_argument("cdist: p must be >= 0, got " + std::to_string(p));
  const Shape b1(x1.shape().begin(), x1.shape().end() - 2),
      b2(x2.shape().begin(), x2.shape().end() - 2);
  try {
    detail::broadcast_shapes("cdist", b1, b2);
  } catch (const ShapeError&) {
    throw ShapeError("cdist: the batch dims of " + to_string(x1.shape()) + " and " +
                     to_string(x2.shape()) + " cannot be broadcast");
  }
  return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1);
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::bmm(const BasicTensor& o) const {
  return torchlet::bmm(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::addmm(const BasicTensor& m1, const BasicTensor& m2,
                                               Scalar beta, Scalar alpha) const {
  return torchlet::addmm(*this, m1, m2, beta, alpha);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::baddbmm(const BasicTensor& b1, const BasicTensor& b2,
                                                 Scalar beta, Scalar alpha) const {
  return torchlet::baddbmm(*this, b1, b2, beta, alpha);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::addbmm(const BasicTensor& b1, const BasicTensor& b2,
                                                Scalar beta, Scalar alpha) const {
  return torchlet::addbmm(*this, b1, b2, beta, alpha);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::addmv(const BasicTensor& mat, const BasicTensor& vec,
                                               Scalar beta, Scalar alpha) const {
  return torchlet::addmv(*this, mat, vec, beta, alpha);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::outer(const BasicTensor& o) const {
  return torchlet::outer(*this, o);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::dist(const BasicTensor& o, double p) const {
  return torchlet::dist(*this, o, p);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_LINALG
#include "torchlet/tensor/members.hpp"
#endif
