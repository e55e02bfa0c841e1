#pragma once
// torchlet::vision: datasets and transforms for images.
#include "torchlet/vision/idx.hpp"
#include "torchlet/vision/mnist.hpp"
#include "torchlet/vision/transforms.hpp"
