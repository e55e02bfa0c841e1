// Idioms 7-10: iterables and iterators.
//
// Python's for-loop calls iter() on an iterable and next() on the iterator until
// StopIteration. C++'s range-for calls begin() on a range and ++/* on the iterator until
// it equals end(). A DataLoader is an iterable: begin() starts an epoch (a new shuffle)
// and returns a fresh iterator that loads one batch at a time, when it is reached.
#include <iostream>
#include <vector>

#include <torchlet/torchlet.hpp>

using namespace torchlet;

// A class with begin()/end() works in a range-for, like a Python class with __iter__.
class Countdown {
 public:
  explicit Countdown(int from) : from_(from) {}
  struct iterator {
    int n;
    int operator*() const { return n; }
    iterator& operator++() {
      --n;
      return *this;
    }
    bool operator==(const iterator& o) const { return n == o.n; }
  };
  iterator begin() const { return {from_}; }
  iterator end() const { return {0}; }

 private:
  int from_;
};

template <class L>
concept Indexable = requires(L& l) {
  l[0];
};

int main() {
  // it = iter([1, 2, 3]); next(it); next(it); next(it); next(it) -> StopIteration
  std::vector<int> v{1, 2, 3};
  auto it = v.begin();
  while (it != v.end()) {  // the end iterator plays the part of StopIteration
    std::cout << "next(it) = " << *it << "\n";
    ++it;
  }

  for (int n : Countdown(3)) std::cout << "countdown " << n << "\n";

  // next(iter(loader)): the first batch, and only that batch is read.
  std::vector<std::pair<Tensor, std::int64_t>> samples;
  for (int i = 0; i < 10; ++i) samples.push_back({full({2}, static_cast<float>(i)), i});
  data::DataLoader loader(samples, {.batch_size = 4, .shuffle = true, .seed = 1});
  auto [first_x, first_y] = *loader.begin();
  std::cout << "first batch labels: " << first_y << "\n";
  // Each begin() is a new epoch with a new order, like calling iter(loader) again.
  auto [again_x, again_y] = *loader.begin();
  std::cout << "a new epoch starts with: " << again_y << "\n";

  // There is no loader[0]: a DataLoader is an iterable, not a sequence. Which samples
  // form "batch 0" is only decided when an epoch starts (the sampler shuffles), and a
  // batch exists only while the iterator is on it. `loader[0]` does not compile, just
  // as PyTorch's `loader[0]` raises TypeError.
  static_assert(!Indexable<decltype(loader)>);
  std::cout << "len(loader) = " << loader.size() << " batches\n";
  return first_y.numel() == 4 ? 0 : 1;
}
