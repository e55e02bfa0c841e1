#pragma once
// nn::functional: stateless forms of the layers and losses.
#include "torchlet/nn/functional/linear.hpp"
#include "torchlet/nn/functional/loss.hpp"
