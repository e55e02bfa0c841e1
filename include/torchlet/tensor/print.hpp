#pragma once
// operator<< prints a tensor exactly as PyTorch's str(tensor) does (torch/_tensor_str.py):
//   tensor([[0.1000, 0.2000]], requires_grad=True)
// - one format for all elements: integers-valued floats as "1.", else 4 decimals, or
//   scientific notation when max/min of the nonzero finite |values| exceeds 1000, the
//   max exceeds 1e8 or (non-integer) the min is below 1e-4; right-aligned to one width;
// - rows wrapped at 80 characters;
// - more than 1000 elements: the first and last 3 entries of each dim, with "...";
// - suffixes: dtype= (for types other than float32, int64, bool), size= for empty
//   tensors, grad_fn=<...> or requires_grad=True.
// set_printoptions changes precision, threshold, edgeitems, linewidth and sci_mode.

// The first tensor header a translation unit includes completes BasicTensor at its end.
#ifndef TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED
#define TORCHLET_DETAIL_TENSOR_OPENED_BY_PRINT
#endif

#include <cmath>
#include <cstdio>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "torchlet/tensor/basic_tensor.hpp"

namespace torchlet {

/// torch.set_printoptions' fields and defaults.
struct PrintOptions {
  int precision = 4;              ///< Digits after the decimal point.
  std::int64_t threshold = 1000;  ///< Tensors with more elements are summarised with "...".
  std::int64_t edgeitems = 3;     ///< Entries shown at each end of a summarised dim.
  int linewidth = 80;             ///< Characters per line before wrapping.
  std::optional<bool> sci_mode;   ///< unset: chosen from the values
};

namespace detail {
inline PrintOptions& print_options() {
  static PrintOptions opts;
  return opts;
}

/// Chooses one format for all printed values (PyTorch's _Formatter).
template <class Scalar>
class PrintFormatter {
 public:
  explicit PrintFormatter(const std::vector<Scalar>& values) {
    const auto& po = print_options();
    if constexpr (!std::is_floating_point_v<Scalar>) {
      for (Scalar v : values) width_ = std::max(width_, static_cast<int>(raw(v).size()));
    } else {
      double mn = INFINITY, mx = 0;
      bool any = false;
      for (Scalar t : values) {
        const double v = static_cast<double>(t);
        if (!std::isfinite(v) || v == 0) continue;
        any = true;
        mn = std::min(mn, std::abs(v));
        mx = std::max(mx, std::abs(v));
        if (v != std::ceil(v)) int_mode_ = false;
      }
      if (any) {
        if (mx / mn > 1000.0 || mx > 1e8 || (!int_mode_ && mn < 1e-4)) sci_mode_ = true;
        for (Scalar t : values) {
          const double v = static_cast<double>(t);
          if (!std::isfinite(v) || v == 0) continue;
          const auto s = sci_mode_   ? printf_str("%.*e", po.precision, v)
                         : int_mode_ ? printf_str("%.*f", 0, v) + "."
                                     : printf_str("%.*f", po.precision, v);
          width_ = std::max(width_, static_cast<int>(s.size()));
        }
      }
      if (po.sci_mode) sci_mode_ = *po.sci_mode;
    }
  }
  int width() const { return width_; }
  /// The value right-aligned to width().
  std::string format(Scalar t) const {
    std::string s = raw(t);
    if (static_cast<int>(s.size()) < width_)
      s.insert(0, static_cast<std::size_t>(width_) - s.size(), ' ');
    return s;
  }

 private:
  static std::string printf_str(const char* f, int precision, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, precision, v);
    return buf;
  }
  std::string raw(Scalar t) const {
    if constexpr (std::is_same_v<Scalar, bool>) {
      return t ? "True" : "False";
    } else if constexpr (std::is_integral_v<Scalar>) {
      return std::to_string(static_cast<long long>(t));
    } else {
      const double v = static_cast<double>(t);
      if (std::isnan(v)) return "nan";
      if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
      const int p = print_options().precision;
      if (sci_mode_) return printf_str("%.*e", p, v);
      if (int_mode_) return printf_str("%.*f", 0, v) + ".";
      return printf_str("%.*f", p, v);
    }
  }
  bool int_mode_ = true, sci_mode_ = false;
  int width_ = 1;
};

/// The values PyTorch's formatter looks at when summarising (get_summarized_data).
template <class Scalar>
void summarized_values(const Scalar* p, const Shape& s, std::size_t d, bool summarize,
                       std::vector<Scalar>& out) {
  const auto e = print_options().edgeitems;
  const std::int64_t n = s[d];
  std::int64_t inner = 1;
  for (std::size_t i = d + 1; i < s.size(); ++i) inner *= s[i];
  for (std::int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * e && i == e) i = n - e;
    if (d + 1 == s.size())
      out.push_back(p[i]);
    else
      summarized_values(p + i * inner, s, d + 1, summarize, out);
  }
}

template <class Scalar>
std::string tensor_str(const Scalar* p, const Shape& s, std::size_t d, int indent, bool summarize,
                       const PrintFormatter<Scalar>& f) {
  const auto& po = print_options();
  const auto e = po.edgeitems;
  const std::int64_t n = s[d];
  const bool cut = summarize && n > 2 * e;
  std::vector<std::string> parts;
  if (d + 1 == s.size()) {  // a vector: elements wrapped to the line width
    for (std::int64_t i = 0; i < n; ++i) {
      if (cut && i == e) {
        parts.emplace_back(" ...");
        i = n - e;
      }
      parts.push_back(f.format(p[i]));
    }
    const int element_length = f.width() + 2;
    const auto per_line = std::max<std::int64_t>(1, (po.linewidth - indent) / element_length);
    std::string out = "[";
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i)
        out += static_cast<std::int64_t>(i) % per_line == 0
                   ? ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' ')
                   : ", ";
      out += parts[i];
    }
    return out + "]";
  }
  std::int64_t inner = 1;
  for (std::size_t i = d + 1; i < s.size(); ++i) inner *= s[i];
  for (std::int64_t i = 0; i < n; ++i) {
    if (cut && i == e) {
      parts.emplace_back("...");
      i = n - e;
    }
    parts.push_back(tensor_str(p + i * inner, s, d + 1, indent + 1, summarize, f));
  }
  const std::string sep = "," + std::string(s.size() - d - 1, '\n') +
                          std::string(static_cast<std::size_t>(indent + 1), ' ');
  std::string out = "[";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out + "]";
}

}  // namespace detail

/// Sets how tensors print (torch.set_printoptions); not thread safe, like PyTorch's.
inline void set_printoptions(const PrintOptions& options) { detail::print_options() = options; }
inline const PrintOptions& get_printoptions() { return detail::print_options(); }

template <class Scalar>
std::ostream& operator<<(std::ostream& os, const BasicTensor<Scalar>& t) {
  if (!t.defined()) return os << "[ undefined tensor ]";
  const int indent = 7;  // strlen("tensor(")
  std::string body;
  std::vector<std::string> suffixes;
  const bool default_dtype = std::is_same_v<Scalar, float> ||
                             std::is_same_v<Scalar, std::int64_t> || std::is_same_v<Scalar, bool>;
  if (t.numel() == 0) {
    if (t.dim() != 1) {
      std::string size = "size=(";
      for (std::int64_t i = 0; i < t.dim(); ++i)
        size += (i ? ", " : "") + std::to_string(t.size(i));
      suffixes.push_back(size + (t.dim() == 1 ? ",)" : ")"));
    }
    if (!std::is_same_v<Scalar, float>)
      suffixes.push_back(std::string("dtype=") + dtype_name<Scalar>());
    body = "[]";
  } else {
    if (!default_dtype) suffixes.push_back(std::string("dtype=") + dtype_name<Scalar>());
    const bool summarize = t.numel() > detail::print_options().threshold;
    std::vector<Scalar> values;
    if (t.dim() == 0)
      values.push_back(*t.data());
    else
      detail::summarized_values(t.data(), t.shape(), 0, summarize, values);
    const detail::PrintFormatter<Scalar> f(values);
    body = t.dim() == 0 ? f.format(*t.data())
                        : detail::tensor_str(t.data(), t.shape(), 0, indent, summarize, f);
  }
  if (!t.is_leaf())
    suffixes.push_back("grad_fn=<" + t.grad_fn_name() + ">");
  else if (t.requires_grad())
    suffixes.emplace_back("requires_grad=True");
  // Suffixes go on the last line while it stays within the line width.
  std::string out = "tensor(" + body;
  const auto nl = out.rfind('\n');
  std::int64_t last_len = static_cast<std::int64_t>(out.size()) -
                          (nl == std::string::npos ? -1 : static_cast<std::int64_t>(nl)) + 1;
  for (const auto& s : suffixes) {
    const auto len = static_cast<std::int64_t>(s.size());
    if (last_len + len + 2 > detail::print_options().linewidth) {
      out += ",\n" + std::string(indent, ' ') + s;
      last_len = indent + len;
    } else {
      out += ", " + s;
      last_len += len + 2;
    }
  }
  return os << out << ')';
}

}  // namespace torchlet

#ifdef TORCHLET_DETAIL_TENSOR_OPENED_BY_PRINT
#include "torchlet/tensor/members.hpp"
#endif
