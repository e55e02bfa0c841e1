#pragma once
// nn::EmbeddingBag: sums, means or maxima of bags of embedding rows (see
// nn/functional/embedding_bag.hpp). weight [num_embeddings, embedding_dim] ~ N(0, 1), its
// padding_idx row zero.
#include <optional>
#include <string>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/embedding_bag.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {

/// EmbeddingBag's arguments after embedding_dim, in PyTorch's order (no `sparse`: torchlet
/// has no sparse gradients).
struct EmbeddingBagOptions {
  std::optional<double> max_norm = std::nullopt;  ///< Looked-up rows are renormalised to it.
  double norm_type = 2.0;                         ///< The p of max_norm's p-norm.
  bool scale_grad_by_freq = false;   ///< Divide gradients by the index's count in the input.
  std::string mode = "mean";         ///< "sum", "mean" or "max".
  bool include_last_offset = false;  ///< offsets has B + 1 entries.
  std::optional<std::int64_t> padding_idx = std::nullopt;  ///< Index left out of its bag.
};

/// nn.EmbeddingBag: input [B, L] (B bags), or input [n] with offsets [B], -> [B,
/// embedding_dim]; per_sample_weights (shaped as input) weight the indices in mode "sum".
template <class = void>
class EmbeddingBagImpl
    : public ModuleFor<Tensor(const LongTensor&), Tensor(const LongTensor&, const LongTensor&),
                       Tensor(const LongTensor&, const LongTensor&, const Tensor&)> {
 public:
  ///@{
  /// Rows of the table, and their size.
  std::int64_t num_embeddings, embedding_dim;
  ///@}
  /// Rows looked up are renormalised (in place) to at most this norm_type-norm.
  std::optional<double> max_norm;
  /// The p of max_norm.
  double norm_type;
  /// Divide each row's gradient by its index's count in the input.
  bool scale_grad_by_freq;
  /// "sum", "mean" or "max".
  std::string mode;
  /// offsets has B + 1 entries.
  bool include_last_offset;
  /// The index left out of every bag, if any.
  std::optional<std::int64_t> padding_idx;
  /// weight [num_embeddings, embedding_dim], init N(0, 1) (the padding row 0).
  Tensor weight;

  /// nn.EmbeddingBag(num_embeddings, embedding_dim, max_norm, norm_type, scale_grad_by_freq,
  /// mode, include_last_offset, padding_idx).
  EmbeddingBagImpl(std::int64_t num_embeddings, std::int64_t embedding_dim,
                   EmbeddingBagOptions o = {})
      : num_embeddings(num_embeddings),
        embedding_dim(embedding_dim),
        max_norm(o.max_norm),
        norm_type(o.norm_type),
        scale_grad_by_freq(o.scale_grad_by_freq),
        mode(std::move(o.mode)),
        include_last_offset(o.include_last_offset),
        padding_idx(o.padding_idx) {
    if (num_embeddings <= 0 || embedding_dim <= 0)
      throw std::invalid_argument(
          "EmbeddingBag: num_embeddings and embedding_dim must be positive, got " +
          std::to_string(num_embeddings) + " and " + std::to_string(embedding_dim));
    if (mode != "sum" && mode != "mean" && mode != "max")
      throw std::invalid_argument("EmbeddingBag: mode must be 'sum', 'mean' or 'max', got '" +
                                  mode + "'");
    if (padding_idx) {
      if (*padding_idx >= num_embeddings || *padding_idx < -num_embeddings)
        throw std::invalid_argument("EmbeddingBag: padding_idx " + std::to_string(*padding_idx) +
                                    " must be within num_embeddings " +
                                    std::to_string(num_embeddings));
      if (*padding_idx < 0) *padding_idx += num_embeddings;
    }
    weight = empty({num_embeddings, embedding_dim});
    init::normal_(weight);
    if (padding_idx) {
      NoGradGuard no_grad;
      weight[*padding_idx].fill_(0.0f);
    }
    register_parameter("weight", weight);
  }
  /// input [B, L]: one bag per row -> [B, embedding_dim].
  Tensor forward(const LongTensor& input) override { return forward(input, {}, {}); }
  /// input [n], offsets [B] (or [B + 1] with include_last_offset) -> [B, embedding_dim].
  Tensor forward(const LongTensor& input, const LongTensor& offsets) override {
    return forward(input, offsets, {});
  }
  /// The same with per_sample_weights shaped as input (mode "sum").
  Tensor forward(const LongTensor& input, const LongTensor& offsets,
                 const Tensor& per_sample_weights) override {
    return functional::embedding_bag(input, weight, offsets,
                                     {max_norm, norm_type, scale_grad_by_freq, mode,
                                      per_sample_weights, include_last_offset, padding_idx});
  }
  std::string name() const override { return "EmbeddingBag"; }
  std::string extra_repr() const override {
    std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
    if (max_norm) s += ", max_norm=" + detail::nnfmt::py_float(*max_norm);
    if (norm_type != 2.0) s += ", norm_type=" + detail::nnfmt::py_float(norm_type);
    if (scale_grad_by_freq) s += ", scale_grad_by_freq=True";
    s += ", mode=" + mode;
    if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
    return s;
  }
};
/// EmbeddingBag: see EmbeddingBagImpl.
using EmbeddingBag = EmbeddingBagImpl<>;

}  // namespace torchlet::nn
