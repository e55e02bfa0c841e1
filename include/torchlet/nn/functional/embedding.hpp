#pragma once
// embedding: indices [*] (int64) and weight [num_embeddings, embedding_dim] -> [*, embedding_dim],
// row i of the output being weight[indices[i]]. The gradient of the row padding_idx
// (if given) is always zero. With max_norm, the looked-up rows whose norm_type-norm exceeds
// max_norm are first scaled in place (weight is modified, as in PyTorch) to norm max_norm;
// scale_grad_by_freq divides each row's gradient by its index's count in the input.
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {
namespace detail {

/// torch.embedding_renorm_: each row of weight named in `indices` whose norm_type-norm exceeds
/// max_norm is scaled in place by max_norm / (norm + 1e-7), without recording a gradient.
template <class T>
void embedding_renorm_(const BasicTensor<T>& weight, const LongTensor& indices, double max_norm,
                       double norm_type) {
  const std::int64_t dim = weight.shape()[1];
  std::vector<std::int64_t> rows(indices.data(), indices.data() + indices.numel());
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  bool changed = false;
  for (const std::int64_t r : rows) {
    T* row = weight.data() + r * dim;
    double norm = 0;
    if (std::isinf(norm_type)) {
      for (std::int64_t j = 0; j < dim; ++j) norm = std::max(norm, std::abs(double(row[j])));
    } else {
      for (std::int64_t j = 0; j < dim; ++j) norm += std::pow(std::abs(double(row[j])), norm_type);
      norm = std::pow(norm, 1.0 / norm_type);
    }
    if (norm > max_norm) {
      const double scale = max_norm / (norm + 1e-7);
      for (std::int64_t j = 0; j < dim; ++j) row[j] = static_cast<T>(row[j] * scale);
      changed = true;
    }
  }
  if (changed) torchlet::detail::bump_version(weight);
}

}  // namespace detail

/// F.embedding: the rows of weight [num_embeddings, embedding_dim] at input [*] -> [*,
/// embedding_dim] (see the top of this file for padding_idx, max_norm, scale_grad_by_freq).
template <class = void>
inline Tensor embedding(const LongTensor& input, const Tensor& weight,
                        std::optional<std::int64_t> padding_idx = std::nullopt,
                        std::optional<double> max_norm = std::nullopt, double norm_type = 2.0,
                        bool scale_grad_by_freq = false) {
  if (weight.dim() != 2)
    throw ShapeError("embedding: weight must be 2-D [num_embeddings, embedding_dim], got " +
                     to_string(weight.shape()));
  const std::int64_t num = weight.size(0), dim = weight.size(1), n = input.numel();
  if (padding_idx) {
    if (*padding_idx < -num || *padding_idx >= num)
      throw std::out_of_range("embedding: padding_idx " + std::to_string(*padding_idx) +
                              " must be within num_embeddings " + std::to_string(num));
    if (*padding_idx < 0) *padding_idx += num;
  }
  const std::int64_t* ix = input.data();
  for (std::int64_t i = 0; i < n; ++i)
    if (ix[i] < 0 || ix[i] >= num)
      throw std::out_of_range("embedding: index " + std::to_string(ix[i]) +
                              " is out of range for " + std::to_string(num) +
                              " embeddings (at position " + std::to_string(i) + " of indices " +
                              to_string(input.shape()) + ")");
  if (max_norm) detail::embedding_renorm_(weight, input, *max_norm, norm_type);
  Shape os = input.shape();
  os.push_back(dim);
  auto y = Tensor::empty(os);
  for (std::int64_t i = 0; i < n; ++i)
    std::copy_n(weight.data() + ix[i] * dim, dim, y.data() + i * dim);
  if (detail::needs_graph<float>({&weight})) {
    detail::record(
        y, "EmbeddingBackward0", {&weight},
        [si = detail::SavedTensor<std::int64_t>(input), sw = detail::SavedTensor<float>(weight),
         num, dim, n, padding_idx, scale_grad_by_freq](const Tensor& g) {
          // The indices, and the weight (only checked: PyTorch saves it too).
          const std::int64_t* ix = si.data("EmbeddingBackward0");
          sw.check("EmbeddingBackward0");
          std::vector<float> freq;  // count of each index, when scaling
          if (scale_grad_by_freq) {
            freq.assign(static_cast<std::size_t>(num), 0.0f);
            for (std::int64_t i = 0; i < n; ++i) freq[static_cast<std::size_t>(ix[i])] += 1;
          }
          auto dw = zeros<float>({num, dim});
          for (std::int64_t i = 0; i < n; ++i) {
            if (padding_idx && ix[i] == *padding_idx) continue;
            const float scale =
                scale_grad_by_freq ? 1.0f / freq[static_cast<std::size_t>(ix[i])] : 1.0f;
            detail::amap(dw.data() + ix[i] * dim, dim) +=
                detail::camap(g.data() + i * dim, dim) * scale;
          }
          if (detail::needs_graph<float>({&g})) [[unlikely]] {
            // create_graph: dw is linear in g; its backward gathers the rows at the indices
            // (0 at padding_idx) without the frequency scale, as PyTorch's
            // embedding_dense_double_backward ("the first backward takes care of scaling").
            auto idx = LongTensor::empty({1, n, dim});
            auto keep = Tensor::empty({1, n, 1});
            for (std::int64_t i = 0; i < n; ++i) {
              std::fill_n(idx.data() + i * dim, dim, ix[i]);
              keep.data()[i] = padding_idx && ix[i] == *padding_idx ? 0.0f : 1.0f;
            }
            detail::record(
                dw, "EmbeddingDenseBackward0", {&g},
                [idx, keep, num, dim, gs = g.shape()](const Tensor& gg) {
                  return std::vector<Tensor>{
                      (detail::lane_take(gg.reshape({1, num, dim}), idx) * keep).reshape(gs)};
                });
            detail::mark_differentiable_backward(dw);
          }
          return std::vector<Tensor>{dw};
        });
    detail::mark_differentiable_backward(y);
  }
  return y;
}

}  // namespace torchlet::nn::functional
