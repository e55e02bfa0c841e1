#pragma once
// The recurrent layers, as torch.nn: nn::RNN, nn::LSTM, nn::GRU (stacked, bidirectional, over
// padded tensors or PackedSequences) and the one-step cells nn::RNNCell, nn::LSTMCell,
// nn::GRUCell. L = sequence length, B = batch, I = input_size, H = hidden_size, P = proj_size
// (LSTM) or H, D = 2 if bidirectional else 1:
//   x [L, B, I] ([B, L, I] with batch_first, [L, I] unbatched), h0 [D * num_layers, B, P]
//   -> output [L, B, D * P], h_n [D * num_layers, B, P] (and c_n [D * num_layers, B, H]).
// Every layer and direction runs nn::functional::rnn_layer (one fused graph node). Parameters
// have PyTorch's names and shapes (weight_ih_l0, weight_hh_l0_reverse, ...) and its init, all
// U(-1/sqrt(H), 1/sqrt(H)), so a PyTorch state_dict loads as is.
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "torchlet/nn/functional/dropout.hpp"
#include "torchlet/nn/functional/recurrent.hpp"
#include "torchlet/nn/init.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/utils/rnn.hpp"

namespace torchlet::nn {

/// Options of nn::RNN, in PyTorch's keyword order: `nn::RNN rnn(10, 20, {.num_layers = 2,
/// .nonlinearity = "relu"})`.
struct RNNOptions {
  std::int64_t num_layers = 1;        ///< stacked layers
  std::string nonlinearity = "tanh";  ///< "tanh" or "relu"
  bool bias = true;                   ///< with bias_ih / bias_hh
  bool batch_first = false;           ///< input and output [B, L, *] instead of [L, B, *]
  double dropout = 0.0;               ///< dropout on the outputs of all but the last layer
  bool bidirectional = false;         ///< a second, backward direction per layer
};

/// Options of nn::LSTM: `nn::LSTM lstm(10, 20, {.num_layers = 2, .batch_first = true})`.
struct LSTMOptions {
  std::int64_t num_layers = 1;  ///< stacked layers
  bool bias = true;             ///< with bias_ih / bias_hh
  bool batch_first = false;     ///< input and output [B, L, *] instead of [L, B, *]
  double dropout = 0.0;         ///< dropout on the outputs of all but the last layer
  bool bidirectional = false;   ///< a second, backward direction per layer
  std::int64_t proj_size = 0;   ///< > 0: h is projected to proj_size by weight_hr
};

/// Options of nn::GRU: `nn::GRU gru(10, 20, {.num_layers = 2, .bidirectional = true})`.
struct GRUOptions {
  std::int64_t num_layers = 1;  ///< stacked layers
  bool bias = true;             ///< with bias_ih / bias_hh
  bool batch_first = false;     ///< input and output [B, L, *] instead of [L, B, *]
  double dropout = 0.0;         ///< dropout on the outputs of all but the last layer
  bool bidirectional = false;   ///< a second, backward direction per layer
};

/// An LSTM's (h, c) state: `auto [out, state] = lstm(x); auto [h, c] = state;`.
using LSTMState = std::tuple<Tensor, Tensor>;

namespace detail {

/// What the stacked layers share (PyTorch's RNNBase): the options, the parameters under
/// PyTorch's names, and the loop over layers and directions. Sigs: the forward signatures.
template <class... Sigs>
class RNNBase : public ModuleFor<Sigs...> {
 public:
  ///@{
  /// Sizes of the input's last dim and of the hidden state.
  std::int64_t input_size, hidden_size;
  ///@}
  std::int64_t num_layers;  ///< stacked layers
  bool bias;                ///< whether the layers have biases
  bool batch_first;         ///< [B, L, *] instead of [L, B, *]
  double dropout;           ///< dropout between layers (training only)
  bool bidirectional;       ///< two directions per layer
  std::int64_t proj_size;   ///< LSTM projection size (0: none)

  /// Draws every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch.
  void reset_parameters() {
    const double stdv = hidden_size > 0 ? 1.0 / std::sqrt(static_cast<double>(hidden_size)) : 0.0;
    for (Tensor* w : weights_) init::uniform_(*w, -stdv, stdv);
  }

  /// PyTorch's all_weights: per layer and direction (l0, l0_reverse, l1, ...) its parameters
  /// in PyTorch's order (weight_ih, weight_hh, [bias_ih, bias_hh], [weight_hr]).
  std::vector<std::vector<Tensor>> all_weights() const {
    std::vector<std::vector<Tensor>> out;
    const std::size_t per = weights_.size() / static_cast<std::size_t>(num_layers * dirs());
    for (std::size_t k = 0; k < weights_.size(); k += per) {
      out.emplace_back();
      for (std::size_t j = 0; j < per; ++j) out.back().push_back(*weights_[k + j]);
    }
    return out;
  }

  std::string extra_repr() const override {
    std::string s = std::to_string(input_size) + ", " + std::to_string(hidden_size);
    if (proj_size != 0) s += ", proj_size=" + std::to_string(proj_size);
    if (num_layers != 1) s += ", num_layers=" + std::to_string(num_layers);
    if (!bias) s += ", bias=False";
    if (batch_first) s += ", batch_first=True";
    if (dropout != 0.0) s += ", dropout=" + nn::detail::nnfmt::py_float(dropout);
    if (bidirectional) s += ", bidirectional=True";
    return s;
  }

 protected:
  RNNBase(functional::RNNMode mode, std::int64_t input_size, std::int64_t hidden_size,
          std::int64_t num_layers, bool bias, bool batch_first, double dropout, bool bidirectional,
          std::int64_t proj_size)
      : input_size(input_size),
        hidden_size(hidden_size),
        num_layers(num_layers),
        bias(bias),
        batch_first(batch_first),
        dropout(dropout),
        bidirectional(bidirectional),
        proj_size(proj_size),
        mode_(mode) {
    const std::string n = kind();
    if (input_size <= 0 || hidden_size <= 0)
      throw std::invalid_argument(n + ": input_size and hidden_size must be positive, got " +
                                  std::to_string(input_size) + " and " +
                                  std::to_string(hidden_size));
    if (num_layers <= 0)
      throw std::invalid_argument(n + ": num_layers must be positive, got " +
                                  std::to_string(num_layers));
    if (!(dropout >= 0.0 && dropout <= 1.0))
      throw std::invalid_argument(
          n +
          ": dropout should be a number in range [0, 1] representing the probability of "
          "an element being zeroed, got " +
          std::to_string(dropout));
    if (proj_size < 0)
      throw std::invalid_argument(n +
                                  ": proj_size should be a positive integer or zero to "
                                  "disable projections, got " +
                                  std::to_string(proj_size));
    if (proj_size >= hidden_size)
      throw std::invalid_argument(n + ": proj_size has to be smaller than hidden_size, got " +
                                  std::to_string(proj_size) + " and " +
                                  std::to_string(hidden_size));
    const auto G = functional::detail::gate_count(mode), H = hidden_size;
    const auto P = real_hidden();
    for (std::int64_t l = 0; l < num_layers; ++l)
      for (std::int64_t d = 0; d < dirs(); ++d) {
        const std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
        const auto in = l == 0 ? input_size : P * dirs();
        add("weight_ih" + sfx, {G * H, in});
        add("weight_hh" + sfx, {G * H, P});
        if (bias) {
          add("bias_ih" + sfx, {G * H});
          add("bias_hh" + sfx, {G * H});
        }
        if (proj_size > 0) add("weight_hr" + sfx, {P, H});
      }
    reset_parameters();
  }

  std::int64_t dirs() const { return bidirectional ? 2 : 1; }
  std::int64_t real_hidden() const { return proj_size > 0 ? proj_size : hidden_size; }
  std::string kind() const {
    return mode_ == functional::RNNMode::lstm  ? "LSTM"
           : mode_ == functional::RNNMode::gru ? "GRU"
                                               : "RNN";
  }
  bool is_lstm() const { return mode_ == functional::RNNMode::lstm; }

  /// The weights of layer l, direction d.
  functional::RNNWeights<float> layer_weights(std::int64_t k) const {
    const std::size_t per = weights_.size() / static_cast<std::size_t>(num_layers * dirs());
    const Tensor* const* w = weights_.data() + static_cast<std::size_t>(k) * per;
    functional::RNNWeights<float> out{*w[0], *w[1], {}, {}, {}};
    std::size_t j = 2;
    if (bias) {
      out.b_ih = *w[j++];
      out.b_hh = *w[j++];
    }
    if (proj_size > 0) out.w_hr = *w[j];
    return out;
  }

  /// Checks an initial state [D * num_layers, B, size] (`which`: "hidden[0]", "hidden").
  void check_state(const Tensor& s, std::int64_t B, std::int64_t size,
                   const std::string& which) const {
    const Shape want{num_layers * dirs(), B, size};
    if (!s.defined() || s.shape() != want)
      throw ShapeError(kind() + ": Expected " + which + " size " +
                       nn::detail::nnfmt::py_tuple(want) + ", got " +
                       (s.defined() ? to_string(s.shape()) : std::string("none")));
  }

  /// The stacked layers over packed rows: data [N, I] with batch_sizes, h0 [D * layers, B, P],
  /// c0 [D * layers, B, H] (LSTM) -> (output [N, D * P], h_n, c_n).
  std::tuple<Tensor, Tensor, Tensor> run(const Tensor& data, const std::vector<std::int64_t>& bs,
                                         const Tensor& h0, const Tensor& c0) {
    if (data.dim() != 2 || data.size(1) != input_size)
      throw ShapeError(kind() + ": input.size(-1) must be equal to input_size. Expected " +
                       std::to_string(input_size) + ", got " +
                       (data.dim() ? std::to_string(data.size(-1)) : std::string("none")) +
                       " (input " + to_string(data.shape()) + ")");
    Tensor layer_input = data;
    std::vector<Tensor> hn, cn;
    for (std::int64_t l = 0; l < num_layers; ++l) {
      std::vector<Tensor> outs;
      for (std::int64_t d = 0; d < dirs(); ++d) {
        const auto k = l * dirs() + d;
        auto r = functional::rnn_layer(mode_, layer_input, bs, h0[k], is_lstm() ? c0[k] : Tensor(),
                                       layer_weights(k), d == 1);
        outs.push_back(r.output);
        hn.push_back(r.h_n);
        if (is_lstm()) cn.push_back(r.c_n);
      }
      layer_input = outs.size() == 1 ? outs[0] : cat(outs, 1);
      if (dropout > 0.0 && this->is_training() && l + 1 < num_layers)
        layer_input = functional::dropout(layer_input, dropout, true);
    }
    return {layer_input, stack(hn, 0), is_lstm() ? stack(cn, 0) : Tensor()};
  }

  /// Forward over a padded tensor: x [L, B, I] ([B, L, I] with batch_first, [L, I] unbatched),
  /// states as given (undefined: zeros) -> (output, h_n, c_n) shaped as PyTorch returns them.
  std::tuple<Tensor, Tensor, Tensor> run_padded(const Tensor& x, Tensor h0, Tensor c0) {
    if (x.dim() != 2 && x.dim() != 3)
      throw ShapeError(kind() + ": Expected input to be 2-D or 3-D but received " +
                       std::to_string(x.dim()) + "-D tensor (shape " + to_string(x.shape()) + ")");
    const bool unbatched = x.dim() == 2;
    if (h0.defined() && h0.dim() != (unbatched ? 2 : 3))
      throw ShapeError(kind() +
                       (unbatched ? ": For unbatched 2-D input, hx should also be 2-D "
                                  : ": For batched 3-D input, hx should also be 3-D ") +
                       "but got " + std::to_string(h0.dim()) + "-D tensor (shape " +
                       to_string(h0.shape()) + ")");
    if (c0.defined() && c0.dim() != (unbatched ? 2 : 3))
      throw ShapeError(kind() +
                       (unbatched ? ": For unbatched 2-D input, cx should also be 2-D "
                                  : ": For batched 3-D input, cx should also be 3-D ") +
                       "but got " + std::to_string(c0.dim()) + "-D tensor (shape " +
                       to_string(c0.shape()) + ")");
    Tensor seq = unbatched ? x.unsqueeze(1) : batch_first ? x.transpose(0, 1) : x;
    if (unbatched) {
      if (h0.defined()) h0 = h0.unsqueeze(1);
      if (c0.defined()) c0 = c0.unsqueeze(1);
    }
    const auto L = seq.size(0), B = seq.size(1);
    if (!h0.defined()) h0 = zeros<float>({num_layers * dirs(), B, real_hidden()});
    if (is_lstm() && !c0.defined()) c0 = zeros<float>({num_layers * dirs(), B, hidden_size});
    check_state(h0, B, real_hidden(), is_lstm() ? "hidden[0]" : "hidden");
    if (is_lstm()) check_state(c0, B, hidden_size, "hidden[1]");
    if (seq.size(2) != input_size)
      throw ShapeError(kind() + ": input.size(-1) must be equal to input_size. Expected " +
                       std::to_string(input_size) + ", got " + std::to_string(seq.size(2)) +
                       " (input " + to_string(x.shape()) + ")");
    if (L == 0)
      throw ShapeError(kind() + ": Expected sequence length to be larger than 0 in RNN (input " +
                       to_string(x.shape()) + ")");
    if (B == 0) {  // an empty batch: empty outputs, the (empty) states unchanged
      const Shape os =
          batch_first ? Shape{0, L, dirs() * real_hidden()} : Shape{L, 0, dirs() * real_hidden()};
      return {zeros<float>(os), h0, c0};
    }
    auto [out, hn, cn] =
        run(seq.reshape({L * B, input_size}), std::vector<std::int64_t>(L, B), h0, c0);
    out = out.view({L, B, dirs() * real_hidden()});
    if (unbatched) {
      out = out.squeeze(1);
      hn = hn.squeeze(1);
      if (cn.defined()) cn = cn.squeeze(1);
    } else if (batch_first) {
      out = out.transpose(0, 1);
    }
    return {out, hn, cn};
  }

  /// Forward over a PackedSequence (states in the original batch order, undefined: zeros) ->
  /// (output PackedSequence, h_n, c_n).
  std::tuple<utils::rnn::PackedSequence, Tensor, Tensor> run_packed(
      const utils::rnn::PackedSequence& x, Tensor h0, Tensor c0) {
    const auto bs = x.batch_sizes_vector();
    if (bs.empty()) throw std::invalid_argument(kind() + ": the PackedSequence has no batch_sizes");
    const auto B = bs.front();
    const bool sorted = x.sorted_indices.defined();
    if (h0.defined()) {
      check_state(h0, B, real_hidden(), is_lstm() ? "hidden[0]" : "hidden");
      if (sorted) h0 = h0.index_select(1, x.sorted_indices);
    } else {
      h0 = zeros<float>({num_layers * dirs(), B, real_hidden()});
    }
    if (is_lstm()) {
      if (c0.defined()) {
        check_state(c0, B, hidden_size, "hidden[1]");
        if (sorted) c0 = c0.index_select(1, x.sorted_indices);
      } else {
        c0 = zeros<float>({num_layers * dirs(), B, hidden_size});
      }
    }
    auto [out, hn, cn] = run(x.data, bs, h0, c0);
    if (x.unsorted_indices.defined()) {
      hn = hn.index_select(1, x.unsorted_indices);
      if (cn.defined()) cn = cn.index_select(1, x.unsorted_indices);
    }
    return {utils::rnn::PackedSequence{out, x.batch_sizes, x.sorted_indices, x.unsorted_indices},
            hn, cn};
  }

 private:
  void add(const std::string& name, const Shape& shape) {
    weights_.push_back(&this->register_parameter(name, empty<float>(shape)));
  }

  functional::RNNMode mode_;
  // The registered parameters in PyTorch's order; the registry owns them (by shared_ptr), so
  // the pointers stay valid when the module moves.
  std::vector<Tensor*> weights_;
};

/// The layers whose state is one tensor (RNN, GRU): their four forwards, shared.
template <class = void>
class SingleStateRNNImpl : public RNNBase<std::tuple<Tensor, Tensor>(const Tensor&),
                                          std::tuple<Tensor, Tensor>(const Tensor&, const Tensor&),
                                          std::tuple<utils::rnn::PackedSequence, Tensor>(
                                              const utils::rnn::PackedSequence&),
                                          std::tuple<utils::rnn::PackedSequence, Tensor>(
                                              const utils::rnn::PackedSequence&, const Tensor&)> {
 public:
  using RNNBase::RNNBase;

  /// (output, h_n) from zero initial states.
  std::tuple<Tensor, Tensor> forward(const Tensor& x) override { return forward(x, Tensor()); }
  /// (output, h_n) from h0 [D * num_layers, B, H] ([D * num_layers, H] unbatched).
  std::tuple<Tensor, Tensor> forward(const Tensor& x, const Tensor& h0) override {
    auto [out, hn, cn] = run_padded(x, h0, Tensor());
    return {out, hn};
  }
  /// (packed output, h_n) from zero initial states.
  std::tuple<utils::rnn::PackedSequence, Tensor> forward(
      const utils::rnn::PackedSequence& x) override {
    return forward(x, Tensor());
  }
  /// (packed output, h_n) from h0 [D * num_layers, B, H] (original batch order).
  std::tuple<utils::rnn::PackedSequence, Tensor> forward(const utils::rnn::PackedSequence& x,
                                                         const Tensor& h0) override {
    auto [out, hn, cn] = run_packed(x, h0, Tensor());
    return {out, hn};
  }
};
/// SingleStateRNN: see SingleStateRNNImpl.
using SingleStateRNN = SingleStateRNNImpl<>;

}  // namespace detail

/// nn::RNN: an Elman RNN, h_t = tanh (or relu)(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), stacked
/// and optionally bidirectional. x [L, B, I] ([B, L, I] with batch_first, [L, I] unbatched),
/// h0 [D * num_layers, B, H] -> (output [L, B, D * H], h_n [D * num_layers, B, H]);
/// `auto [out, h_n] = rnn(x);`. A PackedSequence in gives a PackedSequence out.
template <class = void>
class RNNImpl : public detail::SingleStateRNN {
 public:
  /// Parameters weight_ih_l{k}[_reverse] [H, I or D * H], weight_hh_l{k} [H, H], bias_ih_l{k},
  /// bias_hh_l{k} [H], all U(-1/sqrt(H), 1/sqrt(H)).
  RNNImpl(std::int64_t input_size, std::int64_t hidden_size, const RNNOptions& options = {})
      : detail::SingleStateRNN(mode_of(options.nonlinearity), input_size, hidden_size,
                               options.num_layers, options.bias, options.batch_first,
                               options.dropout, options.bidirectional, 0),
        nonlinearity(options.nonlinearity) {}

  std::string nonlinearity;  ///< "tanh" or "relu"

 private:
  static functional::RNNMode mode_of(const std::string& nonlinearity) {
    if (nonlinearity == "tanh") return functional::RNNMode::rnn_tanh;
    if (nonlinearity == "relu") return functional::RNNMode::rnn_relu;
    throw std::invalid_argument("RNN: Unknown nonlinearity '" + nonlinearity +
                                "' (expected \"tanh\" or \"relu\")");
  }
};
/// RNN: see RNNImpl.
using RNN = RNNImpl<>;

/// nn::LSTM: long short-term memory, gates i, f, g, o; c_t = f c_{t-1} + i g, h_t = o tanh(c_t)
/// (projected by weight_hr with proj_size). x [L, B, I] ([B, L, I] with batch_first, [L, I]
/// unbatched), (h0 [D * num_layers, B, P], c0 [D * num_layers, B, H]) -> (output [L, B, D * P],
/// (h_n, c_n)); `auto [out, state] = lstm(x, {h0, c0}); auto [h_n, c_n] = state;`.
template <class = void>
class LSTMImpl
    : public detail::RNNBase<std::tuple<Tensor, LSTMState>(const Tensor&),
                             std::tuple<Tensor, LSTMState>(const Tensor&, const LSTMState&),
                             std::tuple<utils::rnn::PackedSequence, LSTMState>(
                                 const utils::rnn::PackedSequence&),
                             std::tuple<utils::rnn::PackedSequence, LSTMState>(
                                 const utils::rnn::PackedSequence&, const LSTMState&)> {
 public:
  /// Parameters weight_ih_l{k}[_reverse] [4H, I or D * P], weight_hh_l{k} [4H, P], bias_ih_l{k},
  /// bias_hh_l{k} [4H], weight_hr_l{k} [P, H] (proj_size only), all U(-1/sqrt(H), 1/sqrt(H)).
  LSTMImpl(std::int64_t input_size, std::int64_t hidden_size, const LSTMOptions& options = {})
      : RNNBase(functional::RNNMode::lstm, input_size, hidden_size, options.num_layers,
                options.bias, options.batch_first, options.dropout, options.bidirectional,
                options.proj_size) {}

  /// (output, (h_n, c_n)) from zero initial states.
  std::tuple<Tensor, LSTMState> forward(const Tensor& x) override {
    auto [out, hn, cn] = run_padded(x, Tensor(), Tensor());
    return {out, {hn, cn}};
  }
  /// (output, (h_n, c_n)) from (h0, c0).
  std::tuple<Tensor, LSTMState> forward(const Tensor& x, const LSTMState& state) override {
    auto [out, hn, cn] = run_padded(x, std::get<0>(state), std::get<1>(state));
    return {out, {hn, cn}};
  }
  /// (packed output, (h_n, c_n)) from zero initial states.
  std::tuple<utils::rnn::PackedSequence, LSTMState> forward(
      const utils::rnn::PackedSequence& x) override {
    auto [out, hn, cn] = run_packed(x, Tensor(), Tensor());
    return {out, {hn, cn}};
  }
  /// (packed output, (h_n, c_n)) from (h0, c0) in the original batch order.
  std::tuple<utils::rnn::PackedSequence, LSTMState> forward(const utils::rnn::PackedSequence& x,
                                                            const LSTMState& state) override {
    auto [out, hn, cn] = run_packed(x, std::get<0>(state), std::get<1>(state));
    return {out, {hn, cn}};
  }
};
/// LSTM: see LSTMImpl.
using LSTM = LSTMImpl<>;

/// nn::GRU: gated recurrent unit, gates r, z, n; n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
/// h_t = (1 - z) n + z h_{t-1}. x [L, B, I] ([B, L, I] with batch_first, [L, I] unbatched), h0
/// [D * num_layers, B, H] -> (output [L, B, D * H], h_n); `auto [out, h_n] = gru(x, h0);`.
template <class = void>
class GRUImpl : public detail::SingleStateRNN {
 public:
  /// Parameters weight_ih_l{k}[_reverse] [3H, I or D * H], weight_hh_l{k} [3H, H], bias_ih_l{k},
  /// bias_hh_l{k} [3H], all U(-1/sqrt(H), 1/sqrt(H)).
  GRUImpl(std::int64_t input_size, std::int64_t hidden_size, const GRUOptions& options = {})
      : detail::SingleStateRNN(functional::RNNMode::gru, input_size, hidden_size,
                               options.num_layers, options.bias, options.batch_first,
                               options.dropout, options.bidirectional, 0) {}
};
/// GRU: see GRUImpl.
using GRU = GRUImpl<>;

}  // namespace torchlet::nn
