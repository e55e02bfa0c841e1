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

namespace detail {

/// Is X a tensor or a vector of tensors of floating point type T (f's argument and result).
template <class X>
struct Pack;
template <class T>
struct Pack<BasicTensor<T>> {
  using Scalar = T;
  static constexpr bool is_vector = false;
  static std::vector<BasicTensor<T>> flat(const BasicTensor<T>& x) { return {x}; }
};
template <class T>
struct Pack<std::vector<BasicTensor<T>>> {
  using Scalar = T;
  static constexpr bool is_vector = true;
  static std::vector<BasicTensor<T>> flat(const std::vector<BasicTensor<T>>& x) { return x; }
};
template <class X>
concept Tensors = requires {
  typename Pack<std::remove_cvref_t<X>>::Scalar;
}
&&std::is_floating_point_v<typename Pack<std::remove_cvref_t<X>>::Scalar>;

/// f's result for an argument of type In, as a tensor or a vector of tensors.
template <class F, class In>
using Result = std::remove_cvref_t<std::invoke_result_t<F&, const In&>>;

/// X from its tensors: the one tensor, or the vector.
template <class X, class T>
X unflat(std::vector<BasicTensor<T>> v) {
  if constexpr (Pack<X>::is_vector)
    return v;
  else
    return std::move(v.front());
}

/// The inputs as f sees them (PyTorch's _grad_preprocess): a detached copy that requires
/// grad, or with create_graph the input itself when it requires grad.
template <class T>
std::vector<BasicTensor<T>> prepare(const char* op, const std::vector<BasicTensor<T>>& inputs,
                                    bool create_graph) {
  if (inputs.empty()) throw std::invalid_argument(std::string(op) + ": no inputs given");
  std::vector<BasicTensor<T>> r;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined())
      throw std::invalid_argument(std::string(op) + ": input " + std::to_string(i) +
                                  " is an undefined tensor");
    if (create_graph && inputs[i].requires_grad())
      r.push_back(inputs[i]);
    else
      r.push_back(inputs[i].detach().clone().requires_grad_());
  }
  return r;
}

/// Results detached unless create_graph (PyTorch's _grad_postprocess).
template <class T>
std::vector<BasicTensor<T>> finish(std::vector<BasicTensor<T>> v, bool create_graph) {
  if (!create_graph)
    for (auto& t : v)
      if (t.defined()) t = t.detach();
  return v;
}

/// f's outputs, checked: defined, and under strict each depends on the inputs.
template <class T>
void check_outputs(const char* op, const std::vector<BasicTensor<T>>& outputs, bool strict) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].defined())
      throw std::invalid_argument(std::string(op) + ": output " + std::to_string(i) +
                                  " of the user-provided function is an undefined tensor");
    if (strict && !outputs[i].requires_grad())
      throw std::runtime_error(std::string(op) + ": output " + std::to_string(i) +
                               " of the user-provided function does not require gradients; "
                               "the outputs must be computed in a differentiable manner from "
                               "the input when running in strict mode");
  }
}

/// v (one entry per tensor of `like`, each of its shape), or PyTorch's error.
template <class T>
void check_v(const char* op, const std::vector<BasicTensor<T>>& v,
             const std::vector<BasicTensor<T>>& like, const char* what) {
  if (v.size() != like.size())
    throw std::invalid_argument(std::string(op) + ": v has " + std::to_string(v.size()) +
                                " tensors, expected " + std::to_string(like.size()) + " (one per " +
                                what + ")");
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!v[i].defined() || v[i].shape() != like[i].shape())
      throw ShapeError(
          std::string(op) + ": mismatch in shape: v[" + std::to_string(i) + "] has a shape of " +
          (v[i].defined() ? to_string(v[i].shape()) : std::string("undefined")) + " and " + what +
          "[" + std::to_string(i) + "] has a shape of " + to_string(like[i].shape()));
}

/// torch.autograd.grad over the outputs that require grad (the others, with their
/// grad_outputs, left out; PyTorch's _autograd_grad): undefined entries for inputs nothing
/// depends on, all undefined when no output requires grad.
template <class T>
std::vector<BasicTensor<T>> grad_of(const std::vector<BasicTensor<T>>& outputs,
                                    const std::vector<BasicTensor<T>>& inputs,
                                    const std::vector<BasicTensor<T>>& grad_outputs,
                                    bool create_graph, bool retain_graph) {
  std::vector<BasicTensor<T>> outs, gos;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i].defined() && outputs[i].requires_grad()) {
      outs.push_back(outputs[i]);
      gos.push_back(grad_outputs.empty() ? BasicTensor<T>() : grad_outputs[i]);
    }
  if (outs.empty()) return std::vector<BasicTensor<T>>(inputs.size());
  return autograd::grad(outs, inputs, gos, retain_graph, create_graph, /*allow_unused=*/true);
}

/// Where a derivative is undefined: zeros like refs[i], or under strict an error naming the
/// step (PyTorch's _fill_in_zeros).
enum class Stage { back, back_trick, double_back };

template <class T>
std::vector<BasicTensor<T>> fill_in_zeros(const char* op, std::vector<BasicTensor<T>> grads,
                                          const std::vector<BasicTensor<T>>& refs,
                                          const FunctionalOptions& o, Stage stage) {
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const auto n = std::to_string(i);
    if (!grads[i].defined()) {
      if (o.strict) {
        const char* what =
            stage == Stage::back ? "the output of the user-provided function is independent "
                                   "of input "
            : stage == Stage::back_trick
                ? "the gradient with respect to the input is independent of entry (double "
                  "backward trick of jvp) "
                : "the jacobian of the user-provided function is independent of input ";
        throw std::runtime_error(std::string(op) + ": " + what + n +
                                 "; this is not allowed in strict mode");
      }
      grads[i] = zeros_like(refs[i]);
    } else if (o.strict && o.create_graph && !grads[i].requires_grad()) {
      const bool twice = stage == Stage::double_back;
      throw std::runtime_error(std::string(op) + ": the " + (twice ? "hessian" : "jacobian") +
                               " of the user-provided function is independent of input " + n +
                               "; this is not allowed in strict mode when create_graph is on");
    }
  }
  return grads;
}

/// d outputs[i] / d inputs[j] for every i and j, each [out_i.shape..., in_j.shape...]: one
/// backward per element of each output, with a one-hot gradient (PyTorch's jacobian with
/// vectorize=False).
template <class T>
std::vector<std::vector<BasicTensor<T>>> jacobian_of(const char* op,
                                                     const std::vector<BasicTensor<T>>& outputs,
                                                     const std::vector<BasicTensor<T>>& inputs,
                                                     const FunctionalOptions& o) {
  std::vector<std::vector<BasicTensor<T>>> jac;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto& out = outputs[i];
    const std::int64_t n = out.numel();
    std::vector<std::vector<BasicTensor<T>>> rows(inputs.size());
    for (std::int64_t k = 0; k < n; ++k) {
      std::vector<BasicTensor<T>> vk;
      if (out.requires_grad()) {
        auto onehot = torchlet::zeros<T>(out.shape());
        onehot.data()[k] = T(1);
        vk = grad_of<T>({out}, inputs, {onehot}, o.create_graph, /*retain_graph=*/true);
      } else {
        vk.resize(inputs.size());
      }
      for (std::size_t j = 0; j < inputs.size(); ++j) {
        if (!vk[j].defined()) {
          if (o.strict)
            throw std::runtime_error(std::string(op) + ": output " + std::to_string(i) +
                                     " of the user-provided function is independent of input " +
                                     std::to_string(j) + "; this is not allowed in strict mode");
          vk[j] = zeros_like(inputs[j]);
        } else if (o.strict && o.create_graph && !vk[j].requires_grad()) {
          throw std::runtime_error(std::string(op) +
                                   ": the jacobian of the user-provided function is independent "
                                   "of input " +
                                   std::to_string(j) +
                                   "; this is not allowed in strict mode when create_graph is on");
        }
        rows[j].push_back(std::move(vk[j]));
      }
    }
    std::vector<BasicTensor<T>> ji;
    for (std::size_t j = 0; j < inputs.size(); ++j) {
      Shape shape = out.shape();
      shape.insert(shape.end(), inputs[j].shape().begin(), inputs[j].shape().end());
      ji.push_back(n == 0 ? torchlet::zeros<T>(shape) : stack(rows[j], 0).reshape(shape));
    }
    jac.push_back(finish(std::move(ji), o.create_graph));
  }
  return jac;
}

/// f on the prepared inputs, as f takes them (one tensor or the vector), its result flattened.
template <class In, class F, class T>
std::vector<BasicTensor<T>> call(F& f, const std::vector<BasicTensor<T>>& inputs) {
  return Pack<Result<F, In>>::flat(f(unflat<In>(inputs)));
}

/// run() for jvp's double backward trick: an op whose backward does not record itself
/// (create_graph) fails there; the error says why its backward was differentiated.
template <class Run>
auto with_trick_error(const char* op, Run run) {
  try {
    return run();
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string(op) + ": " + e.what() +
                             " (jvp's double backward trick differentiates f's backward)");
  }
}

/// The one-element output of hessian's, vhp's and hvp's f, or the error.
template <class T>
const BasicTensor<T>& single_output(const char* op, const std::vector<BasicTensor<T>>& outputs,
                                    bool is_vector) {
  if (is_vector || outputs.size() != 1)
    throw std::invalid_argument(std::string(op) +
                                ": the function should return a single tensor, got a vector of " +
                                std::to_string(outputs.size()));
  if (outputs[0].numel() != 1)
    throw std::invalid_argument(std::string(op) +
                                ": the tensor the function returns should contain a single "
                                "element, got shape " +
                                to_string(outputs[0].shape()));
  return outputs[0];
}

/// v as the caller gave it, or ones when it may be left out (a single one-element tensor).
template <class T>
std::vector<BasicTensor<T>> v_or_ones(const char* op, const std::vector<BasicTensor<T>>* v,
                                      const std::vector<BasicTensor<T>>& like, bool like_vector,
                                      const char* what) {
  if (v) {
    check_v(op, *v, like, what);
    std::vector<BasicTensor<T>> r;
    for (const auto& t : *v) r.push_back(t);
    return r;
  }
  if (like_vector || like.size() != 1 || like[0].numel() != 1)
    throw std::invalid_argument(std::string(op) + ": v can be left out only when the " + what +
                                " is a single tensor with a single element");
  return {torchlet::ones<T>(like[0].shape())};
}

}  // namespace detail

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
  auto jac = detail::jacobian_of(op, out, in, options);
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
  // The gradient of f, recorded (its own inner jacobian with create_graph).
  const auto out = detail::call<In>(f, in);
  detail::check_outputs(op, out, options.strict);
  const auto& y = detail::single_output(op, out, detail::Pack<Out>::is_vector);
  const auto scalar = y.reshape(Shape{});
  auto grads =
      detail::jacobian_of(op, {scalar}, in, {.create_graph = true, .strict = options.strict})[0];
  if (options.strict)
    for (std::size_t j = 0; j < grads.size(); ++j)
      if (!grads[j].requires_grad())
        throw std::runtime_error(std::string(op) +
                                 ": the jacobian of the user-provided function is independent "
                                 "of input " +
                                 std::to_string(j) + "; this is not allowed in strict mode");
  auto hess = detail::jacobian_of(op, grads, in, options);
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
  g = detail::fill_in_zeros(op, std::move(g), in, options, detail::Stage::back);
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
  g = detail::fill_in_zeros(op, std::move(g), in, options, detail::Stage::back);
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
  jv = detail::fill_in_zeros(op, std::move(jv), out, options, detail::Stage::back_trick);
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
  result = fill_in_zeros(op, std::move(result), in, o, Stage::double_back);
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
