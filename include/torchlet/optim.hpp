#pragma once
// torchlet::optim: optimizers, learning-rate schedulers.
#include "torchlet/optim/adam.hpp"
// issue 15: the other torch.optim algorithms
#include "torchlet/optim/adadelta.hpp"
#include "torchlet/optim/adagrad.hpp"
#include "torchlet/optim/adamax.hpp"
#include "torchlet/optim/asgd.hpp"
#include "torchlet/optim/lbfgs.hpp"
#include "torchlet/optim/lr_scheduler.hpp"
#include "torchlet/optim/nadam.hpp"
#include "torchlet/optim/optimizer.hpp"
#include "torchlet/optim/radam.hpp"
#include "torchlet/optim/rmsprop.hpp"
#include "torchlet/optim/rprop.hpp"
#include "torchlet/optim/sgd.hpp"
