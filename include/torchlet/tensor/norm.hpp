#pragma once
// The p-norm with its backward (torch.norm, torch.linalg.vector_norm): over all elements, one
// dim or a list of dims, p = 2 by default, any p > 0, 0, +-infinity and "fro".

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_NORM
#endif

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "torchlet/tensor/binary.hpp"
#include "torchlet/tensor/comparison.hpp"
#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/reduction.hpp"
#include "torchlet/tensor/unary.hpp"

namespace torchlet {

namespace detail {

/// NormBackward1 as recorded ops (create_graph): x [outer, n, inner] (in place in the graph),
/// its lane norms nrm and the gradient g [outer, 1, inner] -> dx [outer, n, inner]. The
/// masks (signs, the maxima of the infinity norms with their tie counts) are constants.
template <class Scalar>
BasicTensor<Scalar> norm_backward_recorded(const BasicTensor<Scalar>& x,
                                           const BasicTensor<Scalar>& nrm,
                                           const BasicTensor<Scalar>& g,
                                           const BasicTensor<Scalar>& ties, double p) {
  BasicTensor<Scalar> sgn, mask;
  {
    NoGradGuard no_grad;
    sgn = x.sign();
    if (std::isinf(p)) mask = where(x.abs() == nrm, sgn, scalar_tensor<Scalar>(Scalar(0))) / ties;
  }
  if (std::isinf(p)) return g * mask;
  if (p == 0) return zeros<Scalar>(x.shape());
  if (p == 1) return g * sgn;
  // The subgradient 0 at the origin, as PyTorch: the lane is all zeros where nrm is 0, so
  // x / 1 there is 0.
  const auto safe =
      where(nrm == scalar_tensor<Scalar>(Scalar(0)), scalar_tensor<Scalar>(Scalar(1)), nrm);
  if (p == 2) return g * x / safe;
  return g * sgn * (x.abs() / safe).pow(static_cast<Scalar>(p - 1));  // x |x|^(p-2) / norm^(p-1)
}

/// The p-norm of every lane: (sum |x|^p)^(1/p); p = inf: max |x|; p = 0: count of nonzeros.
template <class Scalar>
BasicTensor<Scalar> norm_impl(const BasicTensor<Scalar>& x, double p, const DimSplit& sp) {
  static_assert(std::is_floating_point_v<Scalar>, "norm: needs a floating point tensor");
  if (std::isnan(p)) throw std::invalid_argument("norm: p must not be NaN");
  const bool inf = std::isinf(p) && p > 0, neg_inf = std::isinf(p) && p < 0;
  auto out = BasicTensor<Scalar>::empty(sp.reduced);
  for_each_lane(x.data(), sp, [&](auto lane, std::int64_t j) {
    Scalar r = 0;
    if (inf || neg_inf) {
      r = inf ? Scalar(0) : std::numeric_limits<Scalar>::infinity();
      for (std::int64_t k = 0; k < sp.n; ++k)
        r = inf ? std::max(r, std::abs(lane(k))) : std::min(r, std::abs(lane(k)));
    } else if (p == 0) {
      for (std::int64_t k = 0; k < sp.n; ++k) r += lane(k) != Scalar(0);
    } else if (p == 1) {
      for (std::int64_t k = 0; k < sp.n; ++k) r += std::abs(lane(k));
    } else if (p == 2) {
      for (std::int64_t k = 0; k < sp.n; ++k) r += lane(k) * lane(k);
      r = std::sqrt(r);
    } else {
      for (std::int64_t k = 0; k < sp.n; ++k)
        r += static_cast<Scalar>(std::pow(std::abs(lane(k)), static_cast<Scalar>(p)));
      r = static_cast<Scalar>(std::pow(r, static_cast<Scalar>(1.0 / p)));
    }
    out.data()[j] = r;
  });
  if (needs_graph<Scalar>({&x})) {
    // Per-lane tie counts for the infinity norms: the gradient splits between ties.
    BasicTensor<Scalar> ties;
    if (inf || neg_inf) {
      ties = zeros<Scalar>(sp.reduced);
      for_each_lane(x.data(), sp, [&](auto lane, std::int64_t j) {
        for (std::int64_t k = 0; k < sp.n; ++k)
          ties.data()[j] += std::abs(lane(k)) == out.data()[j];
      });
    }
    record(
        out, "NormBackward1", {&x},
        [sx = SavedTensor<Scalar>(x), so = SavedTensor<Scalar>(out), ties, p, inf, neg_inf, sp,
         shape = x.shape()](const BasicTensor<Scalar>& g) {
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            const Shape lanes{sp.outer, sp.n, sp.inner}, one{sp.outer, 1, sp.inner};
            return std::vector<BasicTensor<Scalar>>{
                norm_backward_recorded(sx.variable("NormBackward1", shape).reshape(lanes),
                                       so.output_variable("NormBackward1", sp.reduced).reshape(one),
                                       g.reshape(one), ties.defined() ? ties.reshape(one) : ties, p)
                    .reshape(shape)};
          }
          const Scalar* xp = sx.data("NormBackward1");
          const Scalar* np = so.data("NormBackward1");
          return std::vector<BasicTensor<Scalar>>{
              expand_lanes(g, shape, sp, [&](Scalar gv, std::int64_t j, std::int64_t k) {
                const auto o = j / sp.inner, i = j % sp.inner;
                const Scalar v = xp[(o * sp.n + k) * sp.inner + i], nv = np[j];
                const Scalar sgn = static_cast<Scalar>((v > 0) - (v < 0));
                if (inf || neg_inf)
                  return std::abs(v) == nv ? gv * sgn / ties.data()[j] : Scalar(0);
                if (p == 0) return Scalar(0);
                if (p == 1) return gv * sgn;
                if (nv == Scalar(0))
                  return Scalar(0);  // the subgradient 0 at the origin, as PyTorch
                if (p == 2) return gv * v / nv;
                // d/dx (sum |x|^p)^(1/p) = x |x|^(p-2) / norm^(p-1)
                return gv * sgn *
                       static_cast<Scalar>(std::pow(std::abs(v) / nv, static_cast<Scalar>(p - 1)));
              })};
        });
    mark_differentiable_backward(out);
  }
  return out;
}

}  // namespace detail

/// p-norm of all elements (torch.norm / torch.linalg.vector_norm): p = 2 by default;
/// also 1, any p > 0, 0 (count of nonzeros) and +-infinity (max / min of |x|).
template <class Scalar>
BasicTensor<Scalar> norm(const BasicTensor<Scalar>& x, double p = 2.0) {
  return detail::norm_impl(x, p, detail::all_split(x.numel()));
}
/// torch.norm(x, p, dim, keepdim): the p-norm along one dim, [.., n, ..] -> [.., ..].
template <class Scalar>
BasicTensor<Scalar> norm(const BasicTensor<Scalar>& x, double p, std::int64_t dim,
                         bool keepdim = false) {
  return detail::norm_impl(x, p, detail::split_dim("norm", x.shape(), dim, keepdim));
}
/// torch.norm(x, p, dims, keepdim): the p-norm over the listed dims taken together (all if
/// empty), as torch.linalg.vector_norm.
template <class Scalar>
BasicTensor<Scalar> norm(const BasicTensor<Scalar>& x, double p,
                         const std::vector<std::int64_t>& dims, bool keepdim = false) {
  Shape reduced;
  const auto lanes = detail::lanes_last("norm", x, dims, keepdim, reduced);
  std::int64_t last = -1;
  return detail::norm_impl(lanes, p, detail::split_dim("norm", lanes.shape(), last, false))
      .reshape(reduced);
}
/// torch.norm(x, "fro", dims, keepdim): the Frobenius norm (the 2-norm of the elements) over
/// the listed dims (all if empty). "nuc" (the nuclear norm) has no twin: it throws.
template <class Scalar>
BasicTensor<Scalar> norm(const BasicTensor<Scalar>& x, std::string_view p,
                         const std::vector<std::int64_t>& dims = {}, bool keepdim = false) {
  if (p != "fro")
    throw std::invalid_argument("norm: p must be a number or \"fro\", got \"" + std::string(p) +
                                "\"" +
                                (p == "nuc" ? " (the nuclear norm is not implemented)" : ""));
  return torchlet::norm(x, 2.0, dims, keepdim);
}

template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::norm(double p) const {
  return torchlet::norm(*this, p);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::norm(double p, std::int64_t d, bool k) const {
  return torchlet::norm(*this, p, d, k);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::norm(double p, const std::vector<std::int64_t>& d,
                                              bool k) const {
  return torchlet::norm(*this, p, d, k);
}
template <class Scalar>
BasicTensor<Scalar> BasicTensor<Scalar>::norm(std::string_view p,
                                              const std::vector<std::int64_t>& d, bool k) const {
  return torchlet::norm(*this, p, d, k);
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_NORM
#include "torchlet/tensor/members.hpp"
#endif
