// x[...] reads and writes (tensor/advanced_indexing.hpp): torchlet::indexing's Slice, None,
// Ellipsis and TensorIndex, x.index({...}), index_put_ / index_put (accumulate),
// masked_select, masked_fill_, masked_scatter_ / masked_scatter. Values and input gradients
// against PyTorch (tests/fixtures/tensor/indexing.safetensors, written by
// scripts/make_indexing_fixtures.py), including issue 13's `x[:, :10] *= 0` and the
// positional encoding of pytorch/examples; float64 gradcheck; PyTorch's in-place autograd
// rules; reads with basic indices as views (writes through them, CopySlices, the error on a
// view of a leaf); and the errors (op name, expectation, what was found).
#include <cmath>
#include <functional>
#include <map>
#include <sstream>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/tensor.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using namespace torchlet::indexing;
using Catch::Contains;
using D = const DoubleTensor&;

const io::SafetensorsFile& fixtures() {
  static const io::SafetensorsFile f =
      io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/indexing.safetensors");
  return f;
}

/// Case `name`'s float32 inputs, each requiring grad.
struct Fixture {
  std::string name;
  std::vector<Tensor> inputs;

  bool has(const std::string& what) const { return fixtures().contains(name + "/" + what); }
  const io::AnyTensor& at(const std::string& what) const {
    return fixtures().at(name + "/" + what);
  }
  explicit Fixture(std::string n) : name(std::move(n)) {
    for (int i = 0; has("input" + std::to_string(i)); ++i)
      inputs.push_back(std::get<Tensor>(at("input" + std::to_string(i))).clone().requires_grad_());
  }
  const Tensor& operator[](std::size_t i) const { return inputs.at(i); }
};

void check_values(const std::string& what, const Tensor& got, const Tensor& want) {
  INFO(what);
  CHECK(got.shape() == want.shape());
  const auto g = got.to_vector(), w = want.to_vector();
  REQUIRE(g.size() == w.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i << ": got " << g[i] << ", PyTorch " << w[i]);
    CHECK(std::abs(g[i] - w[i]) <= 1e-5f * std::abs(w[i]) + 1e-6f);
  }
}

using CaseFn = std::function<Tensor(const Fixture&)>;

/// Runs `f` on case `name`'s fixture; compares its output and the input gradients.
void check_case(const std::string& name, const CaseFn& f) {
  INFO("case " << name);
  Fixture c(name);
  const Tensor out = f(c);
  check_values("output", out, std::get<Tensor>(c.at("output")));
  if (!c.has("grad_output")) return;
  out.backward(std::get<Tensor>(c.at("grad_output")));
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    const std::string what = "grad" + std::to_string(i);
    INFO("gradient of input " << i);
    if (!c.has(what)) {
      CHECK_FALSE(c.inputs[i].grad().defined());
      continue;
    }
    REQUIRE(c.inputs[i].grad().defined());
    check_values(what, c.inputs[i].grad(), std::get<Tensor>(c.at(what)));
  }
}

LongTensor L(std::initializer_list<std::int64_t> v) { return tensor<std::int64_t>(v); }
BoolTensor mask34() {
  return tensor<bool>(
      {{true, false, true, false}, {false, false, false, false}, {true, true, false, true}});
}
BoolTensor row4() { return tensor<bool>({true, false, true, true}); }
BoolTensor mask214() {
  return tensor<bool>({true, false, false, true, false, true, true, true}).reshape({2, 1, 4});
}

/// A write case: `write` applied to a clone of input 0 (a non-leaf), returning it.
CaseFn on_clone(std::function<void(const Tensor& y, const Fixture& c)> write) {
  return [write](const Fixture& c) {
    auto y = c[0].clone();
    write(y, c);
    return y;
  };
}

/// Every fixture case, by name (each test case runs those of its family).
const std::map<std::string, CaseFn>& cases() {
  static const std::map<std::string, CaseFn> m = [] {
    std::map<std::string, CaseFn> r;
    // ---- reads: basic indexing ----
    r["read_step_slice"] = [](const Fixture& c) {
      return c[0].index({Slice(), Slice(0, None, 2)});
    };
    r["read_negative_ends"] = [](const Fixture& c) {
      return c[0].index({Slice(-4, -1), Slice(1, -2, 3)});
    };
    r["read_clamped_ends"] = [](const Fixture& c) {
      return c[0].index({Slice(-9, 100), Slice(3, 2)});
    };
    r["read_int_ellipsis_none"] = [](const Fixture& c) { return c[0].index({1, Ellipsis, None}); };
    r["read_none_middle"] = [](const Fixture& c) {
      return c[0].index({Slice(), None, Slice(2, None)});
    };
    r["read_ellipsis_middle"] = [](const Fixture& c) {
      return c[0].index({0, Ellipsis, Slice(1, 3)});
    };
    r["read_negative_int"] = [](const Fixture& c) { return c[0].index({-1, Slice(), -2}); };
    r["read_long_0d_selects"] = [](const Fixture& c) {
      return c[0].index({scalar_tensor<std::int64_t>(2), Slice(1, 3)});
    };
    // ---- reads: advanced indexing ----
    r["read_long_rows_repeated"] = [](const Fixture& c) { return c[0].index({L({4, 0, 0, 2})}); };
    r["read_long_negative"] = [](const Fixture& c) { return c[0].index({L({-1, -4, 2})}); };
    r["read_long_pair"] = [](const Fixture& c) { return c[0].index({L({0, 3, 1}), L({4, 4, 0})}); };
    r["read_long_broadcast"] = [](const Fixture& c) {
      return c[0].index({L({0, 3}).view({2, 1}), L({1, 2, 4})});
    };
    r["read_adjacent_dims"] = [](const Fixture& c) {
      return c[0].index({Slice(), L({0, 3}), L({1, 4})});
    };
    r["read_separated_dims"] = [](const Fixture& c) {
      return c[0].index({L({0, 1}), Slice(), L({1, 4})});
    };
    r["read_separated_by_none"] = [](const Fixture& c) {
      return c[0].index({L({0, 3}), None, L({1, 2})});
    };
    r["read_int_then_long"] = [](const Fixture& c) {
      return c[0].index({Slice(), 1, Slice(), L({0, 5})});
    };
    r["read_long_2d_index"] = [](const Fixture& c) {
      return c[0].index({Slice(), L({0, 2, 1, 1}).view({2, 2})});
    };
    r["read_mask_full"] = [](const Fixture& c) { return c[0].index({mask34()}); };
    r["read_mask_leading"] = [](const Fixture& c) { return c[0].index({mask34()}); };
    r["read_mask_after_slice"] = [](const Fixture& c) { return c[0].index({Slice(), mask34()}); };
    r["read_mask_row"] = [](const Fixture& c) { return c[0].index({Slice(), row4()}); };
    r["read_mask_and_long"] = [](const Fixture& c) { return c[0].index({L({2, 0, 1}), row4()}); };
    r["read_bool_true"] = [](const Fixture& c) { return c[0].index({true}); };
    r["masked_select"] = [](const Fixture& c) { return masked_select(c[0], mask34()); };
    r["masked_select_broadcast"] = [](const Fixture& c) { return c[0].masked_select(row4()); };
    r["masked_select_expand"] = [](const Fixture& c) { return masked_select(c[0], mask214()); };
    // ---- writes ----
    r["put_step_slice"] = on_clone([](const Tensor& y, const Fixture& c) {
      y.index_put_({Slice(), Slice(0, None, 2)}, c[1]);
    });
    r["put_broadcast_row"] = on_clone([](const Tensor& y, const Fixture& c) {
      y.index_put_({Slice(1, None), Slice(1, None, 2)}, c[1]);
    });
    r["put_leading_ones"] =
        on_clone([](const Tensor& y, const Fixture& c) { y.index_put_({0}, c[1]); });
    r["put_long_pair"] = on_clone([](const Tensor& y, const Fixture& c) {
      index_put_(y, {L({0, 3, 1}), L({4, 4, 0})}, c[1]);
    });
    r["put_long_repeated"] = on_clone([](const Tensor& y, const Fixture& c) {
      y.index_put_({L({4, 0, 4, 2})}, c[1]);
    });
    r["put_accumulate_repeated"] = on_clone([](const Tensor& y, const Fixture& c) {
      y.index_put_({L({4, 0, 4, 2})}, c[1], true);
    });
    r["put_accumulate_broadcast"] = on_clone([](const Tensor& y, const Fixture& c) {
      y.index_put_({L({0, 3}).view({2, 1}), L({1, 2, 1})}, c[1], /*accumulate=*/true);
    });
    r["put_mask"] =
        on_clone([](const Tensor& y, const Fixture& c) { y.index_put_({mask34()}, c[1]); });
    r["put_mask_rows"] =
        on_clone([](const Tensor& y, const Fixture& c) { y.index_put_({row4()}, c[1]); });
    r["put_adjacent_dims"] = on_clone([](const Tensor& y, const Fixture& c) {
      y.index_put_({Slice(), L({0, 3}), L({1, 4})}, c[1]);
    });
    r["put_separated_dims"] = on_clone([](const Tensor& y, const Fixture& c) {
      y.index_put_({L({0, 1}), Slice(), L({1, 4})}, c[1]);
    });
    r["put_none_ellipsis"] = on_clone([](const Tensor& y, const Fixture& c) {
      y.index_put_({None, Ellipsis, 1}, c[1]);
    });
    r["put_scalar"] = on_clone([](const Tensor& y, const Fixture&) {
      y.index_put_({1, Ellipsis}, 2.5f);
    });
    r["put_mask_scalar"] =
        on_clone([](const Tensor& y, const Fixture&) { y.index_put_({mask34()}, -1); });
    r["put_into_constant"] = [](const Fixture& c) {
      auto y = zeros<float>({3, 4});
      y.index_put_({L({2, 0}), Slice(1, 3)}, c[0]);
      return y;
    };
    r["index_put_out_of_place"] = [](const Fixture& c) {
      return index_put(c[0], {L({0, 2})}, c[1]);
    };
    r["masked_fill_inplace"] =
        on_clone([](const Tensor& y, const Fixture&) { y.masked_fill_(row4(), 0.5f); });
    r["masked_fill_tensor_value"] =
        on_clone([](const Tensor& y, const Fixture& c) { masked_fill_(y, mask34(), c[1]); });
    r["masked_scatter_inplace"] =
        on_clone([](const Tensor& y, const Fixture& c) { y.masked_scatter_(mask34(), c[1]); });
    r["masked_scatter_broadcast"] = [](const Fixture& c) {
      return masked_scatter(c[0], mask34(), c[1]);
    };
    // ---- issue 13's programs ----
    // y[:, :10] *= 0
    r["issue_zero_columns"] = on_clone([](const Tensor& y, const Fixture&) {
      y.index_put_({Slice(), Slice(None, 10)}, y.index({Slice(), Slice(None, 10)}) * 0.f);
    });
    r["issue_positional_encoding"] = [](const Fixture&) {
      const std::int64_t max_len = 50, d_model = 16;
      auto pe = zeros<float>({max_len, d_model});
      auto position = arange<float>(0.f, static_cast<float>(max_len)).unsqueeze(1);
      auto div_term = exp(arange<float>(0.f, static_cast<float>(d_model), 2.f) *
                          static_cast<float>(-std::log(10000.0) / static_cast<double>(d_model)));
      pe.index_put_({Slice(), Slice(0, None, 2)}, sin(position * div_term));
      pe.index_put_({Slice(), Slice(1, None, 2)}, cos(position * div_term));
      return pe;
    };
    return r;
  }();
  return m;
}

/// Runs every case whose name starts with `prefix`; fails if there is none.
void check_family(const std::string& prefix) {
  int n = 0;
  for (const auto& [name, f] : cases())
    if (name.rfind(prefix, 0) == 0) {
      check_case(name, f);
      ++n;
    }
  CHECK(n > 0);
}

std::vector<std::string> fixture_cases() {
  std::vector<std::string> out;
  std::istringstream in(fixtures().metadata.at("cases"));
  for (std::string s; std::getline(in, s, ',');) out.push_back(s);
  return out;
}

DoubleTensor leaf(Shape s, std::uint64_t seed) {
  Generator g(seed);
  return randn<double>(s, g).requires_grad_();
}

TEST_CASE("every indexing fixture case has a computation here, and every computation a case") {
  const auto names = fixture_cases();
  CHECK(names.size() == cases().size());
  for (const auto& n : names) {
    INFO("fixture case " << n);
    CHECK(cases().count(n) == 1);
  }
}

TEST_CASE("index reads with ints, slices, None and Ellipsis match PyTorch") {
  check_family("read_");
}

TEST_CASE("masked_select matches PyTorch, broadcasting mask and input") {
  check_family("masked_select");
}

TEST_CASE("index_put_ and index_put match PyTorch (slices, scalars, masks, accumulate)") {
  check_family("put_");
  check_family("index_put_");
}

TEST_CASE("masked_fill_, masked_scatter_ and masked_scatter match PyTorch") {
  check_family("masked_fill_");
  check_family("masked_scatter");
}

TEST_CASE("issue 13's x[:, :10] *= 0 and positional encoding change x and pe as PyTorch") {
  check_family("issue_");
}

TEST_CASE("index with basic indices returns a view; with index tensors or masks a copy") {
  auto base = arange<float>(0.f, 12.f);
  auto x = base.view({3, 4});
  auto r = x.index({Slice(), 1});
  CHECK(r.to_vector() == std::vector<float>{1.f, 5.f, 9.f});
  CHECK(r.stride() == std::vector<std::int64_t>{4});
  CHECK(r.storage_offset() == 1);
  r.fill_(0.f);  // a view, as in PyTorch: the write lands in x and base
  CHECK(x.index({0, 1}).item() == 0.f);
  CHECK(base.to_vector()[9] == 0.f);
  auto even = x.index({Slice(), Slice(0, None, 2)});  // x[:, 0::2]
  CHECK(even.stride() == std::vector<std::int64_t>{4, 2});
  even.mul_(0.f);
  CHECK(base.to_vector() == std::vector<float>{0, 0, 0, 3, 0, 0, 0, 7, 0, 0, 0, 11});
  even.copy_(tensor<float>({{1.f, 2.f}, {3.f, 4.f}, {5.f, 6.f}}));
  CHECK(base.to_vector() == std::vector<float>{1, 0, 2, 3, 3, 0, 4, 7, 5, 0, 6, 11});
  // Index tensors, masks and true / false copy, as in PyTorch.
  for (const auto& c :
       {x.index({L({0, 2})}), x.index({mask34()}), x.index({true}), x.index({Slice(), L({1})})}) {
    CHECK(c.impl()->storage != x.impl()->storage);
    c.fill_(-7.f);
  }
  CHECK(x.to_vector() == std::vector<float>{1, 0, 2, 3, 3, 0, 4, 7, 5, 0, 6, 11});
  CHECK(x.index({true}).shape() == Shape{1, 3, 4});
  x.index_put_({Slice(), 1}, 0.f);
  CHECK(base.to_vector()[5] == 0.f);  // x is a view of base: the write lands there
  const auto& same = x.index_put_({2, Slice(None, 2)}, tensor<float>({-1.f, -2.f}));
  CHECK(same.is_same(x));
  CHECK(x.index({2}).to_vector() == std::vector<float>{-1.f, -2.f, 6.f, 11.f});
  // Index lists built at run time.
  std::vector<TensorIndex> idx{Slice(1, None), Ellipsis};
  CHECK(x.index(idx).shape() == Shape{2, 4});
  // A value overlapping the written elements: PyTorch's error (y[1:] = y[:3] raises in
  // torch 1.13; tests/tensor/overlap.cpp has the rest), nothing written; clone() it first.
  auto y = arange<float>(0.f, 4.f);
  CHECK_THROWS_WITH(y.index_put_({Slice(1, None)}, y.index({Slice(None, 3)})),
                    Catch::Matchers::Contains("refer to a single memory location"));
  CHECK_THROWS_WITH(y.index_put_({Slice(1, None)}, y.view({4}).narrow(0, 0, 3)),
                    Catch::Matchers::Contains("refer to a single memory location"));
  CHECK(y.to_vector() == std::vector<float>{0.f, 1.f, 2.f, 3.f});
  y.index_put_({Slice(1, None)}, y.index({Slice(None, 3)}).clone());
  CHECK(y.to_vector() == std::vector<float>{0.f, 0.f, 1.f, 2.f});
  // A value sharing x's storage that PyTorch lets pass (x[:, 0] = x[0], its elements with
  // gaps) is read before any write.
  auto z = arange<float>(0.f, 9.f).view({3, 3});
  z.index_put_({Slice(), 0}, z.index({0}));
  CHECK(z.to_vector() == std::vector<float>{0.f, 1.f, 2.f, 1.f, 4.f, 5.f, 2.f, 7.f, 8.f});
  // An empty selection reads [0] and writes nothing.
  CHECK(x.index({Slice(2, 1)}).shape() == Shape{0, 4});
  CHECK(x.index({false}).shape() == Shape{0, 3, 4});
  CHECK(x.index({None}).shape() == Shape{1, 3, 4});
  CHECK(scalar_tensor<float>(3.f).index({None}).shape() == Shape{1});
  CHECK(scalar_tensor<float>(3.f).index({Ellipsis}).shape() == Shape{});
}

TEST_CASE("index and index_put_ work on integer and bool tensors") {
  auto x = arange<std::int64_t>(0, 6).view({2, 3});
  CHECK(x.index({Slice(), L({2, 0})}).to_vector() == std::vector<std::int64_t>{2, 0, 5, 3});
  x.index_put_({x > std::int64_t{3}}, std::int64_t{-1});
  CHECK(x.to_vector() == std::vector<std::int64_t>{0, 1, 2, 3, -1, -1});
  x.index_put_({L({0, 0}), L({1, 1})}, L({5, 6}), true);
  CHECK(x.index({0, 1}).item() == 12);
  auto b = zeros<bool>({4});
  b.index_put_({Slice(0, None, 2)}, true);
  CHECK(b.to_vector() == std::vector<bool>{true, false, true, false});
  CHECK(b.masked_select(b).numel() == 2);
}

TEST_CASE("non-accumulating index_put_ with repeated places: the last write wins") {
  auto x = zeros<double>({3});
  x.index_put_({L({1, 1, 1, 0})}, tensor<double>({1.0, 2.0, 3.0, 4.0}));
  CHECK(x.to_vector() == std::vector<double>{4.0, 3.0, 0.0});
  x.index_put_({L({1, 1, 1})}, tensor<double>({1.0, 2.0, 3.0}), true);
  CHECK(x.to_vector() == std::vector<double>{4.0, 9.0, 0.0});
}

// ---- autograd through writes ----

TEST_CASE("index_put_ on a leaf that requires grad raises PyTorch's error") {
  auto w = zeros<float>({3, 4}).requires_grad_();
  CHECK_THROWS_WITH(w.index_put_({0}, 1.f),
                    Contains("index_put_: a leaf Variable that requires grad is being used in an "
                             "in-place operation"));
  CHECK_THROWS_WITH(w.masked_fill_(row4(), 1.f), Contains("masked_fill_: a leaf Variable"));
  CHECK_THROWS_WITH(w.masked_scatter_(row4(), zeros<float>({12})),
                    Contains("masked_scatter_: a leaf Variable"));
  {
    NoGradGuard no_grad;
    w.index_put_({0}, 1.f);  // allowed without grad mode, as in PyTorch
  }
  CHECK(w.index({0, 0}).item() == 1.f);
  CHECK(w.is_leaf());
}

TEST_CASE("writes into an index view follow PyTorch's autograd rules") {
  auto w = zeros<float>({3, 4}).requires_grad_();
  auto v = w.index({Slice(), Slice(0, None, 2)});
  CHECK(v.grad_fn_name() == "SliceBackward0");
  CHECK_THROWS_WITH(v.fill_(1.f), Contains("fill_: a view of a leaf Variable that requires grad "
                                           "is being used in an in-place operation"));
  CHECK_THROWS_WITH(w.index({1}).mul_(0.f), Contains("mul_: a view of a leaf Variable"));
  CHECK_THROWS_WITH(w.index({Ellipsis, None}).copy_(ones<float>({3, 4, 1})),
                    Contains("copy_: a view of a leaf Variable"));
  {
    NoGradGuard no_grad;  // allowed without grad mode, and written into the leaf
    w.index({Slice(), Slice(0, None, 2)}).fill_(1.f);
  }
  CHECK(w.to_vector() == std::vector<float>{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0});
  // A non-leaf: the write goes through CopySlices; x's gradient is zero where v was copied in.
  auto x = ones<double>({2, 4}).requires_grad_();
  auto vals = tensor<double>({{5.0, 6.0}, {7.0, 8.0}}).requires_grad_();
  auto y = x * 3.0;
  y.index({Slice(), Slice(1, None, 2)}).copy_(vals);
  CHECK(y.grad_fn_name() == "CopySlices");
  CHECK(y.to_vector() == std::vector<double>{3, 5, 3, 6, 3, 7, 3, 8});
  (y * y).sum().backward();
  CHECK(x.grad().to_vector() == std::vector<double>{18, 0, 18, 0, 18, 0, 18, 0});
  CHECK(vals.grad().to_vector() == std::vector<double>{10, 12, 14, 16});
}

TEST_CASE("the positional-encoding idiom writes sin and cos through index views") {
  // pe[:, 0::2] = sin(position * div_term); pe[:, 1::2] = cos(position * div_term)
  const std::int64_t max_len = 50, d_model = 16;
  auto position = arange<float>(0.f, static_cast<float>(max_len)).unsqueeze(1);
  auto div_term = exp(arange<float>(0.f, static_cast<float>(d_model), 2.f) *
                      static_cast<float>(-std::log(10000.0) / static_cast<double>(d_model)));
  auto pe = zeros<float>({max_len, d_model});
  pe.index({Slice(), Slice(0, None, 2)}).copy_(sin(position * div_term));
  pe.index({Slice(), Slice(1, None, 2)}).copy_(cos(position * div_term));
  // the fixture case issue_positional_encoding holds PyTorch's pe
  check_values("pe", pe, std::get<Tensor>(Fixture("issue_positional_encoding").at("output")));
}

TEST_CASE("index_put_ of a value requiring grad makes x require grad, as in PyTorch") {
  auto x = zeros<double>({2, 3});
  auto v = tensor<double>({1.0, 2.0}).requires_grad_();
  x.index_put_({Slice(), 1}, v);
  CHECK(x.requires_grad());
  CHECK(x.grad_fn_name() == "CopySlices");  // basic indices: a copy_ into x's view, as torch
  (x * tensor<double>({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}})).sum().backward();
  CHECK(v.grad().to_vector() == std::vector<double>{2.0, 5.0});

  auto w = zeros<double>({2, 3});
  w.index_put_({L({0, 1}), 1}, v);  // an index tensor: torch's IndexPutBackward0
  CHECK(w.grad_fn_name() == "IndexPutBackward0");
  auto u = zeros<double>({2, 3});
  u.index_put_({Slice(), 1}, v, true);  // accumulate: the index_put_ node too
  CHECK(u.grad_fn_name() == "IndexPutBackward0");
  auto z = zeros<double>({2, 3});
  z.index_put_({0}, ones<double>({1, 1, 3}));  // leading size-1 dims dropped, as setitem
  CHECK(z.to_vector() == std::vector<double>{1.0, 1.0, 1.0, 0.0, 0.0, 0.0});
  auto leaf = zeros<double>({2, 3}).requires_grad_();
  CHECK_THROWS_WITH(leaf.index_put_({Slice(), 1}, 1.0),
                    Contains("index_put_: a leaf Variable that requires grad"));
}

TEST_CASE("index_put_ into a non-leaf rebases its history; stale saves are caught") {
  auto a = tensor<double>({1.0, 2.0, 3.0}).requires_grad_();
  auto y = a * 2.0;
  y.index_put_({1}, 10.0);
  y.sum().backward();
  CHECK(a.grad().to_vector() == std::vector<double>{2.0, 0.0, 2.0});

  auto b = tensor<double>({1.0, 2.0, 3.0}).requires_grad_();
  auto z = b * 2.0;
  auto p = z * z;  // saves z
  z.index_put_({L({0})}, 0.0);
  CHECK_THROWS_WITH(p.sum().backward(), Contains("modified by an inplace operation"));
  auto q = b.exp();
  auto m = q * 1.0;
  m.masked_fill_(tensor<bool>({true, false, false}), 0.0);
  m.sum().backward();
  CHECK(b.grad().to_vector()[0] == 0.0);
  CHECK(b.grad().to_vector()[1] == Approx(std::exp(2.0)));
}

TEST_CASE("index reads, index_put_, masked_select and masked_scatter pass gradcheck") {
  using autograd::gradcheck;
  CHECK(gradcheck(
      [](D x) {
        return x.index({Slice(None, None, 2), -1, None});
      },
      {leaf({5, 3, 2}, 1)}));
  CHECK(gradcheck(
      [](D x) {
        return x.index({L({0, 2, 0}), Slice(), L({1, 1, 0})});
      },
      {leaf({3, 2, 2}, 2)}));
  CHECK(gradcheck([](D x) { return x.index({mask34()}); }, {leaf({3, 4}, 3)}));
  // Basic indices (views), and writes through them into a non-leaf.
  CHECK(gradcheck(
      [](D x) {
        return x.index({Ellipsis, None, Slice(1, None, 2)}).index({-1}) * x.index({0, 1, 1});
      },
      {leaf({2, 3, 5}, 14)}));
  CHECK(gradcheck(
      [](D x, D v) {
        auto y = x.sin();
        y.index({Slice(), Slice(0, None, 2)}).copy_(v);
        y.index({1, Slice(None, -1)}).mul_(v.index({0, 0}));
        return y * x.t().index({Slice(1, 3)}).t().index({Slice(), 0, None});
      },
      {leaf({3, 4}, 15), leaf({3, 2}, 16)}));
  // w.r.t. the values (x constant) and w.r.t. a non-leaf x and the values.
  CHECK(gradcheck(
      [](D v) {
        auto x = zeros<double>({4, 3});
        x.index_put_({L({3, 0, 3}), Slice(1, None)}, v, true);
        return x;
      },
      {leaf({3, 2}, 4)}));
  CHECK(gradcheck(
      [](D x, D v) {
        auto y = x * 1.0;
        y.index_put_({Slice(), Slice(0, None, 2)}, v);
        return y * y;
      },
      {leaf({3, 4}, 5), leaf({2}, 6)}));
  CHECK(gradcheck(
      [](D x, D v) {
        auto y = x * 1.0;
        y.index_put_({L({1, -3})}, v);  // no repeats: with them the result is not smooth in v
        return y;
      },
      {leaf({3, 3}, 7), leaf({2, 3}, 8)}));
  CHECK(gradcheck([](D x) { return masked_select(x, mask214()); }, {leaf({3, 4}, 9)}));
  CHECK(gradcheck([](D x, D s) { return masked_scatter(x, mask34(), s); },
                  {leaf({3, 4}, 10), leaf({7}, 11)}));
  CHECK(gradcheck(
      [](D x, D v) {
        auto y = x * 1.0;
        y.masked_fill_(row4(), v);
        return y;
      },
      {leaf({2, 4}, 12), leaf({}, 13)}));
}

// ---- errors ----

TEST_CASE("index errors name the op, what was expected and what was found") {
  const auto x = zeros<float>({3, 4});
  CHECK_THROWS_AS(x.index({3}), std::out_of_range);
  CHECK_THROWS_WITH(x.index({3}),
                    Contains("index: index 3 is out of bounds for dimension 0 with size 3"));
  CHECK_THROWS_WITH(x.index({Slice(), -5}),
                    Contains("index: index -5 is out of bounds for dimension 1 with size 4"));
  CHECK_THROWS_WITH(x.index({Slice(), L({0, 4})}),
                    Contains("index: index 4 is out of bounds for dimension 1 with size 4"));
  CHECK_THROWS_WITH(x.index({0, 0, 0}),
                    Contains("index: too many indices for tensor of dimension 2"));
  CHECK_THROWS_WITH(x.index({mask34(), 0}),
                    Contains("index: too many indices for tensor of dimension 2"));
  CHECK_THROWS_WITH(x.index({Ellipsis, 0, Ellipsis}),
                    Contains("index: an index can only have a single ellipsis"));
  CHECK_THROWS_WITH(x.index({Slice(None, None, -1)}),
                    Contains("index: slice step must be greater than zero, got -1"));
  CHECK_THROWS_WITH(x.index({1, Slice(None, None, 0)}),
                    Contains("index: slice step must be greater than zero, got 0"));
  CHECK_THROWS_WITH(x.index({None, Slice(), Ellipsis, 7}),
                    Contains("index: index 7 is out of bounds for dimension 1 with size 4 (input "
                             "shape [3, 4])"));
  CHECK_THROWS_WITH(x.index({scalar_tensor<std::int64_t>(-4)}),
                    Contains("index: index -4 is out of bounds for dimension 0 with size 3"));
  CHECK_THROWS_WITH(zeros<float>({}).index({0}),
                    Contains("index: too many indices for tensor of dimension 0"));
  CHECK_THROWS_WITH(x.index({row4()}),
                    Contains("index: the shape of the mask [4] at index 0 does not match the "
                             "shape of the indexed tensor [3, 4] at index 0"));
  CHECK_THROWS_WITH(x.index({L({0, 1}), L({0, 1, 2})}),
                    Contains("index: shape mismatch: indexing tensors could not be broadcast "
                             "together with shapes [2], [3]"));
  CHECK_THROWS_WITH(x.index({tensor<float>({0.f})}),
                    Contains("index: tensors used as indices must be long (int64) or bool "
                             "tensors, got an index tensor of dtype torch.float32"));
  CHECK_THROWS_WITH(x.index({tensor<std::int32_t>({0})}), Contains("dtype torch.int32"));
  CHECK_THROWS_WITH(masked_select(x, zeros<bool>({2, 4})),
                    Contains("masked_select: mask of shape [2, 4] is not broadcastable with the "
                             "input's shape [3, 4]"));
}

TEST_CASE("index_put_ and the masked writes reject bad values and masks") {
  const auto x = zeros<float>({3, 4});
  CHECK_THROWS_WITH(x.index_put_({Slice(), Slice(None, 2)}, zeros<float>({3})),
                    Contains("index_put_: shape mismatch: value tensor of shape [3] cannot be "
                             "broadcast to indexing result of shape [3, 2]"));
  CHECK_THROWS_WITH(x.index_put_({L({0, 1})}, zeros<float>({2, 2, 4})),
                    Contains("value tensor of shape [2, 2, 4] cannot be broadcast to indexing "
                             "result of shape [2, 4]"));
  CHECK_THROWS_WITH(x.index_put_({5}, 1.f), Contains("index_put_: index 5 is out of bounds"));
  CHECK_THROWS_WITH(x.index_put_({0, 0, 0}, 1.f),
                    Contains("index_put_: too many indices for tensor of dimension 2"));
  CHECK_THROWS_WITH(x.index_put_({zeros<bool>({4})}, 1.f),
                    Contains("index_put_: the shape of the mask [4] at index 0 does not match"));
  CHECK_THROWS_WITH(x.index_put_({tensor<std::uint8_t>({1})}, 1.f),
                    Contains("index_put_: tensors used as indices must be long (int64) or bool"));
  CHECK_THROWS_WITH(x.masked_fill_(zeros<bool>({3}), 1.f),
                    Contains("masked_fill_: mask of shape [3] does not broadcast to the input's "
                             "shape [3, 4]"));
  CHECK_THROWS_WITH(x.masked_fill_(row4(), zeros<float>({1})),
                    Contains("masked_fill_: value must be a 0-D tensor, got shape [1]"));
  CHECK_THROWS_WITH(x.masked_scatter_(mask34(), zeros<float>({4})),
                    Contains("masked_scatter_: source must have at least as many elements as "
                             "mask has true entries (5), got source of shape [4] with 4 elements"));
  CHECK_THROWS_WITH(masked_scatter(x, zeros<bool>({2, 1, 3}), zeros<float>({4})),
                    Contains("masked_scatter"));
  CHECK(x.sum().item() == 0.f);  // nothing was written by the failed calls
}

}  // namespace TORCHLET_TEST_FILE
