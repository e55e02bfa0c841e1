// Fuzzes the IDX reader (raw and gzip): any input either parses or throws FormatError.
#include <cstdint>
#include <vector>

#include <torchlet/vision/idx.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes(data, data + size);
  try {
    if (torchlet::detail::is_gzip(bytes)) bytes = torchlet::detail::gunzip(bytes, "fuzz.gz");
    auto t = torchlet::vision::parse_idx(bytes, "fuzz");
    volatile std::uint8_t sink = t.numel() ? t.data()[t.numel() - 1] : 0;
    (void)sink;
  } catch (const torchlet::FormatError&) {
  }
  return 0;
}
