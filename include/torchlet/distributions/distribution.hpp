#pragma once
// torch.distributions' base: Distribution<T, V> (parameters of element type T, values of
// element type V: int64 for Categorical), batch_shape/event_shape, argument validation
// (validate_args), and the helpers the distributions share (clamp_probs, the gather of one
// log-probability per row with its backward).
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "torchlet/tensor.hpp"

namespace torchlet::distributions {

namespace detail {

/// The process-wide default of validate_args (torch.distributions.Distribution's
/// _validate_args, True unless Python runs with -O).
inline std::atomic<bool>& default_validate_args() {
  static std::atomic<bool> on{true};
  return on;
}

/// A value of a tensor as text, for error messages.
template <class V>
std::string value_text(V v) {
  std::ostringstream os;
  os << +v;
  return os.str();
}

/// Throws std::invalid_argument as PyTorch's validate_args does: the distribution, the
/// parameter (or value), its shape, the constraint and the first offending element.
template <class V, class Ok>
void check_constraint(const char* dist, const char* what, const BasicTensor<V>& t,
                      const char* constraint, Ok ok) {
  const V* p = t.data();
  for (std::int64_t i = 0; i < t.numel(); ++i)
    if (!ok(p[i]))
      throw std::invalid_argument(std::string(dist) + ": expected " + what + " (shape " +
                                  to_string(t.shape()) + ") to satisfy the constraint " +
                                  constraint + ", but found " + value_text(p[i]) +
                                  " at flat index " + std::to_string(i));
}

/// The shape a value of `value_shape` has against `batch_shape`, or a ShapeError naming the
/// distribution (validate_sample's broadcast check).
inline Shape value_batch_shape(const char* dist, const Shape& value_shape,
                               const Shape& batch_shape) {
  try {
    return torchlet::detail::broadcast_shapes(dist, value_shape, batch_shape);
  } catch (const ShapeError&) {
    throw ShapeError(std::string(dist) + ".log_prob: the value's shape " + to_string(value_shape) +
                     " does not broadcast with the batch shape " + to_string(batch_shape));
  }
}

/// `t` broadcast to `shape` (a copy when the shapes differ; the gradient sums back).
template <class V>
BasicTensor<V> broadcast_to(const BasicTensor<V>& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  return t + zeros<V>(shape);
}

/// probs clamped to [eps, 1 - eps] (torch.distributions.utils.clamp_probs), eps the
/// machine epsilon of T.
template <class T>
BasicTensor<T> clamp_probs(const BasicTensor<T>& probs) {
  const T eps = std::numeric_limits<T>::epsilon();
  return clamp(probs, std::optional<T>(eps), std::optional<T>(T(1) - eps));
}

/// out[r] = x[r, index[r]] for x [*S, K] and index [*S] (int64, each in [0, K)); out [*S].
/// The gradient goes to the picked entries.
template <class T>
BasicTensor<T> pick_last(const BasicTensor<T>& x, const BasicTensor<std::int64_t>& index) {
  const std::int64_t k = x.size(-1), rows = index.numel();
  auto out = BasicTensor<T>::empty(index.shape());
  const T* xp = x.data();
  const std::int64_t* ip = index.data();
  for (std::int64_t r = 0; r < rows; ++r) out.data()[r] = xp[r * k + ip[r]];
  if (torchlet::detail::needs_graph<T>({&x}))
    torchlet::detail::record(
        out, "GatherBackward0", {&x},
        [shape = x.shape(), si = torchlet::detail::SavedTensor<std::int64_t>(index), k,
         rows](const BasicTensor<T>& g) {
          const std::int64_t* ipp = si.data("GatherBackward0");
          auto gi = zeros<T>(shape);
          for (std::int64_t r = 0; r < rows; ++r) gi.data()[r * k + ipp[r]] = g.data()[r];
          return std::vector<BasicTensor<T>>{gi};
        });
  return out;
}

}  // namespace detail

/// The base of the distributions (torch.distributions.Distribution): parameters are
/// BasicTensor<T>, values BasicTensor<V> (V = std::int64_t for Categorical's class indices).
/// log_prob, entropy, mean and variance are differentiable with respect to the parameters;
/// sample draws without a gradient from a Generator (default_generator() by default).
template <class T, class V = T>
class Distribution {
 public:
  /// A copy shares the parameters' tensors (handles), as a Python reference does.
  Distribution(const Distribution&) = default;
  /// Takes over the parameters' tensors.
  Distribution(Distribution&&) noexcept = default;
  /// A copy shares the parameters' tensors (handles), as a Python reference does.
  Distribution& operator=(const Distribution&) = default;
  /// Takes over the parameters' tensors.
  Distribution& operator=(Distribution&&) noexcept = default;
  virtual ~Distribution() = default;

  /// The shape of the batch of independent distributions (torch's batch_shape).
  const Shape& batch_shape() const { return batch_shape_; }
  /// The shape of one draw of one distribution (torch's event_shape): [] for all three.
  const Shape& event_shape() const { return event_shape_; }
  /// Whether parameters and log_prob's values are checked (validate_args).
  bool validate_args() const { return validate_; }

  /// sample_shape + batch_shape + event_shape (torch's _extended_shape).
  Shape extended_shape(const Shape& sample_shape = {}) const {
    Shape s = sample_shape;
    s.insert(s.end(), batch_shape_.begin(), batch_shape_.end());
    s.insert(s.end(), event_shape_.begin(), event_shape_.end());
    return s;
  }

  /// Draws sample_shape independent samples of every distribution of the batch, without a
  /// gradient: [*sample_shape, *batch_shape, *event_shape] (torch's sample).
  BasicTensor<V> sample(const Shape& sample_shape = {},
                        Generator& gen = default_generator()) const {
    const NoGradGuard no_grad;
    return draw(sample_shape, gen);
  }
  /// The log of the probability (mass or density) of `value` [*, *batch_shape] (broadcast
  /// against the batch) -> [broadcast shape]; differentiable in the parameters.
  virtual BasicTensor<T> log_prob(const BasicTensor<V>& value) const = 0;
  /// The entropy of each distribution: [*batch_shape]; differentiable in the parameters.
  virtual BasicTensor<T> entropy() const = 0;
  /// The mean of each distribution: [*batch_shape, *event_shape].
  virtual BasicTensor<T> mean() const = 0;
  /// The variance of each distribution: [*batch_shape, *event_shape].
  virtual BasicTensor<T> variance() const = 0;
  /// The standard deviation, sqrt(variance()).
  virtual BasicTensor<T> stddev() const { return variance().sqrt(); }

  /// Sets the default of validate_args for distributions made afterwards
  /// (torch.distributions.Distribution.set_default_validate_args).
  static void set_default_validate_args(bool value) { detail::default_validate_args() = value; }

 protected:
  /// A distribution with this batch shape; validate_args unset means the default.
  Distribution(Shape batch_shape, Shape event_shape, std::optional<bool> validate_args)
      : batch_shape_(std::move(batch_shape)),
        event_shape_(std::move(event_shape)),
        validate_(validate_args.value_or(detail::default_validate_args().load())) {}
  /// sample's draw, called under NoGradGuard.
  virtual BasicTensor<V> draw(const Shape& sample_shape, Generator& gen) const = 0;

 private:
  Shape batch_shape_, event_shape_;
  bool validate_ = true;
};

}  // namespace torchlet::distributions
