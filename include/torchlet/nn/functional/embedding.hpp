#pragma once
// embedding: indices [*] (int64) and weight [num_embeddings, embedding_dim] -> [*, embedding_dim],
// row i of the output being weight[indices[i]]. The gradient of the row padding_idx
// (if given) is always zero.
#include <optional>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

inline Tensor embedding(const LongTensor& input, const Tensor& weight,
                        std::optional<std::int64_t> padding_idx = std::nullopt) {
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
  Shape os = input.shape();
  os.push_back(dim);
  auto y = Tensor::empty(os);
  for (std::int64_t i = 0; i < n; ++i)
    std::copy_n(weight.data() + ix[i] * dim, dim, y.data() + i * dim);
  if (detail::needs_graph<float>({&weight}))
    detail::record(y, "EmbeddingBackward", {&weight},
                   [idx = input.clone(), num, dim, n, padding_idx](const Tensor& g) {
                     auto dw = zeros<float>({num, dim});
                     const std::int64_t* ix = idx.data();
                     for (std::int64_t i = 0; i < n; ++i) {
                       if (padding_idx && ix[i] == *padding_idx) continue;
                       detail::amap(dw.data() + ix[i] * dim, dim) +=
                           detail::camap(g.data() + i * dim, dim);
                     }
                     return std::vector<Tensor>{dw};
                   });
  return y;
}

}  // namespace torchlet::nn::functional
