#pragma once
// Loss modules: callable objects wrapping nn::functional's losses.
#include "torchlet/nn/functional/loss.hpp"

namespace torchlet::nn {

/// CrossEntropyLoss()(logits [N, C], target [N] int64) -> scalar mean loss.
class CrossEntropyLoss {
 public:
  Tensor operator()(const Tensor& input, const LongTensor& target) const {
    return functional::cross_entropy(input, target);
  }
};

}  // namespace torchlet::nn
