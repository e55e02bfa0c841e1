// IDX parsing (every corrupt case a FormatError naming the file) and the MNIST-style
// datasets: torchvision's layout and classes, the per-pixel table fast path, get_batch.
#include <numeric>

#include <torchlet/vision/mnist.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using vision::MNIST;

namespace {
std::vector<std::uint8_t> iota_bytes(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 7 % 256);
  return v;
}
}  // namespace

TEST_CASE("read_idx reads raw and gzip IDX files of any rank") {
  test::TempDir dir;
  const auto raw = test::idx_bytes({2, 3, 4}, iota_bytes(24));
  test::write_bytes(dir / "a-idx3-ubyte", raw);
  test::write_bytes(dir / "a-idx3-ubyte.gz", test::gzip_stored(raw));
  for (auto name : {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
    const auto t = vision::read_idx(dir / name, 3);
    CHECK(t.shape() == Shape{2, 3, 4});
    CHECK(t.to_vector() == iota_bytes(24));
  }
  test::write_bytes(dir / "l", test::idx_bytes({5}, {1, 2, 3, 4, 5}));
  CHECK(vision::read_idx(dir / "l").to_vector() == std::vector<std::uint8_t>{1, 2, 3, 4, 5});
  test::write_bytes(dir / "e", test::idx_bytes({0, 28, 28}, {}));
  CHECK(vision::read_idx(dir / "e").shape() == Shape{0, 28, 28});
}

TEST_CASE("every corrupt IDX file is a FormatError naming the file and the problem") {
  test::TempDir dir;
  const auto good = test::idx_bytes({2, 3, 4}, iota_bytes(24));
  auto with_trailing = good;
  with_trailing.push_back(0);
  auto gz_bad_crc = test::gzip_stored(good);
  gz_bad_crc[gz_bad_crc.size() - 5] ^= 0xFF;
  // A 40-byte gzip file whose trailer claims 2 GB: refused before allocating.
  auto gz_huge = test::gzip_stored(std::vector<std::uint8_t>(15, 0));
  gz_huge[gz_huge.size() - 1] = 0x7F;
  struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
    int rank;
    const char* message;
  };
  const std::vector<Case> cases{
      {"empty", {}, 0, "too short"},
      {"short magic", {0, 0, 8}, 0, "too short"},
      {"wrong magic", {0x50, 0x4B, 3, 4, 0, 0, 0, 0}, 0, "wrong magic number 0x504B0304"},
      {"float data",
       {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0},
       0,
       "unsupported IDX data type 0x0D (float)"},
      {"wrong rank", test::idx_bytes({24}, iota_bytes(24)), 3, "expected 3 dimensions"},
      {"zero dims", {0, 0, 8, 0}, 0, "zero dimensions"},
      {"truncated header", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0}, 3, "truncated header"},
      {"truncated data", std::vector<std::uint8_t>(good.begin(), good.end() - 1), 3,
       "truncated: dimensions [2, 3, 4] need 24 bytes of data, found 23"},
      {"trailing garbage", with_trailing, 3, "1 unexpected trailing bytes"},
      {"huge dims", test::idx_bytes({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {1, 2, 3, 4}), 3,
       "describe more than"},
      {"huge dims with a zero", test::idx_bytes({0xFFFFFFFF, 0xFFFFFFFF, 0}, {}), 3,
       "describe more than"},
      {"100 GB from 40 bytes",
       test::idx_bytes({100000, 1000, 1000}, std::vector<std::uint8_t>(24, 0)), 3,
       "describe more than"},
      {"gzip bad crc", gz_bad_crc, 3, "CRC-32 mismatch"},
      {"gzip truncated", std::vector<std::uint8_t>(gz_bad_crc.begin(), gz_bad_crc.begin() + 20), 3,
       "invalid gzip data"},
      {"gzip claims 2 GB", gz_huge, 3, "invalid gzip data: declared size"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const std::string path = dir / (std::string(c.name) + ".idx");
    test::write_bytes(path, c.bytes);
    try {
      (void)vision::read_idx(path, c.rank);
      FAIL("no exception");
    } catch (const FormatError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).rfind(path, 0) == 0);
      CHECK(test::mentions(e, c.message));
    }
  }
  CHECK_THROWS_AS(vision::read_idx(dir / "missing"), FormatError);
  CHECK_THROWS_AS(vision::read_idx(dir.path().string()), FormatError);  // a directory
}

TEST_CASE("MNIST reads the bundled sample with torchvision's data, targets and classes") {
  MNIST train(TORCHLET_SOURCE_DIR "/data/mnist");
  MNIST test_set(TORCHLET_SOURCE_DIR "/data/mnist", {.train = false});
  CHECK(train.size() == 8000);
  CHECK(test_set.size() == 2000);
  CHECK(train.data.shape() == Shape{8000, 28, 28});
  CHECK(train.targets.shape() == Shape{8000});
  CHECK(train.train());
  CHECK_FALSE(test_set.train());
  CHECK(train.classes().size() == 10);
  CHECK(train.classes()[3] == "3 - three");
  CHECK(train.class_to_idx().at("7 - seven") == 7);
  const auto [x, y] = train[0];
  CHECK(x.shape() == Shape{1, 28, 28});
  CHECK(y == train.targets.data()[0]);
  CHECK(x.data()[300] == static_cast<float>(train.data.data()[300]) / 255.0f);
  CHECK_THROWS_AS(train[8000], std::out_of_range);
  CHECK_THROWS_AS(MNIST("/nonexistent/dir"), vision::DatasetNotFoundError);
}

TEST_CASE("the per-pixel table gives exactly what the transform gives") {
  using namespace vision::transforms;
  const auto tf = Compose{ToTensor{}, Normalize{{0.1307f}, {0.3081f}}};
  MNIST fast(TORCHLET_SOURCE_DIR "/data/mnist", {.train = false, .transform = tf});
  CHECK(fast.uses_pixel_table());
  // The same pipeline hidden in a lambda is not declared elementwise: the generic path.
  MNIST slow(TORCHLET_SOURCE_DIR "/data/mnist",
             {.train = false, .transform = [tf](const ByteTensor& b) { return tf(b); }});
  CHECK_FALSE(slow.uses_pixel_table());
  for (std::size_t i : {0u, 1u, 999u, 1999u}) {
    const auto a = fast[i], b = slow[i];
    CHECK(test::equal(a.first, b.first));
    CHECK(a.second == b.second);
    CHECK(test::equal(a.first, tf(fast.data[static_cast<std::int64_t>(i)])));
  }
  // ConvertImageDtype keeps [H, W] images 2-D.
  MNIST conv(TORCHLET_SOURCE_DIR "/data/mnist",
             {.train = false, .transform = ConvertImageDtype<float>{}});
  CHECK(conv.uses_pixel_table());
  CHECK(conv[5].first.shape() == Shape{28, 28});
}

TEST_CASE("get_batch equals collating operator[] and reuses unshared buffers") {
  using namespace vision::transforms;
  for (bool table : {true, false}) {
    INFO("table " << table);
    const auto tf = Compose{ToTensor{}, Normalize{{0.5f}, {0.25f}}};
    vision::MNISTOptions opts{.train = false,
                              .transform = tf,
                              .target_transform = [](std::int64_t y) { return y + 100; }};
    if (!table) opts.transform = [tf](const ByteTensor& b) { return tf(b); };
    MNIST ds(TORCHLET_SOURCE_DIR "/data/mnist", opts);
    CHECK(ds.uses_pixel_table() == table);
    const std::vector<std::size_t> idx{5, 0, 1999, 5, 42};
    Tensor images;
    LongTensor labels;
    ds.get_batch(idx, images, labels);
    REQUIRE(images.shape() == Shape{5, 1, 28, 28});
    REQUIRE(labels.shape() == Shape{5});
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const auto [x, y] = ds[idx[k]];
      CHECK(test::equal(images[static_cast<std::int64_t>(k)].reshape({1, 28, 28}), x));
      CHECK(labels.data()[k] == y);
      CHECK(y >= 100);
    }
    const float* buffer = images.data();
    ds.get_batch(idx, images, labels);
    CHECK(images.data() == buffer);  // same shape, nothing else holds it: written in place
    const Tensor kept = images;      // the caller keeps the batch: a new buffer is made
    ds.get_batch(idx, images, labels);
    CHECK(images.data() != kept.data());
    const std::vector<std::size_t> bad{1, 2000};
    CHECK_THROWS_AS(ds.get_batch(bad, images, labels), std::out_of_range);
    auto [bi, bl] = ds.get_batch(std::vector<std::size_t>{});
    CHECK(bi.shape() == Shape{0, 1, 28, 28});
    CHECK(bl.numel() == 0);
  }
}

TEST_CASE("MNIST-style datasets find torchvision's layout and validate their files") {
  test::TempDir dir;
  const auto images = test::idx_bytes({3, 2, 2}, iota_bytes(12));
  const auto labels = test::idx_bytes({3}, {0, 9, 4});
  test::write_bytes(dir / "KMNIST/raw/train-images-idx3-ubyte.gz", test::gzip_stored(images));
  test::write_bytes(dir / "KMNIST/raw/train-labels-idx1-ubyte", labels);
  vision::KMNIST k(dir.path().string());
  CHECK(k.size() == 3);
  CHECK(k.classes()[9] == "wo");
  CHECK(k[1].second == 9);
  CHECK(k[1].first.shape() == Shape{1, 2, 2});
  CHECK_THROWS_AS(vision::FashionMNIST(dir.path().string()), vision::DatasetNotFoundError);

  test::write_bytes(dir / "FashionMNIST/raw/train-images-idx3-ubyte", images);
  test::write_bytes(dir / "FashionMNIST/raw/train-labels-idx1-ubyte", test::idx_bytes({2}, {0, 9}));
  try {
    vision::FashionMNIST f(dir.path().string());
    FAIL("count mismatch accepted");
  } catch (const FormatError& e) {
    CHECK(test::mentions(e, "has 3 images but"));
    CHECK(test::mentions(e, "has 2 labels"));
    CHECK(test::mentions(e, "train-labels-idx1-ubyte"));
  }
  test::write_bytes(dir / "FashionMNIST/raw/train-labels-idx1-ubyte",
                    test::idx_bytes({3, 1}, {0, 9, 1}));
  try {
    vision::FashionMNIST f(dir.path().string());
    FAIL("labels of rank 2 accepted");
  } catch (const FormatError& e) {
    CHECK(test::mentions(e, "expected 1 dimensions"));
  }

  test::write_bytes(dir / "any/img", test::idx_bytes({2, 3, 2, 2}, iota_bytes(24)));
  test::write_bytes(dir / "any/lbl", test::idx_bytes({2}, {2, 0}));
  vision::IDXDataset any(dir / "any/img", dir / "any/lbl");
  CHECK(any.size() == 2);
  CHECK(any.classes() == std::vector<std::string>{"0", "1", "2"});
  CHECK(any[0].first.shape() == Shape{3, 2, 2});
  CHECK_FALSE(any.uses_pixel_table());
}

TEST_CASE("FashionMNIST reads Debian's dataset-fashion-mnist when it is installed") {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(root + "/train-images-idx3-ubyte.gz")) {
    WARN("SKIPPED: " << root << " is not installed");
    return;
  }
  vision::FashionMNIST train(root);
  CHECK(train.size() == 60000);
  CHECK(train.classes()[9] == "Ankle boot");
  CHECK(train.targets.data()[0] == 9);  // the first training image is an ankle boot
}

}  // namespace TORCHLET_TEST_FILE
