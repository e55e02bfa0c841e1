// Every loss against PyTorch (tests/fixtures/nn/losses.bin): the loss and the input
// gradient of sum(loss * gout) match to 1e-5 relative, for each reduction and option;
// then wrong targets give clear errors.
#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

using namespace torchlet;
using nn::Reduction;

namespace {

const fixture::File& losses() {
  static const fixture::File f("losses.bin");
  return f;
}

/// Runs fn(x) on case `name`'s input (requiring grad) and compares loss and gradient.
template <class F>
void check_loss(const std::string& name, F fn) {
  const auto& f = losses();
  INFO("case " << name);
  Tensor x = f.tensor(name + "/x");
  x.requires_grad_();
  auto loss = fn(x);
  CHECK(fixture::mismatch(loss, f.tensor(name + "/loss")) == "");
  const Tensor gout = f.tensor(name + "/gout");
  loss.backward(loss.dim() ? gout : gout.reshape({}));
  CHECK(fixture::mismatch(x.grad(), f.tensor(name + "/gx")) == "");
}

Tensor T(const std::string& name) { return losses().tensor(name); }
LongTensor L(const std::string& name) { return losses().longs(name); }

}  // namespace

TEST_CASE(
    "cross_entropy matches PyTorch with weight, ignore_index, label_smoothing and reductions") {
  namespace F = nn::functional;
  check_loss("ce", [](const Tensor& x) { return F::cross_entropy(x, L("ce/target")); });
  check_loss("ce_weight", [](const Tensor& x) {
    return F::cross_entropy(x, L("ce_weight/target"), {.weight = T("ce_weight/weight")});
  });
  check_loss("ce_ignore",
             [](const Tensor& x) { return F::cross_entropy(x, L("ce_ignore/target")); });
  check_loss("ce_ignore3", [](const Tensor& x) {
    return F::cross_entropy(x, L("ce_ignore3/target"), {.ignore_index = 3});
  });
  check_loss("ce_smooth", [](const Tensor& x) {
    return F::cross_entropy(x, L("ce_smooth/target"), {.label_smoothing = 0.1});
  });
  check_loss("ce_all", [](const Tensor& x) {
    return F::cross_entropy(x, L("ce_all/target"),
                            {.weight = T("ce_all/weight"), .label_smoothing = 0.2});
  });
  check_loss("ce_sum", [](const Tensor& x) {
    return F::cross_entropy(
        x, L("ce_sum/target"),
        {.weight = T("ce_sum/weight"), .reduction = Reduction::sum, .label_smoothing = 0.05});
  });
  check_loss("ce_none", [](const Tensor& x) {
    return F::cross_entropy(x, L("ce_none/target"),
                            {.reduction = Reduction::none, .label_smoothing = 0.1});
  });
  check_loss("ce_kdim", [](const Tensor& x) { return F::cross_entropy(x, L("ce_kdim/target")); });
  check_loss("ce_probs", [](const Tensor& x) {
    return F::cross_entropy(x, T("ce_probs/target"), {.label_smoothing = 0.1});
  });
  check_loss("ce_probs_weight", [](const Tensor& x) {
    return F::cross_entropy(x, T("ce_probs_weight/target"),
                            {.weight = T("ce_probs_weight/weight"), .reduction = Reduction::none});
  });
  // The module form holds the same options.
  nn::CrossEntropyLoss loss_fn{{.weight = T("ce_all/weight"), .label_smoothing = 0.2}};
  check_loss("ce_all", [&](const Tensor& x) { return loss_fn(x, L("ce_all/target")); });
}

TEST_CASE("nll_loss matches PyTorch") {
  namespace F = nn::functional;
  check_loss("nll", [](const Tensor& x) { return F::nll_loss(x, L("nll/target")); });
  check_loss("nll_weight", [](const Tensor& x) {
    return F::nll_loss(x, L("nll_weight/target"), {.weight = T("nll_weight/weight")});
  });
  check_loss("nll_none", [](const Tensor& x) {
    return F::nll_loss(x, L("nll_none/target"),
                       {.weight = T("nll_none/weight"), .reduction = Reduction::none});
  });
  nn::NLLLoss nll{{.reduction = Reduction::sum}};
  check_loss("nll_sum", [&](const Tensor& x) { return nll(x, L("nll_sum/target")); });
}

TEST_CASE("regression losses match PyTorch for every reduction") {
  namespace F = nn::functional;
  const std::pair<const char*, Reduction> reds[] = {
      {"mean", Reduction::mean}, {"sum", Reduction::sum}, {"none", Reduction::none}};
  for (const auto& red : reds) {
    const std::string s = red.first;
    const Reduction r = red.second;  // (clang 14 cannot capture structured bindings)
    check_loss("mse_" + s,
               [&](const Tensor& x) { return nn::MSELoss{r}(x, T("mse_" + s + "/target")); });
    check_loss("l1_" + s,
               [&](const Tensor& x) { return nn::L1Loss{r}(x, T("l1_" + s + "/target")); });
    check_loss("huber_" + s, [&](const Tensor& x) {
      return nn::HuberLoss{{.reduction = r, .delta = 0.5}}(x, T("huber_" + s + "/target"));
    });
    check_loss("smooth_l1_" + s, [&](const Tensor& x) {
      return nn::SmoothL1Loss{{.reduction = r, .beta = 0.5}}(x, T("smooth_l1_" + s + "/target"));
    });
  }
  check_loss("huber_default",
             [](const Tensor& x) { return F::huber_loss(x, T("huber_default/target")); });
  check_loss("smooth_l1_default",
             [](const Tensor& x) { return F::smooth_l1_loss(x, T("smooth_l1_default/target")); });
  check_loss("smooth_l1_beta0", [](const Tensor& x) {
    return F::smooth_l1_loss(x, T("smooth_l1_beta0/target"), Reduction::mean, 0.0);
  });
}

TEST_CASE("regression losses pass a gradient to a target that requires it") {
  auto a = tensor<float>({1.f, 2.f, 3.f}), b = tensor<float>({0.f, 2.f, 5.f});
  b.requires_grad_();
  nn::functional::mse_loss(a, b, Reduction::sum).backward();
  CHECK(b.grad().to_vector() == std::vector<float>{-2.f, 0.f, 4.f});  // -2 (a - b)
}

TEST_CASE("binary cross entropy losses match PyTorch") {
  namespace F = nn::functional;
  check_loss("bce", [](const Tensor& x) { return nn::BCELoss{}(x, T("bce/target")); });
  check_loss("bce_weight_sum", [](const Tensor& x) {
    return F::binary_cross_entropy(
        x, T("bce_weight_sum/target"),
        {.weight = T("bce_weight_sum/weight"), .reduction = Reduction::sum});
  });
  check_loss("bce_soft_none", [](const Tensor& x) {
    return F::binary_cross_entropy(x, T("bce_soft_none/target"), {.reduction = Reduction::none});
  });
  check_loss("bce_logits",
             [](const Tensor& x) { return nn::BCEWithLogitsLoss{}(x, T("bce_logits/target")); });
  check_loss("bce_logits_all", [](const Tensor& x) {
    return F::binary_cross_entropy_with_logits(
        x, T("bce_logits_all/target"),
        {.weight = T("bce_logits_all/weight"), .pos_weight = T("bce_logits_all/pos_weight")});
  });
  check_loss("bce_logits_none", [](const Tensor& x) {
    return F::binary_cross_entropy_with_logits(
        x, T("bce_logits_none/target"),
        {.reduction = Reduction::none, .pos_weight = T("bce_logits_none/pos_weight")});
  });
}

TEST_CASE("wrong targets give clear errors") {
  namespace F = nn::functional;
  auto logits = randn({4, 3});
  CHECK_THROWS_WITH(
      F::cross_entropy(logits, torchlet::tensor<std::int64_t>({0, 1, 2})),
      Catch::Contains(
          "target [3] does not match input [4, 3] (expected class indices of shape [4])"));
  CHECK_THROWS_WITH(F::cross_entropy(logits, torchlet::tensor<std::int64_t>({0, 1, 2, 3})),
                    Catch::Contains("target 3 is out of bounds for 3 classes (at index 3)"));
  // A float target is read as class probabilities; one shaped like indices is rejected.
  CHECK_THROWS_WITH(F::cross_entropy(logits, torchlet::tensor<float>({0, 1, 2, 0})),
                    Catch::Contains("class indices must be a LongTensor (int64) of shape [4]"));
  CHECK_THROWS_WITH(
      F::cross_entropy(logits, torchlet::tensor<std::int64_t>({0, 1, 2, 0}), {.weight = ones({4})}),
      Catch::Contains("one value per class (3)"));
  CHECK_THROWS_AS(F::cross_entropy(randn({2, 3, 4}), zeros<std::int64_t>({2, 3})), ShapeError);
  CHECK_THROWS_WITH(F::nll_loss(logits, torchlet::tensor<std::int64_t>({0, -1, 2, 0})),
                    Catch::Contains("target -1 is out of bounds"));
  CHECK_THROWS_WITH(
      F::mse_loss(randn({4, 1}), randn({4})),
      Catch::Contains("mse_loss: target [4] must have the same shape as input [4, 1]"));
  CHECK_THROWS_WITH(F::binary_cross_entropy(full({2}, 1.5f), zeros({2})),
                    Catch::Contains("between 0 and 1"));
  CHECK_THROWS_AS(
      F::binary_cross_entropy_with_logits(randn({2, 3}), zeros({2, 3}), {.pos_weight = ones({2})}),
      ShapeError);
  // ignore_index positions cost nothing; unbatched input [C] with a 0-dim target works.
  auto all_ignored = F::cross_entropy(logits, torchlet::tensor<std::int64_t>({-100, -100, -100, 1}),
                                      {.reduction = Reduction::sum});
  auto only_last = F::cross_entropy(logits[3].unsqueeze(0), torchlet::tensor<std::int64_t>({1}),
                                    {.reduction = Reduction::sum});
  CHECK(all_ignored.item() == Approx(only_last.item()));
  auto unbatched = F::cross_entropy(logits[3], full<std::int64_t>({}, 1));
  CHECK(unbatched.item() == Approx(only_last.item()));
}
