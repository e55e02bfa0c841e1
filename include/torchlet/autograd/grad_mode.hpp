#pragma once
// Global (per-thread) switch for recording autograd graphs, like torch.no_grad().

namespace torchlet {
namespace detail {
inline bool& grad_mode_flag() {
  thread_local bool enabled = true;
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

}  // namespace torchlet
