#pragma once
// The matrix products under tensor/linalg.hpp's ops: detail::gemm on row-major buffers (Eigen's
// GEMM, or the compiled mode's kernels for this CPU, detail/cpu_dispatch.hpp), split over the
// intra-op pool's threads by blocks of C's columns when the product is large enough; tensor
// operands read as they lie (a transposed view is not copied); batch layouts and
// batched_matmul with its backward.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_GEMM
#endif

#include <cstdint>
#include <string>
#include <vector>

#include "torchlet/detail/cpu_dispatch.hpp"
#include "torchlet/detail/cpu_hint.hpp"
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/gemm_kernel.hpp"
#include "torchlet/parallel.hpp"
#include "torchlet/tensor/binary.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet {
namespace detail {

template <class Scalar>
using StridedMatrixMap =
    Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0,
               Eigen::OuterStride<>>;
template <class Scalar>
using ConstStridedMatrixMap =
    Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0,
               Eigen::OuterStride<>>;

/// Multiply-adds below which a product runs on one thread, and the least each thread of a split
/// product gets: 2^20 (about 40 us of one core's work). Waking a sleeping worker costs 10 us on
/// a quiet machine and 100 us or more on a shared VM; at 2^18 the linear model's one split
/// product, its [10, 64] x [64, 784] weight gradient, made its 2-thread epoch 1.15-1.41x its
/// 1-thread one (docs/benchmarks.md).
inline constexpr std::int64_t kParallelGemmWork = std::int64_t(1) << 20;
/// The kernel gemm runs on each block of C's columns, and the block: compiled into the program
/// (header-only), or the compiled mode's kernels for this CPU (detail/cpu_dispatch.hpp).
template <class Scalar>
struct GemmKernel {
  GemmColumnsFn<Scalar> columns;
  std::int64_t block;
};
template <class Scalar>
GemmKernel<Scalar> gemm_kernel() {
#ifdef TORCHLET_COMPILED_LIB
  if constexpr (std::is_same_v<Scalar, float>) {
    const CpuKernels& k = cpu_kernels();
    return {k.gemm_f32, k.gemm_block_f32};
  } else if constexpr (std::is_same_v<Scalar, double>) {
    const CpuKernels& k = cpu_kernels();
    return {k.gemm_f64, k.gemm_block_f64};
  } else
#endif
  {
    cpu_hint_once();  // a baseline build on an AVX2 CPU says so, once
    return {&gemm_columns<Scalar>, kGemmColumnBlock<Scalar>};
  }
}

/// C = alpha * op(A) @ op(B) (+ C if accumulate); op = transpose where asked. A is
/// [ar, ac] and B [br, bc] as stored (row-major). With `split`, large products split C's
/// columns across the intra-op threads (parallel.hpp), each block one single-threaded kernel
/// call; without, the product runs on the calling thread.
template <class Scalar>
void gemm_on(bool split, const Scalar* a, std::int64_t ar, std::int64_t ac, bool ta,
             const Scalar* b, std::int64_t br, std::int64_t bc, bool tb, Scalar* c, bool accumulate,
             Scalar alpha) {
  const std::int64_t n = ta ? ac : ar, m = tb ? br : bc, k = ta ? ar : ac;
  if (n == 0 || m == 0) return;
  if (k == 0) {  // empty inner dimension: the product is zero
    if (!accumulate) mmap(c, n, m).setZero();
    return;
  }
  const GemmKernel<Scalar> kernel = gemm_kernel<Scalar>();
  if (!split) {
    kernel.columns(a, ar, ac, ta, b, br, bc, tb, c, n, m, 0, m, accumulate, alpha);
    return;
  }
  const std::int64_t block = kernel.block;
  const std::int64_t blocks = (m + block - 1) / block;
  const std::int64_t block_work = n * k * block;
  parallel_for(0, blocks, std::max<std::int64_t>(1, kParallelGemmWork / block_work),
               [&](std::int64_t b0, std::int64_t b1) {
                 const std::int64_t c0 = b0 * block;
                 const std::int64_t c1 = std::min(m, b1 * block);
                 kernel.columns(a, ar, ac, ta, b, br, bc, tb, c, n, m, c0, c1 - c0, accumulate,
                                alpha);
               });
}
/// gemm_on, split across the intra-op threads when large.
template <class Scalar>
void gemm(const Scalar* a, std::int64_t ar, std::int64_t ac, bool ta, const Scalar* b,
          std::int64_t br, std::int64_t bc, bool tb, Scalar* c, bool accumulate,
          Scalar alpha = Scalar(1)) {
  gemm_on(true, a, ar, ac, ta, b, br, bc, tb, c, accumulate, alpha);
}
/// gemm_on the calling thread, for callers that spread their own work across the threads
/// (convolution: samples).
template <class Scalar>
void gemm_serial(const Scalar* a, std::int64_t ar, std::int64_t ac, bool ta, const Scalar* b,
                 std::int64_t br, std::int64_t bc, bool tb, Scalar* c, bool accumulate,
                 Scalar alpha = Scalar(1)) {
  gemm_on(false, a, ar, ac, ta, b, br, bc, tb, c, accumulate, alpha);
}

/// A matrix operand of gemm: `p` points to [rows, cols] row-major, `t` asks for its transpose.
template <class Scalar>
struct GemmOperand {
  const Scalar* p;
  std::int64_t rows, cols;
  bool t;
};
/// x (2-D) or, with `transpose`, x^T as a gemm operand: a matrix whose strides are those of
/// a transposed contiguous one (x.t(), x.mT()) is read from its storage, transposed, with no
/// copy; any other non-contiguous x is gathered.
template <class Scalar>
GemmOperand<Scalar> gemm_operand(const BasicTensor<Scalar>& x, bool transpose = false) {
  const auto& impl = *x.impl();
  const auto r = x.size(0), c = x.size(1);
  if (impl.non_contiguous && impl.strides[0] == 1 && impl.strides[1] == r)
    return {impl.storage->data() + impl.offset, c, r, !transpose};
  return {x.data(), r, c, transpose};
}
/// The same for a saved [r, c] tensor.
template <class Scalar>
GemmOperand<Scalar> gemm_operand(const SavedTensor<Scalar>& x, const char* op, std::int64_t r,
                                 std::int64_t c, bool transpose = false) {
  if (x.transposed_2d()) return {x.storage_data(op), c, r, !transpose};
  return {x.data(op), r, c, transpose};
}
/// C = alpha * A @ B (+ C if accumulate) on operands.
template <class Scalar>
void gemm(const GemmOperand<Scalar>& a, const GemmOperand<Scalar>& b, Scalar* c, bool accumulate,
          Scalar alpha = Scalar(1)) {
  gemm(a.p, a.rows, a.cols, a.t, b.p, b.rows, b.cols, b.t, c, accumulate, alpha);
}

inline std::string inner_mismatch(const Shape& a, const Shape& b, std::int64_t ka,
                                  std::int64_t kb) {
  return "matmul: " + to_string(a) + " @ " + to_string(b) + " - inner dimensions differ (" +
         std::to_string(ka) + " vs " + std::to_string(kb) + ")";
}

/// How a batched operand x [*Bx, r, c] is read: each matrix from `offs[j]` (the element offset
/// of matrix j, row-major over Bx) as a [rows, cols] row-major block, transposed if `t`.
/// `direct`: read from x's storage at its offset (a non-contiguous x whose matrices are
/// row-major or transposed row-major blocks, any batch strides: x.mT(), k.transpose(-2, -1),
/// an expanded batch), else from x.data() (contiguous, or gathered).
struct BatchLayout {
  bool direct = false, t = false;
  std::int64_t rows = 0, cols = 0;
  std::shared_ptr<const std::vector<std::int64_t>> offs;
};
template <class Scalar>
BatchLayout batch_layout(const BasicTensor<Scalar>& x) {
  const auto& impl = *x.impl();
  const auto nd = static_cast<std::size_t>(x.dim());
  const Shape bx(x.shape().begin(), x.shape().end() - 2);
  const auto r = x.size(-2), c = x.size(-1);
  BatchLayout l{false, false, r, c, nullptr};
  std::vector<std::int64_t> st = x.stride(), bst(st.begin(), st.end() - 2);
  if (impl.non_contiguous && impl.storage) {
    const auto sr = st[nd - 2], sc = st[nd - 1];
    const bool plain = (sc == 1 || c == 1) && (sr == c || r == 1);
    const bool trans = (sr == 1 || r == 1) && (sc == r || c == 1);
    if (plain || trans) {
      l.direct = true;
      l.t = !plain;
      if (l.t) std::swap(l.rows, l.cols);
    }
  }
  if (!l.direct) {  // matrices of r * c elements, one after another
    bst = contiguous_strides(bx);
    for (auto& v : bst) v *= r * c;
  }
  std::vector<std::int64_t> offs(static_cast<std::size_t>(numel_of(bx)));
  for_each_strided(bx, bst,
                   [&](std::int64_t j, std::int64_t o) { offs[static_cast<std::size_t>(j)] = o; });
  l.offs = std::make_shared<const std::vector<std::int64_t>>(std::move(offs));
  return l;
}
/// The first element of x as `l` reads it (forward).
template <class Scalar>
const Scalar* batch_base(const BasicTensor<Scalar>& x, const BatchLayout& l) {
  return l.direct ? x.impl()->storage->data() + x.impl()->offset : x.data();
}
/// The same for the saved x (backward; version-checked).
template <class Scalar>
const Scalar* batch_base(const SavedTensor<Scalar>& x, const char* op, const BatchLayout& l) {
  return l.direct ? x.storage_data(op) : x.data(op);
}

/// [*Ba, n, k] @ [*Bb, k, m] -> [broadcast(Ba, Bb), n, m]; both at least 2-D. An operand
/// whose matrices are transposed row-major blocks (k.transpose(-2, -1), x.mT()) is read from
/// its storage, forward and backward, never gathered (batch_layout).
template <class Scalar>
BasicTensor<Scalar> batched_matmul(const char* name, const BasicTensor<Scalar>& a,
                                   const BasicTensor<Scalar>& b) {
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const auto n = as[as.size() - 2], k = as.back(), m = bs.back();
  if (bs[bs.size() - 2] != k) throw ShapeError(inner_mismatch(as, bs, k, bs[bs.size() - 2]));
  const Shape ba(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes("matmul", ba, bb);
  } catch (const ShapeError&) {
    throw ShapeError("matmul: " + to_string(as) + " @ " + to_string(bs) + " - batch dimensions " +
                     to_string(ba) + " and " + to_string(bb) + " cannot be broadcast");
  }
  Shape os = batch;
  os.push_back(n);
  os.push_back(m);
  auto out = BasicTensor<Scalar>::empty(os);
  // Offsets (in matrices) of each batch entry in a and b.
  std::vector<std::int64_t> ia, ib;
  for_each_broadcast<2>(batch, {&ba, &bb}, [&](std::int64_t, const std::array<std::int64_t, 2>& o) {
    ia.push_back(o[0]);
    ib.push_back(o[1]);
  });
  const auto nb = static_cast<std::int64_t>(ia.size());
  const BatchLayout la = batch_layout(a), lb = batch_layout(b);
  const Scalar* ap0 = batch_base(a, la);
  const Scalar* bp0 = batch_base(b, lb);
  for (std::int64_t i = 0; i < nb; ++i) {
    const auto j = static_cast<std::size_t>(i);
    gemm(ap0 + (*la.offs)[static_cast<std::size_t>(ia[j])], la.rows, la.cols, la.t,
         bp0 + (*lb.offs)[static_cast<std::size_t>(ib[j])], lb.rows, lb.cols, lb.t,
         out.data() + i * n * m, false);
  }
  if (needs_graph<Scalar>({&a, &b})) {
    record(out, name, {&a, &b},
           [name, sa = b.requires_grad() ? SavedTensor<Scalar>(a) : SavedTensor<Scalar>(),
            sb = a.requires_grad() ? SavedTensor<Scalar>(b) : SavedTensor<Scalar>(), as, bs, ia, ib,
            la, lb, n, k, m](const BasicTensor<Scalar>& g) {
             BasicTensor<Scalar> da, db;
             if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
               if (sb.defined())
                 da = sum_to_recorded(g.matmul(sb.variable(name, bs).transpose(-2, -1)), as);
               if (sa.defined())
                 db = sum_to_recorded(sa.variable(name, as).transpose(-2, -1).matmul(g), bs);
               return std::vector<BasicTensor<Scalar>>{da, db};
             }
             if (sb.defined()) {  // dA[ia] += G @ B[ib]^T : [n, m] @ [m, k]
               da = zeros<Scalar>(as);
               const Scalar* bp = batch_base(sb, name, lb);
               for (std::size_t i = 0; i < ia.size(); ++i)
                 gemm(g.data() + static_cast<std::int64_t>(i) * n * m, n, m, false,
                      bp + (*lb.offs)[static_cast<std::size_t>(ib[i])], lb.rows, lb.cols, !lb.t,
                      da.data() + ia[i] * n * k, true);
             }
             if (sa.defined()) {  // dB[ib] += A[ia]^T @ G : [k, n] @ [n, m]
               db = zeros<Scalar>(bs);
               const Scalar* ap = batch_base(sa, name, la);
               for (std::size_t i = 0; i < ib.size(); ++i)
                 gemm(ap + (*la.offs)[static_cast<std::size_t>(ia[i])], la.rows, la.cols, !la.t,
                      g.data() + static_cast<std::int64_t>(i) * n * m, n, m, false,
                      db.data() + ib[i] * k * m, true);
             }
             return std::vector<BasicTensor<Scalar>>{da, db};
           });
    mark_differentiable_backward(out);
  }
  return out;
}

/// Throws unless a [B, n, k] and b [B, k, m] (op names the caller).
template <class Scalar>
void check_bmm(const char* op, const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b) {
  if (a.dim() != 3 || b.dim() != 3 || a.size(0) != b.size(0) || a.size(2) != b.size(1))
    throw ShapeError(std::string(op) + ": " + to_string(a.shape()) + " @ " + to_string(b.shape()) +
                     " - expected [B, n, k] @ [B, k, m]");
}

/// beta * input + product, input broadcast to the product's shape (beta = 0 ignores input,
/// NaN included, and gives it no gradient, as PyTorch ignores it).
template <class Scalar>
BasicTensor<Scalar> add_scaled(const char* op, const BasicTensor<Scalar>& input,
                               const BasicTensor<Scalar>& product, Scalar beta) {
  const Shape& os = product.shape();
  bool ok = input.shape() == os;
  if (!ok) {
    try {
      ok = broadcast_shapes(op, input.shape(), os) == os;
    } catch (const ShapeError&) {
      ok = false;
    }
  }
  if (!ok)
    throw ShapeError(std::string(op) + ": input of shape " + to_string(input.shape()) +
                     " cannot be broadcast to the product's shape " + to_string(os));
  if (beta == Scalar(0)) return product;
  return (beta == Scalar(1) ? input : input * beta) + product;
}

}  // namespace detail

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_GEMM
#include "torchlet/tensor/members.hpp"
#endif
