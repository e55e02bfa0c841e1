#pragma once
// More normalization layers: GroupNorm, InstanceNorm1d/2d, BatchNorm3d, LocalResponseNorm
// and RMSNorm (torch.nn.RMSNorm of PyTorch 2.4; PyTorch 1.13 has no such layer). Formulas
// and shapes: nn/functional/normalization_extra.hpp and nn/batchnorm.hpp.
#include <optional>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/batchnorm.hpp"
#include "torchlet/nn/functional/normalization_extra.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// nn.BatchNorm3d: x [N, C, D, H, W], normalised per channel over N, D, H and W.
template <class = void>
class BatchNorm3dImpl : public BatchNormBase {
 public:
  /// num_features: C.
  explicit BatchNorm3dImpl(std::int64_t num_features, BatchNormOptions options = {})
      : BatchNormBase(num_features, options) {}
  /// Moves the layer.
  BatchNorm3dImpl(BatchNorm3dImpl&&) noexcept = default;

 protected:
  /// x must be [N, C, D, H, W].
  void check_input(const Tensor& x) const override {
    if (x.dim() != 5)
      throw ShapeError(name() + ": expected 5D input [N, C, D, H, W], got " + to_string(x.shape()));
    check_channels(x, "[N, C, D, H, W]");
  }
};
/// BatchNorm3d: see BatchNorm3dImpl.
using BatchNorm3d = BatchNorm3dImpl<>;

/// InstanceNorm's arguments after num_features, in PyTorch's order (its defaults differ
/// from BatchNorm's: no affine parameters, no running statistics).
struct InstanceNormOptions {
  double eps = 1e-5;                 ///< Added to the variance.
  double momentum = 0.1;             ///< Weight of the new batch in the running statistics.
  bool affine = false;               ///< Learnable weight and bias.
  bool track_running_stats = false;  ///< Keep running_mean / running_var (used in eval mode).
};

/// The shared part of InstanceNorm1d and InstanceNorm2d (PyTorch's _InstanceNorm): each
/// sample's channels normalised over their own spatial values.
template <class = void>
class InstanceNormBaseImpl : public BatchNormBase {
 public:
  /// x [N, C, *] or [C, *] -> same shape.
  Tensor forward(const Tensor& x) override {
    check_input(x);
    const bool batched = x.dim() == spatial_ + 2;
    const Tensor xb = batched ? x : x.unsqueeze(0);
    auto y = functional::instance_norm(xb, running_mean, running_var, weight, bias,
                                       is_training() || !track_running_stats,
                                       momentum.value_or(0.1), eps);
    return batched ? y : y.squeeze(0);
  }

 protected:
  /// spatial: 1 (InstanceNorm1d) or 2 (InstanceNorm2d).
  InstanceNormBaseImpl(std::int64_t num_features, InstanceNormOptions o, std::int64_t spatial)
      : BatchNormBase(num_features, {o.eps, o.momentum, o.affine, o.track_running_stats}),
        spatial_(spatial) {}
  /// x must be [N, C, *] or [C, *] with spatial_ trailing dims and C channels.
  void check_input(const Tensor& x) const override {
    const char* want = spatial_ == 1 ? "[C, L] or [N, C, L]" : "[C, H, W] or [N, C, H, W]";
    if (x.dim() != spatial_ + 1 && x.dim() != spatial_ + 2)
      throw ShapeError(name() + ": expected input " + want + ", got " + to_string(x.shape()));
    const auto c = x.size(x.dim() == spatial_ + 2 ? 1 : 0);
    if (c != num_features)
      throw ShapeError(name() + "(num_features=" + std::to_string(num_features) +
                       "): expected input " + want + " with C = " + std::to_string(num_features) +
                       ", got " + to_string(x.shape()));
  }

 private:
  std::int64_t spatial_;
};
/// InstanceNormBase: see InstanceNormBaseImpl.
using InstanceNormBase = InstanceNormBaseImpl<>;

/// nn.InstanceNorm1d: x [N, C, L] or [C, L], each (sample, channel) normalised over L.
template <class = void>
class InstanceNorm1dImpl : public InstanceNormBase {
 public:
  /// num_features: C.
  explicit InstanceNorm1dImpl(std::int64_t num_features, InstanceNormOptions options = {})
      : InstanceNormBase(num_features, options, 1) {}
};
/// InstanceNorm1d: see InstanceNorm1dImpl.
using InstanceNorm1d = InstanceNorm1dImpl<>;

/// nn.InstanceNorm2d: x [N, C, H, W] or [C, H, W], each (sample, channel) normalised over H, W.
template <class = void>
class InstanceNorm2dImpl : public InstanceNormBase {
 public:
  /// num_features: C.
  explicit InstanceNorm2dImpl(std::int64_t num_features, InstanceNormOptions options = {})
      : InstanceNormBase(num_features, options, 2) {}
};
/// InstanceNorm2d: see InstanceNorm2dImpl.
using InstanceNorm2d = InstanceNorm2dImpl<>;

/// GroupNorm's arguments after num_groups and num_channels.
struct GroupNormOptions {
  double eps = 1e-5;   ///< Added to the variance.
  bool affine = true;  ///< Learnable per-channel weight (init 1) and bias (init 0).
};

/// nn.GroupNorm: x [N, C, *] normalised over each of num_groups groups of channels, then
/// weight[c] * x + bias[c] -> [N, C, *].
template <class = void>
class GroupNormImpl : public Module {
 public:
  ///@{
  /// The number of groups and of channels C (divisible by num_groups).
  std::int64_t num_groups, num_channels;
  ///@}
  /// Added to the variance.
  double eps;
  /// Learnable weight and bias.
  bool affine;
  ///@{
  /// weight [C] (init 1), bias [C] (init 0); undefined without affine.
  Tensor weight, bias;
  ///@}
  /// nn.GroupNorm(num_groups, num_channels, eps, affine).
  GroupNormImpl(std::int64_t num_groups, std::int64_t num_channels, GroupNormOptions o = {})
      : num_groups(num_groups), num_channels(num_channels), eps(o.eps), affine(o.affine) {
    if (num_groups < 1 || num_channels % num_groups != 0)
      throw std::invalid_argument("GroupNorm: num_channels (" + std::to_string(num_channels) +
                                  ") must be divisible by num_groups (" +
                                  std::to_string(num_groups) + ")");
    if (affine) {
      weight = ones({num_channels});
      bias = zeros<float>({num_channels});
      weight.requires_grad_();
      bias.requires_grad_();
      register_parameter("weight", weight);
      register_parameter("bias", bias);
    }
  }
  /// x [N, C, *] -> [N, C, *]
  Tensor forward(const Tensor& x) override {
    if (x.dim() < 2 || x.size(1) != num_channels)
      throw ShapeError("GroupNorm(num_channels=" + std::to_string(num_channels) +
                       "): expected input [N, " + std::to_string(num_channels) + ", *], got " +
                       to_string(x.shape()));
    return functional::group_norm(x, num_groups, weight, bias, eps);
  }
  std::string name() const override { return "GroupNorm"; }
  std::string extra_repr() const override {
    return std::to_string(num_groups) + ", " + std::to_string(num_channels) +
           ", eps=" + detail::nnfmt::py_float(eps) + ", affine=" + detail::nnfmt::py_bool(affine);
  }
};
/// GroupNorm: see GroupNormImpl.
using GroupNorm = GroupNormImpl<>;

/// LocalResponseNorm's arguments after size.
struct LocalResponseNormOptions {
  double alpha = 1e-4;  ///< multiplicative factor
  double beta = 0.75;   ///< exponent
  double k = 1.0;       ///< additive factor
};

/// nn.LocalResponseNorm: x / (k + alpha / size * sum of x^2 over `size` neighbouring
/// channels)^beta; x [N, C, *] -> [N, C, *].
template <class = void>
class LocalResponseNormImpl : public Module {
 public:
  /// The number of neighbouring channels summed.
  std::int64_t size;
  ///@{
  /// As in LocalResponseNormOptions.
  double alpha, beta, k;
  ///@}
  /// nn.LocalResponseNorm(size, alpha, beta, k).
  explicit LocalResponseNormImpl(std::int64_t size, LocalResponseNormOptions o = {})
      : size(size), alpha(o.alpha), beta(o.beta), k(o.k) {
    if (size < 1)
      throw std::invalid_argument("LocalResponseNorm: size must be positive, got " +
                                  std::to_string(size));
  }
  /// x [N, C, *] -> [N, C, *]
  Tensor forward(const Tensor& x) override {
    return functional::local_response_norm(x, size, alpha, beta, k);
  }
  std::string name() const override { return "LocalResponseNorm"; }
  std::string extra_repr() const override {
    return std::to_string(size) + ", alpha=" + detail::nnfmt::py_float(alpha) +
           ", beta=" + detail::nnfmt::py_float(beta) + ", k=" + detail::nnfmt::py_float(k);
  }
};
/// LocalResponseNorm: see LocalResponseNormImpl.
using LocalResponseNorm = LocalResponseNormImpl<>;

/// RMSNorm's arguments after normalized_shape (PyTorch 2.4's torch.nn.RMSNorm).
struct RMSNormOptions {
  std::optional<double> eps = std::nullopt;  ///< nullopt: float32's machine epsilon
  bool elementwise_affine = true;            ///< Learnable weight of normalized_shape (init 1).
};

/// nn.RMSNorm (PyTorch 2.4; not in PyTorch 1.13): x / sqrt(mean(x^2 over the last
/// normalized_shape dims) + eps) * weight; x [*, normalized_shape] -> same shape.
template <class = void>
class RMSNormImpl : public Module {
 public:
  /// The trailing shape normalised over.
  Shape normalized_shape;
  /// Added to the mean square; nullopt: the machine epsilon.
  std::optional<double> eps;
  /// Learnable weight.
  bool elementwise_affine;
  /// weight [normalized_shape] (init 1); undefined without elementwise_affine.
  Tensor weight;
  /// nn.RMSNorm(normalized_shape, eps, elementwise_affine).
  explicit RMSNormImpl(Shape normalized_shape, RMSNormOptions o = {})
      : normalized_shape(std::move(normalized_shape)),
        eps(o.eps),
        elementwise_affine(o.elementwise_affine) {
    if (elementwise_affine) {
      weight = ones(this->normalized_shape);
      weight.requires_grad_();
      register_parameter("weight", weight);
    }
  }
  /// nn.RMSNorm(n): normalized_shape [n].
  explicit RMSNormImpl(std::int64_t normalized_shape, RMSNormOptions o = {})
      : RMSNormImpl(Shape{normalized_shape}, o) {}
  /// x [*, normalized_shape] -> same shape
  Tensor forward(const Tensor& x) override {
    return functional::rms_norm(x, normalized_shape, weight, eps);
  }
  std::string name() const override { return "RMSNorm"; }
  std::string extra_repr() const override {
    return detail::nnfmt::py_tuple(
               std::vector<std::int64_t>(normalized_shape.begin(), normalized_shape.end())) +
           ", eps=" + (eps ? detail::nnfmt::py_float(*eps) : std::string("None")) +
           ", elementwise_affine=" + detail::nnfmt::py_bool(elementwise_affine);
  }
};
/// RMSNorm: see RMSNormImpl.
using RMSNorm = RMSNormImpl<>;

}  // namespace torchlet::nn
