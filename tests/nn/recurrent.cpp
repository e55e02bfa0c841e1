// nn::RNN, nn::LSTM, nn::GRU, their cells and nn::utils::rnn against PyTorch 1.13
// (tests/fixtures/nn/rnn.safetensors and rnn_reprs.txt, written by scripts/make_rnn_fixtures.py):
// initial weights loaded by name, outputs, final states and every gradient; gradcheck of the
// fused kernels (nn/functional/recurrent.hpp) in float64; the errors.
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/nn.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"
#include "create_graph_checks.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

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
                  std::int64_t proj = 0, bool twice = false) {
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
  if (twice) {  // create_graph: the backward's recorded path
    CHECK(autograd::gradgradcheck(f, in));
    torchlet_test::same_first_order(f, in, 1e-10);
  }
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

TEST_CASE("gradgradcheck: the recurrent kernels differentiate twice (create_graph)") {
  for (auto mode :
       {F::RNNMode::rnn_tanh, F::RNNMode::rnn_relu, F::RNNMode::lstm, F::RNNMode::gru}) {
    INFO(F::detail::mode_name(mode));
    check_kernel(mode, {3, 2, 1}, false, true, 0, true);
    check_kernel(mode, {2, 2}, true, false, 0, true);
  }
  check_kernel(F::RNNMode::lstm, {3, 2, 2}, true, true, 2, true);
}

// ------------------------------------------------------------------ PyTorch parity
namespace {

namespace R = torchlet::nn::utils::rnn;

const io::SafetensorsFile& fixtures() {
  static const auto f = io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/nn/rnn.safetensors");
  return f;
}
Tensor get(const std::string& name) { return fixtures().get<float>(name).clone(); }
bool has(const std::string& name) { return fixtures().contains(name); }

#define CHECK_CLOSE(a, b) CHECK(fixture_mismatch(a, b) == "")
std::string fixture_mismatch(const Tensor& a, const Tensor& b, double rtol = 1e-4) {
  if (!a.defined() || !b.defined()) return a.defined() == b.defined() ? "" : "undefined tensor";
  if (a.shape() != b.shape())
    return "shape " + to_string(a.shape()) + " vs " + to_string(b.shape());
  double scale = 0;
  for (std::int64_t i = 0; i < b.numel(); ++i)
    scale = std::max(scale, std::abs(double(b.data()[i])));
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.data()[i], y = b.data()[i];
    if (!(std::abs(x - y) <= rtol * std::max({std::abs(y), 0.1 * scale, 1e-6})))
      return "element " + std::to_string(i) + ": " + std::to_string(x) + " vs " + std::to_string(y);
  }
  return "";
}

// Loads PyTorch's initial parameters by name; the names and their order must be PyTorch's.
void load_pytorch_parameters(nn::ModuleBase& m, const std::string& c) {
  std::vector<std::string> ours, theirs;
  for (auto& [k, t] : m.named_parameters()) ours.push_back(k);
  const std::string prefix = c + "/p/";
  for (auto& k : fixtures().keys())
    if (k.rfind(prefix, 0) == 0) theirs.push_back(k.substr(prefix.size()));
  REQUIRE(ours == theirs);
  nn::StateDict sd;
  for (auto& k : theirs) sd.insert(k, get(prefix + k));
  m.load_state_dict(sd);
}

// Runs fixture case c through m: the input (packed when the case has lengths), the states
// when the case has them; compares output, final states and every gradient.
template <class M>
void check_case(const std::string& c, M& m, bool batch_first = false, bool enforce_sorted = true) {
  load_pytorch_parameters(m, c);
  auto x = get(c + "/x").requires_grad_();
  Tensor h0 = has(c + "/h0") ? get(c + "/h0").requires_grad_() : Tensor();
  Tensor c0 = has(c + "/c0") ? get(c + "/c0").requires_grad_() : Tensor();
  const bool packed = has(c + "/lengths");
  Tensor out, hn, cn;
  auto unpack = [&](const auto& o) {
    if constexpr (std::is_same_v<std::decay_t<decltype(o)>, R::PackedSequence>)
      return std::get<0>(R::pad_packed_sequence(o, batch_first));
    else
      return o;
  };
  auto run = [&](const auto& input) {
    if constexpr (std::is_same_v<M, nn::LSTM>) {
      auto [o, state] = h0.defined() ? m(input, {h0, c0}) : m(input);
      out = unpack(o);
      std::tie(hn, cn) = state;
    } else if constexpr (std::is_same_v<M, nn::LSTMCell>) {
      std::tie(hn, cn) = h0.defined() ? m(input, {h0, c0}) : m(input);
      out = hn;
    } else if constexpr (std::is_same_v<M, nn::RNNCell> || std::is_same_v<M, nn::GRUCell>) {
      hn = out = h0.defined() ? m(input, h0) : m(input);
    } else {
      auto [o, h] = h0.defined() ? m(input, h0) : m(input);
      out = unpack(o);
      hn = h;
    }
  };
  if (packed) {
    if constexpr (std::is_base_of_v<nn::ModuleBase, M> &&
                  std::is_invocable_v<M&, const R::PackedSequence&>)
      run(R::pack_padded_sequence(x, fixtures().get<std::int64_t>(c + "/lengths"), batch_first,
                                  enforce_sorted));
  } else {
    run(x);
  }
  CHECK_CLOSE(out, get(c + "/out"));
  CHECK_CLOSE(hn, get(c + "/h_n"));
  auto loss = (out * get(c + "/w_out")).sum();
  if (has(c + "/w_h")) loss = loss + (hn * get(c + "/w_h")).sum();
  if (has(c + "/c_n")) {
    CHECK_CLOSE(cn, get(c + "/c_n"));
    loss = loss + (cn * get(c + "/w_c")).sum();
  }
  loss.backward();
  for (auto& [k, p] : m.named_parameters()) {
    INFO("gradient of " << k);
    CHECK_CLOSE(p.grad(), get(c + "/g/" + k));
  }
  CHECK_CLOSE(x.grad(), get(c + "/gx"));
  if (h0.defined()) CHECK_CLOSE(h0.grad(), get(c + "/gh0"));
  if (c0.defined()) CHECK_CLOSE(c0.grad(), get(c + "/gc0"));
}

}  // namespace

TEST_CASE("rnn_tanh matches PyTorch") {
  nn::RNN m(3, 5);
  check_case("rnn_tanh", m);
}
TEST_CASE("rnn_relu matches PyTorch") {
  nn::RNN m(3, 5, {.num_layers = 2, .nonlinearity = "relu", .batch_first = true});
  check_case("rnn_relu", m, true);
}
TEST_CASE("rnn_bidir matches PyTorch") {
  nn::RNN m(3, 5, {.num_layers = 2, .bias = false, .bidirectional = true});
  check_case("rnn_bidir", m);
}
TEST_CASE("rnn_unbatched matches PyTorch") {
  nn::RNN m(3, 5);
  check_case("rnn_unbatched", m);
}
TEST_CASE("lstm matches PyTorch") {
  nn::LSTM m(3, 5);
  check_case("lstm", m);
}
TEST_CASE("lstm_full matches PyTorch") {
  nn::LSTM m(3, 5, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  check_case("lstm_full", m, true);
}
TEST_CASE("lstm_proj matches PyTorch") {
  nn::LSTM m(3, 5, {.num_layers = 2, .bidirectional = true, .proj_size = 2});
  check_case("lstm_proj", m);
}
TEST_CASE("lstm_unbatched matches PyTorch") {
  nn::LSTM m(3, 5, {.num_layers = 2});
  check_case("lstm_unbatched", m);
}
TEST_CASE("gru matches PyTorch") {
  nn::GRU m(3, 5, {.num_layers = 2});
  check_case("gru", m);
}
TEST_CASE("gru_bidir_bf matches PyTorch") {
  nn::GRU m(3, 5, {.batch_first = true, .bidirectional = true});
  check_case("gru_bidir_bf", m, true);
}
TEST_CASE("gru_unbatched matches PyTorch") {
  nn::GRU m(3, 5);
  check_case("gru_unbatched", m);
}
TEST_CASE("lstm_packed_sorted matches PyTorch") {
  nn::LSTM m(3, 5, {.num_layers = 2, .bidirectional = true});
  check_case("lstm_packed_sorted", m, false, true);
}
TEST_CASE("lstm_proj_packed matches PyTorch") {
  nn::LSTM m(3, 5, {.bidirectional = true, .proj_size = 3});
  check_case("lstm_proj_packed", m, false, false);
}
TEST_CASE("gru_packed_unsorted matches PyTorch") {
  nn::GRU m(3, 5, {.batch_first = true, .bidirectional = true});
  check_case("gru_packed_unsorted", m, true, false);
}
TEST_CASE("rnn_packed_unsorted matches PyTorch") {
  nn::RNN m(3, 5, {.num_layers = 2, .nonlinearity = "relu"});
  check_case("rnn_packed_unsorted", m, false, false);
}
TEST_CASE("rnn_cell matches PyTorch") {
  nn::RNNCell m(3, 5);
  check_case("rnn_cell", m);
}
TEST_CASE("rnn_cell_relu matches PyTorch") {
  nn::RNNCell m(3, 5, false, "relu");
  check_case("rnn_cell_relu", m);
}
TEST_CASE("lstm_cell matches PyTorch") {
  nn::LSTMCell m(3, 5);
  check_case("lstm_cell", m);
}
TEST_CASE("lstm_cell_unbatched matches PyTorch") {
  nn::LSTMCell m(3, 5);
  check_case("lstm_cell_unbatched", m);
}
TEST_CASE("gru_cell matches PyTorch") {
  nn::GRUCell m(3, 5);
  check_case("gru_cell", m);
}
TEST_CASE("gru_cell_unbatched matches PyTorch") {
  nn::GRUCell m(3, 5, false);
  check_case("gru_cell_unbatched", m);
}

TEST_CASE("every recurrent fixture case has a test case") {
  std::istringstream cases(fixtures().metadata.at("cases"));
  const std::set<std::string> tested{"rnn_tanh",
                                     "rnn_relu",
                                     "rnn_bidir",
                                     "rnn_unbatched",
                                     "lstm",
                                     "lstm_full",
                                     "lstm_proj",
                                     "lstm_unbatched",
                                     "gru",
                                     "gru_bidir_bf",
                                     "gru_unbatched",
                                     "lstm_packed_sorted",
                                     "lstm_proj_packed",
                                     "gru_packed_unsorted",
                                     "rnn_packed_unsorted",
                                     "rnn_cell",
                                     "rnn_cell_relu",
                                     "lstm_cell",
                                     "lstm_cell_unbatched",
                                     "gru_cell",
                                     "gru_cell_unbatched"};
  std::set<std::string> in_file;
  for (std::string c; cases >> c;) in_file.insert(c);
  CHECK(in_file == tested);
}

TEST_CASE("utils::rnn pad_sequence, pack_sequence, pad_packed_sequence match PyTorch") {
  std::vector<Tensor> seqs;
  for (int i = 0; i < 3; ++i) seqs.push_back(get("utils/seq" + std::to_string(i)).requires_grad_());
  auto padded = R::pad_sequence(seqs, true, -1.0);
  CHECK_CLOSE(padded, get("utils/padded"));
  auto packed = R::pack_sequence(seqs, false);
  CHECK_CLOSE(packed.data, get("utils/packed_data"));
  CHECK(packed.batch_sizes.to_vector() ==
        fixtures().get<std::int64_t>("utils/packed_batch_sizes").to_vector());
  CHECK(packed.sorted_indices.to_vector() ==
        fixtures().get<std::int64_t>("utils/packed_sorted_indices").to_vector());
  CHECK(packed.unsorted_indices.to_vector() ==
        fixtures().get<std::int64_t>("utils/packed_unsorted_indices").to_vector());
  auto [unpacked, lengths] = R::pad_packed_sequence(packed, true, 7.0, 6);
  CHECK_CLOSE(unpacked, get("utils/unpacked"));
  CHECK(lengths.to_vector() == fixtures().get<std::int64_t>("utils/unpacked_lengths").to_vector());
  ((padded * get("utils/w_padded")).sum() + (unpacked * get("utils/w_unpacked")).sum()).backward();
  for (int i = 0; i < 3; ++i) CHECK_CLOSE(seqs[i].grad(), get("utils/gseq" + std::to_string(i)));
}

TEST_CASE("recurrent layers print as PyTorch prints them") {
  std::ifstream in(TORCHLET_SOURCE_DIR "/tests/fixtures/nn/rnn_reprs.txt");
  REQUIRE(in);
  std::map<std::string, std::string> expected;
  for (std::string line; std::getline(in, line);) {
    REQUIRE(line.rfind("@@ ", 0) == 0);
    std::istringstream head(line.substr(3));
    std::string name;
    int lines = 0;
    head >> name >> lines;
    std::string text;
    for (int i = 0; i < lines; ++i) {
      std::getline(in, line);
      text += (i ? "\n" : "") + line;
    }
    expected[name] = text;
  }
  CHECK(nn::RNN(10, 20).repr() == expected.at("rnn"));
  CHECK(nn::RNN(10, 20,
                {.num_layers = 2,
                 .nonlinearity = "relu",
                 .bias = false,
                 .dropout = 0.5,
                 .bidirectional = true})
            .repr() == expected.at("rnn_relu"));
  CHECK(nn::LSTM(10, 20, {.num_layers = 2, .batch_first = true}).repr() == expected.at("lstm"));
  CHECK(nn::LSTM(10, 20, {.dropout = 0.25, .bidirectional = true, .proj_size = 5}).repr() ==
        expected.at("lstm_proj"));
  CHECK(nn::GRU(3, 4, {.num_layers = 3, .batch_first = true}).repr() == expected.at("gru"));
  nn::ModuleListOf<nn::ModuleBase> cells{nn::RNNCell(3, 4), nn::RNNCell(3, 4, false, "relu"),
                                         nn::LSTMCell(3, 4), nn::GRUCell(3, 4, false)};
  CHECK(cells.repr() == expected.at("cells"));
}

// ------------------------------------------------------------------ behaviour and errors
TEST_CASE("recurrent layers: structured bindings, shapes, defaults, hooks, moves") {
  nn::LSTM lstm(4, 6, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  auto x = randn<float>({3, 5, 4});
  auto [out, state] = lstm(x);
  auto [h, c] = state;
  CHECK(out.shape() == Shape{3, 5, 12});
  CHECK(h.shape() == Shape{4, 3, 6});
  CHECK(c.shape() == Shape{4, 3, 6});
  auto [out2, state2] = lstm(x, {zeros<float>({4, 3, 6}), zeros<float>({4, 3, 6})});
  CHECK(allclose(out, out2));
  CHECK(lstm.all_weights().size() == 4);
  CHECK(lstm.all_weights()[1].size() == 4);
  CHECK(lstm.get_parameter("weight_hh_l1_reverse").shape() == Shape{24, 6});
  const double bound = 1.0 / std::sqrt(6.0);
  for (auto& p : lstm.parameters())
    for (float v : p.to_vector()) CHECK(std::abs(v) <= bound);
  int calls = 0;
  auto handle = lstm.register_forward_hook([&](auto&&...) { ++calls; });
  lstm(x);
  CHECK(calls == 1);
  handle.remove();
  nn::LSTM moved = std::move(lstm);
  auto [out3, state3] = moved(x);
  CHECK(allclose(out3, out));
  CHECK(moved.parameters().size() == 16);

  nn::GRU gru(4, 6);
  auto [gout, gh] = gru(randn<float>({5, 2, 4}));
  CHECK(gout.shape() == Shape{5, 2, 6});
  CHECK(gh.shape() == Shape{1, 2, 6});
  nn::RNNCell cell(4, 6);
  CHECK(cell(randn<float>({4})).shape() == Shape{6});
  nn::LSTMCell lcell(4, 6);
  auto [lh, lc] = lcell(randn<float>({2, 4}));
  CHECK(lh.shape() == Shape{2, 6});
  CHECK(lc.shape() == Shape{2, 6});
}

TEST_CASE("recurrent layers: dropout between layers in training only") {
  nn::GRU gru(4, 8, {.num_layers = 2, .dropout = 0.5});
  auto x = randn<float>({6, 3, 4});
  auto [a, ha] = gru(x);
  auto [b, hb] = gru(x);
  CHECK_FALSE(allclose(a, b));  // a fresh dropout mask each call
  gru.eval();
  auto [e1, he1] = gru(x);
  auto [e2, he2] = gru(x);
  CHECK(allclose(e1, e2));
  nn::GRU plain(4, 8, {.num_layers = 2});
  plain.load_state_dict(gru.state_dict());
  auto [p, hp] = plain(x);
  CHECK(allclose(p, e1));
}

TEST_CASE("recurrent layers: a weight modified in place before backward throws") {
  nn::LSTM lstm(3, 4);
  auto [out, state] = lstm(randn<float>({2, 1, 3}));
  {
    NoGradGuard ng;
    lstm.get_parameter("weight_hh_l0") += 1.0f;
  }
  CHECK_THROWS_WITH(out.sum().backward(), Catch::Contains("modified by an inplace operation"));
}

TEST_CASE("recurrent layers: errors name the layer, the expectation and the shape") {
  nn::LSTM lstm(3, 4, {.batch_first = true});
  CHECK_THROWS_AS(lstm(randn<float>({2, 5, 7})), ShapeError);
  CHECK_THROWS_WITH(lstm(randn<float>({2, 5, 7})),
                    Catch::Contains("LSTM: input.size(-1) must be equal to "
                                    "input_size. Expected 3, got 7"));
  CHECK_THROWS_WITH(
      lstm(randn<float>({2, 5, 3}), {zeros<float>({1, 3, 4}), zeros<float>({1, 2, 4})}),
      Catch::Contains("Expected hidden[0] size (1, 2, 4), got [1, 3, 4]"));
  CHECK_THROWS_WITH(
      lstm(randn<float>({2, 5, 3}), {zeros<float>({1, 2, 4}), zeros<float>({1, 2, 5})}),
      Catch::Contains("Expected hidden[1] size (1, 2, 4)"));
  CHECK_THROWS_WITH(lstm(randn<float>({2, 0, 3})),
                    Catch::Contains("Expected sequence length to be larger than 0"));
  {
    auto [empty_out, empty_state] = lstm(randn<float>({0, 5, 3}));  // an empty batch
    CHECK(empty_out.shape() == Shape{0, 5, 4});
    CHECK(std::get<0>(empty_state).shape() == Shape{1, 0, 4});
  }
  CHECK_THROWS_WITH(lstm(randn<float>({2, 2, 5, 3})),
                    Catch::Contains("Expected input to be 2-D or 3-D"));
  CHECK_THROWS_WITH(lstm(randn<float>({5, 3}), {zeros<float>({1, 2, 4}), zeros<float>({1, 2, 4})}),
                    Catch::Contains("For unbatched 2-D input, hx should also be 2-D"));
  nn::GRU gru(3, 4, {.num_layers = 2});
  CHECK_THROWS_WITH(gru(randn<float>({5, 2, 3}), zeros<float>({1, 2, 4})),
                    Catch::Contains("GRU: Expected hidden size (2, 2, 4)"));
  CHECK_THROWS_WITH(nn::RNN(3, 4, {.nonlinearity = "sigmoid"}),
                    Catch::Contains("Unknown nonlinearity 'sigmoid'"));
  CHECK_THROWS_WITH(nn::LSTM(3, 4, {.proj_size = 4}),
                    Catch::Contains("proj_size has to be smaller than hidden_size"));
  CHECK_THROWS_AS(nn::GRU(3, 4, {.dropout = 1.5}), std::invalid_argument);
  CHECK_THROWS_AS(nn::RNN(0, 4), std::invalid_argument);
  nn::LSTMCell cell(3, 4);
  CHECK_THROWS_WITH(cell(randn<float>({2, 5})),
                    Catch::Contains("input has inconsistent input_size: got 5 expected 3"));
  CHECK_THROWS_WITH(cell(randn<float>({2, 3}), {zeros<float>({3, 4}), zeros<float>({3, 4})}),
                    Catch::Contains("Input batch size 2 doesn't match hidden0 batch size 3"));
  CHECK_THROWS_WITH(cell(randn<float>({2, 3, 3})),
                    Catch::Contains("LSTMCell: Expected input to be 1-D or 2-D"));
  nn::GRUCell gcell(3, 4);
  CHECK_THROWS_WITH(gcell(randn<float>({2, 3}), zeros<float>({2, 5})),
                    Catch::Contains("hidden0 has inconsistent hidden_size: got 5, expected 4"));

  CHECK_THROWS_WITH(
      R::pack_padded_sequence(randn<float>({4, 3, 2}), std::vector<std::int64_t>{2, 4, 1}),
      Catch::Contains("must be sorted in decreasing order"));
  CHECK_THROWS_WITH(
      R::pack_padded_sequence(randn<float>({4, 3, 2}), std::vector<std::int64_t>{4, 2, 0}),
      Catch::Contains("Length of all samples has to be greater than 0"));
  CHECK_THROWS_AS(R::pack_padded_sequence(randn<float>({4, 3, 2}), std::vector<std::int64_t>{4, 2}),
                  ShapeError);
  CHECK_THROWS_AS(
      R::pack_padded_sequence(randn<float>({4, 3, 2}), std::vector<std::int64_t>{5, 2, 1}),
      ShapeError);
  auto packed = R::pack_sequence({randn<float>({3, 2}), randn<float>({1, 2})});
  CHECK_THROWS_WITH(R::pad_packed_sequence(packed, false, 0.0, 2),
                    Catch::Contains("Expected total_length to be at least"));
  CHECK_THROWS_AS(R::pad_sequence({randn<float>({3, 2}), randn<float>({1, 3})}), ShapeError);
  CHECK_THROWS_WITH(lstm(packed), Catch::Contains("input.size(-1) must be equal"));

  F::RNNWeights<double> w{randn<double>({8, 3}), randn<double>({8, 3}), {}, {}, {}};
  CHECK_THROWS_WITH(F::rnn_layer(F::RNNMode::lstm, randn<double>({4, 3}), {2, 2},
                                 zeros<double>({2, 2}), zeros<double>({2, 2}), w),
                    Catch::Contains("rnn_layer(LSTM): w_hh [8, 3] does not match [8, 2]"));
  CHECK_THROWS_WITH(
      F::rnn_layer(F::RNNMode::gru, randn<double>({4, 3}), {2, 2}, zeros<double>({2, 2}), D(), w),
      Catch::Contains("must have 3 * hidden_size rows"));
  CHECK_THROWS_WITH(
      F::rnn_layer(F::RNNMode::rnn_tanh, randn<double>({4, 3}), {1, 3}, zeros<double>({1, 2}), D(),
                   F::RNNWeights<double>{randn<double>({2, 3}), randn<double>({2, 2}), {}, {}, {}}),
      Catch::Contains("non-increasing"));
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef CHECK_CLOSE
