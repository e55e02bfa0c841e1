#pragma once
// torchlet::distributed (torch.distributed over MPI) and nn::parallel::DistributedDataParallel.
// Not part of torchlet.hpp: it needs <mpi.h> and an MPI library, so a program includes it
// and links torchlet::distributed (find_package(torchlet COMPONENTS distributed)). See
// docs/distributed.md.
#include "torchlet/distributed/collectives.hpp"
#include "torchlet/distributed/point_to_point.hpp"
#include "torchlet/distributed/process_group.hpp"
#include "torchlet/distributed/work.hpp"
#include "torchlet/nn/parallel/distributed.hpp"
