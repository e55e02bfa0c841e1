#pragma once
// Bernoulli (torch.distributions.Bernoulli): 1 with probability probs (= sigmoid(logits)).
//   probs / logits [*batch_shape]; sample -> [*sample_shape, *batch_shape] of 0 and 1;
//   log_prob(value [*, *batch_shape] of 0 and 1) -> [broadcast shape]; entropy -> [*batch_shape].
#include "torchlet/distributions/distribution.hpp"
#include "torchlet/nn/functional/activation_extra.hpp"

namespace torchlet::distributions {

/// Bernoulli's arguments, as the Python keywords: exactly one of probs and logits.
template <class T>
struct BernoulliOptions {
  BasicTensor<T> probs = {};   ///< the probabilities of 1, in [0, 1]
  BasicTensor<T> logits = {};  ///< the log-odds of 1
  std::optional<bool> validate_args =
      std::nullopt;  ///< check the arguments (default: the global default)
};

/// A batch of Bernoulli distributions over {0, 1} (torch.distributions.Bernoulli):
/// `Bernoulli dist(probs)`, `Bernoulli dist({.logits = l})`.
template <class T>
class BasicBernoulli : public Distribution<T, T> {
  using Base = Distribution<T, T>;

 public:
  /// Bernoulli(probs=probs): probs in [0, 1].
  explicit BasicBernoulli(const BasicTensor<T>& probs) : BasicBernoulli({.probs = probs}) {}
  /// Bernoulli(probs=..., logits=..., validate_args=...): exactly one of probs and logits.
  explicit BasicBernoulli(const BernoulliOptions<T>& o)
      : Base(checked_batch_shape(o), {}, o.validate_args) {
    if (o.probs.defined()) {
      if (this->validate_args())
        detail::check_constraint("Bernoulli", "parameter probs", o.probs,
                                 "Interval(lower_bound=0.0, upper_bound=1.0)",
                                 [](T v) { return v >= T(0) && v <= T(1); });
      probs_ = o.probs;
      const auto p = detail::clamp_probs(o.probs);
      logits_ = log(p) - log1p(-p);
    } else {
      if (this->validate_args())
        detail::check_constraint("Bernoulli", "parameter logits", o.logits, "Real()",
                                 [](T v) { return v == v; });
      logits_ = o.logits;
      probs_ = sigmoid(o.logits);
    }
  }

  /// The probabilities of 1 [*batch].
  const BasicTensor<T>& probs() const { return probs_; }
  /// The log-odds of 1 [*batch].
  const BasicTensor<T>& logits() const { return logits_; }
  /// The shape of the parameters, [*batch] (torch's param_shape).
  const Shape& param_shape() const { return probs_.shape(); }

  /// value log(p) + (1 - value) log(1 - p), from the logits (stable) -> [broadcast shape].
  BasicTensor<T> log_prob(const BasicTensor<T>& value) const override {
    if (this->validate_args())
      detail::check_constraint("Bernoulli", "value", value, "Boolean() (0 or 1)",
                               [](T v) { return v == T(0) || v == T(1); });
    detail::value_batch_shape("Bernoulli", value.shape(), this->batch_shape());
    namespace F = torchlet::nn::functional;
    return value * F::logsigmoid(logits_) + (T(1) - value) * F::logsigmoid(-logits_);
  }
  /// -p log(p) - (1 - p) log(1 - p) = softplus(logits) - logits * p -> [*batch].
  BasicTensor<T> entropy() const override {
    namespace F = torchlet::nn::functional;
    return -F::logsigmoid(-logits_) - logits_ * probs_;
  }
  /// probs [*batch].
  BasicTensor<T> mean() const override { return probs_; }
  /// probs (1 - probs) [*batch].
  BasicTensor<T> variance() const override { return probs_ * (T(1) - probs_); }

 protected:
  /// 1 where a uniform draw falls below probs, else 0.
  BasicTensor<T> draw(const Shape& sample_shape, Generator& gen) const override {
    const auto u = rand<T>(this->extended_shape(sample_shape), gen);
    return lt(u, probs_.detach()).template to<T>();
  }

 private:
  static Shape checked_batch_shape(const BernoulliOptions<T>& o) {
    if (o.probs.defined() == o.logits.defined())
      throw std::invalid_argument(
          "Bernoulli: either `probs` or `logits` must be specified, but not both");
    return o.probs.defined() ? o.probs.shape() : o.logits.shape();
  }

  BasicTensor<T> probs_, logits_;
};

/// torch.distributions.Bernoulli over float32 parameters.
using Bernoulli = BasicBernoulli<float>;

}  // namespace torchlet::distributions
