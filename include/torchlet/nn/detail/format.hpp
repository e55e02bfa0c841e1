#pragma once
// Formatting helpers for module reprs: Python's repr of floats, tuples and class names.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define TORCHLET_HAS_CXXABI 1
#endif

namespace torchlet::nn::detail::nnfmt {

/// Python's repr(float): shortest round-trip digits, fixed notation for exponents in
/// [-4, 16), else scientific with a two-digit exponent ("1e-05", "0.1", "1.0", "1e+16").
inline std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, r.ptr);  // "-d.ddde+XX"
  const auto e = s.find('e');
  const int exp10 = std::atoi(s.c_str() + e + 1);
  std::string mant = s.substr(0, e);
  const bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string out;
  if (exp10 >= -4 && exp10 < 16) {
    if (exp10 < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exp10 - 1), '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exp10 + 1) {
      out =
          digits +
          std::string(static_cast<std::size_t>(exp10 + 1 - static_cast<int>(digits.size())), '0') +
          ".0";
    } else {
      out = digits.substr(0, static_cast<std::size_t>(exp10) + 1) + "." +
            digits.substr(static_cast<std::size_t>(exp10) + 1);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += eb;
  }
  return neg ? "-" + out : out;
}

inline std::string py_bool(bool b) { return b ? "True" : "False"; }

/// Python's repr of a tuple of ints: "(3, 3)", "(10,)".
inline std::string py_tuple(const std::vector<std::int64_t>& v) {
  std::string s = "(";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(v[i]);
  }
  return s + (v.size() == 1 ? ",)" : ")");
}

/// The unqualified class name of a polymorphic object ("Net" for `struct Net : nn::Module`).
template <class T>
std::string class_name(const T& obj) {
  const char* mangled = typeid(obj).name();
  std::string name = mangled;
#ifdef TORCHLET_HAS_CXXABI
  int status = 0;
  char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  if (status == 0 && d) name = d;
  std::free(d);
#endif
  // torchlet's own modules are class templates named after their alias (nn::Linear is
  // nn::LinearImpl<>, so that a program compiles only the modules it uses): print the alias.
  constexpr std::string_view impl = "Impl<void>";
  if (name.find("torchlet::") != std::string::npos && name.ends_with(impl))
    name.resize(name.size() - impl.size());
  // Drop the namespaces of the outermost name ("torchlet::nn::Linear" -> "Linear",
  // "(anonymous namespace)::Net" -> "Net"), leaving template arguments alone.
  int depth = 0;
  std::size_t cut = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '<' || c == '(')
      ++depth;
    else if (c == '>' || c == ')')
      --depth;
    else if (depth == 0 && c == ':' && i + 1 < name.size() && name[i + 1] == ':')
      cut = i + 2;
  }
  return name.substr(cut);
}

}  // namespace torchlet::nn::detail::nnfmt
