#pragma once
// Parameter containers, as in torch/nn/modules/container.py: nn::ParameterList (parameters by
// position, registered as "0", "1", ...) and nn::ParameterDict (by name, in insertion order),
// modules with no forward whose tensors a parent's parameters() and state_dict() reach.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/module_base.hpp"

namespace torchlet::nn {

namespace detail {
/// PyTorch's "Parameter containing: [torch.float32 of size 3x4]" (the tensor's shape).
inline std::string parameter_size(const Tensor& t) {
  std::string s;
  for (std::size_t i = 0; i < t.shape().size(); ++i)
    s += (i ? "x" : "") + std::to_string(t.shape()[i]);
  return s;
}
}  // namespace detail

/// Parameters in a list (torch.nn.ParameterList), registered as "0", "1", ... so a parent's
/// state_dict holds "name.0", "name.1". Each tensor requires grad once added.
class ParameterList : public ModuleBase {
 public:
  ParameterList() = default;
  /// ParameterList{randn({3, 4}), zeros({5})}: parameters "0", "1".
  ParameterList(std::initializer_list<Tensor> params) {
    for (const auto& p : params) append(p);
  }
  /// Moves the list and its parameters.
  ParameterList(ParameterList&& o) noexcept = default;

  /// Adds a parameter at the end (it shares t's storage); returns the list.
  ParameterList& append(Tensor t) {
    items_.push_back(&register_parameter(std::to_string(items_.size()), std::move(t)));
    return *this;
  }
  /// The i-th parameter (negative i counts from the end); assigning to it replaces it.
  Tensor& operator[](std::int64_t i) const {
    const auto n = static_cast<std::int64_t>(items_.size());
    if (i < -n || i >= n)
      throw std::out_of_range("ParameterList: index " + std::to_string(i) +
                              " is out of range for " + std::to_string(n) + " parameters");
    return *items_[static_cast<std::size_t>(i < 0 ? i + n : i)];
  }
  /// Number of parameters.
  std::size_t size() const noexcept { return items_.size(); }
  /// Whether there are none.
  bool empty() const noexcept { return items_.empty(); }
  /// The parameters in order (a copy of the handles: they share storage with the list).
  std::vector<Tensor> values() const {
    std::vector<Tensor> out;
    for (auto* p : items_) out.push_back(*p);
    return out;
  }
  /// "ParameterList", as PyTorch prints it.
  std::string name() const override { return "ParameterList"; }
  /// One line per parameter, "(0): Parameter containing: [torch.float32 of size 3x4]".
  std::string extra_repr() const override {
    std::string out;
    for (std::size_t i = 0; i < items_.size(); ++i)
      out += (i ? "\n" : "") + std::string("  (") + std::to_string(i) +
             "): Parameter containing: [torch.float32 of size " +
             detail::parameter_size(*items_[i]) + "]";
    return out;
  }

 private:
  std::vector<Tensor*> items_;  // owned by the registry (heap: stable across moves)
};

/// Parameters by name, in insertion order (torch.nn.ParameterDict built from an OrderedDict);
/// the keys are the state_dict names, "name.key" in a parent.
class ParameterDict : public ModuleBase {
 public:
  ParameterDict() = default;
  /// ParameterDict{{"w", randn({3})}, {"b", zeros({3})}}: entries in the order given.
  ParameterDict(std::initializer_list<std::pair<std::string, Tensor>> params) {
    for (const auto& [k, t] : params) insert(k, t);
  }
  /// Moves the dict and its parameters.
  ParameterDict(ParameterDict&& o) noexcept = default;

  /// dict[key] = t: adds a parameter at the end, or replaces the value of an existing key in
  /// place. Returns the parameter.
  Tensor& insert(const std::string& key, Tensor t) {
    for (auto& [k, p] : items_)
      if (k == key) {
        if (!t.requires_grad()) t.requires_grad_(true);
        return *p = std::move(t);
      }
    items_.emplace_back(key, &register_parameter(key, std::move(t)));
    return *items_.back().second;
  }
  /// The parameter under key; throws std::out_of_range naming the key.
  Tensor& operator[](const std::string& key) const {
    for (auto& [k, p] : items_)
      if (k == key) return *p;
    throw std::out_of_range("ParameterDict: no key '" + key + "'");
  }
  /// Whether key is present.
  bool contains(const std::string& key) const {
    return std::any_of(items_.begin(), items_.end(), [&](auto& e) { return e.first == key; });
  }
  /// The keys, in insertion order.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (auto& [k, p] : items_) out.push_back(k);
    return out;
  }
  /// Number of entries.
  std::size_t size() const noexcept { return items_.size(); }
  /// Whether there are none.
  bool empty() const noexcept { return items_.empty(); }
  /// "ParameterDict", as PyTorch prints it.
  std::string name() const override { return "ParameterDict"; }
  /// One line per entry, "(key): Parameter containing: [torch.FloatTensor of size 2]".
  std::string extra_repr() const override {
    std::string out;
    for (std::size_t i = 0; i < items_.size(); ++i)
      out += (i ? "\n" : "") + std::string("  (") + items_[i].first +
             "): Parameter containing: [torch.FloatTensor of size " +
             detail::parameter_size(*items_[i].second) + "]";
    return out;
  }

 private:
  std::vector<std::pair<std::string, Tensor*>> items_;  // owned by the registry
};

}  // namespace torchlet::nn
