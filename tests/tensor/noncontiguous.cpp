// Every op on non-contiguous inputs (issue 13): a table of ops, each run on a transposed (or,
// for 4-D inputs, permuted [N, H, W, C] -> [N, C, H, W]) view, an expanded view (stride 0) and
// a stepped slice of its operands, one operand at a time (the others contiguous) and all at
// once. The result must equal the op on view.contiguous() bitwise (the same kernels run on the
// same values), with the same shape, and the gradient that reaches each base tensor through the
// view must equal the one through view.contiguous(), bitwise too (backward of
// sum(op(...) * fixed random weights)). In-place ops on views of non-leaves must change the
// base as the op on a contiguous copy copied back does. A float64 gradcheck covers a subset.
// The contiguous results are checked against torch 1.13 elsewhere (parity, ops_extra, ...).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <torchlet/nn/functional/activation.hpp>
#include <torchlet/nn/functional/activation_extra.hpp>
#include <torchlet/nn/functional/attention.hpp>
#include <torchlet/nn/functional/classification_loss.hpp>
#include <torchlet/nn/functional/conv.hpp>
#include <torchlet/nn/functional/distance.hpp>
#include <torchlet/nn/functional/distribution_loss.hpp>
#include <torchlet/nn/functional/dropout.hpp>
#include <torchlet/nn/functional/embedding.hpp>
#include <torchlet/nn/functional/embedding_loss.hpp>
#include <torchlet/nn/functional/fold.hpp>
#include <torchlet/nn/functional/interpolate.hpp>
#include <torchlet/nn/functional/linear.hpp>
#include <torchlet/nn/functional/normalization.hpp>
#include <torchlet/nn/functional/normalization_extra.hpp>
#include <torchlet/nn/functional/padding.hpp>
#include <torchlet/nn/functional/pixelshuffle.hpp>
#include <torchlet/nn/functional/pooling.hpp>
#include <torchlet/nn/functional/pooling_nd.hpp>
#include <torchlet/nn/functional/regression_loss.hpp>
#include <torchlet/optim/adam.hpp>
#include <torchlet/optim/sgd.hpp>
#include <torchlet/tensor.hpp>

#include "catch.hpp"

namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace F = nn::functional;
using indexing::None;
using indexing::Slice;

/// How an operand is given to the op.
enum class Kind {
  contiguous,
  transposed,      ///< last two dims swapped (4-D: [N, H, W, C] permuted to [N, C, H, W])
  expanded,        ///< dim 0 expanded from size 1 (stride 0)
  stepped,         ///< x[..., 1::2]: last dim stepped, storage offset 1
  strided,         ///< x[..., 1::2] of the transposed base, then transposed: no unit stride
  broadcast_last,  ///< last dim expanded from size 1 (stride 0)
};

constexpr Kind kViewKinds[] = {Kind::transposed, Kind::expanded, Kind::stepped, Kind::strided,
                               Kind::broadcast_last};

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::contiguous:
      return "contiguous";
    case Kind::transposed:
      return "transposed";
    case Kind::expanded:
      return "expanded";
    case Kind::stepped:
      return "stepped";
    case Kind::strided:
      return "strided";
    case Kind::broadcast_last:
      return "broadcast_last";
  }
  return "?";
}

/// The values an operand's base is drawn from.
enum class Domain {
  any,          ///< standard normal
  positive,     ///< uniform in [0.5, 1.5)
  unit,         ///< uniform in (-0.9, 0.9)
  integral,     ///< trunc(1.5 * standard normal): many zeros and ties
  probability,  ///< uniform in [0.1, 0.9)
};

template <class T>
using Tensors = std::vector<BasicTensor<T>>;

/// One row of the table: the op on operands of the given shapes.
template <class T>
struct Case {
  using Fn = std::function<BasicTensor<T>(const Tensors<T>&)>;
  Case(std::string n, std::vector<Shape> s, Fn f, std::vector<Domain> d = {}, double ulps = 0)
      : name(std::move(n)),
        shapes(std::move(s)),
        fn(std::move(f)),
        domains(std::move(d)),
        scale_ulps(ulps) {}
  std::string name;
  std::vector<Shape> shapes;
  Fn fn;
  std::vector<Domain> domains;  ///< per operand; missing: Domain::any
  double scale_ulps;            ///< 0: exact; else check_same's tolerance
};

/// The shape of the base a view of kind k and shape s is taken from; false when k does not
/// apply to s (a 1-D operand cannot be transposed, a size-1 leading dim cannot be expanded).
bool base_shape(Kind k, const Shape& s, Shape& base) {
  base = s;
  const auto r = s.size();
  if (r == 0) return k == Kind::contiguous;
  switch (k) {
    case Kind::contiguous:
      return true;
    case Kind::transposed:
      if (r == 4) {
        base = {s[0], s[2], s[3], s[1]};
        return true;
      }
      if (r < 2 || s[r - 1] == 1 || s[r - 2] == 1) return false;  // would be contiguous
      std::swap(base[r - 2], base[r - 1]);
      return true;
    case Kind::expanded:
      if (s[0] == 1) return false;
      base[0] = 1;
      return true;
    case Kind::stepped:
      base[r - 1] = 2 * s[r - 1];
      return s[r - 1] > 1;
    case Kind::strided:
      if (r < 2 || s[r - 1] == 1 || s[r - 2] == 1) return false;
      base[r - 2] = s[r - 1];
      base[r - 1] = 2 * s[r - 2];
      return true;
    case Kind::broadcast_last:
      if (s[r - 1] == 1) return false;
      base[r - 1] = 1;
      return true;
  }
  return false;
}

/// The view of kind k and shape s of base.
template <class T>
BasicTensor<T> view_of(Kind k, const BasicTensor<T>& base, const Shape& s) {
  const auto r = static_cast<std::int64_t>(s.size());
  switch (k) {
    case Kind::contiguous:
      return base;
    case Kind::transposed:
      return r == 4 ? base.permute({0, 3, 1, 2}) : base.transpose(r - 2, r - 1);
    case Kind::expanded:
      return base.expand(s);
    case Kind::stepped:  // x[:, 1::2] for a matrix, x.slice(-1, 1, end, 2) otherwise
      return r == 2 ? base.index({Slice(), Slice(1, None, 2)})
                    : base.slice(r - 1, 1, base.size(r - 1), 2);
    case Kind::strided:
      return base.slice(r - 1, 1, base.size(r - 1), 2).transpose(r - 2, r - 1);
    case Kind::broadcast_last:
      return base.expand(s);
  }
  return base;
}

template <class T>
BasicTensor<T> draw(const Shape& s, Domain d, Generator& g) {
  switch (d) {
    case Domain::any:
      return randn<T>(s, g);
    case Domain::positive:
      return rand<T>(s, g) + T(0.5);
    case Domain::unit:
      return rand<T>(s, g) * T(1.8) - T(0.9);
    case Domain::integral:
      return trunc(randn<T>(s, g) * T(1.5));
    case Domain::probability:
      return rand<T>(s, g) * T(0.8) + T(0.1);
  }
  return randn<T>(s, g);
}

/// Equality of shape and values: exact (NaN equals NaN, -0 equals 0) when scale_ulps is 0,
/// else within scale_ulps * eps * max|want| (products that read a transposed operand in place
/// sum in another order than on the gathered copy). Returns false on a difference.
template <class T>
bool check_same(const BasicTensor<T>& got, const BasicTensor<T>& want, const char* what,
                double scale_ulps = 0) {
  INFO(what);
  CHECK(got.defined() == want.defined());
  if (got.defined() != want.defined() || !got.defined()) return got.defined() == want.defined();
  CHECK(got.shape() == want.shape());
  if (got.shape() != want.shape()) return false;
  const auto g = got.to_vector(), w = want.to_vector();
  double scale = 0;
  for (auto v : w)
    scale = std::isfinite(v) ? std::max(scale, std::abs(static_cast<double>(v))) : scale;
  const double tol = scale_ulps * static_cast<double>(std::numeric_limits<T>::epsilon()) * scale;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const bool same = std::isnan(g[i]) ? std::isnan(w[i])
                                       : g[i] == w[i] || std::abs(static_cast<double>(g[i]) -
                                                                  static_cast<double>(w[i])) <= tol;
    if (!same) {
      INFO("element " << i << ": view gives " << g[i] << ", contiguous gives " << w[i]
                      << " (tolerance " << tol << ")");
      CHECK(same);
      return false;  // one message per tensor
    }
  }
  return true;
}

/// Runs c with operand i given as a view of kinds[i] and compares with the op on the
/// contiguous copies: values, shape and the gradients of the bases.
template <class T>
void run_config(const Case<T>& c, const std::vector<Kind>& kinds, std::uint64_t seed) {
  std::ostringstream label;
  label << c.name << " with operands";
  for (auto k : kinds) label << ' ' << kind_name(k);
  INFO(label.str());
  Generator g(seed);
  Tensors<T> bases, bases_ref, in, in_ref;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    Shape bs;
    CHECK(base_shape(kinds[i], c.shapes[i], bs));
    const auto d = i < c.domains.size() ? c.domains[i] : Domain::any;
    const auto base = draw<T>(bs, d, g);
    bases.push_back(base.clone().requires_grad_());
    bases_ref.push_back(base.clone().requires_grad_());
    in.push_back(view_of(kinds[i], bases[i], c.shapes[i]));
    CHECK(in[i].shape() == c.shapes[i]);
    CHECK(in[i].is_contiguous() == (kinds[i] == Kind::contiguous));
    in_ref.push_back(view_of(kinds[i], bases_ref[i], c.shapes[i]).contiguous());
    CHECK(in_ref[i].is_contiguous());
  }
  std::vector<std::vector<T>> before;
  for (const auto& b : bases) before.push_back(b.to_vector());
  const auto out = c.fn(in);
  const auto want = c.fn(in_ref);
  for (std::size_t i = 0; i < bases.size(); ++i) {
    INFO("the op wrote into the base of operand " << i);
    CHECK(bases[i].to_vector() == before[i]);
  }
  if (!check_same(out, want, "forward", c.scale_ulps)) return;
  CHECK(out.requires_grad() == want.requires_grad());
  if (!out.requires_grad()) return;
  const auto w = randn<T>(out.shape(), g);
  (out * w).sum().backward();
  (want * w).sum().backward();
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    INFO("gradient of operand " << i);
    check_same(bases[i].grad(), bases_ref[i].grad(), "backward", c.scale_ulps);
  }
}

/// Every configuration of c: each operand alone as each kind of view (the others
/// contiguous), and, with two or more operands, all of them as the same kind. Returns the
/// number of configurations run.
template <class T>
int run_case(const Case<T>& c, std::uint64_t seed) {
  int n = 0;
  const auto arity = c.shapes.size();
  for (auto k : kViewKinds) {
    for (std::size_t i = 0; i < arity; ++i) {
      Shape unused;
      if (!base_shape(k, c.shapes[i], unused)) continue;
      std::vector<Kind> kinds(arity, Kind::contiguous);
      kinds[i] = k;
      run_config(c, kinds, seed + static_cast<std::uint64_t>(++n));
    }
    if (arity < 2) continue;
    std::vector<Kind> kinds(arity, k);
    bool applies = true;
    for (std::size_t i = 0; i < arity; ++i) {
      Shape unused;
      if (!base_shape(k, c.shapes[i], unused)) kinds[i] = Kind::contiguous;
      applies = applies && kinds[i] == k;
    }
    if (applies) run_config(c, kinds, seed + static_cast<std::uint64_t>(++n));
  }
  return n;
}

/// Values and indices of a (values, indices) result as one tensor of T.
template <class T>
BasicTensor<T> vi(const ValuesIndices<T>& r) {
  return cat({r.values.flatten(), r.indices.template to<T>().flatten()});
}
/// The pieces of split/chunk/unbind as one tensor.
template <class T>
BasicTensor<T> joined(const Tensors<T>& pieces) {
  Tensors<T> flat;
  for (const auto& p : pieces) flat.push_back(p.flatten());
  return cat(flat);
}
template <class T>
BasicTensor<T> as_t(const BasicTensor<bool>& b) {
  return b.template to<T>();
}

using D = DoubleTensor;
using DV = const std::vector<DoubleTensor>&;
const Shape kM{4, 3};  // the shape of most operands
/// check_same's tolerance for the products, which read a transposed (or batch-strided)
/// operand straight from storage and so sum in another order (observed: under 1).
constexpr double kProductUlps = 2;

LongTensor idx(const std::vector<std::int64_t>& v, const Shape& s) {
  return from_vector<std::int64_t>(v, s);
}

std::vector<Case<double>> unary_cases() {
  using Do = Domain;
  return {
      {"neg", {kM}, [](DV x) { return x[0].neg(); }},
      {"operator-", {kM}, [](DV x) { return -x[0]; }},
      {"abs", {kM}, [](DV x) { return x[0].abs(); }},
      {"exp", {kM}, [](DV x) { return x[0].exp(); }},
      {"log", {kM}, [](DV x) { return x[0].log(); }, {Do::positive}},
      {"log1p", {kM}, [](DV x) { return x[0].log1p(); }, {Do::positive}},
      {"sqrt", {kM}, [](DV x) { return x[0].sqrt(); }, {Do::positive}},
      {"rsqrt", {kM}, [](DV x) { return x[0].rsqrt(); }, {Do::positive}},
      {"sin", {kM}, [](DV x) { return x[0].sin(); }},
      {"cos", {kM}, [](DV x) { return x[0].cos(); }},
      {"tanh", {kM}, [](DV x) { return x[0].tanh(); }},
      {"sigmoid", {kM}, [](DV x) { return x[0].sigmoid(); }},
      {"relu", {kM}, [](DV x) { return x[0].relu(); }},
      {"gelu", {kM}, [](DV x) { return x[0].gelu(); }},
      {"gelu_tanh", {kM}, [](DV x) { return x[0].gelu("tanh"); }},
      {"sign", {kM}, [](DV x) { return x[0].sign(); }, {Do::integral}},
      {"trunc", {kM}, [](DV x) { return (x[0] * 2.5).trunc(); }},
      {"trunc_view", {kM}, [](DV x) { return x[0].trunc(); }},
      {"frac", {kM}, [](DV x) { return x[0].frac(); }},
      {"erf", {kM}, [](DV x) { return x[0].erf(); }},
      {"erfinv", {kM}, [](DV x) { return x[0].erfinv(); }, {Do::unit}},
      {"pow3", {kM}, [](DV x) { return x[0].pow(3.0); }},
      {"pow_half", {kM}, [](DV x) { return pow(x[0], 0.5); }, {Do::positive}},
      {"clamp", {kM}, [](DV x) { return x[0].clamp(-0.5, 0.5); }},
      {"clamp_min", {kM}, [](DV x) { return x[0].clamp(0.1, std::nullopt); }},
      {"nan_to_num", {kM}, [](DV x) { return x[0].nan_to_num(0.0, 1.0, -1.0); }},
      {"isnan", {kM}, [](DV x) { return as_t<double>(x[0].isnan()); }},
      {"isfinite", {kM}, [](DV x) { return as_t<double>(isfinite(x[0])); }},
      {"add_scalar", {kM}, [](DV x) { return x[0] + 1.5; }},
      {"rsub_scalar", {kM}, [](DV x) { return 1.5 - x[0]; }},
      {"mul_scalar", {kM}, [](DV x) { return x[0] * -2.5; }},
      {"div_scalar", {kM}, [](DV x) { return x[0] / 3.0; }},
      {"rdiv_scalar", {kM}, [](DV x) { return 2.0 / x[0]; }, {Do::positive}},
      {"fmod_scalar", {kM}, [](DV x) { return x[0].fmod(0.7); }},
      {"remainder_scalar", {kM}, [](DV x) { return x[0].remainder(0.7); }},
      {"compare_scalar", {kM}, [](DV x) { return as_t<double>(x[0] > 0.2); }},
      // temporaries that are views (the rvalue overloads may reuse only unshared buffers)
      {"rvalue_view_neg", {kM}, [](DV x) { return -(x[0].t().t()); }},
      {"rvalue_view_scalar", {kM}, [](DV x) { return x[0].unsqueeze(0).squeeze(0) * 3.0 + 1.0; }},
      {"rvalue_view_binary", {kM}, [](DV x) { return x[0].t().t() + x[0].t().t(); }},
      {"rvalue_view_exp", {kM}, [](DV x) { return exp(x[0].unsqueeze(1)); }},
      {"to_float_and_back", {kM}, [](DV x) { return x[0].to<float>().to<double>(); }},
      {"isinf", {kM}, [](DV x) { return as_t<double>(x[0].isinf()); }},
      {"unary_3d", {{2, 4, 3}}, [](DV x) { return x[0].tanh() * x[0].sigmoid(); }},
  };
}

std::vector<Case<double>> binary_cases() {
  using Do = Domain;
  const Shape col{4, 1}, row{3};
  return {
      {"add", {kM, kM}, [](DV x) { return x[0] + x[1]; }},
      {"add_method", {kM, kM}, [](DV x) { return x[0].add(x[1]); }},
      {"sub", {kM, kM}, [](DV x) { return x[0] - x[1]; }},
      {"mul", {kM, kM}, [](DV x) { return x[0] * x[1]; }},
      {"div", {kM, kM}, [](DV x) { return x[0] / x[1]; }, {Do::any, Do::positive}},
      {"add_broadcast_col", {kM, col}, [](DV x) { return x[0] + x[1]; }},
      {"mul_broadcast_row", {kM, row}, [](DV x) { return x[0] * x[1]; }},
      {"div_broadcast_both", {col, row}, [](DV x) { return x[0] / x[1]; }, {Do::any, Do::positive}},
      {"maximum", {kM, kM}, [](DV x) { return maximum(x[0], x[1]); }},
      {"minimum", {kM, kM}, [](DV x) { return x[0].minimum(x[1]); }},
      {"maximum_ties",
       {kM, kM},
       [](DV x) { return maximum(x[0], x[1]); },
       {Do::integral, Do::integral}},
      {"atan2", {kM, kM}, [](DV x) { return atan2(x[0], x[1]); }},
      {"fmod", {kM, kM}, [](DV x) { return fmod(x[0], x[1]); }, {Do::any, Do::positive}},
      {"remainder", {kM, kM}, [](DV x) { return x[0].remainder(x[1]); }, {Do::any, Do::positive}},
      {"lerp_scalar", {kM, kM}, [](DV x) { return x[0].lerp(x[1], 0.3); }},
      {"lerp_tensor", {kM, kM, kM}, [](DV x) { return lerp(x[0], x[1], x[2]); }},
      {"addcmul", {kM, kM, row}, [](DV x) { return addcmul(x[0], x[1], x[2], 0.5); }},
      {"where", {kM, kM}, [](DV x) { return where(x[0] > x[1], x[0], x[1] * 2.0); }},
      {"where_member", {kM, kM}, [](DV x) { return x[0].where(x[1] > 0.0, x[1]); }},
      {"eq",
       {kM, kM},
       [](DV x) { return as_t<double>(eq(x[0], x[1])); },
       {Do::integral, Do::integral}},
      {"ne",
       {kM, kM},
       [](DV x) { return as_t<double>(x[0] != x[1]); },
       {Do::integral, Do::integral}},
      {"lt", {kM, kM}, [](DV x) { return as_t<double>(x[0] < x[1]); }},
      {"le",
       {kM, row},
       [](DV x) { return as_t<double>(le(x[0], x[1])); },
       {Do::integral, Do::integral}},
      {"gt", {kM, kM}, [](DV x) { return as_t<double>(x[0] > x[1]); }},
      {"ge", {kM, col}, [](DV x) { return as_t<double>(x[0] >= x[1]); }},
      {"isclose", {kM, kM}, [](DV x) { return as_t<double>(isclose(x[0], x[1], 0.5, 0.1)); }},
      {"binary_3d", {{2, 4, 3}, {4, 3}}, [](DV x) { return x[0] * x[1] - x[1].exp(); }},
  };
}

std::vector<Case<double>> reduction_cases() {
  using Do = Domain;
  const Shape m3{2, 4, 3};
  return {
      {"sum", {kM}, [](DV x) { return x[0].sum(); }},
      {"sum0", {kM}, [](DV x) { return x[0].sum(0); }},
      {"sum1_keepdim", {kM}, [](DV x) { return x[0].sum(1, true); }},
      {"sum_3d_dim2", {m3}, [](DV x) { return x[0].sum(2); }},
      {"sum_3d_dim0", {m3}, [](DV x) { return x[0].sum(0, true); }},
      {"mean", {kM}, [](DV x) { return x[0].mean(); }},
      {"mean1", {kM}, [](DV x) { return x[0].mean(1); }},
      {"mean0_keepdim", {kM}, [](DV x) { return x[0].mean(0, true); }},
      {"max", {kM}, [](DV x) { return x[0].max(); }},
      {"max_ties", {kM}, [](DV x) { return x[0].max(); }, {Do::integral}},
      {"max0", {kM}, [](DV x) { return vi(x[0].max(0)); }},
      {"max1_keepdim", {kM}, [](DV x) { return vi(x[0].max(1, true)); }},
      {"min", {kM}, [](DV x) { return x[0].min(); }},
      {"min0_ties", {kM}, [](DV x) { return vi(x[0].min(0)); }, {Do::integral}},
      {"var_mean",
       {kM},
       [](DV x) {
         auto [v, m] = var_mean(x[0], 1);
         return cat({v, m});
       }},
      {"nonzero", {kM}, [](DV x) { return x[0].nonzero().to<double>(); }, {Do::integral}},
      {"argmax", {kM}, [](DV x) { return x[0].argmax().to<double>(); }},
      {"argmax0", {kM}, [](DV x) { return x[0].argmax(0).to<double>(); }},
      {"argmin1_keepdim", {kM}, [](DV x) { return x[0].argmin(1, true).to<double>(); }},
      {"prod", {kM}, [](DV x) { return x[0].prod(); }},
      {"prod0", {kM}, [](DV x) { return x[0].prod(0); }},
      {"prod1_zeros", {kM}, [](DV x) { return x[0].prod(1, true); }, {Do::integral}},
      {"var", {kM}, [](DV x) { return x[0].var(); }},
      {"var0", {kM}, [](DV x) { return x[0].var(0); }},
      {"std1_keepdim", {kM}, [](DV x) { return x[0].std(1, true, true); }},
      {"std_biased", {kM}, [](DV x) { return x[0].std(0, false); }},
      {"logsumexp0", {kM}, [](DV x) { return x[0].logsumexp(0); }},
      {"logsumexp1_keepdim", {kM}, [](DV x) { return x[0].logsumexp(1, true); }},
      {"norm", {kM}, [](DV x) { return x[0].norm(); }},
      {"norm1_dim0", {kM}, [](DV x) { return x[0].norm(1.0, 0); }},
      {"norm3_dim1_keepdim", {kM}, [](DV x) { return x[0].norm(3.0, 1, true); }},
      {"median", {kM}, [](DV x) { return x[0].median(); }},
      {"median0", {kM}, [](DV x) { return vi(x[0].median(0)); }},
      {"median1_ties", {kM}, [](DV x) { return vi(x[0].median(1, true)); }, {Do::integral}},
      {"kthvalue", {kM}, [](DV x) { return vi(x[0].kthvalue(2, 0)); }},
      {"mode", {kM}, [](DV x) { return vi(x[0].mode(1)); }, {Do::integral}},
      {"all", {kM}, [](DV x) { return as_t<double>(x[0].all()); }, {Do::integral}},
      {"all0", {kM}, [](DV x) { return as_t<double>(x[0].all(0)); }, {Do::integral}},
      {"any1_keepdim", {kM}, [](DV x) { return as_t<double>(x[0].any(1, true)); }, {Do::integral}},
      {"cumsum0", {kM}, [](DV x) { return x[0].cumsum(0); }},
      {"cumsum1", {kM}, [](DV x) { return cumsum(x[0], 1); }},
      {"cumsum_3d", {m3}, [](DV x) { return x[0].cumsum(1); }},
      {"cumprod0", {kM}, [](DV x) { return x[0].cumprod(0); }},
      {"cumprod1_zeros", {kM}, [](DV x) { return x[0].cumprod(1); }, {Do::integral}},
      {"softmax0", {kM}, [](DV x) { return x[0].softmax(0); }},
      {"softmax1", {kM}, [](DV x) { return softmax(x[0], 1); }},
      {"softmax_3d", {m3}, [](DV x) { return x[0].softmax(-1); }},
      {"log_softmax0", {kM}, [](DV x) { return x[0].log_softmax(0); }},
      {"log_softmax1", {kM}, [](DV x) { return log_softmax(x[0], 1); }},
      {"sort", {kM}, [](DV x) { return vi(x[0].sort()); }},
      {"sort0_descending", {kM}, [](DV x) { return vi(x[0].sort(0, true)); }},
      {"sort_ties", {kM}, [](DV x) { return vi(sort(x[0], 1)); }, {Do::integral}},
      {"argsort0", {kM}, [](DV x) { return x[0].argsort(0).to<double>(); }},
      {"topk1", {kM}, [](DV x) { return vi(x[0].topk(2, 1)); }},
      {"topk0_smallest", {kM}, [](DV x) { return vi(x[0].topk(3, 0, false)); }},
  };
}

std::vector<Case<double>> product_cases() {
  const Shape k35{3, 5}, b243{2, 4, 3}, b235{2, 3, 5};
  return {
      {"matmul", {kM, k35}, [](DV x) { return x[0].matmul(x[1]); }, {}, kProductUlps},
      {"mm", {kM, k35}, [](DV x) { return mm(x[0], x[1]); }, {}, kProductUlps},
      {"matmul_3d_2d", {b243, k35}, [](DV x) { return matmul(x[0], x[1]); }, {}, kProductUlps},
      {"matmul_mv", {kM, {3}}, [](DV x) { return x[0].matmul(x[1]); }, {}, kProductUlps},
      {"bmm", {b243, b235}, [](DV x) { return x[0].bmm(x[1]); }, {}, kProductUlps},
      {"addmm", {{4, 5}, kM, k35}, [](DV x) { return addmm(x[0], x[1], x[2]); }, {}, kProductUlps},
      {"addmm_broadcast",
       {{5}, kM, k35},
       [](DV x) { return addmm(x[0], x[1], x[2], 0.5, 2.0); },
       {},
       kProductUlps},
      {"baddbmm",
       {{2, 4, 5}, b243, b235},
       [](DV x) { return baddbmm(x[0], x[1], x[2], 0.5, 2.0); },
       {},
       kProductUlps},
      {"addmv",
       {{4}, kM, {3}},
       [](DV x) { return addmv(x[0], x[1], x[2], 0.5, 2.0); },
       {},
       kProductUlps},
      {"addbmm",
       {{4, 5}, b243, b235},
       [](DV x) { return addbmm(x[0], x[1], x[2]); },
       {},
       kProductUlps},
      {"outer", {{4}, {3}}, [](DV x) { return outer(x[0], x[1]); }},
      {"einsum_mm",
       {kM, k35},
       [](DV x) {
         return einsum("ij,jk->ik", {x[0], x[1]});
       },
       {},
       kProductUlps},
      {"einsum_batched",
       {b243, {2, 5, 3}},
       [](DV x) {
         return einsum("bij,bkj->bik", {x[0], x[1]});
       },
       {},
       kProductUlps},
      {"einsum_sum", {kM}, [](DV x) { return einsum("ij->j", {x[0]}); }},
      {"conv2d",
       {{2, 3, 5, 5}, {4, 3, 3, 3}, {4}},
       [](DV x) { return F::conv2d(x[0], x[1], x[2], 1, 1); }},
      {"conv2d_stride2",
       {{2, 3, 6, 6}, {2, 3, 3, 3}},
       [](DV x) { return F::conv2d(x[0], x[1], {}, 2); }},
  };
}

std::vector<Case<double>> indexing_cases() {
  using Do = Domain;
  return {
      {"gather1",
       {kM},
       [](DV x) {
         return x[0].gather(1, idx({2, 0, 1, 1, 0, 2, 2, 2}, {4, 2}));
       }},
      {"gather0",
       {kM},
       [](DV x) {
         return gather(x[0], 0, idx({3, 0, 1, 1, 2, 0}, {2, 3}).t().contiguous().t());
       }},
      {"gather_transposed_index",
       {kM},
       [](DV x) {
         return gather(x[0], 1, idx({0, 1, 2, 0, 2, 1, 1, 0, 0, 2, 2, 2}, {3, 4}).t());
       }},
      {"scatter_add",
       {kM, {4, 2}},
       [](DV x) {
         return scatter_add(x[0], 1, idx({2, 0, 1, 1, 0, 0, 2, 2}, {4, 2}), x[1]);
       }},
      {"scatter",
       {kM, {4, 2}},
       [](DV x) {
         return scatter(x[0], 1, idx({2, 0, 1, 0, 0, 1, 2, 1}, {4, 2}), x[1]);
       }},
      {"index_select0",
       {kM},
       [](DV x) {
         return x[0].index_select(0, idx({2, 0, 3}, {3}));
       }},
      {"index_select1",
       {kM},
       [](DV x) {
         return index_select(x[0], 1, idx({2, 2, 0}, {3}));
       }},
      {"index_add",
       {kM, {2, 3}},
       [](DV x) {
         return index_add(x[0], 0, idx({3, 1}, {2}), x[1], 2.0);
       }},
      {"index_copy",
       {kM, {4, 2}},
       [](DV x) {
         return index_copy(x[0], 1, idx({2, 0}, {2}), x[1]);
       }},
      {"masked_fill", {kM}, [](DV x) { return x[0].masked_fill(x[0] > 0.3, 0.5); }},
      {"masked_fill_tensor", {kM, {}}, [](DV x) { return masked_fill(x[0], x[0] < 0.0, x[1]); }},
      {"masked_scatter", {kM, {3, 4}}, [](DV x) { return x[0].masked_scatter(x[0] > 0.0, x[1]); }},
      {"masked_select", {kM}, [](DV x) { return x[0].masked_select(x[0] > 0.0); }},
      {"index_put",
       {kM, {2, 3}},
       [](DV x) {
         return index_put(x[0], {idx({3, 0}, {2})}, x[1]);
       }},
      {"index_put_accumulate",
       {kM, {3}},
       [](DV x) {
         return index_put(x[0], {idx({1, 1, 2}, {3}), idx({0, 0, 2}, {3})}, x[1], true);
       }},
      {"index_advanced",
       {kM},
       [](DV x) {
         return x[0].index({Slice(), idx({2, 0, 2}, {3})});
       }},
      {"index_basic_of_view",
       {kM},
       [](DV x) {
         return x[0].index({Slice(1, None), 1}) * 2.0;
       }},
      {"cat0",
       {kM, {2, 3}},
       [](DV x) {
         return cat({x[0], x[1]}, 0);
       }},
      {"cat1",
       {kM, {4, 2}},
       [](DV x) {
         return cat({x[0], x[1]}, 1);
       }},
      {"stack1",
       {kM, kM},
       [](DV x) {
         return stack({x[0], x[1]}, 1);
       }},
      {"split", {kM}, [](DV x) { return joined(x[0].split(3, 0)); }},
      {"split_sizes",
       {kM},
       [](DV x) {
         return joined(split(x[0], std::vector<std::int64_t>{1, 2}, 1));
       }},
      {"chunk", {kM}, [](DV x) { return joined(x[0].chunk(2, 1)); }},
      {"unbind", {kM}, [](DV x) { return joined(x[0].unbind(1)); }},
      {"tril", {kM}, [](DV x) { return x[0].tril(); }},
      {"triu1", {kM}, [](DV x) { return triu(x[0], 1); }},
      {"tril_3d", {{2, 4, 3}}, [](DV x) { return x[0].tril(-1); }},
      {"flip0", {kM}, [](DV x) { return x[0].flip({0}); }},
      {"flip01",
       {kM},
       [](DV x) {
         return flip(x[0], {0, 1});
       }},
      {"roll0", {kM}, [](DV x) { return x[0].roll({1}, {0}); }},
      {"roll01",
       {kM},
       [](DV x) {
         return roll(x[0], {1, -1}, {0, 1});
       }},
      {"roll_flat", {kM}, [](DV x) { return roll(x[0], {5}, {}); }},
      {"repeat",
       {kM},
       [](DV x) {
         return x[0].repeat({2, 1, 2});
       }},
      {"tile",
       {kM},
       [](DV x) {
         return x[0].tile({1, 2});
       }},
      {"repeat_interleave", {kM}, [](DV x) { return repeat_interleave(x[0], 2, 0); }},
      {"diag", {kM}, [](DV x) { return x[0].diag(); }},
      {"diag_embed", {kM}, [](DV x) { return x[0].diag_embed(1); }},
      {"reshape",
       {kM},
       [](DV x) {
         return x[0].reshape({3, 4}) * 1.0;
       }},
      {"flatten", {{2, 4, 3}}, [](DV x) { return x[0].flatten() * 1.0; }},
      {"clone", {kM}, [](DV x) { return x[0].clone(); }},
      {"dist", {kM, kM}, [](DV x) { return x[0].dist(x[1], 3.0); }},
      {"cdist", {kM, {5, 3}}, [](DV x) { return cdist(x[0], x[1]); }},
      {"unique_ties_sort", {kM}, [](DV x) { return vi(x[0].flatten().sort()); }, {Do::integral}},
  };
}

/// nn::functional ops that are templates, in float64.
std::vector<Case<double>> functional_double_cases() {
  using Do = Domain;
  const Shape img{2, 4, 4, 4}, seq{2, 3, 6};
  return {
      {"elu", {kM}, [](DV x) { return F::elu(x[0], 0.7); }},
      {"silu", {kM}, [](DV x) { return F::silu(x[0]); }},
      {"softplus", {kM}, [](DV x) { return F::softplus(x[0], 2.0, 1.0); }},
      {"hardtanh", {kM}, [](DV x) { return F::hardtanh(x[0], -0.5, 0.5); }},
      {"logsigmoid", {kM}, [](DV x) { return F::logsigmoid(x[0]); }},
      {"mish", {kM}, [](DV x) { return F::mish(x[0]); }},
      {"glu", {{4, 6}}, [](DV x) { return F::glu(x[0], -1); }},
      {"glu0", {{4, 6}}, [](DV x) { return F::glu(x[0], 0); }},
      {"softmin", {kM}, [](DV x) { return F::softmin(x[0], 0); }},
      {"prelu", {img, {4}}, [](DV x) { return F::prelu(x[0], x[1]); }},
      {"conv1d", {seq, {4, 3, 3}, {4}}, [](DV x) { return F::conv1d(x[0], x[1], x[2], 1, 1); }},
      {"conv_transpose2d",
       {{2, 3, 4, 4}, {3, 2, 3, 3}},
       [](DV x) { return F::conv_transpose2d(x[0], x[1], {}, 2, 1); }},
      {"conv2d_groups",
       {img, {4, 2, 3, 3}},
       [](DV x) { return F::conv2d(x[0], x[1], {}, 1, 0, 1, 2); }},
      {"cosine_similarity", {kM, kM}, [](DV x) { return F::cosine_similarity(x[0], x[1]); }},
      {"pairwise_distance", {kM, kM}, [](DV x) { return F::pairwise_distance(x[0], x[1]); }},
      {"kl_div", {kM, kM}, [](DV x) { return F::kl_div(x[0].log_softmax(1), x[1].softmax(1)); }},
      {"unfold_im2col", {img}, [](DV x) { return F::unfold(x[0], 2, 1, 0, 2); }},
      {"fold", {{2, 12, 4}}, [](DV x) { return F::fold(x[0], 4, 2, 1, 0, 2); }},
      {"interpolate_nearest",
       {img},
       [](DV x) {
         return F::interpolate(x[0], {.size = {6, 5}});
       }},
      {"interpolate_bilinear",
       {img},
       [](DV x) { return F::interpolate(x[0], {.scale_factor = {1.5}, .mode = "bilinear"}); }},
      {"group_norm", {img, {4}, {4}}, [](DV x) { return F::group_norm(x[0], 2, x[1], x[2]); }},
      {"instance_norm", {img}, [](DV x) { return F::instance_norm(x[0]); }},
      {"normalize", {kM}, [](DV x) { return F::normalize(x[0]); }},
      {"normalize_dim0", {kM}, [](DV x) { return F::normalize(x[0], 1.0, 0); }},
      {"rms_norm", {{2, 4, 3}, {3}}, [](DV x) { return F::rms_norm(x[0], {3}, x[1]); }},
      {"pad_constant",
       {img},
       [](DV x) {
         return F::pad(x[0], {1, 2, 0, 1}, "constant", 0.5);
       }},
      {"pad_reflect",
       {img},
       [](DV x) {
         return F::pad(x[0], {1, 2, 2, 1}, "reflect");
       }},
      {"pad_replicate",
       {img},
       [](DV x) {
         return F::pad(x[0], {1, 1, 1, 0}, "replicate");
       }},
      {"pixel_shuffle", {img}, [](DV x) { return F::pixel_shuffle(x[0], 2); }},
      {"max_pool1d", {seq}, [](DV x) { return F::max_pool1d(x[0], 2); }},
      {"attention",
       {{2, 4, 3}, {2, 5, 3}, {2, 5, 3}},
       [](DV x) { return F::scaled_dot_product_attention(x[0], x[1], x[2]); },
       {},
       kProductUlps},
      {"attention_causal",
       {{2, 4, 3}, {2, 4, 3}, {2, 4, 3}},
       [](DV x) { return F::scaled_dot_product_attention(x[0], x[1], x[2], {.is_causal = true}); },
       {},
       kProductUlps},
      {"triplet_margin_loss",
       {kM, kM, kM},
       [](DV x) { return F::triplet_margin_loss(x[0], x[1], x[2]); }},
      {"relu6_ties", {kM}, [](DV x) { return F::relu6(x[0] * 4.0); }, {Do::integral}},
  };
}

/// nn::functional ops that take float tensors.
std::vector<Case<float>> functional_cases() {
  using FV = const std::vector<Tensor>&;
  return {
      {"linear",
       {kM, {5, 3}, {5}},
       [](FV x) { return F::linear(x[0], x[1], x[2]); },
       {},
       kProductUlps},
      {"linear_no_bias",
       {{2, 4, 3}, {5, 3}},
       [](FV x) { return F::linear(x[0], x[1]); },
       {},
       kProductUlps},
      {"max_pool2d", {{2, 3, 6, 6}}, [](FV x) { return F::max_pool2d(x[0], 2); }},
      {"max_pool2d_stride1", {{2, 3, 5, 5}}, [](FV x) { return F::max_pool2d(x[0], 3, 1, 1); }},
      {"layer_norm", {kM, {3}, {3}}, [](FV x) { return F::layer_norm(x[0], {3}, x[1], x[2]); }},
      {"layer_norm_3d",
       {{2, 4, 3}},
       [](FV x) {
         return F::layer_norm(x[0], {4, 3});
       }},
      {"cross_entropy",
       {kM},
       [](FV x) {
         return F::cross_entropy(x[0], tensor<std::int64_t>({0, 2, 1, 2}));
       }},
      {"cross_entropy_soft",
       {kM, kM},
       [](FV x) { return F::cross_entropy(x[0], x[1].softmax(1)); }},
      {"mse_loss", {kM, kM}, [](FV x) { return F::mse_loss(x[0], x[1]); }},
      {"softmax_float", {{2, 4, 3}}, [](FV x) { return x[0].softmax(1); }},
      {"leaky_relu", {kM}, [](FV x) { return F::leaky_relu(x[0], 0.2); }},
      {"dropout_eval", {kM}, [](FV x) { return F::dropout(x[0], 0.5, false); }},
      {"embedding",
       {{5, 3}},
       [](FV x) {
         return F::embedding(from_vector<std::int64_t>({4, 0, 2, 4}, {2, 2}), x[0]);
       }},
      {"bilinear",
       {kM, {4, 2}, {5, 3, 2}},
       [](FV x) { return F::bilinear(x[0], x[1], x[2]); },
       {},
       kProductUlps},
      {"batch_norm_eval",
       {{2, 4, 3}},
       [](FV x) { return F::batch_norm(x[0], full<float>({4}, 0.1f), full<float>({4}, 2.f)); }},
      {"batch_norm_train",
       {{2, 4, 3}, {4}, {4}},
       [](FV x) {
         auto rm = zeros<float>({4}), rv = ones<float>({4});
         return F::batch_norm(x[0], rm, rv, x[1], x[2], true);
       }},
      {"avg_pool2d", {{2, 3, 6, 6}}, [](FV x) { return F::avg_pool2d(x[0], 2); }},
      {"adaptive_avg_pool2d",
       {{2, 3, 5, 6}},
       [](FV x) {
         return F::adaptive_avg_pool2d(x[0], {2, 3});
       }},
      {"nll_loss",
       {kM},
       [](FV x) {
         return F::nll_loss(x[0].log_softmax(1), tensor<std::int64_t>({2, 0, 0, 1}));
       }},
      {"binary_cross_entropy",
       {kM, kM},
       [](FV x) { return F::binary_cross_entropy(x[0], x[1]); },
       {Domain::probability, Domain::probability}},
      {"bce_with_logits",
       {kM, kM},
       [](FV x) { return F::binary_cross_entropy_with_logits(x[0], x[1].sigmoid()); }},
      {"l1_loss", {kM, kM}, [](FV x) { return F::l1_loss(x[0], x[1]); }},
      {"smooth_l1_loss", {kM, kM}, [](FV x) { return F::smooth_l1_loss(x[0], x[1]); }},
      {"huber_loss", {kM, kM}, [](FV x) { return F::huber_loss(x[0], x[1]); }},
      {"matmul_float", {kM, {3, 5}}, [](FV x) { return x[0].matmul(x[1]); }, {}, kProductUlps},
  };
}

template <class T>
void run_table(const std::vector<Case<T>>& cases, std::uint64_t seed) {
  int configs = 0;
  for (const auto& c : cases) {
    configs += run_case(c, seed);
    seed += 100;
  }
  CHECK(configs >= static_cast<int>(cases.size()));
}

TEST_CASE("unary ops on transposed, expanded and stepped views equal the op on contiguous()") {
  run_table(unary_cases(), 1000);
}

TEST_CASE("binary ops on views and view/contiguous mixes equal the op on contiguous()") {
  run_table(binary_cases(), 2000);
}

TEST_CASE("reductions, scans, softmax and sorting on views equal the op on contiguous()") {
  run_table(reduction_cases(), 3000);
}

TEST_CASE("matmul, mm, bmm, addmm, baddbmm, outer, einsum and conv2d on views") {
  run_table(product_cases(), 4000);
}

TEST_CASE("indexing, joining and rearranging ops on views equal the op on contiguous()") {
  run_table(indexing_cases(), 5000);
}

TEST_CASE("nn::functional ops (float64 templates) on views equal the op on contiguous()") {
  run_table(functional_double_cases(), 7000);
}

TEST_CASE("nn::functional ops on views (float) equal the op on contiguous()") {
  run_table(functional_cases(), 6000);
}

TEST_CASE("the sweep notices an op that reads a view wrongly") {
  // An op that reads the storage as if the view were contiguous must fail the comparison.
  const Case<double> bad{
      "reads storage", {kM}, [](DV x) {
        if (x[0].is_contiguous()) return x[0] * 1.0;
        return x[0].as_strided(x[0].shape(), {3, 1}, x[0].storage_offset()) * 1.0;
      }};
  Generator g(1);
  auto base = randn<double>({3, 4}, g);
  auto t = base.t();
  CHECK(bad.fn({t}).to_vector() != bad.fn({t.contiguous()}).to_vector());
}

/// An in-place op on a [4, 3] view.
struct Inplace {
  std::string name;
  std::function<void(const D&)> fn;
};

std::vector<Inplace> inplace_cases() {
  Generator g(77);
  const auto other = randn<double>(kM, g);
  const auto row = randn<double>({3}, g);
  const auto mask = randn<double>(kM, g) > 0.0;
  const auto vals = randn<double>({2, 3}, g);
  const auto src = randn<double>({4, 2}, g);
  return {
      {"add_", [=](const D& v) { v.add_(other); }},
      {"add_broadcast", [=](const D& v) { v.add_(row); }},
      {"add_scalar", [](const D& v) { v.add_(1.5); }},
      {"operator+=", [=](const D& v) { v += other; }},
      {"sub_", [=](const D& v) { v.sub_(other); }},
      {"mul_", [=](const D& v) { v.mul_(other); }},
      {"mul_scalar", [](const D& v) { v.mul_(-2.0); }},
      {"div_", [=](const D& v) { v.div_(other.abs() + 0.5); }},
      {"clamp_", [](const D& v) { v.clamp_(-0.3, 0.4); }},
      {"relu_", [](const D& v) { v.relu_(); }},
      {"fill_", [](const D& v) { v.fill_(2.5); }},
      {"zero_", [](const D& v) { v.zero_(); }},
      {"copy_", [=](const D& v) { v.copy_(other); }},
      {"copy_transposed", [=](const D& v) { v.copy_(other.t().contiguous().t()); }},
      {"masked_fill_", [=](const D& v) { v.masked_fill_(mask, -1.0); }},
      {"index_put_",
       [=](const D& v) {
         index_put_(v, {idx({3, 1}, {2})}, vals);
       }},
      {"index_put_accumulate",
       [=](const D& v) {
         index_put_(v, {idx({0, 0, 3}, {3}), idx({1, 1, 2}, {3})}, row, true);
       }},
      {"scatter_",
       [=](const D& v) {
         scatter_(v, 1, idx({2, 0, 1, 0, 0, 1, 2, 1}, {4, 2}), src);
       }},
      {"index_add_",
       [=](const D& v) {
         index_add_(v, 0, idx({3, 1}, {2}), vals);
       }},
      {"twice",
       [=](const D& v) {
         v.mul_(other);
         v.add_(1.0);
       }},
  };
}

TEST_CASE("in-place ops on a view of a non-leaf change the base as on a copy written back") {
  for (auto k : {Kind::stepped, Kind::transposed, Kind::strided}) {
    for (const auto& c : inplace_cases()) {
      INFO(c.name << " on a " << kind_name(k) << " view");
      Shape bs;
      REQUIRE(base_shape(k, kM, bs));
      Generator g(9);
      auto x = randn<double>(bs, g).requires_grad_();
      auto x2 = x.detach().clone().requires_grad_();
      auto b = x * 1.5;
      auto v = view_of(k, b, kM);
      REQUIRE_FALSE(v.is_contiguous());
      c.fn(v);
      CHECK(b.grad_fn_name() == "CopySlices");
      auto b2 = x2 * 1.5;
      auto copy = view_of(k, b2, kM).contiguous();
      REQUIRE(copy.is_contiguous());
      c.fn(copy);
      view_of(k, b2, kM).copy_(copy);
      check_same(b, b2, "base after the write");
      check_same(v, copy, "the view after the write");
      const auto w = randn<double>(bs, g);
      (b * w).sum().backward();
      (b2 * w).sum().backward();
      check_same(x.grad(), x2.grad(), "gradient of the leaf");
    }
  }
}

TEST_CASE("a non-contiguous leaf: its gradient and optimizer steps as for a contiguous copy") {
  for (auto k : kViewKinds) {
    if (k == Kind::expanded || k == Kind::broadcast_last) continue;  // not writable
    INFO(kind_name(k) << " leaf");
    Shape bs;
    REQUIRE(base_shape(k, kM, bs));
    Generator g(11);
    const auto base = randn<float>(bs, g);
    const auto w = randn<float>(kM, g);
    auto x = view_of(k, base, kM).requires_grad_();  // a view of a tensor without grad: a leaf
    auto x2 = view_of(k, base.clone(), kM).contiguous().requires_grad_();
    REQUIRE(x.is_leaf());
    REQUIRE_FALSE(x.is_contiguous());
    (x.exp() * w).sum().backward();
    (x2.exp() * w).sum().backward();
    check_same(x.grad(), x2.grad(), "gradient");
    optim::Adam adam({x}, optim::AdamOptions{.lr = 0.1});
    optim::Adam adam2({x2}, optim::AdamOptions{.lr = 0.1});
    optim::SGD sgd({x}, optim::SGDOptions{.lr = 0.5, .momentum = 0.9});
    optim::SGD sgd2({x2}, optim::SGDOptions{.lr = 0.5, .momentum = 0.9});
    for (int i = 0; i < 2; ++i) {
      adam.step();
      adam2.step();
      sgd.step();
      sgd2.step();
    }
    check_same(x.detach(), x2.detach(), "parameter after the steps");
    check_same(view_of(k, base, kM), x2.detach(), "the base, read through a fresh view");
  }
}

TEST_CASE("gradcheck (float64) on non-contiguous inputs") {
  using autograd::gradcheck;
  Generator g(5);
  auto a = randn<double>({3, 4}, g).requires_grad_();
  auto b = randn<double>({4, 6}, g).requires_grad_();
  auto r = randn<double>({1, 3}, g).requires_grad_();
  auto m = randn<double>({5, 3}, g).requires_grad_();
  auto img = randn<double>({1, 4, 4, 2}, g).requires_grad_();
  auto wt = randn<double>({3, 2, 2, 2}, g).requires_grad_();
  CHECK(gradcheck([](const D& x) { return x.t().tanh(); }, {a}));
  CHECK(gradcheck(
      [](const D& x, const D& y) {
        return x.t() * y.expand({4, 3}) / (y.exp() + 1.0);
      },
      {a, r}));
  CHECK(gradcheck(
      [](const D& x) {
        return x.index({Slice(), Slice(0, None, 2)}).logsumexp(1, true);
      },
      {b}));
  CHECK(gradcheck([](const D& x) { return x.slice(1, 1, 6, 2).std(0); }, {b}));
  CHECK(gradcheck([](const D& x, const D& y) { return x.t().matmul(y.t()); }, {a, m}));
  CHECK(gradcheck([](const D& x) { return x.t().softmax(1); }, {a}));
  CHECK(gradcheck([](const D& x) { return x.slice(1, 0, 6, 2).log_softmax(0); }, {b}));
  CHECK(gradcheck(
      [](const D& x) {
        return x.index({Slice(), Slice(0, None, 2)}).cumprod(1);
      },
      {b}));
  CHECK(gradcheck([](const D& x) { return x.expand({4, 3}).prod(0); }, {r}));
  CHECK(gradcheck(
      [](const D& x, const D& w) {
        return F::conv2d(x.permute({0, 3, 1, 2}), w, {}, 1, 1);
      },
      {img, wt}));
  CHECK(gradcheck(
      [](const D& x) { return x.t().sort(0).values * x.t().max(1).values.unsqueeze(1); }, {a}));
}

}  // namespace TORCHLET_TEST_FILE
