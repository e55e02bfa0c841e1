#pragma once
// nn::Module: the base of every layer and model. A module holds its layers and
// parameters as plain members and registers them once by name; `model(x)` runs the
// forward pre-hooks, the virtual forward(), then the forward hooks (as PyTorch's
// Module.__call__ does).
//
// Registration stores the address of a member, so a module is neither copyable nor
// movable by default (a copy would point into the original). Library layers that are
// safe to move (Linear, ...) define their own move constructor that registers again.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/tensor.hpp"

namespace torchlet::nn {

class Module;

/// Returned by register_*_hook; remove() unregisters the hook (idempotent).
class RemovableHandle {
 public:
  RemovableHandle() = default;
  explicit RemovableHandle(std::function<void()> remover) : remover_(std::move(remover)) {}
  void remove() {
    if (remover_) std::exchange(remover_, nullptr)();
  }

 private:
  std::function<void()> remover_;
};

class Module {
 public:
  /// Forward pre-hook: may return a replacement input.
  using ForwardPreHook = std::function<std::optional<Tensor>(Module&, const Tensor& input)>;
  /// Forward hook: may return a replacement output.
  using ForwardHook = std::function<std::optional<Tensor>(Module&, const Tensor& input, const Tensor& output)>;

  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = delete;
  Module& operator=(Module&&) = delete;
  virtual ~Module() = default;

  /// The computation of this module. x: whatever the module documents.
  virtual Tensor forward(const Tensor& /*x*/) {
    throw std::logic_error(name() + ": forward() is not implemented; override Tensor forward(const Tensor&)");
  }

  /// Runs pre-hooks, forward(), then hooks (Module.__call__).
  Tensor operator()(const Tensor& x) {
    if (pre_hooks_->empty() && hooks_->empty()) return forward(x);
    Tensor in = x;
    for (auto& [id, h] : std::vector(*pre_hooks_))
      if (auto r = h(*this, in)) in = *r;
    Tensor out = forward(in);
    for (auto& [id, h] : std::vector(*hooks_))
      if (auto r = h(*this, in, out)) out = *r;
    return out;
  }

  template <class F>
  RemovableHandle register_forward_pre_hook(F&& fn) {
    ForwardPreHook h;
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Module&, const Tensor&>>)
      h = [f = std::forward<F>(fn)](Module& m, const Tensor& x) mutable -> std::optional<Tensor> { f(m, x); return std::nullopt; };
    else
      h = std::forward<F>(fn);
    return add_hook(pre_hooks_, std::move(h));
  }
  template <class F>
  RemovableHandle register_forward_hook(F&& fn) {
    ForwardHook h;
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Module&, const Tensor&, const Tensor&>>)
      h = [f = std::forward<F>(fn)](Module& m, const Tensor& x, const Tensor& y) mutable -> std::optional<Tensor> {
        f(m, x, y);
        return std::nullopt;
      };
    else
      h = std::forward<F>(fn);
    return add_hook(hooks_, std::move(h));
  }

  // ---- traversal (PyTorch's dotted names: "fc1.weight", "layers.0.bias") ----------
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect(out, "", recurse, &Module::params_);
    return out;
  }
  std::vector<Tensor> parameters(bool recurse = true) const { return values(named_parameters(recurse)); }
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect(out, "", recurse, &Module::buffers_);
    return out;
  }
  std::vector<Tensor> buffers(bool recurse = true) const { return values(named_buffers(recurse)); }
  std::vector<std::pair<std::string, Module*>> named_children() const {
    std::vector<std::pair<std::string, Module*>> out;
    for (auto& [n, m] : children_) out.emplace_back(n, m);
    return out;
  }
  std::vector<Module*> children() const {
    std::vector<Module*> out;
    for (auto& [n, m] : children_) out.push_back(m);
    return out;
  }
  /// This module first (name ""), then every descendant, depth first.
  std::vector<std::pair<std::string, Module*>> named_modules(const std::string& prefix = "") {
    std::vector<std::pair<std::string, Module*>> out{{prefix, this}};
    for (auto& [n, m] : children_)
      for (auto& e : m->named_modules(prefix.empty() ? n : prefix + "." + n)) out.push_back(std::move(e));
    return out;
  }
  std::vector<Module*> modules() {
    std::vector<Module*> out;
    for (auto& [n, m] : named_modules()) out.push_back(m);
    return out;
  }
  /// Calls fn on every submodule (children first) then on this module; returns *this.
  Module& apply(const std::function<void(Module&)>& fn) {
    for (auto& [n, m] : children_) m->apply(fn);
    fn(*this);
    return *this;
  }

  // ---- mode and gradients ---------------------------------------------------------
  virtual Module& train(bool on = true) {
    training_ = on;
    for (auto& [n, m] : children_) m->train(on);
    return *this;
  }
  Module& eval() { return train(false); }
  bool is_training() const noexcept { return training_; }
  /// Clears parameter gradients (set_to_none, the default, drops them; else zeroes them).
  void zero_grad(bool set_to_none = true) {
    for (auto& p : parameters()) {
      if (!p.grad().defined()) continue;
      if (set_to_none) p.set_grad({});
      else p.grad().zero_();
    }
  }
  Module& requires_grad_(bool on = true) {
    for (auto& p : parameters()) p.requires_grad_(on);
    return *this;
  }
  std::int64_t num_parameters() const {
    std::int64_t n = 0;
    for (auto& p : parameters()) n += p.numel();
    return n;
  }

  // ---- printing ---------------------------------------------------------------------
  /// Class name shown by operator<< (defaults to the demangled-free "Module").
  virtual std::string name() const { return "Module"; }
  /// The part inside the parentheses of the repr, e.g. "in_features=784, out_features=10, bias=True".
  virtual std::string extra_repr() const { return ""; }
  friend std::ostream& operator<<(std::ostream& os, const Module& m) {
    m.print(os, 0);
    return os;
  }

 protected:
  /// Registers a member tensor as a parameter (requires grad unless told otherwise).
  Tensor& register_parameter(const std::string& name, Tensor& t, bool requires_grad = true) {
    check_name("register_parameter", name);
    if (t.defined() && requires_grad) t.requires_grad_(true);
    params_.emplace_back(name, &t);
    return t;
  }
  /// Registers a member tensor as a buffer (saved in state_dict, never trained).
  Tensor& register_buffer(const std::string& name, Tensor& t) {
    check_name("register_buffer", name);
    buffers_.emplace_back(name, &t);
    return t;
  }
  /// Registers a member module as a child.
  template <class M>
  M& register_module(const std::string& name, M& m) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from nn::Module");
    check_name("register_module", name);
    if (static_cast<Module*>(&m) == this) throw std::invalid_argument("register_module: a module cannot contain itself");
    children_.emplace_back(name, &m);
    return m;
  }
  /// Registers a child the module owns through a shared pointer (e.g. in containers).
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    if (!m) throw std::invalid_argument("register_module: '" + name + "' is null");
    register_module(name, *m);
    owned_.push_back(m);
    return m;
  }
  /// For move constructors of library layers: copies mode and hooks (not registrations).
  void copy_state_from(const Module& o) {
    training_ = o.training_;
    *pre_hooks_ = *o.pre_hooks_;
    *hooks_ = *o.hooks_;
  }
  /// Prints "Name(extra)" or "Name(\n  (child): ...\n)".
  virtual void print(std::ostream& os, int indent) const {
    os << name() << '(';
    const auto extra = extra_repr();
    if (children_.empty()) {
      os << extra << ')';
      return;
    }
    const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
    if (!extra.empty()) os << '\n' << pad << extra;
    for (auto& [n, m] : children_) {
      os << '\n' << pad << '(' << n << "): ";
      m->print(os, indent + 2);
    }
    os << '\n' << std::string(static_cast<std::size_t>(indent), ' ') << ')';
  }

 private:
  template <class H>
  RemovableHandle add_hook(const std::shared_ptr<std::vector<std::pair<int, H>>>& list, H h) {
    const int id = next_hook_id_++;
    list->emplace_back(id, std::move(h));
    // The handle holds a weak reference: removing after the module died is a no-op.
    return RemovableHandle([weak = std::weak_ptr(list), id] {
      if (auto l = weak.lock())
        l->erase(std::remove_if(l->begin(), l->end(), [id](auto& e) { return e.first == id; }), l->end());
    });
  }
  void check_name(const char* op, const std::string& name) const {
    if (name.empty() || name.find('.') != std::string::npos)
      throw std::invalid_argument(std::string(op) + ": name '" + name + "' must be non-empty and contain no '.'");
    auto taken = [&](const auto& v) {
      return std::any_of(v.begin(), v.end(), [&](auto& e) { return e.first == name; });
    };
    if (taken(params_) || taken(buffers_) || taken(children_))
      throw std::invalid_argument(std::string(op) + ": attribute '" + name + "' is already registered");
  }
  using Slots = std::vector<std::pair<std::string, Tensor*>>;
  void collect(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix, bool recurse,
               Slots Module::*which) const {
    for (auto& [n, t] : this->*which)
      if (t->defined()) out.emplace_back(prefix + n, *t);
    if (recurse)
      for (auto& [n, m] : children_) m->collect(out, prefix + n + ".", true, which);
  }
  static std::vector<Tensor> values(const std::vector<std::pair<std::string, Tensor>>& v) {
    std::vector<Tensor> out;
    out.reserve(v.size());
    for (auto& [n, t] : v) out.push_back(t);
    return out;
  }

  bool training_ = true;
  Slots params_, buffers_;
  std::vector<std::pair<std::string, Module*>> children_;
  std::vector<std::shared_ptr<Module>> owned_;
  std::shared_ptr<std::vector<std::pair<int, ForwardPreHook>>> pre_hooks_ =
      std::make_shared<std::vector<std::pair<int, ForwardPreHook>>>();
  std::shared_ptr<std::vector<std::pair<int, ForwardHook>>> hooks_ =
      std::make_shared<std::vector<std::pair<int, ForwardHook>>>();
  int next_hook_id_ = 0;
};

}  // namespace torchlet::nn
