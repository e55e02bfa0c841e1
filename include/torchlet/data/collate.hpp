#pragma once
// default_collate: turns the B samples of a batch into one batch, recursively, like
// torch.utils.data.default_collate. For a sample type S, the batch type collate_t<S> is:
//
//   BasicTensor<T> [*S]                  -> BasicTensor<T> [B, *S]  (stacked; all shapes equal)
//   bool                                 -> BoolTensor [B]
//   other integral types                 -> LongTensor [B]
//   float, double                        -> Tensor [B]   (float32, torchlet's default dtype;
//                                           PyTorch makes float64 of Python floats)
//   std::string                          -> std::vector<std::string> [B]
//   std::map<K, V>                       -> std::map<K, collate_t<V>>   (key by key; same keys)
//   std::vector<V>  (all of one length)  -> std::vector<collate_t<V>>   (position by position)
//   std::pair / std::tuple / std::array  -> the same kind, of collated fields
//   other tuple-likes                    -> std::tuple of collated fields
//   aggregates (struct { Tensor x; int y; }), fields read with structured bindings
//                                        -> std::tuple of collated fields, or the aggregate's
//                                           own `batch_type` if it declares one (built from
//                                           the collated fields in order)
//
// Samples that do not fit (tensors of different shapes, maps with other keys, vectors of
// other lengths) raise a CollateError naming the field, the two entries and what differs.
// Stacking writes each sample straight into the batch's storage (one allocation per
// batched field) and records no autograd graph.
#include <array>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/tensor.hpp"

namespace torchlet::data {

/// Thrown when samples cannot be collated into one batch.
class CollateError : public ShapeError {
 public:
  /// `field`: where in the sample ("" for the sample itself, "[1]", "['image']", ...).
  CollateError(std::string field, std::string problem)
      : ShapeError("default_collate: " + (field.empty() ? std::string() : "field " + field + ": ") +
                   problem),
        field_(std::move(field)),
        problem_(std::move(problem)) {}
  /// Where in the sample the problem is ("" for the sample itself, "[1]", "['image']", ...).
  const std::string& field() const noexcept { return field_; }
  /// What went wrong.
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string field_, problem_;
};

namespace detail {

/// Where the samples being collated came from: the dataset index of each entry of the
/// batch (empty when unknown), used only to word errors.
struct CollateContext {
  std::span<const std::size_t> indices{};
  std::string entry(std::size_t i) const {
    std::string s = "entry " + std::to_string(i);
    if (i < indices.size()) s += " (dataset index " + std::to_string(indices[i]) + ")";
    return s;
  }
};

/// Runs f(); a CollateError thrown inside is rethrown with `step` prepended to its field.
template <class F>
decltype(auto) in_field(const std::string& step, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const CollateError& e) {
    throw CollateError(step + e.field(), e.problem());
  }
}
template <class F>
decltype(auto) in_field(std::size_t i, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const CollateError& e) {
    throw CollateError("[" + std::to_string(i) + "]" + e.field(), e.problem());
  }
}

// ---- aggregates: field count and structured bindings ------------------------------------

/// Converts to anything but S itself (so S{any} is not S's copy).
template <class S>
struct AnyField {
  template <class U>
  requires(!std::same_as<std::remove_cvref_t<U>, S>) operator U()
      const;  // declared only: used in unevaluated contexts
};

template <class S, std::size_t... I>
constexpr bool brace_constructible(std::index_sequence<I...>) {
  return requires { S{(static_cast<void>(I), AnyField<S>{})...}; };
}
/// Number of fields of aggregate S (the largest N with S{f1, ..., fN} valid), up to 16.
template <class S, std::size_t N = 16>
constexpr std::size_t field_count() {
  if constexpr (N == 0)
    return 0;
  else if constexpr (brace_constructible<S>(std::make_index_sequence<N>{}))
    return N;
  else
    return field_count<S, N - 1>();
}

/// std::tie of the fields of aggregate s, via structured bindings.
template <std::size_t N, class S>
constexpr auto tie_fields(S& s) {
  // clang-format off
  if constexpr (N == 1) { auto& [a] = s; return std::tie(a); }
  else if constexpr (N == 2) { auto& [a, b] = s; return std::tie(a, b); }
  else if constexpr (N == 3) { auto& [a, b, c] = s; return std::tie(a, b, c); }
  else if constexpr (N == 4) { auto& [a, b, c, d] = s; return std::tie(a, b, c, d); }
  else if constexpr (N == 5) { auto& [a, b, c, d, e] = s; return std::tie(a, b, c, d, e); }
  else if constexpr (N == 6) { auto& [a, b, c, d, e, f] = s; return std::tie(a, b, c, d, e, f); }
  else if constexpr (N == 7) { auto& [a, b, c, d, e, f, g] = s; return std::tie(a, b, c, d, e, f, g); }
  else if constexpr (N == 8) { auto& [a, b, c, d, e, f, g, h] = s; return std::tie(a, b, c, d, e, f, g, h); }
  else if constexpr (N == 9) { auto& [a, b, c, d, e, f, g, h, i] = s; return std::tie(a, b, c, d, e, f, g, h, i); }
  else if constexpr (N == 10) { auto& [a, b, c, d, e, f, g, h, i, j] = s; return std::tie(a, b, c, d, e, f, g, h, i, j); }
  else if constexpr (N == 11) { auto& [a, b, c, d, e, f, g, h, i, j, k] = s; return std::tie(a, b, c, d, e, f, g, h, i, j, k); }
  else if constexpr (N == 12) { auto& [a, b, c, d, e, f, g, h, i, j, k, l] = s; return std::tie(a, b, c, d, e, f, g, h, i, j, k, l); }
  else if constexpr (N == 13) { auto& [a, b, c, d, e, f, g, h, i, j, k, l, m] = s; return std::tie(a, b, c, d, e, f, g, h, i, j, k, l, m); }
  else if constexpr (N == 14) { auto& [a, b, c, d, e, f, g, h, i, j, k, l, m, n] = s; return std::tie(a, b, c, d, e, f, g, h, i, j, k, l, m, n); }
  else if constexpr (N == 15) { auto& [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o] = s; return std::tie(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o); }
  else { static_assert(N == 16); auto& [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = s; return std::tie(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p); }
  // clang-format on
}

template <class S>
concept tuple_like = requires {
  std::tuple_size<S>::value;
};

template <class S>
concept collatable_aggregate = std::is_aggregate_v<S> && !std::is_array_v<S> && !tuple_like<S> &&
                               std::is_class_v<S> && (field_count<S>() > 0);

template <class S>
using fields_t = decltype(tie_fields<field_count<S>()>(std::declval<const S&>()));

// ---- the per-type collators ----------------------------------------------------------------
// Collate<S>::run(n, at, ctx) builds the batch of n samples, at(i) giving the i-th (a
// const S&). The primary template is empty: S has no default collation.

template <class S>
struct Collate {};

template <class S>
concept collatable = requires {
  typename Collate<S>::type;
};

template <class T>
struct Collate<BasicTensor<T>> {
  using type = BasicTensor<T>;
  template <class Get>
  static type run(std::size_t n, const Get& at, const CollateContext& ctx) {
    if (n == 0) throw CollateError("", "cannot collate an empty batch");
    const BasicTensor<T>& first = at(0);
    if (!first.defined()) throw CollateError("", ctx.entry(0) + " is an undefined tensor");
    const Shape& shape = first.shape();
    Shape s;
    s.reserve(shape.size() + 1);
    s.push_back(static_cast<std::int64_t>(n));
    s.insert(s.end(), shape.begin(), shape.end());
    auto out = BasicTensor<T>::empty(s);
    const auto per = static_cast<std::size_t>(first.numel());
    T* dst = out.data();
    for (std::size_t i = 0; i < n; ++i) {
      const BasicTensor<T>& t = at(i);
      if (i && (!t.defined() || t.shape() != shape))
        throw CollateError(
            "", "stack expects each tensor to be equal size, but got " + to_string(shape) + " at " +
                    ctx.entry(0) + " and " +
                    (t.defined() ? to_string(t.shape()) : std::string("an undefined tensor")) +
                    " at " + ctx.entry(i));
      if (per) std::memcpy(static_cast<void*>(dst + i * per), t.data(), sizeof(T) * per);
    }
    return out;
  }
};

template <class T>
requires std::is_arithmetic_v<T>
struct Collate<T> {
  using E = std::conditional_t<std::is_same_v<T, bool>, bool,
                               std::conditional_t<std::is_integral_v<T>, std::int64_t, float>>;
  using type = BasicTensor<E>;
  template <class Get>
  static type run(std::size_t n, const Get& at, const CollateContext&) {
    if (n == 0) throw CollateError("", "cannot collate an empty batch");
    auto out = BasicTensor<E>::empty({static_cast<std::int64_t>(n)});
    E* d = out.data();
    for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<E>(at(i));
    return out;
  }
};

template <>
struct Collate<std::string> {
  using type = std::vector<std::string>;
  template <class Get>
  static type run(std::size_t n, const Get& at, const CollateContext&) {
    type out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(at(i));
    return out;
  }
};

template <class K>
std::string key_name(const K& k) {
  if constexpr (std::is_convertible_v<const K&, std::string>)
    return "['" + std::string(k) + "']";
  else if constexpr (std::is_arithmetic_v<K>)
    return "[" + std::to_string(k) + "]";
  else
    return "[key]";
}

template <class K, class V, class C, class A>
requires collatable<V>
struct Collate<std::map<K, V, C, A>> {
  using type = std::map<K, typename Collate<V>::type, C>;
  template <class Get>
  static type run(std::size_t n, const Get& at, const CollateContext& ctx) {
    if (n == 0) throw CollateError("", "cannot collate an empty batch");
    const auto& first = at(0);
    for (std::size_t i = 1; i < n; ++i) {
      const auto& m = at(i);
      bool same = m.size() == first.size();
      for (auto a = m.begin(), b = first.begin(); same && a != m.end(); ++a, ++b)
        same = !C{}(a->first, b->first) && !C{}(b->first, a->first);
      if (!same)
        throw CollateError("", ctx.entry(i) + " has keys " + keys(m) + " but " + ctx.entry(0) +
                                   " has keys " + keys(first));
    }
    type out;
    for (const auto& kv : first) {
      const K& key = kv.first;
      out.emplace(key, in_field(key_name(key), [&] {
                    return Collate<V>::run(
                        n, [&](std::size_t i) -> const V& { return at(i).find(key)->second; }, ctx);
                  }));
    }
    return out;
  }
  static std::string keys(const std::map<K, V, C, A>& m) {
    std::string s = "{";
    for (const auto& kv : m) s += (s.size() > 1 ? ", " : "") + key_name(kv.first);
    return s + "}";
  }
};

template <class V, class A>
requires collatable<V>
struct Collate<std::vector<V, A>> {
  using type = std::vector<typename Collate<V>::type>;
  template <class Get>
  static type run(std::size_t n, const Get& at, const CollateContext& ctx) {
    if (n == 0) throw CollateError("", "cannot collate an empty batch");
    const std::size_t len = at(0).size();
    for (std::size_t i = 1; i < n; ++i)
      if (at(i).size() != len)
        throw CollateError("", "each element in list of batch should be of equal size, but " +
                                   ctx.entry(0) + " has " + std::to_string(len) + " elements and " +
                                   ctx.entry(i) + " has " + std::to_string(at(i).size()));
    type out;
    out.reserve(len);
    for (std::size_t p = 0; p < len; ++p)
      out.push_back(in_field(p, [&] {
        return Collate<V>::run(
            n, [&](std::size_t i) -> const V& { return at(i)[p]; }, ctx);
      }));
    return out;
  }
};

/// The batch kind of a tuple-like S whose collated fields are Fs...
template <class S, class... Fs>
struct tuple_batch {
  using type = std::tuple<Fs...>;
};
template <class A, class B, class FA, class FB>
struct tuple_batch<std::pair<A, B>, FA, FB> {
  using type = std::pair<FA, FB>;
};
template <class T, std::size_t N, class F, class... Fs>
struct tuple_batch<std::array<T, N>, F, Fs...> {
  using type = std::array<F, N>;
};

template <class S, class Seq = std::make_index_sequence<std::tuple_size_v<S>>>
struct TupleCollate;
template <class S, std::size_t... I>
requires(collatable<std::remove_cvref_t<std::tuple_element_t<I, S>>>&&...) struct TupleCollate<
    S, std::index_sequence<I...>> {
  template <std::size_t J>
  using field = std::remove_cvref_t<std::tuple_element_t<J, S>>;
  using type = typename tuple_batch<S, typename Collate<field<I>>::type...>::type;
  template <class Get>
  static type run(std::size_t n, const Get& at, const CollateContext& ctx) {
    using std::get;
    return type{in_field(I, [&] {
      return Collate<field<I>>::run(
          n, [&](std::size_t i) -> const field<I>& { return get<I>(at(i)); }, ctx);
    })...};
  }
};

template <class S>
requires tuple_like<S> && requires { typename TupleCollate<S>::type; }
struct Collate<S> : TupleCollate<S> {};

template <class S, class Fields, class Seq = std::make_index_sequence<std::tuple_size_v<Fields>>>
struct AggregateCollate;
template <class S, class Fields, std::size_t... I>
requires(collatable<std::remove_cvref_t<std::tuple_element_t<
             I, Fields>>>&&...) struct AggregateCollate<S, Fields, std::index_sequence<I...>> {
  template <std::size_t J>
  using field = std::remove_cvref_t<std::tuple_element_t<J, Fields>>;
  using fields_batch = std::tuple<typename Collate<field<I>>::type...>;
  static auto pick() {
    if constexpr (requires { typename S::batch_type; })
      return std::type_identity<typename S::batch_type>{};
    else
      return std::type_identity<fields_batch>{};
  }
  using type = typename decltype(pick())::type;
  template <class Get>
  static type run(std::size_t n, const Get& at, const CollateContext& ctx) {
    constexpr std::size_t N = sizeof...(I);
    return type{in_field(I, [&] {
      return Collate<field<I>>::run(
          n, [&](std::size_t i) -> const field<I>& { return std::get<I>(tie_fields<N>(at(i))); },
          ctx);
    })...};
  }
};

template <class S>
requires collatable_aggregate<S> && requires { typename AggregateCollate<S, fields_t<S>>::type; }
struct Collate<S> : AggregateCollate<S, fields_t<S>> {};

/// Collates samples[0, n) (at(i) -> const S&) with errors naming `ctx`'s dataset indices.
template <class S, class Get>
auto collate(std::size_t n, const Get& at, const CollateContext& ctx = {}) {
  return Collate<S>::run(n, at, ctx);
}

}  // namespace detail

/// True when default_collate knows how to batch samples of type S.
template <class S>
concept Collatable = detail::collatable<S>;

/// The batch type default_collate makes from samples of type S.
template <Collatable S>
using collate_t = typename detail::Collate<S>::type;

/// Collates a list of samples into one batch (torch.utils.data.default_collate).
template <Collatable S>
collate_t<S> default_collate(std::span<const S> samples) {
  return detail::Collate<S>::run(
      samples.size(), [&](std::size_t i) -> const S& { return samples[i]; },
      detail::CollateContext{});
}
template <Collatable S, class A>
collate_t<S> default_collate(const std::vector<S, A>& samples) {
  // decltype(auto): std::vector<bool> hands out bools by value
  return detail::Collate<S>::run(
      samples.size(), [&](std::size_t i) -> decltype(auto) { return samples[i]; },
      detail::CollateContext{});
}

}  // namespace torchlet::data
