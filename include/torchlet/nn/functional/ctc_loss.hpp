#pragma once
// ctc_loss (torch.nn.functional.ctc_loss, PyTorch 1.13): the connectionist temporal
// classification loss, one fused node templated on the element type.
//   log_probs [T, N, C] (log_softmax over C), targets [N, S] padded or 1-D concatenated
//   (sum of target_lengths), input_lengths [N], target_lengths [N] (int64); or one unbatched
//   sample: log_probs [T, C], targets [S], 0-dim lengths.
// Per sample b, with the target l of length L extended to l' = (blank, l1, blank, ...,
// lL, blank) of 2L + 1 symbols, the forward variables in log space
//   alpha[0][0] = lp[0][blank], alpha[0][1] = lp[0][l1],
//   alpha[t][s] = logsumexp(alpha[t-1][s], alpha[t-1][s-1], alpha[t-1][s-2] if l'[s] is
//                 not blank and differs from l'[s-2]) + lp[t][l'[s]],
// give nll[b] = -logsumexp(alpha[T_b - 1][2L], alpha[T_b - 1][2L - 1]). The backward runs
// the mirrored beta recursion and gives d nll / d lp[t][c] = -exp(logsumexp over s with
// l'[s] = c of (alpha[t][s] + beta[t][s]) + nll - lp[t][c]): the exact gradient with respect
// to log_probs. (PyTorch's CPU kernel returns that plus exp(lp[t][c]), a term that
// log_softmax's backward cancels; gradients to the logits before log_softmax agree.)
// zero_infinity: infinite losses (targets too long for their inputs) and their gradients
// become 0. reduction mean: the mean over the batch of nll[b] / max(L_b, 1); sum; none [N].
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/functional/loss_reduction.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::nn {

/// Arguments of ctc_loss / CTCLoss after the lengths.
struct CTCLossOptions {
  std::int64_t blank = 0;                 ///< The blank label's class.
  Reduction reduction = Reduction::mean;  ///< none, mean (over nll / target length) or sum.
  bool zero_infinity = false;             ///< Infinite losses and their gradients become 0.
};

}  // namespace torchlet::nn

namespace torchlet::detail {

/// log(exp(a) + exp(b)) without overflow; -inf when both are -inf.
template <class = void>
inline double log_add(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

/// Where sample b's targets start in `targets`, checked against the op's contract.
struct CTCLayout {
  std::int64_t T = 0, N = 0, C = 0;
  std::vector<std::int64_t> input_length, target_length, target_offset;
};

template <class T>
CTCLayout ctc_layout(const BasicTensor<T>& log_probs, const LongTensor& targets,
                     const LongTensor& input_lengths, const LongTensor& target_lengths,
                     std::int64_t blank) {
  const std::string op = "ctc_loss";
  if (log_probs.dim() != 3)
    throw ShapeError(op + ": expected log_probs [T, N, C] (or [T, C]), got " +
                     to_string(log_probs.shape()));
  CTCLayout l;
  l.T = log_probs.size(0);
  l.N = log_probs.size(1);
  l.C = log_probs.size(2);
  if (blank < 0 || blank >= l.C)
    throw std::out_of_range(op + ": blank " + std::to_string(blank) + " must be a class in [0, " +
                            std::to_string(l.C) + ")");
  if (input_lengths.shape() != Shape{l.N} || target_lengths.shape() != Shape{l.N})
    throw ShapeError(op + ": input_lengths " + to_string(input_lengths.shape()) +
                     " and target_lengths " + to_string(target_lengths.shape()) +
                     " must hold one length per sample ([" + std::to_string(l.N) + "])");
  const bool padded = targets.dim() == 2;
  if (!padded && targets.dim() != 1)
    throw ShapeError(op + ": expected targets [N, S] (padded) or 1-D (concatenated), got " +
                     to_string(targets.shape()));
  if (padded && targets.size(0) != l.N)
    throw ShapeError(op + ": targets " + to_string(targets.shape()) + " must have " +
                     std::to_string(l.N) + " rows, one per sample of log_probs " +
                     to_string(log_probs.shape()));
  std::int64_t offset = 0;
  for (std::int64_t b = 0; b < l.N; ++b) {
    const std::int64_t il = input_lengths.data()[b], tl = target_lengths.data()[b];
    if (il < 0 || il > l.T)
      throw std::out_of_range(op + ": input_lengths[" + std::to_string(b) + "] = " +
                              std::to_string(il) + " must be in [0, " + std::to_string(l.T) +
                              "] (the input has " + std::to_string(l.T) + " steps)");
    const std::int64_t room = padded ? targets.size(1) : targets.numel() - offset;
    if (tl < 0 || tl > room)
      throw std::out_of_range(op + ": target_lengths[" + std::to_string(b) +
                              "] = " + std::to_string(tl) + " must be in [0, " +
                              std::to_string(room) + "] (the targets left for it)");
    const std::int64_t start = padded ? b * targets.size(1) : offset;
    for (std::int64_t i = 0; i < tl; ++i) {
      const std::int64_t c = targets.data()[start + i];
      if (c < 0 || c >= l.C || c == blank)
        throw std::out_of_range(op + ": target " + std::to_string(c) + " of sample " +
                                std::to_string(b) + " must be a class in [0, " +
                                std::to_string(l.C) + ") other than blank " +
                                std::to_string(blank));
    }
    l.input_length.push_back(il);
    l.target_length.push_back(tl);
    l.target_offset.push_back(start);
    offset += padded ? 0 : tl;
  }
  return l;
}

/// The per-sample negative log likelihoods [N] of ctc_loss, one node with the backward
/// through alpha and beta (see the file comment).
template <class T>
BasicTensor<T> ctc_nll(const BasicTensor<T>& log_probs, const LongTensor& targets,
                       const CTCLayout& l, std::int64_t blank, bool zero_infinity) {
  constexpr double ninf = -std::numeric_limits<double>::infinity();
  const T* lp = log_probs.data();
  const std::int64_t N = l.N, C = l.C;
  const auto at = [&](std::int64_t t, std::int64_t b, std::int64_t c) {
    return static_cast<double>(lp[(t * N + b) * C + c]);
  };
  // The extended target l' of sample b: blank at even s, target (s - 1) / 2 at odd s.
  const auto label = [&targets, &l, blank](std::int64_t b, std::int64_t s) {
    return s % 2 == 0 ? blank : targets.data()[l.target_offset[b] + (s - 1) / 2];
  };
  auto nll = BasicTensor<T>::empty({N});
  std::vector<std::vector<double>> alphas(static_cast<std::size_t>(N));
  for (std::int64_t b = 0; b < N; ++b) {
    const std::int64_t Tb = l.input_length[b], S = 2 * l.target_length[b] + 1;
    auto& a = alphas[static_cast<std::size_t>(b)];
    a.assign(static_cast<std::size_t>(std::max<std::int64_t>(Tb, 1) * S), ninf);
    if (Tb == 0) {
      nll.data()[b] = S == 1 ? T(0) : std::numeric_limits<T>::infinity();
      continue;
    }
    a[0] = at(0, b, blank);
    if (S > 1) a[1] = at(0, b, label(b, 1));
    for (std::int64_t t = 1; t < Tb; ++t)
      for (std::int64_t s = 0; s < S; ++s) {
        const std::int64_t c = label(b, s);
        const double* prev = a.data() + (t - 1) * S;
        double v = prev[s];
        if (s >= 1) v = log_add(v, prev[s - 1]);
        if (s >= 2 && c != blank && c != label(b, s - 2)) v = log_add(v, prev[s - 2]);
        a[static_cast<std::size_t>(t * S + s)] = v == ninf ? ninf : v + at(t, b, c);
      }
    const double* last = a.data() + (Tb - 1) * S;
    const double ll = S > 1 ? log_add(last[S - 1], last[S - 2]) : last[0];
    nll.data()[b] = static_cast<T>(-ll);
  }
  if (zero_infinity)
    for (std::int64_t b = 0; b < N; ++b)
      if (std::isinf(nll.data()[b])) nll.data()[b] = T(0);
  if (needs_graph<T>({&log_probs}))
    record(nll, "CtcLossBackward", {&log_probs},
           [slp = SavedTensor<T>(log_probs), st = SavedTensor<std::int64_t>(targets),
            lps = log_probs.shape(), l, blank, zero_infinity,
            alphas = std::move(alphas)](const BasicTensor<T>& g) {
             constexpr double ninf = -std::numeric_limits<double>::infinity();
             const std::int64_t N = l.N, C = l.C;
             const T* lp = slp.data("CtcLossBackward");
             const std::int64_t* tp = st.data("CtcLossBackward");
             const auto at = [&](std::int64_t t, std::int64_t b, std::int64_t c) {
               return static_cast<double>(lp[(t * N + b) * C + c]);
             };
             const auto label = [tp, &l, blank](std::int64_t b, std::int64_t s) {
               return s % 2 == 0 ? blank : tp[l.target_offset[b] + (s - 1) / 2];
             };
             auto dx = zeros<T>(lps);
             std::vector<double> beta, lcab(static_cast<std::size_t>(C));
             for (std::int64_t b = 0; b < N; ++b) {
               const std::int64_t Tb = l.input_length[b], S = 2 * l.target_length[b] + 1;
               const auto& a = alphas[static_cast<std::size_t>(b)];
               const double gb = static_cast<double>(g.data()[b]);
               if (Tb == 0) continue;
               const double* last = a.data() + (Tb - 1) * S;
               const double nll = -(S > 1 ? log_add(last[S - 1], last[S - 2]) : last[0]);
               if (std::isinf(nll)) {
                 if (zero_infinity) continue;  // PyTorch: inf losses give NaN gradients
                 for (std::int64_t t = 0; t < Tb; ++t)
                   for (std::int64_t c = 0; c < C; ++c)
                     dx.data()[(t * N + b) * C + c] = std::numeric_limits<T>::quiet_NaN();
                 continue;
               }
               beta.assign(static_cast<std::size_t>(Tb * S), ninf);
               beta[static_cast<std::size_t>((Tb - 1) * S + S - 1)] = at(Tb - 1, b, blank);
               if (S > 1)
                 beta[static_cast<std::size_t>((Tb - 1) * S + S - 2)] =
                     at(Tb - 1, b, label(b, S - 2));
               for (std::int64_t t = Tb - 2; t >= 0; --t)
                 for (std::int64_t s = 0; s < S; ++s) {
                   const std::int64_t c = label(b, s);
                   const double* next = beta.data() + (t + 1) * S;
                   double v = next[s];
                   if (s + 1 < S) v = log_add(v, next[s + 1]);
                   if (s + 2 < S && c != blank && c != label(b, s + 2)) v = log_add(v, next[s + 2]);
                   beta[static_cast<std::size_t>(t * S + s)] = v == ninf ? ninf : v + at(t, b, c);
                 }
               for (std::int64_t t = 0; t < Tb; ++t) {
                 std::fill(lcab.begin(), lcab.end(), ninf);
                 for (std::int64_t s = 0; s < S; ++s) {
                   auto& v = lcab[static_cast<std::size_t>(label(b, s))];
                   v = log_add(v, a[static_cast<std::size_t>(t * S + s)] +
                                      beta[static_cast<std::size_t>(t * S + s)]);
                 }
                 for (std::int64_t c = 0; c < C; ++c) {
                   const double v = lcab[static_cast<std::size_t>(c)];
                   if (v == ninf) continue;
                   dx.data()[(t * N + b) * C + c] =
                       static_cast<T>(-std::exp(v + nll - at(t, b, c)) * gb);
                 }
               }
             }
             return std::vector<BasicTensor<T>>{dx};
           });
  return nll;
}

}  // namespace torchlet::detail

namespace torchlet::nn::functional {

/// log_probs [T, N, C], targets [N, S] or 1-D, input_lengths [N], target_lengths [N] -> the
/// CTC loss (see the file comment): a scalar, or [N] with Reduction::none.
template <class T>
BasicTensor<T> ctc_loss(const BasicTensor<T>& log_probs, const LongTensor& targets,
                        const LongTensor& input_lengths, const LongTensor& target_lengths,
                        const CTCLossOptions& options = {}) {
  if (log_probs.dim() == 2) {  // one unbatched sample: [T, C], targets [S], 0-dim lengths
    if (targets.dim() != 1 || input_lengths.numel() != 1 || target_lengths.numel() != 1)
      throw ShapeError("ctc_loss: unbatched log_probs " + to_string(log_probs.shape()) +
                       " take 1-D targets and one input and target length, got targets " +
                       to_string(targets.shape()) + ", input_lengths " +
                       to_string(input_lengths.shape()) + ", target_lengths " +
                       to_string(target_lengths.shape()));
    auto out = ctc_loss(log_probs.unsqueeze(1), targets.unsqueeze(0), input_lengths.reshape({1}),
                        target_lengths.reshape({1}), options);
    return options.reduction == Reduction::none ? out.reshape({}) : out;
  }
  const auto l =
      detail::ctc_layout(log_probs, targets, input_lengths, target_lengths, options.blank);
  const auto nll = detail::ctc_nll(log_probs, targets, l, options.blank, options.zero_infinity);
  if (options.reduction == Reduction::mean) {
    auto lengths = BasicTensor<T>::empty({l.N});
    for (std::int64_t b = 0; b < l.N; ++b)
      lengths.data()[b] = static_cast<T>(std::max<std::int64_t>(l.target_length[b], 1));
    return mean(nll / lengths);
  }
  return detail::reduce("ctc_loss", nll, options.reduction);
}

}  // namespace torchlet::nn::functional
