#pragma once
// default_collate: turns a list of samples into one batch, like PyTorch's:
//   BasicTensor<T> [*S]      -> BasicTensor<T> [B, *S] (stacked)
//   integral values          -> LongTensor [B]
//   floating values          -> Tensor [B]
//   std::pair / std::tuple   -> the same pair / tuple of collated fields
#include <cstring>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "torchlet/tensor.hpp"

namespace torchlet::data {
namespace detail {

template <class S>
struct Collate;  // specialised per sample type

template <class T>
struct Collate<BasicTensor<T>> {
  using type = BasicTensor<T>;
  /// get(i) returns the i-th sample's tensor; n samples.
  template <class Get>
  static type run(std::size_t n, Get&& get) {
    if (n == 0) throw std::invalid_argument("default_collate: empty batch");
    const BasicTensor<T>& first = get(0);
    Shape s{static_cast<std::int64_t>(n)};
    s.insert(s.end(), first.shape().begin(), first.shape().end());
    auto out = BasicTensor<T>::empty(s);
    const auto per = first.numel();
    T* dst = out.data();
    for (std::size_t i = 0; i < n; ++i) {
      const BasicTensor<T>& t = get(i);
      if (t.shape() != first.shape())
        throw ShapeError("default_collate: sample " + std::to_string(i) + " has shape " + to_string(t.shape()) +
                         " but sample 0 has shape " + to_string(first.shape()) + " (samples in a batch must match)");
      if (per) std::memcpy(static_cast<void*>(dst + i * per), t.data(), sizeof(T) * per);
    }
    return out;
  }
};

template <class T>
  requires std::is_arithmetic_v<T>
struct Collate<T> {
  using E = std::conditional_t<std::is_integral_v<T>, std::int64_t, float>;
  using type = BasicTensor<E>;
  template <class Get>
  static type run(std::size_t n, Get&& get) {
    auto out = BasicTensor<E>::empty({static_cast<std::int64_t>(n)});
    for (std::size_t i = 0; i < n; ++i) out.data()[i] = static_cast<E>(get(i));
    return out;
  }
};

template <class A, class B>
struct Collate<std::pair<A, B>> {
  using type = std::pair<typename Collate<A>::type, typename Collate<B>::type>;
  template <class Get>
  static type run(std::size_t n, Get&& get) {
    return {Collate<A>::run(n, [&](std::size_t i) -> decltype(auto) { return (get(i).first); }),
            Collate<B>::run(n, [&](std::size_t i) -> decltype(auto) { return (get(i).second); })};
  }
};

template <class... Ts>
struct Collate<std::tuple<Ts...>> {
  using type = std::tuple<typename Collate<Ts>::type...>;
  template <class Get>
  static type run(std::size_t n, Get&& get) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return type{Collate<Ts>::run(n, [&](std::size_t i) -> decltype(auto) { return (std::get<I>(get(i))); })...};
    }(std::index_sequence_for<Ts...>{});
  }
};

}  // namespace detail

/// The batch type default_collate makes from samples of type S.
template <class S>
using collate_t = typename detail::Collate<S>::type;

/// Collates a list of samples into one batch (torch.utils.data.default_collate).
template <class S>
collate_t<S> default_collate(std::span<const S> samples) {
  return detail::Collate<S>::run(samples.size(), [&](std::size_t i) -> const S& { return samples[i]; });
}
template <class S>
collate_t<S> default_collate(const std::vector<S>& samples) {
  return default_collate(std::span<const S>(samples));
}

}  // namespace torchlet::data
