// PyTorch's overlap errors for in-place writes (issue 13): an input that shares some of the
// written-to tensor's elements is rejected (ATen's assert_no_partial_overlap for the elementwise
// ops and copy_, assert_no_overlap for index_put_, index_add_, index_copy_, scatter_ and
// scatter_add_), the same tensor and pairs PyTorch cannot decide pass. Which cases raise, and
// the values of those that do not, are torch 1.13's (run with /usr/bin/python3 on
// x = torch.arange(9.).reshape(3, 3)), hard-coded below.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <torchlet/tensor.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using V = std::vector<float>;
using indexing::Slice;

Tensor ar9() { return arange<float>(0.f, 9.f).reshape({3, 3}); }
LongTensor L(std::initializer_list<std::int64_t> v) { return tensor<std::int64_t>(v); }

const char* const kMessage =
    ": unsupported operation: some elements of the input tensor and the written-to tensor "
    "refer to a single memory location. Please clone() the tensor before performing the "
    "operation.";

// Runs f on a fresh x and checks PyTorch's overlap error, naming `op`; x must be unchanged.
void check_rejects(const std::string& op, const std::function<void(const Tensor&)>& f) {
  const auto x = ar9();
  INFO(op);
  CHECK_THROWS_WITH(f(x), Catch::Matchers::StartsWith(op + kMessage));
  CHECK(x.to_vector() == ar9().to_vector());
}

// Runs f on a fresh x and returns x's values afterwards.
V run(const std::function<void(const Tensor&)>& f) {
  const auto x = ar9();
  f(x);
  return x.to_vector();
}

TEST_CASE("in-place elementwise ops and copy_ reject a partially overlapping input") {
  using Case = std::pair<std::string, std::function<void(const Tensor&)>>;
  const std::vector<Case> cases = {
      {"add_", [](const Tensor& x) { x.add_(x.t()); }},
      {"add_", [](const Tensor& x) { x.slice(0, 1, 3).add_(x.slice(0, 0, 2)); }},
      {"add_", [](const Tensor& x) { x.t().add_(x); }},
      {"add_", [](const Tensor& x) { x.add_(x[0]); }},     // broadcast row of x itself
      {"add_", [](const Tensor& x) { x.add_(x[1][1]); }},  // a 0-D view of x
      {"add_", [](const Tensor& x) { x += x.t(); }},
      {"sub_", [](const Tensor& x) { x.sub_(x.t()); }},
      {"sub_", [](const Tensor& x) { x -= x.t(); }},
      {"mul_", [](const Tensor& x) { x.mul_(x.t()); }},
      {"mul_", [](const Tensor& x) { x *= x.flatten().slice(0, 0, 3); }},
      {"div_", [](const Tensor& x) { x.div_(x.t()); }},
      {"div_", [](const Tensor& x) { x /= x.t(); }},
      {"copy_", [](const Tensor& x) { x.slice(0, 1, 3).copy_(x.slice(0, 0, 2)); }},
      {"copy_", [](const Tensor& x) { x.copy_(x.t()); }},
      {"copy_", [](const Tensor& x) { x.t().copy_(x); }},
      {"copy_", [](const Tensor& x) { x.copy_(x[0]); }},
  };
  for (const auto& c : cases) {
    const auto& f = c.second;
    check_rejects(c.first, f);
  }
}

TEST_CASE("index_put_, index_add_, index_copy_, scatter_, scatter_add_ reject any shared element") {
  using Case = std::pair<std::string, std::function<void(const Tensor&)>>;
  const std::vector<Case> cases = {
      {"index_put_",
       [](const Tensor& x) {
         x.slice(0, 1, 3).index_put_({L({0, 1})}, x.slice(0, 0, 2));
       }},
      {"index_put_",
       [](const Tensor& x) {
         x.index_put_({L({0, 1})}, x.slice(0, 1, 3));
       }},
      {"index_put_",
       [](const Tensor& x) {
         x.index_put_({L({0, 1, 2})}, x);
       }},  // full overlap
      {"index_put_",
       [](const Tensor& x) {
         index_put_(x, {L({0, 1})}, x.slice(0, 1, 3), true);
       }},
      // basic indices: copy_ into the view x[1:] (x[1:] = x[:-1]; x[...] = x.t())
      {"index_put_", [](const Tensor& x) { x.index_put_({Slice(1)}, x.slice(0, 0, 2)); }},
      {"index_put_", [](const Tensor& x) { x.index_put_({indexing::Ellipsis}, x.t()); }},
      {"index_add_",
       [](const Tensor& x) {
         index_add_(x, 0, L({0, 1}), x.slice(0, 1, 3));
       }},
      {"index_add_",
       [](const Tensor& x) {
         index_add_(x, 0, L({0, 1}), x.slice(0, 1, 3), 2.f);
       }},
      {"index_add_",
       [](const Tensor& x) {
         index_add_(x, 0, L({0, 1, 2}), x);
       }},
      {"index_copy_",
       [](const Tensor& x) {
         index_copy_(x, 0, L({0, 1}), x.slice(0, 1, 3));
       }},
      {"index_copy_",
       [](const Tensor& x) {
         index_copy_(x, 0, L({0, 1, 2}), x);
       }},
      {"scatter_",
       [](const Tensor& x) {
         x.scatter_(0, tensor<std::int64_t>({{0, 1, 2}}), x.slice(0, 1, 2));
       }},
      {"scatter_",
       [](const Tensor& x) {
         x.scatter_(0, tensor<std::int64_t>({{0, 1, 2}}), x);
       }},
      {"scatter_add_",
       [](const Tensor& x) {
         x.scatter_add_(0, tensor<std::int64_t>({{0, 1, 2}}), x.slice(0, 1, 2));
       }},
  };
  for (const auto& c : cases) {
    const auto& f = c.second;
    check_rejects(c.first, f);
  }
}

TEST_CASE(
    "an index or mask of the tensor's own dtype sharing its storage is rejected as in PyTorch") {
  // x = torch.arange(6); x.index_put_((x[:2],), tensor([7, 7])) etc. all raise in torch 1.13.
  using Case = std::pair<std::string, std::function<void(const LongTensor&)>>;
  const std::vector<Case> cases = {
      {"index_put_",
       [](const LongTensor& x) {
         x.index_put_({x.slice(0, 0, 2)}, L({7, 7}));
       }},
      {"scatter_",
       [](const LongTensor& x) {
         x.scatter_(0, x.slice(0, 0, 2), L({7, 7}));
       }},
      {"index_add_",
       [](const LongTensor& x) {
         index_add_(x, 0, x.slice(0, 0, 2), L({7, 7}));
       }},
      {"index_copy_",
       [](const LongTensor& x) {
         index_copy_(x, 0, x.slice(0, 0, 2), L({7, 7}));
       }},
  };
  for (const auto& c : cases) {
    const auto x = arange<std::int64_t>(0, 6);
    const auto& f = c.second;
    INFO(c.first);
    CHECK_THROWS_WITH(f(x), Catch::Matchers::StartsWith(c.first + kMessage));
    CHECK(x.to_vector() == arange<std::int64_t>(0, 6).to_vector());
  }
  // A BoolTensor's mask sharing its storage (masked_fill_ checks it, masked_scatter_ not).
  const auto b = tensor<bool>({true, false, true, true, false});
  CHECK_THROWS_WITH(b.slice(0, 1, 5).masked_fill_(b.slice(0, 0, 4), false),
                    Catch::Matchers::StartsWith(std::string("masked_fill_") + kMessage));
  CHECK(b.to_vector() == std::vector<bool>{true, false, true, true, false});
  b.masked_fill_(b, false);  // the same tensor: torch 1.13 gives all False
  CHECK(b.to_vector() == std::vector<bool>(5, false));
  // A separate index of the same values is fine.
  const auto x = arange<std::int64_t>(0, 6);
  index_copy_(x, 0, x.slice(0, 0, 2).clone(), L({7, 7}));
  CHECK(x.to_vector() == std::vector<std::int64_t>{7, 7, 2, 3, 4, 5});
}

TEST_CASE("the overlap error names both tensors' shapes and strides") {
  const auto x = ar9();
  CHECK_THROWS_WITH(x.add_(x.t()),
                    std::string("add_") + kMessage +
                        " (written-to tensor: shape [3, 3], strides [3, 1], storage offset 0; "
                        "input: shape [3, 3], strides [1, 3], storage offset 0)");
  CHECK_THROWS_WITH(x.slice(0, 1, 3).copy_(x.slice(0, 0, 2)),
                    Catch::Matchers::EndsWith(
                        "(written-to tensor: shape [2, 3], strides [3, 1], storage offset 3; "
                        "input: shape [2, 3], strides [3, 1], storage offset 0)"));
  CHECK_THROWS_AS(x.mul_(x.t()), std::invalid_argument);
}

TEST_CASE("no error where PyTorch raises none; values as torch 1.13's") {
  // The same tensor, or the same elements in the same order: a full overlap.
  CHECK(run([](const Tensor& x) { x.add_(x); }) == V{0, 2, 4, 6, 8, 10, 12, 14, 16});
  CHECK(run([](const Tensor& x) { x.add_(x.view({3, 3})); }) == V{0, 2, 4, 6, 8, 10, 12, 14, 16});
  CHECK(run([](const Tensor& x) { x.add_(x.detach()); }) == V{0, 2, 4, 6, 8, 10, 12, 14, 16});
  CHECK(run([](const Tensor& x) { x *= x; }) == V{0, 1, 4, 9, 16, 25, 36, 49, 64});
  CHECK(run([](const Tensor& x) { x.copy_(x); }) == V{0, 1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(run([](const Tensor& x) { x.copy_(x.view({3, 3})); }) == V{0, 1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(run([](const Tensor& x) { x.view({9}).slice(0, 0, 3).add_(x[0]); }) ==
        V{0, 2, 4, 3, 4, 5, 6, 7, 8});
  // Disjoint parts of one storage.
  CHECK(run([](const Tensor& x) { x[0].add_(x[1]); }) == V{3, 5, 7, 3, 4, 5, 6, 7, 8});
  // A view with gaps (x[:, 0]): PyTorch does not decide, and lets it pass.
  CHECK(run([](const Tensor& x) { x[0].add_(x.select(1, 0)); }) == V{0, 4, 8, 3, 4, 5, 6, 7, 8});
  CHECK(run([](const Tensor& x) { x[0].add_(x.t()[0]); }) == V{0, 4, 8, 3, 4, 5, 6, 7, 8});
  // Scalars taken from x, masked_fill_ with a 0-D value of x, masked_scatter_ (no check in
  // PyTorch), empty tensors.
  CHECK(run([](const Tensor& x) { x.slice(0, 1, 3).fill_(x[0][0].item()); }) ==
        V{0, 1, 2, 0, 0, 0, 0, 0, 0});
  CHECK(run([](const Tensor& x) { x.masked_fill_(x > 3.f, x[0][1]); }) ==
        V{0, 1, 2, 3, 1, 1, 1, 1, 1});
  CHECK(run([](const Tensor& x) { x.masked_scatter_(x > 3.f, x.t()); }) ==
        V{0, 1, 2, 3, 0, 3, 6, 1, 4});
  CHECK(run([](const Tensor& x) { x.narrow(0, 0, 0).copy_(x.narrow(0, 1, 0)); }) ==
        V{0, 1, 2, 3, 4, 5, 6, 7, 8});
}

TEST_CASE("x[indices] = values follows PyTorch's setitem: no error where it raises none") {
  // x[1:] = x[0] and x[1:] = x[:1]: values broadcast (expanded), not decided.
  CHECK(run([](const Tensor& x) { x.index_put_({Slice(1)}, x[0]); }) ==
        V{0, 1, 2, 0, 1, 2, 0, 1, 2});
  CHECK(run([](const Tensor& x) { x.index_put_({Slice(1)}, x.slice(0, 0, 1)); }) ==
        V{0, 1, 2, 0, 1, 2, 0, 1, 2});
  // x[:] = x: the same elements.
  CHECK(run([](const Tensor& x) { x.index_put_({Slice()}, x); }) == V{0, 1, 2, 3, 4, 5, 6, 7, 8});
  // x[0] = x[:, 0]: values with gaps.
  CHECK(run([](const Tensor& x) { x.index_put_({0}, x.select(1, 0)); }) ==
        V{0, 3, 6, 3, 4, 5, 6, 7, 8});
  // x[0:1] = x[1:2].unsqueeze(0): disjoint.
  CHECK(run([](const Tensor& x) { x.index_put_({Slice(0, 1)}, x.slice(0, 1, 2).unsqueeze(0)); }) ==
        V{3, 4, 5, 3, 4, 5, 6, 7, 8});
  // x[tensor([0, 1]), 1:] = x[1:, :2]: the view x[:, 1:] has gaps.
  CHECK(run([](const Tensor& x) {
          x.index_put_({L({0, 1}), Slice(1)}, x.slice(0, 1, 3).slice(1, 0, 2));
        }) == V{0, 3, 4, 3, 6, 7, 6, 7, 8});
  CHECK(run([](const Tensor& x) {
          x.index_put_({L({0, 1}), Slice(0, 2)}, x.slice(0, 1, 3).slice(1, 1, 3));
        }) == V{4, 5, 2, 7, 8, 5, 6, 7, 8});
  // x[x > 3] = x[0, 0] and x[0, :1]: one mask and one value: PyTorch's masked_fill_.
  CHECK(run([](const Tensor& x) { x.index_put_({x > 3.f}, x[0][0]); }) ==
        V{0, 1, 2, 3, 0, 0, 0, 0, 0});
  CHECK(run([](const Tensor& x) { x.index_put_({x > 3.f}, x[0].slice(0, 0, 1)); }) ==
        V{0, 1, 2, 3, 0, 0, 0, 0, 0});
  // ... but not with accumulate (index_put_'s own rule).
  const auto x = ar9();
  CHECK_THROWS_WITH(index_put_(x, {x > 3.f}, x[0][0], true),
                    Catch::Matchers::StartsWith(std::string("index_put_") + kMessage));
}

TEST_CASE("out-of-place ops with overlapping inputs and in-place ops across storages still work") {
  const auto x = ar9();
  CHECK((x + x.t()).to_vector() == V{0, 4, 8, 4, 8, 12, 8, 12, 16});
  CHECK(index_add(x, 0, L({0, 1}), x.slice(0, 1, 3)).to_vector() == V{3, 5, 7, 9, 11, 13, 6, 7, 8});
  CHECK(index_copy(x, 0, L({0, 1, 2}), x).to_vector() == x.to_vector());
  CHECK(scatter(x, 0, tensor<std::int64_t>({{0, 1, 2}}), x.slice(0, 1, 2)).to_vector() ==
        V{3, 1, 2, 3, 4, 5, 6, 7, 5});
  CHECK(x.index_put({L({0, 1})}, x.slice(0, 1, 3)).to_vector() == V{3, 4, 5, 6, 7, 8, 6, 7, 8});
  CHECK(x.to_vector() == ar9().to_vector());

  const auto y = zeros<float>({3, 3});
  y.add_(x.t());
  CHECK(y.to_vector() == V{0, 3, 6, 1, 4, 7, 2, 5, 8});
  y.copy_(x[0]);
  CHECK(y.to_vector() == V{0, 1, 2, 0, 1, 2, 0, 1, 2});
  index_copy_(y, 0, L({2}), x.slice(0, 1, 2));
  CHECK(y.to_vector() == V{0, 1, 2, 0, 1, 2, 3, 4, 5});
  y.index_put_({L({0, 1})}, x.slice(0, 1, 3));
  CHECK(y.to_vector() == V{3, 4, 5, 6, 7, 8, 3, 4, 5});

  // A graph through the written tensor: the error comes before anything is recorded.
  const auto w = ar9().requires_grad_();
  const auto h = w * 1.f;
  CHECK_THROWS_WITH(h.add_(h.t()), Catch::Matchers::StartsWith(std::string("add_") + kMessage));
  CHECK(h.grad_fn_name() == "MulBackward0");
  h.add_(h);
  h.sum().backward();
  CHECK(w.grad().to_vector() == V(9, 2.f));
}

}  // namespace TORCHLET_TEST_FILE
