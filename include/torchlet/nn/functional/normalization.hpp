#pragma once
// Normalization with fused backward.
//   batch_norm: x [N, C] or [N, C, *] normalized per channel c over N and *; in training
//     with the batch's mean and biased variance (updating running_mean / running_var with
//     the unbiased one), otherwise with the running statistics.
//   layer_norm: x [*, normalized_shape] normalized over its last normalized_shape.size()
//     dims; weight and bias have shape normalized_shape.
// Statistics are accumulated in double, as PyTorch's CPU kernels do.
#include <cmath>
#include <optional>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional::detail {

/// The normalization backward as recorded ops (create_graph), x and g [A, C, B] with the
/// statistics over dims 0 and 2 (one per c): xhat = (x - mean) * rstd, dxhat = g * w (w
/// [1, C, 1] or undefined); dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),
/// mean and rstd recomputed from x with recorded ops (biased variance + eps). Gives xhat too.
template <class T>
BasicTensor<T> norm_dx_recorded(const BasicTensor<T>& x, const BasicTensor<T>& g,
                                const BasicTensor<T>& w, double eps, BasicTensor<T>& xhat) {
  const auto m = [](const BasicTensor<T>& t) { return t.mean(2, true).mean(0, true); };
  const auto xc = x - m(x);
  const auto rstd = (m(xc * xc) + static_cast<T>(eps)).rsqrt();
  xhat = xc * rstd;
  const auto dxh = w.defined() ? g * w : g;
  return rstd * (dxh - m(dxh) - xhat * m(dxh * xhat));
}

}  // namespace torchlet::nn::functional::detail

namespace torchlet::nn::functional {

template <class = void>
inline Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                         const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                         double momentum = 0.1, double eps = 1e-5) {
  if (input.dim() < 2)
    throw ShapeError("batch_norm: expected an input [N, C] or [N, C, *], got " +
                     to_string(input.shape()));
  const std::int64_t N = input.size(0), C = input.size(1),
                     S = input.numel() / std::max<std::int64_t>(N * C, 1);
  const std::int64_t M = N * S;  // values per channel
  auto check_c = [&](const Tensor& t, const char* what) {
    if (t.defined() && (t.dim() != 1 || t.size(0) != C))
      throw ShapeError(std::string("batch_norm: ") + what + " " + to_string(t.shape()) +
                       " does not match the " + std::to_string(C) + " channels of input " +
                       to_string(input.shape()));
  };
  check_c(running_mean, "running_mean");
  check_c(running_var, "running_var");
  check_c(weight, "weight");
  check_c(bias, "bias");
  if (!training && (!running_mean.defined() || !running_var.defined()))
    throw std::invalid_argument(
        "batch_norm: running_mean and running_var are needed when training=false");
  if (training && M <= 1)
    throw std::invalid_argument(
        "batch_norm: expected more than 1 value per channel when training, got input size " +
        to_string(input.shape()));
  const float* x = input.data();
  auto mean = Tensor::empty({C}), invstd = Tensor::empty({C});
  if (training) {
    for (std::int64_t c = 0; c < C; ++c) {
      double s = 0;
      for (std::int64_t n = 0; n < N; ++n) {
        const float* p = x + (n * C + c) * S;
        for (std::int64_t i = 0; i < S; ++i) s += p[i];
      }
      const double mu = s / static_cast<double>(M);
      double v = 0;
      for (std::int64_t n = 0; n < N; ++n) {
        const float* p = x + (n * C + c) * S;
        for (std::int64_t i = 0; i < S; ++i) v += (p[i] - mu) * (p[i] - mu);
      }
      mean.data()[c] = static_cast<float>(mu);
      invstd.data()[c] = static_cast<float>(1.0 / std::sqrt(v / static_cast<double>(M) + eps));
      if (running_mean.defined()) {
        NoGradGuard no_grad;
        float& rm = running_mean.data()[c];
        float& rv = running_var.data()[c];
        rm = static_cast<float>(momentum * mu + (1 - momentum) * rm);
        rv = static_cast<float>(momentum * v / static_cast<double>(M - 1) + (1 - momentum) * rv);
      }
    }
  } else {
    for (std::int64_t c = 0; c < C; ++c) {
      mean.data()[c] = running_mean.data()[c];
      invstd.data()[c] =
          static_cast<float>(1.0 / std::sqrt(static_cast<double>(running_var.data()[c]) + eps));
    }
  }
  auto y = Tensor::empty(input.shape());
  for (std::int64_t c = 0; c < C; ++c) {
    const float w = weight.defined() ? weight.data()[c] : 1.0f,
                b = bias.defined() ? bias.data()[c] : 0.0f;
    const float a = invstd.data()[c] * w, shift = b - mean.data()[c] * a;  // y = x * a + shift
    for (std::int64_t n = 0; n < N; ++n) {
      const float* p = x + (n * C + c) * S;
      float* q = y.data() + (n * C + c) * S;
      for (std::int64_t i = 0; i < S; ++i) q[i] = p[i] * a + shift;
    }
  }
  if (detail::needs_graph<float>({&input, &weight, &bias})) {
    const bool gx = input.requires_grad(), gw = weight.defined() && weight.requires_grad(),
               gb = bias.defined() && bias.requires_grad();
    detail::record(
        y, "NativeBatchNormBackward0", {&input, &weight, &bias},
        [sx = detail::SavedTensor<float>(input), sw = detail::SavedTensor<float>(weight),
         srm = training ? detail::SavedTensor<float>() : detail::SavedTensor<float>(running_mean),
         srv = training ? detail::SavedTensor<float>() : detail::SavedTensor<float>(running_var),
         xs = input.shape(), mean, invstd, training, eps, gx, gw, gb, N, C, S, M](const Tensor& g) {
          const char* name = "NativeBatchNormBackward0";
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops on [N, C, S]
            srm.check(name);
            srv.check(name);
            const Shape ncs{N, C, S}, c11{1, C, 1};
            const auto x = sx.variable(name, xs).reshape(ncs), g3 = g.reshape(ncs);
            const auto w = sw.defined() ? sw.variable(name, {C}).reshape(c11) : Tensor{};
            Tensor dx, xhat;
            if (training) {
              dx = detail::norm_dx_recorded(x, g3, w, eps, xhat);
            } else {  // the running statistics are constants
              const auto is = invstd.reshape(c11);
              xhat = (x - mean.reshape(c11)) * is;
              dx = w.defined() ? g3 * (w * is) : g3 * is;
            }
            return std::vector<Tensor>{gx ? dx.reshape(xs) : Tensor{},
                                       gw ? (g3 * xhat).sum(2).sum(0) : Tensor{},
                                       gb ? g3.sum(2).sum(0) : Tensor{}};
          }
          const float* xd = sx.data(name);
          const float* wd = sw.defined() ? sw.data(name) : nullptr;
          srm.check(name);  // eval: mean and invstd are copies of the running statistics
          srv.check(name);
          Tensor dx = gx ? Tensor::empty(xs) : Tensor{};
          Tensor dw = gw ? Tensor::empty({C}) : Tensor{};
          Tensor db = gb ? Tensor::empty({C}) : Tensor{};
          for (std::int64_t c = 0; c < C; ++c) {
            const float mu = mean.data()[c], is = invstd.data()[c];
            double sg = 0, sgx = 0;  // sum(dy), sum(dy * xhat)
            for (std::int64_t n = 0; n < N; ++n) {
              const float* gp = g.data() + (n * C + c) * S;
              const float* xp = xd + (n * C + c) * S;
              for (std::int64_t i = 0; i < S; ++i) {
                sg += gp[i];
                sgx += gp[i] * (xp[i] - mu) * is;
              }
            }
            if (gw) dw.data()[c] = static_cast<float>(sgx);
            if (gb) db.data()[c] = static_cast<float>(sg);
            if (!gx) continue;
            const float w = wd ? wd[c] : 1.0f;
            // training: dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)); eval: w *
            // invstd * dy
            const float mg = training ? static_cast<float>(sg / static_cast<double>(M)) : 0.0f;
            const float mgx = training ? static_cast<float>(sgx / static_cast<double>(M)) : 0.0f;
            for (std::int64_t n = 0; n < N; ++n) {
              const float* gp = g.data() + (n * C + c) * S;
              const float* xp = xd + (n * C + c) * S;
              float* d = dx.data() + (n * C + c) * S;
              for (std::int64_t i = 0; i < S; ++i)
                d[i] = w * is * (gp[i] - mg - (xp[i] - mu) * is * mgx);
            }
          }
          return std::vector<Tensor>{dx, dw, db};
        });
    detail::mark_differentiable_backward(y);
  }
  return y;
}

template <class = void>
inline Tensor layer_norm(const Tensor& input, const Shape& normalized_shape,
                         const Tensor& weight = {}, const Tensor& bias = {}, double eps = 1e-5) {
  const auto nd = static_cast<std::int64_t>(normalized_shape.size());
  bool ok = nd >= 1 && input.dim() >= nd;
  for (std::int64_t i = 0; ok && i < nd; ++i)
    ok = input.size(input.dim() - nd + i) == normalized_shape[static_cast<std::size_t>(i)];
  if (!ok)
    throw ShapeError("layer_norm: input " + to_string(input.shape()) +
                     " does not end with normalized_shape " + to_string(normalized_shape));
  for (const Tensor* t : {&weight, &bias})
    if (t->defined() && t->shape() != normalized_shape)
      throw ShapeError("layer_norm: weight/bias " + to_string(t->shape()) +
                       " must have normalized_shape " + to_string(normalized_shape));
  const std::int64_t M = detail::numel_of(normalized_shape), R = M ? input.numel() / M : 0;
  auto y = Tensor::empty(input.shape());
  auto mean = Tensor::empty({R}), rstd = Tensor::empty({R});
  const float* w = weight.defined() ? weight.data() : nullptr;
  const float* b = bias.defined() ? bias.data() : nullptr;
  for (std::int64_t r = 0; r < R; ++r) {
    const float* p = input.data() + r * M;
    double s = 0, v = 0;
    for (std::int64_t i = 0; i < M; ++i) s += p[i];
    const double mu = s / static_cast<double>(M);
    for (std::int64_t i = 0; i < M; ++i) v += (p[i] - mu) * (p[i] - mu);
    const float m = static_cast<float>(mu),
                is = static_cast<float>(1.0 / std::sqrt(v / static_cast<double>(M) + eps));
    mean.data()[r] = m;
    rstd.data()[r] = is;
    float* q = y.data() + r * M;
    for (std::int64_t i = 0; i < M; ++i) {
      float t = (p[i] - m) * is;
      if (w) t *= w[i];
      if (b) t += b[i];
      q[i] = t;
    }
  }
  if (detail::needs_graph<float>({&input, &weight, &bias})) {
    const bool gx = input.requires_grad(), gw = weight.defined() && weight.requires_grad(),
               gb = bias.defined() && bias.requires_grad();
    detail::record(
        y, "NativeLayerNormBackward0", {&input, &weight, &bias},
        [sx = detail::SavedTensor<float>(input), sw = detail::SavedTensor<float>(weight),
         xs = input.shape(), mean, rstd, eps, gx, gw, gb, M, R,
         ns = normalized_shape](const Tensor& g) {
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops on [1, R, M]
            const char* name = "NativeLayerNormBackward0";
            const Shape rm{1, R, M};
            const auto x = sx.variable(name, xs).reshape(rm), g3 = g.reshape(rm);
            const auto w = sw.defined() ? sw.variable(name, ns).reshape({1, 1, M}) : Tensor{};
            Tensor xhat;
            auto dx = detail::norm_dx_recorded(x, g3, w, eps, xhat);
            return std::vector<Tensor>{gx ? dx.reshape(xs) : Tensor{},
                                       gw ? (g3 * xhat).sum(1).reshape(ns) : Tensor{},
                                       gb ? g3.sum(1).reshape(ns) : Tensor{}};
          }
          const float* xd = sx.data("NativeLayerNormBackward0");
          const float* w = sw.defined() ? sw.data("NativeLayerNormBackward0") : nullptr;
          Tensor dx = gx ? Tensor::empty(xs) : Tensor{};
          Tensor dw = gw ? zeros<float>(ns) : Tensor{};
          Tensor db = gb ? zeros<float>(ns) : Tensor{};
          for (std::int64_t r = 0; r < R; ++r) {
            const float* gp = g.data() + r * M;
            const float* xp = xd + r * M;
            const float m = mean.data()[r], is = rstd.data()[r];
            double s1 = 0, s2 = 0;  // sum(dxhat), sum(dxhat * xhat) with dxhat = dy * w
            for (std::int64_t i = 0; i < M; ++i) {
              const float xh = (xp[i] - m) * is;
              const float dxh = w ? gp[i] * w[i] : gp[i];
              s1 += dxh;
              s2 += dxh * xh;
              if (gw) dw.data()[i] += gp[i] * xh;
              if (gb) db.data()[i] += gp[i];
            }
            if (!gx) continue;
            const float a = static_cast<float>(s1 / static_cast<double>(M)),
                        c = static_cast<float>(s2 / static_cast<double>(M));
            float* d = dx.data() + r * M;
            for (std::int64_t i = 0; i < M; ++i) {
              const float xh = (xp[i] - m) * is;
              const float dxh = w ? gp[i] * w[i] : gp[i];
              d[i] = is * (dxh - a - xh * c);
            }
          }
          return std::vector<Tensor>{dx, dw, db};
        });
    detail::mark_differentiable_backward(y);
  }
  return y;
}

}  // namespace torchlet::nn::functional
