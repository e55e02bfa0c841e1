#pragma once
// Samplers decide WHICH samples an epoch reads and in what order; datasets load them.
//
//   data::Sampler<S>            anything with begin()/end() over indices (integers >= 0):
//                               the library's samplers (samplers/*.hpp), a
//                               std::vector<std::size_t>, a class of your own. Each begin() is a
//                               new pass (a new shuffle).
//   data::BatchSamplerRange<S>  begin()/end() over lists of indices, one list per batch
//                               (data::BatchSampler, a std::vector<std::vector<int>>, ...).
//   data::AnySampler, data::AnyBatchSampler
//                               hold any such type behind one type, so DataLoaderOptions can
//                               have `sampler` / `batch_sampler` fields. An lvalue is held by
//                               reference (the DataLoader sees set_epoch() calls on it), an
//                               rvalue by value (moved in).
#include <concepts>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

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

/// Any Sampler behind one type. Empty (false) when default-constructed.
class AnySampler {
 public:
  /// One pass over the indices: next(i) stores the next index in i, false at the end.
  struct Cursor {
    virtual ~Cursor() = default;
    /// Stores the next index in `index`; false at the end of the pass.
    virtual bool next(std::size_t& index) = 0;
  };

  AnySampler() = default;
  /// Holds an lvalue by reference and an rvalue by value.
  template <class S>
  requires(!std::same_as<std::remove_cvref_t<S>, AnySampler> && Sampler<std::remove_reference_t<S>>)
      AnySampler(S&& sampler)
      : impl_(std::make_shared<Model<S>>(std::forward<S>(sampler))) {}

  /// Whether a sampler is held.
  explicit operator bool() const noexcept { return impl_ != nullptr; }
  /// Starts a pass (calls the sampler's begin()).
  std::unique_ptr<Cursor> start() const { return checked().start(); }
  /// len(sampler), or nullopt if the sampler has no size().
  std::optional<std::size_t> size() const { return checked().size(); }

  /// An input iterator over one pass, so an AnySampler is itself a Sampler.
  class iterator {
   public:
    ///@{
    /// Iterator types (C++20 input iterator).
    using value_type = std::size_t;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;
    ///@}
    iterator() = default;
    /// The current index.
    std::size_t operator*() const { return value_; }
    /// Moves to the next index.
    iterator& operator++() {
      done_ = !cursor_->next(value_);
      return *this;
    }
    /// Moves to the next index.
    void operator++(int) { ++*this; }
    /// True after the last index.
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return it.done_; }

   private:
    friend class AnySampler;
    explicit iterator(std::shared_ptr<Cursor> c) : cursor_(std::move(c)) { ++*this; }
    std::shared_ptr<Cursor> cursor_;
    std::size_t value_ = 0;
    bool done_ = true;
  };
  /// Starts a pass.
  iterator begin() const { return iterator(start()); }
  /// The end of a pass.
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual std::unique_ptr<Cursor> start() = 0;
    virtual std::optional<std::size_t> size() = 0;
  };
  template <class S>
  struct Model final : Concept {
    explicit Model(S&& s) : sampler(std::forward<S>(s)) {}
    std::unique_ptr<Cursor> start() override {
      using It = decltype(sampler.begin());
      using End = decltype(sampler.end());
      struct Impl final : Cursor {
        Impl(It b, End e) : it(std::move(b)), end(std::move(e)) {}
        bool next(std::size_t& index) override {
          if (!(it != end)) return false;
          index = detail::to_index(*it, "sampler");
          ++it;
          return true;
        }
        It it;
        End end;
      };
      return std::make_unique<Impl>(sampler.begin(), sampler.end());
    }
    std::optional<std::size_t> size() override { return detail::size_of(sampler); }
    S sampler;  // a reference for lvalues
  };
  Concept& checked() const {
    if (!impl_) throw std::logic_error("AnySampler: no sampler (default-constructed)");
    return *impl_;
  }
  std::shared_ptr<Concept> impl_;
};

/// Any BatchSamplerRange behind one type. Empty (false) when default-constructed.
class AnyBatchSampler {
 public:
  /// One pass: next(batch) replaces batch's contents with the next list, false at the end.
  struct Cursor {
    virtual ~Cursor() = default;
    /// Stores the next batch of indices in `batch`; false at the end of the pass.
    virtual bool next(std::vector<std::size_t>& batch) = 0;
  };

  AnyBatchSampler() = default;
  /// Holds an lvalue by reference and an rvalue by value.
  template <class S>
  requires(!std::same_as<std::remove_cvref_t<S>, AnyBatchSampler> &&
           BatchSamplerRange<std::remove_reference_t<S>>) AnyBatchSampler(S&& sampler)
      : impl_(std::make_shared<Model<S>>(std::forward<S>(sampler))) {}

  /// Whether a batch sampler is held.
  explicit operator bool() const noexcept { return impl_ != nullptr; }
  /// Starts a pass (calls the batch sampler's begin()).
  std::unique_ptr<Cursor> start() const { return checked().start(); }
  /// Number of batches per pass, or nullopt if the batch sampler has no size().
  std::optional<std::size_t> size() const { return checked().size(); }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual std::unique_ptr<Cursor> start() = 0;
    virtual std::optional<std::size_t> size() = 0;
  };
  template <class S>
  struct Model final : Concept {
    explicit Model(S&& s) : sampler(std::forward<S>(s)) {}
    std::unique_ptr<Cursor> start() override {
      using It = decltype(sampler.begin());
      using End = decltype(sampler.end());
      struct Impl final : Cursor {
        Impl(It b, End e) : it(std::move(b)), end(std::move(e)) {}
        bool next(std::vector<std::size_t>& batch) override {
          if (!(it != end)) return false;
          batch.clear();
          {
            auto&& list = *it;
            for (auto i = list.begin(); i != list.end(); ++i)
              batch.push_back(detail::to_index(*i, "batch_sampler"));
          }
          ++it;
          return true;
        }
        It it;
        End end;
      };
      return std::make_unique<Impl>(sampler.begin(), sampler.end());
    }
    std::optional<std::size_t> size() override { return detail::size_of(sampler); }
    S sampler;
  };
  Concept& checked() const {
    if (!impl_) throw std::logic_error("AnyBatchSampler: no batch sampler (default-constructed)");
    return *impl_;
  }
  std::shared_ptr<Concept> impl_;
};

}  // namespace torchlet::data
