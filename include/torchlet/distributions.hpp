#pragma once
// torchlet::distributions (torch.distributions): Categorical, Normal, Bernoulli.
#include "torchlet/distributions/bernoulli.hpp"
#include "torchlet/distributions/categorical.hpp"
#include "torchlet/distributions/distribution.hpp"
#include "torchlet/distributions/normal.hpp"
