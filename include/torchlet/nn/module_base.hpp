#pragma once
// nn::ModuleBase: what every module has whatever its forward looks like (torch.nn.Module without
// its forward): parameters, buffers and children registered by name, train()/eval(),
// state_dict(), apply(), printing. The modules with a forward derive from nn::ModuleFor<Sig...>
// or nn::Module (nn/module.hpp); ModuleList and ModuleDict derive from it directly.
//
// Registration stores a member as its offset from the module, so moving a module (the
// compiler-generated move of any class whose members move) keeps every registration:
// the moved registry names the moved members. Copies are deleted (they would share the
// parameters' storage silently).

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/detail/format.hpp"
#include "torchlet/nn/hooks.hpp"
#include "torchlet/nn/state_dict.hpp"
#include "torchlet/tensor.hpp"
#include "torchlet/utils/hooks.hpp"

namespace torchlet::nn {

class ModuleBase;

namespace detail {

/// One registry entry: a member (offset from its module) or an object the registry owns.
template <class T>
struct RegistrySlot {
  std::string name;
  std::ptrdiff_t offset = 0;
  std::shared_ptr<T> owned;
  bool persistent = true;
  T* get(const ModuleBase* self) const {
    if (owned) return owned.get();
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the member's address, rebuilt from its offset
    return reinterpret_cast<T*>(reinterpret_cast<std::uintptr_t>(self) +
                                static_cast<std::uintptr_t>(offset));
  }
};

/// The parameter type of a member function pointer or function pointer taking one argument.
template <class P>
struct single_param;
template <class R, class A>
struct single_param<R (*)(A)> {
  using type = A;
};
template <class R, class C, class A>
struct single_param<R (C::*)(A)> {
  using type = A;
};
template <class R, class C, class A>
struct single_param<R (C::*)(A) const> {
  using type = A;
};
/// The parameter type of a callable taking one argument (a lambda, std::function, function
/// pointer): what ModuleBase::apply casts each module to.
template <class F>
struct first_arg {
  using type = typename single_param<decltype(&F::operator())>::type;
};
template <class R, class A>
struct first_arg<R (*)(A)> {
  using type = A;
};
template <class R, class A>
struct first_arg<R(A)> {
  using type = A;
};

}  // namespace detail

/// Base class of all layers and models (torch.nn.Module without its forward): parameters,
/// buffers and children registered by name, train()/eval(), state_dict(), printing. A module
/// with a forward derives from nn::Module (one tensor in, one out) or nn::ModuleFor<Sig...>
/// (any signature); a module that only holds others (ModuleList, ModuleDict) derives from
/// ModuleBase directly and has no call operator. Not copyable; movable, registrations included.
class ModuleBase {
 public:
  ModuleBase() = default;
  ModuleBase(const ModuleBase&) = delete;
  ModuleBase& operator=(const ModuleBase&) = delete;
  /// Moves the registry: members are stored as offsets from the module, so the moved entries
  /// name the moved members; owned children and tensors move with it. The moved-from module
  /// registers nothing.
  ModuleBase(ModuleBase&& o) noexcept
      : training_(o.training_),
        params_(std::move(o.params_)),
        buffers_(std::move(o.buffers_)),
        children_(std::move(o.children_)),
        next_hook_id_(o.next_hook_id_) {}
  ModuleBase& operator=(ModuleBase&&) = delete;
  virtual ~ModuleBase() = default;

  // ---- traversal (PyTorch's dotted names: "fc1.weight", "layers.0.bias") ----------
  /// Parameters of this module and (recurse) its descendants; a tensor registered twice
  /// (shared weights) is listed once, under its first name.
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect(out, "", recurse, &ModuleBase::params_);
    return dedupe(std::move(out));
  }
  /// The parameters (of the children too when recurse), each once, in registration order.
  std::vector<Tensor> parameters(bool recurse = true) const {
    return values(named_parameters(recurse));
  }
  /// (name, buffer) pairs, dotted names ("bn.running_mean") when recurse.
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect(out, "", recurse, &ModuleBase::buffers_);
    return dedupe(std::move(out));
  }
  /// The buffers (running statistics and the like), in registration order.
  std::vector<Tensor> buffers(bool recurse = true) const { return values(named_buffers(recurse)); }
  /// (name, child) for the direct children, in registration order.
  std::vector<std::pair<std::string, ModuleBase*>> named_children() const {
    std::vector<std::pair<std::string, ModuleBase*>> out;
    for (auto& c : children_) out.emplace_back(c.name, c.get(this));
    return out;
  }
  /// The direct children.
  std::vector<ModuleBase*> children() const {
    std::vector<ModuleBase*> out;
    for (auto& c : children_) out.push_back(c.get(this));
    return out;
  }
  /// This module first (name = prefix, "" by default), then every descendant, depth first.
  std::vector<std::pair<std::string, ModuleBase*>> named_modules(const std::string& prefix = "") {
    std::vector<std::pair<std::string, ModuleBase*>> out{{prefix, this}};
    for (auto& c : children_)
      for (auto& e : c.get(this)->named_modules(prefix.empty() ? c.name : prefix + "." + c.name))
        out.push_back(std::move(e));
    return out;
  }
  /// This module and all its descendants, depth first.
  std::vector<ModuleBase*> modules() {
    std::vector<ModuleBase*> out;
    for (auto& [n, m] : named_modules()) out.push_back(m);
    return out;
  }
  /// The descendant at a dotted path ("features.0"); "" is this module. Throws naming the path.
  ModuleBase& get_submodule(const std::string& target) {
    ModuleBase* m = this;
    std::string walked;
    for (const auto& part : split(target)) {
      auto it = std::find_if(m->children_.begin(), m->children_.end(),
                             [&](auto& e) { return e.name == part; });
      if (it == m->children_.end())
        throw std::out_of_range("get_submodule: " + m->name() +
                                (walked.empty() ? "" : " ('" + walked + "')") +
                                " has no submodule '" + part + "' (path '" + target + "')");
      walked += (walked.empty() ? "" : ".") + part;
      m = it->get(m);
    }
    return *m;
  }
  /// The descendant at a dotted path as its concrete type: get_submodule<nn::Linear>("fc").
  /// Throws std::invalid_argument naming the path and the module found when it is another type.
  template <class M>
  M& get_submodule(const std::string& target) {
    ModuleBase& m = get_submodule(target);
    auto* p = dynamic_cast<M*>(&m);
    if (!p)
      throw std::invalid_argument("get_submodule: '" + target + "' is a " + m.name() +
                                  ", not the requested type");
    return *p;
  }
  /// The parameter at a dotted path ("fc1.weight").
  Tensor get_parameter(const std::string& target) {
    const auto dot = target.rfind('.');
    ModuleBase& owner = dot == std::string::npos ? *this : get_submodule(target.substr(0, dot));
    const std::string leaf = dot == std::string::npos ? target : target.substr(dot + 1);
    for (auto& p : owner.params_)
      if (p.name == leaf) return *p.get(&owner);
    throw std::out_of_range("get_parameter: " + owner.name() + " has no parameter '" + leaf +
                            "' (path '" + target + "')");
  }
  /// Calls fn on every submodule (children first) then on this module; returns *this. fn
  /// takes nn::ModuleBase& (every module) or a reference to one module type, e.g.
  /// `[](nn::Linear& l) { ... }`, and is then called on the modules of that type only.
  template <class F>
  ModuleBase& apply(F&& fn) {
    if constexpr (std::is_invocable_v<F&, ModuleBase&>) {
      apply_all(fn);
    } else {
      using Arg = typename detail::first_arg<std::remove_cvref_t<F>>::type;
      static_assert(std::is_lvalue_reference_v<Arg>,
                    "apply: fn takes nn::ModuleBase& or a reference to a module type");
      using M = std::remove_reference_t<Arg>;
      static_assert(std::is_base_of_v<ModuleBase, std::remove_cv_t<M>>,
                    "apply: fn takes nn::ModuleBase& or a reference to a module type");
      auto typed = [&](ModuleBase& m) {
        if (auto* p = dynamic_cast<M*>(&m)) fn(*p);
      };
      apply_all(typed);
    }
    return *this;
  }

  // ---- mode and gradients ---------------------------------------------------------
  /// Sets training mode (Dropout drops, BatchNorm uses batch statistics) on this module and all
  /// descendants.
  virtual ModuleBase& train(bool on = true) {
    training_ = on;
    for (auto& c : children_) c.get(this)->train(on);
    return *this;
  }
  /// Evaluation mode: train(false).
  ModuleBase& eval() { return train(false); }
  /// Whether the module is in training mode (PyTorch's module.training).
  bool is_training() const noexcept { return training_; }
  /// Clears parameter gradients (set_to_none, the default, drops them; else zeroes them).
  void zero_grad(bool set_to_none = true) {
    NoGradGuard no_grad;
    for (auto& p : parameters()) {
      if (!p.grad().defined()) continue;
      if (set_to_none)
        p.set_grad({});
      else
        p.grad().zero_();
    }
  }
  /// Sets requires_grad on every parameter (freezes the module with false).
  ModuleBase& requires_grad_(bool on = true) {
    for (auto& p : parameters()) p.requires_grad_(on);
    return *this;
  }
  /// Number of scalar parameters (only those requiring grad when trainable_only).
  std::int64_t num_parameters(bool trainable_only = false) const {
    std::int64_t n = 0;
    for (auto& p : parameters())
      if (!trainable_only || p.requires_grad()) n += p.numel();
    return n;
  }

  // ---- state_dict ------------------------------------------------------------------
  /// Parameters and persistent buffers under PyTorch's keys, in PyTorch's order (a
  /// module's parameters, its buffers, then each child's). Values are detached
  /// handles sharing the module's storage.
  StateDict state_dict() const {
    StateDict out;
    for (auto& [k, t] : state_slots()) out.insert(k, t->detach());
    return out;
  }
  /// Copies `dict` into the parameters and buffers (in place, so optimizers keep
  /// working). Every key of the module must be in dict with the same shape, and
  /// (strict) dict must hold no other key; otherwise throws StateDictError naming
  /// every missing, unexpected and mis-shaped key, and changes nothing. A shape
  /// mismatch throws even when not strict (as in PyTorch).
  IncompatibleKeys load_state_dict(const StateDict& dict, bool strict = true) {
    const auto slots = state_slots();
    std::vector<std::string> missing, unexpected, mismatched, lines;
    std::unordered_set<std::string> own;
    for (auto& [k, t] : slots) {
      own.insert(k);
      if (!dict.contains(k)) {
        missing.push_back(k);
        continue;
      }
      const Tensor& src = dict.at(k);
      if (!src.defined() || src.shape() != t->shape()) {
        mismatched.push_back(k);
        lines.push_back("size mismatch for " + k + ": copying a param with shape " +
                        (src.defined() ? torch_size(src.shape()) : std::string("None")) +
                        " from checkpoint, the shape in current model is " +
                        torch_size(t->shape()) + ".");
      }
    }
    for (auto& [k, v] : dict)
      if (!own.count(k)) unexpected.push_back(k);
    if (!mismatched.empty() || (strict && (!missing.empty() || !unexpected.empty()))) {
      std::string msg = "Error(s) in loading state_dict for " + name() + ":";
      if (strict && !unexpected.empty())
        msg += "\n\tUnexpected key(s) in state_dict: " + quoted(unexpected) + ". ";
      if (strict && !missing.empty())
        msg += "\n\tMissing key(s) in state_dict: " + quoted(missing) + ". ";
      for (auto& l : lines) msg += "\n\t" + l;
      throw StateDictError(msg, missing, unexpected, mismatched);
    }
    NoGradGuard no_grad;
    for (auto& [k, t] : slots)
      if (dict.contains(k)) {
        const Tensor& src = dict.at(k);
        if (!src.is_same(*t) && src.data() != t->data())
          std::copy_n(src.data(), src.numel(), t->data());
      }
    return {missing, unexpected};
  }

  // ---- printing ---------------------------------------------------------------------
  /// Class name shown by operator<<: the unqualified C++ class name ("Net", "Linear").
  virtual std::string name() const { return nn::detail::nnfmt::class_name(*this); }
  /// The part inside the parentheses of the repr, e.g. "in_features=784, out_features=10,
  /// bias=True".
  virtual std::string extra_repr() const { return ""; }
  /// PyTorch's repr: "Net(\n  (fc): Linear(in_features=784, out_features=10, bias=True)\n)".
  friend std::ostream& operator<<(std::ostream& os, const ModuleBase& m) {
    m.print(os, 0);
    return os;
  }
  /// The module printed as PyTorch prints it: "Linear(in_features=784, out_features=10,
  /// bias=True)".
  std::string repr() const {
    std::ostringstream os;
    print(os, 0);
    return os.str();
  }

  // ---- registration of owned objects (callable from outside, as in PyTorch) ----------
  /// Registers a parameter the module owns (PyTorch's `m.register_parameter("w",
  /// nn.Parameter(t))`); returns it. Requires grad unless told otherwise.
  Tensor& register_parameter(const std::string& name, Tensor&& t, bool requires_grad = true) {
    check_name("register_parameter", name);
    if (t.defined() && requires_grad && !t.requires_grad()) t.requires_grad_(true);
    params_.push_back({name, 0, std::make_shared<Tensor>(std::move(t)), true});
    return *params_.back().owned;
  }
  /// Registers a buffer the module owns; returns it. persistent = false keeps it out of
  /// state_dict (as PyTorch's register_buffer(..., persistent=False)).
  Tensor& register_buffer(const std::string& name, Tensor&& t, bool persistent = true) {
    check_name("register_buffer", name);
    buffers_.push_back({name, 0, std::make_shared<Tensor>(std::move(t)), persistent});
    return *buffers_.back().owned;
  }
  /// Registers a child held through a shared pointer (shared with the caller); returns it.
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    static_assert(std::is_base_of_v<ModuleBase, M>,
                  "register_module: M must derive from nn::ModuleBase (nn::Module, ...)");
    if (!m) throw std::invalid_argument("register_module: '" + name + "' is null");
    add_child(name, 0, m);
    return m;
  }
  /// Registers a child made from a temporary, `m.register_module("fc", nn::Linear{4, 2})`,
  /// which the module then owns; returns a reference to it.
  template <class M>
  requires(!std::is_lvalue_reference_v<M> &&
           std::is_base_of_v<ModuleBase, std::remove_cvref_t<M>>) std::remove_cvref_t<M>
  &register_module(const std::string& name, M&& m) {
    return *register_module(name, std::make_shared<std::remove_cvref_t<M>>(std::forward<M>(m)));
  }
  /// PyTorch's add_module, register_module's other name: a child shared through a pointer;
  /// returns it.
  template <class M>
  std::shared_ptr<M> add_module(const std::string& name, std::shared_ptr<M> m) {
    return register_module(name, std::move(m));
  }
  /// add_module of a temporary, which the module then owns; returns a reference to it.
  template <class M>
  requires(!std::is_lvalue_reference_v<M> &&
           std::is_base_of_v<ModuleBase, std::remove_cvref_t<M>>) std::remove_cvref_t<M>
  &add_module(const std::string& name, M&& m) { return register_module(name, std::forward<M>(m)); }

 protected:
  /// Registers a member tensor as a parameter (requires grad unless told otherwise); returns
  /// it. An undefined tensor (bias=false) is allowed and is skipped by parameters(). `t` must
  /// be a member of this module (its registration is its offset in the module, which moves
  /// with it); register a tensor that lives elsewhere by value, register_parameter(name,
  /// std::move(t)).
  Tensor& register_parameter(const std::string& name, Tensor& t, bool requires_grad = true) {
    check_name("register_parameter", name);
    if (t.defined() && requires_grad && !t.requires_grad()) t.requires_grad_(true);
    params_.push_back({name, offset_of(&t), nullptr, true});
    return t;
  }
  /// Registers a member tensor as a buffer (never trained; saved in state_dict when
  /// persistent); returns it. Like register_parameter, `t` must be a member.
  Tensor& register_buffer(const std::string& name, Tensor& t, bool persistent = true) {
    check_name("register_buffer", name);
    buffers_.push_back({name, offset_of(&t), nullptr, persistent});
    return t;
  }
  /// Registers a member module as a child; returns it. `m` must be a member of this module
  /// (or outlive it in place, for a module that is never moved); a module held elsewhere is
  /// registered through a std::shared_ptr.
  template <class M>
  M& register_module(const std::string& name, M& m) {
    static_assert(std::is_base_of_v<ModuleBase, M>,
                  "register_module: M must derive from nn::ModuleBase (nn::Module, ...)");
    if (static_cast<ModuleBase*>(&m) == this)
      throw std::invalid_argument("register_module: a module cannot contain itself");
    add_child(name, offset_of(static_cast<ModuleBase*>(&m)), nullptr);
    return m;
  }
  /// add_module of a member module: register_module(name, m); returns it.
  template <class M>
  M& add_module(const std::string& name, M& m) {
    return register_module(name, m);
  }
  /// Replaces the child registered as `name` by `m` (in place, keeping its position); false when
  /// there is no such child. For containers (ModuleDict's `dict[key] = m`).
  bool replace_module(const std::string& name, std::shared_ptr<ModuleBase> m) {
    for (auto& c : children_)
      if (c.name == name) {
        c.owned = std::move(m);
        return true;
      }
    return false;
  }
  /// A new id for a hook (handles remove hooks by id).
  int new_hook_id() noexcept { return next_hook_id_++; }
  /// Prints "Name(extra)" or "Name(\n  extra\n  (child): ...\n)" (PyTorch's __repr__).
  virtual void print(std::ostream& os, int indent) const {
    os << name() << '(';
    std::vector<std::string> extra_lines;
    std::istringstream extra(extra_repr());
    for (std::string l; std::getline(extra, l);) extra_lines.push_back(l);
    if (children_.empty() && extra_lines.size() <= 1) {
      if (!extra_lines.empty()) os << extra_lines[0];
      os << ')';
      return;
    }
    const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    for (auto& l : extra_lines) os << '\n' << pad << l;
    for (auto& c : children_) {
      os << '\n' << pad << '(' << c.name << "): ";
      c.get(this)->print(os, indent + 2);
    }
    os << '\n' << std::string(static_cast<std::size_t>(indent), ' ') << ')';
  }

 private:
  using TensorSlots = std::vector<detail::RegistrySlot<Tensor>>;

  std::ptrdiff_t offset_of(const void* p) const {
    return static_cast<std::ptrdiff_t>(reinterpret_cast<std::uintptr_t>(p) -
                                       reinterpret_cast<std::uintptr_t>(this));
  }
  void add_child(const std::string& name, std::ptrdiff_t offset, std::shared_ptr<ModuleBase> m) {
    check_name("register_module", name);
    if (m && m.get() == this)
      throw std::invalid_argument("register_module: a module cannot contain itself");
    children_.push_back({name, offset, std::move(m), true});
  }
  template <class F>
  void apply_all(F& fn) {
    for (auto& c : children_) c.get(this)->apply_all(fn);
    fn(*this);
  }
  void check_name(const char* op, const std::string& name) const {
    if (name.empty() || name.find('.') != std::string::npos)
      throw std::invalid_argument(std::string(op) + ": name '" + name +
                                  "' must be non-empty and contain no '.'");
    auto taken = [&](const auto& v) {
      return std::any_of(v.begin(), v.end(), [&](auto& e) { return e.name == name; });
    };
    if (taken(params_) || taken(buffers_) || taken(children_))
      throw std::invalid_argument(std::string(op) + ": attribute '" + name +
                                  "' is already registered");
  }
  void collect(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix,
               bool recurse, TensorSlots ModuleBase::*which) const {
    for (auto& s : this->*which)
      if (const Tensor* t = s.get(this); t->defined()) out.emplace_back(prefix + s.name, *t);
    if (recurse)
      for (auto& c : children_) c.get(this)->collect(out, prefix + c.name + ".", true, which);
  }
  /// (key, member) of every state_dict entry, in PyTorch's order.
  std::vector<std::pair<std::string, Tensor*>> state_slots(const std::string& prefix = "") const {
    std::vector<std::pair<std::string, Tensor*>> out;
    for (auto& s : params_)
      if (Tensor* t = s.get(this); t->defined()) out.emplace_back(prefix + s.name, t);
    for (auto& s : buffers_)
      if (Tensor* t = s.get(this); t->defined() && s.persistent)
        out.emplace_back(prefix + s.name, t);
    for (auto& c : children_)
      for (auto& e : c.get(this)->state_slots(prefix + c.name + ".")) out.push_back(std::move(e));
    return out;
  }
  static std::vector<std::pair<std::string, Tensor>> dedupe(
      std::vector<std::pair<std::string, Tensor>> v) {
    std::unordered_set<const void*> seen;
    std::vector<std::pair<std::string, Tensor>> out;
    out.reserve(v.size());
    for (auto& e : v)
      if (seen.insert(e.second.impl().get()).second) out.push_back(std::move(e));
    return out;
  }
  static std::vector<Tensor> values(const std::vector<std::pair<std::string, Tensor>>& v) {
    std::vector<Tensor> out;
    out.reserve(v.size());
    for (auto& [n, t] : v) out.push_back(t);
    return out;
  }
  static std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size() && !path.empty()) {
      const auto dot = path.find('.', start);
      parts.push_back(
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return parts;
  }
  static std::string torch_size(const Shape& s) {
    std::string out = "torch.Size([";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "])";
  }
  static std::string quoted(const std::vector<std::string>& keys) {
    std::string out;
    for (std::size_t i = 0; i < keys.size(); ++i) out += (i ? ", \"" : "\"") + keys[i] + "\"";
    return out;
  }

  bool training_ = true;
  TensorSlots params_, buffers_;
  std::vector<detail::RegistrySlot<ModuleBase>> children_;
  int next_hook_id_ = 0;
};

}  // namespace torchlet::nn
