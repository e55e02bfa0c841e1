#pragma once
// nn::StateDict: an ordered name -> tensor dictionary, PyTorch's state_dict()
// OrderedDict. Keys keep their insertion order (a module's parameters, then its
// buffers, then each child's, as PyTorch orders them).
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "torchlet/tensor.hpp"

namespace torchlet::nn {

/// An ordered map name -> Tensor (PyTorch's OrderedDict state_dict): keys keep insertion order.
class StateDict {
 public:
  /// A (key, tensor) entry.
  using value_type = std::pair<std::string, Tensor>;
  /// Iterates the entries in insertion order.
  using const_iterator = std::vector<value_type>::const_iterator;

  StateDict() = default;
  /// {{"fc.weight", w}, {"fc.bias", b}}: entries in order (a repeated key keeps its first place,
  /// last value).
  StateDict(std::initializer_list<value_type> items) {
    for (auto& [k, v] : items) insert(k, v);
  }

  /// Adds key -> value at the end, or replaces the value of an existing key in place.
  void insert(const std::string& key, Tensor value) {
    if (auto it = index_.find(key); it != index_.end()) {
      items_[it->second].second = std::move(value);
      return;
    }
    index_.emplace(key, items_.size());
    items_.emplace_back(key, std::move(value));
  }
  /// sd["fc.weight"] = t inserts (or replaces); reading a missing key gives an undefined tensor
  /// slot.
  Tensor& operator[](const std::string& key) {
    if (auto it = index_.find(key); it != index_.end()) return items_[it->second].second;
    insert(key, Tensor{});
    return items_.back().second;
  }
  /// The value of `key`; throws std::out_of_range naming the key.
  const Tensor& at(const std::string& key) const {
    auto it = index_.find(key);
    if (it == index_.end()) throw std::out_of_range("StateDict: no key '" + key + "'");
    return items_[it->second].second;
  }
  /// Whether the key is present.
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  /// Removes key; returns whether it was present (dict.pop).
  bool erase(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    const std::size_t pos = it->second;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(pos));
    index_.erase(it);
    for (auto& [k, i] : index_)
      if (i > pos) --i;
    return true;
  }
  /// The keys, in insertion order.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (auto& [k, v] : items_) out.push_back(k);
    return out;
  }
  /// Number of entries.
  std::size_t size() const noexcept { return items_.size(); }
  /// Whether there are no entries.
  bool empty() const noexcept { return items_.empty(); }
  /// First entry (range-for yields const std::pair<std::string, Tensor>&).
  const_iterator begin() const noexcept { return items_.begin(); }
  /// Past the last entry.
  const_iterator end() const noexcept { return items_.end(); }

 private:
  std::vector<value_type> items_;
  std::unordered_map<std::string, std::size_t> index_;
};

/// What a non-strict load_state_dict reports (PyTorch's _IncompatibleKeys).
struct IncompatibleKeys {
  ///@{
  /// Keys the module expects but the state dict lacks / keys the state dict has but the module does
  /// not.
  std::vector<std::string> missing_keys, unexpected_keys;
  ///@}
};

/// Thrown by load_state_dict; what() lists every offending key, as PyTorch's message does.
class StateDictError : public std::runtime_error {
 public:
  /// `msg` lists every offending key; the three lists hold them by kind.
  StateDictError(const std::string& msg, std::vector<std::string> missing,
                 std::vector<std::string> unexpected, std::vector<std::string> mismatched)
      : std::runtime_error(msg),
        missing_keys(std::move(missing)),
        unexpected_keys(std::move(unexpected)),
        size_mismatch_keys(std::move(mismatched)) {}
  ///@{
  /// The offending keys: missing, unexpected, and present with another shape.
  std::vector<std::string> missing_keys, unexpected_keys, size_mismatch_keys;
  ///@}
};

}  // namespace torchlet::nn
