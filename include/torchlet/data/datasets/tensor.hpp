#pragma once
// TensorDataset: samples are rows of tensors that share their first dimension
// (torch.utils.data.TensorDataset).
//
//   data::TensorDataset ds(x, y);   // x: Tensor [N, 784], y: LongTensor [N]
//   auto [xi, yi] = ds[i];          // views: xi [784], yi [] (0-dim)
//
// It also offers the batched fast path the DataLoader looks for,
//   std::tuple<BasicTensor<Ts>...> get_batch(std::span<const std::size_t> indices) const,
// which gathers the rows straight into the batch tensors (one memcpy per row and tensor,
// no per-sample allocation) and returns what default_collate would.
#include <cstddef>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "torchlet/tensor.hpp"

namespace torchlet::data {

/// torch.utils.data.TensorDataset: sample i is (t0[i], t1[i], ...), a tuple of tensors;
/// all tensors share their size along dim 0.
template <class... Ts>
class TensorDataset {
  static_assert(sizeof...(Ts) > 0, "TensorDataset needs at least one tensor");

 public:
  /// One sample: the i-th slice of each tensor.
  using sample_type = std::tuple<BasicTensor<Ts>...>;

  /// All tensors must have at least one dimension and the same size along dim 0.
  explicit TensorDataset(BasicTensor<Ts>... tensors) : tensors_(std::move(tensors)...) {
    std::size_t k = 0;
    std::int64_t n = -1;
    Shape first;
    std::apply(
        [&](const auto&... t) {
          (
              [&] {
                if (!t.defined())
                  throw std::invalid_argument("TensorDataset: tensor " + std::to_string(k) +
                                              " is undefined");
                if (t.dim() == 0)
                  throw ShapeError(
                      "TensorDataset: tensor " + std::to_string(k) +
                      " is 0-dimensional; each tensor needs a first (sample) dimension");
                if (n < 0) {
                  n = t.size(0);
                  first = t.shape();
                } else if (t.size(0) != n) {
                  throw ShapeError("TensorDataset: size mismatch between tensors: tensor " +
                                   std::to_string(k) + " has " + std::to_string(t.size(0)) +
                                   " rows (shape " + to_string(t.shape()) + ") but tensor 0 has " +
                                   std::to_string(n) + " (shape " + to_string(first) + ")");
                }
                ++k;
              }(),
              ...);
        },
        tensors_);
    size_ = static_cast<std::size_t>(n);
  }

  /// len(dataset): the shared first dimension.
  std::size_t size() const noexcept { return size_; }

  /// Row i of every tensor (views sharing the tensors' storage).
  sample_type operator[](std::size_t i) const {
    check(i);
    return std::apply(
        [&](const auto&... t) { return sample_type{t[static_cast<std::int64_t>(i)]...}; },
        tensors_);
  }

  /// Rows `indices` of every tensor, stacked: tensor k [N, *S_k] -> [B, *S_k].
  sample_type get_batch(std::span<const std::size_t> indices) const {
    for (std::size_t i : indices) check(i);
    return std::apply([&](const auto&... t) { return sample_type{gather(t, indices)...}; },
                      tensors_);
  }

  /// The tensors.
  const std::tuple<BasicTensor<Ts>...>& tensors() const noexcept { return tensors_; }

 private:
  void check(std::size_t i) const {
    if (i >= size_)
      throw std::out_of_range("TensorDataset: index " + std::to_string(i) +
                              " is out of range for a dataset of " + std::to_string(size_) +
                              " samples");
  }
  template <class T>
  static BasicTensor<T> gather(const BasicTensor<T>& t, std::span<const std::size_t> indices) {
    Shape s = t.shape();
    s[0] = static_cast<std::int64_t>(indices.size());
    auto out = BasicTensor<T>::empty(s);
    const std::size_t row = static_cast<std::size_t>(t.numel() / t.size(0));
    const T* src = t.data();
    T* dst = out.data();
    if (row == 1) {
      for (std::size_t b = 0; b < indices.size(); ++b) dst[b] = src[indices[b]];
    } else if (row) {
      for (std::size_t b = 0; b < indices.size(); ++b)
        std::memcpy(static_cast<void*>(dst + b * row), src + indices[b] * row, sizeof(T) * row);
    }
    return out;
  }

  std::tuple<BasicTensor<Ts>...> tensors_;
  std::size_t size_ = 0;
};

template <class... Ts>
TensorDataset(BasicTensor<Ts>...) -> TensorDataset<Ts...>;

}  // namespace torchlet::data
