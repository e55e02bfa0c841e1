// make_grid and save_image against torchvision.utils (fixtures from
// scripts/make_io_vision_fixtures.py).
#include <torchlet/vision/utils.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using vision::utils::make_grid;

namespace {
const io::SafetensorsFile& fx() { return test::fixture("vision/transforms.safetensors"); }
}  // namespace

TEST_CASE("make_grid matches torchvision's layout, padding and normalisation") {
  const auto b1 = fx().get<float>("grid_in1"), b3 = fx().get<float>("grid_in3");
  CHECK(test::max_abs_diff(make_grid(b1), fx().get<float>("grid1_default")) == 0);
  CHECK(test::max_abs_diff(make_grid(b1, {.nrow = 3, .padding = 1, .normalize = true}),
                           fx().get<float>("grid1_nrow3_pad1_norm")) < 1e-6);
  CHECK(test::max_abs_diff(
            make_grid(
                b1,
                {.nrow = 2, .padding = 3, .normalize = true, .scale_each = true, .pad_value = 0.5}),
            fx().get<float>("grid1_nrow2_each_pv")) < 1e-6);
  CHECK(test::max_abs_diff(
            make_grid(b1, {.nrow = 4, .normalize = true, .value_range = std::pair{-0.5, 1.5}}),
            fx().get<float>("grid1_range")) < 1e-6);
  CHECK(test::max_abs_diff(make_grid(b3, {.nrow = 3}), fx().get<float>("grid3_nrow3")) == 0);
  CHECK(test::max_abs_diff(make_grid(b3.narrow(0, 0, 1), {.padding = 0}),
                           fx().get<float>("grid3_single")) == 0);
  CHECK(make_grid(b1[0]).shape() == Shape{3, 6, 7});             // one [1, H, W] image: 3 channels
  CHECK(make_grid(b1[0][0]).shape() == Shape{3, 6, 7});          // [H, W]
  CHECK(b1.data()[0] == fx().get<float>("grid_in1").data()[0]);  // the input is not modified
  CHECK_THROWS_AS(make_grid(Tensor::empty({0, 1, 2, 2})), ShapeError);
  CHECK_THROWS_AS(make_grid(b1, {.nrow = 0}), std::invalid_argument);
  CHECK_THROWS_AS(make_grid(Tensor::empty({1, 1, 1, 2, 2})), ShapeError);
}

TEST_CASE("save_image writes the bytes torchvision's save_image writes") {
  test::TempDir dir;
  const auto b3 = fx().get<float>("grid_in3");
  vision::utils::save_image(b3, dir / "grid.png", {.nrow = 2});
  CHECK(test::equal(vision::read_image(dir / "grid.png"),
                    fx().get<std::uint8_t>("save_image_bytes")));
  vision::utils::save_image(b3, dir / "grid.JPG", {.nrow = 2});
  CHECK(vision::read_image(dir / "grid.JPG").shape() ==
        fx().get<std::uint8_t>("save_image_bytes").shape());
  CHECK_THROWS_AS(vision::utils::save_image(b3, dir / "grid.webp"), std::invalid_argument);
}

TEST_CASE("draw_text writes labels with a 3 x 5 font, clipped to the image") {
  auto img = zeros<std::uint8_t>({3, 7, 12});
  const auto width = vision::utils::draw_text(img, "7a", {.x = 1, .y = 1, .color = {255, 0, 9}});
  CHECK(width == 8);
  // '7' = 111 / 001 / 001 / 010 / 010 at (1, 1)
  const int seven[5][3] = {{1, 1, 1}, {0, 0, 1}, {0, 0, 1}, {0, 1, 0}, {0, 1, 0}};
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 3; ++c) {
      CHECK(img.data()[(1 + r) * 12 + 1 + c] == (seven[r][c] ? 255 : 0));
      CHECK(img.data()[(2 * 7 + 1 + r) * 12 + 1 + c] == (seven[r][c] ? 9 : 0));
      CHECK(img.data()[(7 + 1 + r) * 12 + 1 + c] == 0);
    }
  CHECK(img.data()[1 * 12 + 6] == 255);  // 'a' is drawn as 'A': 010 on the first row
  // Scaled and partly outside: clipped, no crash.
  auto gray = zeros({20, 20});
  CHECK(vision::utils::draw_text(gray, "?!", {.x = 15, .y = -3, .color = {1.0}, .scale = 3}) == 24);
  CHECK(sum(gray).item() > 0);
  CHECK_THROWS_AS(vision::utils::draw_text(gray, "x", {.color = {1, 1}}), std::invalid_argument);
  CHECK_THROWS_AS(vision::utils::draw_text(zeros({2}), "x"), ShapeError);
}

}  // namespace TORCHLET_TEST_FILE
