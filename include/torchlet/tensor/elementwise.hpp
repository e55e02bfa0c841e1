#pragma once
// Elementwise math: broadcasting binary ops, scalars, in-place forms, comparisons, where,
// allclose (binary.hpp) and unary functions (unary.hpp).
#include "torchlet/tensor/binary.hpp"
#include "torchlet/tensor/unary.hpp"
