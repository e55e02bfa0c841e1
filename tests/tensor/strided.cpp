// Strided tensors (issue 13): stride()/storage_offset()/is_contiguous()/contiguous(),
// views sharing storage (transpose, permute, narrow/select/slice, expand, diagonal, unfold,
// as_strided, ...), x.index({...}) with basic indices (a view, as x[:, 0::2] in PyTorch), reads
// after writes to the base, writes through views into the base, PyTorch's errors, gradients,
// and bmm/matmul/baddbmm reading transposed operands in place. Expected strides and values
// are torch 1.13's.
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <utility>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/nn/functional/linear.hpp>
#include <torchlet/tensor.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using V = std::vector<float>;
using S = std::vector<std::int64_t>;
using indexing::Ellipsis;
using indexing::None;
using indexing::Slice;

Tensor ar(const Shape& s) {
  return arange<float>(0.f, static_cast<float>(detail::numel_of(s))).reshape(s);
}

const io::SafetensorsFile& fixtures() {
  static const io::SafetensorsFile f =
      io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/tensor/strided.safetensors");
  return f;
}

/// The views of x = arange(24).reshape(2, 3, 4) that scripts/make_strided_fixtures.py takes.
const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>>& view_cases() {
  static const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> cases = {
      {"transpose02", [](const Tensor& x) { return x.transpose(0, 2); }},
      {"transpose12", [](const Tensor& x) { return x.transpose(1, 2); }},
      {"permute120",
       [](const Tensor& x) {
         return x.permute({1, 2, 0});
       }},
      {"mT", [](const Tensor& x) { return x.mT(); }},
      {"T", [](const Tensor& x) { return x.T(); }},
      {"mH", [](const Tensor& x) { return x.mH(); }},
      {"T_select", [](const Tensor& x) { return x[1].T(); }},
      {"H_select", [](const Tensor& x) { return x[0].H(); }},
      {"t_select", [](const Tensor& x) { return x[1].t(); }},
      {"narrow1", [](const Tensor& x) { return x.narrow(1, 1, 2); }},
      {"narrow2", [](const Tensor& x) { return x.narrow(2, 1, 2); }},
      {"select0", [](const Tensor& x) { return x.select(0, 1); }},
      {"select1", [](const Tensor& x) { return x.select(1, 2); }},
      {"select2", [](const Tensor& x) { return x.select(2, -1); }},
      {"slice2_step2", [](const Tensor& x) { return x.slice(2, 1, 4, 2); }},
      {"slice1_step2", [](const Tensor& x) { return x.slice(1, 0, 3, 2); }},
      {"slice_of_transpose",
       [](const Tensor& x) { return x.transpose(0, 1).slice(0, 1, 3).slice(2, 0, 4, 3); }},
      {"expand",
       [](const Tensor& x) {
         return x.slice(1, 0, 1).expand({2, 3, 4});
       }},
      {"expand_new_dim",
       [](const Tensor& x) {
         return x[0][0].expand({3, 4});
       }},
      {"unsqueeze_t", [](const Tensor& x) { return x[0].t().unsqueeze(1); }},
      {"squeeze_strided",
       [](const Tensor& x) { return x.slice(1, 1, 2).slice(2, 0, 4, 2).squeeze(1); }},
      {"diagonal", [](const Tensor& x) { return x.diagonal(0, 1, 2); }},
      {"diagonal_pos", [](const Tensor& x) { return x.diagonal(1, 1, 2); }},
      {"diagonal_neg", [](const Tensor& x) { return x.diagonal(-1, 2, 1); }},
      {"diagonal_02", [](const Tensor& x) { return x.diagonal(0, 0, 2); }},
      {"unfold2", [](const Tensor& x) { return x.unfold(2, 2, 1); }},
      {"unfold1_step2", [](const Tensor& x) { return x.unfold(1, 2, 2); }},
      {"as_strided",
       [](const Tensor& x) {
         return x.as_strided({3, 2}, {5, 2}, 1);
       }},
      {"view_of_slice",
       [](const Tensor& x) {
         return x.slice(2, 0, 4).view({2, 12}).slice(1, 0, 12, 5);
       }},
      {"reshape_of_narrow",
       [](const Tensor& x) {
         return x.narrow(2, 0, 2).reshape({2, 3, 2, 1});
       }},
      {"chunk1", [](const Tensor& x) { return x.chunk(2, 2)[1]; }},
      {"split1",
       [](const Tensor& x) {
         return x.split(std::vector<std::int64_t>{1, 2}, 1)[1];
       }},
      // x[...] with basic indices (the script's INDEX_CASES)
      {"index_step2",
       [](const Tensor& x) {
         return x.index({Slice(), Slice(0, None, 2)});
       }},
      {"index_int_slice_step",
       [](const Tensor& x) {
         return x.index({1, Slice(), Slice(1, None, 2)});
       }},
      {"index_ellipsis_none_int",
       [](const Tensor& x) {
         return x.index({Ellipsis, None, 2});
       }},
      {"index_none_int",
       [](const Tensor& x) {
         return x.index({None, 0});
       }},
      {"index_negative",
       [](const Tensor& x) {
         return x.index({-1, Slice(-2, None), Slice(None, None, 3)});
       }},
      {"index_whole_slices",
       [](const Tensor& x) {
         return x.index({Slice(0, 2), Slice(0, 3)});
       }},
      {"index_ellipsis", [](const Tensor& x) { return x.index({Ellipsis}); }},
      {"index_single_whole_slice", [](const Tensor& x) { return x.index({Slice(0, 2)}); }},
      {"index_clamped",
       [](const Tensor& x) {
         return x.index({Slice(), Slice(-100, 100), Slice(1, 3)});
       }},
      {"index_empty",
       [](const Tensor& x) {
         return x.index({Slice(), Slice(2, 1)});
       }},
      {"index_of_transpose",
       [](const Tensor& x) {
         return x.transpose(0, 2).index({Slice(1, None), None, Slice(None, None, 2)});
       }},
      {"index_tensor_int",
       [](const Tensor& x) {
         return x.index({Slice(), scalar_tensor<std::int64_t>(1)});
       }},
      {"index_all_ints",
       [](const Tensor& x) {
         return x.index({1, 2, 3});
       }},
      {"index_none_end",
       [](const Tensor& x) {
         return x.index({Slice(), 1, None});
       }},
  };
  return cases;
}

TEST_CASE("each view's strides, offset, values and writes match torch 1.13 (fixtures)") {
  const auto& f = fixtures();
  for (const auto& [name, view] : view_cases()) {
    INFO("case " << name);
    REQUIRE(f.contains(name + "/stride"));
    auto x = ar({2, 3, 4});
    auto v = view(x);
    CHECK(v.stride() == std::get<LongTensor>(f.at(name + "/stride")).to_vector());
    CHECK(v.storage_offset() == std::get<LongTensor>(f.at(name + "/offset")).item());
    CHECK(v.to_vector() == std::get<Tensor>(f.at(name + "/values")).to_vector());
    CHECK(v.contiguous().to_vector() == v.to_vector());
    view(x).fill_(-1.f);
    CHECK(x.to_vector() == std::get<Tensor>(f.at(name + "/after_fill")).to_vector());
    if (!f.contains(name + "/after_add")) {  // elements overlap: only fill_ may write
      CHECK_THROWS_WITH(view(x).add_(1.f), Catch::Matchers::Contains("refers to a single memory"));
      continue;
    }
    x = ar({2, 3, 4});
    v = view(x);
    v.add_(ar(v.shape()));
    CHECK(x.to_vector() == std::get<Tensor>(f.at(name + "/after_add")).to_vector());
    x = ar({2, 3, 4});
    v = view(x);
    v.copy_(-ar(v.shape()));
    CHECK(x.to_vector() == std::get<Tensor>(f.at(name + "/after_copy")).to_vector());
  }
}

/// "grad_fns" of the fixtures' metadata: case name -> torch 1.13's grad_fn name of x[...].
std::map<std::string, std::string> index_grad_fns() {
  std::map<std::string, std::string> out;
  std::istringstream in(fixtures().metadata.at("grad_fns"));
  for (std::string item; std::getline(in, item, ',');) {
    const auto eq = item.find('=');
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

TEST_CASE("x.index with basic indices: grad_fn names and gradients as torch 1.13 (fixtures)") {
  const auto& f = fixtures();
  const auto names = index_grad_fns();
  int n = 0;
  for (const auto& [name, view] : view_cases()) {
    if (name.rfind("index_", 0) != 0) continue;
    INFO("case " << name);
    ++n;
    REQUIRE(names.count(name) == 1);
    auto x = ar({2, 3, 4}).requires_grad_();
    auto v = view(x);
    CHECK(v.grad_fn_name() == names.at(name));
    CHECK(v.impl()->storage == x.impl()->storage);  // a view, not a copy
    const auto w = (ar(v.shape()) + 1.f).detach();
    (v * w).sum().backward();
    CHECK(x.grad().to_vector() == std::get<Tensor>(f.at(name + "/grad")).to_vector());
    auto x2 = ar({2, 3, 4}).requires_grad_();
    auto b = x2 * 2.f;
    view(b).mul_(w);  // a write into a view of a non-leaf: CopySlices
    CHECK(b.grad_fn_name() == "CopySlices");
    (b * b).sum().backward();
    CHECK(x2.grad().to_vector() == std::get<Tensor>(f.at(name + "/grad_write")).to_vector());
  }
  CHECK(n == static_cast<int>(names.size()));
}

TEST_CASE("stride, storage_offset and is_contiguous of views match PyTorch") {
  auto x = ar({2, 3, 4});
  CHECK(x.stride() == S{12, 4, 1});
  CHECK(x.stride(-1) == 1);
  CHECK(x.storage_offset() == 0);
  CHECK(x.is_contiguous());
  auto t = x.transpose(0, 2);
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK(t.stride() == S{1, 4, 12});
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.to_vector() == x.permute({2, 1, 0}).contiguous().to_vector());
  auto p = x.permute({1, 2, 0});
  CHECK(p.stride() == S{4, 1, 12});
  auto s = x.slice(2, 1, 4, 2);
  CHECK(s.shape() == Shape{2, 3, 2});
  CHECK(s.stride() == S{12, 4, 2});
  CHECK(s.storage_offset() == 1);
  CHECK(s.to_vector() == V{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23});
  auto sel = x.select(1, 2);
  CHECK(sel.stride() == S{12, 1});
  CHECK(sel.storage_offset() == 8);
  CHECK(sel.to_vector() == V{8, 9, 10, 11, 20, 21, 22, 23});
  auto n = x.narrow(1, 1, 2);
  CHECK(n.stride() == S{12, 4, 1});
  CHECK(n.storage_offset() == 4);
  auto d = x.diagonal(1, 1, 2);
  CHECK(d.shape() == Shape{2, 3});
  CHECK(d.stride() == S{12, 5});
  CHECK(d.storage_offset() == 1);
  CHECK(d.to_vector() == V{1, 6, 11, 13, 18, 23});
  CHECK(x.diagonal(-1, 1, 2).to_vector() == V{4, 9, 16, 21});
  auto e = ar({3, 1}).expand({2, 3, 4});
  CHECK(e.stride() == S{0, 1, 0});
  CHECK(e.to_vector() == V{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2});
  CHECK(ar({3}).expand_as(ar({2, 3})).stride() == S{0, 1});
  auto u = ar({7}).unfold(0, 3, 2);
  CHECK(u.shape() == Shape{3, 3});
  CHECK(u.stride() == S{2, 1});
  CHECK(u.to_vector() == V{0, 1, 2, 2, 3, 4, 4, 5, 6});
  auto m = x.mT();
  CHECK(m.shape() == Shape{2, 4, 3});
  CHECK(m.stride() == S{12, 1, 4});
  CHECK(ar({3, 4}).t().stride() == S{1, 4});
  // Unsqueeze/squeeze/view of a strided tensor keep viewing the storage.
  auto tt = ar({3, 4}).t();
  CHECK(tt.unsqueeze(1).stride() == S{1, 12, 4});
  CHECK(tt.unsqueeze(0).stride() == S{4, 1, 4});
  CHECK(tt.unsqueeze(1).is_same(tt) == false);
  CHECK(tt.unsqueeze(0).squeeze(0).stride() == S{1, 4});
  CHECK_FALSE(tt.unsqueeze(1).is_contiguous());
}

TEST_CASE("x.T, x.H, x.mH and x.adjoint(): views with PyTorch's grad_fn names and errors") {
  auto x = ar({2, 3, 4}).requires_grad_();
  auto t = x.T();
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK(t.grad_fn_name() == "PermuteBackward0");
  CHECK(t.stride() == std::vector<std::int64_t>{1, 4, 12});
  CHECK(x.mH().grad_fn_name() == "TransposeBackward0");
  CHECK(x.adjoint().stride() == x.mT().stride());
  CHECK(x[1].H().grad_fn_name() == "TransposeBackward0");
  CHECK(x[1].T().to_vector() == x[1].t().to_vector());
  auto v = ar({3}).requires_grad_();  // 1-D: a view of itself, as torch's PermuteBackward0
  CHECK(v.T().grad_fn_name() == "PermuteBackward0");
  CHECK(v.T().data_ptr() == v.data_ptr());
  CHECK_THROWS_WITH(x.H(), Catch::Matchers::Contains("tensor.H is only supported on matrices"));
  CHECK_THROWS_WITH(v.mH(), Catch::Matchers::Contains("Got 1-D tensor"));
  auto d = arange<double>(0., 6.).reshape({2, 3}).requires_grad_();
  CHECK(autograd::gradcheck([](const DoubleTensor& a) { return a.T().cos(); }, {d}));
}

TEST_CASE("as_strided views the storage and checks its bounds") {
  auto x = ar({3, 4});
  auto a = x.as_strided({2, 2}, {1, 4}, 1);
  CHECK(a.to_vector() == V{1, 5, 2, 6});
  CHECK(a.storage_offset() == 1);
  CHECK(a.stride() == S{1, 4});
  CHECK(x.as_strided({4}, {3}).to_vector() == V{0, 3, 6, 9});
  CHECK_THROWS_WITH(x.as_strided({2, 2}, {8, 4}),
                    Catch::Matchers::Contains("as_strided") &&
                        Catch::Matchers::Contains("out of bounds for storage of size 48"));
  CHECK_THROWS_AS(x.as_strided({2, 2}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(x.as_strided({2}, {-1}), std::invalid_argument);
}

TEST_CASE("a view sees later writes to its base") {
  auto x = ar({3, 4});
  auto t = x.t();
  auto s = x.slice(1, 1, 3);
  CHECK(t.to_vector()[1] == 4.f);
  x.fill_(1.f);
  CHECK(t.to_vector() == V(12, 1.f));
  CHECK(s.to_vector() == V(6, 1.f));
  x += ar({3, 4});
  CHECK(s.to_vector() == V{2, 3, 6, 7, 10, 11});
  {
    InferenceMode guard;  // writes in inference mode are seen as well
    x.zero_();
  }
  CHECK(s.to_vector() == V(6, 0.f));
}

TEST_CASE("writes through views go into the base, as in PyTorch") {
  auto x = ar({3, 4});
  x.slice(1, 0, 2).fill_(0.f);
  CHECK(x.to_vector() == V{0, 0, 2, 3, 0, 0, 6, 7, 0, 0, 10, 11});
  x = ar({3, 4});
  x.select(1, 2).copy_(tensor<float>({-1.f, -2.f, -3.f}));
  CHECK(x.to_vector() == V{0, 1, -1, 3, 4, 5, -2, 7, 8, 9, -3, 11});
  x = ar({3, 4});
  x.t()[1] += tensor<float>({10.f, 20.f, 30.f});
  CHECK(x.to_vector() == V{0, 11, 2, 3, 4, 25, 6, 7, 8, 39, 10, 11});
  x = ar({3, 4});
  x.t().mul_(2.f);
  CHECK(x.to_vector() == V{0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22});
  x = ar({3, 4});
  x.diagonal().zero_();
  CHECK(x.to_vector() == V{0, 1, 2, 3, 4, 0, 6, 7, 8, 9, 0, 11});
  x = ar({3, 4});
  x.slice(1, 0, 4, 3).sub_(1.f);
  CHECK(x.to_vector() == V{-1, 1, 2, 2, 3, 5, 6, 6, 7, 9, 10, 10});
  x = ar({3, 4});
  x.permute({1, 0}).slice(0, 1, 2).div_(tensor<float>({1.f, 5.f, 9.f}));
  CHECK(x.to_vector() == V{0, 1, 2, 3, 4, 1, 6, 7, 8, 1, 10, 11});
  x = ar({3, 4});
  x.as_strided({2}, {5}, 1).fill_(-1.f);
  CHECK(x.to_vector() == V{0, -1, 2, 3, 4, 5, -1, 7, 8, 9, 10, 11});
  x = ar({6});
  x.unfold(0, 2, 3).select(1, 0).fill_(9.f);
  CHECK(x.to_vector() == V{9, 1, 2, 9, 4, 5});
  // Other views of the same storage see the write.
  x = ar({3, 4});
  auto col = x.select(1, 0);
  x.t()[0].fill_(5.f);
  CHECK(col.to_vector() == V{5, 5, 5});
}

TEST_CASE("writing into an expanded view throws PyTorch's error (fill_ writes its one value)") {
  auto base = ar({3, 1});
  auto e = base.expand({3, 4});
  CHECK_THROWS_WITH(e.add_(1.f),
                    Catch::Matchers::Contains("add_") &&
                        Catch::Matchers::Contains("more than one element of the written-to "
                                                  "tensor refers to a single memory location"));
  CHECK_THROWS_AS(e *= tensor<float>({2.f}), std::invalid_argument);
  CHECK_THROWS_AS(e.copy_(ar({3, 4})), std::invalid_argument);
  CHECK_THROWS_AS(e.clamp_(0.f, 1.f), std::invalid_argument);
  CHECK_THROWS_AS(e.relu_(), std::invalid_argument);
  CHECK(base.to_vector() == V{0, 1, 2});
  e.fill_(7.f);  // as torch 1.13: every element refers to a memory location set to 7
  CHECK(base.to_vector() == V{7, 7, 7});
  CHECK_NOTHROW(ar({3, 1}).expand({3, 1}).add_(1.f));
}

TEST_CASE("mutable_data throws on a non-contiguous tensor") {
  auto x = ar({3, 4});
  CHECK(x.mutable_data() == x.data());
  CHECK_THROWS_WITH(x.t().mutable_data(), Catch::Matchers::Contains("mutable_data") &&
                                              Catch::Matchers::Contains("contiguous"));
}

TEST_CASE("contiguous() copies a strided view and returns a contiguous tensor as is") {
  auto x = ar({2, 3, 4});
  CHECK(x.contiguous().is_same(x));
  std::vector<Tensor> views = {
      x.transpose(0, 1),        x.permute({2, 0, 1}), x.slice(2, 0, 4, 2), x.select(2, 1),
      x.narrow(1, 1, 1),        x.diagonal(0, 1, 2),  x.unfold(2, 2, 1),   x.mT(),
      ar({1, 4}).expand({3, 4})};
  for (const auto& v : views) {
    auto c = v.contiguous();
    CHECK(c.is_contiguous());
    CHECK(c.shape() == v.shape());
    CHECK(c.to_vector() == v.to_vector());
    CHECK(c.stride() == detail::contiguous_strides(v.shape()));
  }
}

TEST_CASE("view() of a strided tensor follows PyTorch; reshape() copies where it must") {
  auto t = ar({3, 4}).t();
  CHECK_THROWS_WITH(t.view({12}), Catch::Matchers::Contains("view size is not compatible"));
  auto r = t.reshape({12});
  CHECK(r.to_vector() == V{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  auto x = ar({4, 6});
  auto s = x.slice(1, 0, 4);  // [4, 4] strides (6, 1)
  auto v = s.view({4, 2, 2});
  CHECK(v.stride() == S{6, 2, 1});
  v.fill_(0.f);
  CHECK(x.sum().item() == 108.f);
}

TEST_CASE("ops read strided views correctly") {
  auto a = ar({3, 4});
  auto b = ar({4, 3});
  auto at = a.t();  // [4, 3]
  CHECK((at + b).to_vector() == (at.contiguous() + b).to_vector());
  CHECK(at.matmul(a).to_vector() == at.contiguous().matmul(a).to_vector());
  CHECK(a.matmul(b.t().t()).to_vector() == a.matmul(b).to_vector());
  CHECK(at.sum(0).to_vector() == a.sum(1).to_vector());
  CHECK(at.exp().to_vector() == at.contiguous().exp().to_vector());
}

TEST_CASE("gradients flow through the views (float64 gradcheck)") {
  using autograd::gradcheck;
  auto x = randn<double>({3, 4}).requires_grad_();
  CHECK_NOTHROW(gradcheck([](const DoubleTensor& v) { return v.t().matmul(v); }, {x}));
  CHECK_NOTHROW(
      gradcheck([](const DoubleTensor& v) { return (v.slice(1, 0, 4, 2) * 2.0).exp(); }, {x}));
  CHECK_NOTHROW(gradcheck([](const DoubleTensor& v) { return v.select(1, 2).sin(); }, {x}));
  CHECK_NOTHROW(gradcheck([](const DoubleTensor& v) { return v.diagonal(1).exp(); }, {x}));
  CHECK_NOTHROW(gradcheck(
      [](const DoubleTensor& v) {
        return v.unsqueeze(0).expand({2, 3, 4}).exp();
      },
      {x}));
  CHECK_NOTHROW(gradcheck([](const DoubleTensor& v) { return v.unfold(1, 2, 1).exp(); }, {x}));
  CHECK_NOTHROW(gradcheck(
      [](const DoubleTensor& v) {
        return v.as_strided({2, 2}, {1, 4}, 1).exp();
      },
      {x}));
  CHECK_NOTHROW(gradcheck(
      [](const DoubleTensor& v) {
        return v.t().as_strided({3, 2}, {4, 1}).exp();
      },
      {x}));
  CHECK_NOTHROW(gradcheck([](const DoubleTensor& v) { return v.mT().reshape({12}).cos(); }, {x}));
  // Ops that save a strided view for backward (mul saves both operands).
  CHECK_NOTHROW(gradcheck(
      [](const DoubleTensor& v) {
        auto w = v.t();
        return w * w.slice(0, 0, 4, 1).sin() + v.diagonal().unsqueeze(0);
      },
      {x}));
}

TEST_CASE("a saved strided view detects a later write into its base") {
  auto x = randn<float>({3, 4}).requires_grad_();
  auto b = x * 2.f;
  auto v = b.t();
  auto y = v * v;  // saves the view v
  b.select(0, 1).fill_(0.f);
  CHECK_THROWS_WITH(y.sum().backward(), Catch::Matchers::Contains("modified by an inplace"));
}

TEST_CASE("overlapping windows of unfold can be filled but not otherwise written") {
  auto x = ar({6});
  auto u = x.unfold(0, 3, 1);  // windows overlap
  CHECK_THROWS_WITH(u.mul_(2.f), Catch::Matchers::Contains("mul_") &&
                                     Catch::Matchers::Contains("refers to a single memory"));
  u.fill_(1.f);
  CHECK(x.to_vector() == V(6, 1.f));
  auto disjoint = x.unfold(0, 2, 3);  // windows apart: writable
  disjoint.mul_(3.f);
  CHECK(x.to_vector() == V{3, 3, 1, 3, 3, 1});
  // as_strided layouts whose strides alone do not tell (sizes (3, 2), strides (2, 3)).
  auto y = ar({8});
  y.as_strided({3, 2}, {2, 3}).add_(1.f);
  CHECK(y.to_vector() == V{1, 1, 3, 4, 5, 6, 6, 8});
  CHECK_THROWS_AS(ar({8}).as_strided({3, 2}, {2, 2}).add_(1.f), std::invalid_argument);
}

TEST_CASE("in-place ops on a view of a leaf that requires grad throw PyTorch's error") {
  auto a = zeros<float>({3, 4}).requires_grad_();
  CHECK_THROWS_WITH(a.t()[0].fill_(1.f),
                    Catch::Matchers::Contains("a view of a leaf Variable that requires grad is "
                                              "being used in an in-place operation"));
  CHECK_THROWS_AS(a.slice(1, 0, 2).mul_(2.f), std::invalid_argument);
  CHECK_THROWS_AS(a.diagonal().add_(ones<float>({3})), std::invalid_argument);
  {
    NoGradGuard guard;  // allowed without grad mode, and written into the leaf
    a.t()[0].fill_(1.f);
  }
  CHECK(a.select(1, 0).to_vector() == V{1, 1, 1});
}

TEST_CASE("a write into a view of a non-leaf rebases the base's history (CopySlices)") {
  auto x = tensor<float>({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}}).requires_grad_();
  auto w = tensor<float>({10.f, 20.f}).requires_grad_();
  auto b = x * 2.f;
  auto v = b.t()[1];  // b[:, 1]
  v.mul_(w);
  CHECK(b.grad_fn_name() == "CopySlices");
  CHECK(v.grad_fn_name() == "AsStridedBackward0");
  CHECK(b.to_vector() == V{2, 40, 6, 8, 200, 12});
  (b * b).sum().backward();
  // torch 1.13 gives these values
  CHECK(x.grad().to_vector() == V{8, 1600, 24, 32, 16000, 48});
  CHECK(w.grad().to_vector() == V{320, 4000});
  // copy_ of another tensor into a slice: the base's gradient is zero there.
  auto y = ones<float>({2, 3}).requires_grad_();
  auto c = y * 3.f;
  c.slice(1, 1, 3).copy_(w.unsqueeze(1).expand({2, 2}));
  c.sum().backward();
  CHECK(y.grad().to_vector() == V{3, 0, 0, 3, 0, 0});
  CHECK(w.grad().to_vector() == V{322, 4002});
}

TEST_CASE("other views of a rebased base get its new history, as in PyTorch") {
  // torch 1.13 gives these gradients (the views' grad_fns are regenerated).
  auto x = tensor<float>({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}}).requires_grad_();
  auto w = tensor<float>({10.f, 20.f, 30.f}).requires_grad_();
  auto b = x * 2.f;
  auto v1 = b[0];
  auto v2 = b.select(1, 0);  // overlaps v1 at b[0, 0]
  v1.mul_(w);
  CHECK(v2.to_vector() == V{20, 8});
  (v2 * v2).sum().backward();
  CHECK(x.grad().to_vector() == V{800, 0, 0, 32, 0, 0});
  CHECK(w.grad().to_vector() == V{80, 0, 0});
  auto x2 = tensor<float>({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}}).requires_grad_();
  auto c = x2 * 2.f;
  auto t = c.t();
  c.mul_(3.f);  // an in-place op on the base itself
  t[0].sum().backward();
  CHECK(x2.grad().to_vector() == V{6, 0, 0, 6, 0, 0});
  auto z = zeros<float>({2, 3});
  auto row = z[1];
  z[0].copy_(w * 1.f);  // z now requires grad, and so does its view
  CHECK(row.requires_grad());
  CHECK(row.grad_fn_name() == "AsStridedBackward0");
  CHECK((row * 1.f).requires_grad());
}

TEST_CASE("gradcheck through in-place writes into views of non-leaves") {
  using autograd::gradcheck;
  auto x = randn<double>({3, 4}).requires_grad_();
  auto w = randn<double>({3}).requires_grad_();
  auto f = [](const DoubleTensor& a, const DoubleTensor& b) {
    auto c = a * 1.5;
    c.t()[1].mul_(b);
    c.slice(1, 0, 4, 2).add_(b.unsqueeze(1));
    c.diagonal().copy_(b.sin());
    c.select(0, 2).relu_();
    return c.exp();
  };
  CHECK_NOTHROW(gradcheck(f, {x, w}));
  auto g = [](const DoubleTensor& a) {
    auto c = a.sin();
    c.transpose(0, 1).narrow(0, 1, 2).div_(2.0);
    c.unsqueeze(0).select(2, 3).fill_(1.0);
    return c * a;
  };
  CHECK_NOTHROW(gradcheck(g, {x}));
}

TEST_CASE("matmul, mm, addmm and linear read a transposed matrix without gathering it") {
  auto x = randn<float>({5, 3}).requires_grad_();
  auto y = randn<float>({5, 4}).requires_grad_();
  auto xt = x.t();
  auto r = xt.matmul(y);
  CHECK(xt.impl()->cache->buffer == nullptr);  // x.t() was never materialised
  auto want = x.detach().t().contiguous().matmul(y.detach());
  CHECK(r.allclose(want));
  r.sum().backward();
  CHECK(xt.impl()->cache->buffer == nullptr);
  auto x2 = x.detach().clone().requires_grad_();
  auto y2 = y.detach().clone().requires_grad_();
  x2.t().contiguous().matmul(y2).sum().backward();
  CHECK(x.grad().allclose(x2.grad()));
  CHECK(y.grad().allclose(y2.grad()));
  auto yt = y.detach().t();  // [4, 5]
  const auto yx = y.detach().t().contiguous().mm(x.detach());
  CHECK(yt.mm(x.detach()).allclose(yx));
  CHECK(addmm(ones<float>({4, 3}), yt, x.detach()).allclose(yx + 1.f));
  CHECK(yt.impl()->cache->buffer == nullptr);
  auto w = randn<float>({3, 6});  // linear with a tied, transposed weight [6, 3]
  auto wt = w.t();
  auto in = randn<float>({2, 3});
  CHECK(nn::functional::linear(in, wt).allclose(in.matmul(w)));
  CHECK(wt.impl()->cache->buffer == nullptr);
}

/// A product case of the fixtures: the output and the strided operand views it built.
struct Product {
  Tensor out;
  std::vector<Tensor> views;
};
using ProductFn = std::function<Product(const std::vector<Tensor>&)>;

/// scripts/make_strided_fixtures.py's PRODUCT_CASES; `direct`: the views are read from their
/// storage (never gathered).
const std::map<std::string, std::pair<ProductFn, bool>>& product_cases() {
  static const std::map<std::string, std::pair<ProductFn, bool>> cases = {
      {"product_bmm_bt",
       {[](const std::vector<Tensor>& x) {
          auto bt = x[1].transpose(1, 2);
          return Product{bmm(x[0], bt), {bt}};
        },
        true}},
      {"product_bmm_at",
       {[](const std::vector<Tensor>& x) {
          auto at = x[0].mT();
          return Product{at.bmm(x[1]), {at}};
        },
        true}},
      {"product_matmul_4d_bcast",
       {[](const std::vector<Tensor>& x) {
          auto kt = x[1].transpose(-2, -1);
          return Product{matmul(x[0], kt), {kt}};
        },
        true}},
      {"product_matmul_both_t",
       {[](const std::vector<Tensor>& x) {
          auto at = x[0].mT(), bt = x[1].mT();
          return Product{matmul(at, bt), {at, bt}};
        },
        true}},
      {"product_baddbmm_t",
       {[](const std::vector<Tensor>& x) {
          auto bt = x[2].transpose(1, 2);
          return Product{baddbmm(x[0], x[1], bt, 0.5f, 2.f), {bt}};
        },
        true}},
      {"product_bmm_expanded",
       {[](const std::vector<Tensor>& x) {
          auto ae = x[0].expand({2, 3, 4});
          return Product{bmm(ae, x[1]), {ae}};
        },
        true}},
      {"product_matmul_gathered",  // rows H * D apart: gathered, values still right
       {[](const std::vector<Tensor>& x) {
          return Product{matmul(x[0].transpose(1, 2), x[1].permute({0, 2, 3, 1})), {}};
        },
        false}},
  };
  return cases;
}

void check_close(const Tensor& got, const Tensor& want) {
  REQUIRE(got.shape() == want.shape());
  const auto g = got.to_vector(), w = want.to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO("element " << i << ": got " << g[i] << ", torch " << w[i]);
    CHECK(std::abs(g[i] - w[i]) <= 1e-5f * std::abs(w[i]) + 1e-5f);
  }
}

TEST_CASE("bmm, batched matmul and baddbmm read transposed operands in place (torch values)") {
  const auto& f = fixtures();
  std::istringstream names(f.metadata.at("products"));
  int n = 0;
  for (std::string name; std::getline(names, name, ',');) {
    INFO("case " << name);
    ++n;
    REQUIRE(product_cases().count(name) == 1);
    const auto& [fn, direct] = product_cases().at(name);
    std::vector<Tensor> in;
    for (int i = 0; f.contains(name + "/input" + std::to_string(i)); ++i)
      in.push_back(
          std::get<Tensor>(f.at(name + "/input" + std::to_string(i))).clone().requires_grad_());
    auto [out, views] = fn(in);
    CHECK(direct == !views.empty());
    check_close(out, std::get<Tensor>(f.at(name + "/output")));
    const auto w = cos(arange<float>(0.f, static_cast<float>(out.numel()))).reshape(out.shape());
    (out * w).sum().backward();
    for (std::size_t i = 0; i < in.size(); ++i) {
      INFO("gradient of input " << i);
      check_close(in[i].grad(), std::get<Tensor>(f.at(name + "/grad" + std::to_string(i))));
    }
    for (const auto& v : views) {  // forward and backward never gathered the view
      REQUIRE_FALSE(v.is_contiguous());
      CHECK(v.impl()->cache->buffer == nullptr);
    }
  }
  CHECK(n == static_cast<int>(product_cases().size()));
}

TEST_CASE("batched products with transposed operands pass gradcheck (float64)") {
  using autograd::gradcheck;
  using D = const DoubleTensor&;
  Generator g(7);
  auto a = randn<double>({2, 3, 4}, g).requires_grad_();
  auto b = randn<double>({2, 5, 4}, g).requires_grad_();
  auto c = randn<double>({2, 4, 3}, g).requires_grad_();
  auto q = randn<double>({2, 1, 3, 4}, g).requires_grad_();
  auto k = randn<double>({3, 5, 4}, g).requires_grad_();
  auto in = randn<double>({3, 1}, g).requires_grad_();
  CHECK(gradcheck([](D x, D y) { return bmm(x, y.transpose(1, 2)); }, {a, b}));
  CHECK(gradcheck([](D x, D y) { return bmm(x.mT(), y.mT()); }, {c, a}));
  CHECK(gradcheck([](D x, D y) { return matmul(x, y.transpose(-2, -1)); }, {q, k}));
  CHECK(gradcheck([](D x, D y) { return matmul(y, x.transpose(-1, -2)); }, {q, k}));
  CHECK(gradcheck([](D i, D x, D y) { return baddbmm(i, x, y.mT(), 0.5, -1.5); }, {in, a, b}));
  CHECK(gradcheck(
      [](D x, D y) {
        return bmm(x.narrow(0, 1, 1).expand({2, 4, 3}).mT(), y);
      },
      {c, c}));
}

TEST_CASE("data_ptr() points into the storage as PyTorch's; raw writes through it reach views") {
  Tensor x = arange<float>(12).reshape({3, 4});
  Tensor t = x.t();                  // [4, 3], strides [1, 4]
  Tensor col = x.slice(1, 1, 4, 2);  // columns 1 and 3, offset 1
  CHECK(t.data_ptr() == x.data_ptr());
  CHECK(col.data_ptr() == x.data_ptr() + 1);
  // Element (i, j) of a view is at data_ptr()[i * stride(0) + j * stride(1)], as in PyTorch.
  CHECK(t.data_ptr()[2 * t.stride(0) + 1 * t.stride(1)] == 6.f);        // t[2][1] = x[1][2]
  CHECK(col.data_ptr()[1 * col.stride(0) + 1 * col.stride(1)] == 7.f);  // col[1][1] = x[1][3]
  // Views read before a raw write see it after: taking the pointer counts as a write.
  CHECK(t.sum(0).data()[0] == 6.f);  // gathers t
  float* p = x.data_ptr();
  p[0] = 100.f;
  CHECK(t.sum(0).data()[0] == 106.f);
  CHECK(col.contiguous().data()[0] == 1.f);
  col.data_ptr()[0] = -1.f;  // writes x[0][1]
  CHECK(x.data()[1] == -1.f);
  CHECK(col.contiguous().data()[0] == -1.f);
}

}  // namespace TORCHLET_TEST_FILE
