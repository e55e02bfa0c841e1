#pragma once
// Forward declarations: names only, for headers that do not need definitions.
#include <cstdint>

namespace torchlet {
template <class T>
class BasicTensor;
using Tensor = BasicTensor<float>;
using DoubleTensor = BasicTensor<double>;
using LongTensor = BasicTensor<std::int64_t>;
using IntTensor = BasicTensor<std::int32_t>;
using ByteTensor = BasicTensor<std::uint8_t>;
using BoolTensor = BasicTensor<bool>;

namespace nn {
class ModuleBase;
template <class... Sigs>
class ModuleFor;
using Module = ModuleFor<Tensor(const Tensor&)>;
}  // namespace nn
namespace data {
template <class D>
class DataLoader;
}
}  // namespace torchlet
