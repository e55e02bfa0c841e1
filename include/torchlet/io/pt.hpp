#pragma once
// PyTorch's own checkpoint files (.pt / .pth), read and written without PyTorch: the zip
// format torch.save writes by default since PyTorch 1.6.
//
//   <name>/data.pkl     the object, pickled (protocol 2); tensors refer to storages by key
//   <name>/data/<key>   each storage's raw bytes (little-endian unless <name>/byteorder says
//                       "big")
//   <name>/version      the format version ("3")
//
//   model.load_state_dict(io::load_pt("model.pt"));     // torch.load of a state_dict
//   io::save_pt(model.state_dict(), "model.pt");        // torch.save(model.state_dict())
//   io::PtValue ck = io::load_pt_value("ckpt.pt");      // any nested checkpoint dict
//
// Reading is safe by construction (io/pickle.hpp: a restricted pickle machine, like
// torch.load(weights_only=True)): the only globals are collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 / _rebuild_parameter, the torch.*Storage types and the
// torch dtypes; a tensor must lie inside its storage (offset, sizes and strides checked,
// no overflow); a storage's entry must hold numel * itemsize bytes; the tensors a file
// makes total at most detail::kMaxDecodedBytes bytes. Errors are FormatError naming the
// file. Storages shared by several tensors (views, transposes, tied weights) are read once;
// each tensor comes out contiguous, in the file's dtype: float32 -> Tensor, float64 ->
// DoubleTensor, int64 -> LongTensor, int32 -> IntTensor, uint8 -> ByteTensor, bool ->
// BoolTensor; widened: float16 / bfloat16 -> Tensor, int8 / int16 -> IntTensor. Other
// dtypes (complex, quantized) are refused. Storages saved from a GPU load to the CPU (as
// torch.load(map_location="cpu")). Legacy files (PyTorch < 1.6) and TorchScript
// archives are refused with an error naming the format.
//
// Writing emits what torch.save does (protocol 2, OrderedDict state_dicts, a storage per
// distinct torchlet storage so shared tensors stay shared, 64-byte aligned entries),
// readable by torch.load(path, weights_only=True); atomic like every torchlet writer.

#include "torchlet/io/pt_optimizer.hpp"
#include "torchlet/io/pt_read.hpp"
#include "torchlet/io/pt_value.hpp"
#include "torchlet/io/pt_write.hpp"
