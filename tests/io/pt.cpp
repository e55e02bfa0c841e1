// PyTorch's .pt format (io/pt.hpp, io/pickle.hpp, io/zip.hpp): files written by
// torch.save (tests/fixtures/io/pt/, made by scripts/make_pt_fixtures.py) read exactly,
// round trips of every dtype, view and container, save / load by extension, optimizer
// state_dicts in PyTorch's layout, a small mnist CNN trained in PyTorch evaluated here,
// and a table of bad files each refused with a message naming the file and the problem.
#include <torchlet/io.hpp>
#include <torchlet/nn.hpp>
#include <torchlet/optim.hpp>
#include <torchlet/vision.hpp>

#include "catch.hpp"
#include "vision/support.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using io::PtValue;
using namespace std::string_literals;

namespace {
std::string pt_fixture(const std::string& name) { return test::fixture_path("io/pt/" + name); }

template <class T>
std::vector<double> values(const io::AnyTensor& t) {
  const auto x = std::get<BasicTensor<T>>(t);
  std::vector<double> out;
  for (std::int64_t i = 0; i < x.numel(); ++i) out.push_back(static_cast<double>(x.data()[i]));
  return out;
}

/// A zip archive holding `pickle` as x/data.pkl plus the given extra entries.
std::vector<std::uint8_t> archive(const std::vector<std::uint8_t>& pickle,
                                  std::vector<std::pair<std::string, std::string>> extra = {}) {
  io::ZipWriter zip;
  zip.add("x/data.pkl", pickle);
  for (auto& [name, data] : extra)
    zip.add(name, {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
  return zip.finish();
}
std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

/// The pickle of {"w": tensor over storage '0' of `numel` floats with the given view}.
std::string tensor_pickle(const std::string& numel, const std::string& offset,
                          const std::string& size, const std::string& stride) {
  return "\x80\x02}(X\x01\x00\x00\x00w"s +
         "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"s +
         std::string("X\x01\x00\x00\x00", 5) + "0" + std::string("X\x03\x00\x00\x00", 5) + "cpu" +
         numel + "tQ" + offset + size + stride + "\x89" + "ccollections\nOrderedDict\n)Rt" + "Ru.";
}
}  // namespace

TEST_CASE("state_dicts written by torch.save read exactly, in every dtype") {
  const auto sd = io::load_pt(pt_fixture("dtypes.pt"));
  CHECK(sd.keys() == std::vector<std::string>{"f32", "f64", "f16", "bf16", "i64", "i32", "i16",
                                              "i8", "u8", "bool", "scalar", "empty"});
  const std::vector<double> v{-3, 0, 5, 1};
  CHECK(values<float>(sd.at("f32")) == v);
  CHECK(values<double>(sd.at("f64")) == v);
  CHECK(values<float>(sd.at("f16")) == v);
  CHECK(values<float>(sd.at("bf16")) == v);
  CHECK(values<std::int64_t>(sd.at("i64")) == v);
  CHECK(values<std::int32_t>(sd.at("i32")) == v);
  CHECK(values<std::int32_t>(sd.at("i16")) == v);
  CHECK(values<std::int32_t>(sd.at("i8")) == v);
  CHECK(values<std::uint8_t>(sd.at("u8")) == std::vector<double>{3, 0, 5, 1});
  CHECK(values<bool>(sd.at("bool")) == std::vector<double>{1, 0, 1, 1});
  CHECK(io::shape_of(sd.at("scalar")) == Shape{});
  CHECK(sd.get("scalar").data()[0] == 2.5f);
  CHECK(io::shape_of(sd.at("empty")) == Shape{0, 3});
  const nn::StateDict as_float = sd;  // what load_state_dict takes
  CHECK(as_float.at("i64").data()[2] == 5.0f);
}

TEST_CASE("views of one storage: transposed, offset, strided and repeated tensors") {
  for (const char* name : {"views.pt", "deflated.pt"}) {
    INFO(name);
    const auto sd = io::load_pt(pt_fixture(name));
    CHECK(values<float>(sd.at("t")) == std::vector<double>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
    CHECK(io::shape_of(sd.at("t")) == Shape{4, 3});
    CHECK(values<float>(sd.at("row")) == std::vector<double>{4, 5, 6, 7});
    CHECK(values<float>(sd.at("same")).size() == 12);
    CHECK(values<float>(sd.at("step")) == std::vector<double>{0, 2, 4, 6, 8, 10});
  }
}

TEST_CASE("a nested checkpoint dict and PyTorch optimizer state_dicts") {
  const auto ck = io::load_pt_value(pt_fixture("checkpoint.pt"));
  CHECK(ck.at("epoch").get<std::int64_t>() == 3);
  CHECK(ck.at("loss").get<double>() == 0.25);
  CHECK(ck.at("name").get<std::string>() == "run");
  const auto& flags = ck.at("flags").get<PtValue::List>();
  REQUIRE(flags.size() == 2);
  CHECK(flags[0].get<bool>());
  CHECK(flags[1].is_none());
  CHECK(ck.at("shape").get<PtValue::Tuple>().items.size() == 2);
  CHECK(ck.at("model").get<PtValue::Dict>().ordered);
  const auto sd = io::tensor_dict_of(ck.at("model"), "checkpoint.pt");
  CHECK(sd.keys() == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK_THROWS_WITH(io::load_pt(pt_fixture("checkpoint.pt")),
                    Catch::Contains("checkpoint.pt") && Catch::Contains("load_pt_value"));

  // SGD with momentum: PyTorch's state restores a torchlet optimizer, and back.
  auto model = nn::Sequential{nn::Linear{3, 4}, nn::ReLU{}, nn::Linear{4, 2}};
  model.load_state_dict(sd);
  optim::SGD sgd(model.parameters(), {.lr = 0.5});
  const auto o = io::optimizer_state_from_pt(ck.at("optimizer"), "checkpoint.pt");
  sgd.load_state_dict(o);
  CHECK(sgd.get_option(0, "lr") == Approx(0.1));
  CHECK(sgd.get_option(0, "momentum") == Approx(0.9));
  CHECK(sgd.state_dict().state.at(0).at("momentum_buffer").shape() == Shape{4, 3});
  const auto again = io::optimizer_state_from_pt(io::to_pt_value(sgd.state_dict()), "mem");
  CHECK(again.param_groups.at(0).params == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(test::max_abs_diff(again.state.at(3).at("momentum_buffer"),
                           o.state.at(3).at("momentum_buffer")) == 0);

  // The same file as a torchlet::Checkpoint, and a Checkpoint round trip through .pt.
  const auto c = torchlet::load_checkpoint(pt_fixture("checkpoint.pt"));
  CHECK(c.model.keys() == sd.keys());
  REQUIRE(c.optimizer);
  CHECK(c.optimizer->param_groups.at(0).options.at("momentum") == Approx(0.9));
  CHECK(c.metadata.at("epoch") == "3");
  CHECK(c.metadata.at("loss") == "0.25");
  CHECK(c.metadata.at("name") == "run");
  test::TempDir ckdir;
  Checkpoint mine{.model = model.state_dict(),
                  .optimizer = sgd.state_dict(),
                  .scheduler = {{"last_epoch", 4}},
                  .metadata = {{"note", "x"}},
                  .rng_state = {1, 2, 3}};
  torchlet::save_checkpoint(mine, ckdir / "ck.pt");
  const auto r = torchlet::load_checkpoint(ckdir / "ck.pt");
  CHECK(r.model.keys() == mine.model.keys());
  CHECK(r.optimizer->state.size() == mine.optimizer->state.size());
  CHECK(r.scheduler.at("last_epoch") == 4);
  CHECK(r.metadata.at("note") == "x");
  CHECK(r.rng_state == std::vector<std::uint8_t>{1, 2, 3});
  CHECK_THROWS_WITH(torchlet::load_checkpoint(pt_fixture("adam.pt")),
                    Catch::Contains("adam.pt") && Catch::Contains("'model'"));

  // Adam: the betas tuple and the step tensors.
  test::TempDir dir;
  optim::Adam adam(model.parameters());
  torchlet::load(adam, pt_fixture("adam.pt"));
  CHECK(adam.get_option(0, "lr") == Approx(0.01));
  CHECK(adam.get_option(0, "betas.1") == Approx(0.999));
  torchlet::save(adam, dir / "adam.pt");
  const auto back = io::load_pt_value(dir / "adam.pt");
  const auto& group = back.at("param_groups").get<PtValue::List>().at(0);
  CHECK(group.at("betas").get<PtValue::Tuple>().items.at(0).get<double>() == Approx(0.9));
  CHECK(group.at("amsgrad").is<bool>());
  CHECK(io::optimizer_state_from_pt(back, "adam.pt").state.at(1).at("step").data()[0] == 2.0f);
}

TEST_CASE("round trips: every dtype, shared storages, nested values, by extension") {
  test::TempDir dir;
  auto base = arange<float>(0.0f, 12.0f).reshape({3, 4});
  io::TensorDict sd;
  sd.tensors = {{"f", base},
                {"alias", base},
                {"d", full<double>({2}, 1.5)},
                {"l", full<std::int64_t>({2, 1}, -(std::int64_t{1} << 40))},
                {"i", full<std::int32_t>({1}, 7)},
                {"b", full<std::uint8_t>({3}, 200)},
                {"o", full<bool>({2}, true)},
                {"s", scalar_tensor<float>(4.0f)},
                {"e", Tensor::empty({0})}};
  io::save_pt(sd, dir / "all.pt");
  const auto back = io::load_pt(dir / "all.pt");
  REQUIRE(back.keys() == sd.keys());
  CHECK(back.at("alias").index() == 0);
  CHECK(values<float>(back.at("alias")) == values<float>(sd.at("f")));
  CHECK(values<std::int64_t>(back.at("l")) == values<std::int64_t>(sd.at("l")));
  CHECK(values<std::uint8_t>(back.at("b")) == std::vector<double>{200, 200, 200});
  CHECK(values<bool>(back.at("o")) == std::vector<double>{1, 1});
  CHECK(io::shape_of(back.at("s")) == Shape{});
  // One storage for the two names of the same tensor, as torch.save does.
  const auto file = torchlet::detail::read_file(dir / "all.pt");
  const io::ZipReader zip(file, "all.pt");
  CHECK(zip.find("all/data/0"));
  CHECK(zip.find("all/data/7"));
  CHECK_FALSE(zip.find("all/data/8"));
  CHECK(zip.find("all/version"));
  for (const auto& e : zip.entries()) CHECK(e.data_offset % 64 == 0);

  PtValue::Dict d;
  d.insert("epoch", 3);
  d.insert("lr", 0.5);
  d.insert("big", std::int64_t{-5'000'000'000});
  d.insert("ok", true);
  d.insert("none", PtValue());
  d.insert(7, PtValue::List{PtValue("a"), PtValue(PtValue::Tuple{{1, 2.5}})});
  io::save_pt(PtValue(d), dir / "nested.pt");
  const auto v = io::load_pt_value(dir / "nested.pt");
  CHECK(v.at("epoch").get<std::int64_t>() == 3);
  CHECK(v.at("big").get<std::int64_t>() == -5'000'000'000);
  CHECK(v.at("lr").get<double>() == 0.5);
  CHECK(v.at("ok").get<bool>());
  CHECK(v.at("none").is_none());
  const auto* seven = v.get<PtValue::Dict>().find(7);
  REQUIRE(seven);
  CHECK(seven->get<PtValue::List>().at(1).get<PtValue::Tuple>().items.at(1).get<double>() == 2.5);

  // torchlet::save / load pick the format by extension.
  manual_seed(3);
  auto model = nn::Sequential{nn::Linear{5, 3}, nn::ReLU{}, nn::Linear{3, 2}};
  io::save(model, dir / "model.pth");
  CHECK(io::load_pt(dir / "model.pth").keys() == model.state_dict().keys());
  auto other = nn::Sequential{nn::Linear{5, 3}, nn::ReLU{}, nn::Linear{3, 2}};
  io::load(other, dir / "model.pth");  // torchlet::load, also under io::
  CHECK(test::max_abs_diff(other.state_dict().at("2.weight"), model.state_dict().at("2.weight")) ==
        0);
  CHECK_THROWS_AS(torchlet::save(model, dir / "m.pt", {{"k", "v"}}), std::invalid_argument);
}

TEST_CASE("pytorch/examples' mnist CNN trained in PyTorch gives PyTorch's accuracy here") {
  struct Net : nn::Module {
    nn::Conv2d conv1{1, 8, 3};
    nn::Conv2d conv2{8, 16, 3};
    nn::Linear fc1{2304, 32};
    nn::Linear fc2{32, 10};
    Net() {
      register_module("conv1", conv1);
      register_module("conv2", conv2);
      register_module("fc1", fc1);
      register_module("fc2", fc2);
    }
    Tensor forward(const Tensor& x) override {
      namespace F = nn::functional;
      auto h = F::max_pool2d(relu(conv2(relu(conv1(x)))), 2);
      h = relu(fc1(h.flatten(1)));
      return F::log_softmax(fc2(h), 1);
    }
  } net;
  net.load_state_dict(io::load_pt(pt_fixture("mnist_cnn.pt")));
  const auto expected = io::load_pt_value(pt_fixture("mnist_cnn_expected.pt"));
  using namespace vision::transforms;
  vision::MNIST test_set(
      TORCHLET_SOURCE_DIR "/data/mnist",
      {.train = false, .transform = Compose{ToTensor{}, Normalize{{0.1307f}, {0.3081f}}}});
  NoGradGuard no_grad;
  std::int64_t correct = 0;
  Tensor first;
  for (std::int64_t start = 0; start < 2000; start += 500) {
    std::vector<std::size_t> idx(500);
    for (std::size_t i = 0; i < 500; ++i) idx[i] = static_cast<std::size_t>(start) + i;
    Tensor x;
    LongTensor y;
    test_set.get_batch(idx, x, y);
    const auto out = net.forward(x);
    if (start == 0) first = out.narrow(0, 0, 16);
    const auto pred = out.argmax(1);
    for (std::int64_t i = 0; i < 500; ++i) correct += pred.data()[i] == y.data()[i];
  }
  CHECK(correct == expected.at("correct").get<std::int64_t>());
  CHECK(test::max_abs_diff(first, io::to_dtype<float>(expected.at("logits").get<io::AnyTensor>())) <
        1e-4);
}

TEST_CASE("every bad .pt file is refused with a message naming the file and the problem") {
  test::TempDir dir;
  const auto good = torchlet::detail::read_file(pt_fixture("views.pt"));
  const std::string ok = tensor_pickle("K\x0c"s, "K\x00"s, "K\x03K\x04\x86"s, "K\x04K\x01\x86"s);
  auto with = [&](std::vector<std::uint8_t> b, std::size_t at, std::uint8_t v) {
    b.at(at) ^= v;
    return b;
  };
  // The offset of the first storage's data, to corrupt one byte of it.
  const io::ZipReader zr(good, "views.pt");
  const auto data0 = static_cast<std::size_t>(zr.find("views/data/0")->data_offset);
  struct Case {
    const char* what;
    std::vector<std::uint8_t> bytes;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"empty file", {}, "expected a zip archive"},
      {"legacy format", torchlet::detail::read_file(pt_fixture("legacy.pt")), "legacy PyTorch"},
      {"truncated zip", {good.begin(), good.begin() + 700}, "invalid zip archive"},
      {"no directory", {good.begin(), good.end() - 30}, "end-of-central-directory"},
      {"wrong CRC", with(good, data0 + 3, 0x40), "CRC-32 mismatch"},
      {"forbidden global",
       archive(bytes(std::string("\x80\x02") + "cos\nsystem\nX\x02\x00\x00\x00lsR.")),
       "forbidden global 'os.system'"},
      {"forbidden builtins",
       archive(bytes("\x80\x02"
                     "cbuiltins\neval\n.")),
       "forbidden global 'builtins.eval'"},
      {"unknown opcode", archive(bytes("\x80\x02(lp0\n.")),
       "unsupported opcode (torch.save never emits it) (opcode 0x6c 'l' at offset 3)"},
      {"storage shorter than its tensor", archive(bytes(ok), {{"x/data/0", std::string(40, '\0')}}),
       "holds 40 bytes"},
      {"view past its storage",
       archive(bytes(tensor_pickle("K\x0c"s, "K\x01"s, "K\x03K\x04\x86"s, "K\x04K\x01\x86"s)),
               {{"x/data/0", std::string(48, '\0')}}),
       "reaches element 12"},
      {"huge declared size",
       archive(bytes(tensor_pickle("J\xff\xff\xff\x7f"s, "K\x00"s, "J\xff\xff\xff\x7f\x85"s,
                                   "K\x01\x85"s)),
               {{"x/data/0", std::string(48, '\0')}}),
       "declares 2147483647 float32 elements"},
      {"huge view of a small storage",
       archive(bytes(tensor_pickle("K\x0c"s, "K\x00"s, "J\xff\xff\xff\x7fJ\xff\xff\xff\x7f\x86"s,
                                   "K\x00K\x00\x86"s)),
               {{"x/data/0", std::string(48, '\0')}}),
       "16 per byte of its storages"},
      {"billion laughs", archive(bytes([] {
         std::string p = "\x80\x02]q\x00"s;  // list 0; then 60 times: a list of 8 of the last
         for (int i = 0; i < 60; ++i) {
           p += "](";
           for (int k = 0; k < 8; ++k) p += "h"s + static_cast<char>(i);
           p += "eq"s + static_cast<char>(i + 1);
         }
         return p + ".";
       }())),
       "too many values"},
      {"missing storage", archive(bytes(ok)), "has no entry 'x/data/0'"},
      {"memo key never stored", archive(bytes("\x80\x02h\x05.")), "memo key 5"},
      {"stack underflow", archive(bytes("\x80\x02t.")), "no MARK"},
      {"truncated string",
       archive(bytes("\x80\x02X\xff\x00\x00\x00"
                     "ab"s)),
       "more bytes"},
      {"self-containing list",
       archive(bytes("\x80\x02]q\x00h\x00"
                     "a."s)),
       "cannot contain itself"},
      {"cycle through a frozen list",
       archive(bytes("\x80\x02]q\x00]q\x01h\x00"
                     "aa."s)),
       "already inside another"},
      {"no data.pkl",
       [] {
         io::ZipWriter z;
         z.add("x/other", bytes("1"));
         return z.finish();
       }(),
       "expected an entry 'x/data.pkl'"},
  };
  auto model = nn::Linear(4, 3);
  const auto before = model.weight.clone();
  for (const auto& c : cases) {
    INFO(c.what);
    const std::string path = dir / (std::string(c.what) + ".pt");
    test::write_bytes(path, c.bytes);
    CHECK_THROWS_WITH(torchlet::load(model, path),
                      Catch::Contains(path) && Catch::Contains(c.message));
  }
  CHECK(test::max_abs_diff(model.weight, before) == 0);  // untouched
  // Deep nesting is bounded.
  std::string deep = "\x80\x02";
  for (int i = 0; i < 100; ++i) deep += "]";
  for (int i = 0; i < 99; ++i) deep += "a";
  test::write_bytes(dir / "deep.pt", archive(bytes(deep + ".")));
  CHECK_THROWS_WITH(io::load_pt_value(dir / "deep.pt"), Catch::Contains("nest deeper than 64"));
}

}  // namespace TORCHLET_TEST_FILE
