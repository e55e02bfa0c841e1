#pragma once
// nn::Module: the base of every layer and model. A module holds its layers and
// parameters as plain members and registers them once by name; `model(x)` runs the
// forward pre-hooks, the virtual forward(), then the forward hooks (as PyTorch's
// Module.__call__ does).
//
// Registration stores the address of a member, so a module is neither copyable nor
// movable by default (a copy would point into the original). Library layers that are
// safe to move (Linear, Conv2d, ...) define their own move constructor that registers
// again; a user module goes into a container through a std::shared_ptr.
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
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

class Module;

/// Base class of all layers and models (torch.nn.Module): parameters, buffers and children
/// registered by name, train()/eval(), state_dict(), hooks, and operator() calling the virtual
/// forward. Not copyable or movable: it holds the addresses of its members.
class Module {
 public:
  /// Forward pre-hook: may return a replacement input.
  using ForwardPreHook = std::function<std::optional<Tensor>(Module&, const Tensor& input)>;
  /// Forward hook: may return a replacement output.
  using ForwardHook =
      std::function<std::optional<Tensor>(Module&, const Tensor& input, const Tensor& output)>;

  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = delete;
  Module& operator=(Module&&) = delete;
  virtual ~Module() = default;

  /// The computation of this module. x: whatever the module documents.
  virtual Tensor forward(const Tensor& /*x*/) {
    throw std::logic_error(
        name() + ": forward() is not implemented; override Tensor forward(const Tensor&)");
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

  /// Registers fn(module, input), run before forward; if it returns a Tensor
  /// (std::optional<Tensor>), that replaces the input. Hooks run in registration order.
  template <class F>
  RemovableHandle register_forward_pre_hook(F&& fn) {
    ForwardPreHook h;
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Module&, const Tensor&>>)
      h = [f = std::forward<F>(fn)](Module& m, const Tensor& x) mutable -> std::optional<Tensor> {
        f(m, x);
        return std::nullopt;
      };
    else
      h = std::forward<F>(fn);
    return add_hook(pre_hooks_, std::move(h));
  }
  /// Registers fn(module, input, output), run after forward; if it returns a Tensor
  /// (std::optional<Tensor>), that replaces the output.
  template <class F>
  RemovableHandle register_forward_hook(F&& fn) {
    ForwardHook h;
    if constexpr (std::is_void_v<std::invoke_result_t<F&, Module&, const Tensor&, const Tensor&>>)
      h = [f = std::forward<F>(fn)](Module& m, const Tensor& x,
                                    const Tensor& y) mutable -> std::optional<Tensor> {
        f(m, x, y);
        return std::nullopt;
      };
    else
      h = std::forward<F>(fn);
    return add_hook(hooks_, std::move(h));
  }

  // ---- traversal (PyTorch's dotted names: "fc1.weight", "layers.0.bias") ----------
  /// Parameters of this module and (recurse) its descendants; a tensor registered twice
  /// (shared weights) is listed once, under its first name.
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect(out, "", recurse, &Module::params_);
    return dedupe(std::move(out));
  }
  /// The parameters (of the children too when recurse), each once, in registration order.
  std::vector<Tensor> parameters(bool recurse = true) const {
    return values(named_parameters(recurse));
  }
  /// (name, buffer) pairs, dotted names ("bn.running_mean") when recurse.
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect(out, "", recurse, &Module::buffers_);
    return dedupe(std::move(out));
  }
  /// The buffers (running statistics and the like), in registration order.
  std::vector<Tensor> buffers(bool recurse = true) const { return values(named_buffers(recurse)); }
  /// (name, child) for the direct children, in registration order.
  std::vector<std::pair<std::string, Module*>> named_children() const {
    std::vector<std::pair<std::string, Module*>> out;
    for (auto& [n, m] : children_) out.emplace_back(n, m);
    return out;
  }
  /// The direct children.
  std::vector<Module*> children() const {
    std::vector<Module*> out;
    for (auto& [n, m] : children_) out.push_back(m);
    return out;
  }
  /// This module first (name = prefix, "" by default), then every descendant, depth first.
  std::vector<std::pair<std::string, Module*>> named_modules(const std::string& prefix = "") {
    std::vector<std::pair<std::string, Module*>> out{{prefix, this}};
    for (auto& [n, m] : children_)
      for (auto& e : m->named_modules(prefix.empty() ? n : prefix + "." + n))
        out.push_back(std::move(e));
    return out;
  }
  /// This module and all its descendants, depth first.
  std::vector<Module*> modules() {
    std::vector<Module*> out;
    for (auto& [n, m] : named_modules()) out.push_back(m);
    return out;
  }
  /// The descendant at a dotted path ("features.0"); "" is this module. Throws naming the path.
  Module& get_submodule(const std::string& target) {
    Module* m = this;
    std::string walked;
    for (const auto& part : split(target)) {
      auto it = std::find_if(m->children_.begin(), m->children_.end(),
                             [&](auto& e) { return e.first == part; });
      if (it == m->children_.end())
        throw std::out_of_range("get_submodule: " + m->name() +
                                (walked.empty() ? "" : " ('" + walked + "')") +
                                " has no submodule '" + part + "' (path '" + target + "')");
      walked += (walked.empty() ? "" : ".") + part;
      m = it->second;
    }
    return *m;
  }
  /// The parameter at a dotted path ("fc1.weight").
  Tensor get_parameter(const std::string& target) {
    const auto dot = target.rfind('.');
    Module& owner = dot == std::string::npos ? *this : get_submodule(target.substr(0, dot));
    const std::string leaf = dot == std::string::npos ? target : target.substr(dot + 1);
    for (auto& [n, t] : owner.params_)
      if (n == leaf) return *t;
    throw std::out_of_range("get_parameter: " + owner.name() + " has no parameter '" + leaf +
                            "' (path '" + target + "')");
  }
  /// Calls fn on every submodule (children first) then on this module; returns *this.
  Module& apply(const std::function<void(Module&)>& fn) {
    for (auto& [n, m] : children_) m->apply(fn);
    fn(*this);
    return *this;
  }

  // ---- mode and gradients ---------------------------------------------------------
  /// Sets training mode (Dropout drops, BatchNorm uses batch statistics) on this module and all
  /// descendants.
  virtual Module& train(bool on = true) {
    training_ = on;
    for (auto& [n, m] : children_) m->train(on);
    return *this;
  }
  /// Evaluation mode: train(false).
  Module& eval() { return train(false); }
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
  Module& requires_grad_(bool on = true) {
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
  virtual std::string name() const { return detail::nnfmt::class_name(*this); }
  /// The part inside the parentheses of the repr, e.g. "in_features=784, out_features=10,
  /// bias=True".
  virtual std::string extra_repr() const { return ""; }
  /// PyTorch's repr: "Net(\n  (fc): Linear(in_features=784, out_features=10, bias=True)\n)".
  friend std::ostream& operator<<(std::ostream& os, const Module& m) {
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

 protected:
  /// Registers a member tensor as a parameter (requires grad unless told otherwise).
  /// An undefined tensor (bias=false) is allowed and is skipped by parameters().
  Tensor& register_parameter(const std::string& name, Tensor& t, bool requires_grad = true) {
    check_name("register_parameter", name);
    if (t.defined() && requires_grad && !t.requires_grad()) t.requires_grad_(true);
    params_.emplace_back(name, &t);
    return t;
  }
  /// Registers a member tensor as a buffer (never trained; saved in state_dict when persistent).
  Tensor& register_buffer(const std::string& name, Tensor& t, bool persistent = true) {
    check_name("register_buffer", name);
    buffers_.emplace_back(name, &t);
    if (!persistent) non_persistent_.push_back(name);
    return t;
  }
  /// Registers a member module as a child.
  template <class M>
  M& register_module(const std::string& name, M& m) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from nn::Module");
    check_name("register_module", name);
    if (static_cast<Module*>(&m) == this)
      throw std::invalid_argument("register_module: a module cannot contain itself");
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
        l->erase(std::remove_if(l->begin(), l->end(), [id](auto& e) { return e.first == id; }),
                 l->end());
    });
  }
  void check_name(const char* op, const std::string& name) const {
    if (name.empty() || name.find('.') != std::string::npos)
      throw std::invalid_argument(std::string(op) + ": name '" + name +
                                  "' must be non-empty and contain no '.'");
    auto taken = [&](const auto& v) {
      return std::any_of(v.begin(), v.end(), [&](auto& e) { return e.first == name; });
    };
    if (taken(params_) || taken(buffers_) || taken(children_))
      throw std::invalid_argument(std::string(op) + ": attribute '" + name +
                                  "' is already registered");
  }
  using Slots = std::vector<std::pair<std::string, Tensor*>>;
  void collect(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix,
               bool recurse, Slots Module::*which) const {
    for (auto& [n, t] : this->*which)
      if (t->defined()) out.emplace_back(prefix + n, *t);
    if (recurse)
      for (auto& [n, m] : children_) m->collect(out, prefix + n + ".", true, which);
  }
  /// (key, member) of every state_dict entry, in PyTorch's order.
  std::vector<std::pair<std::string, Tensor*>> state_slots(const std::string& prefix = "") const {
    std::vector<std::pair<std::string, Tensor*>> out;
    for (auto& [n, t] : params_)
      if (t->defined()) out.emplace_back(prefix + n, t);
    for (auto& [n, t] : buffers_)
      if (t->defined() &&
          std::find(non_persistent_.begin(), non_persistent_.end(), n) == non_persistent_.end())
        out.emplace_back(prefix + n, t);
    for (auto& [n, m] : children_)
      for (auto& e : m->state_slots(prefix + n + ".")) out.push_back(std::move(e));
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
  Slots params_, buffers_;
  std::vector<std::string> non_persistent_;
  std::vector<std::pair<std::string, Module*>> children_;
  std::vector<std::shared_ptr<Module>> owned_;
  std::shared_ptr<std::vector<std::pair<int, ForwardPreHook>>> pre_hooks_ =
      std::make_shared<std::vector<std::pair<int, ForwardPreHook>>>();
  std::shared_ptr<std::vector<std::pair<int, ForwardHook>>> hooks_ =
      std::make_shared<std::vector<std::pair<int, ForwardHook>>>();
  int next_hook_id_ = 0;
};

}  // namespace torchlet::nn
