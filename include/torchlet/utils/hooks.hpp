#pragma once
// The handle every register_*_hook returns (torch.utils.hooks.RemovableHandle).
#include <functional>
#include <utility>

namespace torchlet::utils::hooks {

/// Returned by register_*_hook; remove() unregisters the hook (idempotent).
class RemovableHandle {
 public:
  RemovableHandle() = default;
  /// Wraps the function that unregisters the hook.
  explicit RemovableHandle(std::function<void()> remover) : remover_(std::move(remover)) {}
  /// Unregisters the hook; later calls do nothing.
  void remove() {
    if (remover_) std::exchange(remover_, nullptr)();
  }

 private:
  std::function<void()> remover_;
};

}  // namespace torchlet::utils::hooks
