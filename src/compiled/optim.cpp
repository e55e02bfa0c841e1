// torchlet::compiled: the explicit instantiations of TORCHLET_COMPILED_OPTIM
// (torchlet/compiled.hpp), after the definitions of all their members (torchlet.hpp).
#include <torchlet/torchlet.hpp>

TORCHLET_COMPILED_OPTIM(TORCHLET_DETAIL_INSTANTIATE_CLASS)
