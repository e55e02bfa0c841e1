#pragma once
// The machinery of autograd::functional (tensor/autograd_functional.hpp): f's argument and
// result as a list of tensors (Pack), the inputs prepared and the results detached as
// PyTorch's _grad_preprocess / _grad_postprocess do, torch.autograd.grad over the outputs
// that require grad (_autograd_grad), zeros or strict's errors where an output does not depend
// on an input (_fill_in_zeros), and the Jacobian by one backward per output element.
#include <concepts>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/autograd/engine.hpp"
#include "torchlet/tensor/basic_tensor.hpp"
#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/joining.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet::autograd::functional {
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

/// The inputs as f sees them (PyTorch's _grad_preprocess): the input detached (its data
/// shared, a new leaf that requires grad), or with create_graph the input itself when it
/// requires grad.
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
      r.push_back(inputs[i].detach().requires_grad_());
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
                                          bool create_graph, bool strict, Stage stage) {
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const auto n = std::to_string(i);
    if (!grads[i].defined()) {
      if (strict) {
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
    } else if (strict && create_graph && !grads[i].requires_grad()) {
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
                                                     bool create_graph, bool strict) {
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
        vk = grad_of<T>({out}, inputs, {onehot}, create_graph, /*retain_graph=*/true);
      } else {
        vk.resize(inputs.size());
      }
      for (std::size_t j = 0; j < inputs.size(); ++j) {
        if (!vk[j].defined()) {
          if (strict)
            throw std::runtime_error(std::string(op) + ": output " + std::to_string(i) +
                                     " of the user-provided function is independent of input " +
                                     std::to_string(j) + "; this is not allowed in strict mode");
          vk[j] = zeros_like(inputs[j]);
        } else if (strict && create_graph && !vk[j].requires_grad()) {
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
    jac.push_back(finish(std::move(ji), create_graph));
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
    return *v;
  }
  if (like_vector || like.size() != 1 || like[0].numel() != 1)
    throw std::invalid_argument(std::string(op) + ": v can be left out only when the " + what +
                                " is a single tensor with a single element");
  return {torchlet::ones<T>(like[0].shape())};
}

}  // namespace detail
}  // namespace torchlet::autograd::functional
