// Checkpoint interop with PyTorch, both ways, run live through /usr/bin/python3 + torch
// (scripts/check_safetensors_interop.py, a safetensors reader/writer made of json +
// torch.frombuffer). When Python or torch is missing the test reports "SKIPPED" and
// passes (Catch2 v3: SKIP), so machines without PyTorch still pass the suite - unless the
// environment sets TORCHLET_REQUIRE_TORCH (as .ci/run does), then it fails.
#include <cstdlib>

#include <sys/wait.h>

#include <torchlet/io.hpp>
#include <torchlet/nn.hpp>
#include <torchlet/optim.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {
std::string script() {
  return std::string("'") + TORCHLET_SOURCE_DIR + "/scripts/check_safetensors_interop.py'";
}
nn::Sequential mlp() { return nn::Sequential{nn::Linear{12, 16}, nn::ReLU{}, nn::Linear{16, 5}}; }
}  // namespace

// With TORCHLET_REQUIRE_TORCH set (CI sets it), a missing torch fails the test instead.
#ifdef TORCHLET_CATCH2_V3
#define TORCHLET_SKIP(msg)                                \
  do {                                                    \
    if (std::getenv("TORCHLET_REQUIRE_TORCH")) FAIL(msg); \
    SKIP(msg);                                            \
  } while (0)
#else
#define TORCHLET_SKIP(msg)                                \
  do {                                                    \
    if (std::getenv("TORCHLET_REQUIRE_TORCH")) FAIL(msg); \
    WARN("SKIPPED: " << msg);                             \
    return;                                               \
  } while (0)
#endif

TEST_CASE("a model trained in C++ and saved gives the same logits in PyTorch") {
  if (!test::have_torch()) TORCHLET_SKIP(test::python() << " cannot import torch");
  test::TempDir dir;
  manual_seed(5);
  auto model = mlp();
  optim::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});
  Generator gen(17);
  for (int step = 0; step < 20; ++step) {
    auto x = randn({16, 12}, gen);
    auto y = randint(0, 5, {16}, gen);
    opt.zero_grad();
    nn::functional::cross_entropy(model(x), y).backward();
    opt.step();
  }
  torchlet::save(model, dir / "model.safetensors");
  const auto x = randn({9, 12}, gen);
  io::save_file(std::map<std::string, Tensor>{{"x", x}}, dir / "x.safetensors");
  const std::string cmd = std::string(test::python()) + " " + script() + " logits '" +
                          (dir / "model.safetensors") + "' '" + (dir / "x.safetensors") + "' '" +
                          (dir / "logits.safetensors") + "'";
  REQUIRE(test::run(cmd) == 0);
  NoGradGuard no_grad;
  const auto ours = model(x);
  const auto theirs = io::load_file(dir / "logits.safetensors").get("logits");
  CHECK(test::max_abs_diff(ours, theirs) < 1e-5);
}

TEST_CASE("weights made in PyTorch now load in C++ and give PyTorch's logits") {
  if (!test::have_torch()) TORCHLET_SKIP(test::python() << " cannot import torch");
  test::TempDir dir;
  const std::string path = dir / "pt.safetensors";
  REQUIRE(test::run(std::string(test::python()) + " " + script() + " make '" + path + "'") == 0);
  auto model = mlp();
  torchlet::load(model, path);
  const auto f = io::load_file(path + ".io.safetensors");
  NoGradGuard no_grad;
  CHECK(test::max_abs_diff(model(f.get("x")), f.get("logits")) < 1e-5);
  CHECK(io::load_file(path).metadata.at("format") == "pt");
}

namespace {
/// The C++ twin of scripts/check_safetensors_interop.py's LstmLM (same attribute names, so the
/// same state_dict keys).
struct LstmLM : nn::ModuleFor<std::tuple<Tensor, nn::LSTMState>(const LongTensor&)> {
  nn::Embedding embed{40, 16};
  nn::LSTM lstm{16, 24, {.num_layers = 2, .batch_first = true, .dropout = 0.2}};
  nn::Linear head{24, 40};
  LstmLM() {
    register_module("embed", embed);
    register_module("lstm", lstm);
    register_module("head", head);
  }
  std::tuple<Tensor, nn::LSTMState> forward(const LongTensor& x) override {
    auto [out, state] = lstm(embed(x));
    return {head(out), state};
  }
};
}  // namespace

TEST_CASE("a PyTorch-trained LSTM language model loads and gives PyTorch's logits and states") {
  if (!test::have_torch()) TORCHLET_SKIP(test::python() << " cannot import torch");
  test::TempDir dir;
  const std::string path = dir / "lm.safetensors";
  REQUIRE(test::run(std::string(test::python()) + " " + script() + " lstm_lm '" + path + "'") == 0);
  LstmLM model;
  torchlet::load(model, path);  // strict: every key of PyTorch's state_dict, and only those
  model.eval();
  const auto f = io::load_file(path + ".io.safetensors");
  NoGradGuard no_grad;
  auto [logits, state] = model(f.get<std::int64_t>("x"));
  auto [h, c] = state;
  CHECK(logits.shape() == Shape{3, 11, 40});
  CHECK(test::max_abs_diff(logits, f.get("logits")) < 1e-5);
  CHECK(test::max_abs_diff(h, f.get("h_n")) < 1e-5);
  CHECK(test::max_abs_diff(c, f.get("c_n")) < 1e-5);
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef TORCHLET_SKIP
