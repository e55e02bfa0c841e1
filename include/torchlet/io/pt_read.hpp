#pragma once
// Reading PyTorch's .pt files (the overview is in io/pt.hpp): the zip archive, its
// storages, and the restricted pickle machine's hooks for torch's globals.
#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/io/pickle.hpp"
#include "torchlet/io/zip.hpp"

namespace torchlet::io {
namespace detail {

/// torch's storage type names and their element types / sizes.
struct PtStorageType {
  const char* name;
  const char* dtype;
  Dtype code;
};
inline constexpr PtStorageType kPtStorageTypes[] = {
    {"FloatStorage", "float32", Dtype::F32}, {"DoubleStorage", "float64", Dtype::F64},
    {"HalfStorage", "float16", Dtype::F16},  {"BFloat16Storage", "bfloat16", Dtype::BF16},
    {"LongStorage", "int64", Dtype::I64},    {"IntStorage", "int32", Dtype::I32},
    {"ShortStorage", "int16", Dtype::I16},   {"CharStorage", "int8", Dtype::I8},
    {"ByteStorage", "uint8", Dtype::U8},     {"BoolStorage", "bool", Dtype::BOOL}};

/// One storage of a file: its element type and bytes (native order).
struct PtStorage {
  Dtype dtype;
  std::uint64_t numel;
  std::vector<std::uint8_t> bytes;
};

inline bool pt_global_allowed(const std::string& module, const std::string& name) {
  if (module == "collections") return name == "OrderedDict";
  if (module == "torch._utils") return name == "_rebuild_tensor_v2" || name == "_rebuild_parameter";
  if (module != "torch") return false;
  for (const auto& s : kPtStorageTypes)
    if (name == s.name || name == s.dtype) return true;
  return false;
}

/// Element `i` (an index into the storage) of `s` as T.
template <class T>
T pt_element(const PtStorage& s, std::uint64_t i) {
  const std::uint8_t* p = s.bytes.data() + i * itemsize(s.dtype);
  auto raw = [p]<class R>(R) {
    R r;
    std::memcpy(&r, p, sizeof r);
    return r;
  };
  switch (s.dtype) {
    case Dtype::F32:
      return static_cast<T>(raw(float{}));
    case Dtype::F64:
      return static_cast<T>(raw(double{}));
    case Dtype::F16:
      return static_cast<T>(half_to_float(raw(std::uint16_t{})));
    case Dtype::BF16:
      return static_cast<T>(std::bit_cast<float>(std::uint32_t{raw(std::uint16_t{})} << 16));
    case Dtype::I64:
      return static_cast<T>(raw(std::int64_t{}));
    case Dtype::I32:
      return static_cast<T>(raw(std::int32_t{}));
    case Dtype::I16:
      return static_cast<T>(raw(std::int16_t{}));
    case Dtype::I8:
      return static_cast<T>(raw(std::int8_t{}));
    case Dtype::U8:
      return static_cast<T>(p[0]);
    case Dtype::BOOL:
      return static_cast<T>(p[0] != 0);
    default:
      return T{};
  }
}

/// Copies the strided view (offset, sizes, strides: already checked) into a new tensor.
template <class T>
AnyTensor pt_gather(const PtStorage& s, std::uint64_t offset, const Shape& sizes,
                    const Shape& strides) {
  auto out = BasicTensor<T>::empty(sizes);
  const std::int64_t n = out.numel();
  std::vector<std::int64_t> idx(sizes.size(), 0);
  std::uint64_t at = offset;
  for (std::int64_t k = 0; k < n; ++k) {
    out.data()[k] = pt_element<T>(s, at);
    for (std::size_t d = sizes.size(); d-- > 0;) {  // odometer
      at += static_cast<std::uint64_t>(strides[d]);
      if (++idx[d] < sizes[d]) break;
      at -= static_cast<std::uint64_t>(strides[d]) * static_cast<std::uint64_t>(sizes[d]);
      idx[d] = 0;
    }
  }
  return out;
}

/// The reader of one file: storages read once, tensors made once per distinct view.
class PtLoader {
 public:
  PtLoader(const ZipReader& zip, std::string prefix, bool big_endian)
      : zip_(zip), prefix_(std::move(prefix)), big_endian_(big_endian) {}

  PickleHooks hooks() {
    return {&pt_global_allowed, [this](const PObj& pid) { return storage(pid); },
            [this](const std::string& fn, const PObj& args) { return call(fn, args); }};
  }

 private:
  using K = PObj::Kind;
  static FormatError fail(const std::string& why) { return FormatError(why); }
  static std::int64_t int_of(const PObj& o, const char* what) {
    if (o.kind != K::Int) throw fail(std::string("expected an int for ") + what);
    return o.i;
  }
  static Shape ints_of(const PObj& o, const char* what) {
    if (o.kind != K::Tuple && o.kind != K::List)
      throw fail(std::string("expected a tuple of ints for ") + what);
    Shape out;
    for (const auto& it : o.items) {
      const auto v = int_of(*it, what);
      if (v < 0) throw fail(std::string("negative ") + what + " " + std::to_string(v));
      out.push_back(v);
    }
    return out;
  }

  PRef storage(const PObj& pid) {
    if (pid.kind != K::Tuple || pid.items.size() != 5 || pid.items[0]->kind != K::Str ||
        pid.items[0]->s != "storage" || pid.items[1]->kind != K::Global ||
        pid.items[2]->kind != K::Str)
      throw fail(
          "expected a persistent id ('storage', torch.<T>Storage, key, location, "
          "numel)");
    const std::string& type = pid.items[1]->s;
    const PtStorageType* st = nullptr;
    for (const auto& s : kPtStorageTypes)
      if (type == std::string("torch.") + s.name) st = &s;
    if (!st) throw fail("'" + type + "' is not a storage type");
    const std::int64_t numel = int_of(*pid.items[4], "a storage's size");
    const std::string& key = pid.items[2]->s;
    auto& slot = storages_[key];
    if (!slot) {
      const std::string name = prefix_ + "/data/" + key;
      const ZipEntry* e = zip_.find(name);
      if (!e) throw fail("storage '" + key + "' has no entry '" + name + "' in the archive");
      const std::uint64_t item = itemsize(st->code);
      if (numel < 0 || static_cast<std::uint64_t>(numel) > e->size / item)
        throw fail("storage '" + key + "' declares " + std::to_string(numel) + " " + st->dtype +
                   " elements but its entry holds " + std::to_string(e->size) + " bytes");
      auto s = std::make_shared<PtStorage>();
      s->dtype = st->code;
      s->numel = static_cast<std::uint64_t>(numel);
      if (e->size > detail::kMaxDecodedBytes - produced_)
        throw fail("the storages of this file would take more than " +
                   std::to_string(detail::kMaxDecodedBytes) + " bytes");
      produced_ += e->size;
      storage_bytes_ += e->size;
      s->bytes = zip_.read(*e);
      if (big_endian_)
        for (std::size_t i = 0; i + item <= s->bytes.size(); i += item)
          std::reverse(s->bytes.begin() + static_cast<std::ptrdiff_t>(i),
                       s->bytes.begin() + static_cast<std::ptrdiff_t>(i + item));
      slot = std::move(s);
    } else if (slot->dtype != st->code || slot->numel != static_cast<std::uint64_t>(numel)) {
      throw fail("storage '" + key + "' is used with two different types or sizes");
    }
    PRef r = pobj(K::Ext);
    r->ext = slot;
    return r;
  }

  PRef call(const std::string& fn, const PObj& args) {
    if (fn == "collections.OrderedDict") {
      if (!args.items.empty()) throw fail("OrderedDict called with arguments");
      PRef d = pobj(K::Dict);
      d->ordered = true;
      d->depth = 1;
      return d;
    }
    if (fn == "torch._utils._rebuild_parameter") {
      if (args.items.size() < 1 || args.items[0]->kind != K::Tensor)
        throw fail("_rebuild_parameter expects a tensor first");
      return args.items[0];
    }
    if (fn != "torch._utils._rebuild_tensor_v2") throw fail("'" + fn + "' cannot be called");
    if (args.items.size() < 4 || args.items[0]->kind != K::Ext)
      throw fail("_rebuild_tensor_v2 expects (storage, offset, size, stride, ...)");
    const auto& s = *std::static_pointer_cast<const PtStorage>(args.items[0]->ext);
    const std::int64_t offset = int_of(*args.items[1], "a storage offset");
    const Shape sizes = ints_of(*args.items[2], "tensor sizes");
    const Shape strides = ints_of(*args.items[3], "tensor strides");
    if (sizes.size() != strides.size())
      throw fail("a tensor has " + std::to_string(sizes.size()) + " sizes but " +
                 std::to_string(strides.size()) + " strides");
    if (offset < 0) throw fail("negative storage offset " + std::to_string(offset));
    // numel and the last element's index, overflow-checked.
    std::uint64_t numel = 1, last = static_cast<std::uint64_t>(offset);
    constexpr std::uint64_t big = std::uint64_t{1} << 62;
    for (std::size_t d = 0; d < sizes.size(); ++d) {
      const auto n = static_cast<std::uint64_t>(sizes[d]);
      const auto st = static_cast<std::uint64_t>(strides[d]);
      if (n == 0) {
        numel = 0;
        break;
      }
      if (numel > big / n || (n > 1 && st > (big - last) / (n - 1)))
        throw fail("tensor of sizes " + to_string(sizes) + " and strides " + to_string(strides) +
                   " is too large");
      numel *= n;
      last += (n - 1) * st;
    }
    const std::string view = to_string(sizes) + to_string(strides) + std::to_string(offset);
    if (numel > 0 && last >= s.numel)
      throw fail("tensor of sizes " + to_string(sizes) + ", strides " + to_string(strides) +
                 " and offset " + std::to_string(offset) + " reaches element " +
                 std::to_string(last) + " of a storage of " + std::to_string(s.numel));
    // No more elements than the storages justify (views overlap little; a huge stride-0
    // view of a tiny storage is refused).
    const std::uint64_t allowed = 16 * storage_bytes_ + 65536;
    if (numel > allowed - std::min(allowed, elements_))
      throw fail("the tensors of this file would hold more than " + std::to_string(allowed) +
                 " elements (16 per byte of its storages, plus 65536)");
    elements_ += numel;
    const std::uint64_t bytes = numel * (s.dtype == Dtype::F64 || s.dtype == Dtype::I64 ? 8 : 4);
    if (bytes > detail::kMaxDecodedBytes - produced_)
      throw fail("the tensors of this file would take more than " +
                 std::to_string(detail::kMaxDecodedBytes) + " bytes");
    produced_ += bytes;
    PRef r = pobj(K::Tensor);
    auto& cached = views_[{&s, view}];
    if (cached.valueless_by_exception() || !std::visit([](auto& t) { return t.defined(); }, cached))
      cached = make(s, static_cast<std::uint64_t>(offset), sizes, strides);
    r->tensor = cached;
    return r;
  }

  static AnyTensor make(const PtStorage& s, std::uint64_t offset, const Shape& sizes,
                        const Shape& strides) {
    switch (s.dtype) {
      case Dtype::F64:
        return pt_gather<double>(s, offset, sizes, strides);
      case Dtype::I64:
        return pt_gather<std::int64_t>(s, offset, sizes, strides);
      case Dtype::I32:
      case Dtype::I16:
      case Dtype::I8:
        return pt_gather<std::int32_t>(s, offset, sizes, strides);
      case Dtype::U8:
        return pt_gather<std::uint8_t>(s, offset, sizes, strides);
      case Dtype::BOOL:
        return pt_gather<bool>(s, offset, sizes, strides);
      default:
        return pt_gather<float>(s, offset, sizes, strides);
    }
  }

  const ZipReader& zip_;
  std::string prefix_;
  bool big_endian_;
  std::map<std::string, std::shared_ptr<PtStorage>> storages_;
  std::map<std::pair<const PtStorage*, std::string>, AnyTensor> views_;
  std::uint64_t produced_ = 0, storage_bytes_ = 0, elements_ = 0;
};

/// `o` as a PtValue; `budget` bounds the nodes made (a memoized object used many times
/// would otherwise expand exponentially).
inline PtValue pt_value_of(const PObj& o, std::uint64_t& budget) {
  if (budget == 0) throw FormatError("the object expands to too many values (shared objects)");
  --budget;
  using K = PObj::Kind;
  switch (o.kind) {
    case K::None:
      return {};
    case K::Bool:
      return PtValue(o.i != 0);
    case K::Int:
      return PtValue(o.i);
    case K::Float:
      return PtValue(o.f);
    case K::Str:
    case K::Bytes:
    case K::Global:
      return PtValue(o.s);
    case K::Tensor:
      return PtValue(o.tensor);
    case K::List:
    case K::Tuple: {
      std::vector<PtValue> items;
      for (const auto& it : o.items) items.push_back(pt_value_of(*it, budget));
      if (o.kind == K::List) return PtValue(std::move(items));
      return PtValue(PtValue::Tuple{std::move(items)});
    }
    case K::Dict: {
      PtValue::Dict d;
      d.ordered = o.ordered;
      std::map<std::string, std::size_t> seen;  // string keys: a repeated key replaces
      for (std::size_t i = 0; i + 1 < o.items.size(); i += 2) {
        PtValue k = pt_value_of(*o.items[i], budget), v = pt_value_of(*o.items[i + 1], budget);
        if (k.is<std::string>()) {
          const auto [it, fresh] = seen.emplace(k.get<std::string>(), d.keys.size());
          if (!fresh) {
            d.values[it->second] = std::move(v);
            continue;
          }
          d.keys.push_back(std::move(k));
          d.values.push_back(std::move(v));
        } else {
          d.insert(std::move(k), std::move(v));
        }
      }
      return PtValue(std::move(d));
    }
    case K::Ext:
      break;
  }
  throw FormatError("a storage outside any tensor");
}

}  // namespace detail

/// Reads a torch.save file held in memory; `name` (the path) prefixes every error.
inline PtValue deserialize_pt(std::span<const std::uint8_t> bytes, const std::string& name) {
  if (!bytes.empty() && bytes[0] == 0x80)
    throw FormatError(name +
                      ": a legacy PyTorch file (the pickle format of PyTorch < 1.6, not a zip "
                      "archive), which torchlet does not read: re-save it with PyTorch >= 1.6 "
                      "(torch.save(torch.load(path), path))");
  if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K')
    throw FormatError(name +
                      ": not a PyTorch checkpoint: expected a zip archive (bytes 'PK'), "
                      "found other bytes");
  const ZipReader zip(bytes, name);
  if (zip.entries().empty()) throw FormatError(name + ": the zip archive is empty");
  const std::string& first = zip.entries().front().name;
  const std::string prefix = first.substr(0, first.find('/'));
  if (zip.find(prefix + "/constants.pkl"))
    throw FormatError(name + ": a TorchScript archive (torch.jit.save), not a torch.save file");
  const ZipEntry* pkl = zip.find(prefix + "/data.pkl");
  if (!pkl)
    throw FormatError(name + ": expected an entry '" + prefix +
                      "/data.pkl' (a torch.save archive), found none");
  bool big = false;
  if (const ZipEntry* bo = zip.find(prefix + "/byteorder")) {
    const auto b = zip.read(*bo);
    const std::string order(b.begin(), b.end());
    if (order != "little" && order != "big")
      throw FormatError(name + ": byteorder must be 'little' or 'big', found '" + order + "'");
    big = order == "big";
  }
  detail::PtLoader loader(zip, prefix, big);
  const auto pickle = zip.read(*pkl);
  const auto root = unpickle(pickle, name + " (" + pkl->name + ")", loader.hooks());
  try {
    std::uint64_t budget = 16 * static_cast<std::uint64_t>(pickle.size()) + 65536;
    return detail::pt_value_of(*root, budget);
  } catch (const FormatError& e) {
    throw FormatError(name + ": " + e.what());
  }
}

/// Reads any torch.save file (a state_dict, a checkpoint dict, ...). Throws FormatError.
inline PtValue load_pt_value(const std::string& path) {
  return deserialize_pt(detail::read_file(path), path);
}

/// The tensors of a dict of tensors (a state_dict); `path` names the file in errors.
inline TensorDict tensor_dict_of(const PtValue& v, const std::string& path) {
  if (!v.is<PtValue::Dict>())
    throw FormatError(path + ": expected a dict of tensors (a state_dict), found a " +
                      PtValue::kind_name(v.v));
  TensorDict out;
  const auto& d = v.get<PtValue::Dict>();
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (!d.keys[i].is<std::string>() || !d.values[i].is<AnyTensor>())
      throw FormatError(path + ": expected a dict of tensors (a state_dict), found entry " +
                        std::to_string(i) + " of types " + PtValue::kind_name(d.keys[i].v) +
                        " -> " + PtValue::kind_name(d.values[i].v) +
                        " (read nested checkpoints with io::load_pt_value)");
    out.tensors.emplace_back(d.keys[i].get<std::string>(), d.values[i].get<AnyTensor>());
  }
  return out;
}

/// Reads a state_dict saved by torch.save(model.state_dict(), path): torch.load.
inline TensorDict load_pt(const std::string& path) {
  return tensor_dict_of(load_pt_value(path), path);
}

}  // namespace torchlet::io
