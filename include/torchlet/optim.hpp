#pragma once
// torchlet::optim: optimizers, learning-rate schedulers.
#include "torchlet/optim/adam.hpp"
#include "torchlet/optim/lr_scheduler.hpp"
#include "torchlet/optim/optimizer.hpp"
#include "torchlet/optim/rmsprop.hpp"
#include "torchlet/optim/sgd.hpp"
