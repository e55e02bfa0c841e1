#pragma once
// torchlet::nn: modules, layers, functional forms, init and losses.
#include "torchlet/nn/functional.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/linear.hpp"
#include "torchlet/nn/loss.hpp"
#include "torchlet/nn/module.hpp"
