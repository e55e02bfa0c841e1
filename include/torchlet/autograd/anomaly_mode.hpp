#pragma once
// Anomaly detection, like torch.autograd.detect_anomaly / set_detect_anomaly:
//
//   {
//     torchlet::autograd::detect_anomaly guard;   // on for this scope
//     auto loss = model(x) ...;                  // a recorded op whose output has NaN/Inf throws
//     loss.backward();                           // a backward giving an input a NaN/Inf gradient
//     throws
//   }
//   torchlet::autograd::set_detect_anomaly(true);  // or switched on and off by hand
//
// While it is on, autograd::AnomalyError names the op (PyTorch's name and its node's):
//   "detect_anomaly: forward of log (LogBackward0) produced nan in its output (shape [3])"
//   "detect_anomaly: backward of sqrt (SqrtBackward0) produced inf in its input 0 gradient (shape
//   [3])"
// and, when a non-finite value reaches a recorded op from outside the graph (input data,
// a parameter, an op run under no_grad), "... received nan in its input 1 ...".
// Checked are the ops that record a node (those on the autograd tape) and every backward
// node's gradients. Off by default; when off, each recorded op and each backward node
// costs one relaxed load of a flag. The switch is process-wide, as in PyTorch.
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/detail/shape.hpp"
#include "torchlet/fwd.hpp"

namespace torchlet {
namespace autograd {

/// What anomaly detection throws.
class AnomalyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace autograd

namespace detail {
inline std::atomic<bool> anomaly_mode_flag{false};

/// PyTorch's name of the op behind a node: "LogSoftmaxBackward0" -> "log_softmax".
inline std::string anomaly_op_name(const char* node) {
  std::string s(node);
  const auto at = s.rfind("Backward");
  if (at == std::string::npos || at == 0) return s;
  s.resize(at);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (std::isupper(c) && i > 0) out += '_';
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

/// "nan", "inf" or "-inf" for the first non-finite element of t; nullptr if none.
template <class T>
const char* first_non_finite(const BasicTensor<T>& t) {
  if constexpr (!std::is_floating_point_v<T>) {
    return nullptr;
  } else {
    if (!t.defined()) return nullptr;
    const T* p = t.data();
    for (std::int64_t i = 0, n = t.numel(); i < n; ++i)
      if (!std::isfinite(p[i])) return std::isnan(p[i]) ? "nan" : (p[i] > 0 ? "inf" : "-inf");
    return nullptr;
  }
}

template <class T>
const BasicTensor<T>& anomaly_deref(const BasicTensor<T>& t) {
  return t;
}
template <class T>
const BasicTensor<T>& anomaly_deref(const BasicTensor<T>* t) {
  return *t;
}

/// Forward check of a recorded op `out = node(inputs)` (inputs: tensors or pointers).
template <class T, class Inputs>
void anomaly_check_forward(const BasicTensor<T>& out, const char* node, const Inputs& inputs) {
  const char* bad = first_non_finite(out);
  if (!bad) return;
  const std::string op = anomaly_op_name(node) + " (" + node + ")";
  std::size_t i = 0;
  for (const auto& in : inputs) {
    const auto& t = anomaly_deref(in);
    // An input whose memory the op reused for its output (a temporary) tells nothing.
    const bool reused = t.defined() && t.numel() == out.numel() && t.data() == out.data();
    if (const char* b = reused ? nullptr : first_non_finite(t))
      throw autograd::AnomalyError(
          "detect_anomaly: forward of " + op + " received " + b + " in its input " +
          std::to_string(i) + " (shape " + to_string(t.shape()) +
          "), made where anomaly detection could not see it (input data, a parameter, "
          "or an op not recorded on the autograd tape)");
    ++i;
  }
  throw autograd::AnomalyError("detect_anomaly: forward of " + op + " produced " + bad +
                               " in its output (shape " + to_string(out.shape()) + ")");
}

/// Backward check of a node: its incoming gradient and the gradients it computed.
template <class T, class Grads>
void anomaly_check_backward(const char* node, const BasicTensor<T>& grad_output,
                            const Grads& grad_inputs) {
  const std::string op = anomaly_op_name(node) + " (" + node + ")";
  if (const char* b = first_non_finite(grad_output))
    throw autograd::AnomalyError("detect_anomaly: the gradient flowing into the backward of " + op +
                                 " contains " + b + " (shape " + to_string(grad_output.shape()) +
                                 ")");
  for (std::size_t i = 0; i < grad_inputs.size(); ++i)
    if (const char* b = first_non_finite(grad_inputs[i]))
      throw autograd::AnomalyError("detect_anomaly: backward of " + op + " produced " + b +
                                   " in its input " + std::to_string(i) + " gradient (shape " +
                                   to_string(grad_inputs[i].shape()) + ")");
}
}  // namespace detail

namespace autograd {

/// Whether anomaly detection is on (torch.is_anomaly_enabled).
inline bool is_anomaly_enabled() noexcept {
  return detail::anomaly_mode_flag.load(std::memory_order_relaxed);
}
/// Switches anomaly detection on or off (torch.autograd.set_detect_anomaly).
inline void set_detect_anomaly(bool on) noexcept {
  detail::anomaly_mode_flag.store(on, std::memory_order_relaxed);
}

/// Turns anomaly detection on (or `mode`) for its lifetime and restores the previous
/// setting after (torch.autograd.detect_anomaly). A scope guard: not copyable.
class detect_anomaly {
 public:
  /// Sets anomaly detection to `mode` (on by default) until the guard is destroyed.
  explicit detect_anomaly(bool mode = true) noexcept : previous_(is_anomaly_enabled()) {
    set_detect_anomaly(mode);
  }
  ~detect_anomaly() { set_detect_anomaly(previous_); }
  detect_anomaly(const detect_anomaly&) = delete;
  detect_anomaly& operator=(const detect_anomaly&) = delete;

 private:
  bool previous_;
};

}  // namespace autograd
}  // namespace torchlet
