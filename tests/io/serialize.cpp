// torchlet::save / load of models, optimizers and checkpoints: round trips, PyTorch's key
// names, strict loading that changes nothing on error, weights made in PyTorch giving
// PyTorch's logits (fixture from scripts/make_io_checkpoint_fixtures.py).
#include <cmath>

#include <torchlet/io.hpp>
#include <torchlet/nn.hpp>
#include <torchlet/optim.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {
struct Net : nn::Module {
  nn::Linear fc1{12, 16}, fc2{16, 5};
  Net() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override { return fc2(relu(fc1(x))); }
};
struct Wider : nn::Module {
  nn::Linear fc1{12, 17}, fc2{17, 5};
  Wider() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override { return fc2(relu(fc1(x))); }
};

/// The PyTorch twin's layout: nn.Sequential(Linear(12, 16), ReLU(), Linear(16, 5)).
nn::Sequential mlp() { return nn::Sequential{nn::Linear{12, 16}, nn::ReLU{}, nn::Linear{16, 5}}; }

std::vector<float> values(const nn::Module& m) {
  std::vector<float> v;
  for (auto& [k, t] : m.state_dict()) {
    auto x = t.to_vector();
    v.insert(v.end(), x.begin(), x.end());
  }
  return v;
}

void train_steps(nn::Module& model, optim::Optimizer& opt, int steps, std::uint64_t seed) {
  Generator gen(seed);
  for (int s = 0; s < steps; ++s) {
    auto x = randn({8, 12}, gen);
    auto y = randint(0, 5, {8}, gen);
    opt.zero_grad();
    auto loss = nn::functional::cross_entropy(model(x), y);
    loss.backward();
    opt.step();
  }
}
}  // namespace

TEST_CASE("save writes the state dict under PyTorch's keys and load restores it") {
  test::TempDir dir;
  manual_seed(1);
  Net a;
  torchlet::save(a, dir / "net.safetensors", {{"epoch", "3"}});
  const auto f = io::load_file(dir / "net.safetensors");
  CHECK(f.keys() == std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  CHECK(f.metadata.at("format") == "pt");
  CHECK(f.metadata.at("epoch") == "3");
  manual_seed(2);
  Net b;
  REQUIRE(values(a) != values(b));
  const float* before = b.fc1.weight.data();
  const auto keys = torchlet::load(b, dir / "net.safetensors");
  CHECK(keys.missing_keys.empty());
  CHECK(keys.unexpected_keys.empty());
  CHECK(values(a) == values(b));
  CHECK(b.fc1.weight.data() == before);  // copied in place: optimizers keep their handles
  const auto sd = torchlet::load(dir / "net.safetensors");
  CHECK(sd.keys() == f.keys());
  CHECK_THROWS_AS(torchlet::save(a, dir / "x.safetensors", {{"torchlet.kind", "x"}}),
                  std::invalid_argument);
}

TEST_CASE("load is strict and leaves the model untouched on any error") {
  test::TempDir dir;
  manual_seed(3);
  Net a;
  torchlet::save(a, dir / "net.safetensors");
  Wider w;
  const auto wider_before = values(w);
  try {
    torchlet::load(w, dir / "net.safetensors");
    FAIL("wrong architecture accepted");
  } catch (const nn::StateDictError& e) {
    CHECK(test::mentions(e, dir / "net.safetensors"));
    CHECK(test::mentions(e, "size mismatch for fc1.weight"));
    CHECK(e.size_mismatch_keys == std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight"});
  }
  CHECK(values(w) == wider_before);
  // Missing and unexpected keys.
  nn::StateDict partial = a.state_dict();
  partial.erase("fc2.bias");
  partial.insert("extra", ones({1}));
  torchlet::save(partial, dir / "partial.safetensors");
  Net b;
  const auto b_before = values(b);
  try {
    torchlet::load(b, dir / "partial.safetensors");
    FAIL("missing key accepted");
  } catch (const nn::StateDictError& e) {
    CHECK(test::mentions(e, "Missing key(s) in state_dict: \"fc2.bias\""));
    CHECK(test::mentions(e, "Unexpected key(s) in state_dict: \"extra\""));
  }
  CHECK(values(b) == b_before);
  const auto keys = torchlet::load(b, dir / "partial.safetensors", /*strict=*/false);
  CHECK(keys.missing_keys == std::vector<std::string>{"fc2.bias"});
  CHECK(keys.unexpected_keys == std::vector<std::string>{"extra"});
  CHECK(b.fc1.weight.to_vector() == a.fc1.weight.to_vector());
  // A malformed file: every truncation is a FormatError and changes nothing.
  const auto bytes = test::read_bytes(dir / "net.safetensors");
  Net c;
  const auto c_before = values(c);
  for (std::size_t cut :
       {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{50}, bytes.size() - 1}) {
    INFO(cut);
    test::write_bytes(
        dir / "cut.safetensors",
        std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut)));
    CHECK_THROWS_AS(torchlet::load(c, dir / "cut.safetensors"), FormatError);
    CHECK(values(c) == c_before);
  }
  CHECK_THROWS_AS(torchlet::load(c, dir / "missing.safetensors"), FormatError);
}

TEST_CASE("weights made in PyTorch load and give PyTorch's logits") {
  auto model = mlp();
  torchlet::load(model, test::fixture_path("io/pytorch_mlp.safetensors"));
  const auto io_file =
      io::load_file(test::fixture_path("io/pytorch_mlp.safetensors.io.safetensors"));
  NoGradGuard no_grad;
  const auto logits = model(io_file.get("x"));
  CHECK(test::max_abs_diff(logits, io_file.get("logits")) < 1e-5);
}

TEST_CASE("an optimizer's state saved in a second file resumes training exactly") {
  test::TempDir dir;
  for (const char* kind : {"SGD", "Adam"}) {
    INFO(kind);
    auto make = [&](nn::Module& m) -> std::unique_ptr<optim::Optimizer> {
      if (std::string(kind) == "SGD")
        return std::make_unique<optim::SGD>(m.parameters(),
                                            optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
      return std::make_unique<optim::Adam>(m.parameters(),
                                           optim::AdamOptions{.lr = 0.01, .betas = {0.8, 0.95}});
    };
    manual_seed(7);
    Net straight;
    auto opt1 = make(straight);
    train_steps(straight, *opt1, 6, 42);  // 3 + 3 steps without interruption

    manual_seed(7);
    Net first;
    auto opt2 = make(first);
    train_steps(first, *opt2, 3, 42);
    torchlet::save(first, dir / "m.safetensors");
    torchlet::save(*opt2, dir / "o.safetensors");
    Net resumed;
    auto opt3 = make(resumed);
    opt3->set_lr(0, 123.0);  // overwritten by the file
    torchlet::load(resumed, dir / "m.safetensors");
    torchlet::load(*opt3, dir / "o.safetensors");
    CHECK(opt3->get_lr() == opt2->get_lr());
    // Continue from the same data position: steps 4..6 of the same stream.
    Generator gen(42);
    for (int s = 0; s < 3; ++s) {
      (void)randn({8, 12}, gen);
      (void)randint(0, 5, {8}, gen);
    }
    for (int s = 0; s < 3; ++s) {
      auto x = randn({8, 12}, gen);
      auto y = randint(0, 5, {8}, gen);
      opt3->zero_grad();
      nn::functional::cross_entropy(resumed(x), y).backward();
      opt3->step();
    }
    CHECK(values(resumed) == values(straight));
  }
  Net n;
  optim::SGD sgd(n.parameters(), {.lr = 0.1});
  optim::Adam adam(n.parameters());
  torchlet::save(adam, dir / "adam.safetensors");
  CHECK_THROWS_AS(torchlet::load(sgd, dir / "adam.safetensors"), std::invalid_argument);
  torchlet::save(n, dir / "model.safetensors");
  CHECK_THROWS_AS(torchlet::load(sgd, dir / "model.safetensors"), FormatError);
}

TEST_CASE("save_checkpoint keeps model, optimizer, scheduler and metadata in one file") {
  test::TempDir dir;
  manual_seed(11);
  Net model;
  optim::SGD opt(model.parameters(), {.lr = 0.5, .momentum = 0.9, .nesterov = true});
  optim::StepLR sched(opt, 2, 0.5);
  train_steps(model, opt, 2, 5);
  sched.step();
  sched.step();
  sched.step();
  torchlet::save_checkpoint({.model = model.state_dict(),
                             .optimizer = opt.state_dict(),
                             .scheduler = sched.state_dict(),
                             .metadata = {{"epoch", "3"}}},
                            dir / "ck.safetensors");
  const auto raw = io::load_file(dir / "ck.safetensors");
  CHECK(raw.contains("model.fc1.weight"));
  CHECK(raw.contains("optimizer.state.0.momentum_buffer"));
  CHECK(raw.metadata.at("optimizer.param_groups.0.lr") == "0.25");  // 0.5 * 0.5^(3 // 2)

  manual_seed(12);
  Net model2;
  optim::SGD opt2(model2.parameters(), {.lr = 1.0, .momentum = 0.9, .nesterov = true});
  optim::StepLR sched2(opt2, 2, 0.5);
  const auto ck = torchlet::load_checkpoint(dir / "ck.safetensors");
  model2.load_state_dict(ck.model);
  opt2.load_state_dict(*ck.optimizer);
  sched2.load_state_dict(ck.scheduler);
  CHECK(ck.metadata == std::map<std::string, std::string>{{"epoch", "3"}});
  CHECK(values(model2) == values(model));
  CHECK(opt2.get_lr() == 0.25);
  CHECK(sched2.last_epoch == sched.last_epoch);
  train_steps(model, opt, 2, 9);
  train_steps(model2, opt2, 2, 9);
  CHECK(values(model2) == values(model));
  CHECK_THROWS_AS(torchlet::load_checkpoint(test::fixture_path("io/pytorch_mlp.safetensors")),
                  FormatError);
  Checkpoint bad;
  bad.metadata = {{"model.x", "1"}};
  CHECK_THROWS_AS(torchlet::save_checkpoint(bad, dir / "bad.safetensors"), std::invalid_argument);
}

TEST_CASE("metadata numbers parse as std::from_chars does, with libstdc++ and with libc++") {
  // libc++ 16 has no floating-point from_chars: io::detail::parse_double then uses strtod
  // after the same syntax checks. The asan preset builds this file against libc++.
  using io::detail::format_number;
  using io::detail::parse_double;
  for (double v : {0.0, -0.0, 0.1, -1e-05, 1e+16, 3.141592653589793, 1.7976931348623157e308,
                   4.9406564584124654e-324, 123456789.0}) {
    double back = 1;
    REQUIRE(parse_double(format_number(v), back));
    CHECK(back == v);
    CHECK(std::signbit(back) == std::signbit(v));
  }
  double x = 0;
  CHECK(parse_double("inf", x));
  CHECK(std::isinf(x));
  CHECK(parse_double("-2.5e3", x));
  CHECK(x == -2500.0);
  for (const char* bad : {"", "+1", " 1", "1 ", "0x10", "1,5", "abc", "1e999", "--1", "."})
    CHECK_FALSE(parse_double(bad, x));
  CHECK_THROWS_WITH(io::detail::parse_number("0.1x", "lr", "ck.safetensors"),
                    Catch::Contains("ck.safetensors") && Catch::Contains("'lr'") &&
                        Catch::Contains("should be a number, found '0.1x'"));
}

}  // namespace TORCHLET_TEST_FILE
