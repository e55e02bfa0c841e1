#pragma once
// The machinery of elementwise ops: NumPy/PyTorch broadcasting of two or three operands
// into an output buffer, its reverse (sum_to) for gradients, and unary maps.
// Shapes: a [*A], b [*B] -> broadcast([*A], [*B]).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_BROADCAST
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>

#include "torchlet/detail/cpu_dispatch.hpp"
#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/vector_kernel.hpp"
#include "torchlet/parallel.hpp"
#include "torchlet/tensor/basic_tensor.hpp"
#include "torchlet/tensor/creation.hpp"

namespace torchlet {
namespace detail {

template <class S, class Scalar>
concept ScalarFor = std::is_arithmetic_v<S> && std::is_convertible_v<S, Scalar>;
/// A scalar that does not change a T tensor's type in arithmetic (PyTorch's promotion:
/// LongTensor + 2 stays int64, LongTensor + 0.5 is float32; see scalar_result_t).
template <class S, class Scalar>
concept SameKindScalar = ScalarFor<S, Scalar> && std::is_same_v<scalar_result_t<Scalar, S>, Scalar>;
/// A scalar that promotes a T tensor (a floating-point scalar with an integer tensor, ...).
template <class S, class Scalar>
concept PromotingScalar =
    std::is_arithmetic_v<S> && !std::is_same_v<scalar_result_t<Scalar, S>, Scalar>;
/// False for every T: a static_assert that fires only when its template is instantiated.
template <class Scalar>
inline constexpr bool dependent_false_v = false;

/// Elements below which an elementwise kernel runs on one thread (PyTorch's GRAIN_SIZE).
inline constexpr std::int64_t kElementwiseGrain = 32768;
/// Elementwise chunks start at multiples of this many elements (256 bytes of floats). Every
/// chunk then starts as aligned as the whole (64-byte aligned) buffer, so Eigen's packet and
/// scalar code paths cover the same elements as without the split: transcendental ops, whose
/// packet and scalar versions round differently, give the same bits for any thread count.
inline constexpr std::int64_t kElementwiseAlign = 64;

/// Calls f(i0, i1) on chunks covering [0, n) on the intra-op threads (one call below
/// kElementwiseGrain). f must only write elements [i0, i1) of its outputs.
template <class F>
void parallel_elementwise(std::int64_t n, const F& f) {
  if (n <= kElementwiseGrain) {
    if (n > 0) f(std::int64_t(0), n);
    return;
  }
  const std::int64_t units = (n + kElementwiseAlign - 1) / kElementwiseAlign;
  parallel_for(0, units, kElementwiseGrain / kElementwiseAlign,
               [&](std::int64_t u0, std::int64_t u1) {
                 f(u0 * kElementwiseAlign, std::min(n, u1 * kElementwiseAlign));
               });
}

/// Calls f(r0, r1) on chunks of the rows [0, rows) of a kernel that costs `per_row` element
/// operations per row, on the intra-op threads when the whole is above kElementwiseGrain.
template <class F>
void parallel_rows(std::int64_t rows, std::int64_t per_row, const F& f) {
  parallel_for(0, rows,
               std::max<std::int64_t>(1, kElementwiseGrain / std::max<std::int64_t>(per_row, 1)),
               f);
}

/// Calls visit(i, offsets...) for every element i of `out_shape`, with each operand's
/// element offset under broadcasting (operand shapes given by `shapes`).
template <std::size_t N, class V>
void for_each_broadcast(const Shape& out_shape, const std::array<const Shape*, N>& shapes,
                        V visit) {
  const std::size_t nd = out_shape.size();
  const std::int64_t n = numel_of(out_shape);
  std::array<Shape, N> st;
  for (std::size_t k = 0; k < N; ++k) st[k] = broadcast_strides(*shapes[k], out_shape);
  std::vector<std::int64_t> idx(nd, 0);
  std::array<std::int64_t, N> off{};
  for (std::int64_t i = 0; i < n; ++i) {
    visit(i, off);
    for (std::size_t d = nd; d-- > 0;) {
      for (std::size_t k = 0; k < N; ++k) off[k] += st[k][d];
      if (++idx[d] < out_shape[d]) break;
      for (std::size_t k = 0; k < N; ++k) off[k] -= st[k][d] * idx[d];
      idx[d] = 0;
    }
  }
}

/// Sums `g` down to `shape` (the reverse of broadcasting `shape` up to g's shape).
template <class Scalar>
BasicTensor<Scalar> sum_to(const BasicTensor<Scalar>& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  auto out = zeros<Scalar>(shape);
  const std::int64_t n = out.numel(), gn = g.numel();
  const Scalar* gp = g.data();
  Scalar* op = out.data();
  if (n == 1) {
    op[0] = camap(gp, gn).sum();
    return out;
  }
  if (gn == 0) return out;
  // Suffix case: shape's trailing elements match g's (e.g. [C] from [N, C]).
  if (gn % n == 0) {
    Shape tail(
        g.shape().end() - static_cast<std::ptrdiff_t>(std::min(g.shape().size(), shape.size())),
        g.shape().end());
    Shape s = shape;
    while (!s.empty() && s.front() == 1 && s.size() > tail.size()) s.erase(s.begin());
    if (s == tail && numel_of(s) == n) {
      amap(op, n) = cmmap(gp, gn / n, n).colwise().sum().transpose().array();
      return out;
    }
  }
  for_each_broadcast<1>(
      g.shape(), {&shape},
      [&](std::int64_t i, const std::array<std::int64_t, 1>& o) { op[o[0]] += gp[i]; });
  return out;
}

/// out = f(a, b) with broadcasting into `out` (of the broadcast shape `os`, numel n).
/// `out` may alias a or b when that operand already has shape `os`.
/// f must accept Eigen arrays and scalars alike.
template <class Scalar, class R, class F>
void broadcast_into(const BasicTensor<Scalar>& a, const BasicTensor<Scalar>& b, const Shape& os,
                    R* out, F f) {
  const std::int64_t n = numel_of(os);
  if (n == 0) return;
  const Shape& as = a.shape();
  const Shape& bs = b.shape();
  const Scalar* ap = a.data();
  const Scalar* bp = b.data();
  if (as == bs) {
    parallel_elementwise(n, [&](std::int64_t i0, std::int64_t i1) {
      amap(out + i0, i1 - i0) = f(camap(ap + i0, i1 - i0), camap(bp + i0, i1 - i0));
    });
    return;
  }
  if (b.numel() == 1 && a.numel() == n) {
    const Scalar bs0 = *bp;
    parallel_elementwise(n, [&](std::int64_t i0, std::int64_t i1) {
      amap(out + i0, i1 - i0) = f(camap(ap + i0, i1 - i0), bs0);
    });
    return;
  }
  if (a.numel() == 1 && b.numel() == n) {
    const Scalar as0 = *ap;
    parallel_elementwise(n, [&](std::int64_t i0, std::int64_t i1) {
      amap(out + i0, i1 - i0) = f(as0, camap(bp + i0, i1 - i0));
    });
    return;
  }
  // Block cases: the smaller operand repeats as a contiguous block (suffix broadcast,
  // e.g. [N, C] + [C]) or each of its elements covers a contiguous run ([N, C] + [N, 1]).
  auto try_blocks = [&](const BasicTensor<Scalar>& big, const BasicTensor<Scalar>& small,
                        bool big_first) {
    if (big.numel() != n) return false;
    const std::int64_t m = small.numel();
    if (m == 0 || n % m) return false;
    const Shape sst = broadcast_strides(small.shape(), os);
    const Shape cst = contiguous_strides(os);
    std::size_t k = 0;
    while (k < os.size() && sst[k] == 0) ++k;
    bool suffix = true;
    for (std::size_t d = k; d < os.size(); ++d) suffix &= (sst[d] == cst[d] || os[d] == 1);
    std::int64_t tailn = 1;
    for (std::size_t d = k; d < os.size(); ++d) tailn *= os[d];
    if (suffix && tailn == m) {
      const auto sm = camap(small.data(), m);
      parallel_rows(n / m, m, [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r) {
          const auto bm = camap(big.data() + r * m, m);
          if (big_first)
            amap(out + r * m, m) = f(bm, sm);
          else
            amap(out + r * m, m) = f(sm, bm);
        }
      });
      return true;
    }
    // prefix: small's shape is os with trailing dims set to 1
    std::size_t j = os.size();
    while (j > 0 && sst[j - 1] == 0) --j;
    std::int64_t run = 1;
    for (std::size_t d = j; d < os.size(); ++d) run *= os[d];
    bool prefix = true;
    for (std::size_t d = 0; d < j; ++d) prefix &= (sst[d] * run == cst[d] || os[d] == 1);
    if (prefix && run * m == n) {
      parallel_rows(m, run, [&](std::int64_t r0, std::int64_t r1) {
        for (std::int64_t r = r0; r < r1; ++r) {
          const auto bm = camap(big.data() + r * run, run);
          const Scalar s = small.data()[r];
          if (big_first)
            amap(out + r * run, run) = f(bm, s);
          else
            amap(out + r * run, run) = f(s, bm);
        }
      });
      return true;
    }
    return false;
  };
  if (try_blocks(a, b, true) || try_blocks(b, a, false)) return;
  // General strided loop (element i of out is written after a and b at i are read).
  for_each_broadcast<2>(os, {&as, &bs}, [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
    out[i] = static_cast<R>(f(ap[o[0]], bp[o[1]]));
  });
}

/// A new tensor f(a, b) with broadcasting; throws ShapeError naming `op` and both shapes.
template <class Scalar, class R = Scalar, class F>
BasicTensor<R> broadcast_apply(const char* op, const BasicTensor<Scalar>& a,
                               const BasicTensor<Scalar>& b, F f) {
  if (a.shape() == b.shape()) {
    auto out = BasicTensor<R>::empty(a.shape());
    broadcast_into(a, b, a.shape(), out.data(), f);
    return out;
  }
  const Shape os = broadcast_shapes(op, a.shape(), b.shape());
  auto out = BasicTensor<R>::empty(os);
  broadcast_into(a, b, os, out.data(), f);
  return out;
}

/// out = f(x) elementwise; f takes an Eigen array.
template <class Scalar, class F>
BasicTensor<Scalar> unary_apply(const BasicTensor<Scalar>& x, F f) {
  auto out = BasicTensor<Scalar>::empty(x.shape());
  Scalar* o = out.data();
  const Scalar* xp = x.data();
  parallel_elementwise(x.numel(), [&](std::int64_t i0, std::int64_t i1) {
    amap(o + i0, i1 - i0) = f(camap(xp + i0, i1 - i0));
  });
  return out;
}

/// The kernels of detail/vector_kernel.hpp for float and double: compiled into the program
/// (header-only), or the compiled mode's kernels for this CPU (detail/cpu_dispatch.hpp).
template <class Scalar>
struct VectorKernels {
  VectorUnaryFn<Scalar> unary;
  VectorSumFn<Scalar> sum;
  SoftmaxRowsFn<Scalar> softmax_rows;
};
template <class Scalar>
VectorKernels<Scalar> vector_kernels() {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>);
#ifdef TORCHLET_COMPILED_LIB
  const CpuKernels& k = cpu_kernels();
  if constexpr (std::is_same_v<Scalar, float>)
    return {k.unary_f32, k.sum_f32, k.softmax_f32};
  else
    return {k.unary_f64, k.sum_f64, k.softmax_f64};
#else
  return {&vector_unary<Scalar>, &vector_sum<Scalar>, &softmax_rows<Scalar>};
#endif
}

/// f(g, o) elementwise, o a saved operand of g's numel: f receives Eigen arrays of the same
/// chunk of both, on the intra-op threads.
template <class Scalar, class F>
BasicTensor<Scalar> grad_map_with(const BasicTensor<Scalar>& g, const Scalar* o, F f) {
  auto out = BasicTensor<Scalar>::empty(g.shape());
  Scalar* op = out.data();
  const Scalar* gp = g.data();
  parallel_elementwise(g.numel(), [&](std::int64_t i0, std::int64_t i1) {
    amap(op + i0, i1 - i0) = f(camap(gp + i0, i1 - i0), camap(o + i0, i1 - i0));
  });
  return out;
}

/// g * d elementwise where d = df(x) is computed by `f` from saved data (same shapes).
template <class Scalar, class F>
BasicTensor<Scalar> grad_map(const BasicTensor<Scalar>& g, F f) {
  auto out = BasicTensor<Scalar>::empty(g.shape());
  amap(out.data(), out.numel()) = f(camap(g.data(), g.numel()));
  return out;
}

}  // namespace detail
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_BROADCAST
#include "torchlet/tensor/members.hpp"
#endif
