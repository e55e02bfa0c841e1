// Test helper for examples/classify (tests/examples/check_classify.cmake):
//   write_digits OUT_DIR COUNT WEIGHTS.pt
// writes the first COUNT test digits of the bundled MNIST sample into OUT_DIR as
// digit_<index>_<label>.png (every fifth as .jpg), their paths one per line in
// OUT_DIR/paths.txt, a file that is not an image (OUT_DIR/broken.png), and the weights
// converted to safetensors (OUT_DIR/weights.safetensors).
#include <cstdio>
#include <fstream>
#include <string>

#include <torchlet/io.hpp>
#include <torchlet/vision.hpp>

int main(int argc, char** argv) {
  using namespace torchlet;
  if (argc != 4) {
    std::fprintf(stderr, "usage: write_digits OUT_DIR COUNT WEIGHTS.pt\n");
    return 2;
  }
  const std::string out = argv[1];
  const auto count = std::stoll(argv[2]);
  try {
    const vision::MNIST test_set(TORCHLET_SOURCE_DIR "/data/mnist", {.train = false});
    std::ofstream list(out + "/paths.txt");
    for (std::int64_t i = 0; i < count; ++i) {
      const std::string path = out + "/digit_" + std::to_string(i) + "_" +
                               std::to_string(test_set.targets.data()[i]) +
                               (i % 5 == 4 ? ".jpg" : ".png");
      const ByteTensor img = test_set.data[i];
      if (i % 5 == 4)
        vision::write_jpeg(img, path, 95);
      else
        vision::write_png(img, path);
      list << path << '\n';
    }
    std::ofstream(out + "/broken.png") << "this is not a PNG file\n";
    save(load(std::string(argv[3])), out + "/weights.safetensors");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_digits: %s\n", e.what());
    return 1;
  }
  return 0;
}
