#pragma once
// operator<< prints a tensor as PyTorch does: tensor([[0.1000, 0.2000]], requires_grad=True),
// summarising with "..." when it has more than 1000 elements.
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "torchlet/tensor/basic_tensor.hpp"

namespace torchlet {
namespace detail {

struct PrintFormat {
  bool integer_mode = false;  // all finite values integral
  bool sci = false;
  int width = 1;
};

template <class T>
std::string format_scalar(T v, const PrintFormat& f) {
  char buf[64];
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "True" : "False";
  } else if constexpr (std::is_integral_v<T>) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (f.sci) std::snprintf(buf, sizeof buf, "%.4e", static_cast<double>(v));
    else if (f.integer_mode) std::snprintf(buf, sizeof buf, "%.0f.", static_cast<double>(v));
    else std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(v));
  }
  return buf;
}

template <class T>
void print_rec(std::ostream& os, const T* p, const Shape& s, std::size_t d, const PrintFormat& f, bool summarize,
               int indent) {
  const std::int64_t n = s[d];
  std::int64_t inner = 1;
  for (std::size_t i = d + 1; i < s.size(); ++i) inner *= s[i];
  os << '[';
  const bool cut = summarize && n > 6;
  for (std::int64_t i = 0; i < n; ++i) {
    if (cut && i == 3) {
      if (d + 1 == s.size()) os << "...";
      else os << "...";
      i = n - 4;
      os << (d + 1 == s.size() ? ", " : ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' '));
      continue;
    }
    if (d + 1 == s.size()) {
      auto str = format_scalar(p[i], f);
      os << std::string(static_cast<std::size_t>(std::max(0, f.width - static_cast<int>(str.size()))), ' ') << str;
      if (i + 1 < n) os << ", ";
    } else {
      print_rec(os, p + i * inner, s, d + 1, f, summarize, indent + 1);
      if (i + 1 < n) os << ',' << std::string(s.size() - d - 1, '\n') << std::string(static_cast<std::size_t>(indent + 1), ' ');
    }
  }
  os << ']';
}

}  // namespace detail

template <class T>
std::ostream& operator<<(std::ostream& os, const BasicTensor<T>& t) {
  if (!t.defined()) return os << "[ undefined tensor ]";
  const T* p = t.data();
  detail::PrintFormat f;
  if constexpr (std::is_floating_point_v<T>) {
    double mx = 0, mn = INFINITY;
    bool all_int = true, any = false;
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      const double v = p[i];
      if (!std::isfinite(v)) continue;
      any = true;
      all_int &= v == std::nearbyint(v);
      mx = std::max(mx, std::abs(v));
      if (v != 0) mn = std::min(mn, std::abs(v));
    }
    f.integer_mode = any && all_int;
    if (any && !f.integer_mode) f.sci = mx > 1e8 || (mn < 1e-4 && mn > 0) || (mn != INFINITY && mx / mn > 1000.0);
    if (f.integer_mode && mx > 1e8) f.sci = true, f.integer_mode = false;
  }
  for (std::int64_t i = 0; i < t.numel(); ++i)
    f.width = std::max<int>(f.width, static_cast<int>(detail::format_scalar(p[i], f).size()));
  os << "tensor(";
  if (t.dim() == 0) {
    os << detail::format_scalar(p[0], f);
  } else if (t.numel() == 0) {
    os << "[]";
  } else {
    detail::print_rec(os, p, t.shape(), 0, f, t.numel() > 1000, 7);
  }
  if constexpr (!std::is_same_v<T, float> && !std::is_same_v<T, std::int64_t> && !std::is_same_v<T, bool>)
    os << ", dtype=" << dtype_name<T>();
  if (t.numel() == 0 && t.dim() > 1) os << ", size=(" << to_string(t.shape()).substr(1, to_string(t.shape()).size() - 2) << ")";
  if (t.requires_grad()) os << (t.is_leaf() ? ", requires_grad=True" : ", grad_fn=<" + t.grad_fn_name() + ">");
  return os << ')';
}

}  // namespace torchlet
