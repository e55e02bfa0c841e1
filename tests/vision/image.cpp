// read_image / decode_image through stb_image for every supported format (fixtures from
// scripts/make_io_vision_fixtures.py), write_png / write_jpeg round trips, and corrupt
// files: always a FormatError with the path and stb's reason, never a crash.
#include <torchlet/vision/image.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using vision::ImageReadMode;

namespace {
std::string image_path(const std::string& name) {
  return test::fixture_path("vision/images/" + name);
}
const io::SafetensorsFile& ref() { return test::fixture("vision/images.safetensors"); }
ByteTensor pattern(std::int64_t c, std::int64_t h, std::int64_t w) {
  auto t = ByteTensor::empty({c, h, w});
  for (std::int64_t i = 0; i < t.numel(); ++i)
    t.data()[i] = static_cast<std::uint8_t>((i * 37 + i / 7) % 256);
  return t;
}
}  // namespace

TEST_CASE("read_image decodes PNG, BMP, TGA, PNM and the first GIF frame to [C, H, W]") {
  for (const char* name :
       {"rgba.png", "gray16.png", "rgb.bmp", "rgb.tga", "rgb.ppm", "gray.pgm", "two_frames.gif"}) {
    INFO(name);
    const auto img = vision::read_image(image_path(name));
    CHECK(test::equal(img, ref().get<std::uint8_t>(name)));
  }
}

TEST_CASE("read_image converts channels as ImageReadMode asks") {
  const auto path = image_path("rgba.png");
  const auto rgba = ref().get<std::uint8_t>("rgba.png");
  CHECK(vision::read_image(path, ImageReadMode::RGB_ALPHA).shape() == Shape{4, 9, 11});
  const auto rgb = vision::read_image(path, ImageReadMode::RGB);
  CHECK(test::equal(rgb, ByteTensor(rgba.narrow(0, 0, 3).clone())));
  const auto gray = vision::read_image(path, ImageReadMode::GRAY);
  REQUIRE(gray.shape() == Shape{1, 9, 11});
  // stb's luma: (77 R + 150 G + 29 B) >> 8
  const std::int64_t k = 13, plane = 99;
  CHECK(gray.data()[k] ==
        (77 * rgba.data()[k] + 150 * rgba.data()[plane + k] + 29 * rgba.data()[2 * plane + k]) >>
            8);
  const auto ga = vision::read_image(path, ImageReadMode::GRAY_ALPHA);
  CHECK(ga.shape() == Shape{2, 9, 11});
  CHECK(ga.data()[plane + k] == rgba.data()[3 * plane + k]);
  CHECK(vision::read_image(image_path("gray.pgm"), ImageReadMode::RGB).shape() == Shape{3, 7, 5});
}

TEST_CASE("read_image decodes torchvision's JPEG close to libjpeg") {
  const auto img = vision::read_image(image_path("smooth.jpg"));
  const auto libjpeg = ref().get<std::uint8_t>("smooth.jpg");
  REQUIRE(img.shape() == Shape{3, 24, 32});
  double sum = 0;
  for (std::int64_t i = 0; i < img.numel(); ++i)
    sum += std::abs(int(img.data()[i]) - int(libjpeg.data()[i]));
  CHECK(sum / static_cast<double>(img.numel()) <
        1.5);  // two decoders' IDCT and upsampling differ slightly
  CHECK(test::max_abs_diff(img, libjpeg) <= 8);
}

TEST_CASE("write_png round-trips every channel count losslessly") {
  test::TempDir dir;
  for (std::int64_t c : {1, 2, 3, 4}) {
    INFO(c);
    const auto img = pattern(c, 10, 13);
    const auto path = dir.path() / (std::to_string(c) + "channels.png");
    vision::write_png(img, path.string());
    CHECK(test::equal(vision::read_image(path.string()), img));
    for (int level : {0, 9})
      CHECK(test::equal(vision::decode_image(vision::encode_png(img, level)), img));
  }
  vision::write_png(pattern(1, 4, 5)[0], dir / "hw.png");  // [H, W] is one channel
  CHECK(vision::read_image(dir / "hw.png").shape() == Shape{1, 4, 5});
  CHECK_THROWS_AS(vision::write_png(pattern(5, 4, 4), dir / "x.png"), ShapeError);
  CHECK_THROWS_AS(vision::encode_png(pattern(3, 4, 4), 10), std::invalid_argument);
  CHECK_THROWS_AS(vision::write_png(pattern(3, 4, 4), dir / "no/such/dir/x.png"), FormatError);
}

TEST_CASE("write_jpeg writes a JPEG stb decodes back closely") {
  test::TempDir dir;
  auto img = ByteTensor::empty({3, 16, 16});
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t y = 0; y < 16; ++y)
      for (std::int64_t x = 0; x < 16; ++x)
        img.data()[(c * 16 + y) * 16 + x] = static_cast<std::uint8_t>(60 + 8 * x + 4 * y + 20 * c);
  vision::write_jpeg(img, dir / "a.jpg", 95);
  const auto bytes = test::read_bytes(dir / "a.jpg");
  REQUIRE(bytes.size() > 2);
  CHECK(bytes[0] == 0xFF);
  CHECK(bytes[1] == 0xD8);  // SOI marker
  const auto back = vision::read_image(dir / "a.jpg");
  CHECK(test::max_abs_diff(back, img) <= 24);  // chroma subsampling blurs the colour edges
  double sum = 0;
  for (std::int64_t i = 0; i < img.numel(); ++i)
    sum += std::abs(int(back.data()[i]) - int(img.data()[i]));
  CHECK(sum / static_cast<double>(img.numel()) < 3);
  CHECK_THROWS_AS(vision::write_jpeg(pattern(4, 4, 4), dir / "b.jpg"), ShapeError);
  CHECK_THROWS_AS(vision::encode_jpeg(img, 0), std::invalid_argument);
}

TEST_CASE("corrupt and truncated images throw with the path and stb's reason") {
  test::TempDir dir;
  const auto png = vision::encode_png(pattern(3, 20, 20));
  const auto jpg = test::read_bytes(image_path("smooth.jpg"));
  const auto gif = test::read_bytes(image_path("two_frames.gif"));
  const auto bmp = test::read_bytes(image_path("rgb.bmp"));
  auto bad_crc = png;
  bad_crc[40] ^= 0x55;  // inside IDAT
  // PNG headers claiming 1,000,000 x 1,000,000 pixels (stb refuses: "too large") and a
  // gray 32768 x 32768 image (1 GB, which stb would allocate; read as RGBA it would need
  // 4 GB: refused by torchlet's limit before decoding).
  auto set_size = [](std::vector<std::uint8_t> b, std::uint32_t side, std::uint8_t color_type) {
    for (std::size_t at : {16u, 20u})
      for (int k = 0; k < 4; ++k)
        b[at + static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(side >> (24 - 8 * k));
    b[25] = color_type;
    return b;  // the IHDR CRC is now wrong, which stb does not check
  };
  const auto huge = set_size(png, 1000000, 2), gray_1gb = set_size(png, 32768, 0),
             gray_256mb = set_size(png, 16384, 0);
  // A DHT segment declaring 16 x 255 codes: stb 2.27 would write past its table.
  auto bad_dht = jpg;
  for (std::size_t i = 0; i + 21 < bad_dht.size(); ++i)
    if (bad_dht[i] == 0xFF && bad_dht[i + 1] == 0xC4) {
      for (std::size_t k = 5; k <= 20; ++k) bad_dht[i + k] = 0xFF;
      break;
    }
  struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Case> cases{{"empty.png", {}},
                          {"text.png", std::vector<std::uint8_t>(11, 'x')},
                          {"bad_crc.png", bad_crc},
                          {"huge.png", huge},
                          {"bad_dht.jpg", bad_dht}};
  for (std::size_t cut : {8u, 30u, 60u})
    cases.push_back({"cut.png", std::vector<std::uint8_t>(
                                    png.begin(), png.begin() + static_cast<std::ptrdiff_t>(cut))});
  for (std::size_t cut : {2u, 100u, 400u})
    cases.push_back({"cut.jpg", std::vector<std::uint8_t>(
                                    jpg.begin(), jpg.begin() + static_cast<std::ptrdiff_t>(cut))});
  for (std::size_t cut : {6u, 13u, 800u})
    cases.push_back({"cut.gif", std::vector<std::uint8_t>(
                                    gif.begin(), gif.begin() + static_cast<std::ptrdiff_t>(cut))});
  cases.push_back({"cut.bmp", std::vector<std::uint8_t>(bmp.begin(), bmp.begin() + 60)});
  for (const auto& c : cases) {
    INFO(c.name << " (" << c.bytes.size() << " bytes)");
    const auto path = dir / c.name;
    test::write_bytes(path, c.bytes);
    try {
      const auto img = vision::read_image(path);
      // stb fills what a truncated stream lacks in some formats; that is not a crash.
      CHECK(img.numel() > 0);
      WARN(c.name << " decoded to " << to_string(img.shape()));
    } catch (const FormatError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).rfind(path, 0) == 0);
      CHECK((test::mentions(e, "cannot decode image") || test::mentions(e, "empty")));
    }
  }
  CHECK_THROWS_AS(vision::read_image(dir / "missing.png"), FormatError);
  try {
    (void)vision::read_image(dir / "huge.png");
    FAIL("huge image accepted");
  } catch (const FormatError& e) {
    CHECK(test::mentions(e, "too large"));
  }
  test::write_bytes(dir / "gray_1gb.png", gray_1gb);
  try {
    (void)vision::read_image(dir / "gray_1gb.png", ImageReadMode::RGB_ALPHA);
    FAIL("4 GB image accepted");
  } catch (const FormatError& e) {
    CHECK(test::mentions(e, "32768 x 32768 x 4 would need 4294967296 bytes, more than the limit"));
  }
  // 256 MB from a file of a few hundred bytes: implausible, refused before stb allocates it.
  test::write_bytes(dir / "gray_256mb.png", gray_256mb);
  try {
    (void)vision::read_image(dir / "gray_256mb.png");
    FAIL("256 MB image from a tiny file accepted");
  } catch (const FormatError& e) {
    CHECK(test::mentions(
        e, "16384 x 16384 x 1 would need 268435456 bytes, implausible for a file of"));
  }
  try {
    (void)vision::read_image(dir / "bad_dht.jpg");
    FAIL("corrupt Huffman table accepted");
  } catch (const FormatError& e) {
    CHECK(test::mentions(e, "Huffman table declares 4080 codes"));
  }
  try {
    (void)vision::read_image(dir / "text.png");
    FAIL("text accepted");
  } catch (const FormatError& e) {
    CHECK(test::mentions(e, "unknown image type"));  // stb's reason
  }
}

}  // namespace TORCHLET_TEST_FILE
