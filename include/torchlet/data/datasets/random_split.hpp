#pragma once
// random_split(dataset, lengths, seed): non-overlapping random Subsets of a dataset
// (torch.utils.data.random_split).
//
//   auto parts = data::random_split(ds, {800, 200}, 42);    // counts, summing to ds.size()
//   auto parts = data::random_split(ds, {0.8, 0.2}, 42);    // fractions, summing to 1
//
// Fractions become floor(n * f) samples each, and the remainder is dealt one by one to the
// parts in order, as PyTorch does. The split is a random permutation of [0, n) cut into
// consecutive pieces. The subsets refer to `dataset`, which must outlive them (an lvalue).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "torchlet/data/datasets/subset.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet::data {

namespace detail {
/// The sample count of each part: `lengths` as counts (integers) or fractions (floating).
template <class N>
std::vector<std::size_t> split_lengths(std::size_t n, const std::vector<N>& lengths) {
  std::vector<std::size_t> out(lengths.size());
  if constexpr (std::is_floating_point_v<N>) {
    double sum = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      const double f = static_cast<double>(lengths[i]);
      if (!(f >= 0 && f <= 1))
        throw std::invalid_argument("random_split: fraction at index " + std::to_string(i) +
                                    " is not between 0 and 1 (" + std::to_string(f) + ")");
      sum += f;
      out[i] = static_cast<std::size_t>(std::floor(static_cast<double>(n) * f));
    }
    if (std::abs(sum - 1.0) > 1e-9 || lengths.empty())
      throw std::invalid_argument("random_split: fractions should sum to 1, but they sum to " +
                                  std::to_string(sum));
    std::size_t assigned = 0;
    for (auto c : out) assigned += c;
    for (std::size_t i = 0; assigned < n; ++i, ++assigned) ++out[i % out.size()];
  } else {
    std::size_t sum = 0;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      if constexpr (std::is_signed_v<N>) {
        if (lengths[i] < 0)
          throw std::invalid_argument("random_split: length at index " + std::to_string(i) +
                                      " is negative (" + std::to_string(lengths[i]) + ")");
      }
      out[i] = static_cast<std::size_t>(lengths[i]);
      sum += out[i];
    }
    if (sum != n)
      throw std::invalid_argument("random_split: sum of input lengths (" + std::to_string(sum) +
                                  ") does not equal the length of the input dataset (" +
                                  std::to_string(n) + ")");
  }
  return out;
}
}  // namespace detail

/// Splits `dataset` into random non-overlapping Subsets of the given lengths (counts or
/// fractions). `seed` plays PyTorch's `generator`; unset, it is drawn from torchlet's
/// default generator (so manual_seed makes the split reproducible).
template <class D, class N>
requires std::is_arithmetic_v<N> std::vector<Subset<D&>> random_split(
    D& dataset, const std::vector<N>& lengths, std::optional<std::uint64_t> seed = std::nullopt) {
  static_assert(
      Dataset<D>,
      "random_split: the first argument must be a Dataset (size() and operator[](std::size_t))");
  const auto n = static_cast<std::size_t>(dataset.size());
  const auto counts = detail::split_lengths(n, lengths);
  std::vector<std::size_t> perm(n);
  for (std::size_t i = 0; i < n; ++i) perm[i] = i;
  Generator g(seed ? *seed : detail::locked_next(default_generator()));
  for (std::size_t i = n; i > 1; --i)
    std::swap(perm[i - 1], perm[static_cast<std::size_t>(g.randint(i))]);
  std::vector<Subset<D&>> parts;
  parts.reserve(counts.size());
  std::size_t offset = 0;
  for (auto c : counts) {
    parts.emplace_back(
        dataset, std::vector<std::size_t>(perm.begin() + static_cast<std::ptrdiff_t>(offset),
                                          perm.begin() + static_cast<std::ptrdiff_t>(offset + c)));
    offset += c;
  }
  return parts;
}
template <class D, class N>
requires std::is_arithmetic_v<N> std::vector<Subset<D&>> random_split(
    D& dataset, std::initializer_list<N> lengths,
    std::optional<std::uint64_t> seed = std::nullopt) {
  return random_split(dataset, std::vector<N>(lengths), seed);
}

}  // namespace torchlet::data
