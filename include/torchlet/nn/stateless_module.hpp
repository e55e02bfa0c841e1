#pragma once
// nn::StatelessModule: the base of the layers that register nothing.
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// Base of the layers that register nothing (activations, Flatten, Dropout, pools): they
/// move freely, so `Sequential{nn::ReLU{}, ...}` works and their members move with them.
class StatelessModule : public Module {
 public:
  StatelessModule() = default;
  /// Moves a stateless layer (nothing to re-register).
  StatelessModule(StatelessModule&& o) noexcept : Module() { copy_state_from(o); }
};

}  // namespace torchlet::nn
