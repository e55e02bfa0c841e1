#pragma once
// torchlet::data: the Dataset concept, collation and the DataLoader.
#include "torchlet/data/collate.hpp"
#include "torchlet/data/dataloader.hpp"
#include "torchlet/data/dataset.hpp"
