// nn::RNN, nn::LSTM, nn::GRU, their cells and nn::utils::rnn against PyTorch 1.13
// (tests/fixtures/nn/rnn.safetensors and rnn_reprs.txt, written by scripts/make_rnn_fixtures.py):
// initial weights loaded by name, outputs, final states and every gradient; gradcheck of the
// fused kernels (nn/functional/recurrent.hpp) in float64; the errors.
#include <torchlet/autograd/gradcheck.hpp>
#include <torchlet/nn.hpp>

#include "catch.hpp"

using namespace torchlet;
namespace F = torchlet::nn::functional;
using D = DoubleTensor;

namespace {

D leaf(Shape s, std::uint64_t seed, double scale = 1.0) {
  Generator g(seed);
  auto t = randn<double>(s, g);
  {
    NoGradGuard ng;
    t *= scale;
  }
  return t.requires_grad_();
}

// gradcheck of rnn_layer: every input, weight and state; the result is the three outputs
// flattened and concatenated.
void check_kernel(F::RNNMode mode, std::vector<std::int64_t> batch_sizes, bool reverse, bool bias,
                  std::int64_t proj = 0) {
  const std::int64_t I = 3, H = 4, G = F::detail::gate_count(mode), B = batch_sizes.front();
  const std::int64_t P = proj ? proj : H;
  std::int64_t N = 0;
  for (auto b : batch_sizes) N += b;
  std::vector<D> in{leaf({N, I}, 1), leaf({B, P}, 2, 0.5), leaf({G * H, I}, 3, 0.5),
                    leaf({G * H, P}, 4, 0.5)};
  const bool lstm = mode == F::RNNMode::lstm;
  if (lstm) in.push_back(leaf({B, H}, 5, 0.5));
  if (bias) {
    in.push_back(leaf({G * H}, 6, 0.5));
    in.push_back(leaf({G * H}, 7, 0.5));
  }
  if (proj) in.push_back(leaf({P, H}, 8, 0.5));
  auto f = [&](const std::vector<D>& v) {
    std::size_t k = 4;
    D c0 = lstm ? v[k++] : D();
    F::RNNWeights<double> w{v[2], v[3], {}, {}, {}};
    if (bias) {
      w.b_ih = v[k++];
      w.b_hh = v[k++];
    }
    if (proj) w.w_hr = v[k++];
    auto r = F::rnn_layer(mode, v[0], batch_sizes, v[1], c0, w, reverse);
    std::vector<D> parts{r.output.flatten(), r.h_n.flatten()};
    if (lstm) parts.push_back(r.c_n.flatten());
    return cat(parts);
  };
  CHECK(autograd::gradcheck(f, in));
}

}  // namespace

TEST_CASE("gradcheck: the fused recurrent kernels in float64") {
  for (auto mode :
       {F::RNNMode::rnn_tanh, F::RNNMode::rnn_relu, F::RNNMode::lstm, F::RNNMode::gru}) {
    INFO(F::detail::mode_name(mode));
    check_kernel(mode, {2, 2, 2}, false, true);
    check_kernel(mode, {3, 2, 1}, false, true);
    check_kernel(mode, {3, 2, 1}, true, true);
    check_kernel(mode, {2, 2}, true, false);
  }
  check_kernel(F::RNNMode::lstm, {3, 3, 1}, false, true, 2);
  check_kernel(F::RNNMode::lstm, {3, 2, 2}, true, false, 2);
}
