#pragma once
// The padding layers: ConstantPad1d/2d/3d, ZeroPad2d, ReflectionPad1d/2d/3d,
// ReplicationPad1d/2d/3d. Each pads the last 1, 2 or 3 dims of x with F.pad (see
// functional/padding.hpp): padding is one integer (every side) or PyTorch's tuple
// (left, right[, top, bottom[, front, back]]), x [*, S] -> [*, S + before + after].
#include <initializer_list>
#include <string>
#include <vector>

#include "torchlet/nn/detail/format.hpp"
#include "torchlet/nn/functional/padding.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {

/// A padding layer's sizes: one integer for every side, or PyTorch's tuple {left, right, top,
/// bottom, front, back} (as many pairs as the layer pads dims).
struct PaddingSizes {
  /// The sizes as given ({v} for one integer).
  std::vector<std::int64_t> sizes;
  /// v on every side (implicit, as Python's int-or-tuple argument).
  PaddingSizes(std::int64_t v) : sizes{v} {}  // NOLINT: implicit, as Python's int-or-tuple
  /// {left, right, ...} (implicit, as Python's tuple argument).
  PaddingSizes(std::initializer_list<std::int64_t> v) : sizes(v) {}
};

namespace detail {

/// What the padding layers share (PyTorch's _ConstantPadNd, _ReflectionPadNd, ...).
template <int Dims>
class PadNd : public StatelessModule {
 public:
  /// F.pad's list: (left, right, top, bottom, front, back), 2 * Dims entries.
  std::vector<std::int64_t> padding;
  /// "constant", "reflect" or "replicate".
  std::string mode;
  /// The fill value of constant padding.
  double value;

  /// A layer `name` padding Dims dims in `mode`.
  PadNd(const char* name, const PaddingSizes& p, std::string mode, double value = 0)
      : mode(std::move(mode)), value(value) {
    if (p.sizes.size() == 1)
      padding.assign(static_cast<std::size_t>(2 * Dims), p.sizes[0]);
    else if (p.sizes.size() == static_cast<std::size_t>(2 * Dims))
      padding = p.sizes;
    else
      throw std::invalid_argument(
          std::string(name) + ": padding must be an integer or a tuple of " +
          std::to_string(2 * Dims) + " sizes, got " + nnfmt::py_tuple(p.sizes));
  }

  /// x [*, S] -> [*, S + before + after] over the last Dims dims.
  Tensor forward(const Tensor& x) override {
    if (mode == "constant" ? x.dim() < Dims : x.dim() != Dims + 1 && x.dim() != Dims + 2)
      throw ShapeError(name() + ": expected a " +
                       (mode == "constant" ? "tensor of at least " + std::to_string(Dims) + " dims"
                                           : std::to_string(Dims + 1) + "-D or " +
                                                 std::to_string(Dims + 2) + "-D input") +
                       ", got " + to_string(x.shape()));
    return functional::pad(x, padding, mode, value);
  }

  std::string extra_repr() const override {
    if (mode == "constant")
      return "padding=" + nnfmt::py_tuple(padding) + ", value=" + nnfmt::py_float(value);
    return nnfmt::py_tuple(padding);
  }
};

}  // namespace detail

/// nn.ConstantPad1d(padding, value): pads the last dim with `value`.
template <class = void>
class ConstantPad1dImpl : public detail::PadNd<1> {
 public:
  /// nn::ConstantPad1d{{1, 2}, 3.5}
  ConstantPad1dImpl(const PaddingSizes& padding, double value)
      : PadNd("ConstantPad1d", padding, "constant", value) {}
};
/// ConstantPad1d: see ConstantPad1dImpl.
using ConstantPad1d = ConstantPad1dImpl<>;
/// nn.ConstantPad2d(padding, value): pads the last 2 dims with `value`.
template <class = void>
class ConstantPad2dImpl : public detail::PadNd<2> {
 public:
  /// nn::ConstantPad2d{{1, 0, 2, 1}, -1.0}
  ConstantPad2dImpl(const PaddingSizes& padding, double value)
      : PadNd("ConstantPad2d", padding, "constant", value) {}
};
/// ConstantPad2d: see ConstantPad2dImpl.
using ConstantPad2d = ConstantPad2dImpl<>;
/// nn.ConstantPad3d(padding, value): pads the last 3 dims with `value`.
template <class = void>
class ConstantPad3dImpl : public detail::PadNd<3> {
 public:
  /// nn::ConstantPad3d{1, 0.0}
  ConstantPad3dImpl(const PaddingSizes& padding, double value)
      : PadNd("ConstantPad3d", padding, "constant", value) {}
};
/// ConstantPad3d: see ConstantPad3dImpl.
using ConstantPad3d = ConstantPad3dImpl<>;
/// nn.ZeroPad2d(padding): pads the last 2 dims with zeros.
template <class = void>
class ZeroPad2dImpl : public detail::PadNd<2> {
 public:
  /// nn::ZeroPad2d{{1, 1, 2, 0}}
  explicit ZeroPad2dImpl(const PaddingSizes& padding)
      : PadNd("ZeroPad2d", padding, "constant", 0.0) {}
  std::string extra_repr() const override { return detail::nnfmt::py_tuple(padding); }
};
/// ZeroPad2d: see ZeroPad2dImpl.
using ZeroPad2d = ZeroPad2dImpl<>;
/// nn.ReflectionPad1d(padding): [N, C, W] (or [C, W]), mirrored without repeating the edge.
template <class = void>
class ReflectionPad1dImpl : public detail::PadNd<1> {
 public:
  /// nn::ReflectionPad1d{{1, 2}}
  explicit ReflectionPad1dImpl(const PaddingSizes& padding)
      : PadNd("ReflectionPad1d", padding, "reflect") {}
};
/// ReflectionPad1d: see ReflectionPad1dImpl.
using ReflectionPad1d = ReflectionPad1dImpl<>;
/// nn.ReflectionPad2d(padding): [N, C, H, W] (or [C, H, W]), mirrored without repeating the edge.
template <class = void>
class ReflectionPad2dImpl : public detail::PadNd<2> {
 public:
  /// nn::ReflectionPad2d{3}
  explicit ReflectionPad2dImpl(const PaddingSizes& padding)
      : PadNd("ReflectionPad2d", padding, "reflect") {}
};
/// ReflectionPad2d: see ReflectionPad2dImpl.
using ReflectionPad2d = ReflectionPad2dImpl<>;
/// nn.ReflectionPad3d(padding): [N, C, D, H, W] (or [C, D, H, W]).
template <class = void>
class ReflectionPad3dImpl : public detail::PadNd<3> {
 public:
  /// nn::ReflectionPad3d{1}
  explicit ReflectionPad3dImpl(const PaddingSizes& padding)
      : PadNd("ReflectionPad3d", padding, "reflect") {}
};
/// ReflectionPad3d: see ReflectionPad3dImpl.
using ReflectionPad3d = ReflectionPad3dImpl<>;
/// nn.ReplicationPad1d(padding): [N, C, W] (or [C, W]), the edge value repeated.
template <class = void>
class ReplicationPad1dImpl : public detail::PadNd<1> {
 public:
  /// nn::ReplicationPad1d{2}
  explicit ReplicationPad1dImpl(const PaddingSizes& padding)
      : PadNd("ReplicationPad1d", padding, "replicate") {}
};
/// ReplicationPad1d: see ReplicationPad1dImpl.
using ReplicationPad1d = ReplicationPad1dImpl<>;
/// nn.ReplicationPad2d(padding): [N, C, H, W] (or [C, H, W]), the edge value repeated.
template <class = void>
class ReplicationPad2dImpl : public detail::PadNd<2> {
 public:
  /// nn::ReplicationPad2d{{1, 2, 3, 0}}
  explicit ReplicationPad2dImpl(const PaddingSizes& padding)
      : PadNd("ReplicationPad2d", padding, "replicate") {}
};
/// ReplicationPad2d: see ReplicationPad2dImpl.
using ReplicationPad2d = ReplicationPad2dImpl<>;
/// nn.ReplicationPad3d(padding): [N, C, D, H, W] (or [C, D, H, W]), the edge value repeated.
template <class = void>
class ReplicationPad3dImpl : public detail::PadNd<3> {
 public:
  /// nn::ReplicationPad3d{1}
  explicit ReplicationPad3dImpl(const PaddingSizes& padding)
      : PadNd("ReplicationPad3d", padding, "replicate") {}
};
/// ReplicationPad3d: see ReplicationPad3dImpl.
using ReplicationPad3d = ReplicationPad3dImpl<>;

}  // namespace torchlet::nn
