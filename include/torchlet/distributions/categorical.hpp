#pragma once
// Categorical (torch.distributions.Categorical): K categories per distribution, from
// probabilities (normalised along the last dim) or logits (normalised to log-probabilities).
//   probs / logits [*batch_shape, K]; sample -> int64 [*sample_shape, *batch_shape];
//   log_prob(value int64 [*, *batch_shape]) -> [broadcast shape]; entropy -> [*batch_shape].
#include "torchlet/distributions/distribution.hpp"

namespace torchlet::distributions {

/// Categorical's arguments, as the Python keywords: exactly one of probs and logits.
template <class T>
struct CategoricalOptions {
  BasicTensor<T> probs = {};   ///< event probabilities [*batch, K] (any positive scale)
  BasicTensor<T> logits = {};  ///< event log-odds [*batch, K] (unnormalised)
  std::optional<bool> validate_args =
      std::nullopt;  ///< check the arguments (default: the global default)
};

/// A batch of categorical distributions over {0, ..., K-1} (torch.distributions.Categorical):
/// `Categorical dist(probs)`, `Categorical dist({.logits = l})`.
template <class T>
class BasicCategorical : public Distribution<T, std::int64_t> {
  using Base = Distribution<T, std::int64_t>;

 public:
  /// Categorical(probs=probs): probs [*batch, K] >= 0, normalised along the last dim.
  explicit BasicCategorical(const BasicTensor<T>& probs) : BasicCategorical({.probs = probs}) {}
  /// Categorical(probs=..., logits=..., validate_args=...): exactly one of probs and logits.
  explicit BasicCategorical(const CategoricalOptions<T>& o)
      : Base(checked_batch_shape(o), {}, o.validate_args) {
    if (o.probs.defined()) {
      probs_ = o.probs / o.probs.sum(-1, true);
      if (this->validate_args()) check_simplex(probs_);
      logits_ = log(detail::clamp_probs(probs_));
    } else {
      if (this->validate_args())
        detail::check_constraint("Categorical", "parameter logits", o.logits,
                                 "IndependentConstraint(Real(), 1)", [](T v) { return v == v; });
      logits_ = o.logits - logsumexp(o.logits, -1, true);
      probs_ = softmax(o.logits, -1);
    }
  }

  /// The normalised probabilities [*batch, K].
  const BasicTensor<T>& probs() const { return probs_; }
  /// The normalised logits (log-probabilities) [*batch, K].
  const BasicTensor<T>& logits() const { return logits_; }
  /// The shape of the parameters, [*batch, K] (torch's param_shape).
  const Shape& param_shape() const { return probs_.shape(); }
  /// K, the number of categories.
  std::int64_t num_events() const { return probs_.size(-1); }

  /// log probs[..., value]: value int64 [*, *batch] in [0, K) -> [broadcast shape].
  BasicTensor<T> log_prob(const BasicTensor<std::int64_t>& value) const override {
    const auto k = num_events();
    if (this->validate_args())
      detail::check_constraint(
          "Categorical", "value", value,
          ("IntegerInterval(lower_bound=0, upper_bound=" + std::to_string(k - 1) + ")").c_str(),
          [k](std::int64_t v) { return v >= 0 && v < k; });
    const Shape out = detail::value_batch_shape("Categorical", value.shape(), this->batch_shape());
    Shape full = out;
    full.push_back(k);
    // value [*out], log_pmf [*out, K]: one log-probability picked per row.
    return detail::pick_last(detail::broadcast_to(logits_, full), detail::broadcast_to(value, out));
  }
  /// -sum(probs * logits) over the categories -> [*batch] (logits of probability 0 count 0).
  BasicTensor<T> entropy() const override {
    const auto logits = clamp(logits_, std::optional<T>(std::numeric_limits<T>::lowest()));
    return -(logits * probs_).sum(-1);
  }
  /// NaN [*batch]: a categorical distribution has no mean (as PyTorch).
  BasicTensor<T> mean() const override {
    return full<T>(this->batch_shape(), std::numeric_limits<T>::quiet_NaN());
  }
  /// NaN [*batch]: a categorical distribution has no variance (as PyTorch).
  BasicTensor<T> variance() const override { return mean(); }

 protected:
  /// Draws class indices from probs (multinomial with replacement).
  BasicTensor<std::int64_t> draw(const Shape& sample_shape, Generator& gen) const override {
    std::int64_t n = 1;
    for (auto s : sample_shape) n *= s;
    auto out = BasicTensor<std::int64_t>::empty(this->extended_shape(sample_shape));
    if (n == 0 || out.numel() == 0) return out;
    const auto k = num_events();
    const auto rows = probs_.numel() / k;
    // [rows, n] draws, written out as [n, rows] = [*sample_shape, *batch_shape].
    const auto drawn = multinomial(probs_.detach().reshape({rows, k}), n, true, gen);
    for (std::int64_t r = 0; r < rows; ++r)
      for (std::int64_t i = 0; i < n; ++i) out.data()[i * rows + r] = drawn.data()[r * n + i];
    return out;
  }

 private:
  static Shape checked_batch_shape(const CategoricalOptions<T>& o) {
    if (o.probs.defined() == o.logits.defined())
      throw std::invalid_argument(
          "Categorical: either `probs` or `logits` must be specified, but not both");
    const auto& p = o.probs.defined() ? o.probs : o.logits;
    if (p.dim() < 1)
      throw ShapeError(std::string("Categorical: `") + (o.probs.defined() ? "probs" : "logits") +
                       "` must be at least one-dimensional, got shape " + to_string(p.shape()));
    return Shape(p.shape().begin(), p.shape().end() - 1);
  }
  static void check_simplex(const BasicTensor<T>& probs) {
    // After normalisation: every entry >= 0 and each row summing to 1 (a row of negative or
    // zero total, or a NaN, fails).
    const auto k = probs.size(-1);
    const T* p = probs.data();
    for (std::int64_t r = 0; r < probs.numel() / k; ++r) {
      T total = 0;
      for (std::int64_t j = 0; j < k; ++j) {
        const T v = p[r * k + j];
        if (!(v >= 0))
          throw std::invalid_argument(
              "Categorical: expected parameter probs (shape " + to_string(probs.shape()) +
              ") to satisfy the constraint Simplex() (non-negative entries, normalised along "
              "the last dim), but found " +
              detail::value_text(v) + " at row " + std::to_string(r) + ", category " +
              std::to_string(j) + " after normalisation");
        total += v;
      }
      if (!(std::abs(total - T(1)) < T(1e-6) * T(k)))
        throw std::invalid_argument(
            "Categorical: expected parameter probs (shape " + to_string(probs.shape()) +
            ") to satisfy the constraint Simplex(), but row " + std::to_string(r) + " sums to " +
            detail::value_text(total) + " after normalisation (a row of zero total?)");
    }
  }

  BasicTensor<T> probs_, logits_;
};

/// torch.distributions.Categorical over float32 parameters.
using Categorical = BasicCategorical<float>;

}  // namespace torchlet::distributions
