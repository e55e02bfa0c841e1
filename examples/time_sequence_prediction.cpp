// Learning sine waves with two stacked LSTMCells, the port of pytorch/examples'
// time_sequence_prediction: 100 sine waves of period 2*pi*20 with random phase shifts, 97 for
// training and 3 for testing; the model reads a wave one value at a time and predicts the next,
// then keeps going on its own predictions for --future steps. Writes predict<N>.png: the 3 test
// waves (dark: the 999 values it read, light: what it predicted after them).
//
//   build/examples/time_sequence_prediction [--steps 600] [--future 1000] [--lr 0.01]
//                                           [--seed 0] [--out DIR]
//
// The original trains in float64 with LBFGS (lr 0.8, 15 steps). Here the model is float32, as
// every torchlet layer (docs/architecture.md, "float64 models"), and trains with Adam, one
// optimizer step per --steps (torchlet has no LBFGS yet: docs/porting-from-pytorch.md). The last
// line is "test loss: X" (MSE of the predictions of the 3 test waves, future included).
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;

// forward(input [B, L], future) -> [B, L + future].
struct Sequence : nn::ModuleFor<Tensor(const Tensor&, std::int64_t)> {
  nn::LSTMCell lstm1{1, 51};
  nn::LSTMCell lstm2{51, 51};
  nn::Linear linear{51, 1};

  Sequence() {
    register_module("lstm1", lstm1);
    register_module("lstm2", lstm2);
    register_module("linear", linear);
  }

  Tensor forward(const Tensor& input, std::int64_t future) override {
    const auto b = input.size(0);
    Tensor h1 = zeros({b, 51}), c1 = zeros({b, 51}), h2 = zeros({b, 51}), c2 = zeros({b, 51});
    std::vector<Tensor> outputs;
    Tensor output;
    auto step = [&](const Tensor& x) {  // x [B, 1]
      std::tie(h1, c1) = lstm1(x, {h1, c1});
      std::tie(h2, c2) = lstm2(h1, {h2, c2});
      output = linear(h2);
      outputs.push_back(output);
    };
    for (const auto& x : input.split(1, 1)) step(x);
    for (std::int64_t i = 0; i < future; ++i) step(output);  // on its own predictions
    return cat(outputs, 1);
  }
};

// Draws the line through (x_i, y_i) into an RGB image [3, H, W] in [0, 1].
void plot(Tensor& img, const std::vector<float>& ys, std::int64_t x0, std::int64_t total,
          std::array<float, 3> rgb) {
  const auto h = img.size(1), w = img.size(2);
  auto px = [&](std::int64_t i) {
    return (x0 + i) * (w - 1) / std::max<std::int64_t>(total - 1, 1);
  };
  auto py = [&](float y) {
    const auto v = static_cast<std::int64_t>(std::lround(
        (1.0f - (std::clamp(y, -1.5f, 1.5f) + 1.5f) / 3.0f) * static_cast<float>(h - 1)));
    return std::clamp<std::int64_t>(v, 0, h - 1);
  };
  float* d = img.data();
  for (std::size_t i = 1; i < ys.size(); ++i) {
    std::int64_t xa = px(static_cast<std::int64_t>(i) - 1), ya = py(ys[i - 1]);
    const std::int64_t xb = px(static_cast<std::int64_t>(i)), yb = py(ys[i]);
    const std::int64_t n = std::max({std::abs(xb - xa), std::abs(yb - ya), std::int64_t{1}});
    for (std::int64_t k = 0; k <= n; ++k) {
      const auto x = xa + (xb - xa) * k / n, y = ya + (yb - ya) * k / n;
      for (int c = 0; c < 3; ++c) d[(c * h + y) * w + x] = rgb[static_cast<std::size_t>(c)];
    }
  }
}

int run(int argc, char** argv) {
  examples::Args args("time_sequence_prediction",
                      "Learns sine waves with two LSTMCells and predicts their continuation.");
  args.add("steps", "600", "optimizer steps over the 97 training waves")
      .add("future", "1000", "values predicted after the input")
      .add("lr", "0.01", "Adam's learning rate")
      .add("seed", "0", "seed of the phases and of the initial weights")
      .add("plot-every", "200", "write predict<step>.png every this many steps (and at the end)")
      .add("out", ".", "directory for the predict<step>.png plots");
  if (!args.parse(argc, argv)) return 0;
  const auto steps = args.integer("steps", 1, 1000000);
  const auto future = args.integer("future", 0, 1000000);
  const double lr = args.real("lr", 0.0, 1e6);
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  const auto plot_every = args.integer("plot-every", 1, 1000000);
  const std::filesystem::path out = args.str("out");
  std::filesystem::create_directories(out);

  // The data of the original's generate_sine_wave.py: x = t + shift, shift in [-80, 80).
  constexpr std::int64_t kT = 20, kL = 1000, kN = 100;
  manual_seed(seed);
  auto shift = randint<std::int64_t>(-4 * kT, 4 * kT, {kN, 1}).to<float>();
  auto data =
      ((arange<float>(0.f, static_cast<float>(kL)).view({1, kL}) + shift) / static_cast<float>(kT))
          .sin();
  auto input = data.narrow(0, 3, kN - 3).narrow(1, 0, kL - 1);
  auto target = data.narrow(0, 3, kN - 3).narrow(1, 1, kL - 1);
  auto test_input = data.narrow(0, 0, 3).narrow(1, 0, kL - 1);
  auto test_target = data.narrow(0, 0, 3).narrow(1, 1, kL - 1);

  Sequence seq;
  optim::Adam opt(seq.parameters(), {.lr = lr});
  nn::MSELoss criterion;
  double test_loss = 0.0;
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t step = 1; step <= steps; ++step) {
    opt.zero_grad();
    auto loss = criterion(seq(input, 0), target);
    loss.backward();
    opt.step();
    if (step % plot_every != 0 && step != steps) {
      if (step % 10 == 0)
        std::printf("step %lld  loss %.6f\n", static_cast<long long>(step), loss.item());
      continue;
    }
    // Test: read the 3 test waves, then predict `future` more values.
    NoGradGuard no_grad;
    auto pred = seq(test_input, future);
    test_loss = criterion(pred.narrow(1, 0, kL - 1), test_target).item();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("step %lld  loss %.6f  test loss %.6f  %.1f s\n", static_cast<long long>(step),
                loss.item(), test_loss, secs);
    auto img = ones({3, 300, 1000});
    const std::array<std::array<float, 3>, 3> dark = {
        {{0.8f, 0.f, 0.f}, {0.f, 0.55f, 0.f}, {0.f, 0.f, 0.8f}}};
    for (std::int64_t i = 0; i < 3; ++i) {
      const auto row = pred.select(0, i).to_vector();
      const std::vector<float> read(row.begin(), row.begin() + (kL - 1));
      const std::vector<float> ahead(row.begin() + (kL - 2), row.end());
      auto light = dark[static_cast<std::size_t>(i)];
      for (auto& c : light) c = 0.6f + 0.4f * c;
      plot(img, read, 0, kL - 1 + future, dark[static_cast<std::size_t>(i)]);
      if (future > 0) plot(img, ahead, kL - 2, kL - 1 + future, light);
    }
    const auto path = out / ("predict" + std::to_string(step) + ".png");
    vision::utils::save_image(img, path.string());
    std::printf("wrote %s\n", path.string().c_str());
    std::fflush(stdout);
  }
  std::printf("test loss: %.6f\n", test_loss);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("time_sequence_prediction", "", run, argc, argv);
}
