#pragma once
// Per-thread switches for recording autograd graphs: NoGradGuard (torch.no_grad()),
// EnableGradGuard (torch.enable_grad()), AutoGradMode (torch.set_grad_enabled(bool) as a
// guard) and InferenceMode (torch.inference_mode()).

namespace torchlet {
namespace detail {
inline bool& grad_mode_flag() {
  thread_local bool enabled = true;
  return enabled;
}
inline bool& inference_mode_flag() {
  thread_local bool enabled = false;
  return enabled;
}
}  // namespace detail

/// Whether operations currently record a graph (torch.is_grad_enabled()).
inline bool is_grad_enabled() { return detail::grad_mode_flag(); }
/// torch.set_grad_enabled(bool)
inline void set_grad_enabled(bool on) { detail::grad_mode_flag() = on; }

/// RAII guard that disables graph recording in its scope (`with torch.no_grad():`).
class NoGradGuard {
 public:
  NoGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

/// RAII guard that sets grad mode to `enabled` in its scope and restores the previous mode
/// after (`with torch.set_grad_enabled(enabled):`, libtorch's `torch::AutoGradMode`).
class AutoGradMode {
 public:
  /// Turns graph recording on or off until the guard ends.
  explicit AutoGradMode(bool enabled) : prev_(is_grad_enabled()) { set_grad_enabled(enabled); }
  ~AutoGradMode() { set_grad_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

/// RAII guard that enables graph recording in its scope, e.g. inside a NoGradGuard
/// (`with torch.enable_grad():`). Under InferenceMode grad mode turns on but nothing is
/// recorded, as in PyTorch.
class EnableGradGuard : public AutoGradMode {
 public:
  EnableGradGuard() : AutoGradMode(true) {}
};

/// Whether an InferenceMode guard is active on this thread (torch.is_inference_mode_enabled()).
inline bool is_inference_mode_enabled() { return detail::inference_mode_flag(); }

/// RAII guard for running a model only to get its outputs (`with torch.inference_mode():`,
/// libtorch's `c10::InferenceMode`): in its scope no graph is recorded (as under NoGradGuard)
/// and in-place ops do not bump the version counters that autograd uses to detect changes
/// of saved tensors, so an op costs what its kernel costs. Tensors made in the scope are
/// ordinary tensors afterwards (PyTorch marks them "inference tensors" and refuses them in
/// autograd later; torchlet does not track that). `InferenceMode guard(false)` turns the mode
/// off in a nested scope. The mode is per thread, like the grad mode.
class InferenceMode {
 public:
  /// Enters inference mode (or, with `false`, leaves it until the guard ends).
  explicit InferenceMode(bool enabled = true)
      : prev_grad_(is_grad_enabled()), prev_inference_(is_inference_mode_enabled()) {
    detail::inference_mode_flag() = enabled;
    if (enabled) set_grad_enabled(false);
  }
  ~InferenceMode() {
    detail::inference_mode_flag() = prev_inference_;
    set_grad_enabled(prev_grad_);
  }
  InferenceMode(const InferenceMode&) = delete;
  InferenceMode& operator=(const InferenceMode&) = delete;

 private:
  bool prev_grad_;
  bool prev_inference_;
};

}  // namespace torchlet
