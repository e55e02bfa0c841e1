#pragma once
// Channel-wise and alpha dropout layers: Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout.
// Each draws from `generator` (the default one unless set) in training and is the identity
// in eval; shapes and formulas in nn/functional/dropout_extra.hpp.
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/dropout_extra.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// nn.Dropout1d: in training, zeroes whole channels of x [N, C, L] or [C, L] with probability p and
/// scales the rest by 1 / (1 - p); identity in eval.
template <class = void>
class Dropout1dImpl : public StatelessModule {
 public:
  /// Probability of dropping.
  double p;
  /// Write the result into the input.
  bool inplace;
  /// The generator the masks are drawn from.
  Generator* generator = &default_generator();
  /// nn.Dropout1d(p, inplace), p in [0, 1].
  explicit Dropout1dImpl(double p = 0.5, bool inplace = false) : p(p), inplace(inplace) {
    if (!(p >= 0.0 && p <= 1.0))
      throw std::invalid_argument(
          "Dropout1d: dropout probability has to be between 0 and 1, but got " + std::to_string(p));
  }
  /// x -> same shape
  Tensor forward(const Tensor& x) override {
    return functional::dropout1d(x, p, is_training(), inplace, *generator);
  }
  std::string extra_repr() const override {
    return "p=" + detail::nnfmt::py_float(p) + ", inplace=" + detail::nnfmt::py_bool(inplace);
  }
};
/// Dropout1d: see Dropout1dImpl.
using Dropout1d = Dropout1dImpl<>;

/// nn.Dropout2d: in training, zeroes whole channels of x [N, C, H, W] or [C, H, W] with probability
/// p and scales the rest by 1 / (1 - p); identity in eval.
template <class = void>
class Dropout2dImpl : public StatelessModule {
 public:
  /// Probability of dropping.
  double p;
  /// Write the result into the input.
  bool inplace;
  /// The generator the masks are drawn from.
  Generator* generator = &default_generator();
  /// nn.Dropout2d(p, inplace), p in [0, 1].
  explicit Dropout2dImpl(double p = 0.5, bool inplace = false) : p(p), inplace(inplace) {
    if (!(p >= 0.0 && p <= 1.0))
      throw std::invalid_argument(
          "Dropout2d: dropout probability has to be between 0 and 1, but got " + std::to_string(p));
  }
  /// x -> same shape
  Tensor forward(const Tensor& x) override {
    return functional::dropout2d(x, p, is_training(), inplace, *generator);
  }
  std::string extra_repr() const override {
    return "p=" + detail::nnfmt::py_float(p) + ", inplace=" + detail::nnfmt::py_bool(inplace);
  }
};
/// Dropout2d: see Dropout2dImpl.
using Dropout2d = Dropout2dImpl<>;

/// nn.Dropout3d: in training, zeroes whole channels of x [N, C, D, H, W] or [C, D, H, W] with
/// probability p and scales the rest by 1 / (1 - p); identity in eval.
template <class = void>
class Dropout3dImpl : public StatelessModule {
 public:
  /// Probability of dropping.
  double p;
  /// Write the result into the input.
  bool inplace;
  /// The generator the masks are drawn from.
  Generator* generator = &default_generator();
  /// nn.Dropout3d(p, inplace), p in [0, 1].
  explicit Dropout3dImpl(double p = 0.5, bool inplace = false) : p(p), inplace(inplace) {
    if (!(p >= 0.0 && p <= 1.0))
      throw std::invalid_argument(
          "Dropout3d: dropout probability has to be between 0 and 1, but got " + std::to_string(p));
  }
  /// x -> same shape
  Tensor forward(const Tensor& x) override {
    return functional::dropout3d(x, p, is_training(), inplace, *generator);
  }
  std::string extra_repr() const override {
    return "p=" + detail::nnfmt::py_float(p) + ", inplace=" + detail::nnfmt::py_bool(inplace);
  }
};
/// Dropout3d: see Dropout3dImpl.
using Dropout3d = Dropout3dImpl<>;

/// nn.AlphaDropout: in training, drops elements so that a SELU network keeps mean 0 and variance 1
/// (see functional::alpha_dropout); identity in eval.
template <class = void>
class AlphaDropoutImpl : public StatelessModule {
 public:
  /// Probability of dropping.
  double p;
  /// Write the result into the input.
  bool inplace;
  /// The generator the masks are drawn from.
  Generator* generator = &default_generator();
  /// nn.AlphaDropout(p, inplace), p in [0, 1].
  explicit AlphaDropoutImpl(double p = 0.5, bool inplace = false) : p(p), inplace(inplace) {
    if (!(p >= 0.0 && p <= 1.0))
      throw std::invalid_argument(
          "AlphaDropout: dropout probability has to be between 0 and 1, but got " +
          std::to_string(p));
  }
  /// x -> same shape
  Tensor forward(const Tensor& x) override {
    return functional::alpha_dropout(x, p, is_training(), inplace, *generator);
  }
  std::string extra_repr() const override {
    return "p=" + detail::nnfmt::py_float(p) + ", inplace=" + detail::nnfmt::py_bool(inplace);
  }
};
/// AlphaDropout: see AlphaDropoutImpl.
using AlphaDropout = AlphaDropoutImpl<>;

/// nn.FeatureAlphaDropout: alpha dropout of whole channels of x [N, C, *] in training; identity in
/// eval.
template <class = void>
class FeatureAlphaDropoutImpl : public StatelessModule {
 public:
  /// Probability of dropping.
  double p;
  /// Write the result into the input.
  bool inplace;
  /// The generator the masks are drawn from.
  Generator* generator = &default_generator();
  /// nn.FeatureAlphaDropout(p, inplace), p in [0, 1].
  explicit FeatureAlphaDropoutImpl(double p = 0.5, bool inplace = false) : p(p), inplace(inplace) {
    if (!(p >= 0.0 && p <= 1.0))
      throw std::invalid_argument(
          "FeatureAlphaDropout: dropout probability has to be between 0 and 1, but got " +
          std::to_string(p));
  }
  /// x -> same shape
  Tensor forward(const Tensor& x) override {
    return functional::feature_alpha_dropout(x, p, is_training(), inplace, *generator);
  }
  std::string extra_repr() const override {
    return "p=" + detail::nnfmt::py_float(p) + ", inplace=" + detail::nnfmt::py_bool(inplace);
  }
};
/// FeatureAlphaDropout: see FeatureAlphaDropoutImpl.
using FeatureAlphaDropout = FeatureAlphaDropoutImpl<>;

}  // namespace torchlet::nn
