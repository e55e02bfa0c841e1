#pragma once
// The sampler concepts: samplers decide WHICH samples an epoch reads and in what order;
// datasets load them.
//
//   data::Sampler<S>            anything with begin()/end() over indices (integers >= 0):
//                               the library's samplers (samplers/*.hpp), a
//                               std::vector<std::size_t>, a class of your own. Each begin() is a
//                               new pass (a new shuffle).
//   data::BatchSamplerRange<S>  begin()/end() over lists of indices, one list per batch
//                               (data::BatchSampler, a std::vector<std::vector<int>>, ...).
//
// data::AnySampler / data::AnyBatchSampler (samplers/any_sampler.hpp) hold any of them
// behind one type.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace torchlet::data {

namespace detail {
template <class R>
concept index_range = requires(R& r) {
  r.begin();
  r.end();
  { r.begin() != r.end() } -> std::convertible_to<bool>;
  { *r.begin() } -> std::convertible_to<std::int64_t>;
  requires std::integral<std::remove_cvref_t<decltype(*r.begin())>>;
  requires requires(decltype(r.begin()) it) { ++it; };
};

/// An index from a sampler, checked to be non-negative.
template <class I>
std::size_t to_index(const I& value, const char* who) {
  if constexpr (std::is_signed_v<I>) {
    if (value < 0)
      throw std::out_of_range(std::string(who) + ": negative index " + std::to_string(value));
  }
  return static_cast<std::size_t>(value);
}

/// len(r): r.size() if r has one (a size() returning std::optional<std::size_t> may say
/// "unknown"), else nullopt.
template <class R>
std::optional<std::size_t> size_of(R& r) {
  if constexpr (requires {
                  { r.size() } -> std::same_as<std::optional<std::size_t>>;
                })
    return r.size();
  else if constexpr (requires {
                       { r.size() } -> std::convertible_to<std::size_t>;
                     })
    return static_cast<std::size_t>(r.size());
  else
    return std::nullopt;
}
}  // namespace detail

/// A range of sample indices (torch.utils.data.Sampler).
template <class S>
concept Sampler = detail::index_range<S>;

/// A range of lists of sample indices, one list per batch (a batch_sampler).
template <class S>
concept BatchSamplerRange = requires(S& s) {
  s.begin();
  s.end();
  { s.begin() != s.end() } -> std::convertible_to<bool>;
  requires requires(decltype(s.begin()) it) {
    ++it;
    requires detail::index_range<std::remove_reference_t<decltype(*it)>>;
  };
};

}  // namespace torchlet::data
