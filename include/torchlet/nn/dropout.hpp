#pragma once
// nn::Dropout: zeroes elements with probability p in training mode, identity in eval.
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/dropout.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// nn.Dropout: in training, zeroes each element with probability p and scales the rest by 1 / (1 -
/// p); identity in eval.
template <class = void>
class DropoutImpl : public StatelessModule {
 public:
  /// Probability of zeroing an element.
  double p;
  /// nn.Dropout(p), p in [0, 1].
  explicit DropoutImpl(double p = 0.5) : p(p) {
    if (!(p >= 0.0 && p <= 1.0))
      throw std::invalid_argument("Dropout: probability has to be between 0 and 1, but got " +
                                  std::to_string(p));
  }
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::dropout(x, p, is_training()); }
  std::string extra_repr() const override {
    return "p=" + detail::nnfmt::py_float(p) + ", inplace=False";
  }
};
/// Dropout: see DropoutImpl.
using Dropout = DropoutImpl<>;

}  // namespace torchlet::nn
