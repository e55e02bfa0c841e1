#pragma once
// The tensor library: BasicTensor<T> with its creation, view, math and autograd ops.
#include "torchlet/autograd/engine.hpp"
#include "torchlet/autograd/grad_mode.hpp"
#include "torchlet/tensor/basic_tensor.hpp"
#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/elementwise.hpp"
#include "torchlet/tensor/linalg.hpp"
#include "torchlet/tensor/print.hpp"
#include "torchlet/tensor/random.hpp"
#include "torchlet/tensor/reduction.hpp"
#include "torchlet/tensor/views.hpp"
