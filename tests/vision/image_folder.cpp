// vision::ImageFolder: torchvision's class and sample order (checked against
// torchvision 0.14 on the same layout), lazy decoding, transforms, errors.
#include <torchlet/vision/image_folder.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {
ByteTensor solid(std::uint8_t v, std::int64_t c = 3) { return full<std::uint8_t>({c, 4, 6}, v); }
/// root/cat/1.png, root/dog/{A.JPG, Z.png, b.png, z.png, notes.txt, sub/a.png,
/// sub-x/c.png, sub/deeper/d.png}: pixel value = position in torchvision's order.
void make_tree(const test::TempDir& dir) {
  const std::pair<const char*, std::uint8_t> files[] = {
      {"cat/1.png", 0},     {"dog/Z.png", 2},       {"dog/b.png", 3},           {"dog/z.png", 4},
      {"dog/sub/a.png", 5}, {"dog/sub-x/c.png", 6}, {"dog/sub/deeper/d.png", 7}};
  for (auto [name, v] : files) {
    std::filesystem::create_directories(std::filesystem::path(dir / name).parent_path());
    vision::write_png(solid(v), dir / name);
  }
  vision::write_jpeg(solid(1), dir / "dog/A.JPG", 100);
  test::write_text(dir / "dog/notes.txt", "hi");
}
}  // namespace

TEST_CASE("ImageFolder lists classes and samples in torchvision's order") {
  test::TempDir dir;
  make_tree(dir);
  vision::ImageFolder ds(dir.path().string());
  CHECK(ds.classes() == std::vector<std::string>{"cat", "dog"});
  CHECK(ds.class_to_idx() == std::map<std::string, std::int64_t>{{"cat", 0}, {"dog", 1}});
  REQUIRE(ds.size() == 8);
  const char* order[] = {"cat/1.png", "dog/A.JPG",     "dog/Z.png",       "dog/b.png",
                         "dog/z.png", "dog/sub/a.png", "dog/sub-x/c.png", "dog/sub/deeper/d.png"};
  for (std::size_t i = 0; i < 8; ++i) {
    INFO(i);
    CHECK(ds.samples[i].first == dir / order[i]);
    CHECK(ds.samples[i].second == (i == 0 ? 0 : 1));
    CHECK(ds.targets[i] == ds.samples[i].second);
    const auto [x, y] = ds[i];  // decoded now, ToTensor'd by default
    CHECK(x.shape() == Shape{3, 4, 6});
    CHECK(std::abs(x.data()[5] * 255.0f - static_cast<float>(i)) < 1.5f);
    CHECK(y == ds.samples[i].second);
  }
  CHECK_THROWS_AS(ds[8], std::out_of_range);
}

TEST_CASE("ImageFolder applies its options lazily") {
  test::TempDir dir;
  make_tree(dir);
  using namespace vision::transforms;
  int loads = 0;
  vision::ImageFolder ds(
      dir.path().string(),
      {.transform = Compose{CenterCrop(2), ToTensor{}, Normalize{{0.5f}, {0.5f}}},
       .target_transform = [](std::int64_t y) { return 10 * y; },
       .extensions = {".png"},
       .mode = vision::ImageReadMode::GRAY,
       .loader =
           [&loads](const std::string& p) {
             ++loads;
             return vision::read_image(p, vision::ImageReadMode::GRAY);
           }});
  CHECK(ds.size() == 7);  // .JPG is not in the list
  CHECK(loads == 0);      // nothing decoded by the constructor
  const auto [x, y] = ds[6];
  CHECK(loads == 1);
  CHECK(x.shape() == Shape{1, 2, 2});
  CHECK(y == 10);
}

TEST_CASE("ImageFolder reports missing classes, empty classes and unreadable images") {
  test::TempDir dir;
  CHECK_THROWS_AS(vision::ImageFolder(dir / "nope"), vision::DatasetNotFoundError);
  CHECK_THROWS_AS(vision::ImageFolder(dir.path().string()),
                  vision::DatasetNotFoundError);  // no class folder
  vision::write_png(solid(1), dir / "a.png");     // a file at the top is not a class
  std::filesystem::create_directories(dir / "cls");
  std::filesystem::create_directories(dir / "empty");
  vision::write_png(solid(1), dir / "cls/x.png");
  try {
    vision::ImageFolder ds(dir.path().string());
    FAIL("empty class accepted");
  } catch (const vision::DatasetNotFoundError& e) {
    CHECK(test::mentions(e, "found no valid file for the classes empty"));
    CHECK(test::mentions(e, ".png"));
  }
  std::filesystem::remove(dir / "empty");
  test::write_text(dir / "cls/y.png", "not a png");
  vision::ImageFolder ds(dir.path().string());
  CHECK(ds.size() == 2);
  CHECK_NOTHROW(ds[0]);
  try {
    (void)ds[1];
    FAIL("corrupt image decoded");
  } catch (const FormatError& e) {
    CHECK(test::mentions(e, dir / "cls/y.png"));
  }
}

}  // namespace TORCHLET_TEST_FILE
