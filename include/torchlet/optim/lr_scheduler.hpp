#pragma once
// Learning-rate schedulers, PyTorch's torch.optim.lr_scheduler: constructing one sets
// the epoch-0 learning rates; call step() once per epoch (or per batch for OneCycleLR and
// CyclicLR) after optimizer.step(). The rules are PyTorch's chainable forms, so schedulers
// see the learning rate as the optimizer holds it. One header per family, in lr_scheduler/.
#include "torchlet/optim/lr_scheduler/base.hpp"
#include "torchlet/optim/lr_scheduler/composite.hpp"
#include "torchlet/optim/lr_scheduler/cyclic.hpp"
#include "torchlet/optim/lr_scheduler/decay.hpp"
#include "torchlet/optim/lr_scheduler/plateau.hpp"
