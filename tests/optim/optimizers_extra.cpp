// Param-group option merging, step(closure), the optimizers of issue 15 (Adadelta, Adagrad,
// Adamax, NAdam, RAdam, ASGD, Rprop, LBFGS), its schedulers and the clip_grad fixes, each
// against PyTorch 1.13 (tests/fixtures/optim/optim_extra.safetensors, written by
// scripts/make_optim_fixtures.py): "<case> matches PyTorch" runs 20 steps from PyTorch's
// weights and compares every loss and the final parameters (1e-5), a scheduler's 50 learning
// rates per group (1e-12).
#include <sstream>
#include <type_traits>

#include "optim/tiny.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {

const fixture::File& extra() {
  static const fixture::File f("../optim/optim_extra.safetensors");
  return f;
}

/// tiny::Tiny with this file's initial weights.
struct Net : tiny::Tiny {
  Net() {
    nn::StateDict sd;
    for (auto& [k, v] : state_dict()) sd.insert(k, extra().tensor("init/" + k));
    load_state_dict(sd);
  }
};

/// nn::Linear(3, 2) with this file's linear_init weights: the least-squares problem of LBFGS.
struct LinearNet : nn::Linear {
  LinearNet() : nn::Linear(3, 2) {
    nn::StateDict sd;
    for (auto& [k, v] : state_dict()) sd.insert(k, extra().tensor("linear_init/" + k));
    load_state_dict(sd);
  }
};

/// 20 steps (through step(closure) if `closure`); the losses.
std::vector<double> train(nn::Module& m, optim::Optimizer& opt, bool closure = false,
                          int steps = 20) {
  const Tensor x = extra().tensor("data/x"), y = extra().tensor("data/y");
  std::vector<double> losses;
  for (int i = 0; i < steps; ++i) {
    if (closure) {
      losses.push_back(opt.step([&] {
                            opt.zero_grad();
                            auto l = nn::functional::mse_loss(m(x), y);
                            l.backward();
                            return l;
                          })
                           .item());
    } else {
      opt.zero_grad();
      auto l = nn::functional::mse_loss(m(x), y);
      l.backward();
      opt.step();
      losses.push_back(l.item());
    }
  }
  return losses;
}

void check(const std::string& name, const nn::Module& m, const std::vector<double>& losses,
           double rtol = 1e-5) {
  INFO("case " << name);
  const auto expected = extra().doubles(name + "/losses");
  std::ostringstream both;
  both.precision(10);
  for (std::size_t i = 0; i < losses.size() && i < expected.size(); ++i)
    both << losses[i] << " vs " << expected[i] << "\n";
  INFO("losses:\n" << both.str());
  CHECK(tiny::series_error(losses, expected) < rtol);
  for (auto& [k, v] : m.state_dict()) {
    INFO("parameter " << k);
    CHECK(fixture::mismatch(v, extra().tensor(name + "/final/" + k), rtol) == "");
  }
}

/// `steps` steps of Opt from PyTorch's weights; then a state_dict round trip: half the steps,
/// save, load into a fresh optimizer made with default options, the other half.
template <class Opt, class Model = Net, class Options>
void check_opt(const std::string& name, Options options, bool closure = false, int steps = 20) {
  Model m;
  Opt opt(m.parameters(), options);
  check(name, m, train(m, opt, closure, steps));
  Model a;
  Opt first(a.parameters(), options);
  train(a, first, closure, steps / 2);
  const auto saved = first.state_dict();
  Model b;
  b.load_state_dict(a.state_dict());
  Options fresh{};
  // A string option is not in the state_dict's numeric groups.
  if constexpr (std::is_same_v<Opt, optim::LBFGS>) fresh.line_search_fn = options.line_search_fn;
  Opt second(b.parameters(), fresh);
  second.load_state_dict(saved);
  train(b, second, closure, steps - steps / 2);
  for (auto& [k, v] : b.state_dict()) {
    INFO("resumed " << name << ", parameter " << k);
    CHECK(fixture::mismatch(v, extra().tensor(name + "/final/" + k), 1e-5) == "");
  }
}

}  // namespace

/// OPTIMIZER("case", Opt, options): the test case "case matches PyTorch" (check_opt).
#define OPTIMIZER(name, Opt, ...)                                                       \
  TEST_CASE(name " matches PyTorch", "[parity]") { check_opt<Opt>(name, __VA_ARGS__); } \
  static_assert(true)

TEST_CASE("a group's options fill what they were not given from the defaults") {
  Net m;
  // The regression: weight_decay given, lr from the optimizer.
  optim::Adam adam({{m.fc1.parameters(), optim::AdamOptions{.weight_decay = 0.11}},
                    {m.fc2.parameters(), optim::AdamOptions{.betas = {0.8, 0.9}}}},
                   {.lr = 0.05});
  CHECK(adam.get_lr(0) == 0.05);
  CHECK(adam.get_option(0, "weight_decay") == 0.11);
  CHECK(adam.get_option(0, "betas.0") == 0.9);
  CHECK(adam.get_lr(1) == 0.05);
  CHECK(adam.get_option(1, "betas.1") == 0.9);
  CHECK(adam.get_option(1, "weight_decay") == 0.0);
  check("adam_groups", m, train(m, adam));

  optim::SGD sgd({{m.fc1.parameters()}, {m.fc2.parameters(), optim::SGDOptions{.momentum = 0.5}}},
                 {.lr = 0.1});
  CHECK(sgd.param_groups[1].options.lr == 0.1);
  CHECK(sgd.param_groups[1].options.momentum == 0.5);
  CHECK(sgd.param_groups[0].options.momentum == 0.0);
  // A value given explicitly counts, even when it equals the struct's default.
  optim::SGD explicit_default({{m.fc1.parameters(), optim::SGDOptions{.lr = 1e-3}}}, {.lr = 0.1});
  CHECK(explicit_default.get_lr(0) == 1e-3);
  // add_param_group fills missing keys likewise.
  optim::RMSprop rms(m.fc1.parameters(), {.lr = 0.02, .momentum = 0.3});
  rms.add_param_group({m.fc2.parameters(), optim::RMSpropOptions{.centered = true}});
  CHECK(rms.get_lr(1) == 0.02);
  CHECK(rms.get_option(1, "momentum") == 0.3);
  CHECK(rms.param_groups[1].options.centered);
  // A bad merged value is refused, naming the optimizer.
  CHECK_THROWS_WITH(
      optim::SGD({{m.fc1.parameters(), optim::SGDOptions{.nesterov = true}}}, {.lr = 0.1}),
      Catch::Contains("SGD: nesterov"));
  // Options read as their values and remember whether they were given.
  const optim::AdamOptions o{.lr = 0.5};
  CHECK(o.lr.given());
  CHECK(!o.eps.given());
  CHECK(o.lr * 2 == 1.0);
  CHECK(o.betas->second == 0.999);
}

TEST_CASE("sgd_closure matches PyTorch: step(closure) returns the closure's loss", "[parity]") {
  Net m;
  optim::SGD sgd(m.parameters(), {.lr = 0.1, .momentum = 0.9});
  check("sgd_closure", m, train(m, sgd, true));
  // Through the base class, with grad mode off around the call (PyTorch enables grad).
  Net n;
  std::unique_ptr<optim::Optimizer> any = std::make_unique<optim::Adam>(n.parameters());
  int calls = 0;
  Tensor loss;
  {
    NoGradGuard no_grad;
    loss = any->step([&] {
      ++calls;
      any->zero_grad();
      auto l = nn::functional::mse_loss(n(extra().tensor("data/x")), extra().tensor("data/y"));
      l.backward();
      return l;
    });
    CHECK(!is_grad_enabled());
  }
  CHECK(calls == 1);
  CHECK(loss.item() == Approx(extra().doubles("sgd_closure/losses")[0]).epsilon(1e-6));
  CHECK(is_grad_enabled());
}

// Adadelta, Adagrad, Adamax, NAdam, RAdam, ASGD, Rprop: defaults and every option.
OPTIMIZER("adadelta", optim::Adadelta, optim::AdadeltaOptions{});
OPTIMIZER("adadelta_all", optim::Adadelta,
          optim::AdadeltaOptions{
              .lr = 0.5, .rho = 0.8, .eps = 1e-5, .weight_decay = 0.1, .maximize = true});
OPTIMIZER("adagrad", optim::Adagrad, optim::AdagradOptions{.lr = 0.1});
OPTIMIZER("adagrad_all", optim::Adagrad,
          optim::AdagradOptions{.lr = 0.1,
                                .lr_decay = 0.01,
                                .weight_decay = 0.05,
                                .initial_accumulator_value = 0.1,
                                .eps = 1e-8,
                                .maximize = true});
OPTIMIZER("adamax", optim::Adamax, optim::AdamaxOptions{.lr = 0.01});
OPTIMIZER(
    "adamax_all", optim::Adamax,
    optim::AdamaxOptions{
        .lr = 0.01, .betas = {0.8, 0.99}, .eps = 1e-6, .weight_decay = 0.1, .maximize = true});
OPTIMIZER("nadam", optim::NAdam, optim::NAdamOptions{.lr = 0.01});
OPTIMIZER("nadam_all", optim::NAdam,
          optim::NAdamOptions{.lr = 0.01,
                              .betas = {0.8, 0.99},
                              .eps = 1e-6,
                              .weight_decay = 0.1,
                              .momentum_decay = 0.01});
OPTIMIZER("radam", optim::RAdam, optim::RAdamOptions{.lr = 0.01});
OPTIMIZER("radam_all", optim::RAdam,
          optim::RAdamOptions{.lr = 0.01, .betas = {0.8, 0.9}, .eps = 1e-6, .weight_decay = 0.1});
OPTIMIZER("asgd", optim::ASGD, optim::ASGDOptions{.lr = 0.05});
OPTIMIZER(
    "asgd_all", optim::ASGD,
    optim::ASGDOptions{
        .lr = 0.05, .lambd = 1e-2, .alpha = 0.5, .t0 = 5, .weight_decay = 0.1, .maximize = true});
OPTIMIZER("rprop", optim::Rprop, optim::RpropOptions{.lr = 0.01});
OPTIMIZER("rprop_all", optim::Rprop,
          optim::RpropOptions{
              .lr = 0.02, .etas = {0.3, 1.5}, .step_sizes = {1e-3, 0.05}, .maximize = true});

TEST_CASE("the new optimizers' defaults, state names and argument checks are PyTorch's") {
  CHECK(optim::AdadeltaOptions{}.lr == 1.0);
  CHECK(optim::AdagradOptions{}.eps == 1e-10);
  CHECK(optim::AdamaxOptions{}.lr == 2e-3);
  CHECK(optim::NAdamOptions{}.momentum_decay == 4e-3);
  CHECK(optim::ASGDOptions{}.t0 == 1e6);
  CHECK(optim::RpropOptions{}.step_sizes->second == 50.0);
  Net m;
  optim::NAdam nadam(m.parameters());
  train(m, nadam, false, 2);
  const auto s = nadam.state_dict();
  CHECK(s.state.at(0).at("mu_product").dim() == 0);
  CHECK(s.state.at(0).count("exp_avg_sq") == 1);
  optim::ASGD asgd(m.parameters());
  train(m, asgd, false, 1);
  CHECK(asgd.state_dict().state.at(1).count("ax") == 1);
  CHECK(asgd.state_dict().state.at(1).at("eta").item() == Approx(0.01).epsilon(1e-3));
  CHECK_THROWS_WITH(optim::Rprop(m.parameters(), {.etas = {1.5, 1.2}}),
                    Catch::Contains("Rprop: invalid eta values"));
  CHECK_THROWS_WITH(optim::Adadelta(m.parameters(), {.rho = 1.5}),
                    Catch::Contains("Adadelta: invalid rho value"));
  CHECK_THROWS_WITH(optim::Adagrad(m.parameters(), {.lr_decay = -1}),
                    Catch::Contains("Adagrad: invalid lr_decay value"));
  CHECK_THROWS_WITH(optim::Adamax(m.parameters(), {.betas = {0.9, 1.0}}),
                    Catch::Contains("Adamax: invalid beta parameter at index 1"));
}

// LBFGS through step(closure), a fixed step and the strong-Wolfe line search: 20 and 5
// steps of least squares, 4 of the Tiny network. (L-BFGS amplifies rounding once converged
// or on Tiny after a few steps, where PyTorch's own float32 and float64 runs part by 1e-4:
// scripts/make_optim_fixtures.py keeps the cases where they agree to 1e-6.)
TEST_CASE("lbfgs matches PyTorch", "[parity]") {
  check_opt<optim::LBFGS, LinearNet>(
      "lbfgs", optim::LBFGSOptions{.lr = 1, .max_iter = 5, .history_size = 3}, true);
}
TEST_CASE("lbfgs_wolfe matches PyTorch", "[parity]") {
  check_opt<optim::LBFGS, LinearNet>(
      "lbfgs_wolfe",
      optim::LBFGSOptions{
          .lr = 1, .max_iter = 3, .history_size = 2, .line_search_fn = "strong_wolfe"},
      true, 5);
}
OPTIMIZER("lbfgs_tiny", optim::LBFGS,
          optim::LBFGSOptions{.lr = 0.5, .max_iter = 3, .history_size = 2}, true, 4);
OPTIMIZER("lbfgs_tiny_wolfe", optim::LBFGS,
          optim::LBFGSOptions{
              .lr = 1, .max_iter = 2, .history_size = 3, .line_search_fn = "strong_wolfe"},
          true, 4);

TEST_CASE("LBFGS takes a closure, one group, and PyTorch's max_eval default") {
  Net m;
  optim::LBFGS opt(m.parameters(), {.max_iter = 8});
  CHECK(opt.get_option(0, "max_eval") == 10);
  CHECK_THROWS_WITH(opt.step(), Catch::Contains("step(closure)"));
  CHECK_THROWS_WITH(optim::LBFGS(m.parameters(), {.line_search_fn = "armijo"}),
                    Catch::Contains("strong_wolfe"));
  opt.add_param_group({{torchlet::zeros({2})}});
  CHECK_THROWS_WITH(opt.step([] { return torchlet::zeros({}); }),
                    Catch::Contains("doesn't support per-parameter options"));
  optim::LBFGS one(m.parameters());
  train(m, one, true, 1);
  const auto s = one.state_dict();
  CHECK(s.state.at(0).at("old_dirs").dim() == 2);
  CHECK(s.state.at(0).at("d").numel() == 26);
  auto bad = s;
  bad.state.at(0)["d"] = torchlet::zeros({3});
  optim::LBFGS other(m.parameters());
  CHECK_THROWS_AS(other.load_state_dict(bad), ShapeError);
}

// ---------------------------------------------------------------- schedulers
namespace {

/// SGD over two groups (lr 0.1 and 0.05, momentum 0.9) with the scheduler `make` returns
/// (a function stepping it, owning it); each group's lr and momentum after each of 50 steps
/// against PyTorch's to 1e-12.
void check_sched(const std::string& name,
                 const std::function<std::function<void()>(optim::SGD&)>& make) {
  INFO("case " << name);
  const Tensor w0 = torchlet::zeros({2}).requires_grad_(),
               w1 = torchlet::zeros({3}).requires_grad_();
  optim::SGD opt({{{w0}}, {{w1}, optim::SGDOptions{.lr = 0.05}}}, {.lr = 0.1, .momentum = 0.9});
  auto step = make(opt);
  const auto lrs = extra().doubles(name + "/lrs"), moms = extra().doubles(name + "/momentums");
  REQUIRE(lrs.size() == 100);
  for (std::size_t i = 0; i < 50; ++i) {
    opt.step();
    step();
    for (std::size_t g = 0; g < 2; ++g) {
      INFO("step " << i << ", group " << g);
      CHECK(opt.get_lr(g) == Approx(lrs[2 * i + g]).epsilon(1e-12).margin(1e-15));
      CHECK(opt.get_option(g, "momentum") == Approx(moms[2 * i + g]).epsilon(1e-12).margin(1e-15));
    }
  }
}

/// A scheduler held by a shared_ptr, stepped by the returned function.
template <class S, class... A>
std::function<void()> own(A&&... args) {
  auto s = std::make_shared<S>(std::forward<A>(args)...);
  return [s] { s->step(); };
}

}  // namespace

/// SCHEDULER("case", make): the test case "case matches PyTorch" (check_sched).
#define SCHEDULER(name, ...)                                                         \
  TEST_CASE(name " matches PyTorch", "[parity]") { check_sched(name, __VA_ARGS__); } \
  static_assert(true)

SCHEDULER("lambdalr", [](optim::SGD& o) {
  return own<optim::LambdaLR>(
      o, std::vector<optim::LambdaLR::Lambda>{
             [](std::int64_t e) { return std::pow(0.95, static_cast<double>(e)); },
             [](std::int64_t e) { return 1.0 / static_cast<double>(e + 1); }});
});
SCHEDULER("multiplicativelr", [](optim::SGD& o) {
  return own<optim::MultiplicativeLR>(o, [](std::int64_t e) { return e % 3 != 0 ? 0.9 : 1.05; });
});
SCHEDULER("constantlr", [](optim::SGD& o) { return own<optim::ConstantLR>(o, 0.5, 4); });
SCHEDULER("linearlr", [](optim::SGD& o) { return own<optim::LinearLR>(o, 0.25, 0.9, 10); });
SCHEDULER("polynomiallr", [](optim::SGD& o) { return own<optim::PolynomialLR>(o, 20, 2.0); });
SCHEDULER("cyclic_triangular", [](optim::SGD& o) {
  return own<optim::CyclicLR>(o, 0.01, 0.1, optim::CyclicLROptions{.step_size_up = 5});
});
SCHEDULER("cyclic_triangular2", [](optim::SGD& o) {
  return own<optim::CyclicLR>(
      o, std::vector<double>{0.01, 0.02}, std::vector<double>{0.1, 0.05},
      optim::CyclicLROptions{
          .step_size_up = 4, .step_size_down = 6, .mode = "triangular2", .cycle_momentum = false});
});
SCHEDULER("cyclic_exp_range", [](optim::SGD& o) {
  return own<optim::CyclicLR>(o, 0.01, 0.1,
                              optim::CyclicLROptions{.step_size_up = 3,
                                                     .mode = "exp_range",
                                                     .gamma = 0.95,
                                                     .base_momentum = 0.7,
                                                     .max_momentum = 0.95});
});
SCHEDULER("cosine_warm",
          [](optim::SGD& o) { return own<optim::CosineAnnealingWarmRestarts>(o, 7, 2, 0.001); });
SCHEDULER("cosine_warm1",
          [](optim::SGD& o) { return own<optim::CosineAnnealingWarmRestarts>(o, 6); });
SCHEDULER("sequential", [](optim::SGD& o) {
  auto warm = std::make_shared<optim::ConstantLR>(o, 0.1, 3);
  auto decay = std::make_shared<optim::ExponentialLR>(o, 0.9);
  auto seq = std::make_shared<optim::SequentialLR>(
      o, std::vector<std::reference_wrapper<optim::LRScheduler>>{*warm, *decay},
      std::vector<std::int64_t>{5});
  return std::function<void()>([warm, decay, seq] { seq->step(); });
});
SCHEDULER("chained", [](optim::SGD& o) {
  auto warm = std::make_shared<optim::ConstantLR>(o, 0.1, 4);
  auto decay = std::make_shared<optim::ExponentialLR>(o, 0.9);
  auto chain = std::make_shared<optim::ChainedScheduler>(
      std::vector<std::reference_wrapper<optim::LRScheduler>>{*warm, *decay});
  return std::function<void()>([warm, decay, chain] { chain->step(); });
});

TEST_CASE("the new schedulers resume from their state_dict and check their arguments") {
  auto make_opt = [](const Tensor& w) { return optim::SGD({w}, {.lr = 0.1, .momentum = 0.9}); };
  const Tensor w = torchlet::zeros({2}).requires_grad_();
  {
    auto a_opt = make_opt(w);
    optim::CosineAnnealingWarmRestarts a(a_opt, 3, 2);
    for (int i = 0; i < 5; ++i) a.step();
    const auto saved = a.state_dict();
    auto b_opt = make_opt(w);
    optim::CosineAnnealingWarmRestarts b(b_opt, 3, 2);
    b.load_state_dict(saved);
    for (int i = 0; i < 6; ++i) {
      a.step();
      b.step();
      CHECK(b.get_last_lr()[0] == Approx(a.get_last_lr()[0]).epsilon(1e-15));
    }
    // A fractional epoch as PyTorch's step(epoch + i / iters): T_0 = 3, T_mult = 2 puts
    // epoch 4.5 at T_cur 1.5 of a period of 6.
    a.step(4.5);
    CHECK(a.T_cur == Approx(1.5));
    CHECK(a.T_i == 6);
    CHECK(a.get_last_lr()[0] == Approx(0.05 * (1 + std::cos(3.14159265358979323846 / 4))));
  }
  {
    auto a_opt = make_opt(w);
    optim::LinearLR warm(a_opt, 0.5, 1.0, 4);
    optim::ExponentialLR decay(a_opt, 0.9);
    optim::SequentialLR seq(a_opt, {warm, decay}, {4});
    for (int i = 0; i < 6; ++i) seq.step();
    const auto saved = seq.state_dict();
    CHECK(saved.at("last_epoch") == 6);
    CHECK(saved.count("_schedulers.1.last_epoch") == 1);
    std::vector<double> expected;
    for (int i = 0; i < 3; ++i) {
      seq.step();
      expected.push_back(seq.get_last_lr()[0]);
    }
    auto b_opt = make_opt(w);
    optim::LinearLR warm_b(b_opt, 0.5, 1.0, 4);
    optim::ExponentialLR decay_b(b_opt, 0.9);
    optim::SequentialLR seq_b(b_opt, {warm_b, decay_b}, {4});
    seq_b.load_state_dict(saved);
    b_opt.set_lr(0, saved.at("_schedulers.1._last_lr.0"));
    for (double e : expected) {
      seq_b.step();
      CHECK(seq_b.get_last_lr()[0] == Approx(e).epsilon(1e-15));
    }
    CHECK_THROWS_WITH(optim::SequentialLR(a_opt, {warm, decay}, {2, 4}),
                      Catch::Contains("one more than the number of milestone points"));
    auto other = make_opt(w);
    CHECK_THROWS_WITH(optim::SequentialLR(other, {warm, decay}, {4}),
                      Catch::Contains("same optimizer"));
  }
  auto o = make_opt(w);
  CHECK_THROWS_WITH(optim::ConstantLR(o, 1.5), Catch::Contains("ConstantLR"));
  CHECK_THROWS_WITH(optim::LinearLR(o, 0.0), Catch::Contains("LinearLR"));
  CHECK_THROWS_WITH(optim::CyclicLR(o, 0.1, 1.0, {.mode = "square"}),
                    Catch::Contains("mode square is invalid"));
  optim::Adam adam({w});
  CHECK_THROWS_WITH(optim::CyclicLR(adam, 0.1, 1.0), Catch::Contains("support momentum"));
  CHECK_THROWS_WITH(optim::LambdaLR(o, std::vector<optim::LambdaLR::Lambda>{}),
                    Catch::Contains("expected 1 lr_lambdas"));
  CHECK_THROWS_WITH(optim::CosineAnnealingWarmRestarts(o, 0), Catch::Contains("T_0"));
}

// ---------------------------------------------------------------- clip_grad fixes
TEST_CASE("clip_grad_norm_ matches PyTorch for the norm orders inf, 0, -1, -2, -inf, 3",
          "[parity]") {
  const std::vector<std::pair<std::string, double>> cases = {
      {"inf", INFINITY}, {"zero", 0.0},          {"neg_one", -1.0},
      {"neg_two", -2.0}, {"neg_inf", -INFINITY}, {"three", 3.0}};
  for (const auto& [name, norm_type] : cases) {
    INFO("norm_type " << name);
    const Tensor p0 = torchlet::zeros({3, 4}).requires_grad_(),
                 p1 = torchlet::zeros({5}).requires_grad_();
    p0.set_grad(extra().tensor("clip/g0"));
    p1.set_grad(extra().tensor("clip/g1"));
    const double norm = nn::utils::clip_grad_norm_({p0, p1}, 0.5, norm_type).item();
    CHECK(norm == Approx(extra().scalar("clip/" + name + "/norm")).epsilon(1e-5));
    CHECK(fixture::mismatch(p0.grad(), extra().tensor("clip/" + name + "/g0")) == "");
    CHECK(fixture::mismatch(p1.grad(), extra().tensor("clip/" + name + "/g1")) == "");
  }
}

TEST_CASE("clip_grad_norm_ propagates NaN, refuses it on request, and takes empty lists") {
  for (double norm_type : {double(INFINITY), 2.0}) {
    INFO("norm_type " << norm_type);
    const Tensor p = torchlet::zeros({3, 4}).requires_grad_();
    Tensor g = extra().tensor("clip/g0");
    g.data()[5] = NAN;
    p.set_grad(g.clone());
    // PyTorch: nan (std::max(acc, nan) used to drop it and return the max of the rest).
    CHECK(std::isnan(nn::utils::clip_grad_norm_(p, 0.5, norm_type).item()));
    CHECK(std::isnan(p.grad().data()[0]));
    p.set_grad(g.clone());
    CHECK_THROWS_WITH(nn::utils::clip_grad_norm_(p, 0.5, norm_type, true),
                      Catch::Contains("non-finite"));
  }
  CHECK(nn::utils::clip_grad_norm_(std::vector<Tensor>{}, 1.0).item() == 0.0f);
  CHECK(nn::utils::clip_grad_norm_(std::vector<Tensor>{}, 1.0, 0.0).item() == 0.0f);
  CHECK_NOTHROW(nn::utils::clip_grad_value_(std::vector<Tensor>{}, 1.0));
  const Tensor no_grad = torchlet::zeros({2}).requires_grad_();
  CHECK(nn::utils::clip_grad_norm_(no_grad, 1.0, -1.0).item() == 0.0f);
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef OPTIMIZER
#undef SCHEDULER
