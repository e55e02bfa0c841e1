#pragma once
// io::PtValue: what a PyTorch checkpoint file (.pt / .pth) holds - None, bools, ints,
// floats, strings, tensors, and lists, tuples and dicts of these, nested - as one variant.
//
//   io::PtValue ck = io::load_pt_value("ckpt.pt");   // {"model": sd, "epoch": 3, ...}
//   auto epoch = ck.at("epoch").get<std::int64_t>();
//   const io::PtValue& sd = ck.at("model");            // a Dict of tensors
//
//   io::PtValue::Dict d;                               // building one to save
//   d.insert("epoch", std::int64_t{3});
//   d.insert("model", io::to_pt_value(model.state_dict()));
//   io::save_pt(io::PtValue(d), "ckpt.pt");
//
// Dicts keep their insertion order (PyTorch's dicts and OrderedDicts both do); their keys
// are PtValues (strings for state_dicts, ints for an optimizer's "state").
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "torchlet/io/dtype.hpp"
#include "torchlet/nn/state_dict.hpp"

namespace torchlet::io {

/// One value of a PyTorch checkpoint: a recursive variant.
class PtValue {
 public:
  /// Python's list.
  using List = std::vector<PtValue>;
  /// Python's tuple.
  struct Tuple {
    /// The elements.
    std::vector<PtValue> items;
  };
  /// Python's dict / collections.OrderedDict: entries in insertion order.
  struct Dict {
    /// The keys, in order.
    std::vector<PtValue> keys;
    /// The values, keys[i] -> values[i].
    std::vector<PtValue> values;
    /// True for a collections.OrderedDict (a state_dict), false for a plain dict.
    bool ordered = false;

    /// Number of entries.
    std::size_t size() const noexcept { return keys.size(); }
    /// The value of key `k`, or nullptr.
    const PtValue* find(const PtValue& k) const {
      for (std::size_t i = 0; i < keys.size(); ++i)
        if (keys[i] == k) return &values[i];
      return nullptr;
    }
    /// Adds k -> v at the end, or replaces the value of an existing key.
    void insert(PtValue k, PtValue v) {
      for (std::size_t i = 0; i < keys.size(); ++i)
        if (keys[i] == k) {
          values[i] = std::move(v);
          return;
        }
      keys.push_back(std::move(k));
      values.push_back(std::move(v));
    }
  };
  /// The alternatives: None, bool, int, float, str, tensor, list, tuple, dict.
  using Variant = std::variant<std::monostate, bool, std::int64_t, double, std::string, AnyTensor,
                               List, Tuple, Dict>;

  /// None.
  PtValue() = default;
  /// A bool.
  PtValue(bool b) : v(b) {}
  /// An int.
  PtValue(int i) : v(std::int64_t{i}) {}
  /// An int.
  PtValue(std::int64_t i) : v(i) {}
  /// A float.
  PtValue(double d) : v(d) {}
  /// A string.
  PtValue(const char* s) : v(std::string(s)) {}
  /// A string.
  PtValue(std::string s) : v(std::move(s)) {}
  /// A tensor of any dtype.
  PtValue(AnyTensor t) : v(std::move(t)) {}
  /// A tensor.
  template <class T>
  PtValue(BasicTensor<T> t) : v(AnyTensor(std::move(t))) {}
  /// A list.
  PtValue(List l) : v(std::move(l)) {}
  /// A tuple.
  PtValue(Tuple t) : v(std::move(t)) {}
  /// A dict.
  PtValue(Dict d) : v(std::move(d)) {}

  /// The value.
  Variant v;

  /// Whether the value holds alternative T (std::monostate for None).
  template <class T>
  bool is() const noexcept {
    return std::holds_alternative<T>(v);
  }
  /// Whether the value is None.
  bool is_none() const noexcept { return is<std::monostate>(); }
  /// The alternative T; throws std::invalid_argument naming what it holds instead.
  template <class T>
  const T& get() const {
    if (const T* p = std::get_if<T>(&v)) return *p;
    throw std::invalid_argument(std::string("PtValue: expected ") + kind_name(Variant(T{})) +
                                ", found " + kind_name(v));
  }
  /// The value of a string key of a dict; throws std::out_of_range naming the key.
  const PtValue& at(const std::string& key) const {
    if (const PtValue* p = get<Dict>().find(PtValue(key))) return *p;
    throw std::out_of_range("PtValue: no key '" + key + "'");
  }
  /// Whether this is a dict with the string key `key`.
  bool contains(const std::string& key) const {
    return is<Dict>() && std::get<Dict>(v).find(PtValue(key)) != nullptr;
  }
  /// Python's name of the held alternative ("NoneType", "int", "Tensor", "dict", ...).
  static const char* kind_name(const Variant& x) noexcept {
    constexpr const char* names[] = {"NoneType", "bool", "int",   "float", "str",
                                     "Tensor",   "list", "tuple", "dict"};
    return names[x.index()];
  }

  /// Equality of scalars and containers; tensors compare by identity (same handle).
  friend bool operator==(const PtValue& a, const PtValue& b) {
    if (a.v.index() != b.v.index()) return false;
    return std::visit(
        [&](const auto& x) -> bool {
          using X = std::decay_t<decltype(x)>;
          const X& y = std::get<X>(b.v);
          if constexpr (std::is_same_v<X, AnyTensor>) {
            return x.index() == y.index() &&
                   std::visit(
                       [&](const auto& t) {
                         return t.is_same(std::get<std::decay_t<decltype(t)>>(y));
                       },
                       x);
          } else if constexpr (std::is_same_v<X, Tuple>) {
            return x.items == y.items;
          } else if constexpr (std::is_same_v<X, Dict>) {
            return x.keys == y.keys && x.values == y.values;
          } else if constexpr (std::is_same_v<X, std::monostate>) {
            return true;
          } else {
            return x == y;
          }
        },
        a.v);
  }
};

/// An ordered name -> tensor map of any dtype: what io::load_pt returns. It converts to
/// nn::StateDict (every tensor as float, as load_state_dict copies), so
/// model.load_state_dict(io::load_pt(path)) works.
struct TensorDict {
  /// (name, tensor) pairs in file order.
  std::vector<std::pair<std::string, AnyTensor>> tensors;
  /// Whether a tensor called `name` exists.
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  /// The tensor called `name`; throws std::out_of_range naming it.
  const AnyTensor& at(const std::string& name) const {
    if (const AnyTensor* t = find(name)) return *t;
    throw std::out_of_range("TensorDict: no tensor named '" + name + "'");
  }
  /// The tensor called `name` converted to element type T.
  template <class T = float>
  BasicTensor<T> get(const std::string& name) const {
    return to_dtype<T>(at(name));
  }
  /// The names, in order.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : tensors) out.push_back(k);
    return out;
  }
  /// Number of tensors.
  std::size_t size() const noexcept { return tensors.size(); }
  /// Every tensor converted to float, in order.
  operator nn::StateDict() const {
    nn::StateDict sd;
    for (const auto& [k, v] : tensors) sd.insert(k, to_dtype<float>(v));
    return sd;
  }

 private:
  const AnyTensor* find(const std::string& name) const {
    for (const auto& [k, v] : tensors)
      if (k == name) return &v;
    return nullptr;
  }
};

}  // namespace torchlet::io
