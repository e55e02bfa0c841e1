#pragma once
// vision::transforms: callables applied to one sample, composed with Compose.
//   ToTensor:  ByteTensor [H, W] or [C, H, W] (0..255) -> Tensor [C, H, W] in [0, 1]
//   Normalize: Tensor [C, H, W] -> (x - mean[c]) / std[c]
#include <tuple>
#include <vector>

#include "torchlet/tensor.hpp"

namespace torchlet::vision::transforms {

struct ToTensor {
  Tensor operator()(const ByteTensor& img) const {
    if (img.dim() != 2 && img.dim() != 3)
      throw ShapeError("ToTensor: expected an image [H, W] or [C, H, W], got " + to_string(img.shape()));
    Shape s = img.shape();
    if (s.size() == 2) s.insert(s.begin(), 1);
    auto out = Tensor::empty(s);
    detail::amap(out.data(), out.numel()) = detail::camap(img.data(), img.numel()).template cast<float>() * (1.0f / 255.0f);
    return out;
  }
};

struct Normalize {
  std::vector<float> mean, std;
  Tensor operator()(const Tensor& x) const {
    if (x.dim() < 3) throw ShapeError("Normalize: expected a tensor image [..., C, H, W], got " + to_string(x.shape()));
    const auto c = x.size(-3);
    if (mean.empty() || std.size() != mean.size() ||
        (mean.size() != 1 && static_cast<std::int64_t>(mean.size()) != c))
      throw std::invalid_argument("Normalize: " + std::to_string(mean.size()) + " means and " + std::to_string(std.size()) +
                                  " stds for an image with " + std::to_string(c) + " channels");
    for (float s : std)
      if (s == 0) throw std::invalid_argument("Normalize: std evaluated to zero, leading to division by zero");
    auto out = Tensor::empty(x.shape());
    const auto plane = x.size(-1) * x.size(-2);
    const auto images = x.numel() / (plane * c);
    for (std::int64_t i = 0; i < images; ++i)
      for (std::int64_t k = 0; k < c; ++k) {
        const auto m = mean.size() == 1 ? mean[0] : mean[static_cast<std::size_t>(k)];
        const auto inv = 1.0f / (std.size() == 1 ? std[0] : std[static_cast<std::size_t>(k)]);
        const auto off = (i * c + k) * plane;
        detail::amap(out.data() + off, plane) = (detail::camap(x.data() + off, plane) - m) * inv;
      }
    return out;
  }
};

/// Applies each transform in turn: Compose{ToTensor{}, Normalize{{0.1307f}, {0.3081f}}}.
template <class... Ts>
struct Compose {
  std::tuple<Ts...> transforms;
  Compose(Ts... ts) : transforms(std::move(ts)...) {}
  template <class X>
  auto operator()(X&& x) const {
    return std::apply([&](const auto&... t) { return run(std::forward<X>(x), t...); }, transforms);
  }

 private:
  template <class X>
  static auto run(X&& x) { return std::forward<X>(x); }
  template <class X, class F, class... Rest>
  static auto run(X&& x, const F& f, const Rest&... rest) { return run(f(std::forward<X>(x)), rest...); }
};
template <class... Ts>
Compose(Ts...) -> Compose<Ts...>;

}  // namespace torchlet::vision::transforms
