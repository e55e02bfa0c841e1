#pragma once
// data::AnySampler, data::AnyBatchSampler: any Sampler / BatchSamplerRange behind one type,
// so that DataLoaderOptions can have `sampler` and `batch_sampler` fields. An lvalue is held
// by reference (the DataLoader then sees set_epoch() calls on it), an rvalue by value
// (moved in). Both are BasicAnySampler<Item>: one type erasure for an index (Item =
// std::size_t) and for a batch of indices (Item = std::vector<std::size_t>).
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "torchlet/data/detail/pass_iterator.hpp"
#include "torchlet/data/samplers/concepts.hpp"

namespace torchlet::data {

namespace detail {
/// What a BasicAnySampler<Item> accepts: Samplers for an index, BatchSamplerRanges for a batch.
template <class Item, class S>
concept sampler_for = (std::is_same_v<Item, std::size_t> && Sampler<S>) ||
                      (std::is_same_v<Item, std::vector<std::size_t>> && BatchSamplerRange<S>);

/// Reads one element of a sampler's pass into `out`, checking each index.
template <class E>
void read_item(const E& e, std::size_t& out) {
  out = to_index(e, "sampler");
}
template <class E>
void read_item(const E& list, std::vector<std::size_t>& out) {
  out.clear();
  for (auto i = list.begin(); i != list.end(); ++i) out.push_back(to_index(*i, "batch_sampler"));
}
}  // namespace detail

/// Any sampler yielding `Item`s behind one type (AnySampler: indices; AnyBatchSampler: lists
/// of indices). Empty (false) when default-constructed. It is itself a range over one pass.
template <class Item>
class BasicAnySampler {
 public:
  /// One pass: next(item) stores the next element in `item`, false at the end.
  struct Cursor {
    virtual ~Cursor() = default;
    /// Stores the next element of the pass in `item`; false at the end of the pass.
    virtual bool next(Item& item) = 0;
  };

  BasicAnySampler() = default;
  /// Holds an lvalue by reference and an rvalue by value.
  template <class S>
  requires(!std::same_as<std::remove_cvref_t<S>, BasicAnySampler> &&
           detail::sampler_for<Item, std::remove_reference_t<S>>) BasicAnySampler(S&& sampler)
      : impl_(std::make_shared<Model<S>>(std::forward<S>(sampler))) {}

  /// Whether a sampler is held.
  explicit operator bool() const noexcept { return impl_ != nullptr; }
  /// Starts a pass (calls the sampler's begin()).
  std::unique_ptr<Cursor> start() const { return checked().start(); }
  /// len(sampler): elements per pass, or nullopt if the sampler has no size().
  std::optional<std::size_t> size() const { return checked().size(); }

  /// The input iterator of one pass.
  using iterator = detail::PassIterator<Cursor, Item>;
  /// Starts a pass.
  iterator begin() const { return iterator(std::shared_ptr<Cursor>(start())); }
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
        bool next(Item& item) override {
          if (!(it != end)) return false;
          detail::read_item(*it, item);
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
    if (!impl_)
      throw std::logic_error(std::is_same_v<Item, std::size_t>
                                 ? "AnySampler: no sampler (default-constructed)"
                                 : "AnyBatchSampler: no batch sampler (default-constructed)");
    return *impl_;
  }
  std::shared_ptr<Concept> impl_;
};

/// Any Sampler (a range of indices) behind one type.
using AnySampler = BasicAnySampler<std::size_t>;
/// Any BatchSamplerRange (a range of lists of indices, one per batch) behind one type.
using AnyBatchSampler = BasicAnySampler<std::vector<std::size_t>>;

}  // namespace torchlet::data
