// Issue 15's distances and losses against PyTorch (tests/fixtures/nn/losses_extra.safetensors,
// written by scripts/make_loss_fixtures.py), one test case per fixture case ("<case>
// matches PyTorch"): the output and the gradient of every differentiable input (for
// sum(out * gout)) match to 1e-5 relative; the modules print as PyTorch's reprs. Then
// gradcheck of every functional form in float64, and the errors.
#include <cmath>
#include <map>

#include <torchlet/autograd/gradcheck.hpp>
#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

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

[[maybe_unused]] Tensor T(const std::string& name) { return fx().tensor(name); }
[[maybe_unused]] LongTensor L(const std::string& name) { return fx().longs(name); }

D leaf(Shape s, std::uint64_t seed, double scale = 1.0) {
  Generator g(seed);
  auto t = randn<double>(s, g);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] *= scale;
  return t.requires_grad_();
}

}  // namespace

#define GRADCHECK(...) CHECK_NOTHROW(autograd::gradcheck(__VA_ARGS__))

/// CASE("case", expression of `in`): "case matches PyTorch".
#define CASE(name, ...)                                                  \
  TEST_CASE(name " matches PyTorch", "[parity]") {                       \
    check_case(name, [&](Inputs& in) -> Tensor { return __VA_ARGS__; }); \
  }                                                                      \
  static_assert(true)

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
