#pragma once
// The rest of torch.nn's activation layers (ELU, SELU, CELU, SiLU, Mish, Softplus, Softsign,
// Softshrink, Hardshrink, Tanhshrink, Hardtanh, ReLU6, Hardswish, Hardsigmoid, LogSigmoid,
// PReLU, RReLU, GLU, Threshold, Softmin, Softmax2d): x [*] -> [*] unless said otherwise.
// Their functional forms are in nn/functional/activation_extra.hpp. Reprs are PyTorch's;
// float arguments print as Python floats ("alpha=1.0"), except Softplus's, whose PyTorch
// defaults are ints ("beta=1, threshold=20") and print as such when integral.
#include <cmath>
#include <cstdint>
#include <string>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/detail/format.hpp"
#include "torchlet/nn/functional/activation_extra.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/stateless_module.hpp"

namespace torchlet::nn {
namespace detail {
/// ", inplace=True" or "" (PyTorch's suffix of an activation's repr).
template <class = void>
inline std::string inplace_suffix(bool inplace, bool first) {
  if (!inplace) return "";
  return first ? "inplace=True" : ", inplace=True";
}
/// A float argument printed as PyTorch prints an int default: "20" when integral.
template <class = void>
inline std::string py_number(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return nnfmt::py_float(v);
}
}  // namespace detail

/// nn.ELU: x if x > 0 else alpha * (exp(x) - 1). Any shape.
template <class = void>
class ELUImpl : public StatelessModule {
 public:
  /// Scale of the negative part.
  double alpha;
  /// Write the result into the input (PyTorch's inplace=True).
  bool inplace;
  /// nn.ELU(alpha, inplace).
  explicit ELUImpl(double alpha = 1.0, bool inplace = false) : alpha(alpha), inplace(inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::elu(x, alpha, inplace); }
  std::string extra_repr() const override {
    return "alpha=" + detail::nnfmt::py_float(alpha) + detail::inplace_suffix(inplace, false);
  }
};
/// ELU: see ELUImpl.
using ELU = ELUImpl<>;

/// nn.SELU: scale * elu(x, alpha) with SELU's fixed constants. Any shape.
template <class = void>
class SELUImpl : public StatelessModule {
 public:
  /// Write the result into the input (PyTorch's inplace=True).
  bool inplace;
  /// nn.SELU(inplace).
  explicit SELUImpl(bool inplace = false) : inplace(inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::selu(x, inplace); }
  std::string extra_repr() const override { return detail::inplace_suffix(inplace, true); }
};
/// SELU: see SELUImpl.
using SELU = SELUImpl<>;

/// nn.CELU: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). Any shape.
template <class = void>
class CELUImpl : public StatelessModule {
 public:
  /// Scale of the negative part (not 0).
  double alpha;
  /// Write the result into the input (PyTorch's inplace=True).
  bool inplace;
  /// nn.CELU(alpha, inplace).
  explicit CELUImpl(double alpha = 1.0, bool inplace = false) : alpha(alpha), inplace(inplace) {
    if (alpha == 0.0) throw std::invalid_argument("CELU: alpha must not be 0");
  }
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::celu(x, alpha, inplace); }
  std::string extra_repr() const override {
    return "alpha=" + detail::nnfmt::py_float(alpha) + detail::inplace_suffix(inplace, false);
  }
};
/// CELU: see CELUImpl.
using CELU = CELUImpl<>;

/// nn.SiLU (swish): x * sigmoid(x). Any shape.
template <class = void>
class SiLUImpl : public StatelessModule {
 public:
  /// Write the result into the input (PyTorch's inplace=True).
  bool inplace;
  /// nn.SiLU(inplace).
  explicit SiLUImpl(bool inplace = false) : inplace(inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::silu(x, inplace); }
  std::string extra_repr() const override { return detail::inplace_suffix(inplace, true); }
};
/// SiLU: see SiLUImpl.
using SiLU = SiLUImpl<>;

/// nn.Mish: x * tanh(softplus(x)). Any shape.
template <class = void>
class MishImpl : public StatelessModule {
 public:
  /// Write the result into the input (PyTorch's inplace=True).
  bool inplace;
  /// nn.Mish(inplace).
  explicit MishImpl(bool inplace = false) : inplace(inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::mish(x, inplace); }
  std::string extra_repr() const override { return detail::inplace_suffix(inplace, true); }
};
/// Mish: see MishImpl.
using Mish = MishImpl<>;

/// nn.Softsign: x / (1 + |x|). Any shape.
template <class = void>
class SoftsignImpl : public StatelessModule {
 public:
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::softsign(x); }
};
/// Softsign: see SoftsignImpl.
using Softsign = SoftsignImpl<>;

/// nn.Tanhshrink: x - tanh(x). Any shape.
template <class = void>
class TanhshrinkImpl : public StatelessModule {
 public:
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::tanhshrink(x); }
};
/// Tanhshrink: see TanhshrinkImpl.
using Tanhshrink = TanhshrinkImpl<>;

/// nn.Hardswish: x * relu6(x + 3) / 6. Any shape.
template <class = void>
class HardswishImpl : public StatelessModule {
 public:
  /// Write the result into the input (PyTorch's inplace=True).
  bool inplace;
  /// nn.Hardswish(inplace).
  explicit HardswishImpl(bool inplace = false) : inplace(inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::hardswish(x, inplace); }
};
/// Hardswish: see HardswishImpl.
using Hardswish = HardswishImpl<>;

/// nn.Hardsigmoid: relu6(x + 3) / 6. Any shape.
template <class = void>
class HardsigmoidImpl : public StatelessModule {
 public:
  /// Write the result into the input (PyTorch's inplace=True).
  bool inplace;
  /// nn.Hardsigmoid(inplace).
  explicit HardsigmoidImpl(bool inplace = false) : inplace(inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::hardsigmoid(x, inplace); }
};
/// Hardsigmoid: see HardsigmoidImpl.
using Hardsigmoid = HardsigmoidImpl<>;

/// nn.LogSigmoid: log(sigmoid(x)), computed stably. Any shape.
template <class = void>
class LogSigmoidImpl : public StatelessModule {
 public:
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::logsigmoid(x); }
};
/// LogSigmoid: see LogSigmoidImpl.
using LogSigmoid = LogSigmoidImpl<>;

/// nn.ReLU6: min(max(x, 0), 6). Any shape.
template <class = void>
class ReLU6Impl : public StatelessModule {
 public:
  /// Write the result into the input (PyTorch's inplace=True).
  bool inplace;
  /// nn.ReLU6(inplace).
  explicit ReLU6Impl(bool inplace = false) : inplace(inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::relu6(x, inplace); }
  std::string extra_repr() const override { return detail::inplace_suffix(inplace, true); }
};
/// ReLU6: see ReLU6Impl.
using ReLU6 = ReLU6Impl<>;

/// nn.Softplus's arguments.
struct SoftplusOptions {
  double beta = 1.0;        ///< the sharpness: log(1 + exp(beta * x)) / beta
  double threshold = 20.0;  ///< above beta * x > threshold the output is x
};

/// nn.Softplus: log(1 + exp(beta * x)) / beta, linear above the threshold. Any shape.
template <class = void>
class SoftplusImpl : public StatelessModule {
 public:
  ///@{
  /// As in SoftplusOptions.
  double beta, threshold;
  ///@}
  /// nn.Softplus(beta, threshold).
  explicit SoftplusImpl(double beta = 1.0, double threshold = 20.0)
      : beta(beta), threshold(threshold) {}
  /// nn.Softplus(beta=..., threshold=...): `nn::Softplus{{.beta = 2}}`.
  explicit SoftplusImpl(const SoftplusOptions& o) : SoftplusImpl(o.beta, o.threshold) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::softplus(x, beta, threshold); }
  std::string extra_repr() const override {
    return "beta=" + detail::py_number(beta) + ", threshold=" + detail::py_number(threshold);
  }
};
/// Softplus: see SoftplusImpl.
using Softplus = SoftplusImpl<>;

/// nn.Softshrink: x - lambd if x > lambd, x + lambd if x < -lambd, else 0. Any shape.
template <class = void>
class SoftshrinkImpl : public StatelessModule {
 public:
  /// The half-width of the zeroed band (>= 0).
  double lambd;
  /// nn.Softshrink(lambd).
  explicit SoftshrinkImpl(double lambd = 0.5) : lambd(lambd) {
    if (!(lambd >= 0.0))
      throw std::invalid_argument("Softshrink: lambda must be greater or equal to 0, but found " +
                                  std::to_string(lambd));
  }
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::softshrink(x, lambd); }
  std::string extra_repr() const override { return detail::nnfmt::py_float(lambd); }
};
/// Softshrink: see SoftshrinkImpl.
using Softshrink = SoftshrinkImpl<>;

/// nn.Hardshrink: x where |x| > lambd, else 0. Any shape.
template <class = void>
class HardshrinkImpl : public StatelessModule {
 public:
  /// The half-width of the zeroed band.
  double lambd;
  /// nn.Hardshrink(lambd).
  explicit HardshrinkImpl(double lambd = 0.5) : lambd(lambd) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::hardshrink(x, lambd); }
  std::string extra_repr() const override { return detail::nnfmt::py_float(lambd); }
};
/// Hardshrink: see HardshrinkImpl.
using Hardshrink = HardshrinkImpl<>;

/// nn.Hardtanh's arguments.
struct HardtanhOptions {
  double min_val = -1.0;  ///< lower clamp
  double max_val = 1.0;   ///< upper clamp (>= min_val)
  bool inplace = false;   ///< write the result into the input
};

/// nn.Hardtanh: x clamped to [min_val, max_val]. Any shape.
template <class = void>
class HardtanhImpl : public StatelessModule {
 public:
  ///@{
  /// As in HardtanhOptions.
  double min_val, max_val;
  bool inplace;
  ///@}
  /// nn.Hardtanh(min_val, max_val, inplace).
  explicit HardtanhImpl(double min_val = -1.0, double max_val = 1.0, bool inplace = false)
      : min_val(min_val), max_val(max_val), inplace(inplace) {
    if (max_val < min_val)
      throw std::invalid_argument("Hardtanh: max_val (" + std::to_string(max_val) +
                                  ") must be greater or equal to min_val (" +
                                  std::to_string(min_val) + ")");
  }
  /// nn.Hardtanh(min_val=..., max_val=..., inplace=...): `nn::Hardtanh{{.max_val = 2}}`.
  explicit HardtanhImpl(const HardtanhOptions& o) : HardtanhImpl(o.min_val, o.max_val, o.inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override {
    return functional::hardtanh(x, min_val, max_val, inplace);
  }
  std::string extra_repr() const override {
    return "min_val=" + detail::nnfmt::py_float(min_val) +
           ", max_val=" + detail::nnfmt::py_float(max_val) + detail::inplace_suffix(inplace, false);
  }
};
/// Hardtanh: see HardtanhImpl.
using Hardtanh = HardtanhImpl<>;

/// nn.Threshold: x where x > threshold, else value. Any shape.
template <class = void>
class ThresholdImpl : public StatelessModule {
 public:
  ///@{
  /// Inputs at or below `threshold` become `value`.
  double threshold, value;
  ///@}
  /// Write the result into the input.
  bool inplace;
  /// nn.Threshold(threshold, value, inplace).
  ThresholdImpl(double threshold, double value, bool inplace = false)
      : threshold(threshold), value(value), inplace(inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override {
    return functional::threshold(x, threshold, value, inplace);
  }
  std::string extra_repr() const override {
    return "threshold=" + detail::nnfmt::py_float(threshold) +
           ", value=" + detail::nnfmt::py_float(value) + detail::inplace_suffix(inplace, false);
  }
};
/// Threshold: see ThresholdImpl.
using Threshold = ThresholdImpl<>;

/// nn.RReLU's arguments.
struct RReLUOptions {
  double lower = 1.0 / 8.0;  ///< lower bound of the random negative slope
  double upper = 1.0 / 3.0;  ///< upper bound of the random negative slope
  bool inplace = false;      ///< write the result into the input
};

/// nn.RReLU: x where x >= 0, else a * x, a ~ U(lower, upper) per element in training (drawn
/// from `generator`), a = (lower + upper) / 2 in eval. Any shape.
template <class = void>
class RReLUImpl : public StatelessModule {
 public:
  ///@{
  /// As in RReLUOptions.
  double lower, upper;
  bool inplace;
  ///@}
  /// The generator the training slopes are drawn from (the default one unless set).
  Generator* generator = &default_generator();
  /// nn.RReLU(lower, upper, inplace).
  explicit RReLUImpl(double lower = 1.0 / 8.0, double upper = 1.0 / 3.0, bool inplace = false)
      : lower(lower), upper(upper), inplace(inplace) {
    if (!(lower <= upper))
      throw std::invalid_argument("RReLU: lower bound (" + std::to_string(lower) +
                                  ") must be less than or equal to upper bound (" +
                                  std::to_string(upper) + ")");
  }
  /// nn.RReLU(lower=..., upper=..., inplace=...): `nn::RReLU{{.lower = 0.1}}`.
  explicit RReLUImpl(const RReLUOptions& o) : RReLUImpl(o.lower, o.upper, o.inplace) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override {
    return functional::rrelu(x, lower, upper, is_training(), inplace, *generator);
  }
  std::string extra_repr() const override {
    return "lower=" + detail::nnfmt::py_float(lower) + ", upper=" + detail::nnfmt::py_float(upper) +
           detail::inplace_suffix(inplace, false);
  }
};
/// RReLU: see RReLUImpl.
using RReLU = RReLUImpl<>;

/// nn.PReLU's arguments.
struct PReLUOptions {
  std::int64_t num_parameters = 1;  ///< 1 (a shared slope) or the number of channels
  double init = 0.25;               ///< the initial slope
};

/// nn.PReLU: x where x > 0, else weight[c] * x with a learnable slope per channel (dim 1 of
/// the input) or one shared slope. x [N, C, *] or [*] -> same shape.
template <class = void>
class PReLUImpl : public Module {
 public:
  /// Number of slopes: 1 or C.
  std::int64_t num_parameters;
  /// The slopes, [num_parameters], filled with `init`.
  Tensor weight;
  /// nn.PReLU(num_parameters, init).
  explicit PReLUImpl(std::int64_t num_parameters = 1, double init = 0.25)
      : num_parameters(num_parameters) {
    if (num_parameters < 1)
      throw std::invalid_argument("PReLU: num_parameters must be at least 1, got " +
                                  std::to_string(num_parameters));
    weight = full<float>({num_parameters}, static_cast<float>(init));
    weight.requires_grad_();
    register_parameter("weight", weight);
  }
  /// nn.PReLU(num_parameters=..., init=...): `nn::PReLU{{.num_parameters = 3}}`.
  explicit PReLUImpl(const PReLUOptions& o) : PReLUImpl(o.num_parameters, o.init) {}
  /// x [N, C, *] -> [N, C, *]
  Tensor forward(const Tensor& x) override { return functional::prelu(x, weight); }
  std::string name() const override { return "PReLU"; }
  std::string extra_repr() const override {
    return "num_parameters=" + std::to_string(num_parameters);
  }
};
/// PReLU: see PReLUImpl.
using PReLU = PReLUImpl<>;

/// nn.GLU: a * sigmoid(b) where a, b are the halves of x along dim. x [..., 2n, ...] ->
/// [..., n, ...].
template <class = void>
class GLUImpl : public StatelessModule {
 public:
  /// The dim halved.
  std::int64_t dim;
  /// nn.GLU(dim).
  explicit GLUImpl(std::int64_t dim = -1) : dim(dim) {}
  /// x [..., 2n, ...] -> [..., n, ...]
  Tensor forward(const Tensor& x) override { return functional::glu(x, dim); }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
};
/// GLU: see GLUImpl.
using GLU = GLUImpl<>;

/// nn.Softmin: softmax(-x) over `dim` (required: PyTorch's implicit dim is deprecated).
template <class = void>
class SoftminImpl : public StatelessModule {
 public:
  /// The dim whose lanes sum to 1.
  std::int64_t dim;
  /// nn.Softmin(dim).
  explicit SoftminImpl(std::int64_t dim) : dim(dim) {}
  /// x [*] -> [*]
  Tensor forward(const Tensor& x) override { return functional::softmin(x, dim); }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
};
/// Softmin: see SoftminImpl.
using Softmin = SoftminImpl<>;

/// nn.Softmax2d: softmax over the channels of every location. x [N, C, H, W] or [C, H, W]
/// -> same shape.
template <class = void>
class Softmax2dImpl : public StatelessModule {
 public:
  /// x [N, C, H, W] or [C, H, W] -> same shape
  Tensor forward(const Tensor& x) override { return functional::softmax2d(x); }
};
/// Softmax2d: see Softmax2dImpl.
using Softmax2d = Softmax2dImpl<>;

}  // namespace torchlet::nn
