// nn::Module: registration and PyTorch's dotted names, hooks, state_dict round trips and
// strict-load errors, train/eval, containers, and the repr printed by operator<<
// (compared with PyTorch's own print(model), tests/fixtures/nn/reprs.txt).
#include <fstream>
#include <map>
#include <sstream>

#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {

struct Net : nn::Module {
  nn::Linear fc{784, 10};
  Net() { register_module("fc", fc); }
  Tensor forward(const Tensor& x) override { return fc(x.flatten(1)); }
};

struct Block : nn::Module {
  nn::Conv2d conv{1, 6, 5, {.padding = 2}};
  nn::BatchNorm2d bn{6};
  nn::ReLU act;
  Block() {
    register_module("conv", conv);
    register_module("bn", bn);
    register_module("act", act);
  }
  Tensor forward(const Tensor& x) override { return act(bn(conv(x))); }
};

// No forward: a module that only holds others derives from nn::ModuleBase.
struct Deep : nn::ModuleBase {
  nn::Sequential features{std::make_shared<Block>(), nn::MaxPool2d{2}, nn::Dropout{0.25}};
  nn::ModuleList heads{nn::Linear{4, 2}, nn::Linear{2, 1, false}};
  nn::LayerNorm norm{10};
  nn::Embedding emb{10, 3, {.padding_idx = 0}};
  Deep() {
    register_module("features", features);
    register_module("heads", heads);
    register_module("norm", norm);
    register_module("emb", emb);
  }
};

struct TwoLayer : nn::Module {
  nn::Linear fc1{4, 3}, fc2{3, 2};
  TwoLayer() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override { return fc2(fc1(x).relu()); }
};

std::map<std::string, std::string> pytorch_reprs() {
  std::ifstream in(TORCHLET_SOURCE_DIR "/tests/fixtures/nn/reprs.txt");
  REQUIRE(in);
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
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
    out[name] = text;
  }
  return out;
}

}  // namespace

TEST_CASE("operator<< prints PyTorch's repr") {
  const auto expected = pytorch_reprs();
  Net net;
  CHECK(net.repr() == expected.at("net"));
  nn::Sequential mlp{nn::Flatten{}, nn::Linear{784, 256}, nn::ReLU{}, nn::Linear{256, 10}};
  std::ostringstream os;
  os << mlp;
  CHECK(os.str() == expected.at("mlp"));
  Deep deep;
  CHECK(deep.repr() == expected.at("deep"));
  nn::Sequential layers{
      nn::Conv2d{3, 8, 3, {.stride = 2, .padding = 1, .dilation = 2, .groups = 1, .bias = false}},
      nn::Conv2d{8, 8, {3, 1}, {.groups = 4}},
      nn::AvgPool2d{3, {.stride = 2, .padding = 1}},
      nn::AdaptiveAvgPool2d{{1, 1}},
      nn::MaxPool2d{3, {.stride = 1, .padding = 1, .ceil_mode = true}},
      nn::BatchNorm1d{4, {.eps = 1e-3, .momentum = 0.01, .affine = false}},
      nn::LeakyReLU{0.2},
      nn::GELU{"tanh"},
      nn::Sigmoid{},
      nn::Tanh{},
      nn::Softmax{1},
      nn::LogSoftmax{-1},
      nn::Identity{},
      nn::Flatten{0, 2},
      nn::Dropout{},
      nn::LayerNorm{{2, 3}, {.eps = 1e-6, .elementwise_affine = false}},
  };
  CHECK(layers.repr() == expected.at("layers"));
}

TEST_CASE("parameters get PyTorch's dotted names") {
  Deep deep;
  CHECK(fixture::names_of(deep.named_parameters()) ==
        std::vector<std::string>{"features.0.conv.weight", "features.0.conv.bias",
                                 "features.0.bn.weight", "features.0.bn.bias", "heads.0.weight",
                                 "heads.0.bias", "heads.1.weight", "norm.weight", "norm.bias",
                                 "emb.weight"});
  CHECK(fixture::names_of(deep.named_buffers()) ==
        std::vector<std::string>{"features.0.bn.running_mean", "features.0.bn.running_var",
                                 "features.0.bn.num_batches_tracked"});
  CHECK(deep.named_parameters(false).empty());
  CHECK(deep.children().size() == 4);
  std::vector<std::string> mods;
  for (auto& [n, m] : deep.named_modules()) mods.push_back(n + ":" + m->name());
  CHECK(mods == std::vector<std::string>{":Deep", "features:Sequential", "features.0:Block",
                                         "features.0.conv:Conv2d", "features.0.bn:BatchNorm2d",
                                         "features.0.act:ReLU", "features.1:MaxPool2d",
                                         "features.2:Dropout", "heads:ModuleList", "heads.0:Linear",
                                         "heads.1:Linear", "norm:LayerNorm", "emb:Embedding"});
  CHECK(deep.num_parameters() == 6 * 25 + 6 + 6 + 6 + 4 * 2 + 2 + 2 + 10 + 10 + 30);
  CHECK(&deep.get_submodule("features.0.bn") == &deep.features.at<Block>(0).bn);
  CHECK(deep.get_parameter("heads.1.weight").is_same(deep.heads.at<nn::Linear>(1).weight));
  CHECK_THROWS_WITH(deep.get_submodule("features.7"), Catch::Contains("no submodule '7'"));
  for (auto& p : deep.parameters()) CHECK(p.requires_grad());
}

TEST_CASE("shared parameters are listed once") {
  struct Tied : nn::ModuleBase {
    nn::Linear a{3, 3}, b{3, 3};
    Tied() {
      b.weight = a.weight;  // tie before registering
      register_module("a", a);
      register_module("b", b);
    }
  } tied;
  CHECK(fixture::names_of(tied.named_parameters()) ==
        std::vector<std::string>{"a.weight", "a.bias", "b.bias"});
  CHECK(tied.state_dict().size() == 4);  // state_dict keeps both keys, as PyTorch's does
}

TEST_CASE("state_dict has PyTorch's keys and order and round-trips") {
  Deep a, b;
  auto sd = a.state_dict();
  CHECK(sd.keys() == std::vector<std::string>{
                         "features.0.conv.weight", "features.0.conv.bias", "features.0.bn.weight",
                         "features.0.bn.bias", "features.0.bn.running_mean",
                         "features.0.bn.running_var", "features.0.bn.num_batches_tracked",
                         "heads.0.weight", "heads.0.bias", "heads.1.weight", "norm.weight",
                         "norm.bias", "emb.weight"});
  CHECK(!sd.at("heads.0.weight").requires_grad());
  CHECK(sd.at("heads.0.weight").data() ==
        a.heads.at<nn::Linear>(0).weight.data());  // shares storage
  const float* before = b.emb.weight.data();
  auto res = b.load_state_dict(sd);
  CHECK(res.missing_keys.empty());
  CHECK(res.unexpected_keys.empty());
  CHECK(b.emb.weight.data() == before);  // copied in place: optimizers keep their handles
  for (auto& [k, v] : sd) CHECK(fixture::mismatch(b.state_dict().at(k), v, 0) == "");
}

TEST_CASE("a strict load names every bad key and changes nothing") {
  TwoLayer m;
  const auto original = m.fc1.weight.clone();
  auto sd = m.state_dict();
  nn::StateDict bad;
  bad.insert("fc1.weight", randn({3, 5}));  // wrong shape
  bad.insert("fc1.bias", zeros({3}));
  bad.insert("fc2.weight", zeros({2, 3}));
  bad.insert("extra.weight", zeros({1}));  // unexpected; fc2.bias missing
  try {
    m.load_state_dict(bad);
    FAIL("no exception");
  } catch (const nn::StateDictError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("Error(s) in loading state_dict for TwoLayer"));
    CHECK_THAT(msg, Catch::Contains("Missing key(s) in state_dict: \"fc2.bias\""));
    CHECK_THAT(msg, Catch::Contains("Unexpected key(s) in state_dict: \"extra.weight\""));
    CHECK_THAT(msg,
               Catch::Contains(
                   "size mismatch for fc1.weight: copying a param with shape torch.Size([3, 5]) "
                   "from checkpoint, the shape in current model is torch.Size([3, 4])"));
    CHECK(e.missing_keys == std::vector<std::string>{"fc2.bias"});
    CHECK(e.unexpected_keys == std::vector<std::string>{"extra.weight"});
    CHECK(e.size_mismatch_keys == std::vector<std::string>{"fc1.weight"});
  }
  CHECK(fixture::mismatch(m.fc1.weight, original, 0) == "");
  CHECK(m.fc1.bias.data()[0] != 0.0f);  // fc1.bias (valid) was not copied either

  // Non-strict: missing and unexpected keys are reported, the rest is loaded.
  nn::StateDict partial{{"fc1.bias", zeros({3})}, {"other", zeros({2})}};
  auto res = m.load_state_dict(partial, false);
  CHECK(res.missing_keys == std::vector<std::string>{"fc1.weight", "fc2.weight", "fc2.bias"});
  CHECK(res.unexpected_keys == std::vector<std::string>{"other"});
  CHECK(m.fc1.bias.data()[0] == 0.0f);
  // A shape mismatch throws even when not strict.
  CHECK_THROWS_AS(m.load_state_dict({{"fc1.bias", zeros({4})}}, false), nn::StateDictError);
}

TEST_CASE("hooks run around forward and can be removed") {
  TwoLayer m;
  std::vector<std::string> calls;
  auto h1 = m.fc1.register_forward_pre_hook([&](nn::Module& mod, const Tensor& x) {
    calls.push_back("pre " + mod.name() + " " + to_string(x.shape()));
  });
  auto h2 = m.fc1.register_forward_hook(
      [&](nn::Module&, const Tensor&, const Tensor& y) -> std::optional<Tensor> {
        calls.push_back("post " + to_string(y.shape()));
        return zeros_like(y);  // replaces the output
      });
  auto y = m(ones({2, 4}));
  CHECK(calls == std::vector<std::string>{"pre Linear [2, 4]", "post [2, 3]"});
  // fc1's output was replaced by zeros, so the model returns fc2's bias.
  CHECK(fixture::mismatch(y[0], m.fc2.bias.detach()) == "");
  h1.remove();
  h2.remove();
  h2.remove();  // idempotent
  calls.clear();
  m(ones({1, 4}));
  CHECK(calls.empty());
}

TEST_CASE("train, eval, apply, requires_grad_ and zero_grad reach every submodule") {
  Deep deep;
  CHECK(deep.is_training());
  deep.eval();
  for (auto* m : deep.modules()) CHECK(!m->is_training());
  deep.train();
  CHECK(deep.features[1].is_training());
  int count = 0;
  deep.apply([&](nn::ModuleBase&) { ++count; });
  CHECK(count == 13);
  // apply with a typed function visits the modules of that type only (Embedding and the
  // containers without forward are not one-tensor nn::Modules).
  int modules = 0, linears = 0;
  deep.apply([&](nn::Module&) { ++modules; });
  deep.apply([&](nn::Linear& l) { linears += static_cast<int>(l.in_features); });
  CHECK(modules == 10);
  CHECK(linears == 4 + 2);
  deep.requires_grad_(false);
  for (auto& p : deep.parameters()) CHECK(!p.requires_grad());
  CHECK(deep.num_parameters(true) == 0);
  deep.requires_grad_(true);

  TwoLayer m;
  sum(m(ones({2, 4}))).backward();
  CHECK(m.fc1.weight.grad().defined());
  m.zero_grad(false);
  CHECK(m.fc1.weight.grad().defined());
  CHECK(sum(m.fc1.weight.grad().abs()).item() == 0.0f);
  m.zero_grad();
  CHECK(!m.fc1.weight.grad().defined());
}

TEST_CASE("Sequential is built from temporaries, indexed, iterated and extended") {
  nn::Sequential model{nn::Flatten{}, nn::Linear{784, 256}, nn::ReLU{}, nn::Linear{256, 10}};
  CHECK(model.size() == 4);
  CHECK(model[1].name() == "Linear");
  CHECK(model[-1].name() == "Linear");
  CHECK(model.at<nn::Linear>(3).out_features == 10);
  CHECK_THROWS_AS(model.at<nn::Conv2d>(3), std::invalid_argument);
  CHECK_THROWS_AS(model[4], std::out_of_range);
  std::vector<std::string> names;
  for (auto& layer : model) names.push_back(layer.name());
  CHECK(names == std::vector<std::string>{"Flatten", "Linear", "ReLU", "Linear"});
  auto y = model(randn({5, 1, 28, 28}));
  CHECK(y.shape() == Shape{5, 10});
  // Parameters registered on construction (names "1.weight", ...) and after a move.
  CHECK(fixture::names_of(model.named_parameters()) ==
        std::vector<std::string>{"1.weight", "1.bias", "3.weight", "3.bias"});
  nn::Sequential moved = std::move(model);
  CHECK(moved.num_parameters() == 784 * 256 + 256 + 2570);
  moved.push_back(nn::LogSoftmax{1}).push_back(std::make_shared<nn::Identity>());
  CHECK(moved.size() == 6);
  CHECK(moved(randn({2, 784})).shape() == Shape{2, 10});
  // A user module (not movable) goes in through a shared_ptr; nesting works.
  auto net = std::make_shared<Net>();
  nn::Sequential outer{nn::Sequential{nn::Identity{}, nn::Identity{}}, net};
  CHECK(outer.state_dict().keys() == std::vector<std::string>{"1.fc.weight", "1.fc.bias"});
  CHECK(outer(randn({3, 784})).shape() == Shape{3, 10});
  CHECK(outer.ptr(1) == net);
  CHECK(outer.at<Net>(1).fc.in_features == 784);
}

TEST_CASE("ModuleList holds modules for a parent to call") {
  struct Stack : nn::Module {
    nn::ModuleList layers;
    Stack() {
      for (int i = 0; i < 3; ++i) layers.push_back(nn::Linear{4, 4});
      register_module("layers", layers);
    }
    Tensor forward(const Tensor& x) override {
      Tensor y = x;
      for (auto& l : layers) y = l(y).relu();
      return y;
    }
  } s;
  CHECK(s.layers.size() == 3);
  CHECK(fixture::names_of(s.named_parameters()).back() == "layers.2.bias");
  CHECK(s(ones({2, 4})).shape() == Shape{2, 4});
  // A ModuleList has no forward: calling it does not compile.
  static_assert(!std::is_invocable_v<nn::ModuleList&, const Tensor&>);
}

TEST_CASE("moving a library layer keeps its registrations and hooks") {
  nn::Linear a{3, 2};
  int calls = 0;
  a.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) { ++calls; });
  nn::Linear b = std::move(a);
  CHECK(fixture::names_of(b.named_parameters()) == std::vector<std::string>{"weight", "bias"});
  b(ones({1, 3}));
  CHECK(calls == 1);
  nn::BatchNorm2d bn{3};
  nn::BatchNorm2d bn2 = std::move(bn);
  CHECK(bn2.state_dict().size() == 5);
  bn2(randn({4, 3, 2, 2}));
  CHECK(bn2.num_batches_tracked.item() == 1.0f);
}

}  // namespace TORCHLET_TEST_FILE
