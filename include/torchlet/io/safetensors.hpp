#pragma once
// The safetensors format (https://github.com/huggingface/safetensors), read and written
// without dependencies:
//
//   [8 bytes: N, little-endian u64] [N bytes: JSON header] [data]
//   header = {"__metadata__": {"key": "value", ...},                      (optional)
//             "fc.weight": {"dtype": "F32", "shape": [10, 784], "data_offsets": [0, 31360]},
//             ...}
//   data_offsets are [begin, end) byte offsets into the data, which is raw little-endian.
//
// Reading checks everything before a tensor is made (FormatError naming the file and the
// problem): N <= 100,000,000 (the reference implementation's limit) and 8 + N <= file
// size; the header is strict JSON (hand-written parser in io/json.hpp, no library) whose
// top level is an object of entries with exactly the fields dtype, shape and
// data_offsets, plus an optional __metadata__ object of strings; a known dtype; shape
// dimensions >= 0 whose product times the element size (no overflow) equals end - begin;
// offsets inside the data; entries that neither overlap nor leave holes, covering the
// data exactly (as the reference implementation requires).
//
// dtypes: F32 -> Tensor, F64 -> DoubleTensor, I64 -> LongTensor, I32 -> IntTensor,
// U8 -> ByteTensor, BOOL -> BoolTensor; read and widened: F16 and BF16 -> Tensor,
// I8/I16/U16 -> IntTensor, U32 -> LongTensor. U64 and 8-bit floats are refused.
// Writing uses the first six. Big-endian hosts byte-swap.
#include <algorithm>
#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "torchlet/detail/file.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/io/dtype.hpp"
#include "torchlet/io/json.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::io {

/// One entry of a safetensors header.
struct TensorInfo {
  /// The tensor's name in the file.
  std::string name;
  /// Its element type.
  Dtype dtype = Dtype::F32;
  /// Its shape.
  Shape shape;
  ///@{
  /// [begin, end): byte offsets into the data section.
  std::uint64_t begin = 0, end = 0;
  ///@}
};

/// A validated header: entries sorted by offset, metadata, where the data starts.
struct Header {
  /// The entries, sorted by offset.
  std::vector<TensorInfo> tensors;
  /// The __metadata__ strings.
  std::map<std::string, std::string> metadata;
  std::uint64_t data_start = 0;  ///< 8 + N
};

/// The contents of a safetensors file, tensors in file order.
struct SafetensorsFile {
  /// (name, tensor) pairs in file order.
  std::vector<std::pair<std::string, AnyTensor>> tensors;
  /// The __metadata__ strings.
  std::map<std::string, std::string> metadata;

  /// Whether a tensor called `name` exists.
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  /// The tensor called `name`; throws std::out_of_range naming it.
  const AnyTensor& at(const std::string& name) const {
    if (const AnyTensor* t = find(name)) return *t;
    throw std::out_of_range("safetensors: no tensor named '" + name + "'");
  }
  /// The tensor called `name` converted to element type T.
  template <class T = float>
  BasicTensor<T> get(const std::string& name) const {
    return to_dtype<T>(at(name));
  }
  /// The tensor names, in file order.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (auto& [k, v] : tensors) out.push_back(k);
    return out;
  }

 private:
  const AnyTensor* find(const std::string& name) const {
    for (auto& [k, v] : tensors)
      if (k == name) return &v;
    return nullptr;
  }
};

/// Largest header the reader accepts (the reference implementation's limit).
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

namespace detail {

inline std::uint64_t read_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace detail

/// Parses and validates the header of a safetensors file held in `bytes` (see the file
/// comment for the checks); `name` (the path) prefixes every error message.
inline Header parse_header(std::span<const std::uint8_t> bytes, const std::string& name) {
  auto fail = [&](const std::string& why) {
    return FormatError(name + ": invalid safetensors file: " + why);
  };
  if (bytes.size() < 8)
    throw fail("the file has " + std::to_string(bytes.size()) +
               " bytes, too short for the 8-byte header length");
  const std::uint64_t n = detail::read_le64(bytes.data());
  if (n > kMaxHeaderBytes)
    throw fail("header length " + std::to_string(n) + " exceeds the limit of " +
               std::to_string(kMaxHeaderBytes) + " bytes");
  if (n > bytes.size() - 8)
    throw fail("header length " + std::to_string(n) + " goes past the end of the file (" +
               std::to_string(bytes.size()) + " bytes)");
  if (n < 2 || bytes[8] != '{') throw fail("the header does not start with '{'");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8),
                              static_cast<std::size_t>(n));
  const detail::Json root = detail::parse_json(text, name + ": safetensors header");
  if (root.kind != detail::Json::Kind::object) throw fail("the header is not a JSON object");

  Header h;
  h.data_start = 8 + n;
  const std::uint64_t data_size = bytes.size() - h.data_start;
  for (std::size_t m = 0; m < root.items.size(); ++m) {
    const std::string& key = root.keys[m];
    const detail::Json& v = root.items[m];
    if (key == "__metadata__") {
      if (v.kind != detail::Json::Kind::object)
        throw fail("__metadata__ must be an object, found " + std::string(v.kind_name()));
      for (std::size_t j = 0; j < v.items.size(); ++j) {
        const std::string& mk = v.keys[j];
        const detail::Json& mv = v.items[j];
        if (mv.kind != detail::Json::Kind::string)
          throw fail("__metadata__ value of '" + mk + "' must be a string, found " +
                     mv.kind_name());
        h.metadata.emplace(mk, mv.text);
      }
      continue;
    }
    const std::string where = "tensor '" + key + "'";
    if (v.kind != detail::Json::Kind::object)
      throw fail(where + " must be an object, found " + v.kind_name());
    const detail::Json *dtype = nullptr, *shape = nullptr, *offsets = nullptr;
    for (std::size_t j = 0; j < v.items.size(); ++j) {
      const std::string& field = v.keys[j];
      const detail::Json& fv = v.items[j];
      if (field == "dtype")
        dtype = &fv;
      else if (field == "shape")
        shape = &fv;
      else if (field == "data_offsets")
        offsets = &fv;
      else
        throw fail(where + " has an unknown field '" + field + "'");
    }
    if (!dtype || !shape || !offsets)
      throw fail(where + " needs the fields dtype, shape and data_offsets");
    TensorInfo info;
    info.name = key;
    if (dtype->kind != detail::Json::Kind::string) throw fail(where + ": dtype must be a string");
    const auto dt = parse_dtype(dtype->text);
    if (!dt) throw fail(where + ": unknown dtype '" + dtype->text + "'");
    info.dtype = *dt;
    if (shape->kind != detail::Json::Kind::array)
      throw fail(where + ": shape must be an array of integers");
    std::uint64_t numel = 1;
    bool overflow = false;
    for (const auto& d : shape->items) {
      std::uint64_t dim = 0;
      if (!d.as_u64(dim) || dim > static_cast<std::uint64_t>(INT64_MAX))
        throw fail(where + ": shape must hold non-negative integers, found '" + d.text + "'");
      info.shape.push_back(static_cast<std::int64_t>(dim));
      if (dim != 0 && numel > UINT64_MAX / dim)
        overflow = true;
      else
        numel *= dim;
    }
    const bool empty = std::find(info.shape.begin(), info.shape.end(), 0) != info.shape.end();
    if (overflow && !empty)
      throw fail(where + ": shape " + to_string(info.shape) + " has too many elements");
    if (empty) numel = 0;
    if (offsets->kind != detail::Json::Kind::array || offsets->items.size() != 2 ||
        !offsets->items[0].as_u64(info.begin) || !offsets->items[1].as_u64(info.end))
      throw fail(where + ": data_offsets must be [begin, end] with non-negative integers");
    if (info.begin > info.end)
      throw fail(where + ": data_offsets [" + std::to_string(info.begin) + ", " +
                 std::to_string(info.end) + "] end before they begin");
    if (info.end > data_size)
      throw fail(where + ": data_offsets [" + std::to_string(info.begin) + ", " +
                 std::to_string(info.end) + "] go past the end of the data (" +
                 std::to_string(data_size) + " bytes)");
    const std::size_t item = itemsize(info.dtype);
    if (numel > UINT64_MAX / item || numel * item != info.end - info.begin)
      throw fail(where + ": dtype " + dtype_str(info.dtype) + " and shape " +
                 to_string(info.shape) + " need " +
                 (numel > UINT64_MAX / item ? std::string("more than 2^64")
                                            : std::to_string(numel * item)) +
                 " bytes but data_offsets [" + std::to_string(info.begin) + ", " +
                 std::to_string(info.end) + "] hold " + std::to_string(info.end - info.begin));
    h.tensors.push_back(std::move(info));
  }
  std::stable_sort(h.tensors.begin(), h.tensors.end(),
                   [](const TensorInfo& a, const TensorInfo& b) {
                     return a.begin < b.begin || (a.begin == b.begin && a.end < b.end);
                   });
  std::uint64_t at = 0;
  const TensorInfo* prev = nullptr;
  for (const auto& t : h.tensors) {
    if (t.begin < at)
      throw fail("tensor '" + t.name + "' (bytes [" + std::to_string(t.begin) + ", " +
                 std::to_string(t.end) + ")) overlaps tensor '" + prev->name + "' (bytes [" +
                 std::to_string(prev->begin) + ", " + std::to_string(prev->end) + "))");
    if (t.begin > at)
      throw fail("bytes [" + std::to_string(at) + ", " + std::to_string(t.begin) +
                 ") of the data belong to no tensor");
    at = t.end;
    prev = &t;
  }
  if (at != data_size)
    throw fail("the data has " + std::to_string(data_size) + " bytes but the tensors cover " +
               std::to_string(at));
  return h;
}

/// Reads the tensors of a safetensors file held in memory (all checks first).
inline SafetensorsFile deserialize(std::span<const std::uint8_t> bytes,
                                   const std::string& name = "<memory>") {
  Header h = parse_header(bytes, name);
  SafetensorsFile f;
  f.metadata = std::move(h.metadata);
  f.tensors.reserve(h.tensors.size());
  for (const auto& t : h.tensors) {
    const std::uint8_t* src = bytes.data() + h.data_start + t.begin;
    const auto n = static_cast<std::int64_t>((t.end - t.begin) / itemsize(t.dtype));
    AnyTensor v;
    switch (t.dtype) {
      case Dtype::F32:
        v = detail::exact<float>(t.shape, src, n);
        break;
      case Dtype::F64:
        v = detail::exact<double>(t.shape, src, n);
        break;
      case Dtype::I64:
        v = detail::exact<std::int64_t>(t.shape, src, n);
        break;
      case Dtype::I32:
        v = detail::exact<std::int32_t>(t.shape, src, n);
        break;
      case Dtype::U8:
        v = detail::exact<std::uint8_t>(t.shape, src, n);
        break;
      case Dtype::BOOL: {
        auto b = BoolTensor::empty(t.shape);
        for (std::int64_t i = 0; i < n; ++i) b.data()[i] = src[i] != 0;
        v = b;
        break;
      }
      case Dtype::F16:
        v = detail::widen<float, std::uint16_t>(t.shape, src, n, &detail::half_to_float);
        break;
      case Dtype::BF16:
        v = detail::widen<float, std::uint16_t>(
            t.shape, src, n,
            +[](std::uint16_t r) { return std::bit_cast<float>(std::uint32_t{r} << 16); });
        break;
      case Dtype::I8:
        v = detail::widen<std::int32_t, std::int8_t>(
            t.shape, src, n, +[](std::int8_t r) { return std::int32_t{r}; });
        break;
      case Dtype::I16:
        v = detail::widen<std::int32_t, std::int16_t>(
            t.shape, src, n, +[](std::int16_t r) { return std::int32_t{r}; });
        break;
      case Dtype::U16:
        v = detail::widen<std::int32_t, std::uint16_t>(
            t.shape, src, n, +[](std::uint16_t r) { return std::int32_t{r}; });
        break;
      case Dtype::U32:
        v = detail::widen<std::int64_t, std::uint32_t>(
            t.shape, src, n, +[](std::uint32_t r) { return std::int64_t{r}; });
        break;
      case Dtype::U64:
        throw FormatError(name + ": tensor '" + t.name +
                          "' has dtype U64, which torchlet does not support");
    }
    f.tensors.emplace_back(t.name, std::move(v));
  }
  return f;
}

/// Reads a safetensors file (safetensors.torch.load_file).
inline SafetensorsFile load_file(const std::string& path) {
  const auto bytes = detail::read_file(path);
  return deserialize(bytes, path);
}

namespace detail {
/// What the writer needs of one tensor, whatever its element type.
struct Entry {
  std::string name;
  Dtype dtype;
  Shape shape;
  const void* data;
  std::size_t bytes;
  AnyTensor keep;  // holds the tensor alive (and a view's gathered copy, which data is)
};
template <class T>
Entry entry(const std::string& name, const BasicTensor<T>& t) {
  if (!t.defined()) throw std::invalid_argument("safetensors: tensor '" + name + "' is undefined");
  // data() is the elements in row-major order whatever the layout (a view's gathered copy,
  // kept with the view): nothing is recorded, so no op's autograd code is compiled here for
  // each dtype (compile time, docs/architecture.md "Compile cost").
  return {name,
          dtype_of<T>(),
          t.shape(),
          t.data(),
          static_cast<std::size_t>(t.numel()) * sizeof(T),
          AnyTensor(t)};
}
inline Entry entry(const std::string& name, const AnyTensor& t) {
  return std::visit([&](const auto& x) { return entry(name, x); }, t);
}
}  // namespace detail

/// Serialises (name, tensor) pairs - any range of them: a std::map, an nn::StateDict, a
/// vector of pairs; tensors of any torchlet dtype or AnyTensor - in the range's order.
/// Names must be unique, non-empty and not "__metadata__".
template <class Range>
std::vector<std::uint8_t> serialize(const Range& tensors,
                                    const std::map<std::string, std::string>& metadata = {}) {
  std::vector<detail::Entry> entries;
  for (const auto& [name, t] : tensors) {
    if (name.empty() || name == "__metadata__")
      throw std::invalid_argument("safetensors: invalid tensor name '" + name + "'");
    for (auto& e : entries)
      if (e.name == name)
        throw std::invalid_argument("safetensors: duplicate tensor name '" + name + "'");
    entries.push_back(detail::entry(name, t));
  }
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (auto& [k, v] : metadata) {
      if (!first) header += ',';
      header += detail::json_quote(k);
      header += ':';
      header += detail::json_quote(v);
      first = false;
    }
    header += "}";
  }
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (i || !metadata.empty()) header += ',';
    header += detail::json_quote(e.name);
    header += ":{\"dtype\":\"";
    header += dtype_str(e.dtype);
    header += "\",\"shape\":[";
    for (std::size_t d = 0; d < e.shape.size(); ++d) {
      if (d) header += ',';
      header += std::to_string(e.shape[d]);
    }
    header += "],\"data_offsets\":[";
    header += std::to_string(offset);
    header += ',';
    header += std::to_string(offset + e.bytes);
    header += "]}";
    offset += e.bytes;
  }
  header += "}";
  while ((8 + header.size()) % 8) header += ' ';  // the data starts 8-byte aligned
  std::vector<std::uint8_t> out(8 + header.size() + offset);
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  std::memcpy(out.data() + 8, header.data(), header.size());
  std::uint8_t* dst = out.data() + 8 + header.size();
  for (const auto& e : entries) {
    const std::size_t item = itemsize(e.dtype);
    detail::copy_le(dst, static_cast<const std::uint8_t*>(e.data), e.bytes / item, item);
    dst += e.bytes;
  }
  return out;
}

/// Writes (name, tensor) pairs as a safetensors file (safetensors.torch.save_file),
/// atomically: a temporary file in the same directory, fsync'd, renamed over `path`.
template <class Range>
void save_file(const Range& tensors, const std::string& path,
               const std::map<std::string, std::string>& metadata = {}) {
  const auto bytes = serialize(tensors, metadata);
  detail::write_file_atomic(path, bytes, "save_file");
}

}  // namespace torchlet::io
