// torchlet::compiled: the explicit instantiations of TORCHLET_COMPILED_NN_LAYERS
// (torchlet/compiled.hpp), after the definitions of all their members (torchlet.hpp).
#include <torchlet/torchlet.hpp>

TORCHLET_COMPILED_NN_LAYERS(TORCHLET_DETAIL_INSTANTIATE_CLASS)
