#pragma once
// embedding_bag: sums, means or maxima of bags of embedding rows, without materialising the
// rows. input [B, L] (B bags of L indices, offsets undefined) or input [n] with offsets [B]
// (bag b is input[offsets[b] : offsets[b + 1]], the last one running to n; with
// include_last_offset, offsets has B + 1 entries and the last one closes the last bag);
// weight [num_embeddings, embedding_dim] -> [B, embedding_dim]. Indices equal to padding_idx
// are left out of their bag (a mean divides by the rest); an empty bag gives zeros. mode
// "sum" may weight each index by per_sample_weights (shaped as input). scale_grad_by_freq
// divides each index's gradient by its count in the input, as F.embedding does (PyTorch
// 1.13's CPU embedding_bag kernel divides by another index's count; torchlet does not copy
// that).
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/embedding.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

/// F.embedding_bag's arguments after input, weight and offsets, in PyTorch's order (sparse
/// gradients do not exist in torchlet, so there is no `sparse`).
template <class T = float>
struct EmbeddingBagFuncOptions {
  std::optional<double> max_norm = std::nullopt;  ///< Looked-up rows are renormalised to it.
  double norm_type = 2.0;                         ///< The p of max_norm's p-norm.
  bool scale_grad_by_freq = false;         ///< Divide gradients by the index's count in the input.
  std::string mode = "mean";               ///< "sum", "mean" or "max".
  BasicTensor<T> per_sample_weights = {};  ///< Weights of the indices (mode "sum" only).
  bool include_last_offset = false;        ///< offsets has B + 1 entries.
  std::optional<std::int64_t> padding_idx = std::nullopt;  ///< Index left out of its bag.
};

/// F.embedding_bag: input [B, L] (offsets undefined) or [n] with offsets [B] (or [B + 1] with
/// include_last_offset), weight [num_embeddings, embedding_dim] -> [B, embedding_dim].
template <class T>
BasicTensor<T> embedding_bag(const LongTensor& input, const BasicTensor<T>& weight,
                             const LongTensor& offsets = {},
                             const EmbeddingBagFuncOptions<T>& options = {}) {
  const auto& o = options;
  if (o.mode != "sum" && o.mode != "mean" && o.mode != "max")
    throw std::invalid_argument("embedding_bag: mode must be 'sum', 'mean' or 'max', got '" +
                                o.mode + "'");
  if (weight.dim() != 2)
    throw ShapeError("embedding_bag: weight must be 2-D [num_embeddings, embedding_dim], got " +
                     to_string(weight.shape()));
  const std::int64_t num = weight.shape()[0], dim = weight.shape()[1], n = input.numel();
  const auto& psw = o.per_sample_weights;
  if (psw.defined()) {
    if (o.mode != "sum")
      throw std::invalid_argument(
          "embedding_bag: per_sample_weights is only supported for mode='sum' (got mode='" +
          o.mode + "')");
    if (psw.shape() != input.shape())
      throw ShapeError("embedding_bag: per_sample_weights " + to_string(psw.shape()) +
                       " must have the shape of input " + to_string(input.shape()));
  }
  // bounds[b], bounds[b + 1]: bag b's range in the flat input.
  std::vector<std::int64_t> bounds;
  if (input.dim() == 2) {
    if (offsets.defined())
      throw std::invalid_argument(
          "embedding_bag: offsets has to be undefined if input is 2-D (each row is a bag), got "
          "offsets " +
          to_string(offsets.shape()));
    const std::int64_t B = input.shape()[0], L = input.shape()[1];
    for (std::int64_t b = 0; b <= B; ++b) bounds.push_back(b * L);
  } else if (input.dim() == 1) {
    if (!offsets.defined() || offsets.dim() != 1)
      throw ShapeError("embedding_bag: a 1-D input needs 1-D offsets (the start of each bag)");
    bounds.assign(offsets.data(), offsets.data() + offsets.numel());
    if (!o.include_last_offset) bounds.push_back(n);
    if (bounds.size() < 2 && o.include_last_offset)
      throw ShapeError("embedding_bag: include_last_offset needs at least 1 offset");
    if (!bounds.empty() && bounds.front() != 0)
      throw std::invalid_argument("embedding_bag: offsets[0] has to be 0, got " +
                                  std::to_string(bounds.front()));
    for (std::size_t b = 0; b + 1 < bounds.size(); ++b)
      if (bounds[b] > bounds[b + 1] || bounds[b + 1] > n)
        throw std::invalid_argument("embedding_bag: offsets must be non-decreasing and at most " +
                                    std::to_string(n) + ", got " + std::to_string(bounds[b]) +
                                    " then " + std::to_string(bounds[b + 1]));
  } else {
    throw ShapeError("embedding_bag: input has to be 1-D or 2-D, got " + to_string(input.shape()));
  }
  const std::int64_t B = static_cast<std::int64_t>(bounds.size()) - 1;
  std::optional<std::int64_t> pad = o.padding_idx;
  if (pad) {
    if (*pad < -num || *pad >= num)
      throw std::out_of_range("embedding_bag: padding_idx " + std::to_string(*pad) +
                              " must be within num_embeddings " + std::to_string(num));
    if (*pad < 0) *pad += num;
  }
  const std::int64_t* ix = input.data();
  for (std::int64_t i = 0; i < n; ++i)
    if (ix[i] < 0 || ix[i] >= num)
      throw std::out_of_range("embedding_bag: index " + std::to_string(ix[i]) +
                              " is out of range for " + std::to_string(num) + " embeddings");
  if (o.max_norm) detail::embedding_renorm_(weight, input, *o.max_norm, o.norm_type);
  const bool is_max = o.mode == "max", is_mean = o.mode == "mean";
  auto y = torchlet::zeros<T>({B, dim});
  // For max: the flat input position of each output element's maximum (-1: empty bag).
  std::vector<std::int64_t> arg(is_max ? static_cast<std::size_t>(B * dim) : 0, -1);
  std::vector<T> count(static_cast<std::size_t>(B), T(0));  // non-padding indices per bag
  const T* w = weight.data();
  T* yp = y.data();
  for (std::int64_t b = 0; b < B; ++b) {
    const auto bb = static_cast<std::size_t>(b);
    for (std::int64_t i = bounds[bb]; i < bounds[bb + 1]; ++i) {
      if (pad && ix[i] == *pad) continue;
      count[bb] += 1;
      const T* row = w + ix[i] * dim;
      const T s = psw.defined() ? psw.data()[i] : T(1);
      for (std::int64_t j = 0; j < dim; ++j) {
        if (!is_max) {
          yp[b * dim + j] += s * row[j];
        } else {
          auto& a = arg[static_cast<std::size_t>(b * dim + j)];
          if (a < 0 || row[j] > yp[b * dim + j]) {
            yp[b * dim + j] = row[j];
            a = i;
          }
        }
      }
    }
    if (is_mean && count[bb] > 0)
      for (std::int64_t j = 0; j < dim; ++j) yp[b * dim + j] /= count[bb];
  }
  if (detail::needs_graph<T>({&weight, &psw})) {
    detail::record(
        y, "EmbeddingBagBackward0", {&weight, &psw},
        [si = detail::SavedTensor<std::int64_t>(input),
         so = detail::SavedTensor<std::int64_t>(offsets),
         rows = input.dim() == 2 ? input.shape()[1] : std::int64_t(0), last = o.include_last_offset,
         arg = std::move(arg), count = std::move(count), sw = detail::SavedTensor<T>(weight),
         sps = detail::SavedTensor<T>(psw), ps_shape = psw.defined() ? psw.shape() : Shape{}, pad,
         is_max, is_mean, num, dim, n, B,
         freq_scale = o.scale_grad_by_freq](const BasicTensor<T>& g) {
          const std::int64_t* ix = si.data("embedding_bag");
          sw.check("embedding_bag");  // read below only for per_sample_weights
          // The bags' bounds from the saved offsets (version-checked, as PyTorch
          // checks them), or from a 2-D input's rows.
          std::vector<std::int64_t> bounds;
          if (so.defined()) {
            const std::int64_t* op = so.data("embedding_bag");
            bounds.assign(op, op + B + (last ? 1 : 0));
            if (!last) bounds.push_back(n);
          } else {
            for (std::int64_t b = 0; b <= B; ++b) bounds.push_back(b * rows);
          }
          const T* ps = sps.defined() ? sps.data("embedding_bag") : nullptr;
          const T* gp = g.data();
          auto gw = torchlet::zeros<T>({num, dim});
          BasicTensor<T> gps = ps ? torchlet::zeros<T>(ps_shape) : BasicTensor<T>();
          std::vector<T> freq;
          if (freq_scale) {
            freq.assign(static_cast<std::size_t>(num), T(0));
            for (std::int64_t i = 0; i < n; ++i) freq[static_cast<std::size_t>(ix[i])] += 1;
          }
          const auto fs = [&](std::int64_t i) {
            return freq_scale ? T(1) / freq[static_cast<std::size_t>(ix[i])] : T(1);
          };
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            if (is_max) {                        // g at each maximum added into its weight element
              auto idx = LongTensor::empty({1, B * dim, 1});
              auto coef = BasicTensor<T>::empty({1, B * dim, 1});
              for (std::int64_t e = 0; e < B * dim; ++e) {
                const std::int64_t i = arg[static_cast<std::size_t>(e)];
                idx.data()[e] = i >= 0 ? ix[i] * dim + e % dim : 0;
                coef.data()[e] = i >= 0 ? fs(i) : T(0);
              }
              return std::vector<BasicTensor<T>>{
                  detail::lane_put(g.reshape({1, B * dim, 1}) * coef, idx, num * dim)
                      .reshape({num, dim}),
                  BasicTensor<T>()};
            }
            // Entry i of bag b: g's row b times coef[i] (times its per-sample
            // weight) added into weight row ix[i]; padding entries get coef 0.
            auto bag = LongTensor::empty({1, n, dim});
            auto row = LongTensor::empty({1, n, dim});
            auto coef = torchlet::zeros<T>({1, n, 1});
            auto keep = torchlet::zeros<T>({1, n, 1});
            std::fill_n(bag.data(), n * dim, std::int64_t(0));
            for (std::int64_t i = 0; i < n; ++i) std::fill_n(row.data() + i * dim, dim, ix[i]);
            for (std::int64_t b = 0; b < B; ++b) {
              const auto bb = static_cast<std::size_t>(b);
              const T div = is_mean && count[bb] > 0 ? count[bb] : T(1);
              for (std::int64_t i = bounds[bb]; i < bounds[bb + 1]; ++i) {
                std::fill_n(bag.data() + i * dim, dim, b);
                if (pad && ix[i] == *pad) continue;
                coef.data()[i] = fs(i) / div;
                keep.data()[i] = T(1);
              }
            }
            const auto gi = detail::lane_take(g.reshape({1, B, dim}), bag);  // [1, n, dim]
            const auto psv = ps ? sps.variable("EmbeddingBagBackward0", ps_shape).reshape({1, n, 1})
                                : BasicTensor<T>();
            const auto scaled = psv.defined() ? gi * (coef * psv) : gi * coef;
            auto gwr = detail::lane_put(scaled, row, num).reshape({num, dim});
            BasicTensor<T> gpsr;
            if (psv.defined()) {  // <g's row b, weight row ix[i]>
              const auto wrows = detail::lane_take(
                  sw.variable("EmbeddingBagBackward0", {num, dim}).reshape({1, num, dim}), row);
              gpsr = (gi * wrows * keep).sum(2).reshape(ps_shape);
            }
            return std::vector<BasicTensor<T>>{gwr, gpsr};
          }
          const T* w = gps.defined() ? sw.data("embedding_bag") : nullptr;
          T* gwp = gw.data();
          if (is_max) {
            for (std::int64_t e = 0; e < B * dim; ++e) {
              const std::int64_t i = arg[static_cast<std::size_t>(e)];
              if (i >= 0) gwp[ix[i] * dim + e % dim] += gp[e] * fs(i);
            }
            return std::vector<BasicTensor<T>>{gw, gps};
          }
          for (std::int64_t b = 0; b < B; ++b) {
            const auto bb = static_cast<std::size_t>(b);
            const T div = is_mean && count[bb] > 0 ? count[bb] : T(1);
            for (std::int64_t i = bounds[bb]; i < bounds[bb + 1]; ++i) {
              if (pad && ix[i] == *pad) continue;
              const T s = (ps ? ps[i] : T(1)) * fs(i) / div;
              for (std::int64_t j = 0; j < dim; ++j) gwp[ix[i] * dim + j] += s * gp[b * dim + j];
              if (gps.defined()) {
                T dot = 0;
                for (std::int64_t j = 0; j < dim; ++j) dot += gp[b * dim + j] * w[ix[i] * dim + j];
                gps.data()[i] = dot;
              }
            }
          }
          return std::vector<BasicTensor<T>>{gw, gps};
        });
    detail::mark_differentiable_backward(y);
  }
  return y;
}

}  // namespace torchlet::nn::functional
