#pragma once
// Custom differentiable ops written by the user (torch.autograd.Function, libtorch's
// torch::autograd::Function<T>): a struct with a static forward and a static backward.
//
//   struct MyExp : torchlet::autograd::Function<MyExp> {
//     // x [*] -> y [*]; runs without recording a graph.
//     static Tensor forward(AutogradContext* ctx, const Tensor& x) {
//       auto y = x.exp();
//       ctx->save_for_backward({y});
//       return y;
//     }
//     // One gradient per output in, one per forward argument out (undefined where none).
//     static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grads) {
//       return {grads[0] * ctx->get_saved_variables()[0]};
//     }
//   };
//   auto y = MyExp::apply(x);   // y.grad_fn()->name() == "MyExpBackward"
//
// forward takes the context and any arguments (tensors of one scalar type T and other
// values) and returns one BasicTensor<T> or a std::vector of them; the context type is
// BasicAutogradContext<T> (AutogradContext for float). backward gets one gradient per
// output (zeros for an output that received none) and returns one entry per forward argument.
// backward runs with grad mode on when the caller asked for create_graph (autograd::grad), so a
// backward written with tensor ops can be differentiated again.
#include <cxxabi.h>

#include <algorithm>
#include <any>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "torchlet/tensor/basic_tensor.hpp"

namespace torchlet::autograd {

template <class Derived>
struct Function;

/// What forward hands to backward (libtorch's AutogradContext, Python's `ctx`), for tensors
/// of scalar type T.
template <class Scalar>
class BasicAutogradContext {
 public:
  /// Keeps tensors for backward (ctx.save_for_backward); called once in forward. Inputs and
  /// outputs keep their place in the graph (a backward made of tensor ops is differentiable
  /// through them); any tensor modified in place before backward makes
  /// get_saved_variables() throw, as in PyTorch.
  void save_for_backward(std::vector<BasicTensor<Scalar>> tensors) {
    pending_ = std::move(tensors);
  }
  /// The tensors given to save_for_backward (ctx.saved_tensors). Throws std::runtime_error
  /// when one of them was modified in place after it was saved.
  std::vector<BasicTensor<Scalar>> get_saved_variables() const {
    std::vector<BasicTensor<Scalar>> out;
    out.reserve(saved_.size());
    for (const auto& s : saved_) {
      if (!s.data.defined()) {
        out.emplace_back();
        continue;
      }
      auto t = s.data.tensor(name_, s.shape);  // checks the version
      if (s.input.defined()) {
        out.push_back(s.input);
        continue;
      }
      if (auto node = s.node.lock()) {  // an output: reattached to its node
        t.impl()->grad_fn = std::move(node);
        t.impl()->requires_grad = true;
      }
      out.push_back(std::move(t));
    }
    return out;
  }
  /// Whether forward argument i needs a gradient (ctx.needs_input_grad[i]): it is a tensor
  /// that requires grad and grad mode was on.
  bool needs_input_grad(std::size_t i) const {
    if (i >= needs_input_grad_.size())
      throw std::out_of_range(std::string(name_) + ": needs_input_grad(" + std::to_string(i) +
                              ") out of range (forward takes " +
                              std::to_string(needs_input_grad_.size()) + " arguments)");
    return needs_input_grad_[i];
  }
  /// Marks outputs of forward as not differentiable (ctx.mark_non_differentiable): they do
  /// not require grad, and backward gets zeros for them.
  void mark_non_differentiable(const std::vector<BasicTensor<Scalar>>& outputs) {
    for (const auto& t : outputs)
      if (t.defined()) non_differentiable_.push_back(t.impl().get());
  }
  /// Non-tensor values forward keeps for backward (libtorch's ctx->saved_data).
  std::unordered_map<std::string, std::any> saved_data;

 private:
  template <class D>
  friend struct Function;
  struct Saved {
    detail::SavedTensor<Scalar> data;
    Shape shape;
    BasicTensor<Scalar> input;         // an input of the op: kept as is
    std::weak_ptr<Node<Scalar>> node;  // an output: its node, reattached on unpacking
  };
  const char* name_ = "";
  std::vector<BasicTensor<Scalar>> pending_;
  std::vector<Saved> saved_;
  std::vector<bool> needs_input_grad_;
  std::vector<const detail::TensorImpl<Scalar>*> non_differentiable_;
};

/// The context of a float custom Function.
using AutogradContext = BasicAutogradContext<float>;

namespace detail {
template <class A>
struct function_arg_scalar {
  using type = void;
};
template <class U>
struct function_arg_scalar<BasicTensor<U>> {
  using type = U;
};
template <class... A>
struct first_tensor_scalar {
  using type = void;
};
template <class A, class... Rest>
struct first_tensor_scalar<A, Rest...> {
  using head = typename function_arg_scalar<std::remove_cvref_t<A>>::type;
  using type =
      std::conditional_t<std::is_void_v<head>, typename first_tensor_scalar<Rest...>::type, head>;
};

/// "ns::MyExp" -> "MyExpBackward", as PyTorch names a Function's node.
inline std::string function_node_name(const char* mangled) {
  int status = 0;
  char* raw = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string s = status == 0 && raw ? raw : mangled;
  std::free(raw);  // __cxa_demangle's buffer
  if (auto lt = s.find('<'); lt != std::string::npos) s.resize(lt);
  if (auto colon = s.rfind("::"); colon != std::string::npos) s = s.substr(colon + 2);
  return s + "Backward";
}
}  // namespace detail

/// Base of a custom op (torch::autograd::Function<Derived>): Derived defines static
/// forward(ctx, args...) and backward(ctx, grad_outputs); Derived::apply(args...) runs it.
template <class Derived>
struct Function {
  /// The node's name: Derived's unqualified name + "Backward" ("MyExpBackward").
  static const char* node_name() {
    static const std::string name = detail::function_node_name(typeid(Derived).name());
    return name.c_str();
  }

  /// Runs Derived::forward without recording, then records one node whose backward calls
  /// Derived::backward; returns forward's result (a tensor or a vector of tensors).
  template <class... Args>
  static auto apply(Args&&... args) {
    using Scalar = typename detail::first_tensor_scalar<Args...>::type;
    static_assert(!std::is_void_v<Scalar>,
                  "Function::apply: forward needs at least one tensor argument");
    auto ctx = std::make_shared<BasicAutogradContext<Scalar>>();
    ctx->name_ = node_name();
    // One entry per argument: the tensor, or undefined for a non-tensor argument.
    std::vector<BasicTensor<Scalar>> inputs;
    inputs.reserve(sizeof...(Args));
    (
        [&](const auto& a) {
          if constexpr (std::is_same_v<std::remove_cvref_t<decltype(a)>, BasicTensor<Scalar>>)
            inputs.push_back(a);
          else
            inputs.emplace_back();
        }(args),
        ...);
    bool any = false;
    for (const auto& t : inputs) {
      const bool need = t.defined() && torchlet::detail::needs_graph<Scalar>({&t});
      ctx->needs_input_grad_.push_back(need);
      any = any || need;
    }
    using R = decltype(Derived::forward(ctx.get(), std::forward<Args>(args)...));
    static_assert(
        std::is_same_v<R, BasicTensor<Scalar>> ||
            std::is_same_v<R, std::vector<BasicTensor<Scalar>>>,
        "Function: forward must return a BasicTensor<T> or a std::vector<BasicTensor<T>>");
    R result;
    {
      NoGradGuard no_grad;
      result = Derived::forward(ctx.get(), std::forward<Args>(args)...);
    }
    std::vector<BasicTensor<Scalar>*> outs;
    if constexpr (std::is_same_v<R, BasicTensor<Scalar>>) {
      outs.push_back(&result);
    } else {
      for (auto& t : result) outs.push_back(&t);
    }
    for (auto* o : outs) {
      if (!o->defined())
        throw std::invalid_argument(std::string(node_name()) +
                                    ": forward returned an undefined tensor");
      // An input returned as is becomes a new tensor on the same data (the input keeps
      // its own history).
      for (const auto& in : inputs)
        if (in.defined() && in.is_same(*o)) *o = o->detach();
    }
    if (any) record(ctx, inputs, outs);
    // What forward saved: inputs kept as they are, outputs through their node (set by
    // record), anything else as data; all version-checked.
    for (auto& t : ctx->pending_) {
      typename BasicAutogradContext<Scalar>::Saved s;
      if (t.defined()) {
        s.shape = t.shape();
        for (const auto& in : inputs)
          if (in.defined() && in.is_same(t)) s.input = in;
        for (auto* o : outs)
          if (o->is_same(t) && o->grad_fn()) s.node = o->grad_fn();
        // An output is saved without its node (the node owns this context: keeping the
        // node here would be a cycle that is never freed); unpacking reattaches it.
        s.data = torchlet::detail::SavedTensor<Scalar>(s.node.expired() ? t : t.detach());
      }
      ctx->saved_.push_back(std::move(s));
    }
    ctx->pending_.clear();
    return result;
  }

 private:
  template <class Scalar>
  static void record(const std::shared_ptr<BasicAutogradContext<Scalar>>& ctx,
                     const std::vector<BasicTensor<Scalar>>& inputs,
                     const std::vector<BasicTensor<Scalar>*>& outs) {
    const char* name = node_name();
    std::vector<Shape> out_shapes, in_shapes;
    std::vector<bool> differentiable;
    std::int64_t total = 0;
    for (auto* o : outs) {
      out_shapes.push_back(o->shape());
      total += o->numel();
      const auto& nd = ctx->non_differentiable_;
      differentiable.push_back(std::find(nd.begin(), nd.end(), o->impl().get()) == nd.end());
    }
    for (const auto& t : inputs) in_shapes.push_back(t.defined() ? t.shape() : Shape{});
    const bool single = outs.size() == 1;
    // The node's gradient is the output's (one output) or all outputs' gradients flattened
    // into one vector, each output's node filling its own segment.
    auto backward = [ctx, name, out_shapes, in_shapes, single](const BasicTensor<Scalar>& g) {
      std::vector<BasicTensor<Scalar>> grads;
      std::int64_t offset = 0;
      for (const auto& s : out_shapes) {
        const auto n = torchlet::detail::numel_of(s);
        if (single)
          grads.push_back(g);
        else if (g.defined())
          grads.push_back(g.narrow(0, offset, n).reshape(s));
        offset += n;
      }
      auto r = Derived::backward(ctx.get(), std::move(grads));
      if (r.size() != in_shapes.size())
        throw std::runtime_error(std::string("function ") + name +
                                 " returned an incorrect number of gradients (expected " +
                                 std::to_string(in_shapes.size()) + ", got " +
                                 std::to_string(r.size()) + ")");
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (!ctx->needs_input_grad_[i]) {
          r[i] = BasicTensor<Scalar>();
        } else if (r[i].defined() && r[i].shape() != in_shapes[i]) {
          throw ShapeError(std::string("Function ") + name +
                           " returned an invalid gradient at index " + std::to_string(i) +
                           " - got " + to_string(r[i].shape()) + " but expected shape " +
                           to_string(in_shapes[i]));
        }
      }
      return r;
    };
    using MainNode = FunctionNode<Scalar, decltype(backward)>;
    auto node = std::make_shared<MainNode>(std::move(backward));
    node->node_name = name;
    node->differentiable_backward = true;
    node->next.reserve(inputs.size());
    for (const auto& t : inputs) node->next.push_back(torchlet::detail::gradient_edge(t));
    if (single) {
      node->out_shape = out_shapes[0];
      if (differentiable[0]) {
        outs[0]->impl()->requires_grad = true;
        outs[0]->impl()->grad_fn = std::move(node);
      }
      return;
    }
    node->out_shape = Shape{total};
    // Each output's node puts its gradient into its segment of the flat gradient (zeros
    // elsewhere, which is also what an output that gets no gradient contributes).
    std::int64_t offset = 0;
    for (std::size_t k = 0; k < outs.size(); ++k) {
      const auto n = outs[k]->numel();
      if (differentiable[k]) {
        auto select = [offset, n, total](const BasicTensor<Scalar>& g) {
          std::vector<BasicTensor<Scalar>> parts;
          if (offset > 0) parts.push_back(zeros<Scalar>({offset}));
          parts.push_back(g.reshape({n}));
          if (offset + n < total) parts.push_back(zeros<Scalar>({total - offset - n}));
          return std::vector<BasicTensor<Scalar>>{cat(parts)};
        };
        auto sel = std::make_shared<FunctionNode<Scalar, decltype(select)>>(std::move(select));
        sel->node_name = name;
        sel->differentiable_backward = true;
        sel->next.push_back(node);
        sel->out_shape = outs[k]->shape();
        outs[k]->impl()->requires_grad = true;
        outs[k]->impl()->grad_fn = std::move(sel);
      }
      offset += n;
    }
  }
};

}  // namespace torchlet::autograd
