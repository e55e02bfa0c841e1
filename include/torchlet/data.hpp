#pragma once
// torchlet::data - torch.utils.data in C++:
//   dataset.hpp            the Dataset / IterableDataset concepts
//   datasets/              TensorDataset, Subset, ConcatDataset, transform, random_split
//   sampler.hpp, samplers/ the Sampler concepts and Sequential, Random, SubsetRandom,
//                          WeightedRandom, Batch and Distributed samplers
//   collate.hpp            default_collate; collate_fn.hpp: custom collate functions
//   dataloader.hpp         DataLoader, DataLoaderOptions; worker_info.hpp: get_worker_info
#include "torchlet/data/collate.hpp"
#include "torchlet/data/collate_fn.hpp"
#include "torchlet/data/dataloader.hpp"
#include "torchlet/data/dataset.hpp"
#include "torchlet/data/datasets/concat.hpp"
#include "torchlet/data/datasets/random_split.hpp"
#include "torchlet/data/datasets/subset.hpp"
#include "torchlet/data/datasets/tensor.hpp"
#include "torchlet/data/datasets/transform.hpp"
#include "torchlet/data/errors.hpp"
#include "torchlet/data/samplers.hpp"
#include "torchlet/data/worker_info.hpp"
