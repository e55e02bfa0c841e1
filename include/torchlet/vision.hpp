#pragma once
// torchlet::vision: datasets, image files, transforms and image utilities (torchvision).
#include "torchlet/vision/errors.hpp"
#include "torchlet/vision/idx.hpp"
#include "torchlet/vision/image.hpp"
#include "torchlet/vision/image_folder.hpp"
#include "torchlet/vision/mnist.hpp"
#include "torchlet/vision/transforms.hpp"
#include "torchlet/vision/utils.hpp"
