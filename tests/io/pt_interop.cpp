// .pt interop with PyTorch, both ways, run live through /usr/bin/python3 + torch
// (scripts/check_pt_interop.py): PyTorch's torch.save files load here and give PyTorch's
// logits; what torchlet writes back loads in PyTorch with weights_only=True and equals the
// original (torch.equal), shared weights still shared; a training run moves from PyTorch
// to torchlet and back mid-way. Skipped without torch unless TORCHLET_REQUIRE_TORCH is
// set (as .ci/run does), as in tests/io/interop.cpp.
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
std::string script(const std::string& cmd, const std::string& dir) {
  return std::string(test::python()) + " '" + TORCHLET_SOURCE_DIR +
         "/scripts/check_pt_interop.py' " + cmd + " '" + dir + "'";
}
/// Max |model(x) - logits| with x and logits from <dir>/<name>_io.pt.
double logits_diff(nn::Module& model, const test::TempDir& dir, const std::string& name) {
  const auto io_file = io::load_pt(dir / (name + "_io.pt"));
  NoGradGuard no_grad;
  return test::max_abs_diff(model.forward(io_file.get("x")), io_file.get("logits"));
}
}  // namespace

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

TEST_CASE("torch.save files load with PyTorch's logits and go back for weights_only loads") {
  if (!test::have_torch()) TORCHLET_SKIP(test::python() << " cannot import torch");
  test::TempDir dir;
  REQUIRE(test::run(script("make", dir.path().string())) == 0);

  nn::Linear linear(6, 3);
  linear.load_state_dict(io::load_pt(dir / "linear.pt"));
  CHECK(logits_diff(linear, dir, "linear") < 1e-5);

  nn::Sequential cnn{nn::Conv2d{1, 4, 3}, nn::BatchNorm2d{4}, nn::ReLU{}, nn::Flatten{},
                     nn::Linear{144, 5}};
  torchlet::load(cnn, dir / "cnn.pt");  // by extension
  cnn.eval();
  CHECK(logits_diff(cnn, dir, "cnn") < 1e-5);

  const auto shared = io::load_pt(dir / "shared.pt");
  CHECK(test::max_abs_diff(shared.get("wt"), shared.get("0.weight").t()) == 0);
  nn::StateDict sd = shared;
  sd.erase("wt");
  nn::Sequential mlp{nn::Linear{4, 4}, nn::ReLU{}, nn::Linear{4, 4}};
  mlp.load_state_dict(sd);
  CHECK(logits_diff(mlp, dir, "shared") < 1e-5);

  const auto dtypes = io::load_pt(dir / "dtypes.pt");
  CHECK(dtypes.at("int64").index() == 2);
  CHECK(dtypes.at("bool").index() == 5);
  CHECK(dtypes.get("bfloat16").data()[4] == 100.0f);

  for (const char* name : {"linear", "cnn", "shared", "dtypes"})
    io::save_pt(io::load_pt(dir / (std::string(name) + ".pt")),
                dir / (std::string(name) + ".back.pt"));

  // Mid-way through a PyTorch training run: one step here, then back to PyTorch.
  nn::Linear model(4, 2);
  torchlet::load(model, dir / "train_model.pt");
  optim::SGD sgd(model.parameters(), {.lr = 0.5});
  torchlet::load(sgd, dir / "train_opt.pt");
  const auto data = io::load_pt(dir / "train_data.pt");
  sgd.zero_grad();
  nn::functional::mse_loss(model(data.get("x")), data.get("y")).backward();
  sgd.step();
  torchlet::save(model, dir / "train_model.back.pt");
  torchlet::save(sgd, dir / "train_opt.back.pt");

  CHECK(test::run(script("check", dir.path().string())) == 0);
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef TORCHLET_SKIP
