#pragma once
// A small command-line parser shared by the examples: --name VALUE or --name=VALUE,
// switches (--name alone, as argparse's store_true), --help. Bad input gets one line naming the
// flag and what was expected (exit 2).
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace examples {

/// A command-line mistake: the message is one line for the user.
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class Args {
 public:
  struct Flag {
    std::string help, value;
    bool is_switch = false;
  };

  explicit Args(std::string program, std::string summary)
      : program_(std::move(program)), summary_(std::move(summary)) {}

  /// Declares --name with a default value and a help line.
  Args& add(const std::string& name, std::string default_value, std::string help) {
    order_.push_back(name);
    flags_[name] = {std::move(help), std::move(default_value)};
    return *this;
  }

  /// Declares a switch --name (off unless given; --name=0/1 also works).
  Args& add_switch(const std::string& name, std::string help) {
    order_.push_back(name);
    flags_[name] = {std::move(help), "0", true};
    return *this;
  }

  /// Parses argv; throws UsageError with a one-line message on bad input.
  /// Returns false when --help was asked (usage already printed).
  bool parse(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i];
      if (a == "--help" || a == "-h") {
        std::printf("%s", usage().c_str());
        return false;
      }
      if (a.substr(0, 2) != "--") throw UsageError("unexpected argument '" + std::string(a) + "'");
      std::string name(a.substr(2)), value;
      const auto eq = name.find('=');
      bool has_value = false;
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        has_value = true;
      }
      auto it = flags_.find(name);
      if (it == flags_.end()) throw UsageError("unknown option '--" + name + "' (see --help)");
      if (!has_value && it->second.is_switch) {
        value = "1";
      } else if (!has_value) {
        if (i + 1 >= argc) throw UsageError("option '--" + name + "' expects a value");
        value = argv[++i];
      }
      it->second.value = value;
    }
    return true;
  }

  std::string str(const std::string& name) const { return flags_.at(name).value; }

  /// Whether the switch --name was given.
  bool on(const std::string& name) const {
    const std::string& v = flags_.at(name).value;
    if (v == "1" || v == "true") return true;
    if (v == "0" || v == "false") return false;
    throw UsageError("--" + name + " is a switch (0 or 1), got '" + v + "'");
  }

  long long integer(const std::string& name, long long lo, long long hi) const {
    const std::string& v = flags_.at(name).value;
    long long out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size())
      throw UsageError("--" + name + " expects an integer, got '" + v + "'");
    if (out < lo || out > hi)
      throw UsageError("--" + name + " must be in [" + std::to_string(lo) + ", " +
                       std::to_string(hi) + "], got " + v);
    return out;
  }

  double real(const std::string& name, double lo, double hi) const {
    const std::string& v = flags_.at(name).value;
    char* end = nullptr;
    errno = 0;
    const double out = v.empty() ? 0.0 : std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || errno == ERANGE || !(out == out))
      throw UsageError("--" + name + " expects a number, got '" + v + "'");
    if (out < lo || out > hi)
      throw UsageError("--" + name + " must be in [" + std::to_string(lo) + ", " +
                       std::to_string(hi) + "], got " + v);
    return out;
  }

  std::string usage() const {
    std::string u = "usage: " + program_ + " [options]\n" + summary_ + "\n\noptions:\n";
    for (auto& n : order_) {
      const auto& f = flags_.at(n);
      u += "  --" + n + std::string(n.size() < 14 ? 14 - n.size() : 1, ' ') + f.help +
           (f.is_switch ? "\n" : " (default: " + f.value + ")\n");
    }
    return u + "  --help          show this message\n";
  }

 private:
  std::string program_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Flag> flags_;
};

}  // namespace examples
