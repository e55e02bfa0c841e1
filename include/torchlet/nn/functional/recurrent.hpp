#pragma once
// The fused recurrent kernels behind nn::RNN, nn::LSTM, nn::GRU and their cells: one layer in
// one direction over a packed sequence, one graph node.
//   input [N, I] in PyTorch's packed layout: the rows of step t are the first batch_sizes[t]
//   sequences (a time-major [L, B, I] tensor is already packed with batch_sizes = {B, ..., B});
//   h0 [B, P], c0 [B, H] (LSTM) -> output [N, P], h_n [B, P], c_n [B, H].
// G = gates (1 RNN, 4 LSTM (i, f, g, o), 3 GRU (r, z, n)), H = hidden_size, P = proj_size of an
// LSTM with projections, else H. Forward: one GEMM x @ W_ih^T for the whole sequence, then one
// GEMM h @ W_hh^T per step and the gate math in place. Backward: one GEMM per step for the
// gradient of h, then one GEMM each for dx, dW_ih, dW_hh (and dW_hr) over all steps.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn::functional {

/// The cell a recurrent kernel runs (PyTorch's `mode` of `_VF.rnn_tanh`, `lstm`, `gru`).
enum class RNNMode {
  rnn_tanh,  ///< h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
  rnn_relu,  ///< h' = relu(W_ih x + b_ih + W_hh h + b_hh)
  lstm,      ///< gates i, f, g, o; c' = f c + i g; h' = W_hr (o tanh(c'))
  gru,       ///< gates r, z, n; h' = (1 - z) n + z h
};

/// The parameters of one layer in one direction, named as PyTorch names them: w_ih [G*H, I],
/// w_hh [G*H, P], b_ih and b_hh [G*H] (undefined without bias), w_hr [P, H] (LSTM with
/// proj_size only, else undefined).
template <class T>
struct RNNWeights {
  ///@{
  /// weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k}.
  BasicTensor<T> w_ih, w_hh, b_ih, b_hh, w_hr;
  ///@}
};

/// What rnn_layer returns: output [N, P] (packed like the input), h_n [B, P], c_n [B, H]
/// (LSTM only, else undefined). The three are views of one graph node's result.
template <class T>
struct RNNLayerOutput {
  ///@{
  /// The hidden state of every step; the final hidden state; the final cell state.
  BasicTensor<T> output, h_n, c_n;
  ///@}
};

namespace detail {

/// Number of gates of a mode (the G in w_ih [G*H, I]).
template <class = void>
inline std::int64_t gate_count(RNNMode m) {
  return m == RNNMode::lstm ? 4 : m == RNNMode::gru ? 3 : 1;
}
/// PyTorch's name of the mode ("RNN_TANH", "RNN_RELU", "LSTM", "GRU").
template <class = void>
inline const char* mode_name(RNNMode m) {
  switch (m) {
    case RNNMode::rnn_tanh:
      return "RNN_TANH";
    case RNNMode::rnn_relu:
      return "RNN_RELU";
    case RNNMode::lstm:
      return "LSTM";
    case RNNMode::gru:
      return "GRU";
  }
  return "RNN";
}

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A [rows, cols] row-major matrix in a tensor buffer: large buffers come from the storage
/// cache (tensor/storage.hpp), so the big per-call matrices cost no fresh pages once warm.
template <class T>
struct RNNBuffer {
  BasicTensor<T> storage;
  MatrixMap<T> m{nullptr, 0, 0};
  void resize(std::int64_t rows, std::int64_t cols) {
    storage = BasicTensor<T>::empty({rows * cols});
    new (&m) MatrixMap<T>(storage.data(), rows, cols);  // Eigen's way to re-point a Map
  }
};

/// What the backward of one rnn_layer call needs beyond its checked inputs.
template <class T>
struct RNNTape {
  RNNBuffer<T> gates;  // [N, G*H] activated gates (RNN: the new hidden state)
  RNNBuffer<T> hprev;  // [N, P] hidden state before each step
  RNNBuffer<T> cprev;  // [N, H] LSTM: cell state before each step
  RNNBuffer<T> tanhc;  // [N, H] LSTM: tanh of the new cell state
  RNNBuffer<T> r;      // [N, H] LSTM with projection: o * tanh(c') before W_hr; GRU: W_hn h + b_hn
};

template <class = void>
inline std::string shape_str(const Shape& s) {
  return to_string(s);
}

template <class T>
void check_rnn_args(RNNMode mode, const BasicTensor<T>& input,
                    const std::vector<std::int64_t>& batch_sizes, const BasicTensor<T>& h0,
                    const BasicTensor<T>& c0, const RNNWeights<T>& w) {
  const std::string op = std::string("rnn_layer(") + mode_name(mode) + ")";
  const auto G = gate_count(mode);
  if (!w.w_ih.defined() || !w.w_hh.defined() || w.w_ih.dim() != 2 || w.w_hh.dim() != 2)
    throw ShapeError(op + ": w_ih and w_hh must be 2-D");
  const auto GH = w.w_ih.size(0), I = w.w_ih.size(1);
  if (GH % G != 0 || GH == 0)
    throw ShapeError(op + ": w_ih " + shape_str(w.w_ih.shape()) + " must have " +
                     std::to_string(G) + " * hidden_size rows");
  const auto H = GH / G;
  const bool proj = w.w_hr.defined();
  if (proj && mode != RNNMode::lstm) throw ShapeError(op + ": w_hr is for LSTM only");
  if (proj && (w.w_hr.dim() != 2 || w.w_hr.size(1) != H))
    throw ShapeError(op + ": w_hr " + shape_str(w.w_hr.shape()) + " must be [proj_size, " +
                     std::to_string(H) + "]");
  const auto P = proj ? w.w_hr.size(0) : H;
  if (w.w_hh.shape() != Shape{GH, P})
    throw ShapeError(op + ": w_hh " + shape_str(w.w_hh.shape()) + " does not match [" +
                     std::to_string(GH) + ", " + std::to_string(P) + "]");
  for (const auto* b : {&w.b_ih, &w.b_hh})
    if (b->defined() && b->shape() != Shape{GH})
      throw ShapeError(op + ": bias " + shape_str(b->shape()) + " does not match [" +
                       std::to_string(GH) + "]");
  if (input.dim() != 2 || input.size(1) != I)
    throw ShapeError(op + ": input must be [N, " + std::to_string(I) + "] (packed rows), got " +
                     shape_str(input.shape()));
  std::int64_t total = 0;
  for (std::size_t t = 0; t < batch_sizes.size(); ++t) {
    if (batch_sizes[t] <= 0 || (t > 0 && batch_sizes[t] > batch_sizes[t - 1]))
      throw std::invalid_argument(op + ": batch_sizes must be positive and non-increasing");
    total += batch_sizes[t];
  }
  if (total != input.size(0))
    throw ShapeError(op + ": batch_sizes add up to " + std::to_string(total) + " rows, input " +
                     shape_str(input.shape()) + " has " + std::to_string(input.size(0)));
  if (h0.dim() != 2 || h0.size(1) != P ||
      (!batch_sizes.empty() && h0.size(0) != batch_sizes.front()))
    throw ShapeError(
        op + ": h0 must be [" +
        (batch_sizes.empty() ? std::string("B") : std::to_string(batch_sizes.front())) + ", " +
        std::to_string(P) + "], got " + shape_str(h0.shape()));
  if (mode == RNNMode::lstm) {
    if (!c0.defined() || c0.shape() != Shape{h0.size(0), H})
      throw ShapeError(op + ": c0 must be [" + std::to_string(h0.size(0)) + ", " +
                       std::to_string(H) + "], got " +
                       (c0.defined() ? shape_str(c0.shape()) : std::string("none")));
  } else if (c0.defined()) {
    throw std::invalid_argument(op + ": c0 is for LSTM only");
  }
}

/// rnn_layer's result, [output N*P | h_n B*P | c_n B*H], computed with recorded tensor ops: the
/// create_graph path of its backward differentiates this (the fused kernel's backward is not
/// differentiable itself). Same gate order and packed-row walk as rnn_layer.
template <class T>
BasicTensor<T> rnn_layer_recorded(RNNMode mode, const BasicTensor<T>& input,
                                  const std::vector<std::int64_t>& batch_sizes,
                                  const BasicTensor<T>& h0, const BasicTensor<T>& c0,
                                  const RNNWeights<T>& w, bool reverse) {
  const bool is_lstm = mode == RNNMode::lstm, is_gru = mode == RNNMode::gru;
  const auto H = w.w_ih.size(0) / gate_count(mode);
  const auto L = static_cast<std::int64_t>(batch_sizes.size());
  std::vector<std::int64_t> offset(batch_sizes.size() + 1, 0);
  for (std::int64_t t = 0; t < L; ++t) offset[t + 1] = offset[t] + batch_sizes[t];
  auto gates = input.matmul(w.w_ih.t());
  if (w.b_ih.defined()) gates = gates + w.b_ih;
  auto h = h0, c = c0;
  // The rows a step leaves alone (sequences that ended) keep their state.
  const auto keep_rest = [](const BasicTensor<T>& head, const BasicTensor<T>& all) {
    const auto b = head.size(0), B = all.size(0);
    return b < B ? cat({head, all.narrow(0, b, B - b)}) : head;
  };
  std::vector<BasicTensor<T>> outs(static_cast<std::size_t>(L));
  for (std::int64_t s = 0; s < L; ++s) {
    const auto t = reverse ? L - 1 - s : s;
    const auto b = batch_sizes[static_cast<std::size_t>(t)];
    const auto hb = h.narrow(0, 0, b);
    auto hw = hb.matmul(w.w_hh.t());
    if (w.b_hh.defined()) hw = hw + w.b_hh;
    const auto g = gates.narrow(0, offset[static_cast<std::size_t>(t)], b);
    BasicTensor<T> hn;
    if (is_lstm) {
      const auto a = g + hw;
      const auto i = a.narrow(1, 0, H).sigmoid(), f = a.narrow(1, H, H).sigmoid();
      const auto gg = a.narrow(1, 2 * H, H).tanh(), o = a.narrow(1, 3 * H, H).sigmoid();
      const auto cn = f * c.narrow(0, 0, b) + i * gg;
      hn = o * cn.tanh();
      if (w.w_hr.defined()) hn = hn.matmul(w.w_hr.t());
      c = keep_rest(cn, c);
    } else if (is_gru) {
      const auto rz = (g.narrow(1, 0, 2 * H) + hw.narrow(1, 0, 2 * H)).sigmoid();
      const auto r = rz.narrow(1, 0, H), z = rz.narrow(1, H, H);
      const auto n = (g.narrow(1, 2 * H, H) + r * hw.narrow(1, 2 * H, H)).tanh();
      hn = (T(1) - z) * n + z * hb;
    } else {
      hn = mode == RNNMode::rnn_tanh ? (g + hw).tanh() : (g + hw).relu();
    }
    outs[static_cast<std::size_t>(t)] = hn;
    h = keep_rest(hn, h);
  }
  std::vector<BasicTensor<T>> parts{cat(outs).reshape({-1}), h.reshape({-1})};
  if (is_lstm) parts.push_back(c.reshape({-1}));
  return cat(parts);
}

}  // namespace detail

/// One recurrent layer in one direction (reverse = the backward direction of a bidirectional
/// layer) over packed rows, as one fused graph node. input [N, I] with batch_sizes (see the file
/// comment), h0 [B, P], c0 [B, H] (LSTM only) -> {output [N, P], h_n [B, P], c_n [B, H]}.
/// Templated on the scalar type so that gradcheck can check it in float64.
template <class T>
RNNLayerOutput<T> rnn_layer(RNNMode mode, const BasicTensor<T>& input,
                            const std::vector<std::int64_t>& batch_sizes, const BasicTensor<T>& h0,
                            const BasicTensor<T>& c0, const RNNWeights<T>& w,
                            bool reverse = false) {
  using Mat = detail::RowMatrix<T>;
  detail::check_rnn_args(mode, input, batch_sizes, h0, c0, w);
  const bool is_lstm = mode == RNNMode::lstm, is_gru = mode == RNNMode::gru;
  const bool proj = w.w_hr.defined();
  const auto G = detail::gate_count(mode);
  const auto GH = w.w_ih.size(0), I = w.w_ih.size(1), H = GH / G;
  const auto P = proj ? w.w_hr.size(0) : H;
  const auto N = input.size(0), B = h0.size(0);
  const auto L = static_cast<std::int64_t>(batch_sizes.size());
  std::vector<std::int64_t> offset(batch_sizes.size() + 1, 0);
  for (std::int64_t t = 0; t < L; ++t) offset[t + 1] = offset[t] + batch_sizes[t];

  // result: [output N*P | h_n B*P | c_n B*H]
  const auto cn = is_lstm ? B * H : 0;
  auto result = BasicTensor<T>::empty({N * P + B * P + cn});
  auto out = torchlet::detail::mmap(result.data(), N, P);
  auto h = torchlet::detail::mmap(result.data() + N * P, B, P);
  h = torchlet::detail::cmmap(h0.data(), B, P);
  T* cptr = is_lstm ? result.data() + N * P + B * P : nullptr;
  if (is_lstm) torchlet::detail::mmap(cptr, B, H) = torchlet::detail::cmmap(c0.data(), B, H);

  auto tape = std::make_shared<detail::RNNTape<T>>();
  tape->gates.resize(N, GH);
  auto& gates = tape->gates.m;
  tape->hprev.resize(N, P);
  if (is_lstm) {
    tape->cprev.resize(N, H);
    tape->tanhc.resize(N, H);
    if (proj) tape->r.resize(N, H);
  }
  if (is_gru) tape->r.resize(N, H);
  // gates = x @ W_ih^T + b_ih : [N, I] @ [I, G*H], the whole sequence at once
  torchlet::detail::gemm(input.data(), N, I, false, w.w_ih.data(), GH, I, true, gates.data(),
                         false);
  if (w.b_ih.defined()) gates.rowwise() += torchlet::detail::cmmap(w.b_ih.data(), 1, GH).row(0);
  Mat hw(B, GH);
  const auto sig = [](const auto& a) { return (T(1) + (-a).exp()).inverse(); };
  for (std::int64_t s = 0; s < L; ++s) {
    const auto t = reverse ? L - 1 - s : s;
    const auto b = batch_sizes[t], r0 = offset[t];
    tape->hprev.m.middleRows(r0, b) = h.topRows(b);
    // hw = h @ W_hh^T + b_hh : [b, P] @ [P, G*H]
    torchlet::detail::gemm(tape->hprev.m.data() + r0 * P, b, P, false, w.w_hh.data(), GH, P, true,
                           hw.data(), false);
    auto hwb = hw.topRows(b);
    if (w.b_hh.defined()) hwb.rowwise() += torchlet::detail::cmmap(w.b_hh.data(), 1, GH).row(0);
    auto g = gates.middleRows(r0, b);
    if (is_lstm) {
      g += hwb;
      auto c = torchlet::detail::mmap(cptr, B, H).topRows(b);
      tape->cprev.m.middleRows(r0, b) = c;
      g.leftCols(2 * H) = sig(g.leftCols(2 * H).array()).matrix();
      g.middleCols(2 * H, H) = g.middleCols(2 * H, H).array().tanh().matrix();
      g.rightCols(H) = sig(g.rightCols(H).array()).matrix();
      c = (g.middleCols(H, H).array() * c.array() +
           g.leftCols(H).array() * g.middleCols(2 * H, H).array())
              .matrix();
      auto tc = tape->tanhc.m.middleRows(r0, b);
      tc = c.array().tanh().matrix();
      if (proj) {
        auto rr = tape->r.m.middleRows(r0, b);
        rr = (g.rightCols(H).array() * tc.array()).matrix();
        // h = r @ W_hr^T : [b, H] @ [H, P]
        torchlet::detail::gemm(rr.data(), b, H, false, w.w_hr.data(), P, H, true,
                               out.data() + r0 * P, false);
      } else {
        out.middleRows(r0, b) = (g.rightCols(H).array() * tc.array()).matrix();
      }
    } else if (is_gru) {
      g.leftCols(2 * H) = sig((g.leftCols(2 * H) + hwb.leftCols(2 * H)).array()).matrix();
      auto hn = tape->r.m.middleRows(r0, b);
      hn = hwb.rightCols(H);
      g.rightCols(H) =
          (g.rightCols(H).array() + g.leftCols(H).array() * hn.array()).tanh().matrix();
      const auto z = g.middleCols(H, H).array();
      out.middleRows(r0, b) =
          ((T(1) - z) * g.rightCols(H).array() + z * h.topRows(b).array()).matrix();
    } else {
      g += hwb;
      if (mode == RNNMode::rnn_tanh)
        g = g.array().tanh().matrix();
      else
        g = g.array().max(T(0)).matrix();
      out.middleRows(r0, b) = g;
    }
    h.topRows(b) = out.middleRows(r0, b);
  }

  RNNLayerOutput<T> res;
  if (detail::needs_graph<T>({&input, &h0, &c0, &w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh, &w.w_hr})) {
    using S = detail::SavedTensor<T>;
    const bool gx = input.requires_grad(), gwi = w.w_ih.requires_grad();
    const bool gbi = w.b_ih.defined() && w.b_ih.requires_grad();
    const bool gwh = w.w_hh.requires_grad(), gbh = w.b_hh.defined() && w.b_hh.requires_grad();
    const bool gwr = proj && w.w_hr.requires_grad();
    const bool gh0 = h0.requires_grad(), gc0 = is_lstm && c0.requires_grad();
    const char* name = is_lstm ? "LstmBackward" : is_gru ? "GruBackward" : "RnnBackward";
    detail::record(
        result, name, {&input, &h0, &c0, &w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh, &w.w_hr},
        [=, sx = S(input), swi = S(w.w_ih), swh = S(w.w_hh), swr = proj ? S(w.w_hr) : S(),
         sh0 = S(h0), sc0 = is_lstm ? S(c0) : S(), sbi = w.b_ih.defined() ? S(w.b_ih) : S(),
         sbh = w.b_hh.defined() ? S(w.b_hh) : S()](const BasicTensor<T>& grad) {
          if (is_grad_enabled()) [[unlikely]] {
            // create_graph: the vector-Jacobian product of the recorded recomputation, from
            // the saved inputs in their place in the graph. Each input that needs a gradient
            // enters through a clone, so the inner grad stops there (and leaves the pending
            // gradients of the pass running this node alone: see autograd::grad).
            const bool need[8] = {gx, gh0, gc0, gwi, gwh, gbi, gbh, gwr};
            const S* saved[8] = {&sx, &sh0, &sc0, &swi, &swh, &sbi, &sbh, &swr};
            const Shape shapes[8] = {{N, I}, {B, P}, {B, H}, {GH, I}, {GH, P}, {GH}, {GH}, {P, H}};
            BasicTensor<T> v[8];
            std::vector<BasicTensor<T>> wrt;
            for (int k = 0; k < 8; ++k) {
              if (!saved[k]->defined()) continue;
              v[k] = saved[k]->variable(name, shapes[k]);
              if (need[k]) {
                v[k] = v[k].clone();
                wrt.push_back(v[k]);
              }
            }
            const RNNWeights<T> rw{v[3], v[4], v[5], v[6], v[7]};
            const auto out =
                detail::rnn_layer_recorded(mode, v[0], batch_sizes, v[1], v[2], rw, reverse);
            const auto gs = autograd::grad({out}, wrt, {grad}, true, true, true);
            std::vector<BasicTensor<T>> res(8);
            for (std::size_t k = 0, j = 0; k < 8; ++k)
              if (need[k]) res[k] = gs[j++];
            return res;
          }
          const auto& gt = tape->gates.m;
          const T* whh = swh.data(name);
          const T* whr = proj ? swr.data(name) : nullptr;
          const auto go = torchlet::detail::cmmap(grad.data(), N, P);
          Mat dh = torchlet::detail::cmmap(grad.data() + N * P, B, P);
          Mat dc;
          if (is_lstm) dc = torchlet::detail::cmmap(grad.data() + N * P + B * P, B, H);
          detail::RNNBuffer<T> dgb, dghb, dhpb;
          dgb.resize(N, GH);
          if (is_gru) dghb.resize(N, GH);
          Mat dr;
          if (proj) {
            dhpb.resize(N, P);
            dr.resize(B, H);
          }
          auto &dg = dgb.m, &dgh = dghb.m, &dhp = dhpb.m;
          for (std::int64_t s = L - 1; s >= 0; --s) {
            const auto t = reverse ? L - 1 - s : s;
            const auto b = batch_sizes[t], r0 = offset[t];
            dh.topRows(b) += go.middleRows(r0, b);
            auto d = dg.middleRows(r0, b);
            const auto gg = gt.middleRows(r0, b);
            if (is_lstm) {
              if (proj) {
                dhp.middleRows(r0, b) = dh.topRows(b);
                // dr = dh @ W_hr : [b, P] @ [P, H]
                torchlet::detail::gemm(dhp.data() + r0 * P, b, P, false, whr, P, H, false,
                                       dr.data(), false);
              }
              const auto drv = proj ? dr.topRows(b).array() : dh.topRows(b).array();
              const auto gi = gg.leftCols(H).array(), gf = gg.middleCols(H, H).array();
              const auto gc = gg.middleCols(2 * H, H).array(), gov = gg.rightCols(H).array();
              const auto tc = tape->tanhc.m.middleRows(r0, b).array();
              auto dcb = dc.topRows(b).array();
              dcb += drv * gov * (T(1) - tc.square());
              d.leftCols(H) = (dcb * gc * gi * (T(1) - gi)).matrix();
              d.middleCols(H, H) =
                  (dcb * tape->cprev.m.middleRows(r0, b).array() * gf * (T(1) - gf)).matrix();
              d.middleCols(2 * H, H) = (dcb * gi * (T(1) - gc.square())).matrix();
              d.rightCols(H) = (drv * tc * gov * (T(1) - gov)).matrix();
              dcb *= gf;
              // dh_prev = dgates @ W_hh : [b, 4H] @ [4H, P]
              torchlet::detail::gemm(dg.data() + r0 * GH, b, GH, false, whh, GH, P, false,
                                     dh.data(), false);
            } else if (is_gru) {
              const auto gr = gg.leftCols(H).array(), gz = gg.middleCols(H, H).array();
              const auto gn = gg.rightCols(H).array();
              const auto hp = tape->hprev.m.middleRows(r0, b).array();
              const auto dhb = dh.topRows(b).array();
              d.rightCols(H) = (dhb * (T(1) - gz) * (T(1) - gn.square())).matrix();
              d.middleCols(H, H) = (dhb * (hp - gn) * gz * (T(1) - gz)).matrix();
              d.leftCols(H) =
                  (d.rightCols(H).array() * tape->r.m.middleRows(r0, b).array() * gr * (T(1) - gr))
                      .matrix();
              auto dhh = dgh.middleRows(r0, b);
              dhh.leftCols(2 * H) = d.leftCols(2 * H);
              dhh.rightCols(H) = (d.rightCols(H).array() * gr).matrix();
              dh.topRows(b) = (dhb * gz).matrix();
              // dh_prev += dgates_hh @ W_hh : [b, 3H] @ [3H, P]
              torchlet::detail::gemm(dgh.data() + r0 * GH, b, GH, false, whh, GH, P, false,
                                     dh.data(), true);
            } else {
              if (mode == RNNMode::rnn_tanh)
                d = (dh.topRows(b).array() * (T(1) - gg.array().square())).matrix();
              else
                d = (gg.array() > T(0)).select(dh.topRows(b).array(), T(0)).matrix();
              torchlet::detail::gemm(dg.data() + r0 * GH, b, GH, false, whh, GH, P, false,
                                     dh.data(), false);
            }
          }
          const auto& dhh = is_gru ? dgh : dg;
          BasicTensor<T> dx, dh0, dc0, dwi, dwh, dbi, dbh, dwr;
          if (gx) {  // dX = dG @ W_ih : [N, G*H] @ [G*H, I]
            dx = BasicTensor<T>::empty({N, I});
            torchlet::detail::gemm(dg.data(), N, GH, false, swi.data(name), GH, I, false, dx.data(),
                                   false);
          }
          if (gwi) {  // dW_ih = dG^T @ X : [G*H, N] @ [N, I]
            dwi = BasicTensor<T>::empty({GH, I});
            torchlet::detail::gemm(dg.data(), N, GH, true, sx.data(name), N, I, false, dwi.data(),
                                   false);
          }
          if (gbi) {
            dbi = BasicTensor<T>::empty({GH});
            torchlet::detail::mmap(dbi.data(), 1, GH) = dg.colwise().sum();
          }
          if (gwh) {  // dW_hh = dG_hh^T @ H_prev : [G*H, N] @ [N, P]
            dwh = BasicTensor<T>::empty({GH, P});
            torchlet::detail::gemm(dhh.data(), N, GH, true, tape->hprev.m.data(), N, P, false,
                                   dwh.data(), false);
          }
          if (gbh) {
            dbh = BasicTensor<T>::empty({GH});
            torchlet::detail::mmap(dbh.data(), 1, GH) = dhh.colwise().sum();
          }
          if (gwr) {  // dW_hr = dH^T @ R : [P, N] @ [N, H]
            dwr = BasicTensor<T>::empty({P, H});
            torchlet::detail::gemm(dhp.data(), N, P, true, tape->r.m.data(), N, H, false,
                                   dwr.data(), false);
          }
          if (gh0) {
            dh0 = BasicTensor<T>::empty({B, P});
            torchlet::detail::mmap(dh0.data(), B, P) = dh;
          }
          if (gc0) {
            dc0 = BasicTensor<T>::empty({B, H});
            torchlet::detail::mmap(dc0.data(), B, H) = dc;
          }
          return std::vector<BasicTensor<T>>{dx, dh0, dc0, dwi, dwh, dbi, dbh, dwr};
        });
    detail::mark_differentiable_backward(result);
  }
  res.output = result.narrow(0, 0, N * P).view({N, P});
  res.h_n = result.narrow(0, N * P, B * P).view({B, P});
  if (is_lstm) res.c_n = result.narrow(0, N * P + B * P, B * H).view({B, H});
  return res;
}

}  // namespace torchlet::nn::functional
