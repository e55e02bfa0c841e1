// SGD, Adam, AdamW and RMSprop against PyTorch, one test case per fixture case ("<case>
// matches PyTorch"): 20 steps on tests/optim/tiny.hpp's problem give the same losses and
// parameters to 1e-5 (tests/fixtures/nn/optim.safetensors). Then parameter groups,
// zero_grad, options by name, state_dict round trips and errors.
#include "optim/tiny.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using tiny::Tiny;

namespace {
template <class Opt, class Options>
void check_opt(const std::string& name, Options options) {
  Tiny m;
  Opt opt(m.parameters(), options);
  tiny::check(name, m, tiny::run(m, opt));
}
}  // namespace

/// OPTIMIZER("case", Opt, options): the test case "case matches PyTorch" (check_opt).
#define OPTIMIZER(name, Opt, ...)                                                       \
  TEST_CASE(name " matches PyTorch", "[parity]") { check_opt<Opt>(name, __VA_ARGS__); } \
  static_assert(true)

// SGD with momentum, nesterov, dampening, weight decay and maximize
OPTIMIZER("sgd", optim::SGD, optim::SGDOptions{.lr = 0.1});
OPTIMIZER("sgd_momentum", optim::SGD,
          optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-2});
OPTIMIZER("sgd_nesterov", optim::SGD,
          optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
OPTIMIZER(
    "sgd_dampening", optim::SGD,
    optim::SGDOptions{
        .lr = 0.01, .momentum = 0.5, .dampening = 0.3, .weight_decay = 0.1, .maximize = true});

TEST_CASE("sgd_groups matches PyTorch: parameter groups keep their own options", "[parity]") {
  Tiny m;
  const optim::SGDOptions defaults{.lr = 0.01, .momentum = 0.9};
  auto first = defaults;
  first.lr = 0.1;
  optim::SGD opt({{m.fc1.parameters(), first}, {m.fc2.parameters()}}, defaults);
  CHECK(opt.num_param_groups() == 2);
  CHECK(opt.param_groups[1].options.lr == 0.01);
  CHECK(opt.get_lr(0) == 0.1);
  tiny::check("sgd_groups", m, tiny::run(m, opt));
}

// Adam and AdamW, with amsgrad, weight decay and maximize
OPTIMIZER("adam", optim::Adam, optim::AdamOptions{.lr = 1e-2});
OPTIMIZER("adam_all", optim::Adam,
          optim::AdamOptions{
              .lr = 1e-2, .betas = {0.8, 0.99}, .eps = 1e-6, .weight_decay = 0.1, .amsgrad = true});
OPTIMIZER("adam_maximize", optim::Adam, optim::AdamOptions{.lr = 1e-3, .maximize = true});
OPTIMIZER("adamw", optim::AdamW, optim::AdamWOptions{.lr = 1e-2});
OPTIMIZER("adamw_amsgrad", optim::AdamW,
          optim::AdamWOptions{.lr = 5e-3, .weight_decay = 0.5, .amsgrad = true});

TEST_CASE("AdamW's default weight decay is PyTorch's") {
  CHECK(optim::AdamWOptions{}.weight_decay == 1e-2);
}

// RMSprop, centered and with momentum
OPTIMIZER("rmsprop", optim::RMSprop, optim::RMSpropOptions{.lr = 1e-2});
OPTIMIZER("rmsprop_all", optim::RMSprop,
          optim::RMSpropOptions{.lr = 1e-3,
                                .alpha = 0.9,
                                .eps = 1e-6,
                                .weight_decay = 0.01,
                                .momentum = 0.9,
                                .centered = true});
OPTIMIZER("rmsprop_centered", optim::RMSprop,
          optim::RMSpropOptions{.lr = 1e-3, .centered = true, .maximize = true});

/// CLIPPING("case", clip): SGD with gradient clipping, the test case "case matches PyTorch".
#define CLIPPING(name, clip)                           \
  TEST_CASE(name " matches PyTorch", "[parity]") {     \
    Tiny m;                                            \
    optim::SGD opt(m.parameters(), {.lr = 0.1});       \
    tiny::check(name, m, tiny::run(m, opt, {}, clip)); \
  }                                                    \
  static_assert(true)

CLIPPING("clip_norm", tiny::Clip::norm);
CLIPPING("clip_norm_inf", tiny::Clip::norm_inf);
CLIPPING("clip_value", tiny::Clip::value);

TEST_CASE("clip_grad_norm_ scales the gradients and can refuse non-finite norms") {
  auto p = torchlet::tensor<float>({3.f, 4.f});
  p.requires_grad_();
  p.set_grad(torchlet::tensor<float>({3.f, 4.f}));
  CHECK(nn::utils::clip_grad_norm_(p, 1.0).item() == Approx(5.0));
  CHECK(p.grad().data()[0] == Approx(0.6).epsilon(1e-5));
  p.set_grad(torchlet::tensor<float>({INFINITY, 0.f}));
  CHECK_THROWS_WITH(nn::utils::clip_grad_norm_(p, 1.0, 2.0, true), Catch::Contains("non-finite"));
}

TEST_CASE("state_dict resumes an optimizer exactly") {
  auto train = [](optim::Optimizer& opt, Tiny& m, int steps) {
    tiny::run(m, opt, {}, tiny::Clip::none, steps);
  };
  // Uninterrupted: 20 steps. Interrupted: 10 steps, save model + optimizer, load into fresh ones,
  // 10 more.
  Tiny a;
  optim::Adam opt_a(a.parameters(), {.lr = 1e-2, .amsgrad = true});
  train(opt_a, a, 20);
  Tiny b;
  optim::Adam opt_b(b.parameters(), {.lr = 1e-2, .amsgrad = true});
  train(opt_b, b, 10);
  const auto model_state = b.state_dict();
  const auto opt_state = opt_b.state_dict();
  CHECK(opt_state.state.size() == 4);
  CHECK(opt_state.state.at(0).at("step").item() == 10.0f);
  CHECK(opt_state.state.at(0).count("max_exp_avg_sq") == 1);
  CHECK(opt_state.param_groups[0].options.at("betas.1") == 0.999);
  CHECK(opt_state.param_groups[0].params == std::vector<std::int64_t>{0, 1, 2, 3});
  Tiny c;
  c.load_state_dict(model_state);
  optim::Adam opt_c(c.parameters(), {.lr = 0.5});  // options come back from the state
  opt_c.load_state_dict(opt_state);
  CHECK(opt_c.get_lr() == 1e-2);
  train(opt_c, c, 10);
  for (auto& [k, v] : a.state_dict()) CHECK(fixture::mismatch(c.state_dict().at(k), v, 0) == "");
  // The state is a copy: training on does not change a saved state.
  CHECK(opt_state.state.at(0).at("step").item() == 10.0f);

  Tiny d;
  optim::SGD sgd(d.parameters(), {.lr = 0.1, .momentum = 0.9});
  train(sgd, d, 2);
  auto s = sgd.state_dict();
  CHECK(s.state.at(3).count("momentum_buffer") == 1);
  s.state.at(3)["momentum_buffer"] = zeros({7});
  CHECK_THROWS_AS(sgd.load_state_dict(s), ShapeError);
  optim::SGD other(d.fc1.parameters(), {.lr = 0.1});
  CHECK_THROWS_WITH(other.load_state_dict(sgd.state_dict()),
                    Catch::Contains("group 0 has 4 parameters in the state, 2"));
}

TEST_CASE("zero_grad, options by name and bad arguments") {
  Tiny m;
  optim::RMSprop opt(m.parameters(), {.lr = 0.01, .momentum = 0.5});
  tiny::run(m, opt, {}, tiny::Clip::none, 1);
  opt.zero_grad(false);
  CHECK(m.fc1.weight.grad().defined());
  CHECK(sum(m.fc1.weight.grad().abs()).item() == 0.0f);
  opt.zero_grad();
  CHECK(!m.fc1.weight.grad().defined());
  CHECK(opt.parameters().size() == 4);
  CHECK(opt.name() == "RMSprop");
  CHECK(opt.has_option("alpha"));
  CHECK(!opt.has_option("betas.0"));
  opt.set_option(0, "centered", 1.0);
  CHECK(opt.param_groups[0].options.centered);
  CHECK_THROWS_WITH(opt.get_option(0, "beta"), Catch::Contains("RMSprop has no option 'beta'"));
  CHECK_THROWS_AS(opt.get_lr(3), std::out_of_range);
  CHECK_THROWS_WITH(optim::SGD(m.parameters(), {.lr = -1}),
                    Catch::Contains("SGD: invalid learning rate"));
  CHECK_THROWS_WITH(optim::Adam(m.parameters(), {.betas = {1.0, 0.9}}),
                    Catch::Contains("invalid beta parameter at index 0"));
  CHECK_THROWS_WITH(optim::SGD(m.parameters(), {.lr = 0.1, .nesterov = true}),
                    Catch::Contains("nesterov"));
  CHECK_THROWS_WITH(optim::SGD({{m.fc1.parameters()}, {m.fc1.parameters()}}),
                    Catch::Contains("more than one parameter group"));
  CHECK_THROWS_WITH(optim::SGD({m.fc1(ones({1, 3}))}), Catch::Contains("non-leaf"));
  opt.add_param_group({{torchlet::zeros({2})}});
  CHECK(opt.num_param_groups() == 2);
  CHECK(opt.param_groups[1].options.momentum == 0.5);  // the defaults
  // An optimizer is used through its interface by code that does not know the algorithm.
  std::unique_ptr<optim::Optimizer> any = std::make_unique<optim::AdamW>(m.parameters());
  CHECK(any->get_option(0, "weight_decay") == 1e-2);
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef OPTIMIZER
#undef CLIPPING
