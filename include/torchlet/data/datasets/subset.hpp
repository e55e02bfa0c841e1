#pragma once
// Subset: the samples of a dataset at the given indices (torch.utils.data.Subset):
// subset[i] is dataset[indices[i]]. Holds an lvalue dataset by reference, an rvalue one
// by value. If the dataset has the batched get_batch fast path, so does the Subset.
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/data/dataset.hpp"

namespace torchlet::data {

/// torch.utils.data.Subset: the samples of a dataset at the given indices.
template <class D>
class Subset {
  static_assert(Dataset<std::remove_reference_t<D>>,
                "Subset<D>: D must be a Dataset (size() and operator[](std::size_t))");

 public:
  /// The wrapped dataset's type.
  using dataset_type = std::remove_reference_t<D>;

  /// Every index must be < dataset.size().
  Subset(D&& dataset, std::vector<std::size_t> indices)
      : dataset_(std::forward<D>(dataset)), indices_(std::move(indices)) {
    const auto n = static_cast<std::size_t>(dataset_.size());
    for (std::size_t k = 0; k < indices_.size(); ++k)
      if (indices_[k] >= n)
        throw std::out_of_range(
            "Subset: indices[" + std::to_string(k) + "] = " + std::to_string(indices_[k]) +
            " is out of range for a dataset of " + std::to_string(n) + " samples");
  }

  /// Number of indices.
  std::size_t size() const noexcept { return indices_.size(); }
  /// dataset[indices[i]]; throws std::out_of_range for i past the end.
  decltype(auto) operator[](std::size_t i) const {
    if (i >= indices_.size())
      throw std::out_of_range("Subset: index " + std::to_string(i) +
                              " is out of range for a subset of " +
                              std::to_string(indices_.size()) + " samples");
    return detail::get_sample(dataset_, indices_[i]);
  }
  /// The batched fast path, forwarded to the dataset's with the indices mapped.
  auto get_batch(std::span<const std::size_t> indices) const requires
      requires(const dataset_type& d) {
    d.get_batch(indices);
  }
  {
    std::vector<std::size_t> mapped(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) {
      if (indices[k] >= indices_.size())
        throw std::out_of_range("Subset: index " + std::to_string(indices[k]) +
                                " is out of range for a subset of " +
                                std::to_string(indices_.size()) + " samples");
      mapped[k] = indices_[indices[k]];
    }
    return std::as_const(dataset_).get_batch(std::span<const std::size_t>(mapped));
  }

  /// subset.dataset and subset.indices in PyTorch.
  const dataset_type& dataset() const noexcept { return dataset_; }
  /// The indices.
  const std::vector<std::size_t>& indices() const noexcept { return indices_; }

 private:
  D dataset_;
  std::vector<std::size_t> indices_;
};

template <class D>
Subset(D&&, std::vector<std::size_t>) -> Subset<D>;

}  // namespace torchlet::data
