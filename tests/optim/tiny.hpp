#pragma once
// The problem of tests/fixtures/nn/optim.safetensors: Linear(3, 4) -> Tanh -> Linear(4, 2)
// with an MSE loss on a fixed batch, started from PyTorch's weights; run() trains it for 20
// steps with a given optimizer (and scheduler / clipping) and compares with PyTorch's run.
#include <functional>
#include <memory>

#include <torchlet/nn.hpp>
#include <torchlet/optim.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

namespace tiny {

using namespace torchlet;

inline const fixture::File& file() {
  static const fixture::File f("optim.safetensors");
  return f;
}

struct Tiny : nn::Module {
  nn::Linear fc1{3, 4}, fc2{4, 2};
  nn::Tanh act;
  Tiny() {
    register_module("fc1", fc1);
    register_module("act", act);
    register_module("fc2", fc2);
    nn::StateDict sd;
    for (auto& [k, v] : state_dict()) sd.insert(k, file().tensor("init/" + k));
    load_state_dict(sd);
  }
  Tensor forward(const Tensor& x) override { return fc2(act(fc1(x))); }
};

enum class Clip { none, norm, norm_inf, value };

struct Run {
  std::vector<double> losses, lrs, momentums, norms;
};

/// Trains a fresh Tiny for `steps` steps; make_sched may return nullptr.
inline Run run(Tiny& model, optim::Optimizer& opt,
               const std::function<void(int, optim::Optimizer&)>& after_step = {},
               Clip clip = Clip::none, int steps = 20) {
  const Tensor x = file().tensor("data/x"), y = file().tensor("data/y");
  Run r;
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    auto loss = nn::functional::mse_loss(model(x), y);
    loss.backward();
    if (clip == Clip::norm)
      r.norms.push_back(nn::utils::clip_grad_norm_(model.parameters(), 0.5).item());
    if (clip == Clip::norm_inf)
      r.norms.push_back(nn::utils::clip_grad_norm_(model.parameters(), 0.05,
                                                   std::numeric_limits<double>::infinity())
                            .item());
    if (clip == Clip::value) nn::utils::clip_grad_value_(model.parameters(), 0.1);
    opt.step();
    r.losses.push_back(loss.item());
    if (after_step) after_step(i, opt);
    r.lrs.push_back(opt.get_lr(0));
    r.momentums.push_back(opt.has_option("betas.0")
                              ? opt.get_option(0, "betas.0")
                              : (opt.has_option("momentum") ? opt.get_option(0, "momentum") : 0.0));
  }
  return r;
}

/// Largest relative difference of two series (relative to max(|b|, 1e-12)).
inline double series_error(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(std::abs(b[i]), 1e-12));
  return worst;
}

/// Checks case `name`: losses per step, final parameters (1e-5), and lrs / momentums if recorded.
inline void check(const std::string& name, const Tiny& model, const Run& r) {
  const auto& f = file();
  INFO("case " << name);
  CHECK(series_error(r.losses, f.doubles(name + "/losses")) < 1e-5);
  for (auto& [k, v] : model.state_dict()) {
    INFO("parameter " << k);
    CHECK(fixture::mismatch(v, f.tensor(name + "/final/" + k)) == "");
  }
  CHECK(series_error(r.lrs, f.doubles(name + "/lrs")) < 1e-12);
  CHECK(series_error(r.momentums, f.doubles(name + "/momentums")) < 1e-12);
  if (f.has(name + "/norms")) CHECK(series_error(r.norms, f.doubles(name + "/norms")) < 1e-5);
}

}  // namespace tiny
