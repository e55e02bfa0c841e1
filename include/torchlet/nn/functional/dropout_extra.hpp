#pragma once
// Channel-wise and alpha dropout, in training (the identity otherwise), drawing from a
// Generator:
//   dropout1d / dropout2d / dropout3d: x [N, C, *] (or unbatched [C, *]) -> same shape, each
//     whole channel zeroed with probability p, the others scaled by 1 / (1 - p);
//   alpha_dropout: each element kept with probability 1 - p; with SELU's alpha' =
//     1.7580993408473766 and a = 1 / sqrt((alpha'^2 p + 1)(1 - p)), kept values become
//     a * x + a * alpha' * p and dropped ones a * alpha' * (p - 1), so a SELU network's
//     activations keep mean 0 and variance 1;
//   feature_alpha_dropout: the same with one draw per channel of x [N, C, *].
#include <cmath>
#include <string>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {
namespace detail {

/// The dropout of x with one Bernoulli(1 - p) draw per element (per_channel false) or per
/// channel of x [N, C, *] / [C, *] (`batched` says which), scaled as plain or alpha dropout.
template <class T>
BasicTensor<T> dropout_impl(const char* op, const BasicTensor<T>& x, double p, bool training,
                            bool inplace, Generator& gen, bool per_channel, bool batched,
                            bool alpha) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument(std::string(op) +
                                ": dropout probability has to be between 0 and 1, but got " +
                                std::to_string(p));
  if (!training || p == 0.0) return x;
  const std::int64_t n = x.numel();
  std::int64_t groups = n, per = 1;  // draws, and elements per draw
  if (per_channel) {
    const auto& s = x.shape();
    groups = batched ? s[0] * s[1] : s[0];
    per = groups ? n / groups : 1;
  }
  // out = x * mul + add, elementwise from the draw of its group.
  constexpr double kAlpha = 1.7580993408473766;
  const double a = alpha && p < 1.0 ? 1.0 / std::sqrt((kAlpha * kAlpha * p + 1) * (1 - p)) : 0.0;
  auto mul = BasicTensor<T>::empty(x.shape());
  auto add = alpha ? BasicTensor<T>::empty(x.shape()) : BasicTensor<T>();
  {
    const std::unique_lock lock(gen.mutex());
    for (std::int64_t gi = 0; gi < groups; ++gi) {
      const bool keep = p < 1.0 && !(gen.uniform() < p);
      T m, b = T(0);
      if (alpha) {
        m = keep ? static_cast<T>(a) : T(0);
        b = static_cast<T>(keep ? a * kAlpha * p : a * kAlpha * (p - 1));
      } else {
        m = keep ? static_cast<T>(1.0 / (1.0 - p)) : T(0);
      }
      for (std::int64_t i = gi * per; i < (gi + 1) * per; ++i) {
        mul.data()[i] = m;
        if (alpha) add.data()[i] = b;
      }
    }
  }
  const auto apply = [&mul, &add, alpha, n](const T* src, T* dst) {
    for (std::int64_t i = 0; i < n; ++i)
      dst[i] = src[i] * mul.data()[i] + (alpha ? add.data()[i] : T(0));
  };
  const auto backward = [mul](const BasicTensor<T>& g) {
    if (is_grad_enabled()) [[unlikely]]  // create_graph: g times the constant factor, recorded
      return std::vector<BasicTensor<T>>{g * mul};
    auto gx = BasicTensor<T>::empty(g.shape());
    for (std::int64_t i = 0; i < g.numel(); ++i) gx.data()[i] = g.data()[i] * mul.data()[i];
    return std::vector<BasicTensor<T>>{gx};
  };
  if (inplace) {
    check_inplace(op, x);
    const bool graph = needs_graph<T>({&x});
    auto prev = graph ? gradient_edge(x) : nullptr;
    apply(x.data(), x.data());
    bump_version(x);
    if (graph) {
      rebase_history(x, "MulBackward0", prev, nullptr, backward);
      torchlet::detail::mark_inplace_differentiable(x);  // x a view: its base's CopySlices
    }
    return x;
  }
  auto out = BasicTensor<T>::empty(x.shape());
  apply(x.data(), out.data());
  if (needs_graph<T>({&x})) {
    record(out, alpha ? "AlphaDropoutBackward" : "FeatureDropoutBackward", {&x}, backward);
    mark_differentiable_backward(out);
  }
  return out;
}

/// Checks x has `spatial` + 1 (unbatched) or + 2 dims; true when batched.
template <class T>
bool feature_batched(const char* op, const BasicTensor<T>& x, std::int64_t spatial,
                     const char* want) {
  if (x.dim() != spatial + 1 && x.dim() != spatial + 2)
    throw ShapeError(std::string(op) + ": expected input " + want + ", got " +
                     to_string(x.shape()));
  return x.dim() == spatial + 2;
}

}  // namespace detail

/// F.dropout1d: whole channels of x [N, C, L] or [C, L] zeroed with probability p, the rest
/// scaled by 1 / (1 - p), in training; -> same shape.
template <class T>
BasicTensor<T> dropout1d(const BasicTensor<T>& x, double p = 0.5, bool training = true,
                         bool inplace = false, Generator& gen = default_generator()) {
  const bool b = detail::feature_batched("dropout1d", x, 1, "[C, L] or [N, C, L]");
  return detail::dropout_impl("dropout1d", x, p, training, inplace, gen, true, b, false);
}

/// F.dropout2d: whole channels of x [N, C, H, W] or [C, H, W] zeroed with probability p, the
/// rest scaled by 1 / (1 - p), in training; -> same shape.
template <class T>
BasicTensor<T> dropout2d(const BasicTensor<T>& x, double p = 0.5, bool training = true,
                         bool inplace = false, Generator& gen = default_generator()) {
  const bool b = detail::feature_batched("dropout2d", x, 2, "[C, H, W] or [N, C, H, W]");
  return detail::dropout_impl("dropout2d", x, p, training, inplace, gen, true, b, false);
}

/// F.dropout3d: whole channels of x [N, C, D, H, W] or [C, D, H, W] zeroed with probability
/// p, the rest scaled by 1 / (1 - p), in training; -> same shape.
template <class T>
BasicTensor<T> dropout3d(const BasicTensor<T>& x, double p = 0.5, bool training = true,
                         bool inplace = false, Generator& gen = default_generator()) {
  const bool b = detail::feature_batched("dropout3d", x, 3, "[C, D, H, W] or [N, C, D, H, W]");
  return detail::dropout_impl("dropout3d", x, p, training, inplace, gen, true, b, false);
}

/// F.alpha_dropout: SELU-preserving dropout of each element of x [*] (see the top of this
/// file), in training; -> same shape.
template <class T>
BasicTensor<T> alpha_dropout(const BasicTensor<T>& x, double p = 0.5, bool training = false,
                             bool inplace = false, Generator& gen = default_generator()) {
  return detail::dropout_impl("alpha_dropout", x, p, training, inplace, gen, false, false, true);
}

/// F.feature_alpha_dropout: alpha dropout with one draw per channel of x [N, C, *], in
/// training; -> same shape.
template <class T>
BasicTensor<T> feature_alpha_dropout(const BasicTensor<T>& x, double p = 0.5, bool training = false,
                                     bool inplace = false, Generator& gen = default_generator()) {
  if (x.dim() < 2)
    throw ShapeError("feature_alpha_dropout: expected an input [N, C, *], got " +
                     to_string(x.shape()));
  return detail::dropout_impl("feature_alpha_dropout", x, p, training, inplace, gen, true, true,
                              true);
}

}  // namespace torchlet::nn::functional
