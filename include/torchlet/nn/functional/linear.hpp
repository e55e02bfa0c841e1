#pragma once
// linear(x, W, b): x [*, in] @ W[out, in]^T + b[out] -> [*, out], one fused graph node (its
// backward records itself under create_graph);
// bilinear(x1, x2, W, b): x1 [*, in1], x2 [*, in2] -> [*, out].
#include "torchlet/detail/eigen.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

template <class = void>
inline Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {}) {
  if (weight.dim() != 2)
    throw ShapeError("linear: weight must be 2-D [out, in], got " + to_string(weight.shape()));
  const auto out_f = weight.size(0), in_f = weight.size(1);
  if (x.dim() < 1 || x.size(-1) != in_f)
    throw ShapeError("linear: input " + to_string(x.shape()) + " has " +
                     (x.dim() ? std::to_string(x.size(-1)) : "no") + " features, weight " +
                     to_string(weight.shape()) + " expects " + std::to_string(in_f));
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != out_f))
    throw ShapeError("linear: bias " + to_string(bias.shape()) + " does not match out_features " +
                     std::to_string(out_f));
  const auto rows = x.numel() / in_f;
  Shape os = x.shape();
  os.back() = out_f;
  auto y = Tensor::empty(os);
  // Y = X @ W^T : [rows, in] @ [in, out], on the intra-op threads (detail::gemm).
  // A transposed weight (weight tying: other.t()) or x is read without a copy.
  const detail::GemmOperand<float> xo =
      x.dim() == 2 ? detail::gemm_operand(x)
                   : detail::GemmOperand<float>{x.data(), rows, in_f, false};
  detail::gemm(xo, detail::gemm_operand(weight, true), y.data(), false);
  if (bias.defined())
    detail::mmap(y.data(), rows, out_f).rowwise() += detail::cmmap(bias.data(), 1, out_f).row(0);
  if (detail::needs_graph<float>({&x, &weight, &bias})) {
    const bool gx = x.requires_grad(), gw = weight.requires_grad(),
               gb = bias.defined() && bias.requires_grad();
    detail::record(
        y, "AddmmBackward0", {&x, &weight, &bias},
        [sx = gw ? detail::SavedTensor<float>(x) : detail::SavedTensor<float>(),
         sw = gx ? detail::SavedTensor<float>(weight) : detail::SavedTensor<float>(),
         xs = x.shape(), gx, gw, gb, rows, in_f, out_f](const Tensor& g) {
          Tensor dx, dw, db;
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            const auto g2 = g.reshape({rows, out_f});
            if (gx) dx = g2.mm(sw.variable("AddmmBackward0", {out_f, in_f})).reshape(xs);
            if (gw) dw = g2.t().mm(sx.variable("AddmmBackward0", xs).reshape({rows, in_f}));
            if (gb) db = g2.sum(0);
            return std::vector<Tensor>{dx, dw, db};
          }
          const auto G = detail::cmmap(g.data(), rows, out_f);
          if (gx) {  // dX = G @ W : [rows, out] @ [out, in]
            dx = Tensor::empty(xs);
            detail::gemm(detail::GemmOperand<float>{g.data(), rows, out_f, false},
                         detail::gemm_operand(sw, "AddmmBackward0", out_f, in_f), dx.data(), false);
          }
          if (gw) {  // dW = G^T @ X : [out, rows] @ [rows, in]
            dw = Tensor::empty({out_f, in_f});
            detail::gemm(detail::GemmOperand<float>{g.data(), rows, out_f, true},
                         detail::gemm_operand(sx, "AddmmBackward0", rows, in_f), dw.data(), false);
          }
          if (gb) {  // db = sum over rows of G
            db = Tensor::empty({out_f});
            detail::mmap(db.data(), 1, out_f).noalias() = G.colwise().sum();
          }
          return std::vector<Tensor>{dx, dw, db};
        });
    detail::mark_differentiable_backward(y);
  }
  return y;
}

/// bilinear(x1, x2, W, b): y[n, o] = x1[n] . W[o] . x2[n] + b[o]; x1 [*, in1], x2 [*, in2]
/// (same leading dims), weight [out, in1, in2], bias [out] -> [*, out].
template <class = void>
inline Tensor bilinear(const Tensor& x1, const Tensor& x2, const Tensor& weight,
                       const Tensor& bias = {}) {
  if (weight.dim() != 3)
    throw ShapeError("bilinear: weight must be 3-D [out, in1, in2], got " +
                     to_string(weight.shape()));
  const auto O = weight.size(0), I1 = weight.size(1), I2 = weight.size(2);
  Shape lead1(x1.shape()), lead2(x2.shape());
  if (x1.dim() < 1 || x2.dim() < 1 || x1.size(-1) != I1 || x2.size(-1) != I2 ||
      Shape(lead1.begin(), lead1.end() - 1) != Shape(lead2.begin(), lead2.end() - 1))
    throw ShapeError("bilinear: inputs " + to_string(x1.shape()) + " and " + to_string(x2.shape()) +
                     " do not match weight " + to_string(weight.shape()) + " (expected [*, " +
                     std::to_string(I1) + "] and [*, " + std::to_string(I2) + "])");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != O))
    throw ShapeError("bilinear: bias " + to_string(bias.shape()) + " does not match out_features " +
                     std::to_string(O));
  const auto N = x1.numel() / std::max<std::int64_t>(I1, 1);
  Shape os(lead1.begin(), lead1.end() - 1);
  os.push_back(O);
  auto y = Tensor::empty(os);
  const auto X1 = detail::cmmap(x1.data(), N, I1);
  const auto X2 = detail::cmmap(x2.data(), N, I2);
  auto Y = detail::mmap(y.data(), N, O);
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> T(N, I2);
  for (std::int64_t o = 0; o < O; ++o) {  // Y[:, o] = rowsum((X1 @ W_o) .* X2)
    T.noalias() = X1 * detail::cmmap(weight.data() + o * I1 * I2, I1, I2);
    Y.col(o) = T.cwiseProduct(X2).rowwise().sum();
  }
  if (bias.defined()) Y.rowwise() += detail::cmmap(bias.data(), 1, O).row(0);
  if (detail::needs_graph<float>({&x1, &x2, &weight, &bias})) {
    const bool g1 = x1.requires_grad(), g2 = x2.requires_grad(), gw = weight.requires_grad(),
               gb = bias.defined() && bias.requires_grad();
    detail::record(
        y, "BilinearBackward", {&x1, &x2, &weight, &bias},
        [sa = detail::SavedTensor<float>(x1), sb = detail::SavedTensor<float>(x2),
         sw = detail::SavedTensor<float>(weight), s1 = x1.shape(), s2 = x2.shape(), g1, g2, gw, gb,
         N, O, I1, I2](const Tensor& g) {
          Tensor d1, d2, dw, db;
          if (is_grad_enabled()) [[unlikely]] {  // create_graph: recorded ops
            const char* name = "BilinearBackward";
            const auto G = g.reshape({N, O});
            const auto A = sa.variable(name, s1).reshape({N, I1});
            const auto B = sb.variable(name, s2).reshape({N, I2});
            const auto W = sw.variable(name, {O, I1, I2}).reshape({O, I1 * I2});
            if (g1 || g2) {  // M[n] = sum_o g[n, o] W_o : [N, I1, I2]
              const auto M = G.matmul(W).reshape({N, I1, I2});
              if (g1) d1 = M.matmul(B.reshape({N, I2, 1})).reshape(s1);  // M[n] @ x2[n]
              if (g2) d2 = A.reshape({N, 1, I1}).matmul(M).reshape(s2);  // x1[n] @ M[n]
            }
            if (gw)  // dW = G^T @ (x1[n] outer x2[n]) : [O, N] @ [N, I1 * I2]
              dw =
                  G.t()
                      .matmul((A.reshape({N, I1, 1}) * B.reshape({N, 1, I2})).reshape({N, I1 * I2}))
                      .reshape({O, I1, I2});
            if (gb) db = G.sum(0);
            return std::vector<Tensor>{d1, d2, dw, db};
          }
          const auto G = detail::cmmap(g.data(), N, O);
          const auto A = detail::cmmap(sa.data("BilinearBackward"), N, I1);
          const auto B = detail::cmmap(sb.data("BilinearBackward"), N, I2);
          const float* wp = sw.data("BilinearBackward");
          if (g1) d1 = zeros<float>(s1);
          if (g2) d2 = zeros<float>(s2);
          if (gw) dw = Tensor::empty({O, I1, I2});
          Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> S;
          for (std::int64_t o = 0; o < O; ++o) {
            const auto W = detail::cmmap(wp + o * I1 * I2, I1, I2);
            const auto go = G.col(o);
            if (g1) {  // dX1 += g[:, o] .* (X2 @ W_o^T)
              S.noalias() = B * W.transpose();
              detail::mmap(d1.data(), N, I1) += (S.array().colwise() * go.array()).matrix();
            }
            if (g2) {  // dX2 += g[:, o] .* (X1 @ W_o)
              S.noalias() = A * W;
              detail::mmap(d2.data(), N, I2) += (S.array().colwise() * go.array()).matrix();
            }
            if (gw) {  // dW_o = (X1 .* g[:, o])^T @ X2
              S = (A.array().colwise() * go.array()).matrix();
              detail::mmap(dw.data() + o * I1 * I2, I1, I2).noalias() = S.transpose() * B;
            }
          }
          if (gb) {
            db = Tensor::empty({O});
            detail::mmap(db.data(), 1, O).noalias() = G.colwise().sum();
          }
          return std::vector<Tensor>{d1, d2, dw, db};
        });
    detail::mark_differentiable_backward(y);
  }
  return y;
}

}  // namespace torchlet::nn::functional
