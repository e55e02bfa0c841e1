#pragma once
// pad(x, pad, mode, value): F.pad. `pad` lists (left, right) pairs from the last dim backwards,
// as PyTorch's: {1, 2} pads the last dim by 1 before and 2 after, {1, 2, 3, 4} also the one
// before it by 3 and 4. x [*, S] -> [*, S + left + right] per padded dim. Modes:
//   "constant"   the value (negative pads crop);
//   "reflect"    mirrored without repeating the edge (pad < size);
//   "replicate"  the edge value repeated;
//   "circular"   wrapped around (pad <= size).
// Computed as a gather: each output element reads one input element (or the value), and the
// backward scatters the gradient back with +=.
#include <string>
#include <string_view>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::detail {

/// For output position o of a dim padded by `left` from size n: the input position, or -1 for
/// the constant value.
template <class = void>
inline std::int64_t pad_source(std::string_view mode, std::int64_t o, std::int64_t left,
                               std::int64_t n) {
  std::int64_t i = o - left;
  if (i >= 0 && i < n) return i;
  if (mode == "constant") return -1;
  if (mode == "replicate") return i < 0 ? 0 : n - 1;
  if (mode == "circular") return ((i % n) + n) % n;
  return i < 0 ? -i : 2 * (n - 1) - i;  // reflect
}

/// The pad list's (left, right) for dim `d` of an input with `dims` dims (0 when not padded).
template <class = void>
inline std::pair<std::int64_t, std::int64_t> pad_of_dim(const std::vector<std::int64_t>& pad,
                                                        std::int64_t dims, std::int64_t d) {
  const std::int64_t j = dims - 1 - d;  // 0 = last dim
  if (2 * j + 1 >= static_cast<std::int64_t>(pad.size())) return {0, 0};
  return {pad[static_cast<std::size_t>(2 * j)], pad[static_cast<std::size_t>(2 * j + 1)]};
}

/// Pad's input gradient with recorded ops (create_graph): g's elements added at their source
/// elements src[i] (a lane_put, whose backward is the gather lane_take); the constant-filled
/// elements (src[i] < 0) are masked out first.
template <class T>
BasicTensor<T> pad_backward_recorded(const BasicTensor<T>& g, const std::vector<std::int64_t>& src,
                                     const Shape& shape) {
  const auto m = static_cast<std::int64_t>(src.size());
  auto idx = BasicTensor<std::int64_t>::empty({1, m, 1});
  auto keep = BasicTensor<T>::empty({1, m, 1});
  bool masked = false;
  for (std::int64_t i = 0; i < m; ++i) {
    const auto s = src[static_cast<std::size_t>(i)];
    idx.data()[i] = s < 0 ? 0 : s;
    keep.data()[i] = s < 0 ? T(0) : T(1);
    masked = masked || s < 0;
  }
  const auto flat = masked ? g.reshape({1, m, 1}) * keep : g.reshape({1, m, 1});
  return lane_put(flat, idx, numel_of(shape)).reshape(shape);
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// F.pad: pads (or, with negative constant pads, crops) the last len(pad) / 2 dims of x.
/// pad = {left_last, right_last, left_second_last, right_second_last, ...}; mode "constant",
/// "reflect", "replicate" or "circular"; value fills constant padding.
template <class T>
BasicTensor<T> pad(const BasicTensor<T>& input, const std::vector<std::int64_t>& pad,
                   std::string_view mode = "constant", double value = 0) {
  const std::int64_t dims = input.dim();
  const auto shown = [&] {
    std::string s = "(";
    for (std::size_t i = 0; i < pad.size(); ++i) s += (i ? ", " : "") + std::to_string(pad[i]);
    return s + ")";
  };
  if (mode != "constant" && mode != "reflect" && mode != "replicate" && mode != "circular")
    throw std::invalid_argument("pad: mode must be 'constant', 'reflect', 'replicate' or " +
                                std::string("'circular', got '") + std::string(mode) + "'");
  if (pad.size() % 2 != 0 || static_cast<std::int64_t>(pad.size()) > 2 * dims)
    throw std::invalid_argument(
        "pad: the pad list " + shown() + " must have an even length of at most 2 * input.dim() = " +
        std::to_string(2 * dims) + " (input " + to_string(input.shape()) + ")");
  const auto k = static_cast<std::int64_t>(pad.size() / 2);
  if (mode != "constant" && dims < k + 1)
    throw ShapeError("pad: " + std::string(mode) + " padding of " + std::to_string(k) +
                     " dims needs an input with at least " + std::to_string(k + 1) +
                     " dims (a batch or channel dim first), got " + to_string(input.shape()));
  Shape out_shape = input.shape();
  for (std::int64_t d = dims - k; d < dims; ++d) {
    const auto [l, r] = detail::pad_of_dim(pad, dims, d);
    const std::int64_t n = input.size(d);
    if (mode != "constant" && (l < 0 || r < 0))
      throw std::invalid_argument("pad: " + std::string(mode) + " padding " + shown() +
                                  " must be non-negative");
    if ((mode == "reflect" && (l >= n || r >= n)) || (mode == "circular" && (l > n || r > n)) ||
        (mode == "replicate" && n == 0))
      throw ShapeError("pad: " + std::string(mode) + " padding (" + std::to_string(l) + ", " +
                       std::to_string(r) + ") of dim " + std::to_string(d) + " must be " +
                       (mode == "circular" ? "at most" : "smaller than") + " its size " +
                       std::to_string(n) + " (input " + to_string(input.shape()) + ")");
    out_shape[static_cast<std::size_t>(d)] = n + l + r;
    if (out_shape[static_cast<std::size_t>(d)] < 0)
      throw ShapeError("pad: padding " + shown() + " leaves dim " + std::to_string(d) +
                       " of input " + to_string(input.shape()) + " with a negative size");
  }
  // src[i]: the input element output element i reads, -1 for the constant value. Built dim by
  // dim: src = src_outer * n_d + source along d.
  std::vector<std::int64_t> src{0};
  for (std::int64_t d = 0; d < dims; ++d) {
    const auto [l, r] = detail::pad_of_dim(pad, dims, d);
    (void)r;
    const std::int64_t n = input.size(d), m = out_shape[static_cast<std::size_t>(d)];
    std::vector<std::int64_t> along(static_cast<std::size_t>(m));
    for (std::int64_t o = 0; o < m; ++o)
      along[static_cast<std::size_t>(o)] = detail::pad_source(mode, o, l, n);
    std::vector<std::int64_t> next;
    next.reserve(src.size() * static_cast<std::size_t>(m));
    for (std::int64_t s : src)
      for (std::int64_t a : along) next.push_back(s < 0 || a < 0 ? -1 : s * n + a);
    src = std::move(next);
  }
  auto x = input.contiguous();
  auto out = BasicTensor<T>::empty(out_shape);
  const T* xp = x.data();
  T* op = out.data();
  for (std::size_t i = 0; i < src.size(); ++i) op[i] = src[i] < 0 ? T(value) : xp[src[i]];
  if (detail::needs_graph<T>({&input})) {
    detail::record(
        out, "PadBackward", {&input},
        [src = std::move(src), shape = input.shape()](const BasicTensor<T>& g) {
          if (is_grad_enabled()) [[unlikely]]  // create_graph: a recorded lane_put
            return std::vector<BasicTensor<T>>{detail::pad_backward_recorded(g, src, shape)};
          auto gx = zeros<T>(shape);
          const T* gp = g.data();
          T* dp = gx.data();
          for (std::size_t i = 0; i < src.size(); ++i)
            if (src[i] >= 0) dp[src[i]] += gp[i];
          return std::vector<BasicTensor<T>>{gx};
        });
    detail::mark_differentiable_backward(out);
  }
  return out;
}

}  // namespace torchlet::nn::functional
