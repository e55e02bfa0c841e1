#pragma once
// The one-step recurrent cells, as torch.nn: nn::RNNCell, nn::LSTMCell, nn::GRUCell.
//   x [B, I] ([I] unbatched), h [B, H] ([H]) (and c [B, H]) -> h' [B, H] (and c' [B, H]).
// Each step runs nn::functional::rnn_layer over one step (one fused graph node). Parameters
// weight_ih [G*H, I], weight_hh [G*H, H], bias_ih, bias_hh [G*H], all U(-1/sqrt(H), 1/sqrt(H)),
// as PyTorch (G = 1, 4, 3 gates).
#include <cmath>
#include <string>
#include <tuple>

#include "torchlet/nn/functional/recurrent.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn {
namespace detail {

/// What the three cells share (PyTorch's RNNCellBase): sizes, parameters, checks and the step.
template <class... Sigs>
class RNNCellBase : public ModuleFor<Sigs...> {
 public:
  ///@{
  /// Sizes of the input's last dim and of the hidden state.
  std::int64_t input_size, hidden_size;
  ///@}
  ///@{
  /// weight_ih [G*H, I], weight_hh [G*H, H]; bias_ih, bias_hh [G*H] (undefined without bias).
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;
  ///@}

  /// Draws every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch.
  void reset_parameters() {
    const double stdv = 1.0 / std::sqrt(static_cast<double>(hidden_size));
    for (Tensor* t : {&weight_ih, &weight_hh, &bias_ih, &bias_hh})
      if (t->defined()) init::uniform_(*t, -stdv, stdv);
  }

  std::string extra_repr() const override {
    std::string s = std::to_string(input_size) + ", " + std::to_string(hidden_size);
    if (!bias_ih.defined()) s += ", bias=False";
    if (mode_ == functional::RNNMode::rnn_relu) s += ", nonlinearity=relu";
    return s;
  }

 protected:
  RNNCellBase(functional::RNNMode mode, std::int64_t input_size, std::int64_t hidden_size,
              bool bias)
      : input_size(input_size), hidden_size(hidden_size), mode_(mode) {
    if (input_size <= 0 || hidden_size <= 0)
      throw std::invalid_argument(kind() + ": input_size and hidden_size must be positive, got " +
                                  std::to_string(input_size) + " and " +
                                  std::to_string(hidden_size));
    const auto G = functional::detail::gate_count(mode);
    weight_ih = empty<float>({G * hidden_size, input_size});
    weight_hh = empty<float>({G * hidden_size, hidden_size});
    if (bias) {
      bias_ih = empty<float>({G * hidden_size});
      bias_hh = empty<float>({G * hidden_size});
    }
    reset_parameters();
    this->register_parameter("weight_ih", weight_ih);
    this->register_parameter("weight_hh", weight_hh);
    if (bias) {
      this->register_parameter("bias_ih", bias_ih);
      this->register_parameter("bias_hh", bias_hh);
    }
  }

  std::string kind() const {
    return mode_ == functional::RNNMode::lstm  ? "LSTMCell"
           : mode_ == functional::RNNMode::gru ? "GRUCell"
                                               : "RNNCell";
  }

  /// One step: x [B, I] or [I], states [B, H] or [H] (undefined: zeros) -> (h', c').
  std::pair<Tensor, Tensor> step(const Tensor& x, Tensor h, Tensor c) {
    if (x.dim() != 1 && x.dim() != 2)
      throw ShapeError(kind() + ": Expected input to be 1-D or 2-D but received " +
                       std::to_string(x.dim()) + "-D tensor (shape " + to_string(x.shape()) + ")");
    const bool unbatched = x.dim() == 1;
    const Tensor x2 = unbatched ? x.unsqueeze(0) : x;
    const auto B = x2.size(0);
    if (x2.size(1) != input_size)
      throw ShapeError(kind() + ": input has inconsistent input_size: got " +
                       std::to_string(x2.size(1)) + " expected " + std::to_string(input_size) +
                       " (input " + to_string(x.shape()) + ")");
    const bool lstm = mode_ == functional::RNNMode::lstm;
    auto prepare = [&](Tensor& s, const char* which) {
      if (!s.defined()) {
        s = zeros<float>({B, hidden_size});
        return;
      }
      if (s.dim() != x.dim())
        throw ShapeError(kind() + ": " + which + " must be " + std::to_string(x.dim()) +
                         "-D like the input " + to_string(x.shape()) + ", got " +
                         to_string(s.shape()));
      if (unbatched) s = s.unsqueeze(0);
      if (s.size(0) != B)
        throw ShapeError(kind() + ": Input batch size " + std::to_string(B) + " doesn't match " +
                         which + " batch size " + std::to_string(s.size(0)));
      if (s.size(1) != hidden_size)
        throw ShapeError(kind() + ": " + which + " has inconsistent hidden_size: got " +
                         std::to_string(s.size(1)) + ", expected " + std::to_string(hidden_size));
    };
    prepare(h, "hidden0");
    if (lstm) prepare(c, "hidden1");
    if (B == 0) return {h, c};
    auto r = functional::rnn_layer(
        mode_, x2, {B}, h, c,
        functional::RNNWeights<float>{weight_ih, weight_hh, bias_ih, bias_hh, Tensor()});
    if (unbatched) return {r.h_n.squeeze(0), lstm ? r.c_n.squeeze(0) : Tensor()};
    return {r.h_n, r.c_n};
  }

 private:
  functional::RNNMode mode_;
};

}  // namespace detail

/// nn::RNNCell: h' = tanh (or relu)(W_ih x + b_ih + W_hh h + b_hh). x [B, I] ([I]), h [B, H]
/// ([H], zeros when left out) -> h' [B, H] ([H]).
template <class = void>
class RNNCellImpl
    : public detail::RNNCellBase<Tensor(const Tensor&), Tensor(const Tensor&, const Tensor&)> {
 public:
  /// nonlinearity: "tanh" or "relu".
  RNNCellImpl(std::int64_t input_size, std::int64_t hidden_size, bool bias = true,
              const std::string& nonlinearity = "tanh")
      : RNNCellBase(mode_of(nonlinearity), input_size, hidden_size, bias),
        nonlinearity(nonlinearity) {}

  std::string nonlinearity;  ///< "tanh" or "relu"

  /// h' from a zero state.
  Tensor forward(const Tensor& x) override { return step(x, Tensor(), Tensor()).first; }
  /// h' from h.
  Tensor forward(const Tensor& x, const Tensor& h) override { return step(x, h, Tensor()).first; }

 private:
  static functional::RNNMode mode_of(const std::string& nonlinearity) {
    if (nonlinearity == "tanh") return functional::RNNMode::rnn_tanh;
    if (nonlinearity == "relu") return functional::RNNMode::rnn_relu;
    throw std::invalid_argument("RNNCell: Unknown nonlinearity: " + nonlinearity +
                                " (expected \"tanh\" or \"relu\")");
  }
};
/// RNNCell: see RNNCellImpl.
using RNNCell = RNNCellImpl<>;

/// nn::LSTMCell: one LSTM step. x [B, I] ([I]), (h, c) [B, H] ([H], zeros when left out) ->
/// (h', c'); `auto [h, c] = cell(x, {h, c});`.
template <class = void>
class LSTMCellImpl
    : public detail::RNNCellBase<std::tuple<Tensor, Tensor>(const Tensor&),
                                 std::tuple<Tensor, Tensor>(const Tensor&,
                                                            const std::tuple<Tensor, Tensor>&)> {
 public:
  /// weight_ih [4H, I], weight_hh [4H, H], bias_ih, bias_hh [4H] (gates i, f, g, o).
  LSTMCellImpl(std::int64_t input_size, std::int64_t hidden_size, bool bias = true)
      : RNNCellBase(functional::RNNMode::lstm, input_size, hidden_size, bias) {}

  /// (h', c') from zero states.
  std::tuple<Tensor, Tensor> forward(const Tensor& x) override {
    auto [h, c] = step(x, Tensor(), Tensor());
    return {h, c};
  }
  /// (h', c') from (h, c).
  std::tuple<Tensor, Tensor> forward(const Tensor& x,
                                     const std::tuple<Tensor, Tensor>& state) override {
    auto [h, c] = step(x, std::get<0>(state), std::get<1>(state));
    return {h, c};
  }
};
/// LSTMCell: see LSTMCellImpl.
using LSTMCell = LSTMCellImpl<>;

/// nn::GRUCell: one GRU step. x [B, I] ([I]), h [B, H] ([H], zeros when left out) -> h'.
template <class = void>
class GRUCellImpl
    : public detail::RNNCellBase<Tensor(const Tensor&), Tensor(const Tensor&, const Tensor&)> {
 public:
  /// weight_ih [3H, I], weight_hh [3H, H], bias_ih, bias_hh [3H] (gates r, z, n).
  GRUCellImpl(std::int64_t input_size, std::int64_t hidden_size, bool bias = true)
      : RNNCellBase(functional::RNNMode::gru, input_size, hidden_size, bias) {}

  /// h' from a zero state.
  Tensor forward(const Tensor& x) override { return step(x, Tensor(), Tensor()).first; }
  /// h' from h.
  Tensor forward(const Tensor& x, const Tensor& h) override { return step(x, h, Tensor()).first; }
};
/// GRUCell: see GRUCellImpl.
using GRUCell = GRUCellImpl<>;

}  // namespace torchlet::nn
