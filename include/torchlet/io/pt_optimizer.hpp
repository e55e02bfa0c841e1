#pragma once
// Optimizer state_dicts in PyTorch's layout, both ways, so a training run can move
// between PyTorch and torchlet mid-way:
//
//   {"state": {0: {"momentum_buffer": tensor}, 1: {...}},          // by parameter index
//    "param_groups": [{"lr": 0.1, "momentum": 0.9, "nesterov": False, ..., "params": [0, 1]}]}
//
//   torch.save(opt.state_dict(), "opt.pt")  ->  opt.load_state_dict(
//                                                 io::optimizer_state_from_pt(
//                                                   io::load_pt_value("opt.pt"), "opt.pt"))
//   io::save_pt(io::to_pt_value(opt.state_dict()), "opt.pt")  ->  opt.load_state_dict(
//                                                                   torch.load("opt.pt"))
//
// torchlet's options map to PyTorch's: "betas.0" / "betas.1" <-> the tuple "betas";
// nesterov, amsgrad, maximize, centered, capturable, differentiable, foreach and fused are
// written as Python bools; other options as floats. Reading takes bools as 0 / 1, ints and
// floats as numbers, tuples of numbers as "name.0", "name.1", and skips None and strings
// (PyTorch's foreach=None); a "step" stored as a number becomes a 0-dim tensor.
#include <string>

#include "torchlet/io/pt_read.hpp"
#include "torchlet/io/pt_write.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::io {

/// An optimizer state_dict as PyTorch's optimizer.state_dict() dict.
inline PtValue to_pt_value(const optim::OptimizerStateDict& o) {
  PtValue::Dict state;
  for (const auto& [index, entries] : o.state) {
    PtValue::Dict e;
    for (const auto& [name, t] : entries) e.insert(name, t);
    state.insert(index, std::move(e));
  }
  PtValue::List groups;
  for (const auto& g : o.param_groups) {
    PtValue::Dict d;
    for (const auto& [key, value] : g.options) {
      const auto dot = key.find('.');
      if (dot != std::string::npos) {  // "betas.1": element 1 of the tuple "betas"
        const std::string base = key.substr(0, dot);
        if (d.find(base)) continue;
        PtValue::Tuple t;
        for (int i = 0; g.options.count(base + "." + std::to_string(i)); ++i)
          t.items.emplace_back(g.options.at(base + "." + std::to_string(i)));
        d.insert(base, std::move(t));
        continue;
      }
      bool flag = false;
      for (const char* b : {"nesterov", "amsgrad", "maximize", "centered", "capturable",
                            "differentiable", "foreach", "fused"})
        flag = flag || key == b;
      if (flag)
        d.insert(key, value != 0);
      else
        d.insert(key, value);
    }
    PtValue::List params;
    for (auto i : g.params) params.emplace_back(i);
    d.insert("params", std::move(params));
    groups.emplace_back(std::move(d));
  }
  PtValue::Dict out;
  out.insert("state", std::move(state));
  out.insert("param_groups", std::move(groups));
  return out;
}

/// Reads PyTorch's optimizer.state_dict() layout; `path` names the file in errors.
/// Throws FormatError for anything else.
inline optim::OptimizerStateDict optimizer_state_from_pt(const PtValue& v,
                                                         const std::string& path) {
  auto fail = [&](const std::string& why) {
    return FormatError(path + ": not an optimizer state_dict: " + why);
  };
  if (!v.is<PtValue::Dict>() || !v.contains("state") || !v.contains("param_groups"))
    throw fail("expected a dict with the keys 'state' and 'param_groups'");
  const auto& state = v.at("state");
  const auto& groups = v.at("param_groups");
  if (!state.is<PtValue::Dict>()) throw fail("'state' is not a dict");
  if (!groups.is<PtValue::List>()) throw fail("'param_groups' is not a list");
  optim::OptimizerStateDict o;
  const auto& sd = state.get<PtValue::Dict>();
  for (std::size_t i = 0; i < sd.size(); ++i) {
    if (!sd.keys[i].is<std::int64_t>() || !sd.values[i].is<PtValue::Dict>())
      throw fail("'state' must map parameter indices to dicts");
    auto& entries = o.state[sd.keys[i].get<std::int64_t>()];
    const auto& e = sd.values[i].get<PtValue::Dict>();
    for (std::size_t j = 0; j < e.size(); ++j) {
      if (!e.keys[j].is<std::string>()) throw fail("a state key is not a string");
      const auto& name = e.keys[j].get<std::string>();
      const auto& x = e.values[j];
      if (x.is<AnyTensor>())
        entries[name] = to_dtype<float>(x.get<AnyTensor>());
      else if (x.is<std::int64_t>())
        entries[name] = scalar_tensor<float>(static_cast<float>(x.get<std::int64_t>()));
      else if (x.is<double>())
        entries[name] = scalar_tensor<float>(static_cast<float>(x.get<double>()));
      else
        throw fail("state '" + name + "' is a " + PtValue::kind_name(x.v));
    }
  }
  auto number = [&](const PtValue& x, const std::string& key, double& out) {
    if (x.is<bool>())
      out = x.get<bool>() ? 1 : 0;
    else if (x.is<std::int64_t>())
      out = static_cast<double>(x.get<std::int64_t>());
    else if (x.is<double>())
      out = x.get<double>();
    else if (x.is_none() || x.is<std::string>())
      return false;
    else
      throw fail("option '" + key + "' is a " + PtValue::kind_name(x.v));
    return true;
  };
  for (const auto& gv : groups.get<PtValue::List>()) {
    if (!gv.is<PtValue::Dict>()) throw fail("a parameter group is not a dict");
    const auto& g = gv.get<PtValue::Dict>();
    optim::OptimizerStateDict::Group group;
    for (std::size_t j = 0; j < g.size(); ++j) {
      if (!g.keys[j].is<std::string>()) throw fail("a group key is not a string");
      const auto& key = g.keys[j].get<std::string>();
      const auto& x = g.values[j];
      if (key == "params") {
        if (!x.is<PtValue::List>()) throw fail("'params' is not a list");
        for (const auto& p : x.get<PtValue::List>()) {
          if (!p.is<std::int64_t>())
            throw fail("'params' holds a " + std::string(p.kind_name(p.v)));
          group.params.push_back(p.get<std::int64_t>());
        }
      } else if (x.is<PtValue::Tuple>() || x.is<PtValue::List>()) {
        const auto& items =
            x.is<PtValue::Tuple>() ? x.get<PtValue::Tuple>().items : x.get<PtValue::List>();
        for (std::size_t k = 0; k < items.size(); ++k) {
          double d = 0;
          const std::string name = key + "." + std::to_string(k);
          if (number(items[k], name, d)) group.options[name] = d;
        }
      } else {
        double d = 0;
        if (number(x, key, d)) group.options[key] = d;
      }
    }
    o.param_groups.push_back(std::move(group));
  }
  return o;
}

}  // namespace torchlet::io
