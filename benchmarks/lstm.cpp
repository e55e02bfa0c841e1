// LSTM forward + backward speed: nn::LSTM(200, 200, {.num_layers = 2}) on x [35, 20, 200]
// (sequence 35, batch 20: the word-language-model shape), backward of out.backward(g) into
// every parameter, one thread. Prints ONE JSON line: the median thread CPU time and wall time
// in milliseconds per iteration over --reps timed iterations after 5 warm-up ones.
// benchmarks/reference/pytorch_lstm.py is PyTorch's side; benchmarks/lstm_ratio.sh runs the
// two alternately and prints the ratio.
//
//   build/benchmarks/bench_lstm [--reps 30]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "../examples/common/cli.hpp"

using namespace torchlet;

namespace {

/// This thread's CPU time in milliseconds.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  try {
    examples::Args args("bench_lstm",
                        "Times LSTM(200, 200, num_layers=2) forward + backward on [35, 20, 200].");
    args.add("reps", "30", "timed iterations (after 5 warm-up ones)");
    if (!args.parse(argc, argv)) return 0;
    const int reps = static_cast<int>(args.integer("reps", 1, 100000));
    set_num_threads(1);
    manual_seed(0);
    nn::LSTM lstm(200, 200, {.num_layers = 2});
    const Tensor x = randn({35, 20, 200});
    const Tensor g = randn({35, 20, 200});
    std::vector<double> cpu, wall;
    for (int r = 0; r < reps + 5; ++r) {
      lstm.zero_grad();
      const auto w0 = std::chrono::steady_clock::now();
      const double t0 = cpu_ms();
      auto [out, state] = lstm(x);
      out.backward(g);
      const double t1 = cpu_ms();
      const auto w1 = std::chrono::steady_clock::now();
      if (r < 5) continue;  // warm-up
      cpu.push_back(t1 - t0);
      wall.push_back(std::chrono::duration<double, std::milli>(w1 - w0).count());
    }
    std::printf(
        "{\"impl\": \"torchlet\", \"case\": \"LSTM(200, 200, num_layers=2) x [35, 20, 200] "
        "fwd+bwd\", \"reps\": %d, \"cpu_ms\": %.3f, \"wall_ms\": %.3f}\n",
        reps, median(cpu), median(wall));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_lstm: %s\n", e.what());
    return 1;
  }
}
