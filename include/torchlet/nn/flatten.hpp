#pragma once
// nn::Flatten: x [N, d1, d2, ...] -> [N, d1 * d2 * ...] (dims start_dim..end_dim merged; a view).
// nn::Unflatten: its inverse, x [N, d1 * d2] -> [N, d1, d2] (one dim split; a view).
#include <string>
#include <vector>

#include "torchlet/nn/detail/format.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// nn.Flatten: dims start_dim..end_dim merged into one; [N, C, H, W] -> [N, C * H * W] by default.
template <class = void>
class FlattenImpl : public StatelessModule {
 public:
  ///@{
  /// The first and last dims merged (negative: from the end).
  std::int64_t start_dim, end_dim;
  ///@}
  /// nn.Flatten(start_dim = 1, end_dim = -1).
  explicit FlattenImpl(std::int64_t start_dim = 1, std::int64_t end_dim = -1)
      : start_dim(start_dim), end_dim(end_dim) {}
  /// x with dims start_dim..end_dim merged into one.
  Tensor forward(const Tensor& x) override { return x.flatten(start_dim, end_dim); }
  std::string extra_repr() const override {
    return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
  }
};
/// Flatten: see FlattenImpl.
using Flatten = FlattenImpl<>;

/// nn.Unflatten: dim `dim` split into `unflattened_size` (one entry may be -1, inferred);
/// [N, C * H * W] -> [N, C, H, W] with Unflatten(1, {C, H, W}).
template <class = void>
class UnflattenImpl : public StatelessModule {
 public:
  /// The dim split (negative: from the end).
  std::int64_t dim;
  /// The sizes it is split into.
  std::vector<std::int64_t> unflattened_size;
  /// nn.Unflatten(dim, unflattened_size).
  UnflattenImpl(std::int64_t dim, std::vector<std::int64_t> unflattened_size)
      : dim(dim), unflattened_size(std::move(unflattened_size)) {
    if (this->unflattened_size.empty())
      throw std::invalid_argument("Unflatten: unflattened_size must not be empty");
  }
  /// x [..., S, ...] -> [..., *unflattened_size, ...] (a view).
  Tensor forward(const Tensor& x) override {
    const std::int64_t d = dim < 0 ? dim + x.dim() : dim;
    const auto fail = [&](const std::string& why) {
      return ShapeError("Unflatten(dim=" + std::to_string(dim) +
                        ", unflattened_size=" + detail::nnfmt::py_tuple(unflattened_size) +
                        "): " + why + " (input " + to_string(x.shape()) + ")");
    };
    if (d < 0 || d >= x.dim()) throw fail("dim out of range");
    std::int64_t known = 1, infer = -1;
    for (std::size_t i = 0; i < unflattened_size.size(); ++i) {
      const std::int64_t s = unflattened_size[i];
      if (s == -1 && infer < 0)
        infer = static_cast<std::int64_t>(i);
      else if (s < 0)
        throw fail("sizes must be non-negative, with at most one -1");
      else
        known *= s;
    }
    const std::int64_t n = x.size(d);
    Shape sizes = unflattened_size;
    if (infer >= 0) {
      if (known == 0 || n % known != 0) throw fail("cannot infer the -1 from " + std::to_string(n));
      sizes[static_cast<std::size_t>(infer)] = n / known;
    } else if (known != n) {
      throw fail("the sizes multiply to " + std::to_string(known) + ", not to the size " +
                 std::to_string(n) + " of dim " + std::to_string(d));
    }
    Shape out = x.shape();
    out.erase(out.begin() + d);
    out.insert(out.begin() + d, sizes.begin(), sizes.end());
    return x.reshape(out);
  }
  std::string extra_repr() const override {
    return "dim=" + std::to_string(dim) +
           ", unflattened_size=" + detail::nnfmt::py_tuple(unflattened_size);
  }
};
/// Unflatten: see UnflattenImpl.
using Unflatten = UnflattenImpl<>;

}  // namespace torchlet::nn
