// torchlet::compiled: the explicit instantiations of TORCHLET_COMPILED_TENSOR
// (torchlet/compiled.hpp), after the definitions of all their members (torchlet.hpp).
#include <torchlet/torchlet.hpp>

TORCHLET_COMPILED_TENSOR(TORCHLET_DETAIL_INSTANTIATE_CLASS)
