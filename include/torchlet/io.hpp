#pragma once
// torchlet::io: the safetensors format, and torchlet::save / load / save_checkpoint /
// load_checkpoint of models, optimizers and whole training states.
#include "torchlet/io/safetensors.hpp"
#include "torchlet/io/serialize.hpp"
