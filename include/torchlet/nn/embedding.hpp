#pragma once
// nn::Embedding: a lookup table. indices [*] (LongTensor) -> [*, embedding_dim].
// weight [num_embeddings, embedding_dim] ~ N(0, 1), its padding_idx row zero and never
// updated (its gradient is zero).
#include <optional>

#include "torchlet/nn/functional/embedding.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// Embedding's arguments after embedding_dim, in PyTorch's order (padding_idx may be negative).
struct EmbeddingOptions {
  std::optional<std::int64_t> padding_idx =
      std::nullopt;  ///< This index maps to a zero vector that gets no gradient.
  std::optional<double> max_norm = std::nullopt;  ///< Looked-up rows are renormalised to it.
  double norm_type = 2.0;                         ///< The p of max_norm's p-norm.
  bool scale_grad_by_freq = false;  ///< Divide gradients by the index's count in the batch.
};

/// Embedding::from_pretrained's arguments after the table, in PyTorch's order.
struct EmbeddingFromPretrainedOptions {
  bool freeze = true;  ///< The table does not require grad.
  std::optional<std::int64_t> padding_idx =
      std::nullopt;  ///< This index's row gets no gradient (it is not zeroed).
  std::optional<double> max_norm = std::nullopt;  ///< Looked-up rows are renormalised to it.
  double norm_type = 2.0;                         ///< The p of max_norm's p-norm.
  bool scale_grad_by_freq = false;  ///< Divide gradients by the index's count in the batch.
};

/// nn.Embedding: a lookup table; indices [*] (int64) -> [*, embedding_dim].
template <class = void>
class EmbeddingImpl : public ModuleFor<Tensor(const LongTensor&)> {
 public:
  ///@{
  /// Rows of the table, and their size.
  std::int64_t num_embeddings, embedding_dim;
  ///@}
  /// The row kept at zero, if any.
  std::optional<std::int64_t> padding_idx;
  /// Rows looked up are renormalised (in place) to at most this norm_type-norm.
  std::optional<double> max_norm;
  /// The p of max_norm.
  double norm_type;
  /// Divide each row's gradient by its index's count in the batch.
  bool scale_grad_by_freq;
  /// weight [num_embeddings, embedding_dim], init N(0, 1) (the padding row 0).
  Tensor weight;

  /// nn.Embedding(num_embeddings, embedding_dim, padding_idx).
  EmbeddingImpl(std::int64_t num_embeddings, std::int64_t embedding_dim,
                EmbeddingOptions options = {})
      : num_embeddings(num_embeddings),
        embedding_dim(embedding_dim),
        padding_idx(options.padding_idx),
        max_norm(options.max_norm),
        norm_type(options.norm_type),
        scale_grad_by_freq(options.scale_grad_by_freq) {
    if (num_embeddings <= 0 || embedding_dim <= 0)
      throw std::invalid_argument(
          "Embedding: num_embeddings and embedding_dim must be positive, got " +
          std::to_string(num_embeddings) + " and " + std::to_string(embedding_dim));
    if (padding_idx) {
      if (*padding_idx >= num_embeddings || *padding_idx < -num_embeddings)
        throw std::invalid_argument("Embedding: padding_idx " + std::to_string(*padding_idx) +
                                    " must be within num_embeddings " +
                                    std::to_string(num_embeddings));
      if (*padding_idx < 0) *padding_idx += num_embeddings;
    }
    weight = empty({num_embeddings, embedding_dim});
    reset_parameters();
    register_parameter("weight", weight);
  }

  /// weight ~ N(0, 1), the padding row zeroed.
  void reset_parameters() {
    init::normal_(weight);
    if (padding_idx) {
      NoGradGuard no_grad;
      weight[*padding_idx].fill_(0.0f);
    }
  }

  /// The rows of weight at the indices: [*] (int64, in [0, num_embeddings)) -> [*,
  /// embedding_dim]. Called as embedding(indices), with the hooks.
  Tensor forward(const LongTensor& indices) override {
    return functional::embedding(indices, weight, padding_idx, max_norm, norm_type,
                                 scale_grad_by_freq);
  }

  /// nn.Embedding.from_pretrained: a layer whose table is `embeddings` [num_embeddings,
  /// embedding_dim] (shared, not copied), trainable unless freeze.
  static EmbeddingImpl from_pretrained(const Tensor& embeddings,
                                       EmbeddingFromPretrainedOptions options = {}) {
    if (embeddings.dim() != 2)
      throw ShapeError(
          "Embedding.from_pretrained: embeddings must be 2-D [num_embeddings, "
          "embedding_dim], got " +
          to_string(embeddings.shape()));
    EmbeddingImpl e(
        embeddings.size(0), embeddings.size(1),
        {options.padding_idx, options.max_norm, options.norm_type, options.scale_grad_by_freq});
    e.weight = embeddings.detach();
    e.weight.requires_grad_(!options.freeze);
    return e;
  }

  std::string extra_repr() const override {
    std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
    if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
    if (max_norm) s += ", max_norm=" + detail::nnfmt::py_float(*max_norm);
    if (norm_type != 2.0) s += ", norm_type=" + detail::nnfmt::py_float(norm_type);
    if (scale_grad_by_freq) s += ", scale_grad_by_freq=True";
    return s;
  }
};
/// Embedding: see EmbeddingImpl.
using Embedding = EmbeddingImpl<>;

}  // namespace torchlet::nn
