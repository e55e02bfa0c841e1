#pragma once
// nn::Flatten: x [N, d1, d2, ...] -> [N, d1 * d2 * ...] (dims start_dim..end_dim merged; a view).
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// nn.Flatten: dims start_dim..end_dim merged into one; [N, C, H, W] -> [N, C * H * W] by default.
class Flatten : public StatelessModule {
 public:
  ///@{
  /// The first and last dims merged (negative: from the end).
  std::int64_t start_dim, end_dim;
  ///@}
  /// nn.Flatten(start_dim = 1, end_dim = -1).
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1)
      : start_dim(start_dim), end_dim(end_dim) {}
  /// x with dims start_dim..end_dim merged into one.
  Tensor forward(const Tensor& x) override { return x.flatten(start_dim, end_dim); }
  std::string extra_repr() const override {
    return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
  }
};

}  // namespace torchlet::nn
