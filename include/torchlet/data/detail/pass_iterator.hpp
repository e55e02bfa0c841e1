#pragma once
// PassIterator<State, Item>: the input iterator of one pass of a sampler whose elements are
// made on the fly by State::next(Item&) (false at the end). Copies share the pass, like
// Python's iterator objects.
#include <cstddef>
#include <iterator>
#include <memory>
#include <utility>

namespace torchlet::data::detail {

template <class State, class Item = std::size_t>
class PassIterator {
 public:
  using value_type = Item;
  using difference_type = std::ptrdiff_t;
  using iterator_concept = std::input_iterator_tag;

  PassIterator() = default;
  explicit PassIterator(std::shared_ptr<State> state) : state_(std::move(state)) { ++*this; }
  const Item& operator*() const { return value_; }
  PassIterator& operator++() {
    done_ = !state_->next(value_);
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const PassIterator& it, std::default_sentinel_t) { return it.done_; }

 private:
  std::shared_ptr<State> state_;
  Item value_{};
  bool done_ = true;
};

}  // namespace torchlet::data::detail
