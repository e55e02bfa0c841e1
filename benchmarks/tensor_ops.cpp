// Tensor library speed next to plain Eigen (a program printing figures, not a test).
//
//   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTORCHLET_BUILD_BENCHMARKS=ON
//   cmake --build build --target bench_tensor_ops && build/benchmarks/bench_tensor_ops [--quick]
//
// 1. matmul [1024, 1024] @ [1024, 1024] float32: torchlet::matmul against Eigen's GEMM
//    on the same row-major buffers (C.noalias() = A * B), in GFLOP/s (2 n^3 / time).
//    Targets: torchlet >= 90% of Eigen.
// 2. relu(a * b + c) on 10^7 float32: torchlet against the same expression in Eigen,
//    evaluated into a fresh array and into a preallocated one. Target: within 1.3x.
// 3. Autograd overhead per op on small tensors: the time of an op when an input requires
//    grad minus its time under NoGradGuard (a graph node, its edges, saved tensors, and
//    freeing them). Target: < 200 ns. Also the backward time per node of a chain.
// Each figure is the best of several repetitions, timed in CPU time of the calling thread
// (CLOCK_THREAD_CPUTIME_ID), so time the thread spends preempted on a shared machine does
// not count; everything measured runs on that one thread (Eigen's GEMM included, as
// it is built without OpenMP).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <torchlet/parallel.hpp>
#include <torchlet/tensor.hpp>

using namespace torchlet;

namespace {

volatile float g_sink = 0;  // keeps results alive

double thread_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

/// Best (minimum) thread CPU seconds of `reps` runs of f.
double best_of(int reps, const std::function<void()>& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const double t0 = thread_seconds();
    f();
    best = std::min(best, thread_seconds() - t0);
  }
  return best;
}

void bench_matmul(int reps) {
  const std::int64_t n = 1024;
  manual_seed(0);
  auto a = randn({n, n}), b = randn({n, n});
  using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const RowMat> A(a.data(), n, n), B(b.data(), n, n);
  RowMat C(n, n);
  // Warm up both (page faults, Eigen's blocking buffers).
  C.noalias() = A * B;
  g_sink = matmul(a, b).data()[0];
  const double t_eigen = best_of(reps, [&] {
    C.noalias() = A * B;
    g_sink = C(0, 0);
  });
  const double t_torchlet = best_of(reps, [&] {
    auto c = matmul(a, b);
    g_sink = c.data()[0];
  });
  {  // same values
    auto c = matmul(a, b);
    C.noalias() = A * B;
    // Not bit-identical in every build: the two products may be different instantiations of
    // Eigen's kernels (the maps' alignment differs), rounded differently under FMA.
    const auto T = Eigen::Map<const RowMat>(c.data(), n, n);
    const double rel = static_cast<double>((T - C).cwiseAbs().maxCoeff() / C.cwiseAbs().maxCoeff());
    if (rel > 1e-5)
      std::printf("  (results differ! max difference %.3g of the largest entry)\n", rel);
    else if (rel > 0)
      std::printf(
          "  (same values up to float rounding: max difference %.2g of the largest entry)\n", rel);
  }
  const double flop = 2.0 * n * n * n;
  std::printf("matmul 1024x1024 float32\n");
  std::printf("  Eigen GEMM (same buffers)   %8.2f ms  %7.1f GFLOP/s\n", t_eigen * 1e3,
              flop / t_eigen * 1e-9);
  std::printf(
      "  torchlet::matmul            %8.2f ms  %7.1f GFLOP/s  (%.1f%% of Eigen; target >= 90%%)\n",
      t_torchlet * 1e3, flop / t_torchlet * 1e-9, 100.0 * t_eigen / t_torchlet);
#ifdef EIGEN_USE_BLAS
  std::printf("  (EIGEN_USE_BLAS: Eigen's products call the system BLAS)\n");
#endif
}

void bench_elementwise(int reps) {
  const std::int64_t n = 10'000'000;
  manual_seed(1);
  auto a = randn({n}), b = randn({n}), c = randn({n});
  Eigen::Map<const Eigen::ArrayXf> A(a.data(), n), B(b.data(), n), C(c.data(), n);
  Eigen::ArrayXf out(n);
  const double t_fresh = best_of(reps, [&] {
    Eigen::ArrayXf r = (A * B + C).max(0.f);
    g_sink = r[5];
  });
  const double t_prealloc = best_of(reps, [&] {
    out = (A * B + C).max(0.f);
    g_sink = out[5];
  });
  const double t_torchlet = best_of(reps, [&] {
    auto r = relu(a * b + c);
    g_sink = r.data()[5];
  });
  const double t_fused = best_of(reps, [&] {  // torch.addcmul: a * b + c in one pass
    auto r = relu(addcmul(c, a, b));
    g_sink = r.data()[5];
  });
  const double t_graph = best_of(reps, [&] {  // lvalue intermediates: no memory reuse
    auto ab = a * b;
    auto abc = ab + c;
    auto r = relu(abc);
    g_sink = r.data()[5];
  });
  {
    auto r = relu(a * b + c);
    out = (A * B + C).max(0.f);
    // Eigen may fuse a * b + c into one FMA (under -march=native), torchlet rounds the
    // product first as PyTorch does: equal up to one rounding of a * b.
    if (!allclose(r, from_vector(std::vector<float>(out.data(), out.data() + n), {n}), 1e-6, 1e-6))
      std::printf("  (results differ!)\n");
    auto f = relu(addcmul(c, a, b));
    if (!allclose(f, r, 1e-6, 1e-6)) std::printf("  (addcmul differs!)\n");
  }
  const double gb = 4.0 * n * sizeof(float) * 1e-9;  // 3 reads + 1 write
  std::printf("relu(a * b + c), 10^7 float32\n");
  std::printf("  Eigen, into a fresh array   %8.2f ms  %6.1f GB/s\n", t_fresh * 1e3, gb / t_fresh);
  std::printf("  Eigen, into a preallocated  %8.2f ms  %6.1f GB/s\n", t_prealloc * 1e3,
              gb / t_prealloc);
  std::printf(
      "  torchlet relu(a * b + c)    %8.2f ms  %6.1f GB/s  (%.2fx fresh Eigen, %.2fx preallocated; "
      "target <= 1.3x)\n",
      t_torchlet * 1e3, gb / t_torchlet, t_torchlet / t_fresh, t_torchlet / t_prealloc);
  std::printf(
      "  torchlet relu(addcmul(c, a, b)) %5.2f ms  %6.1f GB/s  (%.2fx fresh Eigen, %.2fx "
      "preallocated)\n",
      t_fused * 1e3, gb / t_fused, t_fused / t_fresh, t_fused / t_prealloc);
  std::printf("  torchlet, named temporaries %8.2f ms  %6.1f GB/s  (%.2fx preallocated Eigen)\n",
              t_graph * 1e3, gb / t_graph, t_graph / t_prealloc);
}

/// ns per iteration of f, best of reps runs of `iters` iterations.
double ns_per(int reps, int iters, const std::function<void()>& f) {
  return best_of(reps,
                 [&] {
                   for (int i = 0; i < iters; ++i) f();
                 }) /
         iters * 1e9;
}

void bench_autograd(int reps, int iters) {
  manual_seed(2);
  auto x = randn({4, 4}), w = randn({4, 4}), v = randn({4});
  auto xg = x.clone(), wg = w.clone();
  wg.requires_grad_();
  struct Op {
    const char* name;
    std::function<Tensor(const Tensor&, const Tensor&)> f;
  };
  const std::vector<Op> ops = {
      {"mul [4,4] * [4,4]", [](const Tensor& a, const Tensor& b) { return a * b; }},
      {"add [4,4] + [4]", [&v](const Tensor&, const Tensor& b) { return b + v; }},
      {"matmul [4,4] @ [4,4]", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }},
      {"tanh [4,4]", [](const Tensor&, const Tensor& b) { return b.tanh(); }},
      {"sum(dim 1) [4,4]", [](const Tensor&, const Tensor& b) { return b.sum(1); }},
      {"reshape [4,4] -> [16]", [](const Tensor&, const Tensor& b) { return b.reshape({16}); }},
  };
  std::printf(
      "autograd overhead per op, small tensors (op with an input that requires grad minus\n"
      "the same op under NoGradGuard; includes creating and freeing the node)\n");
  for (const auto& op : ops) {
    double plain;
    {
      NoGradGuard ng;
      plain = ns_per(reps, iters, [&] { g_sink = op.f(x, w).data()[0]; });
    }
    const double graph = ns_per(reps, iters, [&] { g_sink = op.f(xg, wg).data()[0]; });
    std::printf(
        "  %-24s no grad %7.1f ns   with graph %7.1f ns   overhead %6.1f ns  (target < 200)\n",
        op.name, plain, graph, graph - plain);
  }
  // Backward through a chain of 100 small ops: time per node.
  const int chain = 100;
  auto build = [&] {
    Tensor y = wg;
    for (int i = 0; i < chain; ++i) y = (y * 0.5f + x).tanh();
    return y.sum();
  };
  const double fwd = ns_per(reps, iters / chain, [&] { g_sink = build().data()[0]; });
  const double both = ns_per(reps, iters / chain, [&] {
    wg.set_grad({});
    build().backward();
  });
  std::printf(
      "  chain of %d x (y * 0.5 + x).tanh() on [4,4]: forward %.0f ns/op, backward %.0f ns/op\n",
      chain, fwd / (3 * chain + 1), (both - fwd) / (3 * chain + 1));
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const int reps = quick ? 3 : 15;
  // One thread everywhere, OpenBLAS's pool included (TORCHLET_USE_BLAS): the figures are CPU
  // time of this thread, which would not see work done by a BLAS worker thread.
  torchlet::set_num_threads(1);
  std::printf(
      "torchlet tensor benchmarks (%s, Eigen %d.%d.%d, SIMD: %s, %d thread(s) for Eigen)\n\n",
      quick ? "quick" : "full", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION,
      Eigen::SimdInstructionSetsInUse(), Eigen::nbThreads());
  bench_matmul(quick ? 2 : 10);
  std::printf("\n");
  bench_elementwise(reps);
  std::printf("\n");
  bench_autograd(quick ? 3 : 7, quick ? 20000 : 200000);
  return 0;
}
