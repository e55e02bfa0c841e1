// Every loss against PyTorch (tests/fixtures/nn/losses.safetensors), one test case per
// fixture case ("<case> matches PyTorch"): the loss and the input gradient of
// sum(loss * gout) match to 1e-5 relative, for each reduction and option; then wrong
// targets give clear errors.
#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using nn::Reduction;

namespace {

const fixture::File& losses() {
  static const fixture::File f("losses.safetensors");
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

/// LOSS("case", expression of x): the test case "case matches PyTorch", which evaluates the
/// expression on the case's input x and compares (check_loss).
#define LOSS(name, ...)                                                       \
  TEST_CASE(name " matches PyTorch", "[parity]") {                            \
    check_loss(name, [&](const Tensor& x) -> Tensor { return __VA_ARGS__; }); \
  }                                                                           \
  static_assert(true)

namespace F = nn::functional;

// cross_entropy with weight, ignore_index, label_smoothing and reductions
LOSS("ce", F::cross_entropy(x, L("ce/target")));
LOSS("ce_weight", F::cross_entropy(x, L("ce_weight/target"), {.weight = T("ce_weight/weight")}));
LOSS("ce_ignore", F::cross_entropy(x, L("ce_ignore/target")));
LOSS("ce_ignore3", F::cross_entropy(x, L("ce_ignore3/target"), {.ignore_index = 3}));
LOSS("ce_smooth", F::cross_entropy(x, L("ce_smooth/target"), {.label_smoothing = 0.1}));
LOSS("ce_all", F::cross_entropy(x, L("ce_all/target"),
                                {.weight = T("ce_all/weight"), .label_smoothing = 0.2}));
LOSS("ce_sum", F::cross_entropy(x, L("ce_sum/target"),
                                {.weight = T("ce_sum/weight"),
                                 .reduction = Reduction::sum,
                                 .label_smoothing = 0.05}));
LOSS("ce_none", F::cross_entropy(x, L("ce_none/target"),
                                 {.reduction = Reduction::none, .label_smoothing = 0.1}));
LOSS("ce_kdim", F::cross_entropy(x, L("ce_kdim/target")));
LOSS("ce_probs", F::cross_entropy(x, T("ce_probs/target"), {.label_smoothing = 0.1}));
LOSS("ce_probs_weight",
     F::cross_entropy(x, T("ce_probs_weight/target"),
                      {.weight = T("ce_probs_weight/weight"), .reduction = Reduction::none}));

TEST_CASE("CrossEntropyLoss holds the options of cross_entropy", "[parity]") {
  nn::CrossEntropyLoss loss_fn{{.weight = T("ce_all/weight"), .label_smoothing = 0.2}};
  check_loss("ce_all", [&](const Tensor& x) { return loss_fn(x, L("ce_all/target")); });
}

// nll_loss
LOSS("nll", F::nll_loss(x, L("nll/target")));
LOSS("nll_weight", F::nll_loss(x, L("nll_weight/target"), {.weight = T("nll_weight/weight")}));
LOSS("nll_none", F::nll_loss(x, L("nll_none/target"),
                             {.weight = T("nll_none/weight"), .reduction = Reduction::none}));
LOSS("nll_sum", nn::NLLLoss{{.reduction = Reduction::sum}}(x, L("nll_sum/target")));

// regression losses, every reduction
LOSS("mse_mean", nn::MSELoss{{.reduction = Reduction::mean}}(x, T("mse_mean/target")));
LOSS("mse_sum", nn::MSELoss{{.reduction = Reduction::sum}}(x, T("mse_sum/target")));
LOSS("mse_none", nn::MSELoss{{.reduction = Reduction::none}}(x, T("mse_none/target")));
LOSS("l1_mean", nn::L1Loss{{.reduction = Reduction::mean}}(x, T("l1_mean/target")));
LOSS("l1_sum", nn::L1Loss{{.reduction = Reduction::sum}}(x, T("l1_sum/target")));
LOSS("l1_none", nn::L1Loss{{.reduction = Reduction::none}}(x, T("l1_none/target")));
LOSS("huber_mean",
     nn::HuberLoss{{.reduction = Reduction::mean, .delta = 0.5}}(x, T("huber_mean/target")));
LOSS("huber_sum",
     nn::HuberLoss{{.reduction = Reduction::sum, .delta = 0.5}}(x, T("huber_sum/target")));
LOSS("huber_none",
     nn::HuberLoss{{.reduction = Reduction::none, .delta = 0.5}}(x, T("huber_none/target")));
LOSS("smooth_l1_mean",
     nn::SmoothL1Loss{{.reduction = Reduction::mean, .beta = 0.5}}(x, T("smooth_l1_mean/target")));
LOSS("smooth_l1_sum",
     nn::SmoothL1Loss{{.reduction = Reduction::sum, .beta = 0.5}}(x, T("smooth_l1_sum/target")));
LOSS("smooth_l1_none",
     nn::SmoothL1Loss{{.reduction = Reduction::none, .beta = 0.5}}(x, T("smooth_l1_none/target")));
LOSS("huber_default", F::huber_loss(x, T("huber_default/target")));
LOSS("smooth_l1_default", F::smooth_l1_loss(x, T("smooth_l1_default/target")));
LOSS("smooth_l1_beta0", F::smooth_l1_loss(x, T("smooth_l1_beta0/target"), {.beta = 0.0}));

TEST_CASE("every loss takes its keyword arguments as one options struct last (issue 15)") {
  // The functional forms take the struct the modules hold, beta and delta included.
  check_loss("smooth_l1_sum", [](const Tensor& x) {
    return F::smooth_l1_loss(x, T("smooth_l1_sum/target"),
                             {.reduction = Reduction::sum, .beta = 0.5});
  });
  check_loss("huber_none", [](const Tensor& x) {
    return F::huber_loss(x, T("huber_none/target"), {.reduction = Reduction::none, .delta = 0.5});
  });
  check_loss("mse_sum", [](const Tensor& x) {
    return F::mse_loss(x, T("mse_sum/target"), {.reduction = Reduction::sum});
  });
  check_loss("l1_none", [](const Tensor& x) {
    return F::l1_loss(x, T("l1_none/target"), {.reduction = Reduction::none});
  });
  check_loss("nll_sum", [](const Tensor& x) {
    return F::nll_loss(x, L("nll_sum/target"), {.reduction = Reduction::sum});
  });
  nn::MSELoss mse{{.reduction = Reduction::sum}};
  CHECK(mse.options.reduction == Reduction::sum);
  CHECK(nn::L1Loss{}.options.reduction == Reduction::mean);
  CHECK_THROWS_WITH(F::smooth_l1_loss(randn({2}), randn({2}), {.beta = -1.0}),
                    Catch::Contains("smooth_l1_loss: beta must be non-negative, got -1"));
  CHECK_THROWS_WITH(F::huber_loss(randn({2}), randn({2}), {.delta = 0.0}),
                    Catch::Contains("huber_loss: delta must be positive"));
}

TEST_CASE("regression losses pass a gradient to a target that requires it") {
  auto a = tensor<float>({1.f, 2.f, 3.f}), b = tensor<float>({0.f, 2.f, 5.f});
  b.requires_grad_();
  nn::functional::mse_loss(a, b, {.reduction = Reduction::sum}).backward();
  CHECK(b.grad().to_vector() == std::vector<float>{-2.f, 0.f, 4.f});  // -2 (a - b)
}

// binary cross entropy, on probabilities and on logits
LOSS("bce", nn::BCELoss{}(x, T("bce/target")));
LOSS("bce_weight_sum",
     F::binary_cross_entropy(x, T("bce_weight_sum/target"),
                             {.weight = T("bce_weight_sum/weight"), .reduction = Reduction::sum}));
LOSS("bce_soft_none",
     F::binary_cross_entropy(x, T("bce_soft_none/target"), {.reduction = Reduction::none}));
LOSS("bce_logits", nn::BCEWithLogitsLoss{}(x, T("bce_logits/target")));
LOSS("bce_logits_all",
     F::binary_cross_entropy_with_logits(x, T("bce_logits_all/target"),
                                         {.weight = T("bce_logits_all/weight"),
                                          .pos_weight = T("bce_logits_all/pos_weight")}));
LOSS("bce_logits_none",
     F::binary_cross_entropy_with_logits(x, T("bce_logits_none/target"),
                                         {.reduction = Reduction::none,
                                          .pos_weight = T("bce_logits_none/pos_weight")}));

TEST_CASE("wrong targets give clear errors") {
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

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef LOSS
