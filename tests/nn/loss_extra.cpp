// Issue 15's distances and losses against PyTorch (tests/fixtures/nn/losses_extra.safetensors,
// written by scripts/make_loss_fixtures.py), one test case per fixture case ("<case>
// matches PyTorch"): the output and the gradient of every differentiable input (for
// sum(out * gout)) match to 1e-5 relative; the modules print as PyTorch's reprs. Then
// gradcheck of every functional form in float64, and the errors.
#include <cmath>
#include <map>
#include <set>

#include <torchlet/nn.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace F = torchlet::nn::functional;
using D = DoubleTensor;
using nn::Reduction;

namespace {

const std::string kFile = "losses_extra.safetensors";

const fixture::File& fx() {
  static const fixture::File f(kFile);
  return f;
}

const std::map<std::string, std::string>& metadata() {
  static const auto m =
      io::load_file(std::string(TORCHLET_SOURCE_DIR) + "/tests/fixtures/nn/" + kFile).metadata;
  return m;
}

std::string meta(const std::string& key) {
  const auto it = metadata().find(key);
  if (it == metadata().end()) throw std::runtime_error("fixture: no metadata " + key);
  return it->second;
}

/// The fixture cases that have a test case (filled as the test cases are registered).
std::set<std::string>& tested() {
  static std::set<std::string> names;
  return names;
}

/// Registers `name` in tested() at static initialisation.
struct Tested {
  explicit Tested(const char* name) { tested().insert(name); }
};

/// The differentiable inputs of case `name`, by name, each a leaf requiring grad.
using Inputs = std::map<std::string, Tensor>;

/// Runs fn(inputs) on case `name` and compares the output and every input's gradient.
template <class Fn>
void check_case(const std::string& name, Fn fn) {
  INFO("case " << name);
  Inputs in;
  std::string list = meta("grads/" + name) + ",";
  for (std::size_t at = 0, comma; (comma = list.find(',', at)) != std::string::npos;
       at = comma + 1) {
    const std::string k = list.substr(at, comma - at);
    in[k] = fx().tensor(name + "/" + k).requires_grad_();
  }
  Tensor out = fn(in);
  CHECK(fixture::mismatch(out, fx().tensor(name + "/out")) == "");
  const Tensor gout = fx().tensor(name + "/gout");
  out.backward(out.dim() ? gout : gout.reshape({}));
  for (auto& [k, v] : in) {
    INFO("gradient of " << k);
    CHECK(fixture::mismatch(v.grad(), fx().tensor(name + "/g" + k)) == "");
  }
}

Tensor T(const std::string& name) { return fx().tensor(name); }
LongTensor L(const std::string& name) { return fx().longs(name); }

D leaf(Shape s, std::uint64_t seed, double scale = 1.0) {
  Generator g(seed);
  auto t = randn<double>(s, g);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] *= scale;
  return t.requires_grad_();
}

}  // namespace

#define GRADCHECK(...) CHECK_NOTHROW(autograd::gradcheck(__VA_ARGS__))

#define TORCHLET_CAT2(a, b) a##b
#define TORCHLET_CAT(a, b) TORCHLET_CAT2(a, b)

/// CASE("case", expression of `in`): "case matches PyTorch", registered in tested().
#define CASE(name, ...)                                                  \
  TEST_CASE(name " matches PyTorch", "[parity]") {                       \
    check_case(name, [&](Inputs& in) -> Tensor { return __VA_ARGS__; }); \
  }                                                                      \
  static const Tested TORCHLET_CAT(tested_case_, __LINE__) { name }

// ------------------------------------------------------------------------------- distances
CASE("cos_sim", F::cosine_similarity(in["x1"], in["x2"]));
CASE("cos_sim_tiny", F::cosine_similarity(in["x1"], in["x2"]));
CASE("cos_sim_bcast", F::cosine_similarity(in["x1"], in["x2"], {.dim = -1, .eps = 1e-6}));
CASE("cos_sim_one_to_many", F::cosine_similarity(in["x1"], in["x2"], {.dim = 1}));
CASE("cos_sim_module", nn::CosineSimilarity{{.dim = 0, .eps = 1e-6}}(in["x1"], in["x2"]));
CASE("pdist", F::pairwise_distance(in["x1"], in["x2"]));
CASE("pdist_p1_keepdim", F::pairwise_distance(in["x1"], in["x2"], {.p = 1, .keepdim = true}));
CASE("pdist_p3_bcast", F::pairwise_distance(in["x1"], in["x2"], {.p = 3, .eps = 1e-3}));
CASE("pdist_1d", F::pairwise_distance(in["x1"], in["x2"]));
CASE("pdist_inf_module",
     nn::PairwiseDistance{{.p = std::numeric_limits<double>::infinity()}}(in["x1"], in["x2"]));

TEST_CASE("distance modules print as PyTorch's") {
  CHECK(nn::CosineSimilarity{}.repr() == meta("repr/CosineSimilarity"));
  CHECK(nn::PairwiseDistance{}.repr() == meta("repr/PairwiseDistance"));
}

TEST_CASE("gradcheck the distances in float64") {
  GRADCHECK([](const D& a, const D& b) { return F::cosine_similarity(a, b); },
            {leaf({3, 4}, 1), leaf({3, 4}, 2)});
  GRADCHECK([](const D& a, const D& b) { return F::cosine_similarity(a, b, {.dim = 0}); },
            {leaf({4, 1}, 3), leaf({4, 3}, 4)});
  GRADCHECK([](const D& a, const D& b) { return F::pairwise_distance(a, b); },
            {leaf({3, 4}, 5), leaf({4}, 6)});
  GRADCHECK([](const D& a, const D& b) { return F::pairwise_distance(a, b, {.p = 1.5}); },
            {leaf({3, 4}, 7), leaf({3, 4}, 8)});
}

TEST_CASE("distances reject inputs that do not broadcast or a dim out of range") {
  CHECK_THROWS_AS(F::cosine_similarity(randn({3, 4}), randn({2, 4})), ShapeError);
  CHECK_THROWS_WITH(F::cosine_similarity(randn({3, 4}), randn({3, 4}), {.dim = 2}),
                    Catch::Contains("cosine_similarity: dim 2 is out of range for inputs "
                                    "broadcast to [3, 4]"));
  CHECK_THROWS_WITH(F::pairwise_distance(randn({3, 4}), randn({3, 5})),
                    Catch::Contains("pairwise_distance"));
  CHECK_THROWS_WITH(F::pairwise_distance(randn({}), randn({})),
                    Catch::Contains("pairwise_distance: expected inputs with at least one dim"));
}

// ---------------------------------------------------------- kl_div, poisson, gaussian
CASE("kl_div", F::kl_div(in["x"], in["t"]));
CASE("kl_div_batchmean", nn::KLDivLoss{{.reduction = Reduction::batchmean}}(in["x"], in["t"]));
CASE("kl_div_sum_log_target",
     F::kl_div(in["x"], in["t"], {.reduction = Reduction::sum, .log_target = true}));
CASE("kl_div_none_zeros", F::kl_div(in["x"], in["t"], {.reduction = Reduction::none}));
CASE("poisson", F::poisson_nll_loss(in["x"], in["t"]));
CASE("poisson_rate_full_sum",
     nn::PoissonNLLLoss{{.log_input = false, .full = true, .reduction = Reduction::sum}}(
         in["x"], T("poisson_rate_full_sum/t")));
CASE("poisson_full_none",
     F::poisson_nll_loss(in["x"], T("poisson_full_none/t"),
                         {.full = true, .eps = 1e-4, .reduction = Reduction::none}));
CASE("gaussian", F::gaussian_nll_loss(in["x"], in["t"], in["v"]));
CASE("gaussian_hetero_full", nn::GaussianNLLLoss{{.full = true}}(in["x"], in["t"], in["v"]));
CASE("gaussian_homo_sum",
     F::gaussian_nll_loss(in["x"], in["t"], in["v"], {.eps = 1e-3, .reduction = Reduction::sum}));
CASE("gaussian_none",
     F::gaussian_nll_loss(in["x"], in["t"], in["v"], {.reduction = Reduction::none}));

// -------------------------------------------------------- margin and embedding losses
CASE("margin_ranking", F::margin_ranking_loss(in["x1"], in["x2"], T("margin_ranking/y")));
CASE("margin_ranking_sum", nn::MarginRankingLoss{{.margin = 0.5, .reduction = Reduction::sum}}(
                               in["x1"], in["x2"], T("margin_ranking_sum/y")));
CASE("hinge", F::hinge_embedding_loss(in["x"], T("hinge/y")));
CASE("hinge_margin_none",
     nn::HingeEmbeddingLoss{
         {.margin = 2.0, .reduction = Reduction::none}}(in["x"], T("hinge_margin_none/y")));
CASE("soft_margin", F::soft_margin_loss(in["x"], T("soft_margin/y")));
CASE("soft_margin_none",
     nn::SoftMarginLoss{{.reduction = Reduction::none}}(in["x"], T("soft_margin_none/y")));
CASE("multilabel_soft_margin",
     F::multilabel_soft_margin_loss(in["x"], T("multilabel_soft_margin/y")));
CASE("multilabel_soft_margin_weight_none",
     nn::MultiLabelSoftMarginLoss{
         {.weight = T("multilabel_soft_margin_weight_none/weight"),
          .reduction = Reduction::none}}(in["x"], T("multilabel_soft_margin_weight_none/y")));
CASE("cosine_embedding", F::cosine_embedding_loss(in["x1"], in["x2"], T("cosine_embedding/y")));
CASE("cosine_embedding_margin_sum",
     nn::CosineEmbeddingLoss{
         {.margin = -0.3, .reduction = Reduction::sum}}(in["x1"], in["x2"],
                                                        T("cosine_embedding_margin_sum/y")));
CASE("cosine_embedding_1d",
     F::cosine_embedding_loss(in["x1"], in["x2"], T("cosine_embedding_1d/y")));
CASE("multi_margin", F::multi_margin_loss(in["x"], L("multi_margin/target")));
CASE("multi_margin_p2_weight",
     nn::MultiMarginLoss{{.p = 2, .margin = 0.7, .weight = T("multi_margin_p2_weight/weight")}}(
         in["x"], L("multi_margin_p2_weight/target")));
CASE("multi_margin_none",
     F::multi_margin_loss(in["x"], L("multi_margin_none/target"), {.reduction = Reduction::none}));
CASE("multilabel_margin", F::multilabel_margin_loss(in["x"], L("multilabel_margin/target")));
CASE("multilabel_margin_none_1d",
     nn::MultiLabelMarginLoss{
         {.reduction = Reduction::none}}(in["x"], L("multilabel_margin_none_1d/target")));
CASE("triplet", F::triplet_margin_loss(in["a"], in["p"], in["n"]));
CASE("triplet_p1_swap_none",
     nn::TripletMarginLoss{
         {.margin = 0.5, .p = 1, .swap = true, .reduction = Reduction::none}}(in["a"], in["p"],
                                                                              in["n"]));
CASE("triplet_distance", F::triplet_margin_with_distance_loss(in["a"], in["p"], in["n"]));

static const Tested tested_triplet_distance_cosine{"triplet_distance_cosine_swap_sum"};
TEST_CASE("triplet_distance_cosine_swap_sum matches PyTorch", "[parity]") {
  // Any callable as the distance: here a lambda over cosine_similarity.
  nn::TripletMarginWithDistanceLoss loss_fn{
      {.distance_function = [](const Tensor& u,
                               const Tensor& v) { return 1.0f - F::cosine_similarity(u, v); },
       .margin = 0.5,
       .swap = true,
       .reduction = Reduction::sum}};
  CHECK(loss_fn.repr() == "TripletMarginWithDistanceLoss()");
  check_case("triplet_distance_cosine_swap_sum",
             [&](Inputs& in) { return loss_fn(in["a"], in["p"], in["n"]); });
}

TEST_CASE("loss modules print as PyTorch's") {
  CHECK(nn::KLDivLoss{}.repr() == meta("repr/KLDivLoss"));
  CHECK(nn::PoissonNLLLoss{}.repr() == meta("repr/PoissonNLLLoss"));
  CHECK(nn::GaussianNLLLoss{}.repr() == meta("repr/GaussianNLLLoss"));
  CHECK(nn::MarginRankingLoss{}.repr() == meta("repr/MarginRankingLoss"));
  CHECK(nn::HingeEmbeddingLoss{}.repr() == meta("repr/HingeEmbeddingLoss"));
  CHECK(nn::CosineEmbeddingLoss{}.repr() == meta("repr/CosineEmbeddingLoss"));
  CHECK(nn::SoftMarginLoss{}.repr() == meta("repr/SoftMarginLoss"));
  CHECK(nn::MultiLabelSoftMarginLoss{}.repr() == meta("repr/MultiLabelSoftMarginLoss"));
  CHECK(nn::MultiMarginLoss{}.repr() == meta("repr/MultiMarginLoss"));
  CHECK(nn::MultiLabelMarginLoss{}.repr() == meta("repr/MultiLabelMarginLoss"));
  CHECK(nn::TripletMarginLoss{}.repr() == meta("repr/TripletMarginLoss"));
  CHECK(nn::TripletMarginWithDistanceLoss{}.repr() == meta("repr/TripletMarginWithDistanceLoss"));
  // The defaults are PyTorch's.
  CHECK(nn::PoissonNLLLoss{}.options.eps == 1e-8);
  CHECK(nn::GaussianNLLLoss{}.options.eps == 1e-6);
  CHECK(nn::HingeEmbeddingLoss{}.options.margin == 1.0);
  CHECK(nn::TripletMarginLoss{}.options.p == 2.0);
}

TEST_CASE("gradcheck the losses in float64") {
  const auto x = leaf({3, 4}, 11), t = leaf({3, 4}, 12);
  for (auto r : {Reduction::mean, Reduction::sum, Reduction::none}) {
    INFO("reduction " << static_cast<int>(r));
    GRADCHECK([r](const D& a, const D& b) { return F::kl_div(a, b.exp(), {.reduction = r}); },
              {x, t});
    GRADCHECK([r](const D& a,
                  const D& b) { return F::kl_div(a, b, {.reduction = r, .log_target = true}); },
              {x, t});
    GRADCHECK(
        [r](const D& a) {
          return F::poisson_nll_loss(a, full<double>({3, 4}, 3.0), {.full = true, .reduction = r});
        },
        {x});
    GRADCHECK(
        [r](const D& a, const D& b, const D& v) {
          return F::gaussian_nll_loss(a, b, v.exp(), {.full = true, .reduction = r});
        },
        {x, t, leaf({3}, 13)});
    GRADCHECK(
        [r](const D& a, const D& b) {
          return F::margin_ranking_loss(a, b, tensor<double>({{1, -1, 1, -1}}).reshape({1, 4}),
                                        {.margin = 0.1, .reduction = r});
        },
        {x, t});
    GRADCHECK(
        [r](const D& a) {
          return F::soft_margin_loss(a, tensor<double>({1, -1, 1, -1}), {.reduction = r});
        },
        {x});
    GRADCHECK(
        [r](const D& a) {
          return F::multilabel_soft_margin_loss(a, full<double>({3, 4}, 1.0), {.reduction = r});
        },
        {x});
    GRADCHECK(
        [r](const D& a, const D& b) {
          return F::cosine_embedding_loss(a, b, tensor<double>({1, -1, -1}),
                                          {.margin = -0.9, .reduction = r});
        },
        {x, t});
    GRADCHECK(
        [r](const D& a, const D& b, const D& c) {
          return F::triplet_margin_loss(a, b, c, {.margin = 5.0, .swap = true, .reduction = r});
        },
        {x, t, leaf({3, 4}, 14)});
    GRADCHECK(
        [r](const D& a, const D& b, const D& c) {
          return F::triplet_margin_with_distance_loss(a, b, c, {.margin = 5.0, .reduction = r});
        },
        {x, t, leaf({3, 4}, 15)});
  }
  // The hinges at margins that keep every sample active and away from the kinks.
  GRADCHECK(
      [](const D& a) {
        return F::hinge_embedding_loss(a, tensor<double>({1, -1, 1, -1}), {.margin = 10.0});
      },
      {x});
  GRADCHECK(
      [](const D& a) {
        return F::multi_margin_loss(a, tensor<std::int64_t>({0, 3, 1}), {.p = 2, .margin = 10.0});
      },
      {x});
  GRADCHECK(
      [](const D& a) {
        return F::multi_margin_loss(a, tensor<std::int64_t>({0, 3, 1}),
                                    {.margin = 10.0, .weight = tensor<float>({1, 2, 3, 4})});
      },
      {x});
  GRADCHECK(
      [](const D& a) {
        return F::multilabel_margin_loss(
            a * 0.01, tensor<std::int64_t>({{2, 0, -1, 1}, {3, -1, 0, 0}, {-1, 1, 2, 3}}));
      },
      {x});
}

TEST_CASE("the losses reject wrong inputs, naming the op, the expectation and the input") {
  const auto x = randn({3, 4});
  CHECK_THROWS_WITH(F::mse_loss(x, x, {.reduction = Reduction::batchmean}),
                    Catch::Contains("mse_loss: reduction batchmean is only valid for kl_div"));
  CHECK_THROWS_WITH(F::poisson_nll_loss(x, x, {.reduction = Reduction::batchmean}),
                    Catch::Contains("poisson_nll_loss: reduction batchmean"));
  CHECK_THROWS_WITH(F::gaussian_nll_loss(x, x, ones({2})),
                    Catch::Contains("gaussian_nll_loss: var [2] is of incorrect size: expected "
                                    "the input's shape [3, 4], [3]"));
  CHECK_THROWS_WITH(F::gaussian_nll_loss(x, x, full({3, 1}, -1.0f)),
                    Catch::Contains("gaussian_nll_loss: var has a negative entry"));
  CHECK_THROWS_WITH(F::margin_ranking_loss(randn({3}), randn({3}), ones({3, 1})),
                    Catch::Contains("margin_ranking_loss: input1 [3] and target [3, 1] must have "
                                    "the same number of dims"));
  CHECK_THROWS_WITH(F::multilabel_soft_margin_loss(x, ones({3})),
                    Catch::Contains("target [3] must have the same shape as input [3, 4]"));
  CHECK_THROWS_WITH(F::cosine_embedding_loss(x, x, ones({4})),
                    Catch::Contains("cosine_embedding_loss: expected inputs [N, D] with a target "
                                    "[N]"));
  CHECK_THROWS_WITH(F::multi_margin_loss(x, tensor<std::int64_t>({0, 4, 1})),
                    Catch::Contains("multi_margin_loss: target 4 is out of bounds for 4 classes "
                                    "(at index 1)"));
  CHECK_THROWS_WITH(F::multi_margin_loss(x, tensor<std::int64_t>({0, 1})),
                    Catch::Contains("target [2] does not match input [3, 4] (expected [3])"));
  CHECK_THROWS_WITH(F::multi_margin_loss(x, tensor<std::int64_t>({0, 1, 2}), {.p = 3}),
                    Catch::Contains("only p == 1 and p == 2 are supported, got 3"));
  CHECK_THROWS_WITH(F::multi_margin_loss(x, tensor<std::int64_t>({0, 1, 2}), {.weight = ones({3})}),
                    Catch::Contains("weight [3] must have one value per class (4)"));
  CHECK_THROWS_WITH(
      F::multilabel_margin_loss(
          x, tensor<std::int64_t>({{0, 5, -1, 0}, {0, -1, 0, 0}, {-1, 0, 0, 0}})),
      Catch::Contains("multilabel_margin_loss: target 5 is out of bounds for 4 classes"));
  CHECK_THROWS_WITH(F::triplet_margin_loss(x, x, randn({4})),
                    Catch::Contains("triplet_margin_loss: anchor [3, 4] and negative [4] must "
                                    "have the same number of dims"));
  CHECK_THROWS_WITH(F::triplet_margin_with_distance_loss(x, x, x, {.margin = 0.0}),
                    Catch::Contains("margin must be greater than 0, got 0"));
  // kl_div's batchmean divides the sum by the batch size; "mean" by every element.
  const auto lp = x.log_softmax(1), p = randn({3, 4}).softmax(1);
  CHECK(F::kl_div(lp, p, {.reduction = Reduction::batchmean}).item() ==
        Approx(F::kl_div(lp, p, {.reduction = Reduction::sum}).item() / 3));
  CHECK(F::kl_div(lp, p).item() ==
        Approx(F::kl_div(lp, p, {.reduction = Reduction::sum}).item() / 12));
}

// ------------------------------------------------------------------------------- ctc_loss
// The fixtures' differentiable input is the logits before log_softmax (ctc_loss.hpp says why).
CASE("ctc", F::ctc_loss(in["x"].log_softmax(2), L("ctc/targets"), L("ctc/input_lengths"),
                        L("ctc/target_lengths")));
CASE("ctc_concat_blank4_sum",
     nn::CTCLoss{{.blank = 4, .reduction = Reduction::sum}}(
         in["x"].log_softmax(2), L("ctc_concat_blank4_sum/targets"),
         L("ctc_concat_blank4_sum/input_lengths"), L("ctc_concat_blank4_sum/target_lengths")));
CASE("ctc_zero_infinity_none",
     F::ctc_loss(in["x"].log_softmax(2), L("ctc_zero_infinity_none/targets"),
                 L("ctc_zero_infinity_none/input_lengths"),
                 L("ctc_zero_infinity_none/target_lengths"),
                 {.reduction = Reduction::none, .zero_infinity = true}));
CASE("ctc_empty_target",
     F::ctc_loss(in["x"].log_softmax(2), L("ctc_empty_target/targets"),
                 L("ctc_empty_target/input_lengths"), L("ctc_empty_target/target_lengths")));

CASE("ctc_unbatched_none",
     F::ctc_loss(in["x"].log_softmax(1), L("ctc_unbatched_none/targets"),
                 L("ctc_unbatched_none/input_lengths"), L("ctc_unbatched_none/target_lengths"),
                 {.reduction = Reduction::none}));

TEST_CASE("gradcheck ctc_loss in float64, on log_probs directly and through log_softmax") {
  const auto targets = tensor<std::int64_t>({{1, 2, 2}, {3, 1, 0}});
  const auto il = tensor<std::int64_t>({6, 5}), tl = tensor<std::int64_t>({3, 2});
  for (auto r : {Reduction::mean, Reduction::sum, Reduction::none}) {
    INFO("reduction " << static_cast<int>(r));
    GRADCHECK([&](const D& x) { return F::ctc_loss(x, targets, il, tl, {.reduction = r}); },
              {leaf({6, 2, 4}, 21)});
    GRADCHECK(
        [&](const D& x) {
          return F::ctc_loss(x.log_softmax(2), targets.flatten().narrow(0, 0, 5), il, tl,
                             {.blank = 0, .reduction = r});
        },
        {leaf({6, 2, 4}, 22)});
  }
}

TEST_CASE("ctc_loss: infinite losses, CTCLoss's repr and the errors") {
  // A target longer than its input has no alignment: inf, or 0 with zero_infinity.
  const auto lp = randn({2, 1, 3}).log_softmax(2).requires_grad_();
  const auto t = tensor<std::int64_t>({{1, 1}}), il = tensor<std::int64_t>({2}),
             tl = tensor<std::int64_t>({2});
  CHECK(std::isinf(F::ctc_loss(lp, t, il, tl, {.reduction = Reduction::sum}).item()));
  auto zero = F::ctc_loss(lp, t, il, tl, {.reduction = Reduction::sum, .zero_infinity = true});
  CHECK(zero.item() == 0.0f);
  zero.backward();
  CHECK(lp.grad().abs().sum().item() == 0.0f);
  CHECK(nn::CTCLoss{}.repr() == meta("repr/CTCLoss"));
  const auto x = randn({4, 2, 3}).log_softmax(2);
  const auto two = tensor<std::int64_t>({4, 4});
  CHECK_THROWS_WITH(F::ctc_loss(x, tensor<std::int64_t>({{1, 0}, {2, 3}}), two, two),
                    Catch::Contains("ctc_loss: target_lengths[0] = 4 must be in [0, 2]"));
  CHECK_THROWS_WITH(
      F::ctc_loss(x, tensor<std::int64_t>({{1, 3}, {2, 1}}), two, tensor<std::int64_t>({2, 2})),
      Catch::Contains("ctc_loss: target 3 of sample 0 must be a class in [0, 3) other than "
                      "blank 0"));
  CHECK_THROWS_WITH(F::ctc_loss(x, tensor<std::int64_t>({{1, 2}, {2, 1}}),
                                tensor<std::int64_t>({5, 4}), tensor<std::int64_t>({2, 2})),
                    Catch::Contains("ctc_loss: input_lengths[0] = 5 must be in [0, 4]"));
  CHECK_THROWS_WITH(
      F::ctc_loss(randn({4, 3}), tensor<std::int64_t>({1}), two, two),
      Catch::Contains("ctc_loss: unbatched log_probs [4, 3] take 1-D targets and one input "
                      "and target length"));
  CHECK_THROWS_WITH(F::ctc_loss(randn({4}), tensor<std::int64_t>({1}), two, two),
                    Catch::Contains("ctc_loss: expected log_probs [T, N, C] (or [T, C]), got [4]"));
  CHECK_THROWS_WITH(F::ctc_loss(x, tensor<std::int64_t>({{1, 2}, {2, 1}}), two, two, {.blank = 3}),
                    Catch::Contains("ctc_loss: blank 3 must be a class in [0, 3)"));
}

TEST_CASE("every fixture case has a test case and every test case a fixture") {
  std::set<std::string> cases;
  for (const auto& [key, value] : metadata())
    if (key.rfind("grads/", 0) == 0) cases.insert(key.substr(6));
  CHECK(cases == tested());
  CHECK_FALSE(cases.empty());
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef GRADCHECK
#undef TORCHLET_CAT2
#undef TORCHLET_CAT
#undef CASE
