#pragma once
// How a loss reduces its per-element values (nn::Reduction), and the two helpers every
// fused loss uses for it: the reduced result and the upstream gradient of element i.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn {

/// How a loss reduces its per-element values (PyTorch's reduction='none'|'mean'|'sum', and
/// 'batchmean': the sum divided by the batch size, which only kl_div takes).
enum class Reduction { none, mean, sum, batchmean };

}  // namespace torchlet::nn

namespace torchlet::detail {

/// Throws when loss `op` is given Reduction::batchmean, which only kl_div takes.
template <class = void>
inline void check_reduction(const char* op, nn::Reduction r) {
  if (r == nn::Reduction::batchmean)
    throw std::invalid_argument(std::string(op) +
                                ": reduction batchmean is only valid for kl_div; expected "
                                "none, mean or sum");
}

/// Shapes the per-element losses `per` (shape `shape`) by the reduction, dividing a mean by
/// `denom`.
template <class = void>
inline Tensor reduce_loss(const char* op, const std::vector<double>& per, const Shape& shape,
                          nn::Reduction r, double denom) {
  check_reduction(op, r);
  if (r == nn::Reduction::none) {
    auto out = Tensor::empty(shape);
    for (std::size_t i = 0; i < per.size(); ++i) out.data()[i] = static_cast<float>(per[i]);
    return out;
  }
  double s = 0;
  for (double v : per) s += v;
  return scalar_tensor<float>(static_cast<float>(r == nn::Reduction::sum ? s : s / denom));
}

/// The upstream gradient for element i: g[i] (none), g / denom (mean) or g (sum).
template <class = void>
inline float loss_grad_at(const Tensor& g, nn::Reduction r, double denom, std::int64_t i) {
  if (r == nn::Reduction::none) return g.data()[i];
  return r == nn::Reduction::mean ? static_cast<float>(g.data()[0] / denom) : g.data()[0];
}

/// The loss's gradient g as recorded ops broadcasting over the per-element losses (a backward
/// under create_graph): g itself for reduction none, g / denom for mean, g for sum.
template <class = void>
inline Tensor loss_grad_recorded(const Tensor& g, nn::Reduction r, double denom) {
  if (r == nn::Reduction::mean) return g / static_cast<float>(denom);
  return g;
}

/// The per-element losses `per` of loss `op` reduced as PyTorch does: as they are (none),
/// their mean or their sum (composed losses, any float type).
template <class T>
BasicTensor<T> reduce(const char* op, const BasicTensor<T>& per, nn::Reduction r) {
  check_reduction(op, r);
  if (r == nn::Reduction::none) return per;
  return r == nn::Reduction::sum ? sum(per) : mean(per);
}

}  // namespace torchlet::detail
