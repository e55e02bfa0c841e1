#pragma once
// nn::functional: stateless forms of the layers and losses.
#include "torchlet/nn/functional/activation.hpp"
#include "torchlet/nn/functional/activation_extra.hpp"
#include "torchlet/nn/functional/attention.hpp"
#include "torchlet/nn/functional/conv.hpp"
#include "torchlet/nn/functional/dropout.hpp"
#include "torchlet/nn/functional/embedding.hpp"
#include "torchlet/nn/functional/linear.hpp"
#include "torchlet/nn/functional/loss.hpp"
#include "torchlet/nn/functional/multi_head_attention.hpp"
#include "torchlet/nn/functional/normalization.hpp"
#include "torchlet/nn/functional/pooling.hpp"
#include "torchlet/nn/functional/recurrent.hpp"
