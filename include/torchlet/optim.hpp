#pragma once
// torchlet::optim: optimizers.
#include "torchlet/optim/optimizer.hpp"
#include "torchlet/optim/sgd.hpp"
