// Every scheduler against PyTorch, one test case per fixture case ("<case> matches
// PyTorch"): the learning rate (and OneCycleLR's momentum) after each of 20 steps equal
// PyTorch's to 1e-12, and the trained parameters match to 1e-5
// (tests/fixtures/nn/optim.safetensors). Then state_dict and bad arguments.
#include "optim/tiny.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using tiny::Tiny;

namespace {
template <class MakeSched>
void check_sched(const std::string& name, MakeSched make,
                 optim::SGDOptions o = {.lr = 0.1, .momentum = 0.9}) {
  Tiny m;
  optim::SGD opt(m.parameters(), o);
  auto sched = make(opt);
  tiny::check(name, m, tiny::run(m, opt, [&](int, optim::Optimizer&) { sched->step(); }));
}
}  // namespace

/// SCHEDULER("case", make): SGD (lr 0.1, momentum 0.9) with the scheduler make(opt)
/// returns, the test case "case matches PyTorch" (check_sched).
#define SCHEDULER(name, ...)                                                         \
  TEST_CASE(name " matches PyTorch", "[parity]") { check_sched(name, __VA_ARGS__); } \
  static_assert(true)

SCHEDULER("steplr", [](auto& o) { return std::make_unique<optim::StepLR>(o, 5, 0.5); });
SCHEDULER("multisteplr", [](auto& o) {
  return std::make_unique<optim::MultiStepLR>(o, std::vector<std::int64_t>{3, 7, 7, 12}, 0.5);
});
SCHEDULER("exponentiallr", [](auto& o) { return std::make_unique<optim::ExponentialLR>(o, 0.9); });
SCHEDULER("cosine", [](auto& o) { return std::make_unique<optim::CosineAnnealingLR>(o, 8, 0.01); });
SCHEDULER("onecycle", [](auto& o) {
  return std::make_unique<optim::OneCycleLR>(o, 0.5, optim::OneCycleLROptions{.total_steps = 20});
});

TEST_CASE("onecycle_adam matches PyTorch: OneCycleLR cycles Adam's beta1", "[parity]") {
  Tiny m;
  optim::Adam opt(m.parameters(), {.lr = 1e-3});
  optim::OneCycleLR sched(opt, 0.05,
                          {.total_steps = 25, .anneal_strategy = "linear", .three_phase = true});
  CHECK(sched.get_last_lr()[0] == Approx(0.05 / 25));
  tiny::check("onecycle_adam", m, tiny::run(m, opt, [&](int, optim::Optimizer&) { sched.step(); }));
  for (int i = 20; i < 25; ++i) sched.step();
  CHECK_THROWS_WITH(
      sched.step(),
      Catch::Contains("tried to step 27 times; the specified number of total steps is 25"));
  CHECK_THROWS_WITH(optim::OneCycleLR(opt, 0.1), Catch::Contains("total_steps"));
  optim::RMSprop rms(m.parameters());
  optim::OneCycleLR on_rms(rms, 0.1, {.epochs = 2, .steps_per_epoch = 5});
  CHECK(on_rms.total_steps == 10);
  CHECK(rms.param_groups[0].options.momentum == 0.95);
}

TEST_CASE("plateau matches PyTorch", "[parity]") {
  const auto metrics = tiny::file().doubles("plateau/metrics");
  Tiny m;
  optim::SGD opt(m.parameters(), {.lr = 0.1, .momentum = 0.9});
  optim::ReduceLROnPlateau plateau(opt, {.factor = 0.5, .patience = 2, .cooldown = 1});
  tiny::check("plateau", m, tiny::run(m, opt, [&](int i, optim::Optimizer&) {
                plateau.step(metrics[static_cast<std::size_t>(i)]);
              }));
}

TEST_CASE("plateau_max matches PyTorch", "[parity]") {
  const auto metrics = tiny::file().doubles("plateau/metrics");
  Tiny m2;
  optim::SGD opt2(m2.parameters(), {.lr = 0.1, .momentum = 0.9});
  optim::ReduceLROnPlateau up(opt2, {.mode = "max",
                                     .factor = 0.3,
                                     .patience = 1,
                                     .threshold = 0.05,
                                     .threshold_mode = "abs",
                                     .min_lr = 0.02});
  tiny::check("plateau_max", m2, tiny::run(m2, opt2, [&](int i, optim::Optimizer&) {
                up.step(metrics[static_cast<std::size_t>(i)]);
              }));
}

TEST_CASE("ReduceLROnPlateau rejects bad options") {
  Tiny m;
  optim::SGD opt(m.parameters(), {.lr = 0.1, .momentum = 0.9});
  CHECK_THROWS_AS(optim::ReduceLROnPlateau(opt, {.factor = 1.5}), std::invalid_argument);
  CHECK_THROWS_AS(optim::ReduceLROnPlateau(opt, {.mode = "lowest"}), std::invalid_argument);
}

TEST_CASE("a scheduler's state_dict resumes its schedule") {
  Tiny m;
  optim::SGD opt(m.parameters(), {.lr = 0.1});
  optim::CosineAnnealingLR a(opt, 10);
  for (int i = 0; i < 4; ++i) a.step();
  const auto saved = a.state_dict();
  CHECK(saved.at("last_epoch") == 4);
  std::vector<double> expected;
  for (int i = 0; i < 4; ++i) {
    a.step();
    expected.push_back(a.get_last_lr()[0]);
  }
  Tiny m2;
  optim::SGD opt2(m2.parameters(), {.lr = 0.1});
  optim::CosineAnnealingLR b(opt2, 10);
  b.load_state_dict(saved);
  opt2.set_lr(0, saved.at("_last_lr.0"));
  for (int i = 0; i < 4; ++i) {
    b.step();
    CHECK(b.get_last_lr()[0] == Approx(expected[static_cast<std::size_t>(i)]).epsilon(1e-12));
  }
  CHECK_THROWS_AS(optim::StepLR(opt, 0), std::invalid_argument);
  CHECK_THROWS_AS(b.load_state_dict({}), std::invalid_argument);
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef SCHEDULER
