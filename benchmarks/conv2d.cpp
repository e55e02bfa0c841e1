// Conv2d forward + backward speed: x [64, 1, 28, 28] -> Conv2d(1, 32, 3) -> [64, 32, 26, 26],
// backward of out.backward(g) into the weight and bias (the first layer of a convnet: the
// input needs no gradient), and the same with padding=1 and with the input's gradient.
// Prints the median of --reps timed runs after warm-up, as thread CPU time (robust when
// other processes share the cores) and wall time, then runs the same measurement in
// PyTorch (/usr/bin/python3, torch.set_num_threads(1), time.thread_time) unless --pytorch 0.
//
//   build/benchmarks/bench_conv2d [--reps 50] [--pytorch 1]
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

struct Case {
  const char* name;
  std::int64_t padding;
  bool input_grad;
};

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

struct Timing {
  double fwd_cpu, both_cpu, both_wall;
};

// Median milliseconds of forward and of forward + backward.
Timing time_case(const Case& c, int reps) {
  manual_seed(0);
  nn::Conv2d conv{1, 32, 3, {.padding = c.padding}};
  Tensor x = randn({64, 1, 28, 28});
  if (c.input_grad) x.requires_grad_();
  const auto out_shape = conv(x).shape();
  const Tensor g = randn(out_shape);
  std::vector<double> fwd, both, wall;
  for (int r = 0; r < reps + 5; ++r) {
    conv.zero_grad();
    if (c.input_grad) x.set_grad({});
    const auto w0 = std::chrono::steady_clock::now();
    const double t0 = cpu_ms();
    auto y = conv(x);
    const double t1 = cpu_ms();
    y.backward(g);
    const double t2 = cpu_ms();
    const auto w2 = std::chrono::steady_clock::now();
    if (r < 5) continue;  // warm-up
    fwd.push_back(t1 - t0);
    both.push_back(t2 - t0);
    wall.push_back(std::chrono::duration<double, std::milli>(w2 - w0).count());
  }
  return {median(fwd), median(both), median(wall)};
}

const char* kPyTorch = R"PY(
import time, torch
torch.set_num_threads(1)
reps = int(__import__("sys").argv[1])
for name, pad, input_grad in [("no padding", 0, False), ("padding=1", 1, False), ("padding=1, input grad", 1, True)]:
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(1, 32, 3, padding=pad)
    x = torch.randn(64, 1, 28, 28, requires_grad=input_grad)
    g = torch.randn_like(conv(x))
    fwd, both, wall = [], [], []
    for r in range(reps + 5):
        conv.zero_grad(); x.grad = None
        w0 = time.perf_counter(); t0 = time.thread_time(); y = conv(x); t1 = time.thread_time(); y.backward(g)
        t2 = time.thread_time(); w2 = time.perf_counter()
        if r >= 5:
            fwd.append((t1 - t0) * 1e3); both.append((t2 - t0) * 1e3); wall.append((w2 - w0) * 1e3)
    fwd.sort(); both.sort(); wall.sort()
    m = len(fwd) // 2
    print(f"pytorch   {name:<24} {fwd[m]:9.3f} {both[m]:12.3f} {wall[m]:12.3f}")
)PY";

}  // namespace

int main(int argc, char** argv) {
  try {
    examples::Args args("bench_conv2d",
                        "Times Conv2d(1, 32, 3) forward + backward on [64, 1, 28, 28].");
    args.add("reps", "50", "timed repetitions (after 5 warm-up runs)")
        .add("pytorch", "1", "also time PyTorch (1) or not (0)");
    if (!args.parse(argc, argv)) return 0;
    const int reps = static_cast<int>(args.integer("reps", 1, 100000));
    std::printf("Conv2d(1, 32, 3) on x [64, 1, 28, 28], one thread; median ms of %d runs\n", reps);
    std::printf("%-34s %9s %12s %12s\n", "", "fwd (cpu)", "fwd+bwd (cpu)", "fwd+bwd (wall)");
    for (const Case& c : {Case{"no padding", 0, false}, Case{"padding=1", 1, false},
                          Case{"padding=1, input grad", 1, true}}) {
      const auto t = time_case(c, reps);
      std::printf("torchlet  %-24s %9.3f %12.3f %12.3f\n", c.name, t.fwd_cpu, t.both_cpu,
                  t.both_wall);
    }
    std::fflush(stdout);
    if (args.integer("pytorch", 0, 1)) {
      const std::string cmd =
          "/usr/bin/python3 - " + std::to_string(reps) + " <<'EOF'\n" + kPyTorch + "\nEOF\n";
      if (std::system(cmd.c_str()) != 0)
        std::printf("(PyTorch not available: /usr/bin/python3 with torch)\n");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_conv2d: %s\n", e.what());
    return 1;
  }
}
