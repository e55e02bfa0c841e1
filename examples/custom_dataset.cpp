// Idiom 4: a Dataset is anything with size() and operator[] - Python's __len__ and
// __getitem__. data::Dataset is a C++20 concept, checked when the code compiles.
#include <iostream>
#include <iterator>
#include <vector>

#include <torchlet/torchlet.hpp>

using namespace torchlet;

// Python:  class Squares(Dataset):
//              def __len__(self): return 10
//              def __getitem__(self, i): return (torch.tensor([float(i)]), i * i)
struct Squares {
  std::size_t size() const { return 10; }
  std::pair<Tensor, std::int64_t> operator[](std::size_t i) const {
    return {tensor<float>({static_cast<float>(i)}), static_cast<std::int64_t>(i * i)};
  }
};
static_assert(data::Dataset<Squares>);

// Without operator[] it is not a Dataset:
struct NoGetItem {
  std::size_t size() const { return 10; }
};
static_assert(!data::Dataset<NoGetItem>);
// and handing it to a DataLoader, `data::DataLoader loader(NoGetItem{}, {.batch_size = 4});`,
// stops the build with one line (g++ 12):
//   error: static assertion failed: DataLoader: the dataset type has size() but no
//   operator[](std::size_t) (Python's __getitem__), so it is not a data::Dataset; add
//   `Sample operator[](std::size_t i) const`

// A std::vector of examples is a Dataset as it is.
static_assert(data::Dataset<std::vector<std::pair<Tensor, std::int64_t>>>);

int main() {
  Squares ds;
  std::cout << "std::size(ds) = " << std::size(ds) << "\n";  // len(ds)
  auto [x, y] = ds[3];                                       // ds[3]
  std::cout << "ds[3] = (" << x << ", " << y << ")\n";

  data::DataLoader loader(ds, {.batch_size = 4});
  for (auto [xs, ys] : loader)
    std::cout << "batch: x " << to_string(xs.shape()) << ", y " << ys << "\n";
  return std::size(ds) == 10 && y == 9 ? 0 : 1;
}
