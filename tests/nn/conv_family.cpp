// The convolution / resampling family against PyTorch (tests/fixtures/nn/conv_family.safetensors,
// written by scripts/make_conv_fixtures.py), one test case per fixture case ("<case> matches
// PyTorch"): with PyTorch's parameters loaded, the state_dict keys, the repr, the output, the
// input gradient and every parameter gradient (loss = sum(out * gout)). Then gradcheck of every
// functional kernel in float64, and the errors.
#include <functional>
#include <set>

#include <torchlet/nn.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace F = torchlet::nn::functional;

namespace {

const std::string kPath =
    std::string(TORCHLET_SOURCE_DIR) + "/tests/fixtures/nn/conv_family.safetensors";

const fixture::File& fx() {
  static const fixture::File f("conv_family.safetensors");
  return f;
}
const io::SafetensorsFile& raw() {
  static const io::SafetensorsFile f = io::load_file(kPath);
  return f;
}
std::string meta(const std::string& key) {
  const auto it = raw().metadata.find(key);
  if (it == raw().metadata.end()) throw std::runtime_error("fixture: no metadata " + key);
  return it->second;
}

/// The cases tested here, to compare with the fixture's list.
std::set<std::string>& tested() {
  static std::set<std::string> s;
  return s;
}
bool note(const std::string& name) { return tested().insert(name).second; }

std::string keys_of(const nn::ModuleBase& m) {
  std::string s;
  for (auto& [k, v] : m.state_dict()) s += (s.empty() ? "" : ",") + k;
  return s;
}

/// Checks module m against fixture case `name`: keys, repr, output and all gradients. `call`
/// runs it on the input (default: m(x)).
template <class M>
void check_module(M& m, const std::string& name,
                  std::function<Tensor(M&, const Tensor&)> call = nullptr) {
  const auto& f = fx();
  INFO("case " << name);
  CHECK(keys_of(m) == meta(name + "/keys"));
  CHECK(m.repr() == meta(name + "/repr"));
  nn::StateDict sd;
  for (auto& [k, v] : m.state_dict()) sd.insert(k, f.tensor(name + "/" + k));
  m.load_state_dict(sd);
  Tensor x = f.tensor(name + "/x");
  x.requires_grad_();
  Tensor out = call ? call(m, x) : m(x);
  CHECK(fixture::mismatch(out, f.tensor(name + "/out"), 2e-5) == "");
  out.backward(f.tensor(name + "/gout"));
  CHECK(fixture::mismatch(x.grad(), f.tensor(name + "/gx"), 2e-5) == "");
  for (auto& [k, p] : m.named_parameters()) {
    INFO("gradient of " << k);
    CHECK(fixture::mismatch(p.grad(), f.tensor(name + "/g" + k), 2e-5) == "");
  }
}

/// Checks F.<op>(x) against functional fixture case `name`.
void check_functional(const std::string& name, const std::function<Tensor(const Tensor&)>& fn) {
  const auto& f = fx();
  INFO("case " << name);
  Tensor x = f.tensor(name + "/x");
  x.requires_grad_();
  Tensor out = fn(x);
  CHECK(fixture::mismatch(out, f.tensor(name + "/out"), 2e-5) == "");
  out.backward(f.tensor(name + "/gout"));
  CHECK(fixture::mismatch(x.grad(), f.tensor(name + "/gx"), 2e-5) == "");
}

std::set<std::string> words(const std::string& s) {
  std::set<std::string> out;
  std::istringstream is(s);
  for (std::string w; is >> w;) out.insert(w);
  return out;
}

using autograd::gradcheck;
/// A float64 leaf with fixed random values.
DoubleTensor leaf(Shape s, std::uint64_t seed) {
  Generator g(seed);
  return randn<double>(std::move(s), g).requires_grad_();
}

}  // namespace

#define CONV_CAT2(a, b) a##b
#define CONV_CAT(a, b) CONV_CAT2(a, b)
/// MODULE("case", Type{args}): "case matches PyTorch" checks the module against the fixture.
#define MODULE(name, ...)                          \
  TEST_CASE(name " matches PyTorch", "[parity]") { \
    auto m = __VA_ARGS__;                          \
    check_module(m, name);                         \
  }                                                \
  [[maybe_unused]] static const bool CONV_CAT(registered_, __LINE__) = note(name)
#define FUNCTIONAL(name, ...)                                                             \
  TEST_CASE(name " matches PyTorch", "[parity]") { check_functional(name, __VA_ARGS__); } \
  [[maybe_unused]] static const bool CONV_CAT(registered_, __LINE__) = note(name)

// ------------------------------------------------------------------ Conv1d, Conv2d, Conv3d
MODULE("conv1d_basic", nn::Conv1d{2, 4, 3});
MODULE("conv1d_options",
       nn::Conv1d{4, 6, 3, {.stride = 2, .padding = 2, .dilation = 2, .groups = 2}});
MODULE("conv1d_unbatched", nn::Conv1d{3, 2, 2, {.bias = false}});
MODULE("conv1d_same", nn::Conv1d{2, 3, 4, {.padding = "same", .dilation = 1}});
MODULE("conv1d_valid", nn::Conv1d{2, 3, 3, {.padding = "valid"}});
MODULE("conv1d_reflect", nn::Conv1d{2, 3, 3, {.padding = 2, .padding_mode = "reflect"}});
MODULE("conv1d_replicate",
       nn::Conv1d{2, 3, 3, {.stride = 2, .padding = 2, .padding_mode = "replicate"}});
MODULE("conv1d_circular", nn::Conv1d{2, 3, 3, {.padding = 1, .padding_mode = "circular"}});
MODULE("conv2d_same_even", nn::Conv2d{2, 3, {4, 3}, {.padding = "same", .dilation = {1, 2}}});
MODULE("conv2d_valid", nn::Conv2d{2, 3, 3, {.padding = "valid", .bias = false}});
MODULE("conv2d_reflect",
       nn::Conv2d{2, 4, 3, {.padding = {1, 2}, .groups = 2, .padding_mode = "reflect"}});
MODULE("conv2d_replicate",
       nn::Conv2d{2, 3, 3, {.stride = 2, .padding = 2, .padding_mode = "replicate"}});
MODULE("conv2d_circular", nn::Conv2d{2, 3, 3, {.padding = 1, .padding_mode = "circular"}});
MODULE("conv2d_same_reflect", nn::Conv2d{2, 3, 4, {.padding = "same", .padding_mode = "reflect"}});
MODULE("conv3d_basic", nn::Conv3d{2, 3, 2});
MODULE("conv3d_options",
       nn::Conv3d{4,
                  4,
                  {3, 2, 3},
                  {.stride = {2, 1, 2}, .padding = {1, 0, 2}, .dilation = {1, 2, 1}, .groups = 2}});
MODULE("conv3d_same_circular",
       nn::Conv3d{2, 2, 3, {.padding = "same", .padding_mode = "circular"}});
MODULE("conv3d_unbatched", nn::Conv3d{2, 3, 2, {.padding = 1, .bias = false}});

// ------------------------------------------------------------------ ConvTranspose1d/2d/3d
MODULE("convt1d_basic", nn::ConvTranspose1d{2, 3, 3});
MODULE("convt1d_options",
       nn::ConvTranspose1d{
           4, 6, 3, {.stride = 3, .padding = 1, .output_padding = 2, .groups = 2, .dilation = 2}});
MODULE("convt1d_unbatched", nn::ConvTranspose1d{3, 2, 4, {.stride = 2, .bias = false}});
MODULE("convt2d_basic", nn::ConvTranspose2d{3, 2, 3});
MODULE("convt2d_dcgan", nn::ConvTranspose2d{4, 2, 4, {.stride = 2, .padding = 1, .bias = false}});
MODULE("convt2d_options", nn::ConvTranspose2d{4,
                                              6,
                                              {3, 2},
                                              {.stride = {2, 3},
                                               .padding = {1, 0},
                                               .output_padding = {1, 2},
                                               .groups = 2,
                                               .dilation = {2, 1}}});
MODULE("convt2d_dilation_outpad",
       nn::ConvTranspose2d{2, 2, 2, {.output_padding = 1, .dilation = 2}});
MODULE("convt2d_unbatched", nn::ConvTranspose2d{2, 3, 2, {.stride = 2}});
MODULE("convt3d_basic",
       nn::ConvTranspose3d{
           2,
           4,
           {2, 3, 2},
           {.stride = {1, 2, 2}, .padding = {0, 1, 0}, .output_padding = {0, 1, 1}, .groups = 2}});

TEST_CASE("convt2d_output_size matches PyTorch", "[parity]") {
  nn::ConvTranspose2d m{2, 3, 3, {.stride = 2, .padding = 1}};
  check_module<nn::ConvTranspose2d>(m, "convt2d_output_size", [](auto& mod, const Tensor& x) {
    return mod.forward(x, {8, 8});
  });
  CHECK(m.forward(ones({1, 2, 4, 4}), {7, 7}).shape() == Shape{1, 3, 7, 7});
  CHECK(m.forward(ones({1, 2, 4, 4}), {1, 3, 8, 7}).shape() == Shape{1, 3, 8, 7});
  CHECK_THROWS_WITH(m.forward(ones({1, 2, 4, 4}), {9, 8}),
                    Catch::Contains("valid sizes range from 7 to 8"));
  CHECK_THROWS_WITH(m.forward(ones({1, 2, 4, 4}), {8}),
                    Catch::Contains("output_size must have 2 or 4 elements"));
}
[[maybe_unused]] static const bool registered_output_size = note("convt2d_output_size");

// ------------------------------------------------------------------ padding layers, Unflatten
MODULE("zeropad2d", nn::ZeroPad2d{{1, 1, 2, 0}});
MODULE("constantpad1d", nn::ConstantPad1d{2, 3.5});
MODULE("constantpad2d", nn::ConstantPad2d{{1, 0, 2, 1}, -1.0});
MODULE("constantpad3d", nn::ConstantPad3d{1, 0.0});
MODULE("reflectionpad1d", nn::ReflectionPad1d{{1, 2}});
MODULE("reflectionpad2d", nn::ReflectionPad2d{2});
MODULE("reflectionpad3d", nn::ReflectionPad3d{1});
MODULE("replicationpad1d", nn::ReplicationPad1d{2});
MODULE("replicationpad2d", nn::ReplicationPad2d{{1, 2, 3, 0}});
MODULE("replicationpad3d", nn::ReplicationPad3d{{1, 0, 2, 1, 0, 1}});
MODULE("unflatten", nn::Unflatten{1, {2, 5}});
MODULE("unflatten_infer", nn::Unflatten{-1, {2, -1}});

TEST_CASE("padding layers and Unflatten reject bad arguments with clear messages") {
  CHECK_THROWS_WITH(nn::ReflectionPad2d({1, 2, 3}),
                    Catch::Contains("ReflectionPad2d: padding must be an integer or a tuple of 4 "
                                    "sizes, got (1, 2, 3)"));
  nn::ReflectionPad2d r{3};
  CHECK_THROWS_WITH(r(ones({1, 1, 3, 5})), Catch::Contains("must be smaller than its size 3"));
  CHECK_THROWS_WITH(r(ones({5, 5})),
                    Catch::Contains("ReflectionPad2d: expected a 3-D or 4-D input, got [5, 5]"));
  nn::Unflatten u{1, {2, 4}};
  CHECK_THROWS_WITH(u(ones({3, 10})),
                    Catch::Contains("Unflatten(dim=1, unflattened_size=(2, 4)): the sizes "
                                    "multiply to 8, not to the size 10 of dim 1"));
  nn::Unflatten v{0, {3, -1}};
  CHECK_THROWS_WITH(v(ones({10})), Catch::Contains("cannot infer the -1 from 10"));
  nn::Sequential seq{nn::ZeroPad2d{1}, nn::Identity{}, nn::Unflatten{0, {1, -1}}};
  CHECK(seq(ones({2, 3, 3})).shape() == Shape{1, 2, 5, 5});
}

// ------------------------------------------------------------------ PixelShuffle, Fold, Unfold
MODULE("pixelshuffle", nn::PixelShuffle{2});
MODULE("pixelshuffle_5d", nn::PixelShuffle{3});
MODULE("pixelunshuffle", nn::PixelUnshuffle{2});
MODULE("unfold", nn::Unfold{2});
MODULE("unfold_options", nn::Unfold{{2, 3}, {.dilation = {1, 2}, .padding = 1, .stride = 2}});
MODULE("unfold_unbatched", nn::Unfold{3, {.padding = 1}});
MODULE("fold", nn::Fold{{4, 5}, 2});
MODULE("fold_options", nn::Fold{6, {2, 3}, {.dilation = {2, 1}, .padding = 1, .stride = {1, 2}}});
MODULE("fold_unbatched", nn::Fold{{3, 3}, 2, {.stride = 1}});

TEST_CASE("gradcheck pixel_shuffle, pixel_unshuffle, unfold, fold") {
  CHECK(gradcheck([](const DoubleTensor& x) { return F::pixel_shuffle(x, 2); },
                  {leaf({1, 4, 2, 3}, 41)}));
  CHECK(gradcheck([](const DoubleTensor& x) { return F::pixel_unshuffle(x, 2); },
                  {leaf({1, 1, 4, 2}, 42)}));
  CHECK(gradcheck(
      [](const DoubleTensor& x) {
        return F::unfold(x, {2, 3}, {1, 2}, 1, 2);
      },
      {leaf({1, 2, 4, 5}, 43)}));
  CHECK(gradcheck(
      [](const DoubleTensor& x) {
        return F::fold(x, {3, 4}, 2, 1, 0, 1);
      },
      {leaf({1, 8, 6}, 44)}));
}

TEST_CASE("PixelShuffle, Fold and Unfold reject bad shapes with clear messages") {
  CHECK_THROWS_WITH(nn::PixelShuffle{2}(ones({1, 6, 2, 2})),
                    Catch::Contains("pixel_shuffle: expected an input [*, C * 4, H, W]"));
  CHECK_THROWS_WITH(nn::PixelUnshuffle{2}(ones({1, 1, 3, 2})),
                    Catch::Contains("H and W divisible by downscale_factor 2, got [1, 1, 3, 2]"));
  CHECK_THROWS_WITH(nn::Unfold{2}(ones({4, 4})),
                    Catch::Contains("unfold: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input"));
  CHECK_THROWS_WITH(nn::Unfold{5}(ones({1, 1, 4, 4})),
                    Catch::Contains("smaller than the dilated kernel"));
  CHECK_THROWS_WITH(nn::Fold({4, 5}, 2)(ones({1, 12, 11})),
                    Catch::Contains("fold: input [1, 12, 11] has 11 blocks"));
  CHECK_THROWS_WITH(nn::Fold({4, 5}, 2)(ones({1, 10, 12})),
                    Catch::Contains("must be divisible by the product of kernel_size (2, 2)"));
}

// ------------------------------------------------------------------ Upsample, interpolate
MODULE("upsample_nearest", nn::Upsample{{.scale_factor = {2}}});
MODULE("upsample_bilinear", nn::Upsample{{.size = {5, 7}, .mode = "bilinear"}});
MODULE("upsample_bicubic_ac",
       nn::Upsample{{.scale_factor = {1.5, 2.0}, .mode = "bicubic", .align_corners = true}});
MODULE("upsample_linear", nn::Upsample{{.size = {5}, .mode = "linear"}});
MODULE("upsamplingnearest2d", nn::UpsamplingNearest2d{{.scale_factor = {3}}});
MODULE("upsamplingbilinear2d", nn::UpsamplingBilinear2d{{.size = {5}}});

FUNCTIONAL("interp_nearest_size", [](const Tensor& x) {
  return F::interpolate(x, {.size = {5, 3}});
});
FUNCTIONAL("interp_nearest_scale",
           [](const Tensor& x) { return F::interpolate(x, {.scale_factor = {1.7}}); });
FUNCTIONAL("interp_nearest_1d", [](const Tensor& x) { return F::interpolate(x, {.size = {7}}); });
FUNCTIONAL("interp_nearest_3d", [](const Tensor& x) {
  return F::interpolate(x, {.scale_factor = {1, 2, 0.5}});
});
FUNCTIONAL("interp_linear", [](const Tensor& x) {
  return F::interpolate(x, {.scale_factor = {2.5}, .mode = "linear"});
});
FUNCTIONAL("interp_linear_ac", [](const Tensor& x) {
  return F::interpolate(x, {.size = {6}, .mode = "linear", .align_corners = true});
});
FUNCTIONAL("interp_bilinear", [](const Tensor& x) {
  return F::interpolate(x, {.scale_factor = {1.5, 0.75}, .mode = "bilinear"});
});
FUNCTIONAL("interp_bilinear_ac", [](const Tensor& x) {
  return F::interpolate(x, {.size = {6, 3}, .mode = "bilinear", .align_corners = true});
});
FUNCTIONAL("interp_bilinear_recompute", [](const Tensor& x) {
  return F::interpolate(
      x, {.scale_factor = {1.3}, .mode = "bilinear", .recompute_scale_factor = true});
});
FUNCTIONAL("interp_bicubic", [](const Tensor& x) {
  return F::interpolate(x, {.size = {7, 5}, .mode = "bicubic"});
});
FUNCTIONAL("interp_bicubic_ac", [](const Tensor& x) {
  return F::interpolate(x, {.scale_factor = {2}, .mode = "bicubic", .align_corners = true});
});
FUNCTIONAL("interp_bicubic_down", [](const Tensor& x) {
  return F::interpolate(x, {.size = {3, 2}, .mode = "bicubic"});
});
FUNCTIONAL("interp_trilinear", [](const Tensor& x) {
  return F::interpolate(x, {.size = {3, 4, 2}, .mode = "trilinear"});
});

TEST_CASE("gradcheck interpolate in every mode") {
  for (const char* mode : {"nearest", "bilinear", "bicubic"}) {
    INFO("mode " << mode);
    CHECK(gradcheck(
        [&](const DoubleTensor& x) {
          return F::interpolate(x, {.scale_factor = {1.5}, .mode = mode});
        },
        {leaf({1, 2, 3, 4}, 51)}));
  }
  CHECK(gradcheck(
      [](const DoubleTensor& x) {
        return F::interpolate(x, {.size = {4, 5}, .mode = "bicubic", .align_corners = true});
      },
      {leaf({1, 1, 3, 3}, 52)}));
  CHECK(gradcheck(
      [](const DoubleTensor& x) {
        return F::interpolate(x, {.size = {5}, .mode = "linear", .align_corners = true});
      },
      {leaf({2, 1, 3}, 53)}));
}

TEST_CASE("interpolate and Upsample reject bad arguments with clear messages") {
  CHECK_THROWS_WITH(F::interpolate(ones({1, 1, 4}), {.size = {3, 3}, .mode = "bilinear"}),
                    Catch::Contains("got 3D input, but bilinear mode needs 4D input"));
  CHECK_THROWS_WITH(F::interpolate(ones({1, 1, 4, 4}), {.size = {3}, .align_corners = true}),
                    Catch::Contains("align_corners option can only be set with the interpolating"));
  CHECK_THROWS_WITH(F::interpolate(ones({1, 1, 4, 4}), {.size = {3}, .scale_factor = {2}}),
                    Catch::Contains("give exactly one of size and scale_factor"));
  CHECK_THROWS_WITH(F::interpolate(ones({1, 1, 4, 4}), {.size = {3, 3, 3}}),
                    Catch::Contains("size must have 1 or 2 entries"));
  CHECK_THROWS_WITH(F::interpolate(ones({1, 1, 4, 4}), {.size = {3}, .mode = "area"}),
                    Catch::Contains("mode must be 'nearest'"));
  CHECK_THROWS_WITH(nn::Upsample({.mode = "bilinear"}),
                    Catch::Contains("Upsample: give exactly one of size and scale_factor"));
}

// ------------------------------------------------------------------ grid_sample, affine_grid
/// GRID_SAMPLE("case", options): F.grid_sample on the case's x and grid, all gradients.
#define GRID_SAMPLE(name, ...)                                                  \
  TEST_CASE(name " matches PyTorch", "[parity]") {                              \
    const auto& f = fx();                                                       \
    Tensor x = f.tensor(name "/x"), grid = f.tensor(name "/grid");              \
    x.requires_grad_();                                                         \
    grid.requires_grad_();                                                      \
    auto out = F::grid_sample(x, grid, __VA_ARGS__);                            \
    CHECK(fixture::mismatch(out, f.tensor(name "/out"), 2e-5) == "");           \
    out.backward(f.tensor(name "/gout"));                                       \
    CHECK(fixture::mismatch(x.grad(), f.tensor(name "/gx"), 2e-5) == "");       \
    CHECK(fixture::mismatch(grid.grad(), f.tensor(name "/ggrid"), 2e-5) == ""); \
  }                                                                             \
  [[maybe_unused]] static const bool CONV_CAT(registered_, __LINE__) = note(name)

GRID_SAMPLE("grid_bilinear_zeros", {});
GRID_SAMPLE("grid_bilinear_border_ac", {.padding_mode = "border", .align_corners = true});
GRID_SAMPLE("grid_bilinear_zeros_ac", {.align_corners = true});
GRID_SAMPLE("grid_nearest_zeros", {.mode = "nearest"});
GRID_SAMPLE("grid_nearest_border_ac",
            {.mode = "nearest", .padding_mode = "border", .align_corners = true});

/// AFFINE_GRID("case", size, align_corners)
#define AFFINE_GRID(name, size, align)                                            \
  TEST_CASE(name " matches PyTorch", "[parity]") {                                \
    const auto& f = fx();                                                         \
    Tensor theta = f.tensor(name "/theta");                                       \
    theta.requires_grad_();                                                       \
    auto out = F::affine_grid(theta, size, align);                                \
    CHECK(fixture::mismatch(out, f.tensor(name "/out"), 2e-5) == "");             \
    out.backward(f.tensor(name "/gout"));                                         \
    CHECK(fixture::mismatch(theta.grad(), f.tensor(name "/gtheta"), 2e-5) == ""); \
  }                                                                               \
  [[maybe_unused]] static const bool CONV_CAT(registered_, __LINE__) = note(name)

AFFINE_GRID("affine_grid", (std::vector<std::int64_t>{2, 3, 4, 5}), false);
AFFINE_GRID("affine_grid_ac", (std::vector<std::int64_t>{1, 1, 3, 2}), true);

TEST_CASE("gradcheck affine_grid and grid_sample") {
  CHECK(gradcheck(
      [](const DoubleTensor& t) {
        return F::affine_grid(t, {2, 1, 3, 4});
      },
      {leaf({2, 2, 3}, 61)}));
  // Grid points kept off the pixel lattice, where bilinear sampling is smooth.
  Generator gen(62);
  const auto grid = (rand<double>({1, 3, 2, 2}, gen) * 2.4 - 1.2).detach();
  for (bool align : {false, true})
    for (const char* padding : {"zeros", "border"}) {
      INFO("align_corners " << align << ", padding_mode " << padding);
      CHECK(gradcheck(
          [&](const DoubleTensor& x, const DoubleTensor& g) {
            return F::grid_sample(x, g, {.padding_mode = padding, .align_corners = align});
          },
          {leaf({1, 2, 3, 4}, 63), grid.clone().requires_grad_()}));
    }
  CHECK(gradcheck(
      [](const DoubleTensor& x) {
        auto grid = tensor<double>({0.3, -0.45, 0.9, 0.1, -0.7, 0.55}).reshape({1, 1, 3, 2});
        return F::grid_sample(x, grid, {.mode = "nearest"});
      },
      {leaf({1, 2, 3, 4}, 64)}));
}

TEST_CASE("grid_sample and affine_grid reject bad arguments with clear messages") {
  CHECK_THROWS_WITH(F::grid_sample(ones({1, 1, 3, 3}), ones({1, 2, 2, 3})),
                    Catch::Contains("grid_sample: expected input [N, C, H_in, W_in] and grid "
                                    "[N, H, W, 2], got [1, 1, 3, 3] and [1, 2, 2, 3]"));
  CHECK_THROWS_WITH(F::grid_sample(ones({1, 1, 3, 3}), ones({1, 2, 2, 2}), {.mode = "bicubic"}),
                    Catch::Contains("mode must be 'bilinear' or 'nearest'"));
  CHECK_THROWS_WITH(
      F::grid_sample(ones({1, 1, 3, 3}), ones({1, 2, 2, 2}), {.padding_mode = "reflection"}),
      Catch::Contains("padding_mode must be 'zeros' or 'border'"));
  CHECK_THROWS_WITH(F::affine_grid(ones({2, 2, 3}), {1, 1, 4, 4}),
                    Catch::Contains("affine_grid: expected theta [1, 2, 3]"));
  CHECK_THROWS_WITH(F::affine_grid(ones({1, 3, 4}), {1, 1, 2, 4, 4}),
                    Catch::Contains("size must be {N, C, H, W}"));
}

// ------------------------------------------------------------------ F.pad
FUNCTIONAL("pad_constant", [](const Tensor& x) {
  return F::pad(x, {1, 2, 0, 1}, "constant", 0.5);
});
FUNCTIONAL("pad_constant_crop", [](const Tensor& x) { return F::pad(x, {-1, 2, 1, -2}); });
FUNCTIONAL("pad_reflect1d", [](const Tensor& x) { return F::pad(x, {2, 3}, "reflect"); });
FUNCTIONAL("pad_reflect2d", [](const Tensor& x) { return F::pad(x, {1, 2, 2, 0}, "reflect"); });
FUNCTIONAL("pad_replicate2d", [](const Tensor& x) { return F::pad(x, {3, 1, 0, 2}, "replicate"); });
FUNCTIONAL("pad_replicate3d", [](const Tensor& x) {
  return F::pad(x, {1, 1, 2, 0, 0, 1}, "replicate");
});
FUNCTIONAL("pad_circular2d", [](const Tensor& x) { return F::pad(x, {2, 1, 1, 3}, "circular"); });
FUNCTIONAL("pad_reflect3d", [](const Tensor& x) {
  return F::pad(x, {1, 0, 0, 1, 1, 1}, "reflect");
});

TEST_CASE("every conv_family fixture case has a test case and every test case a fixture") {
  std::set<std::string> fixture_cases = words(meta("cases"));
  for (auto& w : words(meta("functional"))) fixture_cases.insert(w);
  for (auto& w : words(meta("grid"))) fixture_cases.insert(w);
  CHECK(fixture_cases == tested());
}

// ------------------------------------------------------------------ gradcheck (float64)
TEST_CASE("gradcheck conv1d, conv2d, conv3d (strides, padding, dilation, groups, same)") {
  auto b = leaf({4}, 3);
  CHECK(gradcheck([](const DoubleTensor& x, const DoubleTensor& w,
                     const DoubleTensor& bb) { return F::conv1d(x, w, bb, 2, 1, 2, 2); },
                  {leaf({2, 4, 7}, 1), leaf({4, 2, 3}, 2), b}));
  CHECK(gradcheck([](const DoubleTensor& x,
                     const DoubleTensor& w) { return F::conv1d(x, w, {}, 1, "same", 1, 1); },
                  {leaf({1, 2, 5}, 4), leaf({3, 2, 4}, 5)}));
  CHECK(gradcheck(
      [](const DoubleTensor& x, const DoubleTensor& w, const DoubleTensor& bb) {
        return F::conv2d(x, w, bb, {2, 1}, {1, 0}, {1, 2}, 2);
      },
      {leaf({2, 4, 5, 6}, 6), leaf({4, 2, 3, 2}, 7), leaf({4}, 8)}));
  CHECK(gradcheck(
      [](const DoubleTensor& x, const DoubleTensor& w) {
        return F::conv2d(x, w, {}, 1, "same", {2, 1}, 1);
      },
      {leaf({1, 2, 4, 5}, 9), leaf({2, 2, 2, 3}, 10)}));
  CHECK(gradcheck(
      [](const DoubleTensor& x, const DoubleTensor& w, const DoubleTensor& bb) {
        return F::conv3d(x, w, bb, {1, 2, 1}, {1, 0, 1}, 1, 2);
      },
      {leaf({1, 2, 3, 4, 3}, 11), leaf({2, 1, 2, 2, 2}, 12), leaf({2}, 13)}));
}

TEST_CASE("gradcheck conv_transpose1d, conv_transpose2d, conv_transpose3d") {
  CHECK(gradcheck([](const DoubleTensor& x, const DoubleTensor& w,
                     const DoubleTensor& b) { return F::conv_transpose1d(x, w, b, 3, 1, 2, 2, 2); },
                  {leaf({2, 4, 3}, 21), leaf({4, 1, 3}, 22), leaf({2}, 23)}));
  CHECK(gradcheck(
      [](const DoubleTensor& x, const DoubleTensor& w, const DoubleTensor& b) {
        return F::conv_transpose2d(x, w, b, {2, 1}, {1, 0}, {1, 0}, 2, {1, 2});
      },
      {leaf({1, 4, 3, 3}, 24), leaf({4, 2, 3, 2}, 25), leaf({4}, 26)}));
  CHECK(gradcheck([](const DoubleTensor& x,
                     const DoubleTensor& w) { return F::conv_transpose3d(x, w, {}, 2, 1, 1); },
                  {leaf({1, 2, 2, 2, 2}, 27), leaf({2, 2, 2, 2, 2}, 28)}));
}

TEST_CASE("gradcheck pad in every mode") {
  for (const char* mode : {"constant", "reflect", "replicate", "circular"}) {
    INFO("mode " << mode);
    CHECK(gradcheck(
        [&](const DoubleTensor& x) {
          return F::pad(x, {2, 1, 1, 2}, mode, 0.3);
        },
        {leaf({1, 2, 3, 4}, 31)}));
  }
  CHECK(gradcheck([](const DoubleTensor& x) { return F::pad(x, {-1, 1}); }, {leaf({2, 4}, 32)}));
}

// ------------------------------------------------------------------ errors
TEST_CASE("convs reject bad shapes and options with clear messages") {
  nn::Conv1d c1{3, 4, 3};
  CHECK_THROWS_WITH(
      c1(ones({2, 2, 8})),
      Catch::Contains("Conv1d(in_channels=3): expected input [N, 3, L], got [2, 2, 8]"));
  nn::Conv3d c3{2, 4, 3};
  CHECK_THROWS_WITH(c3(ones({2, 3, 8, 8, 8})),
                    Catch::Contains("Conv3d(in_channels=2): expected input [N, 2, D, H, W]"));
  CHECK_THROWS_WITH(c3(ones({1, 2, 2, 8, 8})), Catch::Contains("smaller than the dilated kernel"));
  CHECK_THROWS_WITH((nn::Conv2d{3, 8, 3, {.padding = "full"}}),
                    Catch::Contains("Invalid padding string 'full'"));
  CHECK_THROWS_WITH((nn::Conv2d{3, 8, 3, {.stride = 2, .padding = "same"}}),
                    Catch::Contains("padding='same' is not supported for strided convolutions"));
  CHECK_THROWS_WITH((nn::Conv1d{3, 8, 3, {.padding_mode = "mirror"}}),
                    Catch::Contains("but got padding_mode='mirror'"));
  CHECK_THROWS_WITH((nn::Conv3d{3, 8, 3, {.groups = 2}}), Catch::Contains("divisible by groups"));
  CHECK_THROWS_WITH(F::conv1d(ones({1, 4, 5}), ones({2, 3, 3})),
                    Catch::Contains("conv1d: input [1, 4, 5] has 4 channels, weight [2, 3, 3]"));
  CHECK_THROWS_WITH(F::conv2d(ones({1, 2, 5, 5}), ones({2, 2, 3, 3}), {}, 2, "same"),
                    Catch::Contains("conv2d: padding='same' is not supported for strided"));
  CHECK_THROWS_WITH(F::conv3d(ones({2, 5, 5}), ones({2, 2, 3, 3, 3})),
                    Catch::Contains("conv3d: expected a 4-D [C, D, H, W] or 5-D"));
  CHECK_THROWS_WITH(F::conv1d(ones({1, 2, 5}), ones({2, 2, 3, 3})),
                    Catch::Contains("conv1d: weight must be 3-D"));
  nn::Conv1d reflect{2, 2, 3, {.padding = 4, .padding_mode = "reflect"}};
  CHECK_THROWS_WITH(reflect(ones({1, 2, 4})),
                    Catch::Contains("pad: reflect padding (4, 4) of dim 2 must be smaller than "
                                    "its size 4"));
}

TEST_CASE("transposed convs reject bad shapes and options with clear messages") {
  CHECK_THROWS_WITH((nn::ConvTranspose2d{3, 8, 3, {.stride = 2, .output_padding = 2}}),
                    Catch::Contains("ConvTranspose2d: output_padding (2, 2) must be non-negative "
                                    "and smaller than either stride (2, 2) or dilation (1, 1)"));
  CHECK_THROWS_WITH((nn::ConvTranspose1d{3, 8, 3, {.padding_mode = "reflect"}}),
                    Catch::Contains("only padding_mode 'zeros' is supported"));
  CHECK_THROWS_WITH((nn::ConvTranspose3d{3, 8, 3, {.groups = 2}}),
                    Catch::Contains("divisible by groups"));
  nn::ConvTranspose2d t{4, 2, 3};
  CHECK_THROWS_WITH(t(ones({1, 3, 5, 5})),
                    Catch::Contains("ConvTranspose2d(in_channels=4): expected input [N, 4, H, W], "
                                    "got [1, 3, 5, 5]"));
  CHECK_THROWS_WITH(F::conv_transpose2d(ones({1, 3, 2, 2}), ones({4, 2, 3, 3})),
                    Catch::Contains("conv_transpose2d: input [1, 3, 2, 2] has 3 channels"));
  CHECK_THROWS_WITH(F::conv_transpose1d(ones({1, 2, 2}), ones({2, 2, 3}), {}, 1, 0, 1),
                    Catch::Contains("output_padding (1,) must be"));
  CHECK_THROWS_WITH(F::conv_transpose1d(ones({1, 2, 1}), ones({2, 2, 1}), {}, 1, 1),
                    Catch::Contains("gives an empty output"));
}

TEST_CASE("pad rejects bad modes and sizes with clear messages") {
  CHECK_THROWS_WITH(F::pad(ones({1, 2, 3}), {1, 1}, "mirror"),
                    Catch::Contains("pad: mode must be 'constant', 'reflect'"));
  CHECK_THROWS_WITH(F::pad(ones({1, 2, 3}), {1}),
                    Catch::Contains("pad: the pad list (1) must have an even length"));
  CHECK_THROWS_WITH(F::pad(ones({1, 2, 3}), {3, 0}, "reflect"),
                    Catch::Contains("pad: reflect padding (3, 0) of dim 2 must be smaller than its "
                                    "size 3 (input [1, 2, 3])"));
  CHECK_THROWS_WITH(F::pad(ones({1, 2, 3}), {4, 0}, "circular"),
                    Catch::Contains("must be at most its size 3"));
  CHECK_THROWS_WITH(F::pad(ones({3}), {1, 1}, "replicate"),
                    Catch::Contains("needs an input with at least 2 dims"));
  CHECK_THROWS_WITH(F::pad(ones({2, 3}), {-2, -2}), Catch::Contains("negative size"));
}

TEST_CASE("conv defaults: PyTorch's init bounds and shapes") {
  nn::ConvTranspose2d t{8, 4, 3, {.groups = 2}};
  CHECK(t.weight.shape() == Shape{8, 2, 3, 3});
  const float bound = 1.0f / std::sqrt(2.0f * 9.0f);  // fan_in = C_out / groups * k * k
  for (std::int64_t i = 0; i < t.bias.numel(); ++i) CHECK(std::abs(t.bias.data()[i]) <= bound);
  nn::Conv3d c{2, 4, {1, 2, 3}};
  CHECK(c.weight.shape() == Shape{4, 2, 1, 2, 3});
  CHECK(c(ones({2, 4, 5, 6})).shape() == Shape{4, 4, 4, 4});  // unbatched [C, D, H, W]
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef CONV_CAT2
#undef CONV_CAT
#undef MODULE
#undef FUNCTIONAL
#undef GRID_SAMPLE
#undef AFFINE_GRID
