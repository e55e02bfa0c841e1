#pragma once
// Completes BasicTensor: every header that defines its member functions (x.exp() lives in
// unary.hpp, x.sum() in reduction.hpp, ...). The first tensor header a translation unit
// includes includes this one at its end (see the TORCHLET_DETAIL_TENSOR_OPENED lines at the
// top of each), so a program that includes any one tensor header can call, and link, every
// method of a tensor. Not included at the top of a header: there, the headers it lists could
// need the very header being read, whose declarations are not there yet.
#include "torchlet/tensor/advanced_indexing.hpp"
#include "torchlet/tensor/basic_tensor.hpp"
#include "torchlet/tensor/binary.hpp"
#include "torchlet/tensor/broadcast.hpp"
#include "torchlet/tensor/comparison.hpp"
#include "torchlet/tensor/copy.hpp"
#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/division.hpp"
#include "torchlet/tensor/einsum.hpp"
#include "torchlet/tensor/elementwise_extra.hpp"
#include "torchlet/tensor/index_add.hpp"
#include "torchlet/tensor/indexing.hpp"
#include "torchlet/tensor/indexing_ops.hpp"
#include "torchlet/tensor/inplace.hpp"
#include "torchlet/tensor/joining.hpp"
#include "torchlet/tensor/linalg.hpp"
#include "torchlet/tensor/masked.hpp"
#include "torchlet/tensor/math_extra.hpp"
#include "torchlet/tensor/norm.hpp"
#include "torchlet/tensor/rearrange.hpp"
#include "torchlet/tensor/reduction.hpp"
#include "torchlet/tensor/reduction_extra.hpp"
#include "torchlet/tensor/scan.hpp"
#include "torchlet/tensor/softmax.hpp"
#include "torchlet/tensor/sorting.hpp"
#include "torchlet/tensor/tensor_index.hpp"
#include "torchlet/tensor/unary.hpp"
#include "torchlet/tensor/variance.hpp"
#include "torchlet/tensor/views.hpp"
