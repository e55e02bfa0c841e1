#pragma once
// torch.einsum: sums of products named by subscripts, e.g. "bhqd,bhkd->bhqk". Composed from
// recorded ops (diagonal masks, sum, permute, reshape, matmul), so gradients come from them.
//   - letters a-z, A-Z label dims; "..." stands for the dims no letter names (right-aligned
//     across operands); a dim's sizes broadcast across operands (1 against n), as PyTorch's;
//     spaces are ignored;
//   - without "->" the output is "..." then the letters that occur once, in order (A-Z
//     before a-z, as PyTorch);
//   - a letter repeated within one operand takes the diagonal ("ii->i", "ii->" is the trace);
//   - operands are contracted left to right, two at a time, each pair as one batched matmul.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_EINSUM
#endif

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "torchlet/tensor/creation.hpp"
#include "torchlet/tensor/linalg.hpp"
#include "torchlet/tensor/reduction.hpp"
#include "torchlet/tensor/views.hpp"

namespace torchlet {
namespace detail {

/// One operand during an einsum: its tensor and the label of each dim (0-25 A-Z, 26-51
/// a-z, 52 + i the i-th dim of the broadcast "...").
template <class Scalar>
struct EinsumTerm {
  BasicTensor<Scalar> t;
  std::vector<int> labels;
};

inline constexpr int kEinsumLetters = 52;

inline int einsum_label(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -1;
}

inline std::string einsum_letter(int l) {
  return std::string(1, l < 26 ? static_cast<char>('A' + l) : static_cast<char>('a' + l - 26));
}

inline std::string einsum_error(std::string_view eq, const std::string& what) {
  return "einsum: " + what + " (equation \"" + std::string(eq) + "\")";
}

/// Parses one subscript term into letter labels with -1 marking where "..." stands.
inline std::vector<int> einsum_parse_term(std::string_view eq, std::string_view term,
                                          const std::string& where) {
  std::vector<int> out;
  bool ellipsis = false;
  for (std::size_t i = 0; i < term.size(); ++i) {
    const char c = term[i];
    if (c == '.') {
      if (ellipsis || term.substr(i, 3) != "...")
        throw std::invalid_argument(
            einsum_error(eq, where + " has a '.' that is not part of a single \"...\" ellipsis"));
      ellipsis = true;
      out.push_back(-1);
      i += 2;
      continue;
    }
    const int l = einsum_label(c);
    if (l < 0)
      throw std::invalid_argument(
          einsum_error(eq, where + " has the character '" + std::string(1, c) +
                               "'; expected letters a-z, A-Z and at most one \"...\""));
    out.push_back(l);
  }
  return out;
}

/// Moves `t`'s dims into `order` (a permutation of t.labels).
template <class Scalar>
EinsumTerm<Scalar> einsum_permute(const EinsumTerm<Scalar>& t, const std::vector<int>& order) {
  Shape perm;
  bool identity = true;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto at = std::find(t.labels.begin(), t.labels.end(), order[i]) - t.labels.begin();
    perm.push_back(at);
    identity = identity && at == static_cast<std::int64_t>(i);
  }
  if (identity) return {t.t, order};
  return {t.t.permute(perm), order};
}

/// Sums `t` over its dim labelled l.
template <class Scalar>
void einsum_sum_out(EinsumTerm<Scalar>& t, int l) {
  const auto at = std::find(t.labels.begin(), t.labels.end(), l) - t.labels.begin();
  t.t = t.t.sum(at);
  t.labels.erase(t.labels.begin() + at);
}

template <class Scalar>
std::int64_t einsum_size(const EinsumTerm<Scalar>& t, int l) {
  const auto at = std::find(t.labels.begin(), t.labels.end(), l) - t.labels.begin();
  return t.t.shape()[static_cast<std::size_t>(at)];
}

/// Replaces each letter repeated within t by its diagonal (kept once, at its first place).
template <class Scalar>
void einsum_diagonals(EinsumTerm<Scalar>& t) {
  for (std::size_t i = 0; i < t.labels.size(); ++i)
    for (std::size_t j = t.labels.size(); j-- > i + 1;) {
      if (t.labels[j] != t.labels[i]) continue;
      const auto n = t.t.shape()[i];  // equal to shape()[j]: checked with the labels
      Shape mask_shape(t.labels.size(), 1);
      mask_shape[i] = n;
      mask_shape[j] = n;
      // x * eye over (i, j), summed over j: the diagonal, with its gradient from mul and sum.
      t.t = (t.t * eye<Scalar>(n).reshape(mask_shape)).sum(static_cast<std::int64_t>(j));
      t.labels.erase(t.labels.begin() + static_cast<std::ptrdiff_t>(j));
    }
}

/// Contracts a and b into one term keeping the labels in `keep` (the output's and those of
/// the operands still to come): one batched matmul [batch, a-only, k] @ [batch, k, b-only].
template <class Scalar>
EinsumTerm<Scalar> einsum_pair(EinsumTerm<Scalar> a, EinsumTerm<Scalar> b,
                               const std::array<bool, 128>& keep) {
  auto has = [](const EinsumTerm<Scalar>& t, int l) {
    return std::find(t.labels.begin(), t.labels.end(), l) != t.labels.end();
  };
  for (const int l : std::vector<int>(a.labels))
    if (!has(b, l) && !keep[static_cast<std::size_t>(l)]) einsum_sum_out(a, l);
  for (const int l : std::vector<int>(b.labels))
    if (!has(a, l) && !keep[static_cast<std::size_t>(l)]) einsum_sum_out(b, l);
  std::vector<int> batch, contracted, a_only, b_only, post_sum;
  for (const int l : a.labels) {
    if (!has(b, l)) {
      a_only.push_back(l);
    } else if (keep[static_cast<std::size_t>(l)] || einsum_size(a, l) != einsum_size(b, l)) {
      batch.push_back(l);  // a broadcast "..." dim summed away is summed after the product
      if (!keep[static_cast<std::size_t>(l)]) post_sum.push_back(l);
    } else {
      contracted.push_back(l);
    }
  }
  for (const int l : b.labels)
    if (!has(a, l)) b_only.push_back(l);
  auto cat3 = [](const std::vector<int>& x, const std::vector<int>& y, const std::vector<int>& z) {
    std::vector<int> r = x;
    r.insert(r.end(), y.begin(), y.end());
    r.insert(r.end(), z.begin(), z.end());
    return r;
  };
  const auto pa = einsum_permute(a, cat3(batch, a_only, contracted));
  const auto pb = einsum_permute(b, cat3(batch, contracted, b_only));
  std::int64_t m = 1, k = 1, n = 1;
  Shape sa, sb, out_shape;
  for (const int l : batch) {
    const auto da = einsum_size(a, l), db = einsum_size(b, l);
    sa.push_back(da);
    sb.push_back(db);
    out_shape.push_back(da == 1 ? db : da);  // broadcast
  }
  for (const int l : a_only) {
    m *= einsum_size(a, l);
    out_shape.push_back(einsum_size(a, l));
  }
  for (const int l : contracted) k *= einsum_size(a, l);
  for (const int l : b_only) {
    n *= einsum_size(b, l);
    out_shape.push_back(einsum_size(b, l));
  }
  sa.push_back(m);
  sa.push_back(k);
  sb.push_back(k);
  sb.push_back(n);
  EinsumTerm<Scalar> r{matmul(pa.t.reshape(sa), pb.t.reshape(sb)).reshape(out_shape),
                       cat3(batch, a_only, b_only)};
  for (const int l : post_sum) einsum_sum_out(r, l);
  return r;
}

}  // namespace detail

/// torch.einsum(equation, operands): the sum over the subscripts missing from the output of
/// the product of the operands, e.g. einsum("bhqd,bhkd->bhqk", {q, k}) (attention scores),
/// "bn,anm,bm->ba" (bilinear), "bi,bj->bij" (batched outer), "ij,jk->ik", "ii->" (trace),
/// "ij->ji", "...ij,...jk->...ik", implicit output ("ij,jk"). Throws std::invalid_argument
/// (or ShapeError for sizes) naming the equation and what is wrong.
template <class Scalar>
BasicTensor<Scalar> einsum(std::string_view equation,
                           const std::vector<BasicTensor<Scalar>>& operands) {
  using detail::einsum_error;
  std::string eq;
  for (const char c : equation)
    if (c != ' ') eq.push_back(c);
  const auto arrow = eq.find("->");
  if (arrow != std::string::npos && eq.find("->", arrow + 2) != std::string::npos)
    throw std::invalid_argument(einsum_error(equation, "more than one \"->\""));
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms(1);
  for (const char c : lhs) {
    if (c == ',')
      terms.emplace_back();
    else
      terms.back().push_back(c);
  }
  if (terms.size() != operands.size())
    throw std::invalid_argument(einsum_error(
        equation, std::to_string(terms.size()) + " subscript terms for " +
                      std::to_string(operands.size()) + " operands; expected one per operand"));
  // Labels per operand, "..." expanded into labels 52 + i (right-aligned across operands).
  std::vector<std::vector<int>> parsed;
  std::int64_t ell_rank = 0;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    parsed.push_back(
        detail::einsum_parse_term(equation, terms[i], "the term of operand " + std::to_string(i)));
    const auto& p = parsed.back();
    const bool has_ell = std::find(p.begin(), p.end(), -1) != p.end();
    const auto letters = static_cast<std::int64_t>(p.size()) - (has_ell ? 1 : 0);
    const auto nd = operands[i].dim();
    if (has_ell ? nd < letters : nd != letters)
      throw ShapeError(einsum_error(
          equation, "the term \"" + terms[i] + "\" names " + std::to_string(letters) +
                        " dims but operand " + std::to_string(i) + " has " + std::to_string(nd) +
                        " (shape " + to_string(operands[i].shape()) + ")"));
    if (has_ell) ell_rank = std::max(ell_rank, nd - letters);
  }
  std::vector<detail::EinsumTerm<Scalar>> work;
  std::array<std::int64_t, 128> size{};
  size.fill(-1);
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    detail::EinsumTerm<Scalar> t{operands[i], {}};
    const auto letters =
        static_cast<std::int64_t>(parsed[i].size()) -
        (std::find(parsed[i].begin(), parsed[i].end(), -1) != parsed[i].end() ? 1 : 0);
    const auto e = operands[i].dim() - letters;
    for (const int l : parsed[i]) {
      if (l >= 0) {
        t.labels.push_back(l);
        continue;
      }
      for (std::int64_t j = 0; j < e; ++j)
        t.labels.push_back(detail::kEinsumLetters + static_cast<int>(ell_rank - e + j));
    }
    // A letter repeated within the operand needs equal sizes (it takes the diagonal).
    for (std::size_t d = 0; d < t.labels.size(); ++d)
      for (std::size_t e = d + 1; e < t.labels.size(); ++e)
        if (t.labels[d] == t.labels[e] && t.t.shape()[d] != t.t.shape()[e])
          throw ShapeError(
              einsum_error(equation, "subscript '" + detail::einsum_letter(t.labels[d]) +
                                         "' is repeated in operand " + std::to_string(i) +
                                         " (shape " + to_string(t.t.shape()) +
                                         ") over dims of sizes " + std::to_string(t.t.shape()[d]) +
                                         " and " + std::to_string(t.t.shape()[e]) +
                                         "; a repeated subscript takes the "
                                         "diagonal and needs equal sizes"));
    // Across operands a dim's sizes broadcast (1 against n), as PyTorch's.
    for (std::size_t d = 0; d < t.labels.size(); ++d) {
      const int l = t.labels[d];
      const auto s = t.t.shape()[d];
      auto& known = size[static_cast<std::size_t>(l)];
      if (known == -1 || known == 1) {
        known = s;
      } else if (s != 1 && s != known) {
        if (l >= detail::kEinsumLetters)
          throw ShapeError(einsum_error(
              equation, "the \"...\" dims of operand " + std::to_string(i) + " (shape " +
                            to_string(t.t.shape()) + ") do not broadcast with the others'"));
        throw ShapeError(einsum_error(
            equation, "subscript '" + detail::einsum_letter(l) + "' has size " + std::to_string(s) +
                          " in operand " + std::to_string(i) + " (shape " + to_string(t.t.shape()) +
                          ") but size " + std::to_string(known) +
                          " elsewhere (sizes must match or be 1)"));
      }
    }
    work.push_back(std::move(t));
  }
  // The output's labels.
  std::vector<int> out;
  if (arrow != std::string::npos) {
    const auto p = detail::einsum_parse_term(equation, eq.substr(arrow + 2), "the output");
    for (const int l : p) {
      if (l == -1) {
        for (std::int64_t j = 0; j < ell_rank; ++j)
          out.push_back(detail::kEinsumLetters + static_cast<int>(j));
        continue;
      }
      if (size[static_cast<std::size_t>(l)] == -1)
        throw std::invalid_argument(
            einsum_error(equation, "output subscript '" + detail::einsum_letter(l) +
                                       "' does not occur in any input term"));
      if (std::find(out.begin(), out.end(), l) != out.end())
        throw std::invalid_argument(
            einsum_error(equation, "output subscript '" + detail::einsum_letter(l) +
                                       "' appears more than once in the output"));
      out.push_back(l);
    }
  } else {
    std::array<int, detail::kEinsumLetters> count{};
    for (const auto& p : parsed)
      for (const int l : p)
        if (l >= 0) ++count[static_cast<std::size_t>(l)];
    for (std::int64_t j = 0; j < ell_rank; ++j)
      out.push_back(detail::kEinsumLetters + static_cast<int>(j));
    for (int l = 0; l < detail::kEinsumLetters; ++l)
      if (count[static_cast<std::size_t>(l)] == 1) out.push_back(l);
  }
  for (auto& t : work) detail::einsum_diagonals(t);
  // Contract left to right, keeping what the output and the later operands need.
  detail::EinsumTerm<Scalar> acc = work[0];
  for (std::size_t i = 1; i < work.size(); ++i) {
    std::array<bool, 128> keep{};
    for (const int l : out) keep[static_cast<std::size_t>(l)] = true;
    for (std::size_t j = i + 1; j < work.size(); ++j)
      for (const int l : work[j].labels) keep[static_cast<std::size_t>(l)] = true;
    acc = detail::einsum_pair(std::move(acc), work[i], keep);
  }
  for (const int l : std::vector<int>(acc.labels))
    if (std::find(out.begin(), out.end(), l) == out.end()) detail::einsum_sum_out(acc, l);
  // A "..." dim of size 1 here may stand for a broadcast one: give it its full size.
  auto r = detail::einsum_permute(acc, out).t;
  Shape want;
  for (const int l : out) want.push_back(size[static_cast<std::size_t>(l)]);
  if (r.shape() != want) r = r + zeros<Scalar>(want);
  return r;
}

/// einsum(equation, {a, b}): the braced list of operands.
template <class Scalar>
BasicTensor<Scalar> einsum(std::string_view equation,
                           std::initializer_list<BasicTensor<Scalar>> operands) {
  return einsum(equation, std::vector<BasicTensor<Scalar>>(operands));
}
/// einsum(equation, a, b, ...): the operands as arguments, as torch.einsum("ij,jk", a, b).
template <class Scalar, class... Rest>
BasicTensor<Scalar> einsum(std::string_view equation, const BasicTensor<Scalar>& first,
                           const Rest&... rest) {
  return einsum(equation, std::vector<BasicTensor<Scalar>>{first, rest...});
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_EINSUM
#include "torchlet/tensor/members.hpp"
#endif
