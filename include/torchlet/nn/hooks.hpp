#pragma once
// nn::RemovableHandle: what register_*_hook returns (torch.utils.hooks.RemovableHandle),
// the same type tensors' hooks return (utils/hooks.hpp).
#include "torchlet/utils/hooks.hpp"

namespace torchlet::nn {

/// Returned by register_*_hook; remove() unregisters the hook (idempotent).
using RemovableHandle = torchlet::utils::hooks::RemovableHandle;

}  // namespace torchlet::nn
