// The module system beyond one tensor: forwards of any signature through operator() with
// their hooks (two inputs, three outputs, an options struct, losses), Sequential's
// compile-time check, add_module/register_module, non-persistent buffers, ModuleDict,
// ParameterList and ParameterDict (PyTorch's reprs and state_dict keys, from torch 1.13),
// building a Sequential from existing children, and moves keeping every registration.
#include <map>
#include <tuple>

#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;

namespace {

/// Two inputs: a siamese distance.
struct Siamese : nn::ModuleFor<Tensor(const Tensor&, const Tensor&)> {
  nn::Linear embed{4, 3};
  Siamese() { register_module("embed", embed); }
  Tensor forward(const Tensor& a, const Tensor& b) override {
    return (embed(a) - embed(b)).pow(2.0f).sum(1);
  }
};

/// Three outputs, as pytorch/examples' VAE: recon, mu, logvar.
struct Vae : nn::ModuleFor<std::tuple<Tensor, Tensor, Tensor>(const Tensor&)> {
  nn::Linear enc{6, 4}, mu_head{4, 2}, logvar_head{4, 2}, dec{2, 6};
  Vae() {
    register_module("enc", enc);
    register_module("mu_head", mu_head);
    register_module("logvar_head", logvar_head);
    register_module("dec", dec);
  }
  std::tuple<Tensor, Tensor, Tensor> forward(const Tensor& x) override {
    auto h = enc(x).relu();
    auto mu = mu_head(h), logvar = logvar_head(h);
    return {dec(mu).sigmoid(), mu, logvar};
  }
};

/// A named result, for structured bindings by field.
struct Split {
  Tensor low, high;
};
struct Splitter : nn::ModuleFor<Split(const Tensor&)> {
  Split forward(const Tensor& x) override { return {x.clamp(std::nullopt, 0.0f), x.clamp(0.0f)}; }
};

/// An options struct as last argument, taken with designated initializers.
struct ScaleOptions {
  double scale = 1.0;
  bool negate = false;
};
struct Scaler : nn::ModuleFor<Tensor(const Tensor&, const ScaleOptions&)> {
  Tensor forward(const Tensor& x, const ScaleOptions& o) override {
    auto y = x * static_cast<float>(o.scale);
    return o.negate ? -y : y;
  }
};

/// A user module that moves by the compiler's move constructor.
struct MovableNet : nn::Module {
  nn::Linear fc{4, 2};
  Tensor scale = ones({2});
  Tensor tmp = zeros({1});
  Tensor& extra;
  MovableNet() : extra(register_parameter("extra", zeros({3}))) {
    register_module("fc", fc);
    register_parameter("scale", scale);
    register_buffer("tmp", tmp, /*persistent=*/false);
  }
  Tensor forward(const Tensor& x) override { return fc(x) * scale; }
};

}  // namespace

TEST_CASE("a two-input module runs through operator() with observing and replacing hooks") {
  Siamese net;
  const Tensor a = randn({5, 4}), b = randn({5, 4});
  const Tensor plain = net(a, b);
  CHECK(plain.shape() == Shape{5});
  std::vector<std::string> calls;
  auto pre =
      net.register_forward_pre_hook([&](nn::ModuleBase& m, const Tensor& x, const Tensor& y) {
        calls.push_back("pre " + m.name() + " " + to_string(x.shape()) + to_string(y.shape()));
      });
  auto post =
      net.register_forward_hook([&](auto&, const Tensor&, const Tensor&, const Tensor& out) {
        calls.push_back("post " + to_string(out.shape()));
      });
  CHECK(fixture::mismatch(net(a, b), plain, 0) == "");
  CHECK(calls == std::vector<std::string>{"pre Siamese [5, 4][5, 4]", "post [5]"});

  // A pre-hook may replace both inputs (a std::tuple), a hook the output.
  auto swap = net.register_forward_pre_hook(
      [](nn::ModuleBase&, const Tensor& x,
         const Tensor& y) -> std::optional<std::tuple<Tensor, Tensor>> {
        return std::tuple{y, x};
      });
  CHECK(fixture::mismatch(net(a, b), plain, 1e-5) == "");  // the distance is symmetric
  auto same =
      net.register_forward_pre_hook([](nn::ModuleBase&, const Tensor& x,
                                       const Tensor&) -> std::optional<std::tuple<Tensor, Tensor>> {
        return std::tuple{x, x};
      });
  auto twice = net.register_forward_hook(
      [](nn::ModuleBase&, const Tensor&, const Tensor&,
         const Tensor& out) -> std::optional<Tensor> { return out + 1.0f; });
  CHECK(fixture::mismatch(net(a, b), ones({5}), 0) == "");  // distance(x, x) + 1
  for (auto* h : {&pre, &post, &swap, &same, &twice}) h->remove();
  calls.clear();
  CHECK(fixture::mismatch(net(a, b), plain, 0) == "");
  CHECK(calls.empty());
  // Wrong arity does not compile.
  static_assert(std::is_invocable_v<Siamese&, const Tensor&, const Tensor&>);
  static_assert(!std::is_invocable_v<Siamese&, const Tensor&>);
}

TEST_CASE("Bilinear is called with two inputs, hooks included") {
  nn::Bilinear bil{3, 4, 2};
  const Tensor x1 = randn({5, 3}), x2 = randn({5, 4});
  int seen = 0;
  bil.register_forward_hook(
      [&](nn::ModuleBase&, const Tensor& a, const Tensor& b, const Tensor& y) {
        seen = static_cast<int>(a.size(1) * 100 + b.size(1) * 10 + y.size(1));
      });
  auto y = bil(x1, x2);
  CHECK(seen == 342);
  CHECK(fixture::mismatch(y, nn::functional::bilinear(x1, x2, bil.weight, bil.bias), 0) == "");
  static_assert(!std::is_invocable_v<nn::Bilinear&, const Tensor&>);
}

TEST_CASE("a module returning three tensors binds them with structured bindings") {
  Vae vae;
  int outputs_seen = 0;
  vae.register_forward_hook(
      [&](nn::ModuleBase&, const Tensor&, const std::tuple<Tensor, Tensor, Tensor>& out) {
        outputs_seen = static_cast<int>(std::get<1>(out).size(1));
      });
  auto [recon, mu, logvar] = vae(rand({8, 6}));
  CHECK(recon.shape() == Shape{8, 6});
  CHECK(mu.shape() == Shape{8, 2});
  CHECK(logvar.shape() == Shape{8, 2});
  CHECK(outputs_seen == 2);
  // The outputs carry gradients back to every parameter.
  sum(recon).backward();
  CHECK(vae.enc.weight.grad().defined());
  // A hook may replace the whole result.
  vae.register_forward_hook(
      [](nn::ModuleBase&, const Tensor& x, const std::tuple<Tensor, Tensor, Tensor>&)
          -> std::optional<std::tuple<Tensor, Tensor, Tensor>> {
        return std::tuple{x, x, x};
      });
  const Tensor in = rand({2, 6});
  auto [r2, m2, l2] = vae(in);
  CHECK(fixture::mismatch(m2, in, 0) == "");

  // A named struct works the same way.
  Splitter split;
  auto [low, high] = split(torchlet::tensor<float>({-2, 3}));
  CHECK(low.data()[0] == -2.0f);
  CHECK(high.data()[1] == 3.0f);
}

TEST_CASE("an options struct is passed with designated initializers") {
  Scaler s;
  const Tensor x = ones({2});
  CHECK(s(x, {.scale = 3}).data()[0] == 3.0f);
  CHECK(s(x, {.scale = 2, .negate = true}).data()[1] == -2.0f);
  ScaleOptions seen;
  s.register_forward_pre_hook(
      [&](nn::ModuleBase&, const Tensor&, const ScaleOptions& o) { seen = o; });
  // A pre-hook may replace the options like any input.
  s.register_forward_pre_hook(
      [](nn::ModuleBase&, const Tensor& t,
         const ScaleOptions& o) -> std::optional<std::tuple<Tensor, ScaleOptions>> {
        return std::tuple{t, ScaleOptions{o.scale * 10, o.negate}};
      });
  CHECK(s(x, {.scale = 0.5}).data()[0] == 5.0f);
  CHECK(seen.scale == 0.5);
}

TEST_CASE("loss modules are called with (input, target) through operator()") {
  nn::MSELoss mse;
  const Tensor input = torchlet::tensor<float>({1, 2, 3}), target = zeros({3});
  std::string seen;
  auto h = mse.register_forward_hook(
      [&](nn::ModuleBase& m, const Tensor& in, const Tensor& t, const Tensor& loss) {
        seen = m.name() + " " + std::to_string(in.numel()) + std::to_string(t.numel()) + " " +
               std::to_string(loss.item());
      });
  CHECK(mse(input, target).item() == Approx(14.0 / 3));
  CHECK(seen.rfind("MSELoss 33 4.666", 0) == 0);
  h.remove();
  static_assert(!std::is_invocable_v<nn::MSELoss&, const Tensor&>);

  // CrossEntropyLoss has two forwards (class indices or probabilities); a hook whose inputs
  // are generic is registered for both.
  nn::CrossEntropyLoss ce;
  int calls = 0;
  ce.register_forward_hook(
      [&](nn::ModuleBase&, const Tensor&, const auto&, const Tensor&) { ++calls; });
  const Tensor logits = randn({4, 3});
  const LongTensor labels = torchlet::tensor<std::int64_t>({0, 2, 1, 1});
  const Tensor by_index = ce(logits, labels);
  const Tensor probs = randn({4, 3}).softmax(1);
  const Tensor by_probs = ce(logits, probs);
  CHECK(calls == 2);
  CHECK(fixture::mismatch(by_index, nn::functional::cross_entropy(logits, labels), 0) == "");
  CHECK(fixture::mismatch(by_probs, nn::functional::cross_entropy(logits, probs), 0) == "");
  static_assert(!std::is_invocable_v<nn::CrossEntropyLoss&, const Tensor&>);
}

TEST_CASE("Sequential takes one-tensor modules only, checked at compile time") {
  static_assert(nn::CanAppendToSequential<nn::Linear>);
  static_assert(nn::CanAppendToSequential<std::shared_ptr<MovableNet>>);
  static_assert(nn::CanAppendToSequential<nn::Sequential>);
  static_assert(!nn::CanAppendToSequential<nn::Bilinear>);
  static_assert(!nn::CanAppendToSequential<std::shared_ptr<nn::Bilinear>>);
  static_assert(!nn::CanAppendToSequential<Siamese>);
  static_assert(!nn::CanAppendToSequential<nn::MSELoss>);
  static_assert(!nn::CanAppendToSequential<nn::Embedding>);
  static_assert(!nn::CanAppendToSequential<nn::ModuleList>);
  // (tests/nn/compile_fail/sequential_bilinear.cpp checks the static_assert's message.)
  // ModuleList holds one-tensor modules; ModuleListOf<nn::ModuleBase> holds any.
  nn::ModuleListOf<nn::ModuleBase> any{nn::Bilinear{2, 2, 1}, nn::Linear{2, 2}, nn::MSELoss{}};
  CHECK(any.at<nn::Bilinear>(0)(ones({1, 2}), ones({1, 2})).shape() == Shape{1, 1});
  CHECK(fixture::names_of(any.named_parameters()) ==
        std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"});
  nn::ModuleListOf<nn::Bilinear> bils{nn::Bilinear{2, 3, 1}, nn::Bilinear{2, 3, 4}};
  CHECK(bils[1](ones({1, 2}), ones({1, 3})).shape() == Shape{1, 4});
  CHECK(bils.repr().rfind("ModuleList(", 0) == 0);
}

TEST_CASE("add_module and register_module return the module") {
  nn::ModuleBase holder;
  nn::Linear& fc = holder.add_module("fc", nn::Linear{3, 2});
  auto shared = std::make_shared<nn::ReLU>();
  CHECK(holder.register_module("act", shared) == shared);
  Tensor& w = holder.register_parameter("w", ones({2}));
  CHECK(w.requires_grad());
  CHECK(&holder.get_submodule<nn::Linear>("fc") == &fc);
  CHECK_THROWS_WITH(holder.get_submodule<nn::Conv2d>("fc"),
                    Catch::Contains("'fc' is a Linear, not the requested type"));
  CHECK(fixture::names_of(holder.named_parameters()) ==
        std::vector<std::string>{"w", "fc.weight", "fc.bias"});
  CHECK_THROWS_WITH(holder.add_module("fc", nn::ReLU{}),
                    Catch::Contains("'fc' is already registered"));
  CHECK_THROWS_WITH(holder.register_module("x", std::shared_ptr<nn::Linear>()),
                    Catch::Contains("'x' is null"));
}

TEST_CASE("non-persistent buffers are not in state_dict") {
  MovableNet net;
  CHECK(fixture::names_of(net.named_buffers()) == std::vector<std::string>{"tmp"});
  auto sd = net.state_dict();
  CHECK(sd.keys() == std::vector<std::string>{"extra", "scale", "fc.weight", "fc.bias"});
  // Loading does not ask for it either.
  CHECK(net.load_state_dict(sd).missing_keys.empty());
  nn::ModuleBase m;
  m.register_buffer("kept", zeros({1}));
  m.register_buffer("scratch", zeros({1}), false);
  CHECK(m.state_dict().keys() == std::vector<std::string>{"kept"});
  CHECK(m.buffers().size() == 2);
}

TEST_CASE("ModuleDict, ParameterList and ParameterDict: PyTorch's keys and reprs") {
  struct M : nn::ModuleBase {
    nn::ParameterList pl{zeros({3, 4}), zeros({5})};
    nn::ParameterDict pd{{"a", zeros({2, 3})}, {"b", zeros({2})}};
    nn::ModuleDict md{{"conv", std::make_shared<nn::Conv2d>(1, 2, 3)},
                      {"act", std::make_shared<nn::ReLU>()}};
    M() {
      register_buffer("tmp", zeros({2}), false);
      register_buffer("keep", zeros({1}));
      register_module("pl", pl);
      register_module("pd", pd);
      register_module("md", md);
    }
  } m;
  // torch 1.13: list(M().state_dict().keys()) and print(M()) for the same module.
  CHECK(m.state_dict().keys() == std::vector<std::string>{"keep", "pl.0", "pl.1", "pd.a", "pd.b",
                                                          "md.conv.weight", "md.conv.bias"});
  CHECK(m.repr() ==
        "M(\n"
        "  (pl): ParameterList(\n"
        "      (0): Parameter containing: [torch.float32 of size 3x4]\n"
        "      (1): Parameter containing: [torch.float32 of size 5]\n"
        "  )\n"
        "  (pd): ParameterDict(\n"
        "      (a): Parameter containing: [torch.FloatTensor of size 2x3]\n"
        "      (b): Parameter containing: [torch.FloatTensor of size 2]\n"
        "  )\n"
        "  (md): ModuleDict(\n"
        "    (conv): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))\n"
        "    (act): ReLU()\n"
        "  )\n"
        ")");
  CHECK(nn::ParameterList{}.repr() == "ParameterList()");
  CHECK(nn::ModuleDict{}.repr() == "ModuleDict()");
  CHECK(nn::ParameterDict{}.repr() == "ParameterDict()");
  CHECK(nn::ParameterList{zeros({3})}.repr() ==
        "ParameterList(  (0): Parameter containing: [torch.float32 of size 3])");

  // Parameters require grad and are the optimizer's parameters.
  CHECK(m.pl[1].requires_grad());
  CHECK(m.pd["a"].requires_grad());
  CHECK(m.parameters().size() == 6);
  CHECK(m.pl[-1].data() == m.get_parameter("pl.1").data());
  m.pl.append(ones({1}));
  CHECK(m.state_dict().contains("pl.2"));
  CHECK_THROWS_WITH(m.pl[3], Catch::Contains("index 3 is out of range for 3 parameters"));
  // dict[key] = value replaces in place (same key, same position).
  m.pd.insert("a", ones({4}));
  CHECK(m.pd.keys() == std::vector<std::string>{"a", "b"});
  CHECK(m.state_dict().at("pd.a").shape() == Shape{4});
  CHECK_THROWS_WITH(m.pd["z"], Catch::Contains("no key 'z'"));

  // ModuleDict: modules by key, called like any nn::Module.
  CHECK(m.md["act"](torchlet::tensor<float>({-1, 2})).data()[0] == 0.0f);
  CHECK(m.md.at<nn::Conv2d>("conv").out_channels == 2);
  CHECK(m.md.contains("conv"));
  CHECK(!m.md.contains("pool"));
  m.md.insert("act", nn::Tanh{});
  CHECK(m.md.keys() == std::vector<std::string>{"conv", "act"});
  CHECK(m.md["act"].name() == "Tanh");
  CHECK(m.get_submodule("md.act").name() == "Tanh");
  m.md.insert("pool", nn::MaxPool2d{2});
  CHECK(m.md.size() == 3);
  CHECK_THROWS_WITH(m.md["nope"], Catch::Contains("no key 'nope'"));
  // Loading PyTorch-named keys round-trips.
  M other;
  other.pl.append(zeros({1}));
  other.pd.insert("a", zeros({4}));
  CHECK(other.load_state_dict(m.state_dict()).missing_keys.empty());
}

TEST_CASE("a Sequential built from existing children shares them") {
  struct Backbone : nn::Module {
    nn::Linear fc1{4, 8};
    nn::ReLU act;
    nn::Linear fc2{8, 3};
    Backbone() {
      register_module("fc1", fc1);
      register_module("act", act);
      register_module("fc2", fc2);
    }
    Tensor forward(const Tensor& x) override { return fc2(act(fc1(x))); }
  } net;
  auto children = net.children();
  children.pop_back();  // nn.Sequential(*list(net.children())[:-1])
  nn::Sequential features{children};
  CHECK(features.state_dict().keys() == std::vector<std::string>{"0.weight", "0.bias"});
  const Tensor x = randn({2, 4});
  CHECK(fixture::mismatch(features(x), net.act(net.fc1(x)), 0) == "");
  CHECK(&features.at<nn::Linear>(0) == &net.fc1);  // shared, not copied

  nn::Sequential named{net.named_children()};  // nn.Sequential(OrderedDict(...))
  CHECK(named.state_dict().keys() ==
        std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  CHECK(fixture::mismatch(named(x), net(x), 0) == "");
  named.add_module("out", nn::Sigmoid{});
  CHECK(named.size() == 4);
  CHECK(named.get_submodule("out").name() == "Sigmoid");

  nn::ModuleBase holder;
  holder.add_module("bil", nn::Bilinear{2, 2, 1});
  CHECK_THROWS_WITH(
      nn::Sequential{holder.named_children()},
      Catch::Contains("child 'bil' is a Bilinear, whose forward does not take one tensor"));
}

TEST_CASE("moves keep registrations, values and hooks, for any module") {
  MovableNet a;
  const float* w = a.fc.weight.data();
  int calls = 0;
  a.register_forward_hook([&](nn::Module&, const Tensor&, const Tensor&) { ++calls; });
  a.fc.register_forward_pre_hook([&](nn::Module&, const Tensor&) { ++calls; });
  MovableNet b = std::move(a);
  CHECK(fixture::names_of(b.named_parameters()) ==
        std::vector<std::string>{"extra", "scale", "fc.weight", "fc.bias"});
  CHECK(b.get_parameter("fc.weight").data() == w);  // the moved member, not a copy
  CHECK(&b.get_submodule("fc") == &b.fc);
  CHECK(b.named_parameters()[1].second.is_same(b.scale));
  CHECK(a.named_parameters().empty());  // the moved-from module registers nothing
  b(ones({1, 4}));
  CHECK(calls == 2);
  // load_state_dict writes into the moved module's members.
  auto sd = b.state_dict();
  sd.insert("scale", full({2}, 7.0f));
  b.load_state_dict(sd);
  CHECK(b.scale.data()[1] == 7.0f);
  // Owned registrations (register_parameter of a value) move too.
  CHECK(b.extra.shape() == Shape{3});
  CHECK(b.get_parameter("extra").data() == b.extra.data());

  // A user module goes into a container by value.
  nn::Sequential seq{MovableNet{}, nn::ReLU{}};
  CHECK(seq.state_dict().keys() ==
        std::vector<std::string>{"0.extra", "0.scale", "0.fc.weight", "0.fc.bias"});
  CHECK(seq(ones({3, 4})).shape() == Shape{3, 2});
  // ... and every layer keeps every field across moves (no hand-written move to forget one).
  nn::Conv2d conv{2, 4, 3, {.stride = 2, .padding = 1, .dilation = 1, .groups = 2}};
  nn::Conv2d conv2 = std::move(conv);
  CHECK(conv2.repr() ==
        "Conv2d(2, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2)");
  CHECK(conv2.state_dict().size() == 2);
  nn::BatchNorm1d bn{3, {.momentum = 0.3}};
  bn.eval();
  nn::BatchNorm1d bn2 = std::move(bn);
  CHECK(!bn2.is_training());
  CHECK(bn2.momentum == 0.3);
  CHECK(bn2.state_dict().size() == 5);
  nn::Embedding emb{5, 2, {.padding_idx = 1}};
  nn::Embedding emb2 = std::move(emb);
  CHECK(emb2.padding_idx == 1);
  CHECK(fixture::names_of(emb2.named_parameters()) == std::vector<std::string>{"weight"});
  nn::ModuleDict md{{"fc", std::make_shared<nn::Linear>(2, 2)}};
  nn::ModuleDict md2 = std::move(md);
  CHECK(md2.state_dict().keys() == std::vector<std::string>{"fc.weight", "fc.bias"});
  nn::ParameterList pl{ones({2})};
  nn::ParameterList pl2 = std::move(pl);
  CHECK(pl2[0].data() == pl2.get_parameter("0").data());
  static_assert(std::is_nothrow_move_constructible_v<nn::Linear>);
  static_assert(std::is_nothrow_move_constructible_v<Siamese>);
  static_assert(!std::is_copy_constructible_v<nn::Linear>);
}

namespace {
/// A move-only input: hooks observe it (it cannot be copied, so they cannot replace it).
struct Consumer : nn::ModuleFor<Tensor(std::unique_ptr<Tensor>)> {
  Tensor forward(std::unique_ptr<Tensor> t) override { return *t * 2.0f; }
};
}  // namespace

TEST_CASE("a move-only input is forwarded, and observed by hooks") {
  Consumer c;
  int seen = 0;
  c.register_forward_pre_hook([&](nn::ModuleBase&, const std::unique_ptr<Tensor>& t) {
    seen = static_cast<int>(t->numel());
  });
  CHECK(c(std::make_unique<Tensor>(ones({3}))).data()[0] == 2.0f);
  CHECK(seen == 3);
}

}  // namespace TORCHLET_TEST_FILE
