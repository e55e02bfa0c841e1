#pragma once
// Tensor factories: zeros, ones, full, empty, arange, linspace, eye, *_like, from data
// (nested initializer lists, a std::vector plus shape, an Eigen matrix), random (with the
// global generator or an explicit Generator).

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_CREATION
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/tensor/basic_tensor.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet {

template <class Scalar = float>
BasicTensor<Scalar> empty(const Shape& shape) {
  return BasicTensor<Scalar>::empty(shape);
}
/// A tensor of `shape` filled with `value` (torch.full); full<T>(shape, v) names the type.
template <class Scalar>
BasicTensor<Scalar> full(const Shape& shape, std::type_identity_t<Scalar> value) {
  auto t = BasicTensor<Scalar>::empty(shape);
  std::fill_n(t.data(), t.numel(), value);
  return t;
}
/// torch.full(shape, v) with the type inferred from v as PyTorch does: an integer gives int64
/// (LongTensor), a floating-point value float32, a bool a BoolTensor.
template <int = 0, detail::Arithmetic U>
BasicTensor<detail::inferred_dtype_t<U>> full(const Shape& shape, U value) {
  using Scalar = detail::inferred_dtype_t<U>;
  return full<Scalar>(shape, static_cast<Scalar>(value));
}
template <class Scalar = float>
BasicTensor<Scalar> zeros(const Shape& shape) {
  auto t = BasicTensor<Scalar>::empty(shape);
  if (t.numel()) std::memset(static_cast<void*>(t.data()), 0, sizeof(Scalar) * t.numel());
  return t;
}
template <class Scalar = float>
BasicTensor<Scalar> ones(const Shape& shape) {
  return full<Scalar>(shape, Scalar(1));
}
template <class Scalar>
BasicTensor<Scalar> zeros_like(const BasicTensor<Scalar>& t) {
  return zeros<Scalar>(t.shape());
}
template <class Scalar>
BasicTensor<Scalar> ones_like(const BasicTensor<Scalar>& t) {
  return ones<Scalar>(t.shape());
}
template <class Scalar>
BasicTensor<Scalar> empty_like(const BasicTensor<Scalar>& t) {
  return empty<Scalar>(t.shape());
}
template <class Scalar>
BasicTensor<Scalar> full_like(const BasicTensor<Scalar>& t, std::type_identity_t<Scalar> value) {
  return full<Scalar>(t.shape(), value);
}

/// Tensor from a flat vector and a shape (copies the data).
template <class Scalar>
BasicTensor<Scalar> from_vector(const std::vector<Scalar>& values, const Shape& shape) {
  detail::check_shape("from_vector", shape);
  if (static_cast<std::int64_t>(values.size()) != detail::numel_of(shape))
    throw ShapeError("from_vector: " + std::to_string(values.size()) +
                     " values do not fill shape " + to_string(shape));
  auto t = BasicTensor<Scalar>::empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}
/// 1-D tensor from a vector (torch.tensor([..])).
template <class Scalar>
BasicTensor<Scalar> from_vector(const std::vector<Scalar>& values) {
  return from_vector(values, Shape{static_cast<std::int64_t>(values.size())});
}

namespace detail {
/// A [rows.size(), cols] tensor of T from a nested list of U (ragged rows throw).
template <class Scalar, class U>
BasicTensor<Scalar> tensor_from_rows(std::initializer_list<std::initializer_list<U>> rows) {
  std::vector<Scalar> v;
  const std::int64_t cols = rows.size() ? static_cast<std::int64_t>(rows.begin()->size()) : 0;
  for (auto& r : rows) {
    if (static_cast<std::int64_t>(r.size()) != cols)
      throw ShapeError("tensor: ragged nested list (rows of " + std::to_string(cols) + " and " +
                       std::to_string(r.size()) + " elements)");
    for (const U& x : r) v.push_back(static_cast<Scalar>(x));
  }
  return from_vector(v, Shape{static_cast<std::int64_t>(rows.size()), cols});
}
/// A [blocks.size(), rows, cols] tensor of T from a doubly nested list of U.
template <class Scalar, class U>
BasicTensor<Scalar> tensor_from_blocks(
    std::initializer_list<std::initializer_list<std::initializer_list<U>>> blocks) {
  std::vector<Scalar> v;
  Shape inner;
  for (auto& b : blocks) {
    auto t = tensor_from_rows<Scalar>(b);
    if (!inner.empty() && inner != t.shape())
      throw ShapeError("tensor: ragged nested list (" + to_string(inner) + " vs " +
                       to_string(t.shape()) + ")");
    inner = t.shape();
    v.insert(v.end(), t.data(), t.data() + t.numel());
  }
  Shape s{static_cast<std::int64_t>(blocks.size())};
  if (inner.empty()) inner = {0, 0};
  s.insert(s.end(), inner.begin(), inner.end());
  return from_vector(v, s);
}
}  // namespace detail

// tensor<T>(...) names the type; tensor(...) infers it as PyTorch does (the overloads below
// the explicit ones). The explicit forms end in an empty parameter pack so that, when both
// match a call without template arguments, the inferring form is the more specialized one
// ([temp.func.order]: a trailing pack loses a tie), while tensor<T>({{1}, {2}}) still picks
// the 2-D form over the 1-D one by partial ordering.

/// tensor<T>({1, 2}), tensor<T>({{1, 2}, {3, 4}}): a tensor of the named type T.
template <class Scalar, class... None>
requires(sizeof...(None) == 0) BasicTensor<Scalar> tensor(std::initializer_list<Scalar> values,
                                                          None...) {
  return from_vector(std::vector<Scalar>(values));
}
template <class Scalar, class... None>
requires(sizeof...(None) ==
         0) BasicTensor<Scalar> tensor(std::initializer_list<std::initializer_list<Scalar>> rows,
                                       None...) {
  return detail::tensor_from_rows<Scalar>(rows);
}
template <class Scalar, class... None>
requires(sizeof...(None) == 0) BasicTensor<Scalar> tensor(
    std::initializer_list<std::initializer_list<std::initializer_list<Scalar>>> blocks, None...) {
  return detail::tensor_from_blocks<Scalar>(blocks);
}
/// torch.tensor([...]) with the type inferred as PyTorch does: tensor({1, 2}) is int64
/// (LongTensor), tensor({1.5, 2.25}) float32, tensor({true, false}) bool; nested lists give
/// 2-D and 3-D tensors.
template <int = 0, detail::Arithmetic U>
BasicTensor<detail::inferred_dtype_t<U>> tensor(std::initializer_list<U> values) {
  return from_vector(std::vector<detail::inferred_dtype_t<U>>(values.begin(), values.end()));
}
template <int = 0, detail::Arithmetic U>
BasicTensor<detail::inferred_dtype_t<U>> tensor(
    std::initializer_list<std::initializer_list<U>> rows) {
  return detail::tensor_from_rows<detail::inferred_dtype_t<U>>(rows);
}
template <int = 0, detail::Arithmetic U>
BasicTensor<detail::inferred_dtype_t<U>> tensor(
    std::initializer_list<std::initializer_list<std::initializer_list<U>>> blocks) {
  return detail::tensor_from_blocks<detail::inferred_dtype_t<U>>(blocks);
}
/// torch.tensor(3) / torch.tensor(3.): a 0-dim tensor of the type PyTorch infers (int64 for
/// an integer, float32 for a floating-point value, bool for a bool).
template <int = 0, detail::Arithmetic U>
BasicTensor<detail::inferred_dtype_t<U>> tensor(U value) {
  using Scalar = detail::inferred_dtype_t<U>;
  auto t = BasicTensor<Scalar>::empty({});
  *t.data() = static_cast<Scalar>(value);
  return t;
}
/// A 0-dim tensor of the named type T holding one value: scalar_tensor<double>(3).
template <class Scalar>
BasicTensor<Scalar> scalar_tensor(std::type_identity_t<Scalar> value) {
  auto t = BasicTensor<Scalar>::empty({});
  *t.data() = value;
  return t;
}
/// torch.scalar_tensor(v): a 0-dim float32 tensor whatever v's type, as in PyTorch (whose
/// default dtype it takes); write tensor(3) for torch.tensor(3)'s int64.
template <int = 0, detail::Arithmetic U>
Tensor scalar_tensor(U value) {
  return scalar_tensor<float>(static_cast<float>(value));
}

/// [start, end) with step (torch.arange) as the named type: arange<float>(0, 5).
template <class Scalar>
BasicTensor<Scalar> arange(std::type_identity_t<Scalar> start, std::type_identity_t<Scalar> end,
                           std::type_identity_t<Scalar> step = Scalar(1)) {
  if (step == Scalar(0)) throw std::invalid_argument("arange: step must be nonzero");
  const double n = std::ceil((static_cast<double>(end) - start) / static_cast<double>(step));
  auto t = BasicTensor<Scalar>::empty({n > 0 ? static_cast<std::int64_t>(n) : 0});
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<Scalar>(start + i * step);
  return t;
}
/// [0, end) as the named type: arange<float>(5).
template <class Scalar>
BasicTensor<Scalar> arange(std::type_identity_t<Scalar> end) {
  return arange<Scalar>(Scalar(0), end, Scalar(1));
}
/// torch.arange(start, end, step) with PyTorch's type: int64 when all three are integers,
/// float32 when any is floating-point (arange(0, 5) is a LongTensor, arange(0., 5.) a Tensor).
template <int = 0, detail::Arithmetic A, detail::Arithmetic B, detail::Arithmetic C = int>
BasicTensor<detail::inferred_dtype_t<std::common_type_t<A, B, C>>> arange(A start, B end,
                                                                          C step = 1) {
  using Scalar = detail::inferred_dtype_t<std::common_type_t<A, B, C>>;
  return arange<Scalar>(static_cast<Scalar>(start), static_cast<Scalar>(end),
                        static_cast<Scalar>(step));
}
/// torch.arange(end): int64 for an integer end, float32 for a floating-point one.
template <int = 0, detail::Arithmetic U>
BasicTensor<detail::inferred_dtype_t<U>> arange(U end) {
  using Scalar = detail::inferred_dtype_t<U>;
  return arange<Scalar>(Scalar(0), static_cast<Scalar>(end), Scalar(1));
}

/// `steps` values evenly spaced from start to end inclusive (torch.linspace), computed as
/// PyTorch does: start + i * step for the first half, end - (steps - 1 - i) * step after.
template <class Scalar>
BasicTensor<Scalar> linspace(std::type_identity_t<Scalar> start, std::type_identity_t<Scalar> end,
                             std::int64_t steps) {
  if (steps < 0)
    throw std::invalid_argument("linspace: number of steps must be non-negative, got " +
                                std::to_string(steps));
  auto t = BasicTensor<Scalar>::empty({steps});
  Scalar* p = t.data();
  if (steps == 1) p[0] = start;
  if (steps <= 1) return t;
  using S = std::conditional_t<std::is_integral_v<Scalar>, double, Scalar>;
  const S step = (static_cast<S>(end) - static_cast<S>(start)) / static_cast<S>(steps - 1);
  const std::int64_t halfway = steps / 2;
  for (std::int64_t i = 0; i < steps; ++i)
    p[i] = i < halfway ? static_cast<Scalar>(start + step * static_cast<S>(i))
                       : static_cast<Scalar>(end - step * static_cast<S>(steps - i - 1));
  return t;
}
/// torch.linspace(start, end, steps) without a dtype: float32 whatever the types of the ends,
/// as in PyTorch (linspace(0, 1, 5) is [0, 0.25, 0.5, 0.75, 1]).
template <int = 0, detail::Arithmetic A, detail::Arithmetic B>
Tensor linspace(A start, B end, std::int64_t steps) {
  return linspace<float>(static_cast<float>(start), static_cast<float>(end), steps);
}

/// Identity matrix [n, m] (m defaults to n), as torch.eye.
template <class Scalar = float>
BasicTensor<Scalar> eye(std::int64_t n, std::int64_t m = -1) {
  if (m < 0) m = n;
  detail::check_shape("eye", {n, m});
  auto t = zeros<Scalar>({n, m});
  for (std::int64_t i = 0; i < std::min(n, m); ++i) t.data()[i * m + i] = Scalar(1);
  return t;
}

/// A copy of an Eigen matrix or array: [rows, cols], or [n] for a compile-time vector.
template <class Derived>
BasicTensor<typename Derived::Scalar> from_eigen(const Eigen::DenseBase<Derived>& m) {
  using Scalar = typename Derived::Scalar;
  const auto r = static_cast<std::int64_t>(m.rows()), c = static_cast<std::int64_t>(m.cols());
  auto t = Derived::IsVectorAtCompileTime ? BasicTensor<Scalar>::empty({r * c})
                                          : BasicTensor<Scalar>::empty({r, c});
  Scalar* p = t.data();
  for (std::int64_t i = 0; i < r; ++i)
    for (std::int64_t j = 0; j < c; ++j)
      p[i * c + j] = m.derived().coeff(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  return t;
}

/// A copy of a 1-D ([n] -> n x 1) or 2-D tensor as a (row-major) Eigen matrix.
template <class Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> to_eigen(
    const BasicTensor<Scalar>& t) {
  if (t.dim() != 1 && t.dim() != 2)
    throw ShapeError("to_eigen: expected a 1-D or 2-D tensor, got shape " + to_string(t.shape()));
  const auto r = t.size(0), c = t.dim() == 2 ? t.size(1) : 1;
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(r, c);
  std::copy_n(t.data(), t.numel(), m.data());
  return m;
}

/// Uniform [0, 1) (torch.rand).
template <class Scalar = float>
BasicTensor<Scalar> rand(const Shape& shape, Generator& gen = default_generator()) {
  auto t = BasicTensor<Scalar>::empty(shape);
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<Scalar>(gen.uniform());
  return t;
}
/// Standard normal (torch.randn).
template <class Scalar = float>
BasicTensor<Scalar> randn(const Shape& shape, Generator& gen = default_generator()) {
  auto t = BasicTensor<Scalar>::empty(shape);
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<Scalar>(gen.normal());
  return t;
}
/// Integers in [low, high) (torch.randint).
template <class Scalar = std::int64_t>
BasicTensor<Scalar> randint(std::int64_t low, std::int64_t high, const Shape& shape,
                            Generator& gen = default_generator()) {
  if (high <= low)
    throw std::invalid_argument("randint: expected low < high, got " + std::to_string(low) +
                                " >= " + std::to_string(high));
  auto t = BasicTensor<Scalar>::empty(shape);
  const auto span = static_cast<std::uint64_t>(high - low);
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t i = 0; i < t.numel(); ++i)
    t.data()[i] = static_cast<Scalar>(low + static_cast<std::int64_t>(gen.randint(span)));
  return t;
}
template <class Scalar>
BasicTensor<Scalar> rand_like(const BasicTensor<Scalar>& t, Generator& gen = default_generator()) {
  return rand<Scalar>(t.shape(), gen);
}
template <class Scalar>
BasicTensor<Scalar> randn_like(const BasicTensor<Scalar>& t, Generator& gen = default_generator()) {
  return randn<Scalar>(t.shape(), gen);
}
template <class Scalar>
BasicTensor<Scalar> randint_like(const BasicTensor<Scalar>& t, std::int64_t low, std::int64_t high,
                                 Generator& gen = default_generator()) {
  return randint<Scalar>(low, high, t.shape(), gen);
}

/// A random permutation of 0..n-1 (torch.randperm), Fisher-Yates.
inline BasicTensor<std::int64_t> randperm(std::int64_t n, Generator& gen = default_generator()) {
  auto t = BasicTensor<std::int64_t>::empty({n});
  auto* p = t.data();
  for (std::int64_t i = 0; i < n; ++i) p[i] = i;
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t i = n - 1; i > 0; --i)
    std::swap(p[i], p[static_cast<std::int64_t>(gen.randint(static_cast<std::uint64_t>(i) + 1))]);
  return t;
}

/// Draws num_samples category indices from each row of `probs` (torch.multinomial): `probs`
/// is [C] or [N, C] of non-negative, finite weights (not necessarily summing to 1) with a
/// positive sum per row; returns [num_samples] or [N, num_samples] (int64). With replacement
/// every draw sees the whole row; without, a drawn category's weight leaves the row, so a row
/// needs at least num_samples categories of positive weight. Holds the generator's lock.
template <class Scalar>
BasicTensor<std::int64_t> multinomial(const BasicTensor<Scalar>& probs, std::int64_t num_samples,
                                      bool replacement = false,
                                      Generator& gen = default_generator()) {
  static_assert(std::is_floating_point_v<Scalar>, "multinomial: probs must be a floating tensor");
  if (probs.dim() != 1 && probs.dim() != 2)
    throw ShapeError("multinomial: probs must be 1-D [C] or 2-D [N, C], got " +
                     to_string(probs.shape()));
  const std::int64_t rows = probs.dim() == 2 ? probs.size(0) : 1, cats = probs.size(-1);
  if (num_samples <= 0)
    throw std::invalid_argument("multinomial: num_samples must be positive, got " +
                                std::to_string(num_samples));
  if (!replacement && num_samples > cats)
    throw std::invalid_argument("multinomial: cannot draw " + std::to_string(num_samples) +
                                " samples without replacement from " + std::to_string(cats) +
                                " categories");
  auto out = BasicTensor<std::int64_t>::empty(probs.dim() == 2 ? Shape{rows, num_samples}
                                                               : Shape{num_samples});
  const auto src = probs.contiguous();
  std::vector<double> cum(static_cast<std::size_t>(cats));
  std::vector<double> w(static_cast<std::size_t>(cats));
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t r = 0; r < rows; ++r) {
    const Scalar* row = src.data() + r * cats;
    std::int64_t positive = 0;
    for (std::int64_t c = 0; c < cats; ++c) {
      const double v = static_cast<double>(row[c]);
      if (!std::isfinite(v) || v < 0)
        throw std::invalid_argument("multinomial: probs must be finite and non-negative, row " +
                                    std::to_string(r) + " has " + std::to_string(v) +
                                    " at category " + std::to_string(c));
      w[static_cast<std::size_t>(c)] = v;
      positive += v > 0;
    }
    if (positive == 0)
      throw std::invalid_argument("multinomial: row " + std::to_string(r) +
                                  " of probs sums to 0 (expected a positive sum)");
    if (!replacement && positive < num_samples)
      throw std::invalid_argument("multinomial: row " + std::to_string(r) + " has " +
                                  std::to_string(positive) +
                                  " categories of positive weight, too few to draw " +
                                  std::to_string(num_samples) + " without replacement");
    std::int64_t* dst = out.data() + r * num_samples;
    for (std::int64_t k = 0; k < num_samples; ++k) {
      // Inverse CDF: the first category whose cumulative weight exceeds u * total.
      double total = 0;
      for (std::int64_t c = 0; c < cats; ++c)
        cum[static_cast<std::size_t>(c)] = total += w[static_cast<std::size_t>(c)];
      const double u = gen.uniform() * total;
      auto it = std::upper_bound(cum.begin(), cum.end(), u);
      auto c = static_cast<std::int64_t>(it - cum.begin());
      // Rounding may land past the end or on a zero-weight category: take the last positive
      // one at or before it.
      c = std::min(c, cats - 1);
      while (w[static_cast<std::size_t>(c)] <= 0) --c;
      dst[k] = c;
      if (!replacement) w[static_cast<std::size_t>(c)] = 0;
    }
  }
  return out;
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_CREATION
#include "torchlet/tensor/members.hpp"
#endif
