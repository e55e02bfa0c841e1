#pragma once
// nn::ModuleFor<Sig...> and nn::Module: the modules with a forward, on nn::ModuleBase
// (nn/module_base.hpp: parameters, buffers, children, state_dict, printing).
//
// nn::ModuleFor<R(A...), ...> adds one pure virtual `R forward(A...)` per signature and an
// `R operator()(A...)` that runs the forward pre-hooks, forward() and the forward hooks (as
// PyTorch's Module.__call__ does), so `bilinear(x1, x2)`, `loss(input, target)` or a VAE
// returning three tensors are checked by the compiler. nn::Module is
// nn::ModuleFor<Tensor(const Tensor&)>, the one-tensor module that Sequential chains:
// `struct Net : nn::Module { Tensor forward(const Tensor& x) override; };`.

#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/nn/hooks.hpp"
#include "torchlet/nn/module_base.hpp"
#include "torchlet/tensor.hpp"
#include "torchlet/utils/hooks.hpp"

namespace torchlet::nn {

namespace detail {

/// What a pre-hook returns to replace the inputs: std::optional<input> for one input,
/// std::optional<std::tuple<inputs...>> for several.
template <class... D>
struct pre_hook_result {
  using type = std::optional<std::tuple<D...>>;
};
template <class D>
struct pre_hook_result<D> {
  using type = std::optional<D>;
};

template <class Self, class Sig>
class ForwardSlot;

/// One forward signature of ModuleFor: the pure virtual forward, the call operator that runs
/// the hooks around it, and the hooks registered for this signature.
template <class Self, class R, class... A>
class ForwardSlot<Self, R(A...)> {
  static_assert(!std::is_void_v<R> && !std::is_reference_v<R>,
                "nn::ModuleFor<R(A...)>: forward returns a value (a Tensor, a std::tuple, a "
                "struct), not void or a reference");

 public:
  /// Pre-hook: fn(module, inputs...) returning std::nullopt or replacement inputs.
  using PreHook = std::function<typename pre_hook_result<std::remove_cvref_t<A>...>::type(
      Self&, const std::remove_cvref_t<A>&...)>;
  /// Hook: fn(module, inputs..., output) returning std::nullopt or a replacement output.
  using Hook = std::function<std::optional<R>(Self&, const std::remove_cvref_t<A>&..., const R&)>;
  /// Whether hooks may replace the inputs: every input is copyable and none is a non-const
  /// lvalue reference (an output argument).
  static constexpr bool kReplaceableInputs =
      (std::is_copy_constructible_v<std::remove_cvref_t<A>> && ...) &&
      !((std::is_lvalue_reference_v<A> && !std::is_const_v<std::remove_reference_t<A>>) || ...);

  ForwardSlot() = default;
  ForwardSlot(const ForwardSlot&) = delete;
  ForwardSlot& operator=(const ForwardSlot&) = delete;
  ForwardSlot(ForwardSlot&&) noexcept = default;
  ForwardSlot& operator=(ForwardSlot&&) = delete;
  virtual ~ForwardSlot() = default;

  /// The computation of the module for these inputs.
  virtual R forward(A... a) = 0;

  /// Runs the forward pre-hooks, forward(), then the forward hooks (Module.__call__).
  R operator()(A... a) {
    if ((!pre_ || pre_->empty()) && (!post_ || post_->empty()))
      return forward(std::forward<A>(a)...);
    Self& self = static_cast<Self&>(*this);
    if constexpr (kReplaceableInputs) {
      std::tuple<std::remove_cvref_t<A>...> in(a...);
      if (pre_)
        for (auto& entry : std::vector(*pre_)) {
          auto& h = entry.second;
          auto r = std::apply([&](const auto&... x) { return h(self, x...); }, in);
          if (r) {
            if constexpr (sizeof...(A) == 1)
              std::get<0>(in) = std::move(*r);
            else
              in = std::move(*r);
          }
        }
      R out = std::apply([&](auto&... x) { return forward(static_cast<A>(x)...); }, in);
      std::apply([&](const auto&... x) { run_hooks(self, out, x...); }, in);
      return out;
    } else {
      if (pre_)
        for (auto& [id, h] : std::vector(*pre_)) h(self, a...);
      R out = forward(std::forward<A>(a)...);
      run_hooks(self, out, a...);
      return out;
    }
  }

  /// Adds fn to this signature's pre-hooks when fn(module, inputs...) is a valid call.
  template <class F>
  void add_pre_hook(F& fn, int id, std::vector<std::function<void()>>& removers) {
    if constexpr (std::is_invocable_v<F&, Self&, const std::remove_cvref_t<A>&...>) {
      using Res = std::invoke_result_t<F&, Self&, const std::remove_cvref_t<A>&...>;
      PreHook h;
      if constexpr (std::is_void_v<Res>) {
        h = [f = fn](Self& m, const std::remove_cvref_t<A>&... x) mutable ->
            typename pre_hook_result<std::remove_cvref_t<A>...>::type {
              f(m, x...);
              return std::nullopt;
            };
      } else {
        static_assert(kReplaceableInputs,
                      "register_forward_pre_hook: this forward's inputs cannot be replaced (an "
                      "input is not copyable or is an output argument); the hook must return "
                      "void");
        static_assert(
            std::is_convertible_v<Res, typename pre_hook_result<std::remove_cvref_t<A>...>::type>,
            "register_forward_pre_hook: a hook returns void (it observes), or std::optional of "
            "the input (std::optional<std::tuple<inputs...>> for several) to replace them");
        h = fn;
      }
      removers.push_back(add(pre_, id, std::move(h)));
    }
  }
  /// Adds fn to this signature's hooks when fn(module, inputs..., output) is a valid call.
  template <class F>
  void add_hook(F& fn, int id, std::vector<std::function<void()>>& removers) {
    if constexpr (std::is_invocable_v<F&, Self&, const std::remove_cvref_t<A>&..., const R&>) {
      using Res = std::invoke_result_t<F&, Self&, const std::remove_cvref_t<A>&..., const R&>;
      Hook h;
      if constexpr (std::is_void_v<Res>) {
        h = [f = fn](Self& m, const std::remove_cvref_t<A>&... x,
                     const R& y) mutable -> std::optional<R> {
          f(m, x..., y);
          return std::nullopt;
        };
      } else {
        static_assert(std::is_convertible_v<Res, std::optional<R>> && std::is_move_assignable_v<R>,
                      "register_forward_hook: a hook returns void (it observes), or "
                      "std::optional of the output to replace it");
        h = fn;
      }
      removers.push_back(add(post_, id, std::move(h)));
    }
  }
  /// Whether fn(module, inputs...) is a valid pre-hook call for this signature.
  template <class F>
  static constexpr bool accepts_pre_hook =
      std::is_invocable_v<F&, Self&, const std::remove_cvref_t<A>&...>;
  /// Whether fn(module, inputs..., output) is a valid hook call for this signature.
  template <class F>
  static constexpr bool accepts_hook =
      std::is_invocable_v<F&, Self&, const std::remove_cvref_t<A>&..., const R&>;

 private:
  template <class... X>
  void run_hooks(Self& self, R& out, const X&... x) {
    if (!post_) return;
    for (auto& [id, h] : std::vector(*post_))
      if (auto r = h(self, x..., out)) {
        if constexpr (std::is_move_assignable_v<R>) out = std::move(*r);
      }
  }
  template <class H>
  static std::function<void()> add(std::shared_ptr<std::vector<std::pair<int, H>>>& list, int id,
                                   H h) {
    if (!list) list = std::make_shared<std::vector<std::pair<int, H>>>();
    list->emplace_back(id, std::move(h));
    // A weak reference: removing after the module died is a no-op.
    return [weak = std::weak_ptr(list), id] {
      if (auto l = weak.lock())
        l->erase(std::remove_if(l->begin(), l->end(), [id](auto& e) { return e.first == id; }),
                 l->end());
    };
  }

  std::shared_ptr<std::vector<std::pair<int, PreHook>>> pre_;
  std::shared_ptr<std::vector<std::pair<int, Hook>>> post_;
};

template <class Sig, class... Sigs>
struct first_signature {
  using type = Sig;
};

}  // namespace detail

/// A module whose forward has the given signatures, checked at compile time:
/// `struct Siamese : nn::ModuleFor<Tensor(const Tensor&, const Tensor&)> { Tensor
/// forward(const Tensor& a, const Tensor& b) override; };` is called as `net(a, b)`, with its
/// hooks. Each signature R(A...) declares `virtual R forward(A...) = 0` and `R operator()(A...)`
/// (pre-hooks, forward, hooks); several signatures are overloads (`loss(input, LongTensor)` and
/// `loss(input, Tensor)`). R may be a std::tuple or a struct, for structured bindings.
template <class... Sigs>
class ModuleFor : public ModuleBase, public detail::ForwardSlot<ModuleFor<Sigs...>, Sigs>... {
  static_assert(sizeof...(Sigs) >= 1,
                "nn::ModuleFor needs a forward signature, e.g. ModuleFor<Tensor(const Tensor&)>; "
                "a module without forward derives from nn::ModuleBase");

 public:
  using detail::ForwardSlot<ModuleFor, Sigs>::operator()...;
  using detail::ForwardSlot<ModuleFor, Sigs>::forward...;
  /// The pre-hook type of the first signature (std::function<std::optional<Tensor>(Module&,
  /// const Tensor&)> for nn::Module).
  using ForwardPreHook =
      typename detail::ForwardSlot<ModuleFor,
                                   typename detail::first_signature<Sigs...>::type>::PreHook;
  /// The hook type of the first signature (std::function<std::optional<Tensor>(Module&, const
  /// Tensor&, const Tensor&)> for nn::Module).
  using ForwardHook =
      typename detail::ForwardSlot<ModuleFor,
                                   typename detail::first_signature<Sigs...>::type>::Hook;

  ModuleFor() = default;
  /// Moves the module, its registrations and its hooks.
  ModuleFor(ModuleFor&&) noexcept = default;

  /// Registers fn(module, inputs...), run before forward for every signature it can be called
  /// with; returning void observes, returning a std::optional holding inputs (a std::tuple of
  /// them for several) replaces them. Hooks run in registration order.
  template <class F>
  RemovableHandle register_forward_pre_hook(F&& fn) {
    static_assert((detail::ForwardSlot<ModuleFor, Sigs>::template accepts_pre_hook<F> || ...),
                  "register_forward_pre_hook: the hook must be callable as fn(module, const "
                  "inputs&...) for one of this module's forward signatures");
    std::vector<std::function<void()>> removers;
    const int id = new_hook_id();
    (detail::ForwardSlot<ModuleFor, Sigs>::add_pre_hook(fn, id, removers), ...);
    return RemovableHandle([removers = std::move(removers)] {
      for (auto& r : removers) r();
    });
  }
  /// Registers fn(module, inputs..., output), run after forward for every signature it can be
  /// called with; returning void observes, returning a std::optional holding an output
  /// replaces it.
  template <class F>
  RemovableHandle register_forward_hook(F&& fn) {
    static_assert((detail::ForwardSlot<ModuleFor, Sigs>::template accepts_hook<F> || ...),
                  "register_forward_hook: the hook must be callable as fn(module, const "
                  "inputs&..., const output&) for one of this module's forward signatures");
    std::vector<std::function<void()>> removers;
    const int id = new_hook_id();
    (detail::ForwardSlot<ModuleFor, Sigs>::add_hook(fn, id, removers), ...);
    return RemovableHandle([removers = std::move(removers)] {
      for (auto& r : removers) r();
    });
  }
};

/// The one-tensor module: `struct Net : nn::Module { Tensor forward(const Tensor& x) override;
/// };`, called as `net(x)`; the modules nn::Sequential chains.
using Module = ModuleFor<Tensor(const Tensor&)>;

}  // namespace torchlet::nn