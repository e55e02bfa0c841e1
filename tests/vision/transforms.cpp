// vision::transforms against torchvision 0.14 (fixtures from scripts/make_io_vision_fixtures.py),
// Compose passing rvalues, Normalize in place, and seeded random transforms.
#include <set>
#include <thread>

#include <torchlet/data/dataloader.hpp>
#include <torchlet/vision/transforms.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using namespace torchlet::vision::transforms;
namespace F = torchlet::vision::transforms::functional;

namespace {
const io::SafetensorsFile& fx() { return test::fixture("vision/transforms.safetensors"); }
ByteTensor u8() { return fx().get<std::uint8_t>("u8"); }
Tensor f32() { return fx().get<float>("f32"); }

/// Fraction of elements differing by more than tol.
template <class T>
double mismatch(const BasicTensor<T>& a, const BasicTensor<T>& b, double tol) {
  REQUIRE(a.shape() == b.shape());
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i)
    bad += std::abs(static_cast<double>(a.data()[i]) - static_cast<double>(b.data()[i])) > tol;
  return static_cast<double>(bad) / static_cast<double>(a.numel());
}
}  // namespace

TEST_CASE("Resize matches torchvision's bilinear without antialias and nearest") {
  for (auto [h, w] : {std::pair{7, 9}, {26, 34}, {13, 5}, {20, 20}, {13, 17}}) {
    const std::string tag = std::to_string(h) + "x" + std::to_string(w);
    INFO(tag);
    // float: within an ulp of PyTorch's kernel.
    CHECK(test::max_abs_diff(Resize({h, w})(f32()), fx().get<float>("resize_bilinear_f32_" + tag)) <
          2e-7);
    // uint8: interpolated in float then rounded half to even, as torchvision does; an ulp
    // of difference can only flip a value that lands exactly on .5.
    const auto r8 = Resize({h, w})(u8());
    const auto want8 = fx().get<std::uint8_t>("resize_bilinear_u8_" + tag);
    CHECK(test::max_abs_diff(r8, want8) <= 1);
    CHECK(mismatch(r8, want8, 0) < 0.01);
    CHECK(test::equal(Resize({h, w}, InterpolationMode::NEAREST)(u8()),
                      fx().get<std::uint8_t>("resize_nearest_u8_" + tag)));
  }
  const auto short10 = Resize(10)(f32());
  CHECK(short10.shape() == Shape{3, 10, 13});  // smaller edge 10, 17 * 10 / 13 truncated
  CHECK(test::max_abs_diff(short10, fx().get<float>("resize_short_10_f32")) < 2e-7);
  CHECK(test::max_abs_diff(Resize(30, InterpolationMode::BILINEAR, 40)(u8()),
                           fx().get<std::uint8_t>("resize_short_30_max40_u8")) <= 1);
  // Batches [B, C, H, W] and 2-D images resize plane by plane.
  auto batch = zeros({2, 3, 13, 17});
  batch[1].copy_(f32());
  CHECK(test::equal(Resize({7, 9})(batch)[1], Resize({7, 9})(f32())));
  CHECK(Resize({4, 4})(u8()[0]).shape() == Shape{4, 4});
  CHECK_THROWS_AS(Resize({0, 3}), std::invalid_argument);
  CHECK_THROWS_AS(Resize({2, 3, 4}), std::invalid_argument);
  CHECK_THROWS_AS(Resize(3)(ByteTensor::empty({5})), ShapeError);
}

TEST_CASE("CenterCrop, Pad, flips and Grayscale match torchvision") {
  for (auto [h, w] : {std::pair{8, 8}, {13, 17}, {16, 20}, {5, 6}, {4, 17}}) {
    INFO(h << "x" << w);
    CHECK(test::equal(
        CenterCrop({h, w})(u8()),
        fx().get<std::uint8_t>("center_crop_u8_" + std::to_string(h) + "x" + std::to_string(w))));
  }
  CHECK(CenterCrop(4)(u8()).shape() == Shape{3, 4, 4});
  const std::pair<const char*, PaddingMode> modes[] = {{"constant", PaddingMode::constant},
                                                       {"edge", PaddingMode::edge},
                                                       {"reflect", PaddingMode::reflect},
                                                       {"symmetric", PaddingMode::symmetric}};
  for (auto [name, mode] : modes) {
    INFO(name);
    const Pad pad{{1, 2, 3, 4}, mode == PaddingMode::constant ? 7.0 : 0.0, mode};
    CHECK(test::equal(pad(u8()), fx().get<std::uint8_t>(std::string("pad_") + name + "_u8")));
  }
  const Pad too_wide{{20}, 0, PaddingMode::reflect}, too_bright{{1}, 300};
  CHECK_THROWS_AS(too_wide(u8()), std::invalid_argument);
  CHECK_THROWS_AS(too_bright(u8()), std::invalid_argument);  // fill does not fit uint8
  CHECK(test::equal(F::hflip(u8()), fx().get<std::uint8_t>("hflip_u8")));
  CHECK(test::equal(F::vflip(f32()), fx().get<float>("vflip_f32")));
  CHECK(test::equal(Grayscale{}(u8()), fx().get<std::uint8_t>("gray_u8")));
  CHECK(test::max_abs_diff(Grayscale{3}(f32()), fx().get<float>("gray3_f32")) < 1e-6);
  CHECK_THROWS_AS(Grayscale{}(ByteTensor::empty({2, 4, 4})), ShapeError);
}

TEST_CASE("rotate matches torchvision's grid_sample rotation") {
  const std::pair<const char*, double> angles[] = {
      {"30", 30.0}, {"m45", -45.0}, {"90", 90.0}, {"7p5", 7.5}};
  for (auto [tag, angle] : angles) {
    INFO(tag);
    // Nearest: the same pixels except where a sample point falls on a rounding tie.
    CHECK(mismatch(F::rotate(u8(), angle),
                   fx().get<std::uint8_t>(std::string("rotate_nearest_u8_") + tag), 0) < 0.02);
    CHECK(test::max_abs_diff(F::rotate(f32(), angle, InterpolationMode::BILINEAR),
                             fx().get<float>(std::string("rotate_bilinear_f32_") + tag)) < 1e-4);
  }
  const auto expanded = F::rotate(u8(), 30, InterpolationMode::BILINEAR, true, {}, 5);
  CHECK(expanded.shape() == fx().get<std::uint8_t>("rotate_expand_bilinear_u8_30").shape());
  CHECK(mismatch(expanded, fx().get<std::uint8_t>("rotate_expand_bilinear_u8_30"), 1) < 0.01);
  CHECK(test::equal(F::rotate(u8(), 0.0), u8()));
}

TEST_CASE("ToTensor, Normalize and ConvertImageDtype match torchvision to the bit") {
  CHECK(test::equal(ToTensor{}(u8()), fx().get<float>("to_tensor_u8")));
  CHECK(test::equal(Normalize{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}}(f32()),
                    fx().get<float>("normalize_f32")));
  CHECK(test::equal(ConvertImageDtype<float>{}(u8()), fx().get<float>("convert_u8_to_f32")));
  CHECK(test::equal(ConvertImageDtype<std::uint8_t>{}(f32()),
                    fx().get<std::uint8_t>("convert_f32_to_u8")));
  CHECK(test::equal(ConvertImageDtype<std::int64_t>{}(u8()),
                    fx().get<std::int64_t>("convert_u8_to_i64")));
  // Out-of-range floats saturate instead of wrapping.
  CHECK(ConvertImageDtype<std::uint8_t>{}(tensor<float>({-1.f, 2.f})).to_vector() ==
        std::vector<std::uint8_t>{0, 255});
  const Normalize two_channels{{0.5f, 0.5f}, {0.5f, 0.5f}}, zero_std{{0.5f}, {0.f}};
  CHECK_THROWS_AS(two_channels(f32()), std::invalid_argument);
  CHECK_THROWS_AS(zero_std(f32()), std::invalid_argument);
  CHECK_THROWS_AS(ToTensor{}(ByteTensor::empty({1, 1, 2, 2})), ShapeError);
}

TEST_CASE("Normalize works in place only on an unshared rvalue") {
  const Normalize norm{{0.5f}, {0.5f}};
  const Tensor x = full({1, 2, 2}, 1.0f);
  const Tensor y = norm(x);  // lvalue: a new tensor
  CHECK(y.data() != x.data());
  CHECK(x.data()[0] == 1.0f);
  Tensor shared = x;
  const Tensor z = norm(std::move(shared));  // rvalue, but x shares the storage: copied
  CHECK(z.data() != x.data());
  CHECK(x.data()[0] == 1.0f);
  Tensor own = full({1, 2, 2}, 1.0f);
  const float* p = own.data();
  const Tensor w = norm(std::move(own));  // unshared rvalue: in place
  CHECK(w.data() == p);
  CHECK(w.data()[0] == 1.0f);
  const Tensor v = Normalize{{0.5f}, {0.25f}, true}(x);  // inplace = true
  CHECK(v.data() == x.data());
  CHECK(x.data()[0] == 2.0f);
  // Compose hands ToTensor's fresh result to Normalize as an rvalue: one allocation.
  const auto tf = Compose{ToTensor{}, Normalize{{0.5f}, {0.5f}}};
  CHECK(tf(u8()).shape() == Shape{3, 13, 17});
  CHECK(Compose<ToTensor, Normalize>::elementwise);
  CHECK_FALSE(Compose<ToTensor, Normalize, RandomHorizontalFlip>::elementwise);
}

TEST_CASE("Lambda and Compose chain any callables") {
  const auto tf = Compose{ToTensor{}, Lambda{[](Tensor x) { return x * 2.0f; }}, CenterCrop(3)};
  const auto out = tf(u8());
  CHECK(out.shape() == Shape{3, 3, 3});
  CHECK(out.data()[0] == 2.0f * static_cast<float>(u8().data()[5 * 17 + 7]) / 255.0f);
  const vision::ImageTransform erased = tf;
  CHECK(bool(erased));
  CHECK_FALSE(erased.elementwise());
  CHECK(test::equal(erased(u8()), out));
  CHECK(vision::ImageTransform(Compose{ToTensor{}, Normalize{{0.f}, {1.f}}}).elementwise());
  CHECK_FALSE(bool(vision::ImageTransform{}));
}

TEST_CASE("random transforms are reproducible through the generator guard") {
  const auto tf = Compose{RandomCrop(9, {2}), RandomHorizontalFlip{}, RandomRotation(10.0)};
  auto run = [&](std::uint64_t seed) {
    Generator gen(seed);
    GeneratorGuard guard(gen);
    return tf(u8());
  };
  CHECK(test::equal(run(1), run(1)));
  CHECK_FALSE(test::equal(run(1), run(2)));
  // Guards nest and restore the previous generator.
  Generator outer(5), inner(6);
  {
    GeneratorGuard g1(outer);
    CHECK(&current_generator() == &outer);
    {
      GeneratorGuard g2(inner);
      CHECK(&current_generator() == &inner);
    }
    CHECK(&current_generator() == &outer);
  }
  CHECK(&current_generator() == &default_generator());
  // Without a guard: the default generator, so manual_seed makes runs repeat.
  manual_seed(3);
  const auto a = tf(u8());
  manual_seed(3);
  CHECK(test::equal(tf(u8()), a));
  // A worker thread with its own guard draws what the main thread would with the same seed.
  ByteTensor from_thread;
  std::thread t([&] { from_thread = run(11); });
  t.join();
  CHECK(test::equal(from_thread, run(11)));
}

TEST_CASE("RandomCrop covers every offset and pads as asked") {
  Generator gen(0);
  GeneratorGuard guard(gen);
  auto img = ByteTensor::empty({1, 4, 4});
  for (int i = 0; i < 16; ++i) img.data()[i] = static_cast<std::uint8_t>(i);
  std::set<int> corners;
  for (int k = 0; k < 400; ++k) corners.insert(RandomCrop(2)(img).data()[0]);
  CHECK(corners == std::set<int>{0, 1, 2, 4, 5, 6, 8, 9, 10});
  const auto padded = RandomCrop(8, {2})(img);  // 4 + 2 * 2 = 8: the whole padded image
  CHECK(test::equal(padded, F::pad(img, {2})));
  CHECK(RandomCrop({6, 5}, {}, true)(img).shape() == Shape{1, 6, 5});
  CHECK_THROWS_AS(RandomCrop(5)(img), std::invalid_argument);
  int flips = 0;
  for (int k = 0; k < 1000; ++k) flips += RandomHorizontalFlip{}(img).data()[0] == 3;
  CHECK(flips > 400);
  CHECK(flips < 600);
  CHECK(test::equal(RandomHorizontalFlip{0.0}(img), img));
  CHECK(test::equal(RandomVerticalFlip{1.0}(img), F::vflip(img)));
}

TEST_CASE("in DataLoader workers random transforms draw from the worker's seeded generator") {
  struct Augmented {
    ByteTensor img = u8();
    std::size_t size() const { return 32; }
    Tensor operator[](std::size_t) const {
      return Compose{RandomCrop(9, {2}), RandomHorizontalFlip{}, ToTensor{}}(img);
    }
  };
  auto epoch = [](std::size_t workers, std::uint64_t default_seed) {
    manual_seed(default_seed);  // must not matter: workers do not touch the default generator
    data::DataLoader loader(Augmented{}, {.batch_size = 4, .num_workers = workers, .seed = 99});
    std::vector<Tensor> out;
    for (auto batch : loader) out.push_back(batch);
    return out;
  };
  const auto a = epoch(2, 1), b = epoch(2, 2);
  REQUIRE(a.size() == 8);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(test::equal(a[i], b[i]));
  // Different samples of a batch got different crops.
  CHECK_FALSE(test::equal(a[0][0], a[0][1]));
}

}  // namespace TORCHLET_TEST_FILE
