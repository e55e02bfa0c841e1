#pragma once
// data::CollateFn: the `collate_fn` field of DataLoaderOptions - any callable that turns
// the list of samples of a batch into the batch (PyTorch's collate_fn):
//
//   .collate_fn = [](std::vector<Sample>& samples) { ...; return Batch{...}; }
//
// The parameter may be std::vector<Sample>& (the samples may be moved from),
// const std::vector<Sample>&, std::vector<Sample>, std::vector<Sample>&&,
// std::span<Sample> or std::span<const Sample>; it must be spelled out (not `auto`): the
// options are not a template, so the sample type is read from the callable's signature.
// The DataLoader checks, when it is constructed, that Sample is its dataset's sample type
// and that the result is its batch type (by default collate_t<Sample>; a DataLoader with
// another batch type is written data::BasicDataLoader<Dataset&, Batch>).
//
// The DataLoader's worker threads may call it concurrently.
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#if defined(__GNUG__)
#include <cxxabi.h>

#include <cstdlib>
#endif

namespace torchlet::data {

namespace detail {

template <class F>
struct call_signature {};
template <class R, class A>
struct call_signature<R (*)(A)> {
  using result = R;
  using arg = A;
};
template <class R, class A>
struct call_signature<R (*)(A) noexcept> : call_signature<R (*)(A)> {};
template <class R, class C, class A>
struct call_signature<R (C::*)(A)> : call_signature<R (*)(A)> {};
template <class R, class C, class A>
struct call_signature<R (C::*)(A) const> : call_signature<R (*)(A)> {};
template <class R, class C, class A>
struct call_signature<R (C::*)(A) noexcept> : call_signature<R (*)(A)> {};
template <class R, class C, class A>
struct call_signature<R (C::*)(A) const noexcept> : call_signature<R (*)(A)> {};
template <class F>
requires requires { &F::operator(); }
struct call_signature<F> : call_signature<decltype(&F::operator())> {};

/// The sample type S of a collate_fn parameter of type A (see the list above).
template <class A>
struct samples_param {};
template <class S, class Al>
struct samples_param<std::vector<S, Al>&> {
  using sample = S;
};
template <class S, class Al>
struct samples_param<const std::vector<S, Al>&> {
  using sample = S;
};
template <class S, class Al>
struct samples_param<std::vector<S, Al>> {
  using sample = S;
};
template <class S, class Al>
struct samples_param<std::vector<S, Al>&&> {
  using sample = S;
  static constexpr bool rvalue = true;
};
template <class S, std::size_t E>
struct samples_param<std::span<S, E>> {
  using sample = std::remove_const_t<S>;
};

template <class F>
concept collate_callable = requires {
  typename call_signature<F>::arg;
  typename samples_param<typename call_signature<F>::arg>::sample;
};

inline std::string type_name(const std::type_info& t) {
#if defined(__GNUG__)
  int status = 0;
  char* s = abi::__cxa_demangle(t.name(), nullptr, nullptr, &status);
  if (status == 0 && s) {
    std::string out(s);
    std::free(s);
    return out;
  }
#endif
  return t.name();
}

}  // namespace detail

/// A type-erased collate_fn for DataLoaderOptions: any callable taking the batch's samples
/// (see the accepted signatures above). Empty (false): default_collate.
class CollateFn {
 public:
  CollateFn() = default;
  /// Wraps a collate function; a callable of another signature is a compile error naming the
  /// accepted ones.
  template <class F>
  requires(!std::same_as<std::decay_t<F>, CollateFn>) CollateFn(F&& f) {
    using Fn = std::decay_t<F>;
    static_assert(
        detail::collate_callable<Fn>,
        "collate_fn: give the callable one parameter of an explicit type - std::vector<Sample>&, "
        "const std::vector<Sample>&, std::vector<Sample> or std::span<const Sample> - not `auto`: "
        "the sample type is read from it");
    if constexpr (detail::collate_callable<Fn>) {
      using A = typename detail::call_signature<Fn>::arg;
      using S = typename detail::samples_param<A>::sample;
      using B = std::decay_t<typename detail::call_signature<Fn>::result>;
      using Erased = std::function<B(std::vector<S>&)>;
      Erased fn;
      if constexpr (requires { detail::samples_param<A>::rvalue; })
        fn = [g = Fn(std::forward<F>(f))](std::vector<S>& samples) -> B {
          return std::invoke(g, std::move(samples));
        };
      else
        fn = [g = Fn(std::forward<F>(f))](std::vector<S>& samples) -> B {
          return std::invoke(g, samples);
        };
      fn_ = std::make_shared<const Erased>(std::move(fn));
      type_ = &typeid(Erased);
      sample_ = &typeid(S);
      batch_ = &typeid(B);
    }
  }

  /// Whether a function is held.
  explicit operator bool() const noexcept { return fn_ != nullptr; }

  /// The callable as B(std::vector<S>&); throws std::invalid_argument naming both
  /// signatures if it was written for other sample or batch types.
  template <class S, class B>
  std::function<B(std::vector<S>&)> get() const {
    using Erased = std::function<B(std::vector<S>&)>;
    if (!fn_) return {};
    if (*type_ != typeid(Erased))
      throw std::invalid_argument(
          "DataLoader: collate_fn takes samples of type " + detail::type_name(*sample_) +
          " and returns " + detail::type_name(*batch_) + ", but this loader's samples are " +
          detail::type_name(typeid(S)) + " and its batches " + detail::type_name(typeid(B)) +
          (*sample_ == typeid(S)
               ? " (for another batch type, name it: data::BasicDataLoader<Dataset&, Batch>)"
               : ""));
    return *static_cast<const Erased*>(fn_.get());
  }

 private:
  std::shared_ptr<const void> fn_;
  const std::type_info* type_ = nullptr;
  const std::type_info* sample_ = nullptr;
  const std::type_info* batch_ = nullptr;
};

}  // namespace torchlet::data
