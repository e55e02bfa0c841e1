#pragma once
// nn::StatelessModule: the base of the one-tensor layers that register nothing.
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// Base of the one-tensor layers that register nothing (activations, Flatten, Dropout, pools).
/// Every module moves (registrations included); this base only names the family.
class StatelessModule : public Module {};

}  // namespace torchlet::nn
