#pragma once
// gradcheck(f, inputs): compares the gradients autograd computes for f with central
// finite differences in double precision, over the full Jacobian, as
// torch.autograd.gradcheck does.
//
//   auto x = torchlet::randn<double>({3, 4}).requires_grad_();
//   torchlet::autograd::gradcheck([](const DoubleTensor& v) { return v.tanh(); }, {x});
//
// f takes the inputs (as one const std::vector<DoubleTensor>& or as 1-4 separate
// tensors) and returns one floating point tensor of any shape. Every input that
// requires grad must be a leaf; its data is perturbed in place (and restored) to
// estimate d out[j] / d in[k] = (f(in + eps e_k)[j] - f(in - eps e_k)[j]) / (2 eps).
// The analytical Jacobian comes from one backward per output element with a one-hot
// gradient (retain_graph). Entries agree when |analytical - numerical| <= atol + rtol *
// |numerical|. gradgradcheck(f, inputs) does the same for the gradients of f (second
// derivatives, through autograd::grad with create_graph = true).
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "torchlet/tensor/basic_tensor.hpp"
#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/joining.hpp"
#include "torchlet/tensor/random.hpp"

namespace torchlet::autograd {

/// gradcheck's tolerances (torch.autograd.gradcheck's arguments).
struct GradcheckOptions {
  double eps = 1e-6;            ///< finite difference step
  double atol = 1e-5;           ///< absolute tolerance
  double rtol = 1e-3;           ///< relative tolerance
  bool raise_exception = true;  ///< throw GradcheckError on a mismatch (else return false)
};

/// A gradient that differs from its finite-difference estimate.
class GradcheckError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

template <class F>
auto gradcheck_call(F& f, const std::vector<DoubleTensor>& in) {
  const auto need = [&](std::size_t n) {
    if (in.size() != n)
      throw std::invalid_argument("gradcheck: the function takes " + std::to_string(n) +
                                  " tensors, got " + std::to_string(in.size()) + " inputs");
  };
  if constexpr (std::is_invocable_v<F&, const std::vector<DoubleTensor>&>) {
    return f(in);
  } else if constexpr (std::is_invocable_v<F&, const DoubleTensor&>) {
    need(1);
    return f(in[0]);
  } else if constexpr (std::is_invocable_v<F&, const DoubleTensor&, const DoubleTensor&>) {
    need(2);
    return f(in[0], in[1]);
  } else if constexpr (std::is_invocable_v<F&, const DoubleTensor&, const DoubleTensor&,
                                           const DoubleTensor&>) {
    need(3);
    return f(in[0], in[1], in[2]);
  } else {
    static_assert(std::is_invocable_v<F&, const DoubleTensor&, const DoubleTensor&,
                                      const DoubleTensor&, const DoubleTensor&>,
                  "gradcheck: f must take a std::vector<DoubleTensor> or 1 to 4 DoubleTensors");
    need(4);
    return f(in[0], in[1], in[2], in[3]);
  }
}

template <class U>
std::vector<double> flat_double(const BasicTensor<U>& t) {
  std::vector<double> v(static_cast<std::size_t>(t.numel()));
  for (std::int64_t i = 0; i < t.numel(); ++i)
    v[static_cast<std::size_t>(i)] = static_cast<double>(t.data()[i]);
  return v;
}

}  // namespace detail

/// Returns true if f's gradients match finite differences; see the top of this file.
template <class F>
bool gradcheck(F&& f, const std::vector<DoubleTensor>& inputs, const GradcheckOptions& opts = {}) {
  std::vector<std::size_t> checked;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    if (!inputs[i].is_leaf())
      throw std::invalid_argument(
          "gradcheck: input " + std::to_string(i) +
          " requires grad but is not a leaf (pass detach().requires_grad_())");
    checked.push_back(i);
  }
  if (checked.empty()) throw std::invalid_argument("gradcheck: no input requires grad");

  // Analytical Jacobians, one row per output element: rows[i][j] = d out[j] / d in_i.
  auto out = detail::gradcheck_call(f, inputs);
  using U = typename decltype(out)::scalar_type;
  static_assert(std::is_floating_point_v<U>, "gradcheck: f must return a floating point tensor");
  if (!out.requires_grad())
    throw std::invalid_argument("gradcheck: the output of f does not require grad");
  const auto n_out = out.numel();
  std::vector<std::vector<std::vector<double>>> analytical(checked.size());
  for (std::int64_t j = 0; j < n_out; ++j) {
    for (auto i : checked) inputs[i].set_grad({});
    auto onehot = zeros<U>(out.shape());
    onehot.data()[j] = U(1);
    out.backward(onehot, true);
    for (std::size_t c = 0; c < checked.size(); ++c) {
      const auto& x = inputs[checked[c]];
      auto g = x.grad();
      if (g.defined() && g.shape() != x.shape())
        throw GradcheckError("gradcheck: the gradient of input " + std::to_string(checked[c]) +
                             " has shape " + to_string(g.shape()) + ", the input " +
                             to_string(x.shape()));
      analytical[c].push_back(g.defined()
                                  ? g.to_vector()
                                  : std::vector<double>(static_cast<std::size_t>(x.numel()), 0.0));
    }
  }
  for (auto i : checked) inputs[i].set_grad({});

  // Numerical Jacobians by central differences, and the comparison.
  NoGradGuard no_grad;
  for (std::size_t c = 0; c < checked.size(); ++c) {
    const auto& x = inputs[checked[c]];
    double* p = x.data();
    for (std::int64_t k = 0; k < x.numel(); ++k) {
      const double v = p[k];
      p[k] = v + opts.eps;
      const auto up = detail::flat_double(detail::gradcheck_call(f, inputs));
      p[k] = v - opts.eps;
      const auto down = detail::flat_double(detail::gradcheck_call(f, inputs));
      p[k] = v;
      for (std::int64_t j = 0; j < n_out; ++j) {
        const double num =
            (up[static_cast<std::size_t>(j)] - down[static_cast<std::size_t>(j)]) / (2 * opts.eps);
        const double ana = analytical[c][static_cast<std::size_t>(j)][static_cast<std::size_t>(k)];
        if (std::abs(ana - num) <= opts.atol + opts.rtol * std::abs(num)) continue;
        if (!opts.raise_exception) return false;
        std::ostringstream msg;
        msg << "gradcheck: Jacobian mismatch for output element " << j << " (output shape "
            << to_string(out.shape()) << ") with respect to element " << k << " of input "
            << checked[c] << " (shape " << to_string(x.shape()) << "): numerical " << num
            << ", analytical " << ana << " (atol " << opts.atol << ", rtol " << opts.rtol << ")";
        throw GradcheckError(msg.str());
      }
    }
  }
  return true;
}

/// Checks second derivatives (torch.autograd.gradgradcheck): gradcheck of the function
/// (inputs, v) -> the gradients of f's output with respect to the inputs that require grad,
/// for a random grad_output v, computed by autograd::grad with create_graph = true. So the
/// backward of every op in f must record itself (autograd::grad throws naming the first
/// that does not). f returns a double tensor.
template <class F>
bool gradgradcheck(F&& f, const std::vector<DoubleTensor>& inputs,
                   const GradcheckOptions& opts = {}) {
  std::vector<std::size_t> diff;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) diff.push_back(i);
  if (diff.empty()) throw std::invalid_argument("gradgradcheck: no input requires grad");
  Shape out_shape;
  {
    NoGradGuard no_grad;
    auto out = detail::gradcheck_call(f, inputs);
    static_assert(std::is_same_v<decltype(out), DoubleTensor>,
                  "gradgradcheck: f must return a DoubleTensor");
    out_shape = out.shape();
  }
  auto all = inputs;
  all.push_back(randn<double>(out_shape).requires_grad_());
  auto grads_of = [&](const std::vector<DoubleTensor>& in) {
    EnableGradGuard grad_on;  // gradcheck's finite differences run under NoGradGuard
    const std::vector<DoubleTensor> xs(in.begin(), in.end() - 1);
    auto y = detail::gradcheck_call(f, xs);
    std::vector<DoubleTensor> wrt;
    wrt.reserve(diff.size());
    for (auto i : diff) wrt.push_back(xs[i]);
    auto gs = grad(std::vector<DoubleTensor>{y}, wrt, {in.back()}, std::nullopt, true, true);
    std::vector<DoubleTensor> parts;
    parts.reserve(gs.size());
    for (std::size_t c = 0; c < gs.size(); ++c)
      parts.push_back(gs[c].defined() ? gs[c].reshape({-1}) : zeros<double>({wrt[c].numel()}));
    return cat(parts);
  };
  return gradcheck(grads_of, all, opts);
}

}  // namespace torchlet::autograd
