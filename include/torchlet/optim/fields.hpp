#pragma once
// How an optimizer describes its options and its per-parameter state, once each:
//
//   Options::fields()  every option with its name in PyTorch's param_groups ("lr",
//                      "betas.0", ...) and the range it must lie in; get_option/set_option,
//                      state_dict/load_state_dict and the validity check all read this list.
//   State::fields()    every per-parameter state entry under PyTorch's name ("step",
//                      "exp_avg", ...); state_dict() writes and load_state_dict() reads it.
//
//   std::vector<OptionField> fields() {
//     return {option("lr", lr, nonnegative, "invalid learning rate"), option("nesterov",
//     nesterov)};
//   }
//
// Option fields are Option<T>: a value that remembers whether it was given (`.lr = 0.1`)
// or is the struct's default (`Option<double> lr = Default{1e-3}`), so that a parameter
// group's options fill the keys it was not given from the optimizer's defaults, as in
// Python (OptimizerBase::add_param_group).
#include <concepts>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::optim {

/// The default of an Option field: `Option<double> lr = Default{1e-3};` (not "given").
template <class T>
struct Default {
  T value;  ///< The default value.
};
/// Default{1e-3}, Default{std::pair{0.9, 0.999}}.
template <class T>
Default(T) -> Default<T>;

/// An option's value, and whether it was given or is its struct's default: a parameter
/// group's options take the optimizer's defaults for the fields they were not given.
/// Reads as a `const T&` (`o.lr * 2`, `if (o.nesterov)`); assigning a value gives it.
template <class T>
class Option {
 public:
  /// A given value (`.lr = 0.1`).
  Option(const T& value) : value_(value), given_(true) {}  // NOLINT(google-explicit-constructor)
  /// A given value built from several arguments (`.betas = {0.8, 0.99}`).
  template <class A, class B, class... R>
  requires std::constructible_from<T, A, B, R...> Option(
      A&& a, B&& b, R&&... rest)  // NOLINT(google-explicit-constructor)
      : value_(std::forward<A>(a), std::forward<B>(b), std::forward<R>(rest)...), given_(true) {}
  /// The struct's default (`Option<double> lr = Default{1e-3}`): not given.
  template <class U>
  requires std::constructible_from<T, const U&> Option(
      const Default<U>& d)  // NOLINT(google-explicit-constructor)
      : value_(d.value), given_(false) {}
  /// Gives a value.
  Option& operator=(const T& value) {
    value_ = value;
    given_ = true;
    return *this;
  }
  /// The value.
  operator const T&() const noexcept { return value_; }  // NOLINT(google-explicit-constructor)
  /// The value.
  const T& value() const noexcept { return value_; }
  /// The value's members (`o.betas->first`).
  const T* operator->() const noexcept { return &value_; }
  /// Whether the value was given rather than defaulted.
  bool given() const noexcept { return given_; }
  /// The value, to be written through a pointer by OptionField (marks nothing).
  T& ref() noexcept { return value_; }
  /// The given flag, to be written by OptionField.
  bool& given_ref() noexcept { return given_; }

 private:
  T value_;
  bool given_;
};

/// Where an option's value must lie (PyTorch's constructor checks).
enum class OptionRange {
  any,          ///< no constraint
  nonnegative,  ///< >= 0
  unit,         ///< in [0, 1)
};

/// One named option of an optimizer's Options: a real number, an integer or a flag, with
/// its range and whether it was given (Option<T>).
struct OptionField {
  const char* name;                      ///< PyTorch's key in param_groups ("lr", "betas.0")
  double* real = nullptr;                ///< the field, if a number
  bool* flag = nullptr;                  ///< the field, if a flag
  OptionRange range = OptionRange::any;  ///< where a number must lie
  const char* invalid = nullptr;         ///< PyTorch's message prefix ("invalid learning rate")
  bool* given = nullptr;  ///< Option<T>'s given flag (nullptr: a plain field, always given)
  std::int64_t* integer = nullptr;  ///< the field, if an integer
  /// The value (a flag reads as 0 or 1).
  double get() const {
    if (real) return *real;
    if (integer) return static_cast<double>(*integer);
    return *flag ? 1.0 : 0.0;
  }
  /// Sets the value (a flag is set by value != 0) and marks it given.
  void set(double v) const {
    if (real)
      *real = v;
    else if (integer)
      *integer = static_cast<std::int64_t>(v);
    else
      *flag = v != 0.0;
    if (given) *given = true;
  }
  /// Whether the value was given (a plain field always counts as given).
  bool is_given() const { return given == nullptr || *given; }
};

/// A numeric option, optionally constrained to `range` (else `invalid` + value is thrown).
inline OptionField option(const char* name, double& value, OptionRange range = OptionRange::any,
                          const char* invalid = nullptr) {
  return {name, &value, nullptr, range, invalid};
}
/// A flag option.
inline OptionField option(const char* name, bool& value) {
  return {name, nullptr, &value, OptionRange::any, nullptr};
}
/// A numeric Option<double>, optionally constrained to `range`.
inline OptionField option(const char* name, Option<double>& value,
                          OptionRange range = OptionRange::any, const char* invalid = nullptr) {
  return {name, &value.ref(), nullptr, range, invalid, &value.given_ref()};
}
/// An integer Option (an iteration count, a history size).
inline OptionField option(const char* name, Option<std::int64_t>& value,
                          OptionRange range = OptionRange::any, const char* invalid = nullptr) {
  return {name, nullptr, nullptr, range, invalid, &value.given_ref(), &value.ref()};
}
/// A flag Option<bool>.
inline OptionField option(const char* name, Option<bool>& value) {
  return {name, nullptr, &value.ref(), OptionRange::any, nullptr, &value.given_ref()};
}
/// Element `index` (0 or 1) of a pair option such as betas ("betas.0", "betas.1").
inline OptionField option(const char* name, Option<std::pair<double, double>>& value, int index,
                          OptionRange range = OptionRange::any, const char* invalid = nullptr) {
  return {name,    index == 0 ? &value.ref().first : &value.ref().second,
          nullptr, range,
          invalid, &value.given_ref()};
}

/// One named entry of an optimizer's per-parameter State: a step count, a scalar or a tensor.
struct StateField {
  const char* name;               ///< PyTorch's key in state[p] ("step", "exp_avg")
  std::int64_t* count = nullptr;  ///< the field, if a step count (saved as a float scalar)
  Tensor* tensor = nullptr;       ///< the field, if a tensor of the parameter's shape
  double* real = nullptr;  ///< the field, if a scalar (NAdam's mu_product; saved as a float scalar)
};
/// A step count of the state.
inline StateField state_entry(const char* name, std::int64_t& count) {
  return {name, &count, nullptr};
}
/// A tensor of the state (left out of state_dict while undefined).
inline StateField state_entry(const char* name, Tensor& tensor) { return {name, nullptr, &tensor}; }
/// A scalar of the state (a float 0-dim tensor in state_dict, as PyTorch's).
inline StateField state_entry(const char* name, double& value) {
  return {name, nullptr, nullptr, &value};
}

}  // namespace torchlet::optim

namespace torchlet::optim::detail {

/// Throws std::invalid_argument naming `op` for an option outside its range, then runs the
/// Options' own cross-field check `check_more(op)` if it has one.
template <class Options>
void check_options(const Options& options, const std::string& op) {
  Options o = options;
  for (const OptionField& f : o.fields()) {
    if ((!f.real && !f.integer) || f.range == OptionRange::any) continue;
    const double v = f.get();
    const bool ok = f.range == OptionRange::nonnegative ? v >= 0 : (v >= 0 && v < 1);
    if (!ok) throw std::invalid_argument(op + ": " + f.invalid + " " + std::to_string(v));
  }
  if constexpr (requires { o.check_more(op); }) o.check_more(op);
}

/// The state under PyTorch's names; empty before the first step (no tensor defined yet).
template <class State>
std::map<std::string, Tensor> state_to_map(const State& state) {
  State s = state;
  const auto fields = s.fields();
  bool any = false;
  for (const StateField& f : fields) any |= f.tensor && f.tensor->defined();
  std::map<std::string, Tensor> m;
  if (!any) return m;
  for (const StateField& f : fields) {
    if (f.count)
      m[f.name] = scalar_tensor<float>(static_cast<float>(*f.count));
    else if (f.real)
      m[f.name] = scalar_tensor<float>(static_cast<float>(*f.real));
    else if (f.tensor->defined())
      m[f.name] = *f.tensor;
  }
  return m;
}

/// Reads back what state_to_map wrote (absent entries stay at their defaults).
template <class State>
State state_from_map(const std::map<std::string, Tensor>& m) {
  State s;
  for (const StateField& f : s.fields()) {
    auto it = m.find(f.name);
    if (it == m.end()) continue;
    if (f.count)
      *f.count = static_cast<std::int64_t>(it->second.item());
    else if (f.real)
      *f.real = static_cast<double>(it->second.item());
    else
      *f.tensor = it->second;
  }
  return s;
}

}  // namespace torchlet::optim::detail
