#pragma once
// The examples' test-set accuracy: eval() and NoGradGuard around one pass over the loader,
// train() again afterwards.
#include <cstdint>

#include <torchlet/torchlet.hpp>

namespace examples {

/// Fraction of the loader's samples whose argmax over the model's logits is the label.
template <class Model, class Loader>
double evaluate(Model& model, Loader& loader) {
  torchlet::NoGradGuard no_grad;
  model.eval();
  std::int64_t correct = 0, seen = 0;
  for (auto [images, labels] : loader) {
    correct += (model(images).argmax(1) == labels).sum().item();
    seen += labels.numel();
  }
  model.train();
  return seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
}

}  // namespace examples
