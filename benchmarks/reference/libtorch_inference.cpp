// Inference latency and throughput, libtorch's side of docs/benchmarks.md's inference table:
// the job of benchmarks/inference.cpp (read its comment), with torch::NoGradGuard
// ("no_grad") or c10::InferenceMode ("inference"), eval(), at::set_num_threads(1).
//
//   libtorch_inference [--model mlp|cnn|all] [--batch 1,8,64] [--mode no_grad|inference|all]
//       [--clients 2] [--seconds 1.0] [--max-requests 2000]
//
// Prints one JSON line per (model, batch, mode), allocations not counted ("allocs": -1).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <torch/torch.h>

namespace {

struct MLP : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  MLP() {
    fc1 = register_module("fc1", torch::nn::Linear(784, 256));
    fc2 = register_module("fc2", torch::nn::Linear(256, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) { return fc2(torch::relu(fc1(x.flatten(1)))); }
};

struct Cnn : torch::nn::Module {
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Dropout dropout1{nullptr}, dropout2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  Cnn() {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3)));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3)));
    dropout1 = register_module("dropout1", torch::nn::Dropout(0.25));
    dropout2 = register_module("dropout2", torch::nn::Dropout(0.5));
    fc1 = register_module("fc1", torch::nn::Linear(9216, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto h = torch::max_pool2d(torch::relu(conv2(torch::relu(conv1(x)))), 2);
    h = torch::relu(fc1(dropout1(h).flatten(1)));
    return torch::log_softmax(fc2(dropout2(h)), 1);
  }
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

template <class Guard, class Model>
torch::Tensor request(Model& model, const torch::Tensor& x) {
  Guard guard;
  return model.forward(x);
}

struct Figures {
  double p50_us = 0, p99_us = 0, rps = 0;
  std::size_t requests = 0;
};

template <class Guard, class Model>
Figures measure(Model& model, std::int64_t batch, int clients, double seconds,
                std::size_t max_requests) {
  const torch::Tensor x = torch::randn({batch, 1, 28, 28});
  for (int i = 0; i < 20; ++i) request<Guard>(model, x);
  Figures f;
  std::vector<double> times;
  times.reserve(max_requests);
  const auto start = Clock::now();
  while (times.size() < max_requests && (times.size() < 50 || seconds_since(start) < seconds)) {
    const auto t = Clock::now();
    request<Guard>(model, x);
    times.push_back(seconds_since(t) * 1e6);
  }
  f.requests = times.size();
  std::sort(times.begin(), times.end());
  auto pct = [&](double q) {
    return times[std::min(times.size() - 1, static_cast<std::size_t>(q * times.size()))];
  };
  f.p50_us = pct(0.50);
  f.p99_us = pct(0.99);

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> done{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        request<Guard>(model, x);
        ++n;
      }
      done += n;
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  f.rps = static_cast<double>(done.load()) / seconds_since(t0);
  return f;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  return out;
}

template <class Model>
void run_model(Model& model, const char* name, const std::map<std::string, std::string>& a) {
  const int clients = std::stoi(a.at("clients"));
  const double seconds = std::stod(a.at("seconds"));
  const auto max_requests = static_cast<std::size_t>(std::stoll(a.at("max-requests")));
  for (const auto& b : split(a.at("batch"))) {
    const std::int64_t batch = std::stoll(b);
    for (const std::string mode : {"no_grad", "inference"}) {
      if (a.at("mode") != "all" && a.at("mode") != mode) continue;
      const Figures f =
          mode == "no_grad"
              ? measure<torch::NoGradGuard>(model, batch, clients, seconds, max_requests)
              : measure<c10::InferenceMode>(model, batch, clients, seconds, max_requests);
      std::printf(
          "{\"impl\": \"libtorch\", \"model\": \"%s\", \"batch\": %lld, \"mode\": \"%s\", "
          "\"p50_us\": %.1f, \"p99_us\": %.1f, \"rps\": %.1f, \"clients\": %d, "
          "\"requests\": %zu, \"allocs\": -1, \"alloc_kb\": -1}\n",
          name, static_cast<long long>(batch), mode.c_str(), f.p50_us, f.p99_us, f.rps, clients,
          f.requests);
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> a = {{"model", "all"},   {"batch", "1,8,64"},
                                          {"mode", "all"},    {"clients", "2"},
                                          {"seconds", "1.0"}, {"max-requests", "2000"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k.rfind("--", 0) != 0 || !a.count(k.substr(2))) {
      std::fprintf(stderr, "libtorch_inference: unknown option '%s'\n", argv[i]);
      return 2;
    }
    a[k.substr(2)] = argv[i + 1];
  }
  at::set_num_threads(1);
  torch::manual_seed(0);
  auto mlp = std::make_shared<MLP>();
  auto cnn = std::make_shared<Cnn>();
  mlp->eval();
  cnn->eval();
  if (a["model"] == "all" || a["model"] == "mlp") run_model(*mlp, "mlp", a);
  if (a["model"] == "all" || a["model"] == "cnn") run_model(*cnn, "cnn", a);
  return 0;
}
