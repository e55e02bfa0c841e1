#pragma once
// ConcatDataset: datasets one after the other (torch.utils.data.ConcatDataset):
//
//   data::ConcatDataset both(train, extra);   // both[i]: train[i], then extra[i - train.size()]
//
// The datasets may be of different types but must have the same sample type. Each is
// held by reference if passed as an lvalue, by value if passed as an rvalue. Their sizes
// are read once, at construction (PyTorch's cumulative_sizes).
#include <algorithm>
#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "torchlet/data/dataset.hpp"

namespace torchlet::data {

/// torch.utils.data.ConcatDataset: the datasets one after the other; samples must have one type.
template <class... Ds>
class ConcatDataset {
  static_assert(sizeof...(Ds) > 0, "ConcatDataset: datasets should not be an empty list");
  static_assert(
      (Dataset<std::remove_reference_t<Ds>> && ...),
      "ConcatDataset: every argument must be a Dataset (size() and operator[](std::size_t))");
  using first_type = std::remove_reference_t<std::tuple_element_t<0, std::tuple<Ds...>>>;

 public:
  /// The type of one sample (that of the first dataset).
  using sample_type = sample_t<first_type>;
  static_assert((std::is_same_v<sample_t<std::remove_reference_t<Ds>>, sample_type> && ...),
                "ConcatDataset: all datasets must have the same sample type");

  /// Holds lvalue datasets by reference and rvalues by value.
  explicit ConcatDataset(Ds&&... datasets) : datasets_(std::forward<Ds>(datasets)...) {
    std::size_t total = 0, k = 0;
    std::apply(
        [&](const auto&... d) {
          ((cumulative_sizes_[k++] = total += static_cast<std::size_t>(d.size())), ...);
        },
        datasets_);
  }

  /// The sum of the sizes.
  std::size_t size() const noexcept { return cumulative_sizes_.back(); }
  /// Sample i of the concatenation; throws std::out_of_range past the end.
  sample_type operator[](std::size_t i) const {
    if (i >= size())
      throw std::out_of_range("ConcatDataset: index " + std::to_string(i) +
                              " is out of range for a dataset of " + std::to_string(size()) +
                              " samples");
    const auto k = static_cast<std::size_t>(
        std::upper_bound(cumulative_sizes_.begin(), cumulative_sizes_.end(), i) -
        cumulative_sizes_.begin());
    return get<0>(k, i - (k ? cumulative_sizes_[k - 1] : 0));
  }
  /// End of each dataset in the concatenation (PyTorch's cumulative_sizes).
  const std::array<std::size_t, sizeof...(Ds)>& cumulative_sizes() const noexcept {
    return cumulative_sizes_;
  }
  /// The datasets.
  const std::tuple<Ds...>& datasets() const noexcept { return datasets_; }

 private:
  template <std::size_t K>
  sample_type get(std::size_t k, std::size_t local) const {
    if constexpr (K + 1 < sizeof...(Ds)) {
      if (k != K) return get<K + 1>(k, local);
    }
    return detail::get_sample(std::get<K>(datasets_), local);
  }

  std::tuple<Ds...> datasets_;
  std::array<std::size_t, sizeof...(Ds)> cumulative_sizes_{};
};

template <class... Ds>
ConcatDataset(Ds&&...) -> ConcatDataset<Ds...>;

}  // namespace torchlet::data
