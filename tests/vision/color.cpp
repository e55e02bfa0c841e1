// Colour transforms (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue,
// ColorJitter) and resized crops (resized_crop, RandomResizedCrop) against torchvision 0.14
// (fixtures from scripts/make_vision_color_fixtures.py), and the random transforms' draws.
#include <cmath>
#include <set>

#include <torchlet/vision/transforms.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using namespace torchlet::vision::transforms;
namespace F = torchlet::vision::transforms::functional;

namespace {
const io::SafetensorsFile& fx() { return test::fixture("vision/color.safetensors"); }
ByteTensor u8() { return fx().get<std::uint8_t>("u8"); }
Tensor f32() { return fx().get<float>("f32"); }

std::string tag(double x) {
  std::string s = std::to_string(x);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s += '0';
  for (auto& ch : s) ch = ch == '-' ? 'm' : ch == '.' ? 'p' : ch;
  return s;
}

/// uint8 results: computed in float as torchvision does, then rounded toward zero, so an ulp
/// of difference in the float value (a mean summed in another order; a multiply-add the
/// compiler fuses into one FMA, which -march=native allows) can only move a pixel that lands
/// on a whole number by one. adjust_hue's round trip x / 255 -> HSV -> RGB -> * 255 lands
/// just below a whole number often (PyTorch's own results show it): built with FMA, 2-4% of
/// its pixels moved by one here (clang 16, -march=native), none without.
void check_u8(const ByteTensor& got, const ByteTensor& want) {
  REQUIRE(got.shape() == want.shape());
  std::int64_t off = 0;
  for (std::int64_t i = 0; i < got.numel(); ++i) {
    const int d = std::abs(int(got.data()[i]) - int(want.data()[i]));
    CHECK(d <= 1);
    off += d != 0;
  }
  CHECK(off * 20 <= got.numel());  // at most 5% of the pixels one step off
}
}  // namespace

TEST_CASE("adjust_brightness, adjust_contrast and adjust_saturation match torchvision") {
  for (const double f : {0.0, 0.3, 1.0, 1.7}) {
    INFO("factor " << f);
    CHECK(test::max_abs_diff(F::adjust_brightness(f32(), f),
                             fx().get<float>("brightness_f32_" + tag(f))) < 1e-6);
    CHECK(test::max_abs_diff(F::adjust_contrast(f32(), f),
                             fx().get<float>("contrast_f32_" + tag(f))) < 1e-6);
    CHECK(test::max_abs_diff(F::adjust_saturation(f32(), f),
                             fx().get<float>("saturation_f32_" + tag(f))) < 1e-6);
    check_u8(F::adjust_brightness(u8(), f), fx().get<std::uint8_t>("brightness_u8_" + tag(f)));
    check_u8(F::adjust_contrast(u8(), f), fx().get<std::uint8_t>("contrast_u8_" + tag(f)));
    check_u8(F::adjust_saturation(u8(), f), fx().get<std::uint8_t>("saturation_u8_" + tag(f)));
  }
  // Brightness 1 and saturation 1 give the image back; contrast 0 a uniform gray per image.
  CHECK(test::equal(F::adjust_brightness(u8(), 1.0), u8()));
  const auto flat = F::adjust_contrast(f32(), 0.0);
  CHECK(flat.max().item() == flat.min().item());
  // A batch: one mean per image. A gray image: contrast against its own mean; saturation
  // and hue leave it as it is.
  const auto batch = fx().get<float>("batch"), gray = fx().get<float>("gray");
  CHECK(test::max_abs_diff(F::adjust_contrast(batch, 0.5), fx().get<float>("contrast_batch_0p5")) <
        1e-6);
  CHECK(test::max_abs_diff(F::adjust_contrast(gray, 1.5), fx().get<float>("contrast_gray_1p5")) <
        1e-6);
  CHECK(test::max_abs_diff(F::adjust_brightness(gray, 0.5),
                           fx().get<float>("brightness_gray_0p5")) < 1e-6);
  CHECK(F::adjust_saturation(gray, 0.2).is_same(gray));
  CHECK(F::adjust_hue(gray, 0.2).is_same(gray));
}

TEST_CASE("adjust_hue matches torchvision through HSV and back") {
  for (const double h : {-0.5, -0.2, 0.0, 0.1, 0.37, 0.5}) {
    INFO("hue_factor " << h);
    CHECK(test::max_abs_diff(F::adjust_hue(f32(), h), fx().get<float>("hue_f32_" + tag(h))) < 2e-6);
    check_u8(F::adjust_hue(u8(), h), fx().get<std::uint8_t>("hue_u8_" + tag(h)));
  }
  CHECK(test::max_abs_diff(F::adjust_hue(fx().get<float>("batch"), 0.25),
                           fx().get<float>("hue_batch_0p25")) < 2e-6);
  // Pure red shifted by a third of a turn is green, by half a turn cyan; white stays white.
  auto px = ByteTensor::empty({3, 1, 2});
  const std::uint8_t values[6] = {255, 255, 0, 255, 0, 255};  // [R, G, B] of red, white
  std::copy_n(values, 6, px.data());
  const auto third = F::adjust_hue(px, 1.0 / 3.0);
  CHECK(third.to_vector() == std::vector<std::uint8_t>{0, 255, 255, 255, 0, 255});
  const auto half = F::adjust_hue(px, 0.5);
  CHECK(half.to_vector() == std::vector<std::uint8_t>{0, 255, 255, 255, 255, 255});
}

TEST_CASE("colour adjustments reject bad factors and channel counts with clear messages") {
  CHECK_THROWS_WITH(F::adjust_hue(f32(), 0.6),
                    Catch::Contains("adjust_hue: hue_factor (0.600000) is not in [-0.5, 0.5]"));
  CHECK_THROWS_WITH(F::adjust_brightness(f32(), -1.0),
                    Catch::Contains("adjust_brightness: brightness_factor (-1.000000) is not "
                                    "non-negative"));
  CHECK_THROWS_AS(F::adjust_contrast(f32(), std::nan("")), std::invalid_argument);
  CHECK_THROWS_WITH(F::adjust_brightness(u8(), INFINITY),
                    Catch::Contains("adjust_brightness: brightness_factor (inf) is not finite"));
  // A NaN or infinite pixel has no hue; the others' results stay as they were.
  auto odd = f32().clone();
  odd.data()[0] = NAN;
  odd.data()[1] = INFINITY;
  const auto shifted = F::adjust_hue(odd, 0.1);
  CHECK(test::max_abs_diff(shifted.flatten().slice(0, 2, 99),
                           F::adjust_hue(f32(), 0.1).flatten().slice(0, 2, 99)) == 0);
  CHECK_THROWS_WITH(F::adjust_saturation(zeros({2, 4, 4}), 0.5),
                    Catch::Contains("adjust_saturation: expected an image with 1 or 3 channels "
                                    "[..., C, H, W], got shape [2, 4, 4]"));
  CHECK_THROWS_WITH(ColorJitter(-0.1),
                    Catch::Contains("if brightness is a single number, it must be non negative"));
  CHECK_THROWS_WITH((ColorJitter{{.hue = 0.7}}),
                    Catch::Contains("hue values should be between -0.5"));
  CHECK_THROWS_WITH((ColorJitter{{.contrast = {1.5, 1.2}}}),
                    Catch::Contains("contrast values should be between"));
}

TEST_CASE("ColorJitter draws the order, then the factors, and applies them") {
  // The ranges, as torchvision's _check_input makes them.
  const ColorJitter j{{.brightness = 0.4, .contrast = {0.5, 1.5}, .saturation = 1.5, .hue = 0.1}};
  CHECK(j.brightness->first == Approx(0.6));
  CHECK(j.brightness->second == Approx(1.4));
  CHECK(*j.contrast == std::pair{0.5, 1.5});
  CHECK(*j.saturation == std::pair{0.0, 2.5});  // 1 - 1.5 clipped at 0
  CHECK(*j.hue == std::pair{-0.1, 0.1});
  CHECK_FALSE(ColorJitter{}.brightness);  // zero: left out
  CHECK_FALSE(ColorJitter{{.contrast = {1.0, 1.0}}}.contrast);
  // The default leaves the image as it is.
  CHECK(test::equal(ColorJitter{}(u8()), u8()));
  // Replaying the draws (a permutation of four, then one uniform per adjustment in the order
  // brightness, contrast, saturation, hue) and applying the functional ops gives its output.
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    Generator gen(seed), replay(seed);
    ByteTensor got;
    {
      GeneratorGuard guard(gen);
      got = j(u8());
    }
    const auto order = randperm(4, replay).to_vector();
    const auto draw = [&](const std::pair<double, double>& r) {
      return r.first + (r.second - r.first) * replay.uniform();
    };
    const double b = draw(*j.brightness), c = draw(*j.contrast), s = draw(*j.saturation),
                 h = draw(*j.hue);
    ByteTensor want = u8();
    for (const std::int64_t fn : order)
      want = fn == 0   ? F::adjust_brightness(want, b)
             : fn == 1 ? F::adjust_contrast(want, c)
             : fn == 2 ? F::adjust_saturation(want, s)
                       : F::adjust_hue(want, h);
    CHECK(test::equal(got, want));
  }
  // Float images and batches keep their shape and stay in [0, 1].
  Generator gen9(9);
  GeneratorGuard guard(gen9);
  const auto out = j(fx().get<float>("batch"));
  CHECK(out.shape() == Shape{2, 3, 5, 6});
  CHECK(out.min().item() >= 0.0f);
  CHECK(out.max().item() <= 1.0f);
}

TEST_CASE("resized_crop matches torchvision and RandomResizedCrop's fallback its get_params") {
  CHECK(test::max_abs_diff(F::resized_crop(f32(), 1, 2, 6, 7, {10, 12}),
                           fx().get<float>("resized_crop_bilinear_f32")) < 2e-7);
  CHECK(test::equal(F::resized_crop(u8(), 2, 0, 7, 11, {4, 5}, InterpolationMode::NEAREST),
                    fx().get<std::uint8_t>("resized_crop_nearest_u8")));
  // When no try fits (an area 50-60 times the image's), torchvision takes the whole image,
  // its aspect ratio clamped into `ratio`, centred: the same crop for every shape and range.
  const auto want = fx().get<std::int64_t>("fallback");
  std::int64_t row = 0;
  Generator gen(3);
  for (auto [h, w] :
       {std::pair<std::int64_t, std::int64_t>{9, 11}, {100, 30}, {30, 100}, {64, 64}, {7, 1}})
    for (auto ratio : {std::pair{3.0 / 4.0, 4.0 / 3.0}, {1.0, 1.0}, {0.5, 2.0}}) {
      INFO(h << "x" << w << " ratio " << ratio.first << ".." << ratio.second);
      const auto [top, left, ch, cw] =
          RandomResizedCrop::get_params(h, w, {50.0, 60.0}, ratio, gen);
      const std::int64_t* r = want.data() + row++ * 8;
      REQUIRE(r[0] == h);
      CHECK(std::vector<std::int64_t>{top, left, ch, cw} ==
            std::vector<std::int64_t>{r[4], r[5], r[6], r[7]});
    }
}

TEST_CASE("RandomResizedCrop's crops have the areas and aspect ratios asked for") {
  Generator gen(12);
  const double H = 120, W = 90;
  std::set<std::pair<std::int64_t, std::int64_t>> places;
  for (int i = 0; i < 500; ++i) {
    const auto [top, left, h, w] =
        RandomResizedCrop::get_params(120, 90, {0.08, 1.0}, {3.0 / 4.0, 4.0 / 3.0}, gen);
    REQUIRE(h > 0);
    REQUIRE(w > 0);
    CHECK(top >= 0);
    CHECK(left >= 0);
    CHECK(top + h <= 120);
    CHECK(left + w <= 90);
    // Rounded sides: the area and ratio within what rounding each side by half a pixel allows.
    const double area = double(h) * double(w) / (H * W), ratio = double(w) / double(h);
    const double side = double(std::min(h, w));
    CHECK(area >= 0.08 * (1 - 2 / side));
    CHECK(area <= 1.0);
    CHECK(ratio >= 0.75 * (1 - 2 / side));
    CHECK(ratio <= 4.0 / 3.0 * (1 + 2 / side));
    places.insert({top, left});
  }
  CHECK(places.size() > 100);  // the places vary
  // The transform: the output size for any input, uint8 or float, batched or not.
  Generator g2(5);
  GeneratorGuard guard(g2);
  const RandomResizedCrop crop{{32, 24}, {.scale = {0.5, 1.0}}};
  CHECK(crop(u8()).shape() == Shape{3, 32, 24});
  CHECK(RandomResizedCrop{16}(zeros({2, 3, 40, 50})).shape() == Shape{2, 3, 16, 16});
  CHECK_THROWS_WITH(RandomResizedCrop(8, {.scale = {0.9, 0.1}}),
                    Catch::Contains("RandomResizedCrop: scale must be {min, max}"));
  CHECK_THROWS_WITH(
      RandomResizedCrop::get_params(0, 5, {0.5, 1.0}, {1.0, 1.0}, g2),
      Catch::Contains("RandomResizedCrop: cannot crop an empty image of 0 x 5 pixels"));
  CHECK_THROWS_WITH(RandomResizedCrop::get_params(4, 5, {0.5, 1.0}, {0.0, 1.0}, g2),
                    Catch::Contains("ratio {min, max} with 0 < min <= max"));
  CHECK_THROWS_AS(RandomResizedCrop::get_params(4, 5, {0.5, INFINITY}, {1.0, 1.0}, g2),
                  std::invalid_argument);
  CHECK_THROWS_WITH(RandomResizedCrop(std::vector<std::int64_t>{}),
                    Catch::Contains("RandomResizedCrop: size must have 1 or 2 values, got 0"));
}

}  // namespace TORCHLET_TEST_FILE
