#pragma once
// More nn::init initialisers: orthogonal_, sparse_, dirac_ (uniform_, normal_, eye_,
// trunc_normal_, the xavier and kaiming ones and calculate_gain are in nn/init.hpp).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "torchlet/detail/eigen_qr.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::init {

/// A (semi-)orthogonal matrix in t viewed as [size(0), numel / size(0)], times gain
/// (torch.nn.init.orthogonal_): the Q of the QR decomposition of a standard normal matrix,
/// its signs fixed by R's diagonal. Rows are orthonormal when rows <= cols, columns otherwise.
template <class = void>
inline const Tensor& orthogonal_(const Tensor& t, double gain = 1.0,
                                 Generator& gen = default_generator()) {
  if (t.dim() < 2)
    throw ShapeError("orthogonal_: only tensors with 2 or more dimensions are supported, got " +
                     to_string(t.shape()));
  if (t.numel() == 0) return t;
  const std::int64_t rows = t.size(0), cols = t.numel() / rows;
  // Work on the tall orientation: m x n with m >= n.
  const bool wide = rows < cols;
  const Eigen::Index m = wide ? cols : rows, n = wide ? rows : cols;
  Eigen::MatrixXd a(m, n);
  {
    const std::lock_guard lock(gen.mutex());
    for (Eigen::Index i = 0; i < m; ++i)
      for (Eigen::Index j = 0; j < n; ++j) a(i, j) = gen.normal();
  }
  const Eigen::MatrixXd q = detail::orthonormal_q(a);
  NoGradGuard g;
  float* p = t.data();
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j)
      p[i * cols + j] = static_cast<float>(gain * (wide ? q(j, i) : q(i, j)));
  return t;
}

/// A sparse 2-D matrix (torch.nn.init.sparse_): N(0, std) values, with ceil(sparsity * rows)
/// randomly chosen elements of every column set to 0.
template <class = void>
inline const Tensor& sparse_(const Tensor& t, double sparsity, double std = 0.01,
                             Generator& gen = default_generator()) {
  if (t.dim() != 2)
    throw ShapeError("sparse_: only tensors with 2 dimensions are supported, got " +
                     to_string(t.shape()));
  if (!(sparsity >= 0.0 && sparsity <= 1.0))
    throw std::invalid_argument("sparse_: sparsity must be in [0, 1], got " +
                                std::to_string(sparsity));
  const std::int64_t rows = t.size(0), cols = t.size(1);
  const auto zeros_per_col =
      static_cast<std::int64_t>(std::ceil(sparsity * static_cast<double>(rows)));
  normal_(t, 0.0, std, gen);
  NoGradGuard g;
  float* p = t.data();
  std::vector<std::int64_t> order(static_cast<std::size_t>(rows));
  const std::lock_guard lock(gen.mutex());
  for (std::int64_t c = 0; c < cols; ++c) {
    std::iota(order.begin(), order.end(), std::int64_t(0));
    // The first zeros_per_col of a random permutation (a partial Fisher-Yates shuffle).
    for (std::int64_t i = 0; i < zeros_per_col; ++i) {
      const auto j =
          i + static_cast<std::int64_t>(gen.randint(static_cast<std::uint64_t>(rows - i)));
      std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
      p[order[static_cast<std::size_t>(i)] * cols + c] = 0.0f;
    }
  }
  return t;
}

/// The Dirac delta in a 3-, 4- or 5-D convolution weight [out, in, *k] (torch.nn.init.dirac_):
/// a convolution with it copies its input channels (in each of `groups` groups of out /
/// groups output channels), keeping as many channels as it can.
template <class = void>
inline const Tensor& dirac_(const Tensor& t, std::int64_t groups = 1) {
  if (t.dim() < 3 || t.dim() > 5)
    throw ShapeError("dirac_: only tensors with 3, 4, or 5 dimensions are supported, got " +
                     to_string(t.shape()));
  if (groups < 1 || t.size(0) % groups != 0)
    throw std::invalid_argument("dirac_: dim 0 (" + std::to_string(t.size(0)) +
                                ") must be divisible by groups (" + std::to_string(groups) + ")");
  NoGradGuard g;
  t.fill_(0.0f);
  const std::int64_t out_per_group = t.size(0) / groups;
  const std::int64_t min_dim = std::min(out_per_group, t.size(1));
  const std::int64_t per_in = t.numel() / (t.size(0) * t.size(1));  // kernel elements
  // The kernel's centre as a flat offset.
  std::int64_t centre = 0;
  for (std::int64_t d = 2; d < t.dim(); ++d) centre = centre * t.size(d) + t.size(d) / 2;
  for (std::int64_t gi = 0; gi < groups; ++gi)
    for (std::int64_t d = 0; d < min_dim; ++d)
      t.data()[((gi * out_per_group + d) * t.size(1) + d) * per_in + centre] = 1.0f;
  return t;
}

}  // namespace torchlet::nn::init
