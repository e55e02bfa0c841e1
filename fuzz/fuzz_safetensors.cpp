// Fuzzes the safetensors reader as torchlet::load / load_checkpoint / load(optimizer) use
// it: the input is a whole file. Any input either loads or throws FormatError; a file
// that loads must survive a write-read round trip with the same names, shapes and
// metadata. Also feeds the bytes after the 8-byte length to the JSON parser directly, so
// the parser sees inputs the length prefix would otherwise reject.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <torchlet/io/serialize.hpp>

namespace io = torchlet::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  if (size > 8) {
    try {
      const std::string_view text(reinterpret_cast<const char*>(data + 8), size - 8);
      (void)io::detail::parse_json(text, "fuzz json");
    } catch (const torchlet::FormatError&) {
    }
  }
  io::SafetensorsFile f;
  try {
    f = io::deserialize(bytes, "fuzz.safetensors");
  } catch (const torchlet::FormatError&) {
    return 0;
  }
  // What the loaders do with a valid file.
  try {
    (void)io::detail::state_dict_of(f, "");
    const auto kind = f.metadata.find("torchlet.kind");
    if (kind != f.metadata.end() && kind->second == "checkpoint")
      (void)torchlet::checkpoint_from(f, "fuzz");
    if (f.metadata.count("param_groups")) (void)io::detail::get_optimizer(f, "", "fuzz");
  } catch (const torchlet::FormatError&) {
  }
  // Round trip: names torchlet refuses to write (empty, "__metadata__") are skipped.
  std::vector<std::pair<std::string, io::AnyTensor>> keep;
  for (const auto& [name, t] : f.tensors)
    if (!name.empty() && name != "__metadata__") keep.emplace_back(name, t);
  const auto again = io::deserialize(io::serialize(keep, f.metadata), "round trip");
  if (again.tensors.size() != keep.size() || again.metadata != f.metadata) std::abort();
  for (std::size_t i = 0; i < keep.size(); ++i)
    if (again.tensors[i].first != keep[i].first ||
        io::shape_of(again.tensors[i].second) != io::shape_of(keep[i].second))
      std::abort();
  return 0;
}
