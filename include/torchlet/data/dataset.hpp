#pragma once
// The two kinds of dataset a DataLoader reads, as in torch.utils.data:
//
//   data::Dataset<D>          map-style: d.size() (Python's __len__) and d[i] for a
//                             std::size_t i (__getitem__). std::vector<Example> is one as it is,
//                             and std::size(d) works on every Dataset.
//   data::IterableDataset<D>  a stream: begin()/end() and no operator[] (Python's __iter__);
//                             the DataLoader batches its items in order.
//
// A type that is neither, handed to a DataLoader, stops the build with ONE error naming
// what it lacks. For `struct NoGetItem { std::size_t size() const; };`,
// `data::DataLoader loader(NoGetItem{}, {.batch_size = 4});` gives with g++ 12 exactly:
//
//   torchlet/data/dataloader.hpp:LINE: error: static assertion failed: DataLoader: the
//   dataset type has size() but no operator[](std::size_t) (Python's __getitem__), so it is
//   not a data::Dataset; add `Sample operator[](std::size_t i) const`
//
// (clang 14: the same text after "static_assert failed due to requirement ..."). A type
// with neither size() nor operator[] gets "...is not a data::Dataset - it has neither
// size() (Python's __len__) nor operator[](std::size_t) (Python's __getitem__) - nor an
// iterable dataset with begin()/end() (Python's __iter__)", and one with operator[] only
// "...has operator[] but no size() convertible to std::size_t (Python's __len__)...".
// `static_assert(data::Dataset<T>)` on a type of your own gives the compiler's concept
// diagnostic instead, which also names the failing requirement ("d[i]" or "d.size()").
#include <concepts>
#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>

namespace torchlet::data {

/// A map-style dataset: size() convertible to std::size_t and operator[](std::size_t).
template <class D>
concept Dataset = requires(D& d, std::size_t i) {
  { d.size() } -> std::convertible_to<std::size_t>;
  d[i];
};

namespace detail {
template <class D>
concept has_size = requires(D& d) {
  { d.size() } -> std::convertible_to<std::size_t>;
};
template <class D>
concept has_subscript = requires(D& d, std::size_t i) {
  d[i];
};
/// begin()/end() usable by a plain loop: it != end, *it, ++it.
template <class D>
concept has_begin_end = requires(D& d) {
  d.begin();
  d.end();
  { d.begin() != d.end() } -> std::convertible_to<bool>;
  *d.begin();
  requires requires(decltype(d.begin()) it) { ++it; };
};

/// d[i] through a const view when the dataset offers one (several worker threads may
/// read the same dataset), else through the dataset as it is.
template <class D>
decltype(auto) get_sample(D& d, std::size_t i) {
  if constexpr (requires { std::as_const(d)[i]; })
    return std::as_const(d)[i];
  else
    return d[i];
}
}  // namespace detail

/// A stream of samples (an IterableDataset): begin()/end(), but no random access. The
/// DataLoader reads it front to back and batches its items in order. (A type with
/// both, like std::vector, is a map-style Dataset.)
template <class D>
concept IterableDataset = !Dataset<D> && detail::has_begin_end<D>;

/// The type of one sample of dataset D (what d[i] returns, without cv/ref).
template <Dataset D>
using sample_t =
    std::remove_cvref_t<decltype(detail::get_sample(std::declval<D&>(), std::size_t{}))>;

/// The type of one item of an iterable dataset D (what *d.begin() gives, without cv/ref).
template <IterableDataset D>
using item_t = std::remove_cvref_t<decltype(*std::declval<D&>().begin())>;

}  // namespace torchlet::data
