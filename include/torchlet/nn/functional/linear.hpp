#pragma once
// linear(x, W, b): x [*, in] @ W[out, in]^T + b[out] -> [*, out], one fused graph node.
#include "torchlet/detail/eigen.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

inline Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {}) {
  if (weight.dim() != 2) throw ShapeError("linear: weight must be 2-D [out, in], got " + to_string(weight.shape()));
  const auto out_f = weight.size(0), in_f = weight.size(1);
  if (x.dim() < 1 || x.size(-1) != in_f)
    throw ShapeError("linear: input " + to_string(x.shape()) + " has " + (x.dim() ? std::to_string(x.size(-1)) : "no") +
                     " features, weight " + to_string(weight.shape()) + " expects " + std::to_string(in_f));
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != out_f))
    throw ShapeError("linear: bias " + to_string(bias.shape()) + " does not match out_features " + std::to_string(out_f));
  const auto rows = x.numel() / in_f;
  Shape os = x.shape();
  os.back() = out_f;
  auto y = Tensor::empty(os);
  auto Y = detail::mmap(y.data(), rows, out_f);
  const auto X = detail::cmmap(x.data(), rows, in_f);
  const auto W = detail::cmmap(weight.data(), out_f, in_f);
  Y.noalias() = X * W.transpose();
  if (bias.defined()) Y.rowwise() += detail::cmmap(bias.data(), 1, out_f).row(0);
  if (detail::needs_graph<float>({&x, &weight, &bias})) {
    const bool gx = x.requires_grad(), gw = weight.requires_grad(), gb = bias.defined() && bias.requires_grad();
    detail::record(y, "AddmmBackward", {&x, &weight, &bias},
                   [xd = x.detach(), wd = weight.detach(), gx, gw, gb, rows, in_f, out_f](const Tensor& g) {
                     const auto G = detail::cmmap(g.data(), rows, out_f);
                     Tensor dx, dw, db;
                     if (gx) {  // dX = G @ W : [rows, out] @ [out, in]
                       dx = Tensor::empty(xd.shape());
                       detail::mmap(dx.data(), rows, in_f).noalias() = G * detail::cmmap(wd.data(), out_f, in_f);
                     }
                     if (gw) {  // dW = G^T @ X : [out, rows] @ [rows, in]
                       dw = Tensor::empty({out_f, in_f});
                       detail::mmap(dw.data(), out_f, in_f).noalias() =
                           G.transpose() * detail::cmmap(xd.data(), rows, in_f);
                     }
                     if (gb) {  // db = sum over rows of G
                       db = Tensor::empty({out_f});
                       detail::mmap(db.data(), 1, out_f).noalias() = G.colwise().sum();
                     }
                     return std::vector<Tensor>{dx, dw, db};
                   });
  }
  return y;
}

}  // namespace torchlet::nn::functional
