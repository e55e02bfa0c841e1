#pragma once
// The samplers of torch.utils.data, one per file under samplers/, and the Sampler concepts.
#include "torchlet/data/samplers/any_sampler.hpp"
#include "torchlet/data/samplers/batch.hpp"
#include "torchlet/data/samplers/concepts.hpp"
#include "torchlet/data/samplers/distributed.hpp"
#include "torchlet/data/samplers/random.hpp"
#include "torchlet/data/samplers/sequential.hpp"
#include "torchlet/data/samplers/subset_random.hpp"
#include "torchlet/data/samplers/weighted_random.hpp"
