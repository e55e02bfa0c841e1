#pragma once
// torchlet::io: the safetensors format, PyTorch's .pt format (io/pt.hpp), and torchlet::save / load
// / save_checkpoint / load_checkpoint of models, optimizers and whole training states.
#include "torchlet/io/pt.hpp"
#include "torchlet/io/safetensors.hpp"
#include "torchlet/io/serialize.hpp"
