#pragma once
// nn::BatchNorm1d (x [N, C] or [N, C, L]) and nn::BatchNorm2d (x [N, C, H, W]): per-channel
// normalization, y = (x - mean) / sqrt(var + eps) * weight + bias. In training mode the
// batch's statistics are used and running_mean / running_var (buffers) are updated:
//   running = (1 - momentum) * running + momentum * batch   (momentum = nullopt: a cumulative
//   average over num_batches_tracked batches); in eval mode the running statistics are used.
// weight [C] = 1, bias [C] = 0, running_mean [C] = 0, running_var [C] = 1.
#include <optional>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/normalization.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// BatchNorm's arguments after num_features, in PyTorch's order.
struct BatchNormOptions {
  double eps = 1e-5;  ///< Added to the variance for numerical stability.
  std::optional<double> momentum =
      0.1;  ///< Weight of the new batch in the running statistics; nullopt: a cumulative average.
  bool affine = true;               ///< Learnable weight and bias.
  bool track_running_stats = true;  ///< Keep running_mean / running_var (used in eval mode).
};

/// The shared part of BatchNorm1d and BatchNorm2d (PyTorch's _BatchNorm).
template <class = void>
class BatchNormBaseImpl : public Module {
 public:
  /// C, the channels normalised.
  std::int64_t num_features;
  /// Added to the variance.
  double eps;
  /// Weight of the new batch in the running statistics; nullopt: a cumulative average.
  std::optional<double> momentum;
  ///@{
  /// Learnable weight and bias; running statistics kept.
  bool affine, track_running_stats;
  ///@}
  ///@{
  /// weight [C] (init 1), bias [C] (init 0); undefined without affine.
  Tensor weight, bias;
  ///@}
  ///@{
  /// running_mean [C] (init 0), running_var [C] (init 1): buffers; undefined without
  /// track_running_stats.
  Tensor running_mean, running_var;
  ///@}
  /// Batches seen in training (a 0-dim tensor; float here, int64 in PyTorch).
  Tensor num_batches_tracked;

  /// Running statistics back to mean 0, variance 1, num_batches_tracked 0.
  void reset_running_stats() {
    if (!track_running_stats) return;
    NoGradGuard no_grad;
    running_mean.zero_();
    running_var.fill_(1.0f);
    num_batches_tracked.zero_();
  }
  /// reset_running_stats(), weight to 1 and bias to 0.
  void reset_parameters() {
    reset_running_stats();
    if (affine) {
      init::ones_(weight);
      init::zeros_(bias);
    }
  }

  /// x [N, C, ...] normalised per channel -> same shape (batch statistics in training).
  Tensor forward(const Tensor& x) override {
    check_input(x);
    double factor = momentum.value_or(0.0);
    if (is_training() && track_running_stats) {
      {
        NoGradGuard no_grad;
        num_batches_tracked.data()[0] += 1.0f;
      }
      if (!momentum) factor = 1.0 / static_cast<double>(num_batches_tracked.data()[0]);
    }
    const bool use_batch_stats = is_training() || !track_running_stats;
    const bool update = !is_training() || track_running_stats;
    return functional::batch_norm(x, update ? running_mean : Tensor{},
                                  update ? running_var : Tensor{}, weight, bias, use_batch_stats,
                                  factor, eps);
  }

  std::string extra_repr() const override {
    return std::to_string(num_features) + ", eps=" + detail::nnfmt::py_float(eps) +
           ", momentum=" + (momentum ? detail::nnfmt::py_float(*momentum) : std::string("None")) +
           ", affine=" + detail::nnfmt::py_bool(affine) +
           ", track_running_stats=" + detail::nnfmt::py_bool(track_running_stats);
  }

 protected:
  /// num_features: C; options as in PyTorch's constructor.
  BatchNormBaseImpl(std::int64_t num_features, BatchNormOptions o)
      : num_features(num_features),
        eps(o.eps),
        momentum(o.momentum),
        affine(o.affine),
        track_running_stats(o.track_running_stats) {
    if (num_features <= 0)
      throw std::invalid_argument("BatchNorm: num_features must be positive, got " +
                                  std::to_string(num_features));
    if (affine) {
      weight = empty({num_features});
      bias = empty({num_features});
    }
    if (track_running_stats) {
      running_mean = empty({num_features});
      running_var = empty({num_features});
      num_batches_tracked = zeros<float>({});
    }
    reset_parameters();
    register_all();
  }
  /// Throws ShapeError unless x has the dims this variant takes and C channels.
  virtual void check_input(const Tensor& x) const = 0;
  /// Throws ShapeError naming `expected` unless x.size(1) == num_features.
  void check_channels(const Tensor& x, const char* expected) const {
    if (x.size(1) != num_features)
      throw ShapeError(
          name() + "(num_features=" + std::to_string(num_features) + "): expected input " +
          expected + " with C = " + std::to_string(num_features) + ", got " + to_string(x.shape()));
  }

 private:
  void register_all() {
    register_parameter("weight", weight);
    register_parameter("bias", bias);
    register_buffer("running_mean", running_mean);
    register_buffer("running_var", running_var);
    register_buffer("num_batches_tracked", num_batches_tracked);
  }
};
/// BatchNormBase: see BatchNormBaseImpl.
using BatchNormBase = BatchNormBaseImpl<>;

/// nn.BatchNorm1d: x [N, C] or [N, C, L], normalised per channel over the batch (and L).
template <class = void>
class BatchNorm1dImpl : public BatchNormBase {
 public:
  /// num_features: C.
  explicit BatchNorm1dImpl(std::int64_t num_features, BatchNormOptions options = {})
      : BatchNormBase(num_features, options) {}
  /// Moves the layer.
  BatchNorm1dImpl(BatchNorm1dImpl&&) noexcept = default;

 protected:
  /// x must be [N, C] or [N, C, L].
  void check_input(const Tensor& x) const override {
    if (x.dim() != 2 && x.dim() != 3)
      throw ShapeError(name() + ": expected 2D or 3D input [N, C] or [N, C, L], got " +
                       to_string(x.shape()));
    check_channels(x, "[N, C] or [N, C, L]");
  }
};
/// BatchNorm1d: see BatchNorm1dImpl.
using BatchNorm1d = BatchNorm1dImpl<>;

/// nn.BatchNorm2d: x [N, C, H, W], normalised per channel over N, H and W.
template <class = void>
class BatchNorm2dImpl : public BatchNormBase {
 public:
  /// num_features: C.
  explicit BatchNorm2dImpl(std::int64_t num_features, BatchNormOptions options = {})
      : BatchNormBase(num_features, options) {}
  /// Moves the layer.
  BatchNorm2dImpl(BatchNorm2dImpl&&) noexcept = default;

 protected:
  /// x must be [N, C, H, W].
  void check_input(const Tensor& x) const override {
    if (x.dim() != 4)
      throw ShapeError(name() + ": expected 4D input [N, C, H, W], got " + to_string(x.shape()));
    check_channels(x, "[N, C, H, W]");
  }
};
/// BatchNorm2d: see BatchNorm2dImpl.
using BatchNorm2d = BatchNorm2dImpl<>;

}  // namespace torchlet::nn
