// Fuzzes vision::decode_image (read_image without the file system), i.e. torchlet's
// checks in front of stb_image and stb_image itself. The read mode is the input size
// modulo 5, so every seed is a plain image file. Any input either decodes to a
// [C, H, W] ByteTensor with C as requested, or throws FormatError.
// The fuzz build defines FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, which lowers the
// decoded-size limit to 1 MiB (see vision/image.hpp): decoding a plausible 64 MiB image
// only repeats the same loops for a second (48 executions/s instead of thousands).
#include <cstdint>
#include <cstdlib>

#include <torchlet/vision/image.hpp>

namespace vision = torchlet::vision;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto mode = static_cast<vision::ImageReadMode>(size % 5);
  try {
    const auto img = vision::decode_image({data, size}, mode, "fuzz");
    if (img.dim() != 3 || img.size(0) < 1 || img.size(0) > 4 || img.size(1) < 1 || img.size(2) < 1)
      std::abort();
    if (mode != vision::ImageReadMode::UNCHANGED && img.size(0) != static_cast<std::int64_t>(mode))
      std::abort();
    volatile std::uint8_t sink = img.data()[img.numel() - 1];
    (void)sink;
  } catch (const torchlet::FormatError&) {
  }
  return 0;
}
