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
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::optim {

/// Where an option's value must lie (PyTorch's constructor checks).
enum class OptionRange {
  any,          ///< no constraint
  nonnegative,  ///< >= 0
  unit,         ///< in [0, 1)
};

/// One named option of an optimizer's Options: a real number or a flag, with its range.
struct OptionField {
  const char* name;                      ///< PyTorch's key in param_groups ("lr", "betas.0")
  double* real = nullptr;                ///< the field, if a number
  bool* flag = nullptr;                  ///< the field, if a flag
  OptionRange range = OptionRange::any;  ///< where a number must lie
  const char* invalid = nullptr;         ///< PyTorch's message prefix ("invalid learning rate")
  /// The value (a flag reads as 0 or 1).
  double get() const { return real ? *real : (*flag ? 1.0 : 0.0); }
  /// Sets the value (a flag is set by value != 0).
  void set(double v) const {
    if (real)
      *real = v;
    else
      *flag = v != 0.0;
  }
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

/// One named entry of an optimizer's per-parameter State: a step count or a tensor.
struct StateField {
  const char* name;               ///< PyTorch's key in state[p] ("step", "exp_avg")
  std::int64_t* count = nullptr;  ///< the field, if a step count (saved as a float scalar)
  Tensor* tensor = nullptr;       ///< the field, if a tensor of the parameter's shape
};
/// A step count of the state.
inline StateField state_entry(const char* name, std::int64_t& count) {
  return {name, &count, nullptr};
}
/// A tensor of the state (left out of state_dict while undefined).
inline StateField state_entry(const char* name, Tensor& tensor) { return {name, nullptr, &tensor}; }

}  // namespace torchlet::optim

namespace torchlet::optim::detail {

/// Throws std::invalid_argument naming `op` for an option outside its range, then runs the
/// Options' own cross-field check `check_more(op)` if it has one.
template <class Options>
void check_options(const Options& options, const std::string& op) {
  Options o = options;
  for (const OptionField& f : o.fields()) {
    if (!f.real || f.range == OptionRange::any) continue;
    const double v = *f.real;
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
    else
      *f.tensor = it->second;
  }
  return s;
}

}  // namespace torchlet::optim::detail
