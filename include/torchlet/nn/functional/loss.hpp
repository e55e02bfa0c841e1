#pragma once
// Loss functions (nn::functional), each one fused graph node with its backward:
// classification losses (cross_entropy, nll_loss) in classification_loss.hpp, regression
// and binary losses (mse_loss, l1_loss, huber_loss, smooth_l1_loss, binary_cross_entropy,
// binary_cross_entropy_with_logits) in regression_loss.hpp, nn::Reduction in loss_reduction.hpp.
#include "torchlet/nn/functional/classification_loss.hpp"
#include "torchlet/nn/functional/loss_reduction.hpp"
#include "torchlet/nn/functional/regression_loss.hpp"
