#pragma once
// The module-case check shared by the layer tests: a fixture case's parameters loaded into
// a module, its input run through it, output, input and parameter gradients and buffers
// compared with PyTorch's (scripts/make_nn_fixtures.py, make_layer_fixtures.py).
#include <string>

#include <torchlet/nn.hpp>

#include "catch.hpp"
#include "nn/fixture.hpp"

namespace fixture {

/// Loads case `name`'s parameters into m, runs it on the case's input and compares output,
/// gradients and buffers. `through_copy`: the input goes in as x * 1, so in-place layers
/// write into a non-leaf.
inline void check_module_case(const File& f, torchlet::nn::Module& m, const std::string& name,
                              bool through_copy = false) {
  INFO("case " << name);
  torchlet::nn::StateDict sd;
  for (auto& [k, v] : m.state_dict()) sd.insert(k, f.tensor(name + "/" + k));
  m.load_state_dict(sd);
  torchlet::Tensor x = f.tensor(name + "/x");
  x.requires_grad_();
  auto out = through_copy ? m(x * 1.0f) : m(x);
  CHECK(mismatch(out, f.tensor(name + "/out")) == "");
  out.backward(f.tensor(name + "/gout"));
  CHECK(mismatch(x.grad(), f.tensor(name + "/gx")) == "");
  for (auto& [k, p] : m.named_parameters()) {
    INFO("gradient of " << k);
    CHECK(mismatch(p.grad(), f.tensor(name + "/g" + k)) == "");
  }
  for (auto& [k, b] : m.named_buffers()) {
    INFO("buffer " << k);
    CHECK(mismatch(b, f.tensor(name + "/after/" + k)) == "");
  }
}

}  // namespace fixture
