#pragma once
// torchlet: PyTorch's idioms in header-only C++20. Umbrella header.
#include "torchlet/backends.hpp"
#include "torchlet/compiled.hpp"  // the compiled mode's extern declarations, if linked
#include "torchlet/data.hpp"
#include "torchlet/distributions.hpp"
#include "torchlet/errors.hpp"
#include "torchlet/io.hpp"
#include "torchlet/nn.hpp"
#include "torchlet/optim.hpp"
#include "torchlet/parallel.hpp"
#include "torchlet/tensor.hpp"
#include "torchlet/tensor/autograd_function.hpp"
#include "torchlet/tensor/autograd_functional.hpp"
#include "torchlet/utils/progress.hpp"
#include "torchlet/version.hpp"
#include "torchlet/vision.hpp"
