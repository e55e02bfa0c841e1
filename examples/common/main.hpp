#pragma once
// The examples' main(): runs `run(argc, argv)` and turns what it throws into one line on
// stderr and an exit status - 1 for a missing dataset (with a hint) or any other error,
// 2 for a bad command line (examples::UsageError).
#include <cstdio>
#include <exception>

#include <torchlet/vision/errors.hpp>

#include "cli.hpp"

namespace examples {

/// `name` prefixes every message; `missing_data_hint` follows a DatasetNotFoundError's message.
template <class Run>
int run_main(const char* name, const char* missing_data_hint, Run run, int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const torchlet::vision::DatasetNotFoundError& e) {
    std::fprintf(stderr, "%s: %s\n%s\n", name, e.what(), missing_data_hint);
    return 1;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace examples
