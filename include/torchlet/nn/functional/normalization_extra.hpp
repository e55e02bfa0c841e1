#pragma once
// More normalization, each one fused kernel with its backward, templated on the element type:
//   group_norm:  x [N, C, *] normalized over each of num_groups groups of C / num_groups
//                channels (and *), then weight[c] * x + bias[c].
//   instance_norm: x [N, C, *] normalized per (sample, channel) over * (with the running
//                statistics instead when use_input_stats is false).
//   local_response_norm: x [N, C, *] / (k + alpha / size * sum of x^2 over `size`
//                neighbouring channels)^beta.
//   normalize:   x / max(||x||_p along dim, eps).
//   rms_norm:    x / sqrt(mean(x^2 over the last normalized_shape dims) + eps) * weight
//                (torch.nn.functional.rms_norm of PyTorch 2.4; not in PyTorch 1.13).
// Statistics are accumulated in double, as PyTorch's CPU kernels do.
#include <cmath>
#include <limits>
#include <optional>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/normalization.hpp"
#include "torchlet/nn/functional/padding.hpp"
#include "torchlet/tensor.hpp"
#include "torchlet/tensor/norm.hpp"

namespace torchlet::nn::functional {
namespace detail {

/// x [N, C, S...] viewed as rows of N * G groups, each of (C / G) * S values, normalized
/// to mean 0 and variance 1 (biased), then scaled per channel: y = xhat * w[c] + b[c].
/// The fused forward and backward of group_norm and instance_norm.
template <class T>
BasicTensor<T> grouped_norm(const char* op, const char* node, const BasicTensor<T>& x,
                            std::int64_t G, const BasicTensor<T>& weight,
                            const BasicTensor<T>& bias, double eps) {
  const std::int64_t N = x.shape()[0], C = x.shape()[1];
  const std::int64_t S = N * C > 0 ? x.numel() / (N * C) : 0;
  const std::int64_t Cg = C / G, M = Cg * S;  // channels and values per group
  const auto check_c = [&](const BasicTensor<T>& t, const char* what) {
    if (t.defined() && (t.dim() != 1 || t.shape()[0] != C))
      throw ShapeError(std::string(op) + ": " + what + " " + to_string(t.shape()) +
                       " does not match the " + std::to_string(C) + " channels of input " +
                       to_string(x.shape()));
  };
  check_c(weight, "weight");
  check_c(bias, "bias");
  auto y = BasicTensor<T>::empty(x.shape());
  auto xhat = BasicTensor<T>::empty(x.shape());
  std::vector<T> rstd(static_cast<std::size_t>(N * G));
  const T* xp = x.data();
  for (std::int64_t r = 0; r < N * G; ++r) {
    const T* row = xp + r * M;
    double s = 0, s2 = 0;
    for (std::int64_t i = 0; i < M; ++i) s += row[i];
    const double mean = M ? s / static_cast<double>(M) : 0.0;
    for (std::int64_t i = 0; i < M; ++i) s2 += (row[i] - mean) * (row[i] - mean);
    const double var = M ? s2 / static_cast<double>(M) : 0.0;
    const T rs = static_cast<T>(1.0 / std::sqrt(var + eps));
    rstd[static_cast<std::size_t>(r)] = rs;
    const std::int64_t c0 = (r % G) * Cg;
    for (std::int64_t i = 0; i < M; ++i) {
      const std::int64_t c = c0 + i / std::max<std::int64_t>(S, 1);
      const T h = static_cast<T>((row[i] - mean) * rs);
      xhat.data()[r * M + i] = h;
      y.data()[r * M + i] = h * (weight.defined() ? weight.data()[c] : T(1)) +
                            (bias.defined() ? bias.data()[c] : T(0));
    }
  }
  if (needs_graph<T>({&x, &weight, &bias}))
    record(y, node, {&x, &weight, &bias},
           [xhat, rstd = std::move(rstd), node, sx = SavedTensor<T>(x), sw = SavedTensor<T>(weight),
            has_b = bias.defined(), N, C, G, S, Cg, M, eps](const BasicTensor<T>& g) {
             if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
               const Shape ncs{N, C, S}, rows{1, N * G, M};
               const auto g3 = g.reshape(ncs);
               const auto dxh = sw.defined() ? g3 * sw.variable(node, {C}).reshape({1, C, 1}) : g3;
               BasicTensor<T> xhat_r;
               const auto dx = norm_dx_recorded(sx.variable(node, xhat.shape()).reshape(rows),
                                                dxh.reshape(rows), BasicTensor<T>(), eps, xhat_r);
               const auto xh = xhat_r.reshape(ncs);
               return std::vector<BasicTensor<T>>{
                   dx.reshape(xhat.shape()),
                   sw.defined() ? (g3 * xh).sum(2).sum(0) : BasicTensor<T>(),
                   has_b ? g3.sum(2).sum(0) : BasicTensor<T>()};
             }
             sx.check(node);  // backward reads xhat, computed in forward; x checked as PyTorch
             const T* w = sw.defined() ? sw.data(node) : nullptr;
             auto gx = BasicTensor<T>::empty(xhat.shape());
             BasicTensor<T> gw = w ? torchlet::zeros<T>({C}) : BasicTensor<T>();
             BasicTensor<T> gb = has_b ? torchlet::zeros<T>({C}) : BasicTensor<T>();
             const T* gp = g.data();
             const T* hp = xhat.data();
             const std::int64_t SS = std::max<std::int64_t>(S, 1);
             for (std::int64_t r = 0; r < N * G; ++r) {
               const std::int64_t c0 = (r % G) * Cg;
               double m1 = 0, m2 = 0;  // means of gh and gh * xhat over the group
               for (std::int64_t i = 0; i < M; ++i) {
                 const std::int64_t c = c0 + i / SS, at = r * M + i;
                 const T gh = gp[at] * (w ? w[c] : T(1));
                 m1 += gh;
                 m2 += gh * hp[at];
                 if (gw.defined()) gw.data()[c] += gp[at] * hp[at];
                 if (gb.defined()) gb.data()[c] += gp[at];
               }
               m1 /= static_cast<double>(M);
               m2 /= static_cast<double>(M);
               const T rs = rstd[static_cast<std::size_t>(r)];
               for (std::int64_t i = 0; i < M; ++i) {
                 const std::int64_t c = c0 + i / SS, at = r * M + i;
                 const T gh = gp[at] * (w ? w[c] : T(1));
                 gx.data()[at] = static_cast<T>(rs * (gh - m1 - hp[at] * m2));
               }
             }
             return std::vector<BasicTensor<T>>{gx, gw, gb};
           });
  mark_differentiable_backward(y);
  return y;
}

}  // namespace detail

/// F.group_norm: x [N, C, *] normalized over each of num_groups channel groups (and *), then
/// weight[c] * x + bias[c] (weight, bias [C] or undefined) -> [N, C, *].
template <class T>
BasicTensor<T> group_norm(const BasicTensor<T>& x, std::int64_t num_groups,
                          const BasicTensor<T>& weight = {}, const BasicTensor<T>& bias = {},
                          double eps = 1e-5) {
  if (x.dim() < 2)
    throw ShapeError("group_norm: expected an input [N, C, *], got " + to_string(x.shape()));
  if (num_groups < 1 || x.shape()[1] % num_groups != 0)
    throw ShapeError("group_norm: expected the " + std::to_string(x.shape()[1]) +
                     " channels of input " + to_string(x.shape()) +
                     " to be divisible by num_groups=" + std::to_string(num_groups));
  return detail::grouped_norm("group_norm", "NativeGroupNormBackward0", x, num_groups, weight, bias,
                              eps);
}

/// F.instance_norm: x [N, C, *] normalized per sample and channel over * with its own
/// statistics (use_input_stats; running_mean / running_var [C], if given, are updated with
/// momentum, the variance unbiased) or with the running statistics -> [N, C, *].
template <class T>
BasicTensor<T> instance_norm(const BasicTensor<T>& x, const BasicTensor<T>& running_mean = {},
                             const BasicTensor<T>& running_var = {},
                             const BasicTensor<T>& weight = {}, const BasicTensor<T>& bias = {},
                             bool use_input_stats = true, double momentum = 0.1,
                             double eps = 1e-5) {
  if (x.dim() < 3)
    throw ShapeError(
        "instance_norm: expected an input [N, C, *] with at least one spatial dim, "
        "got " +
        to_string(x.shape()));
  const std::int64_t N = x.shape()[0], C = x.shape()[1],
                     S = x.numel() / std::max<std::int64_t>(N * C, 1);
  for (const auto* t : {&running_mean, &running_var})
    if (t->defined() && (t->dim() != 1 || t->shape()[0] != C))
      throw ShapeError("instance_norm: running statistics " + to_string(t->shape()) +
                       " do not match the " + std::to_string(C) + " channels of input " +
                       to_string(x.shape()));
  if (use_input_stats) {
    if (S <= 1)
      throw std::invalid_argument(
          "instance_norm: expected more than 1 spatial element when "
          "training, got input " +
          to_string(x.shape()));
    if (running_mean.defined() && running_var.defined()) {
      // running = (1 - momentum) * running + momentum * (mean over N of each instance's mean /
      // unbiased variance), as PyTorch's batch_norm over [1, N * C, *] does.
      NoGradGuard no_grad;
      const T* xp = x.data();
      for (std::int64_t c = 0; c < C; ++c) {
        double mean_sum = 0, var_sum = 0;
        for (std::int64_t n = 0; n < N; ++n) {
          const T* row = xp + (n * C + c) * S;
          double s = 0, s2 = 0;
          for (std::int64_t i = 0; i < S; ++i) s += row[i];
          const double mean = s / static_cast<double>(S);
          for (std::int64_t i = 0; i < S; ++i) s2 += (row[i] - mean) * (row[i] - mean);
          mean_sum += mean;
          var_sum += s2 / static_cast<double>(S - 1);
        }
        T& rm = running_mean.data()[c];
        T& rv = running_var.data()[c];
        rm = static_cast<T>((1 - momentum) * rm + momentum * mean_sum / static_cast<double>(N));
        rv = static_cast<T>((1 - momentum) * rv + momentum * var_sum / static_cast<double>(N));
      }
      torchlet::detail::bump_version(running_mean);
      torchlet::detail::bump_version(running_var);
    }
    // Each (sample, channel) is a group of its own.
    return detail::grouped_norm("instance_norm", "NativeBatchNormBackward0", x.reshape({N, C, S}),
                                C, weight, bias, eps)
        .reshape(x.shape());
  }
  if (!running_mean.defined() || !running_var.defined())
    throw std::invalid_argument(
        "instance_norm: running_mean and running_var are needed when use_input_stats=false");
  // (x - running_mean[c]) / sqrt(running_var[c] + eps) * weight[c] + bias[c]
  Shape cs(x.shape().size(), 1);
  cs[1] = C;
  BasicTensor<T> scale = (running_var + static_cast<T>(eps)).rsqrt();
  BasicTensor<T> shift = -running_mean * scale;
  if (weight.defined()) {
    scale = scale * weight;
    shift = shift * weight;
  }
  if (bias.defined()) shift = shift + bias;
  return x * scale.reshape(cs) + shift.reshape(cs);
}

/// F.local_response_norm: x [N, C, *] / (k + alpha / size * sum of x^2 over the channels
/// [c - size / 2, c + (size - 1) / 2])^beta -> [N, C, *].
template <class T>
BasicTensor<T> local_response_norm(const BasicTensor<T>& x, std::int64_t size, double alpha = 1e-4,
                                   double beta = 0.75, double k = 1.0) {
  if (x.dim() < 3)
    throw ShapeError(
        "local_response_norm: expected 3D or higher dimensional input [N, C, *], "
        "got " +
        to_string(x.shape()));
  if (size < 1)
    throw std::invalid_argument("local_response_norm: size must be positive, got " +
                                std::to_string(size));
  const std::int64_t N = x.shape()[0], C = x.shape()[1],
                     S = x.numel() / std::max<std::int64_t>(N * C, 1);
  const std::int64_t before = size / 2, after = (size - 1) / 2;
  auto y = BasicTensor<T>::empty(x.shape());
  auto den = BasicTensor<T>::empty(x.shape());  // k + alpha / size * window sum
  const T* xp = x.data();
  const double a = alpha / static_cast<double>(size);
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t s = 0; s < S; ++s) {
        double sum = 0;
        for (std::int64_t j = std::max<std::int64_t>(c - before, 0);
             j <= std::min(c + after, C - 1); ++j) {
          const double v = xp[(n * C + j) * S + s];
          sum += v * v;
        }
        const std::int64_t at = (n * C + c) * S + s;
        den.data()[at] = static_cast<T>(k + a * sum);
        y.data()[at] = static_cast<T>(xp[at] * std::pow(k + a * sum, -beta));
      }
  if (detail::needs_graph<T>({&x})) {
    detail::record(
        y, "LocalResponseNormBackward", {&x},
        [sx = detail::SavedTensor<T>(x), den, N, C, S, before, after, a, beta,
         k](const BasicTensor<T>& g) {
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            // The sum over channels [c - lo, c + hi] of t [N, C, S]: zero-padded
            // along C, then `size` shifted narrows added.
            const auto window = [C](const BasicTensor<T>& t, std::int64_t lo, std::int64_t hi) {
              const auto p = pad(t, {0, 0, lo, hi});
              auto acc = p.narrow(1, 0, C);
              for (std::int64_t j = 1; j <= lo + hi; ++j) acc = acc + p.narrow(1, j, C);
              return acc;
            };
            const auto xv =
                sx.variable("LocalResponseNormBackward", den.shape()).reshape({N, C, S});
            const auto g3 = g.reshape({N, C, S});
            const auto d = window(xv * xv, before, after) * static_cast<T>(a) + static_cast<T>(k);
            // Outputs c whose window holds channel j: c in [j - after, j + before].
            const auto back = window(g3 * xv * d.pow(static_cast<T>(-beta - 1)), after, before);
            return std::vector<BasicTensor<T>>{
                (g3 * d.pow(static_cast<T>(-beta)) - xv * back * static_cast<T>(2 * a * beta))
                    .reshape(den.shape())};
          }
          const T* xv = sx.data("local_response_norm");
          const T* gv = g.data();
          const T* dv = den.data();
          auto gx = BasicTensor<T>::empty(den.shape());
          for (std::int64_t n = 0; n < N; ++n)
            for (std::int64_t s = 0; s < S; ++s)
              for (std::int64_t j = 0; j < C; ++j) {
                const std::int64_t at = (n * C + j) * S + s;
                // Outputs c whose window holds channel j: c in [j - after, j + before].
                double acc = 0;
                for (std::int64_t c = std::max<std::int64_t>(j - after, 0);
                     c <= std::min(j + before, C - 1); ++c) {
                  const std::int64_t ac = (n * C + c) * S + s;
                  acc += double(gv[ac]) * xv[ac] * std::pow(double(dv[ac]), -beta - 1);
                }
                gx.data()[at] = static_cast<T>(gv[at] * std::pow(double(dv[at]), -beta) -
                                               2 * a * beta * xv[at] * acc);
              }
          return std::vector<BasicTensor<T>>{gx};
        });
    detail::mark_differentiable_backward(y);
  }
  return y;
}

namespace detail {
/// NormalizeBackward as recorded ops (create_graph): x and g [*] in place in the graph,
/// d = max(||x||_p, eps) per lane of dim: dx = g / d - sum(g x) / d^2 * d||x||_p/dx, the last
/// term 0 where the clamp is active.
template <class T>
BasicTensor<T> normalize_backward_recorded(const BasicTensor<T>& x, const BasicTensor<T>& g,
                                           double p, double eps, const DimSplit& sp) {
  const Shape lanes{sp.outer, sp.n, sp.inner};
  const auto xv = x.reshape(lanes), gv = g.reshape(lanes);
  const auto nrm = norm(xv, p, 1, true);
  BasicTensor<bool> active;
  BasicTensor<T> sgn;
  {
    NoGradGuard no_grad;
    active = nrm > scalar_tensor<T>(static_cast<T>(eps));
    sgn = xv.sign();
  }
  const auto zero = scalar_tensor<T>(T(0));
  const auto d = where(active, nrm, scalar_tensor<T>(static_cast<T>(eps)));
  const auto safe = where(active, nrm, scalar_tensor<T>(T(1)));
  const auto dn =
      where(active, p == 2 ? xv / safe : sgn * (xv.abs() / safe).pow(static_cast<T>(p - 1)), zero);
  return (gv / d - (gv * xv).sum(1, true) / (d * d) * dn).reshape(x.shape());
}
}  // namespace detail

/// F.normalize: x / max(||x||_p, eps) along dim (each lane scaled to p-norm 1) -> same shape.
template <class T>
BasicTensor<T> normalize(const BasicTensor<T>& x, double p = 2.0, std::int64_t dim = 1,
                         double eps = 1e-12) {
  if (!(p > 0))
    throw std::invalid_argument("normalize: p must be positive, got " + std::to_string(p));
  const auto sp = torchlet::detail::split_dim("normalize", x.shape(), dim, true);
  auto y = BasicTensor<T>::empty(x.shape());
  std::vector<double> norms(static_cast<std::size_t>(sp.outer * sp.inner));
  const T* xp = x.data();
  const auto at = [sp](std::int64_t a, std::int64_t j, std::int64_t b) {
    return (a * sp.n + j) * sp.inner + b;
  };
  for (std::int64_t a = 0; a < sp.outer; ++a)
    for (std::int64_t b = 0; b < sp.inner; ++b) {
      double s = 0;
      for (std::int64_t j = 0; j < sp.n; ++j) s += std::pow(std::abs(double(xp[at(a, j, b)])), p);
      const double nrm = std::pow(s, 1.0 / p);
      norms[static_cast<std::size_t>(a * sp.inner + b)] = nrm;
      const double d = std::max(nrm, eps);
      for (std::int64_t j = 0; j < sp.n; ++j)
        y.data()[at(a, j, b)] = static_cast<T>(xp[at(a, j, b)] / d);
    }
  if (detail::needs_graph<T>({&x}))
    detail::record(
        y, "NormalizeBackward", {&x},
        [sx = detail::SavedTensor<T>(x), norms = std::move(norms), sp, p, eps,
         at](const BasicTensor<T>& g) {
          if (is_grad_enabled()) [[unlikely]]  // create_graph: recorded ops
            return std::vector<BasicTensor<T>>{detail::normalize_backward_recorded(
                sx.variable("normalize", g.shape()), g, p, eps, sp)};
          const T* xv = sx.data("normalize");
          const T* gv = g.data();
          auto gx = BasicTensor<T>::empty(g.shape());
          for (std::int64_t a = 0; a < sp.outer; ++a)
            for (std::int64_t b = 0; b < sp.inner; ++b) {
              const double nrm = norms[static_cast<std::size_t>(a * sp.inner + b)];
              const double d = std::max(nrm, eps);
              double dot = 0;  // sum of g * x over the lane
              for (std::int64_t j = 0; j < sp.n; ++j)
                dot += double(gv[at(a, j, b)]) * xv[at(a, j, b)];
              for (std::int64_t j = 0; j < sp.n; ++j) {
                const double v = xv[at(a, j, b)];
                // d ||x||_p / dx = sign(x) |x|^(p - 1) / ||x||^(p - 1)
                const double dn = nrm > eps && v != 0
                                      ? std::copysign(std::pow(std::abs(v) / nrm, p - 1), v)
                                      : 0.0;
                gx.data()[at(a, j, b)] = static_cast<T>(gv[at(a, j, b)] / d - dot / (d * d) * dn);
              }
            }
          return std::vector<BasicTensor<T>>{gx};
        });
  detail::mark_differentiable_backward(y);
  return y;
}

/// RMSNorm (torch.nn.functional.rms_norm, PyTorch 2.4; not in 1.13): x / sqrt(mean(x^2) +
/// eps) * weight over the last normalized_shape dims; eps nullopt: the element type's machine
/// epsilon, as PyTorch. x [*, normalized_shape], weight [normalized_shape] or undefined.
template <class T>
BasicTensor<T> rms_norm(const BasicTensor<T>& x, const Shape& normalized_shape,
                        const BasicTensor<T>& weight = {},
                        std::optional<double> eps = std::nullopt) {
  const auto k = normalized_shape.size();
  const auto& xs = x.shape();
  bool ok = xs.size() >= k;
  for (std::size_t i = 0; ok && i < k; ++i) ok = xs[xs.size() - k + i] == normalized_shape[i];
  if (!ok)
    throw ShapeError("rms_norm: input " + to_string(xs) + " does not end with normalized_shape " +
                     to_string(normalized_shape));
  if (weight.defined() && weight.shape() != normalized_shape)
    throw ShapeError("rms_norm: weight " + to_string(weight.shape()) +
                     " does not match normalized_shape " + to_string(normalized_shape));
  const double e = eps.value_or(std::numeric_limits<T>::epsilon());
  std::int64_t M = 1;
  for (auto d : normalized_shape) M *= d;
  const std::int64_t R = M ? x.numel() / M : 0;
  auto y = BasicTensor<T>::empty(xs);
  std::vector<T> rrms(static_cast<std::size_t>(R));
  const T* xp = x.data();
  for (std::int64_t r = 0; r < R; ++r) {
    double s = 0;
    for (std::int64_t i = 0; i < M; ++i) s += double(xp[r * M + i]) * xp[r * M + i];
    const T rr = static_cast<T>(1.0 / std::sqrt(s / static_cast<double>(M) + e));
    rrms[static_cast<std::size_t>(r)] = rr;
    for (std::int64_t i = 0; i < M; ++i)
      y.data()[r * M + i] = xp[r * M + i] * rr * (weight.defined() ? weight.data()[i] : T(1));
  }
  if (detail::needs_graph<T>({&x, &weight})) {
    detail::record(y, "RmsNormBackward", {&x, &weight},
                   [sx = detail::SavedTensor<T>(x), sw = detail::SavedTensor<T>(weight),
                    ws = weight.defined() ? weight.shape() : Shape{}, rrms = std::move(rrms), R, M,
                    xs, e](const BasicTensor<T>& g) {
                     if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
                       const auto x2 = sx.variable("RmsNormBackward", xs).reshape({R, M});
                       const auto g2 = g.reshape({R, M});
                       const auto wv =
                           sw.defined() ? sw.variable("RmsNormBackward", ws) : BasicTensor<T>();
                       const auto rr = ((x2 * x2).mean(1, true) + static_cast<T>(e)).rsqrt();
                       const auto gh = wv.defined() ? g2 * wv.reshape({1, M}) : g2;
                       const auto dot = (gh * x2).sum(1, true);
                       const auto gx = rr * gh - x2 * (rr * rr * rr) * dot / static_cast<T>(M);
                       return std::vector<BasicTensor<T>>{
                           gx.reshape(xs),
                           wv.defined() ? (g2 * x2 * rr).sum(0).reshape(ws) : BasicTensor<T>()};
                     }
                     const T* xv = sx.data("rms_norm");
                     const T* w = sw.defined() ? sw.data("rms_norm") : nullptr;
                     const T* gv = g.data();
                     auto gx = BasicTensor<T>::empty(xs);
                     BasicTensor<T> gw = w ? torchlet::zeros<T>(ws) : BasicTensor<T>();
                     for (std::int64_t r = 0; r < R; ++r) {
                       const double rr = rrms[static_cast<std::size_t>(r)];
                       double dot = 0;  // sum of (g * w) * x over the row
                       for (std::int64_t i = 0; i < M; ++i) {
                         const double gh = double(gv[r * M + i]) * (w ? w[i] : T(1));
                         dot += gh * xv[r * M + i];
                         if (gw.defined())
                           gw.data()[i] += static_cast<T>(gv[r * M + i] * xv[r * M + i] * rr);
                       }
                       for (std::int64_t i = 0; i < M; ++i) {
                         const double gh = double(gv[r * M + i]) * (w ? w[i] : T(1));
                         gx.data()[r * M + i] = static_cast<T>(
                             rr * gh - xv[r * M + i] * rr * rr * rr * dot / static_cast<double>(M));
                       }
                     }
                     return std::vector<BasicTensor<T>>{gx, gw};
                   });
    detail::mark_differentiable_backward(y);
  }
  return y;
}

}  // namespace torchlet::nn::functional
