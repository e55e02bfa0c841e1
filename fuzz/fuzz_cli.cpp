// Fuzzes the examples' command-line parser: NUL-separated arguments; any input either
// parses or throws examples::UsageError.
#include <cstdint>
#include <string>
#include <vector>

#include "common/cli.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> parts{"prog"};
  std::string cur;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(data[i]));
    }
  }
  parts.push_back(cur);
  std::vector<const char*> argv;
  for (auto& p : parts) argv.push_back(p.c_str());
  examples::Args args("prog", "fuzz");
  args.add("data", "x", "d").add("epochs", "5", "e").add("lr", "0.1", "l");
  try {
    // --help prints usage to stdout; keep the fuzzer quiet by not treating it specially.
    if (args.parse(static_cast<int>(argv.size()), argv.data())) {
      (void)args.integer("epochs", 0, 1000);
      (void)args.real("lr", 0.0, 10.0);
      (void)args.str("data");
    }
  } catch (const examples::UsageError&) {
  }
  return 0;
}
