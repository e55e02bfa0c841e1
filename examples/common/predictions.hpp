#pragma once
// The picture the MNIST examples leave behind: a grid of test digits, each labelled
// "P<predicted> T<true>" (green when right, red when wrong), through vision::utils
// make_grid, draw_text and save_image (torchvision.utils.make_grid / save_image).
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <torchlet/torchlet.hpp>

namespace examples {

/// Runs `model` on the first `count` samples of `test` (normalised with mean / stdev) and
/// saves the labelled grid to `path` (PNG or JPEG). Returns {digits shown, digits right}.
template <class Dataset>
std::pair<std::int64_t, std::int64_t> save_predictions(torchlet::nn::Module& model, Dataset& test,
                                                       const std::string& path, float mean,
                                                       float stdev, std::size_t count = 32) {
  using namespace torchlet;
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  data::DataLoader loader(test, {.batch_size = count});
  auto [images, labels] = *loader.begin();  // images [B, 1, 28, 28], labels [B]
  const LongTensor predicted = model(images).argmax(1);
  model.train(was_training);

  // Back to [0, 1], then rows of 8 with 10 pixels of padding: room for a label above each digit.
  constexpr std::int64_t nrow = 8, pad = 10;
  const Tensor grid = vision::utils::make_grid(images * stdev + mean,
                                               {.nrow = nrow, .padding = pad});  // [3, H', W']
  const std::int64_t H = images.size(2), W = images.size(3);
  std::int64_t correct = 0;
  for (std::int64_t k = 0; k < labels.numel(); ++k) {
    const std::int64_t p = predicted.data()[k], t = labels.data()[k];
    correct += p == t;
    char label[48];  // snprintf: g++ 12 warns (-Wrestrict, falsely) on "P" + std::to_string(p)
    std::snprintf(label, sizeof label, "P%lld T%lld", static_cast<long long>(p),
                  static_cast<long long>(t));
    vision::utils::draw_text(grid, label,
                             {.x = pad + (k % nrow) * (W + pad),
                              .y = pad + (k / nrow) * (H + pad) - 7,
                              .color = p == t ? std::vector<double>{0.2, 1.0, 0.2}
                                              : std::vector<double>{1.0, 0.2, 0.2}});
  }
  // Three times larger, so the 3 x 5 pixel labels are readable.
  const Tensor big = vision::transforms::functional::resize(
      grid, grid.size(1) * 3, grid.size(2) * 3, vision::transforms::InterpolationMode::NEAREST);
  vision::utils::save_image(big, path);
  return {labels.numel(), correct};
}

}  // namespace examples
