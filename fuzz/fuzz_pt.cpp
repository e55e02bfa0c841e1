// Fuzzes the .pt reader (io/pt_read.hpp, io/pickle.hpp, io/zip.hpp) as torchlet::load,
// io::load_pt_value and load(optimizer) use it. An input starting with "PK" is a whole
// file (zip directory, entries, storages, pickle); any other input is a pickle stream,
// put as x/data.pkl into an archive that also holds four 64-byte storages x/data/0..3,
// so the pickle machine sees inputs the zip layer would otherwise reject. Any input
// either loads or throws FormatError; a value that loads must survive a write-read round
// trip with the same structure and tensor shapes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <torchlet/io/serialize.hpp>

namespace io = torchlet::io;

namespace {
/// Same structure (kinds, sizes, dict keys' kinds, tensor shapes and dtypes).
bool same(const io::PtValue& a, const io::PtValue& b) {
  if (a.v.index() != b.v.index()) return false;
  if (a.is<io::AnyTensor>()) {
    const auto &x = a.get<io::AnyTensor>(), &y = b.get<io::AnyTensor>();
    return x.index() == y.index() && io::shape_of(x) == io::shape_of(y);
  }
  const std::vector<io::PtValue>*xs = nullptr, *ys = nullptr;
  if (a.is<io::PtValue::List>()) {
    xs = &a.get<io::PtValue::List>();
    ys = &b.get<io::PtValue::List>();
  } else if (a.is<io::PtValue::Tuple>()) {
    xs = &a.get<io::PtValue::Tuple>().items;
    ys = &b.get<io::PtValue::Tuple>().items;
  } else if (a.is<io::PtValue::Dict>()) {
    const auto &x = a.get<io::PtValue::Dict>(), &y = b.get<io::PtValue::Dict>();
    if (x.size() != y.size() || x.ordered != y.ordered) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same(x.keys[i], y.keys[i]) || !same(x.values[i], y.values[i])) return false;
    return true;
  } else {
    return true;
  }
  if (xs->size() != ys->size()) return false;
  for (std::size_t i = 0; i < xs->size(); ++i)
    if (!same((*xs)[i], (*ys)[i])) return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> file;
  if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
    file.assign(data, data + size);
  } else {
    io::ZipWriter zip;
    zip.add("x/data.pkl", {data, size});
    std::vector<std::uint8_t> storage(64);
    for (std::size_t i = 0; i < storage.size(); ++i) storage[i] = static_cast<std::uint8_t>(i);
    for (int k = 0; k < 4; ++k) zip.add("x/data/" + std::to_string(k), storage);
    file = zip.finish();
  }
  io::PtValue v;
  try {
    v = io::deserialize_pt(file, "fuzz.pt");
  } catch (const torchlet::FormatError&) {
    return 0;
  }
  // What the loaders do with a valid file.
  try {
    (void)io::tensor_dict_of(v, "fuzz.pt");
  } catch (const torchlet::FormatError&) {
  }
  try {
    (void)io::optimizer_state_from_pt(v, "fuzz.pt");
  } catch (const torchlet::FormatError&) {
  }
  const auto again = io::deserialize_pt(io::serialize_pt(v), "round trip");
  if (!same(v, again)) std::abort();
  return 0;
}
