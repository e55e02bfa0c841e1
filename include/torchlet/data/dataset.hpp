#pragma once
// data::Dataset: any type with size() and operator[](std::size_t) - the C++ twin of
// Python's __len__ and __getitem__. std::vector<Example> is a Dataset as it is.
#include <concepts>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace torchlet::data {

template <class D>
concept Dataset = requires(D& d, std::size_t i) {
  { d.size() } -> std::convertible_to<std::size_t>;
  d[i];
};

/// The type of one sample of dataset D (what d[i] returns, without cv/ref).
template <Dataset D>
using sample_t = std::remove_cvref_t<decltype(std::declval<D&>()[std::size_t{}])>;

}  // namespace torchlet::data
