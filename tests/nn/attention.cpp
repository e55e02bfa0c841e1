// Attention and the Transformer against PyTorch (tests/fixtures/nn/attention.safetensors, written
// by scripts/make_attention_fixtures.py), one test case per fixture case ("<case> matches
// PyTorch"): with PyTorch's initial parameters loaded through load_state_dict, the output, the
// attention weights, every input gradient and every parameter gradient (for loss = sum(out *
// gout) + sum(weights * gweights)) match; the state_dict keys and the repr are PyTorch's. Then:
// gradcheck of scaled_dot_product_attention in float64 (masks, causal, dropout with a fixed
// generator), initialisation, cloning, train/eval, and the error messages.
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include <torchlet/io/safetensors.hpp>
#include <torchlet/nn.hpp>
#include <torchlet/tensor/gradcheck.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
using nn::functional::AttentionMask;

namespace {

const fixture::File& fx() {
  static const fixture::File f("attention.safetensors");
  return f;
}
const io::SafetensorsFile& raw() {
  static const io::SafetensorsFile f =
      io::load_file(std::string(TORCHLET_SOURCE_DIR) + "/tests/fixtures/nn/attention.safetensors");
  return f;
}
std::string meta(const std::string& key) {
  const auto it = raw().metadata.find(key);
  if (it == raw().metadata.end()) throw std::runtime_error("fixture: no metadata " + key);
  return it->second;
}

/// A mask entry: int64 (PyTorch's bool) -> BoolTensor, float -> Tensor; none when absent.
AttentionMask<float> mask(const std::string& name) {
  if (!fx().has(name)) return {};
  const auto& t = raw().at(name);
  if (std::holds_alternative<LongTensor>(t)) return std::get<LongTensor>(t).to<bool>();
  return fx().tensor(name);
}

std::string keys_of(const nn::ModuleBase& m) {
  std::string s;
  for (auto& [k, v] : m.state_dict()) s += (s.empty() ? "" : ",") + k;
  return s;
}

using Inputs = std::map<std::string, Tensor>;
using Result = std::tuple<Tensor, Tensor>;

/// Checks module m against fixture case `name`: keys, repr, then (eval mode, PyTorch's
/// parameters) the output, weights and all gradients. `call` runs the module on the inputs.
void check_module(nn::ModuleBase& m, const std::string& name, const std::vector<std::string>& in,
                  const std::function<Result(Inputs&)>& call, double rtol = 2e-5) {
  const auto& f = fx();
  INFO("case " << name);
  CHECK(keys_of(m) == meta(name + "/keys"));
  CHECK(m.repr() == meta(name + "/repr"));
  nn::StateDict sd;
  for (auto& [k, v] : m.state_dict()) sd.insert(k, f.tensor(name + "/" + k));
  m.load_state_dict(sd);
  m.eval();
  Inputs inputs;
  for (auto& n : in) {
    inputs[n] = f.tensor(name + "/" + n);
    inputs[n].requires_grad_();
  }
  auto [out, weights] = call(inputs);
  CHECK(fixture::mismatch(out, f.tensor(name + "/out"), rtol) == "");
  Tensor loss = (out * f.tensor(name + "/gout")).sum();
  if (f.has(name + "/weights")) {
    REQUIRE(weights.defined());
    CHECK(fixture::mismatch(weights, f.tensor(name + "/weights"), rtol) == "");
    loss = loss + (weights * f.tensor(name + "/gweights")).sum();
  } else {
    CHECK_FALSE(weights.defined());
  }
  loss.backward();
  for (auto& n : in) {
    INFO("gradient of input " << n);
    CHECK(fixture::mismatch(inputs[n].grad(), f.tensor(name + "/g" + n), rtol) == "");
  }
  for (auto& [k, p] : m.named_parameters()) {
    INFO("gradient of " << k);
    CHECK(fixture::mismatch(p.grad(), f.tensor(name + "/g" + k), rtol) == "");
  }
}

/// MultiheadAttention(8, 2, options) on fixture case `name` (q, k, v or self-attention on x).
void check_mha(const std::string& name, nn::MultiheadAttentionOptions options,
               nn::MultiheadAttentionForwardOptions fw = {}) {
  nn::MultiheadAttention mha(8, 2, options);
  fw.key_padding_mask = mask(name + "/key_padding_mask");
  fw.attn_mask = mask(name + "/attn_mask");
  if (fx().has(name + "/x")) {
    check_module(mha, name, {"x"}, [&](Inputs& i) { return mha(i["x"], i["x"], i["x"], fw); });
  } else {
    check_module(mha, name, {"q", "k", "v"},
                 [&](Inputs& i) { return mha(i["q"], i["k"], i["v"], fw); });
  }
}

}  // namespace

// ------------------------------------------------------------ scaled_dot_product_attention

/// SDPA("case", options): fixture case computed by PyTorch 2's formula in float64, run here in
/// float32 (and float64 for the output).
#define SDPA(name, ...)                                                                       \
  TEST_CASE(name " matches PyTorch", "[parity]") {                                            \
    const auto& f = fx();                                                                     \
    Tensor q = f.tensor(name "/q"), k = f.tensor(name "/k"), v = f.tensor(name "/v");         \
    q.requires_grad_();                                                                       \
    k.requires_grad_();                                                                       \
    v.requires_grad_();                                                                       \
    nn::functional::ScaledDotProductAttentionOptions<float> o{__VA_ARGS__};                   \
    o.attn_mask = mask(name "/mask");                                                         \
    auto out = nn::functional::scaled_dot_product_attention(q, k, v, o);                      \
    CHECK(fixture::mismatch(out, f.tensor(name "/out")) == "");                               \
    out.backward(f.tensor(name "/gout"));                                                     \
    CHECK(fixture::mismatch(q.grad(), f.tensor(name "/gq"), 1e-4) == "");                     \
    CHECK(fixture::mismatch(k.grad(), f.tensor(name "/gk"), 1e-4) == "");                     \
    CHECK(fixture::mismatch(v.grad(), f.tensor(name "/gv"), 1e-4) == "");                     \
    auto qd = f.tensor(name "/q").to<double>(), kd = f.tensor(name "/k").to<double>(),        \
         vd = f.tensor(name "/v").to<double>();                                               \
    nn::functional::ScaledDotProductAttentionOptions<double> od;                              \
    od.is_causal = o.is_causal;                                                               \
    if (o.attn_mask.is_bool()) od.attn_mask = o.attn_mask.bool_mask;                          \
    if (o.attn_mask.float_mask.defined()) od.attn_mask = f.tensor(name "/mask").to<double>(); \
    auto outd = nn::functional::scaled_dot_product_attention(qd, kd, vd, od);                 \
    const auto want = f.doubles(name "/out");                                                 \
    REQUIRE(outd.numel() == static_cast<std::int64_t>(want.size()));                          \
    for (std::size_t i = 0; i < want.size(); ++i)                                             \
      CHECK(std::abs(outd.data()[i] - want[i]) < 1e-6 * (1 + std::abs(want[i])));             \
  }                                                                                           \
  static_assert(true)

SDPA("sdpa_plain", );
SDPA("sdpa_4d", );
SDPA("sdpa_bool_mask", );
SDPA("sdpa_float_mask", );
SDPA("sdpa_causal", .is_causal = true);

TEST_CASE("gradcheck scaled_dot_product_attention in float64") {
  using D = DoubleTensor;
  using autograd::gradcheck;
  manual_seed(3);
  auto q = randn<double>({2, 3, 4}).requires_grad_();
  auto k = randn<double>({2, 5, 4}).requires_grad_();
  auto v = randn<double>({2, 5, 3}).requires_grad_();
  using nn::functional::scaled_dot_product_attention;
  auto sdpa = [](const D& a, const D& b, const D& c,
                 const nn::functional::ScaledDotProductAttentionOptions<double>& o) {
    return scaled_dot_product_attention(a, b, c, o);
  };
  CHECK_NOTHROW(gradcheck(
      [&](const D& a, const D& b, const D& c) { return scaled_dot_product_attention(a, b, c); },
      {q, k, v}));
  CHECK_NOTHROW(gradcheck(
      [&](const D& a, const D& b, const D& c) { return sdpa(a, b, c, {.is_causal = true}); },
      {q, k, v}));
  auto bmask = rand<double>({3, 5}) > 0.4;
  for (std::int64_t i = 0; i < 3; ++i) bmask.data()[i * 5] = true;
  CHECK_NOTHROW(gradcheck(
      [&](const D& a, const D& b, const D& c) { return sdpa(a, b, c, {.attn_mask = bmask}); },
      {q, k, v}));
  // A float mask broadcast over the batch gets its own gradient.
  auto fmask = randn<double>({1, 3, 5}).requires_grad_();
  CHECK_NOTHROW(gradcheck([&](const D& a, const D& b, const D& c,
                              const D& m) { return sdpa(a, b, c, {.attn_mask = m, .scale = 0.3}); },
                          {q, k, v, fmask}));
  // Dropout, with the same generator state on every call; and the weights' own node.
  CHECK_NOTHROW(gradcheck(
      [&](const D& a, const D& b, const D& c) {
        Generator gen(7);
        auto r = nn::functional::detail::attention<double>("sdpa", a, b, c, {.dropout_p = 0.3},
                                                           true, gen);
        return r.output.sum() + (r.weights * r.weights).sum();
      },
      {q, k, v}));
}

TEST_CASE("scaled_dot_product_attention: dropout, a fully masked row and bad arguments") {
  auto q = randn<float>({2, 3, 4}), k = randn<float>({2, 5, 4}), v = randn<float>({2, 5, 3});
  using nn::functional::scaled_dot_product_attention;
  CHECK(scaled_dot_product_attention(q, k, v, {.dropout_p = 1.0}).abs().sum().item() == 0.0f);
  auto a = scaled_dot_product_attention(q, k, v, {.dropout_p = 0.5});
  auto b = scaled_dot_product_attention(q, k, v, {.dropout_p = 0.5});
  CHECK_FALSE(allclose(a, b));
  auto none = zeros<bool>({3, 5});  // no key takes part: NaN, as in PyTorch
  CHECK(std::isnan(scaled_dot_product_attention(q, k, v, {.attn_mask = none}).data()[0]));
  CHECK_THROWS_WITH(scaled_dot_product_attention(q, k, v, {.attn_mask = ones({4, 5})}),
                    Catch::Contains("attn_mask [4, 5] cannot be broadcast to the attention "
                                    "scores [2, 3, 5]"));
  CHECK_THROWS_AS(
      scaled_dot_product_attention(q, k, v, {.attn_mask = ones({3, 5}), .is_causal = true}),
      std::invalid_argument);
  CHECK_THROWS_WITH(scaled_dot_product_attention(q, randn<float>({2, 5, 3}), v),
                    Catch::Contains("do not match"));
  CHECK_THROWS_AS(scaled_dot_product_attention(q, k, v, {.dropout_p = 1.5}), std::invalid_argument);
}

// ------------------------------------------------------------ MultiheadAttention

TEST_CASE("mha_basic matches PyTorch", "[parity]") { check_mha("mha_basic", {}); }
TEST_CASE("mha_self matches PyTorch", "[parity]") { check_mha("mha_self", {}); }
TEST_CASE("mha_batch_first matches PyTorch", "[parity]") {
  check_mha("mha_batch_first", {.batch_first = true});
}
TEST_CASE("mha_kpm_bool matches PyTorch", "[parity]") { check_mha("mha_kpm_bool", {}); }
TEST_CASE("mha_kpm_float matches PyTorch", "[parity]") { check_mha("mha_kpm_float", {}); }
TEST_CASE("mha_mask_bool matches PyTorch", "[parity]") { check_mha("mha_mask_bool", {}); }
TEST_CASE("mha_mask_float matches PyTorch", "[parity]") { check_mha("mha_mask_float", {}); }
TEST_CASE("mha_mask_3d matches PyTorch", "[parity]") { check_mha("mha_mask_3d", {}); }
TEST_CASE("mha_both_masks matches PyTorch", "[parity]") { check_mha("mha_both_masks", {}); }
TEST_CASE("mha_float_mask_bool_kpm matches PyTorch", "[parity]") {
  check_mha("mha_float_mask_bool_kpm", {});
}
TEST_CASE("mha_kdim_vdim matches PyTorch", "[parity]") {
  check_mha("mha_kdim_vdim", {.kdim = 6, .vdim = 3});
}
TEST_CASE("mha_bias_kv matches PyTorch", "[parity]") {
  check_mha("mha_bias_kv", {.add_bias_kv = true});
}
TEST_CASE("mha_zero_attn matches PyTorch", "[parity]") {
  check_mha("mha_zero_attn", {.add_zero_attn = true});
}
TEST_CASE("mha_bias_kv_zero_attn matches PyTorch", "[parity]") {
  check_mha("mha_bias_kv_zero_attn", {.add_bias_kv = true, .add_zero_attn = true});
}
TEST_CASE("mha_no_bias matches PyTorch", "[parity]") { check_mha("mha_no_bias", {.bias = false}); }
TEST_CASE("mha_no_weights matches PyTorch", "[parity]") {
  check_mha("mha_no_weights", {}, {.need_weights = false});
}
TEST_CASE("mha_per_head matches PyTorch", "[parity]") {
  check_mha("mha_per_head", {}, {.average_attn_weights = false});
}
TEST_CASE("mha_unbatched matches PyTorch", "[parity]") { check_mha("mha_unbatched", {}); }
TEST_CASE("mha_dropout_eval matches PyTorch", "[parity]") {
  check_mha("mha_dropout_eval", {.dropout = 0.5, .batch_first = true});
}

TEST_CASE("MultiheadAttention: PyTorch's initialisation, dropout in training, hooks") {
  nn::MultiheadAttention mha(16, 4, {.add_bias_kv = true});
  const float bound = std::sqrt(6.0f / (16 + 48));
  CHECK(mha.in_proj_weight.abs().max().item() <= bound);
  CHECK(mha.in_proj_weight.abs().max().item() > 0.8f * bound);
  CHECK(mha.in_proj_bias.abs().sum().item() == 0.0f);
  CHECK(mha.out_proj.bias.abs().sum().item() == 0.0f);
  CHECK(mha.out_proj.weight.abs().max().item() <= 1.0f / 4.0f);  // kaiming_uniform(a=sqrt(5))
  CHECK(mha.bias_k.abs().sum().item() > 0.0f);
  nn::MultiheadAttention sep(8, 2, {.bias = false, .kdim = 6, .vdim = 3});
  CHECK(keys_of(sep) == "q_proj_weight,k_proj_weight,v_proj_weight,out_proj.weight");
  CHECK_FALSE(sep.in_proj_weight.defined());

  nn::MultiheadAttention drop(8, 2, {.dropout = 0.5});
  auto x = randn<float>({4, 2, 8});
  auto [a, wa] = drop(x, x, x);
  auto [b, wb] = drop(x, x, x);
  CHECK_FALSE(allclose(wa, wb));
  drop.eval();
  auto [c, wc] = drop(x, x, x);
  auto [d, wd] = drop(x, x, x);
  CHECK(allclose(c, d));
  CHECK(allclose(wc.sum(-1), ones({2, 4})));

  int calls = 0;
  auto h = drop.register_forward_hook([&](auto&&...) { ++calls; });
  drop(x, x, x);
  drop(x, x, x, {.need_weights = false});
  CHECK(calls == 2);
}

TEST_CASE("MultiheadAttention rejects bad shapes and options with clear messages") {
  CHECK_THROWS_WITH(nn::MultiheadAttention(10, 3),
                    Catch::Contains("embed_dim must be divisible by num_heads, got embed_dim=10 "
                                    "and num_heads=3"));
  CHECK_THROWS_AS(nn::MultiheadAttention(8, 0), std::invalid_argument);
  nn::MultiheadAttention mha(8, 2);
  auto q = randn<float>({4, 3, 8}), k = randn<float>({5, 3, 8});
  CHECK_THROWS_WITH(mha(randn<float>({4, 3, 7}), k, k),
                    Catch::Contains("MultiheadAttention(embed_dim=8): query has 7 features"));
  CHECK_THROWS_WITH(mha(q, k, k, {.attn_mask = zeros<bool>({3, 3})}),
                    Catch::Contains("the shape of the attn_mask is [3, 3], but should be [4, 5]"));
  CHECK_THROWS_WITH(mha(q, k, k, {.key_padding_mask = zeros<bool>({3, 4})}),
                    Catch::Contains("expecting key_padding_mask shape of [3, 5], but got [3, 4]"));
  CHECK_THROWS_WITH(mha(q, randn<float>({5, 2, 8}), randn<float>({5, 2, 8})),
                    Catch::Contains("do not match query [4, 3, 8]"));
  CHECK_THROWS_AS(mha(q, k, randn<float>({6, 3, 8})), ShapeError);
  CHECK_THROWS_AS(mha(randn<float>({8}), k, k), ShapeError);
}

// ------------------------------------------------------------ Transformer layers

namespace {

void check_encoder_layer(const std::string& name, nn::TransformerLayerOptions o) {
  nn::TransformerEncoderLayer layer(8, 2, o);
  nn::TransformerEncoderLayerForwardOptions fw{
      .src_mask = mask(name + "/src_mask"),
      .src_key_padding_mask = mask(name + "/src_key_padding_mask")};
  check_module(layer, name, {"src"}, [&](Inputs& i) { return Result{layer(i["src"], fw), {}}; });
}

void check_decoder_layer(const std::string& name, nn::TransformerLayerOptions o) {
  nn::TransformerDecoderLayer layer(8, 2, o);
  nn::TransformerDecoderForwardOptions fw{
      .tgt_mask = mask(name + "/tgt_mask"),
      .memory_mask = mask(name + "/memory_mask"),
      .tgt_key_padding_mask = mask(name + "/tgt_key_padding_mask"),
      .memory_key_padding_mask = mask(name + "/memory_key_padding_mask")};
  check_module(layer, name, {"tgt", "memory"}, [&](Inputs& i) {
    return Result{layer(i["tgt"], i["memory"], fw), {}};
  });
}

}  // namespace

TEST_CASE("enc_relu matches PyTorch", "[parity]") {
  check_encoder_layer("enc_relu", {.dim_feedforward = 16, .dropout = 0.0});
}
TEST_CASE("enc_gelu_norm_first matches PyTorch", "[parity]") {
  check_encoder_layer(
      "enc_gelu_norm_first",
      {.dim_feedforward = 16, .activation = "gelu", .batch_first = true, .norm_first = true});
}
TEST_CASE("enc_unbatched matches PyTorch", "[parity]") {
  check_encoder_layer("enc_unbatched", {.dim_feedforward = 16, .dropout = 0.0});
}
TEST_CASE("dec_relu matches PyTorch", "[parity]") {
  check_decoder_layer("dec_relu", {.dim_feedforward = 16, .dropout = 0.0});
}
TEST_CASE("dec_gelu_norm_first matches PyTorch", "[parity]") {
  check_decoder_layer(
      "dec_gelu_norm_first",
      {.dim_feedforward = 16, .activation = "gelu", .batch_first = true, .norm_first = true});
}

TEST_CASE("encoder_stack matches PyTorch", "[parity]") {
  nn::TransformerEncoder enc(
      nn::TransformerEncoderLayer(8, 2, {.dim_feedforward = 16, .dropout = 0.0}), 2,
      nn::LayerNorm(8));
  check_module(enc, "encoder_stack", {"src"}, [&](Inputs& i) {
    return Result{enc(i["src"], {.mask = nn::Transformer::generate_square_subsequent_mask(5)}), {}};
  });
}

TEST_CASE("decoder_stack matches PyTorch", "[parity]") {
  nn::TransformerDecoder dec(
      nn::TransformerDecoderLayer(8, 2, {.dim_feedforward = 16, .dropout = 0.0}), 2);
  check_module(dec, "decoder_stack", {"tgt", "memory"}, [&](Inputs& i) {
    return Result{dec(i["tgt"], i["memory"],
                      {.tgt_mask = nn::Transformer::generate_square_subsequent_mask(4)}),
                  {}};
  });
}

TEST_CASE("transformer matches PyTorch", "[parity]") {
  nn::Transformer tr(8, 2,
                     {.num_encoder_layers = 2, .num_decoder_layers = 2, .dim_feedforward = 16});
  const auto kpm = mask("transformer/src_key_padding_mask");
  check_module(
      tr, "transformer", {"src", "tgt"},
      [&](Inputs& i) {
        return Result{tr(i["src"], i["tgt"],
                         {.tgt_mask = nn::Transformer::generate_square_subsequent_mask(4),
                          .src_key_padding_mask = kpm,
                          .memory_key_padding_mask = kpm}),
                      {}};
      },
      5e-5);
}

TEST_CASE("transformer_gelu_norm_first matches PyTorch", "[parity]") {
  nn::Transformer tr(8, 2,
                     {.num_encoder_layers = 1,
                      .num_decoder_layers = 1,
                      .dim_feedforward = 16,
                      .dropout = 0.0,
                      .activation = "gelu",
                      .batch_first = true,
                      .norm_first = true});
  check_module(
      tr, "transformer_gelu_norm_first", {"src", "tgt"},
      [&](Inputs& i) {
        return Result{tr(i["src"], i["tgt"],
                         {.tgt_mask = nn::Transformer::generate_square_subsequent_mask(4)}),
                      {}};
      },
      5e-5);
}

TEST_CASE("Transformer: state_dict keys, the causal mask, clones, initialisation") {
  CHECK(keys_of(nn::Transformer(
            16, 2, {.num_encoder_layers = 1, .num_decoder_layers = 1, .dim_feedforward = 32})) ==
        meta("transformer_default/keys"));
  CHECK(fixture::mismatch(nn::Transformer::generate_square_subsequent_mask(4),
                          fx().tensor("square_subsequent_mask/4")) == "");
  nn::TransformerEncoderLayer layer(8, 2, {.dim_feedforward = 16});
  nn::TransformerEncoder enc(layer, 3);
  CHECK(enc.layers.size() == 3);
  CHECK(enc.norm == nullptr);
  CHECK(allclose(enc.layers[0].linear1.weight, layer.linear1.weight));
  CHECK(allclose(enc.layers[2].self_attn.in_proj_weight, layer.self_attn.in_proj_weight));
  CHECK(enc.layers[0].linear1.weight.data() != enc.layers[1].linear1.weight.data());
  // Transformer re-initialises every matrix with xavier_uniform_: not the layers' own init.
  nn::Transformer tr(8, 2,
                     {.num_encoder_layers = 1, .num_decoder_layers = 1, .dim_feedforward = 32});
  const float bound = std::sqrt(6.0f / (8 + 32));
  CHECK(tr.encoder.layers[0].linear1.weight.abs().max().item() <= bound);
  CHECK(tr.encoder.layers[0].linear1.weight.abs().max().item() > 0.8f * bound);
  // train() drops, eval() is deterministic.
  auto src = randn<float>({5, 2, 8}), tgt = randn<float>({4, 2, 8});
  CHECK_FALSE(allclose(tr(src, tgt), tr(src, tgt)));
  tr.eval();
  CHECK(allclose(tr(src, tgt), tr(src, tgt)));
}

TEST_CASE("Transformer layers reject bad arguments with clear messages") {
  CHECK_THROWS_WITH(nn::TransformerEncoderLayer(8, 2, {.activation = "tanh"}),
                    Catch::Contains("TransformerEncoderLayer: activation should be relu/gelu, "
                                    "not tanh"));
  CHECK_THROWS_WITH(nn::TransformerDecoderLayer(8, 3),
                    Catch::Contains("embed_dim must be divisible by num_heads"));
  nn::Transformer tr(8, 2,
                     {.num_encoder_layers = 1, .num_decoder_layers = 1, .dim_feedforward = 16});
  CHECK_THROWS_WITH(tr(randn<float>({5, 2, 8}), randn<float>({4, 3, 8})),
                    Catch::Contains("the batch number of src and tgt must be equal"));
  CHECK_THROWS_WITH(tr(randn<float>({5, 2, 6}), randn<float>({4, 2, 6})),
                    Catch::Contains("Transformer(d_model=8): the feature number"));
  CHECK_THROWS_WITH(tr(randn<float>({5, 2, 8}), randn<float>({4, 2, 8}),
                       {.tgt_mask = nn::Transformer::generate_square_subsequent_mask(5)}),
                    Catch::Contains("the shape of the attn_mask is [5, 5], but should be [4, 4]"));
}

TEST_CASE("every attention fixture case has a test case") {
  const std::set<std::string> tested = {"sdpa_plain",
                                        "sdpa_4d",
                                        "sdpa_bool_mask",
                                        "sdpa_float_mask",
                                        "sdpa_causal",
                                        "mha_basic",
                                        "mha_self",
                                        "mha_batch_first",
                                        "mha_kpm_bool",
                                        "mha_kpm_float",
                                        "mha_mask_bool",
                                        "mha_mask_float",
                                        "mha_mask_3d",
                                        "mha_both_masks",
                                        "mha_float_mask_bool_kpm",
                                        "mha_kdim_vdim",
                                        "mha_bias_kv",
                                        "mha_zero_attn",
                                        "mha_bias_kv_zero_attn",
                                        "mha_no_bias",
                                        "mha_no_weights",
                                        "mha_per_head",
                                        "mha_unbatched",
                                        "mha_dropout_eval",
                                        "enc_relu",
                                        "enc_gelu_norm_first",
                                        "enc_unbatched",
                                        "dec_relu",
                                        "dec_gelu_norm_first",
                                        "encoder_stack",
                                        "decoder_stack",
                                        "transformer",
                                        "transformer_gelu_norm_first",
                                        "square_subsequent_mask"};
  std::set<std::string> cases;
  for (auto& k : raw().keys()) cases.insert(k.substr(0, k.find('/')));
  CHECK(cases == tested);
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef SDPA
