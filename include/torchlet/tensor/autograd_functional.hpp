#pragma once
// torch.autograd.functional: the derivatives of a whole function of tensors, computed with
// reverse mode (autograd::grad), as PyTorch 1.13 computes them.
//
//   auto f = [](const DoubleTensor& x) { return (x * x).sum(1); };       // [2, 3] -> [2]
//   auto J = autograd::functional::jacobian(f, x);                       // [2, 2, 3]
//   auto H = autograd::functional::hessian([](const DoubleTensor& x) { return x.pow(3.0).sum(); },
//   x); auto [y, vj] = autograd::functional::vjp(f, x, v);                   // v^T J, v like y
//   auto [y2, jv] = autograd::functional::jvp(f, x, u);                  // J u, u like x
//   auto [s, hv] = autograd::functional::hvp(scalar_f, x, u);            // H u (vhp: u^T H)
//
// f takes one tensor or a const std::vector of tensors (PyTorch's tuple of inputs) and
// returns one tensor or a std::vector of them, all of one floating point type; each result
// takes the shape of PyTorch's: jacobian gives d out / d in with shape out.shape + in.shape,
// a vector over the inputs when f takes a vector, over the outputs when f returns one, a
// vector of vectors (J[i][j] = d out_i / d in_j) when both are vectors. hessian's f returns a
// one-element tensor; H[i][j] has shape in_i.shape + in_j.shape.
//
// The inputs are not changed: f runs on detached copies that require grad (with create_graph,
// an input that requires grad is used itself, so the results can be differentiated with
// respect to it). Without create_graph the results are detached. FunctionalOptions::strict as
// PyTorch's strict=True: an output that does not depend on an input throws instead of giving
// zeros. jvp uses the double backward trick (PyTorch's, for want of forward mode): a backward
// through a zero gradient that requires grad, differentiated again, so every op of f must
// record its backward under create_graph (docs/architecture.md lists those that do); hessian,
// vhp and hvp need the same of f's ops. hvp is computed as vhp (H v = v^T H, H symmetric),
// where PyTorch's trick would differentiate f's backward twice more.
// jacobian and hessian run one backward per element of the output (PyTorch's vectorize=False;
// forward-mode strategies have no twin).
#include <concepts>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/autograd/engine.hpp"
#include "torchlet/autograd/grad_mode.hpp"
#include "torchlet/tensor/basic_tensor.hpp"
#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/detail/autograd_functional.hpp"
#include "torchlet/tensor/joining.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet::autograd::functional {

/// torch.autograd.functional's keyword arguments.
struct FunctionalOptions {
  /// Record the computation of the results, so they can be differentiated again.
  bool create_graph = false;
  /// Throw when an output does not depend on an input (otherwise its derivative is zeros).
  bool strict = false;
};

/// torch.autograd.functional.jacobian(f, inputs, create_graph, strict): d f(inputs) / d
/// inputs, shaped as the header comment says (out.shape + in.shape for one tensor each).
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
auto jacobian(F&& f, const In& inputs, const FunctionalOptions& options = {}) {
  using Out = detail::Result<F, In>;
  using T = typename detail::Pack<In>::Scalar;
  static_assert(std::is_same_v<T, typename detail::Pack<Out>::Scalar>,
                "autograd::functional::jacobian: f's inputs and outputs must have one dtype");
  const char* op = "autograd::functional::jacobian";
  EnableGradGuard grad_on;
  const auto in = detail::prepare(op, detail::Pack<In>::flat(inputs), options.create_graph);
  const auto out = detail::call<In>(f, in);
  detail::check_outputs(op, out, options.strict);
  auto jac = detail::jacobian_of(op, out, in, options.create_graph, options.strict);
  if constexpr (!detail::Pack<Out>::is_vector && !detail::Pack<In>::is_vector) {
    return std::move(jac[0][0]);
  } else if constexpr (!detail::Pack<Out>::is_vector) {
    return std::move(jac[0]);  // one tensor per input
  } else if constexpr (!detail::Pack<In>::is_vector) {
    std::vector<BasicTensor<T>> per_output;
    for (auto& row : jac) per_output.push_back(std::move(row[0]));
    return per_output;
  } else {
    return jac;
  }
}

/// torch.autograd.functional.hessian(f, inputs, create_graph, strict): the second
/// derivatives of f, whose result has one element; [*in.shape, *in.shape] for one tensor,
/// H[i][j] = d^2 f / d in_i d in_j of shape in_i.shape + in_j.shape for a vector of inputs.
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
auto hessian(F&& f, const In& inputs, const FunctionalOptions& options = {}) {
  using Out = detail::Result<F, In>;
  const char* op = "autograd::functional::hessian";
  EnableGradGuard grad_on;
  const auto in = detail::prepare(op, detail::Pack<In>::flat(inputs), options.create_graph);
  const auto out = detail::call<In>(f, in);
  detail::check_outputs(op, out, options.strict);
  const auto& y = detail::single_output(op, out, detail::Pack<Out>::is_vector);
  const auto scalar = y.reshape(Shape{});
  // f's gradient, recorded (create_graph) so that it can be differentiated; under strict an
  // input it does not depend on throws there.
  const auto grads =
      detail::jacobian_of(op, {scalar}, in, /*create_graph=*/true, options.strict)[0];
  auto hess = detail::jacobian_of(op, grads, in, options.create_graph, options.strict);
  if constexpr (detail::Pack<In>::is_vector)
    return hess;
  else
    return std::move(hess[0][0]);
}

/// torch.autograd.functional.vjp(f, inputs, v, create_graph, strict): f's result and the
/// vector-Jacobian product v^T J (v shaped as f's result; like the inputs).
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
    std::pair<detail::Result<F, In>, In> vjp(F&& f, const In& inputs,
                                             const std::type_identity_t<detail::Result<F, In>>& v,
                                             const FunctionalOptions& options = {}) {
  using Out = detail::Result<F, In>;
  const char* op = "autograd::functional::vjp";
  EnableGradGuard grad_on;
  const auto in = detail::prepare(op, detail::Pack<In>::flat(inputs), options.create_graph);
  auto out = detail::call<In>(f, in);
  detail::check_outputs(op, out, options.strict);
  const auto vs = detail::Pack<Out>::flat(v);
  detail::check_v(op, vs, out, "output");
  auto g = detail::grad_of(out, in, vs, options.create_graph, options.create_graph);
  g = detail::fill_in_zeros(op, std::move(g), in, options.create_graph, options.strict,
                            detail::Stage::back);
  return {detail::unflat<Out>(detail::finish(std::move(out), options.create_graph)),
          detail::unflat<In>(detail::finish(std::move(g), options.create_graph))};
}
/// vjp without v: f must return a single one-element tensor (v = 1).
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
    std::pair<detail::Result<F, In>, In> vjp(F&& f, const In& inputs,
                                             const FunctionalOptions& options = {}) {
  using Out = detail::Result<F, In>;
  using T = typename detail::Pack<In>::Scalar;
  static_assert(!detail::Pack<Out>::is_vector,
                "autograd::functional::vjp: v can be left out only when the function returns a "
                "single tensor (with a single element); this one returns a vector of tensors");
  const char* op = "autograd::functional::vjp";
  EnableGradGuard grad_on;
  const auto in = detail::prepare(op, detail::Pack<In>::flat(inputs), options.create_graph);
  auto out = detail::call<In>(f, in);
  detail::check_outputs(op, out, options.strict);
  const auto vs = detail::v_or_ones<T>(op, nullptr, out, false, "output");
  auto g = detail::grad_of(out, in, vs, options.create_graph, options.create_graph);
  g = detail::fill_in_zeros(op, std::move(g), in, options.create_graph, options.strict,
                            detail::Stage::back);
  return {detail::unflat<Out>(detail::finish(std::move(out), options.create_graph)),
          detail::unflat<In>(detail::finish(std::move(g), options.create_graph))};
}

/// torch.autograd.functional.jvp(f, inputs, v, create_graph, strict): f's result and the
/// Jacobian-vector product J v (v shaped as the inputs; like f's result), by the double
/// backward trick.
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
    std::pair<detail::Result<F, In>, detail::Result<F, In>> jvp(
        F&& f, const In& inputs, const std::type_identity_t<In>& v,
        const FunctionalOptions& options = {}) {
  using Out = detail::Result<F, In>;
  using T = typename detail::Pack<In>::Scalar;
  const char* op = "autograd::functional::jvp";
  EnableGradGuard grad_on;
  const auto in = detail::prepare(op, detail::Pack<In>::flat(inputs), options.create_graph);
  const auto vs = detail::Pack<In>::flat(v);
  detail::check_v(op, vs, in, "input");
  auto out = detail::call<In>(f, in);
  detail::check_outputs(op, out, options.strict);
  // u: a zero gradient for each output that requires grad; g(u) = J^T u is linear in u, and
  // its gradient with respect to u along v is J v.
  std::vector<BasicTensor<T>> us;
  for (const auto& o : out) {
    auto u = torchlet::zeros<T>(o.shape());
    u.requires_grad_();
    us.push_back(std::move(u));
  }
  const auto gi = detail::with_trick_error(op, [&] {
    return detail::grad_of(out, in, us, /*create_graph=*/true, /*retain_graph=*/true);
  });
  if (options.strict)
    for (std::size_t j = 0; j < gi.size(); ++j)
      if (!gi[j].defined() || !gi[j].requires_grad())
        throw std::runtime_error(std::string(op) + ": the gradient with respect to input " +
                                 std::to_string(j) +
                                 " is independent of the outputs; this is not allowed in "
                                 "strict mode");
  std::vector<BasicTensor<T>> used_gi, used_v;
  for (std::size_t j = 0; j < gi.size(); ++j)
    if (gi[j].defined() && gi[j].requires_grad()) {
      used_gi.push_back(gi[j]);
      used_v.push_back(vs[j]);
    }
  std::vector<BasicTensor<T>> jv(out.size());
  if (!used_gi.empty())
    jv = detail::with_trick_error(op, [&] {
      return autograd::grad(used_gi, us, used_v, options.create_graph, options.create_graph,
                            /*allow_unused=*/true);
    });
  jv = detail::fill_in_zeros(op, std::move(jv), out, options.create_graph, options.strict,
                             detail::Stage::back_trick);
  return {detail::unflat<Out>(detail::finish(std::move(out), options.create_graph)),
          detail::unflat<Out>(detail::finish(std::move(jv), options.create_graph))};
}
/// jvp without v: the input must be a single one-element tensor (v = 1).
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
    std::pair<detail::Result<F, In>, detail::Result<F, In>> jvp(
        F&& f, const In& inputs, const FunctionalOptions& options = {}) {
  using T = typename detail::Pack<In>::Scalar;
  const auto flat = detail::Pack<In>::flat(inputs);
  const auto v = detail::v_or_ones<T>("autograd::functional::jvp", nullptr, flat,
                                      detail::Pack<In>::is_vector, "input");
  return jvp(std::forward<F>(f), inputs, detail::unflat<In>(v), options);
}

namespace detail {

/// vhp and hvp: f's one-element result, and v^T H (= H v).
template <class In, class F, class T>
std::pair<BasicTensor<T>, In> second_order_product(const char* op, F& f, const In& inputs,
                                                   const In* v, const FunctionalOptions& o) {
  using Out = Result<F, In>;
  EnableGradGuard grad_on;
  const auto in = prepare(op, Pack<In>::flat(inputs), o.create_graph);
  std::vector<BasicTensor<T>> v_flat;
  if (v) v_flat = Pack<In>::flat(*v);
  const auto vs = v_or_ones<T>(op, v ? &v_flat : nullptr, in, Pack<In>::is_vector, "input");
  auto out = call<In>(f, in);
  check_outputs(op, out, o.strict);
  const auto& y = single_output(op, out, Pack<Out>::is_vector);
  if (!y.requires_grad()) {  // f does not depend on its inputs: zero second derivatives
    if (o.strict)
      throw std::runtime_error(std::string(op) +
                               ": the output of the user-provided function does not require "
                               "gradients; this is not allowed in strict mode");
    std::vector<BasicTensor<T>> zeros;
    for (const auto& x : in) zeros.push_back(zeros_like(x));
    return {finish(std::vector<BasicTensor<T>>{y}, o.create_graph)[0],
            unflat<In>(std::move(zeros))};
  }
  const auto jac = grad_of<T>({y}, in, {}, /*create_graph=*/true, /*retain_graph=*/true);
  if (o.strict)
    for (std::size_t j = 0; j < jac.size(); ++j)
      if (!jac[j].defined() || !jac[j].requires_grad())
        throw std::runtime_error(std::string(op) +
                                 ": the jacobian of the user-provided function is independent "
                                 "of input " +
                                 std::to_string(j) + "; this is not allowed in strict mode");
  // v^T H: the gradient of jac . v. H v is the same vector: H is symmetric (the second
  // derivatives of a twice continuously differentiable f commute). PyTorch computes hvp by
  // the double backward trick instead, which differentiates f's backward twice more and
  // needs third derivatives that most of torchlet's ops do not record.
  auto result = grad_of(jac, in, vs, o.create_graph, o.create_graph);
  result = fill_in_zeros(op, std::move(result), in, o.create_graph, o.strict, Stage::double_back);
  return {finish(std::vector<BasicTensor<T>>{y}, o.create_graph)[0],
          unflat<In>(finish(std::move(result), o.create_graph))};
}

}  // namespace detail

/// torch.autograd.functional.vhp(f, inputs, v, create_graph, strict): f's one-element result
/// and the vector-Hessian product v^T H (v shaped as the inputs).
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
auto vhp(F&& f, const In& inputs, const std::type_identity_t<In>& v,
         const FunctionalOptions& options = {}) {
  return detail::second_order_product<In, F, typename detail::Pack<In>::Scalar>(
      "autograd::functional::vhp", f, inputs, &v, options);
}
/// vhp without v: the input must be a single one-element tensor (v = 1).
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
auto vhp(F&& f, const In& inputs, const FunctionalOptions& options = {}) {
  return detail::second_order_product<In, F, typename detail::Pack<In>::Scalar>(
      "autograd::functional::vhp", f, inputs, nullptr, options);
}
/// torch.autograd.functional.hvp(f, inputs, v, create_graph, strict): f's one-element result
/// and the Hessian-vector product H v (v shaped as the inputs), computed as vhp's v^T H (the
/// same vector: H is symmetric; PyTorch's double backward trick would need third derivatives).
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
auto hvp(F&& f, const In& inputs, const std::type_identity_t<In>& v,
         const FunctionalOptions& options = {}) {
  return detail::second_order_product<In, F, typename detail::Pack<In>::Scalar>(
      "autograd::functional::hvp", f, inputs, &v, options);
}
/// hvp without v: the input must be a single one-element tensor (v = 1).
template <class In, class F>
requires detail::Tensors<In> && detail::Tensors<detail::Result<F, In>>
auto hvp(F&& f, const In& inputs, const FunctionalOptions& options = {}) {
  return detail::second_order_product<In, F, typename detail::Pack<In>::Scalar>(
      "autograd::functional::hvp", f, inputs, nullptr, options);
}

}  // namespace torchlet::autograd::functional
