#pragma once
// The machinery of the elementwise unary ops (tensor/unary.hpp, nn/functional's activations):
// mapping x to f(x) (in x's memory when it is a temporary nobody else holds; through the
// dispatched vector kernels for exp, log, tanh, sigmoid) and recording y = f(x) with its
// derivative, and the derivative's own (create_graph, second derivatives).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_ELEMENTWISE
#endif

#include <cctype>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "torchlet/tensor/binary.hpp"

namespace torchlet {
namespace detail {

/// out = f(x), in x's memory when x is a reusable temporary (`tmp`).
template <class Scalar, class F>
BasicTensor<Scalar> map_maybe_inplace(const BasicTensor<Scalar>& x, bool tmp, F f) {
  return scalar_map(x, tmp, f);
}

/// out = op(x) elementwise through vector_kernels for float and double (reusing x's memory when
/// it is a temporary), as map_maybe_inplace with the Eigen functor f for other types.
template <class Scalar, class F>
BasicTensor<Scalar> kernel_map(const BasicTensor<Scalar>& x, bool tmp, VectorUnary op, F f) {
  if constexpr (std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>) {
    const VectorUnaryFn<Scalar> unary = vector_kernels<Scalar>().unary;
    BasicTensor<Scalar> out = tmp && is_reusable(x) ? x : BasicTensor<Scalar>::empty(x.shape());
    const Scalar* xp = x.data();
    Scalar* o = out.data();
    parallel_elementwise(
        x.numel(), [&](std::int64_t i0, std::int64_t i1) { unary(op, xp + i0, o + i0, i1 - i0); });
    return out;
  } else {
    return map_maybe_inplace(x, tmp, f);
  }
}

/// The name of the node that differentiates `name`'s backward: "TanhBackward0" ->
/// "TanhBackwardBackward0" (PyTorch's naming); the string lives as long as the program.
inline const char* double_backward_name(const char* name) {
  static std::mutex m;
  static std::map<std::string, std::string> names;
  std::lock_guard<std::mutex> lock(m);
  auto [it, inserted] = names.try_emplace(name);
  if (inserted) {
    std::string base(name);
    while (!base.empty() && std::isdigit(static_cast<unsigned char>(base.back()))) base.pop_back();
    it->second = base + "Backward0";
  }
  return it->second.c_str();
}

/// The gradient gi = g * d(s) of an elementwise op under create_graph, recorded: s is the
/// saved operand (x or y) in its place in the graph, d2 = dd/ds. The node's backward gives
/// g the gradient gg * d(s) and s the gradient gg * g * d2(s).
template <class Scalar, class D, class D2>
BasicTensor<Scalar> elementwise_backward_recorded(const char* name, const BasicTensor<Scalar>& g,
                                                  const BasicTensor<Scalar>& s, D d, D2 d2) {
  const auto n = g.numel();
  auto gi = BasicTensor<Scalar>::empty(g.shape());
  {
    const auto S = camap(s.data(), n);
    amap(gi.data(), n) = camap(g.data(), n) * d(S, S);
  }
  if (needs_graph<Scalar>({&g, &s})) {
    const char* bname = double_backward_name(name);
    record(gi, bname, {&g, &s},
           [bname, sg = SavedTensor<Scalar>(g), ss = SavedTensor<Scalar>(s), d,
            d2](const BasicTensor<Scalar>& gg) {
             const auto m = gg.numel();
             const auto S = camap(ss.data(bname), m);
             const auto G = camap(sg.data(bname), m);
             auto dg = BasicTensor<Scalar>::empty(gg.shape());
             auto ds = BasicTensor<Scalar>::empty(gg.shape());
             amap(dg.data(), m) = camap(gg.data(), m) * d(S, S);
             amap(ds.data(), m) = camap(gg.data(), m) * G * d2(S, S);
             return std::vector<BasicTensor<Scalar>>{dg, ds};
           });
  }
  return gi;
}

/// Records y = op(x) whose gradient is g * d(x, y) computed from saved x and/or y.
/// d receives Eigen arrays (x, y) of the saved data; an unused one may be ignored.
/// d2 (optional) is d's derivative with respect to the saved operand (one of x, y): with
/// it, the backward records itself under create_graph (second derivatives).
template <class Scalar, class D, class D2 = std::nullptr_t>
void record_unary(const BasicTensor<Scalar>& out, const char* name, const BasicTensor<Scalar>& x,
                  bool save_x, bool save_y, D d, D2 d2 = nullptr) {
  record(out, name, {&x},
         [name, sx = save_x ? SavedTensor<Scalar>(x) : SavedTensor<Scalar>(),
          sy = save_y ? SavedTensor<Scalar>(out) : SavedTensor<Scalar>(), d,
          d2](const BasicTensor<Scalar>& g) {
           static_cast<void>(d2);  // unused without a second derivative (clang warns)
           if constexpr (!std::is_same_v<D2, std::nullptr_t>) {
             if (is_grad_enabled()) [[unlikely]] {  // create_graph
               const auto s = sx.defined() ? sx.variable(name, g.shape())
                                           : sy.output_variable(name, g.shape());
               return std::vector<BasicTensor<Scalar>>{
                   elementwise_backward_recorded(name, g, s, d, d2)};
             }
           }
           const auto n = g.numel();
           const Scalar* xp = sx.defined() ? sx.data(name) : nullptr;
           const Scalar* yp = sy.defined() ? sy.data(name) : nullptr;
           // An unsaved operand is mapped over g's data only to give d a valid argument.
           const Scalar* gp = g.data();
           if (!xp) xp = gp;
           if (!yp) yp = gp;
           auto gi = BasicTensor<Scalar>::empty(g.shape());
           Scalar* op = gi.data();
           parallel_elementwise(n, [&](std::int64_t i0, std::int64_t i1) {
             const std::int64_t len = i1 - i0;
             // Evaluated in one statement: d may return a temporary array.
             amap(op + i0, len) = camap(gp + i0, len) * d(camap(xp + i0, len), camap(yp + i0, len));
           });
           return std::vector<BasicTensor<Scalar>>{gi};
         });
  if constexpr (!std::is_same_v<D2, std::nullptr_t>) mark_differentiable_backward(out);
}

}  // namespace detail
}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_ELEMENTWISE
#include "torchlet/tensor/members.hpp"
#endif
