#pragma once
// torchlet::save / torchlet::load: checkpoints as safetensors files (io/safetensors.hpp),
// which PyTorch users read with safetensors.torch.load_file (or any small reader) and
// load with model.load_state_dict.
//
//   torchlet::save(model, "model.safetensors");       // model.state_dict(), PyTorch's keys
//   torchlet::load(model, "model.safetensors");       // load_state_dict(strict): all or nothing
//   nn::StateDict sd = torchlet::load("model.safetensors");   // torch.load's dict
//   torchlet::save(optimizer, "optim.safetensors");   // optimizer.state_dict() in a second file
//   torchlet::load(optimizer, "optim.safetensors");
//   torchlet::save_checkpoint({.model = model.state_dict(), .optimizer = opt.state_dict(),
//                              .scheduler = sched.state_dict(), .metadata = {{"epoch", "3"}}},
//                             "ckpt.safetensors");
//   auto ck = torchlet::load_checkpoint("ckpt.safetensors");  // then
//   model.load_state_dict(ck.model) ...
//
// Layout (every number written with 17 significant digits, so doubles round-trip):
//   model file       tensors: the state_dict keys ("fc.weight", ...), F32;
//                    metadata: {"format": "pt", "torchlet.kind": "model"} + the caller's
//   optimizer file   tensors: "state.<i>.<name>" (PyTorch's state[i][name], i counted through
//                    the groups); metadata: "torchlet.kind": "optimizer", "optimizer": name(),
//                    "param_groups": count, "param_groups.<g>.params": "0,1,2",
//                    "param_groups.<g>.<option>": value ("lr", "momentum", "betas.0", ...)
//   checkpoint file  the same under the prefixes "model." and "optimizer."; the scheduler's
//                    state as metadata "scheduler.<key>"; the generator state as the U8
//                    tensor "rng_state" (if given); the caller's metadata as it is
//                    (keys must not start with "model.", "optimizer.", "scheduler." or "torchlet.")
//
// A path ending in .pt or .pth selects PyTorch's own format instead (io/pt.hpp): save and
// load of state dicts, models and optimizers then write and read what torch.save and
// torch.load do, in PyTorch's layout (optimizer: {"state": ..., "param_groups": [...]}).
//
// Loading parses and validates the whole file first (a malformed file throws FormatError
// naming it and changes nothing); tensors of other dtypes are converted to float, as
// PyTorch's load_state_dict copies them. Saving is atomic (see detail::write_file_atomic).
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/io/pt.hpp"
#include "torchlet/io/safetensors.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet {

/// Everything a training run needs to resume (PyTorch's usual checkpoint dict).
struct Checkpoint {
  /// The model's state_dict().
  nn::StateDict model;
  /// The optimizer's state_dict(), if saved.
  std::optional<optim::OptimizerStateDict> optimizer = std::nullopt;
  /// A scheduler's state_dict() (optim::SchedulerStateDict); empty if none.
  std::map<std::string, double> scheduler = {};
  /// Anything else: epoch, step, notes.
  std::map<std::string, std::string> metadata = {};
  /// A generator's state: torchlet::get_rng_state() (the default generator, which
  /// initialisation, dropout and an unseeded DataLoader's shuffling draw from) or
  /// gen.get_state(); empty if none. Stored as the U8 tensor "rng_state".
  std::vector<std::uint8_t> rng_state = {};
};

namespace io::detail {

inline std::string format_number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
/// Parses all of `s` as a double, as std::from_chars does (no leading '+' or space, no hex);
/// false if it is not one number or is out of range.
inline bool parse_double(const std::string& s, double& v) {
  if (s.empty()) return false;
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
#else
  // libc++ (16, Apple's) has no floating-point from_chars: strtod, with the syntax from_chars
  // rejects rejected first and '.' given as the C locale's decimal point.
  const char c0 = s[0];
  if (c0 == '+' || c0 == ' ' || (c0 >= '\t' && c0 <= '\r')) return false;
  std::string text;
  for (char c : s) {
    if (c == 'x' || c == 'X' || c == ',') return false;
    if (c == '.')
      text += std::localeconv()->decimal_point;
    else
      text += c;
  }
  char* end = nullptr;
  errno = 0;
  v = std::strtod(text.c_str(), &end);
  // ERANGE on overflow fails, as from_chars's result_out_of_range; a subnormal result is kept.
  return !(errno == ERANGE && std::isinf(v)) && end == text.c_str() + text.size();
#endif
}
inline double parse_number(const std::string& s, const std::string& key, const std::string& path) {
  double v = 0;
  if (!parse_double(s, v))
    throw FormatError(path + ": metadata '" + key + "' should be a number, found '" + s + "'");
  return v;
}
inline std::int64_t parse_index(const std::string& s, const std::string& what,
                                const std::string& path) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || v < 0)
    throw FormatError(path + ": " + what + ": expected a non-negative integer, found '" + s + "'");
  return v;
}
inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}
/// Whether `path` names a PyTorch checkpoint (.pt / .pth): save and load then use
/// PyTorch's torch.save format (io/pt.hpp) instead of safetensors.
inline bool is_pt_path(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension().string();
  return ext == ".pt" || ext == ".pth";
}

/// The tensors of `f` whose names start with `prefix` (removed), as float tensors.
inline nn::StateDict state_dict_of(const SafetensorsFile& f, const std::string& prefix) {
  nn::StateDict sd;
  for (const auto& [name, t] : f.tensors)
    if (starts_with(name, prefix)) sd.insert(name.substr(prefix.size()), to_dtype<float>(t));
  return sd;
}

/// Appends an optimizer state dict's tensors and metadata under `prefix`.
inline void put_optimizer(const optim::OptimizerStateDict& o, const std::string& prefix,
                          std::vector<std::pair<std::string, AnyTensor>>& tensors,
                          std::map<std::string, std::string>& meta) {
  for (const auto& [index, entries] : o.state)
    for (const auto& [name, t] : entries)
      tensors.emplace_back(prefix + "state." + std::to_string(index) + "." + name, t);
  meta[prefix + "param_groups"] = std::to_string(o.param_groups.size());
  for (std::size_t g = 0; g < o.param_groups.size(); ++g) {
    const std::string gp = prefix + "param_groups." + std::to_string(g) + ".";
    std::string params;
    for (auto i : o.param_groups[g].params) {
      if (!params.empty()) params += ',';
      params += std::to_string(i);
    }
    meta[gp + "params"] = params;
    for (const auto& [k, v] : o.param_groups[g].options) meta[gp + k] = format_number(v);
  }
}

/// Reads back what put_optimizer wrote; throws FormatError naming the file.
inline optim::OptimizerStateDict get_optimizer(const SafetensorsFile& f, const std::string& prefix,
                                               const std::string& path) {
  optim::OptimizerStateDict o;
  const auto count_it = f.metadata.find(prefix + "param_groups");
  if (count_it == f.metadata.end())
    throw FormatError(path + ": no optimizer state in this file (metadata '" + prefix +
                      "param_groups' is missing)");
  const auto groups = parse_index(count_it->second, "metadata '" + prefix + "param_groups'", path);
  if (groups > 100000)
    throw FormatError(path + ": implausible number of parameter groups " + count_it->second);
  o.param_groups.resize(static_cast<std::size_t>(groups));
  for (const auto& [key, value] : f.metadata) {
    const std::string gp = prefix + "param_groups.";
    if (!starts_with(key, gp)) continue;
    const auto rest = key.substr(gp.size());
    const auto dot = rest.find('.');
    if (dot == std::string::npos)
      throw FormatError(path + ": malformed metadata key '" + key + "'");
    const auto g =
        parse_index(rest.substr(0, dot), "group index in metadata key '" + key + "'", path);
    if (g >= groups)
      throw FormatError(path + ": metadata key '" + key + "' names group " + std::to_string(g) +
                        " of " + std::to_string(groups));
    auto& group = o.param_groups[static_cast<std::size_t>(g)];
    const auto option = rest.substr(dot + 1);
    if (option == "params") {
      std::size_t start = 0;
      while (start < value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        group.params.push_back(parse_index(value.substr(start, comma - start),
                                           "parameter index in '" + key + "'", path));
        start = comma + 1;
      }
    } else {
      group.options[option] = parse_number(value, key, path);
    }
  }
  const std::string sp = prefix + "state.";
  for (const auto& [name, t] : f.tensors) {
    if (!starts_with(name, sp)) continue;
    const auto rest = name.substr(sp.size());
    const auto dot = rest.find('.');
    if (dot == std::string::npos || dot + 1 == rest.size())
      throw FormatError(path + ": malformed optimizer state key '" + name + "'");
    const auto index = parse_index(rest.substr(0, dot), "parameter index in '" + name + "'", path);
    o.state[index][rest.substr(dot + 1)] = to_dtype<float>(t);
  }
  return o;
}

inline void check_user_metadata(const std::map<std::string, std::string>& metadata,
                                const char* op) {
  for (const auto& [k, v] : metadata)
    for (const char* reserved : {"model.", "optimizer.", "scheduler.", "torchlet.", "param_groups"})
      if (starts_with(k, reserved))
        throw std::invalid_argument(std::string(op) + ": metadata key '" + k +
                                    "' uses the reserved prefix '" + reserved + "'");
}

}  // namespace io::detail

/// Writes a state dict as a safetensors file (keys as they are).
inline void save(const nn::StateDict& state_dict, const std::string& path,
                 const std::map<std::string, std::string>& metadata = {}) {
  io::detail::check_user_metadata(metadata, "save");
  if (io::detail::is_pt_path(path)) {
    if (!metadata.empty())
      throw std::invalid_argument("save: '" + path +
                                  "' is a PyTorch .pt file, which holds no metadata strings "
                                  "(save a dict with io::save_pt(io::PtValue) instead)");
    io::save_pt(state_dict, path);
    return;
  }
  auto meta = metadata;
  meta.emplace("format", "pt");
  meta["torchlet.kind"] = "model";
  detail::write_file_atomic(path, io::serialize(state_dict, meta), "save");
}

/// Writes model.state_dict() (parameters and persistent buffers, PyTorch's keys).
inline void save(const nn::ModuleBase& model, const std::string& path,
                 const std::map<std::string, std::string>& metadata = {}) {
  save(model.state_dict(), path, metadata);
}

/// Reads a state dict (every tensor of the file, converted to float), like torch.load.
inline nn::StateDict load(const std::string& path) {
  if (io::detail::is_pt_path(path)) return io::load_pt(path);
  return io::detail::state_dict_of(io::load_file(path), "");
}

/// Loads a state dict file into `model` with load_state_dict's checks (strict: the keys
/// must match exactly; shapes must always match). Nothing changes when anything is wrong:
/// FormatError for a malformed file, nn::StateDictError (its message prefixed with the
/// path) for keys or shapes that do not fit.
inline nn::IncompatibleKeys load(nn::ModuleBase& model, const std::string& path,
                                 bool strict = true) {
  const nn::StateDict sd = load(path);
  try {
    return model.load_state_dict(sd, strict);
  } catch (const nn::StateDictError& e) {
    throw nn::StateDictError(path + ": " + e.what(), e.missing_keys, e.unexpected_keys,
                             e.size_mismatch_keys);
  }
}

/// Writes optimizer.state_dict() as a safetensors file (layout in the file comment).
inline void save(const optim::Optimizer& optimizer, const std::string& path) {
  if (io::detail::is_pt_path(path)) {
    io::save_pt(io::to_pt_value(optimizer.state_dict()), path);
    return;
  }
  std::vector<std::pair<std::string, io::AnyTensor>> tensors;
  std::map<std::string, std::string> meta{{"torchlet.kind", "optimizer"},
                                          {"optimizer", optimizer.name()}};
  io::detail::put_optimizer(optimizer.state_dict(), "", tensors, meta);
  detail::write_file_atomic(path, io::serialize(tensors, meta), "save");
}

/// Restores an optimizer saved by save(optimizer, path); the file must hold the state of
/// the same algorithm (its name), with the same groups and parameter shapes.
inline void load(optim::Optimizer& optimizer, const std::string& path) {
  if (io::detail::is_pt_path(path)) {  // PyTorch's files do not name the algorithm
    optimizer.load_state_dict(io::optimizer_state_from_pt(io::load_pt_value(path), path));
    return;
  }
  const auto f = io::load_file(path);
  const auto it = f.metadata.find("optimizer");
  if (it == f.metadata.end())
    throw FormatError(path + ": not an optimizer state file (no 'optimizer' metadata)");
  if (it->second != optimizer.name())
    throw std::invalid_argument("load: " + path + " holds the state of a " + it->second +
                                " optimizer, not of " + optimizer.name());
  optimizer.load_state_dict(io::detail::get_optimizer(f, "", path));
}

namespace io {

/// A Checkpoint as PyTorch's usual checkpoint dict: {"model": state_dict, "optimizer":
/// optimizer state_dict (if any), "scheduler": {key: float} (if any), "rng_state": uint8
/// tensor (if any), then each metadata entry as a string}.
inline PtValue to_pt_value(const Checkpoint& ck) {
  PtValue::Dict d;
  d.insert("model", to_pt_value(ck.model));
  if (ck.optimizer) d.insert("optimizer", to_pt_value(*ck.optimizer));
  if (!ck.scheduler.empty()) {
    PtValue::Dict sched;
    for (const auto& [k, v] : ck.scheduler) sched.insert(k, v);
    d.insert("scheduler", std::move(sched));
  }
  if (!ck.rng_state.empty()) {
    auto state = ByteTensor::empty({static_cast<std::int64_t>(ck.rng_state.size())});
    std::copy(ck.rng_state.begin(), ck.rng_state.end(), state.data());
    d.insert("rng_state", state);
  }
  for (const auto& [k, v] : ck.metadata) d.insert(k, v);
  return d;
}

/// A Checkpoint from a PyTorch checkpoint dict: "model" (required; "state_dict" is taken
/// too), "optimizer", "scheduler" (a dict of numbers; others skipped), "rng_state"; every
/// other str, int, float or bool entry becomes metadata text ("epoch" -> "3"), other
/// entries are skipped. Throws FormatError naming `path`.
inline Checkpoint checkpoint_from_pt(const PtValue& v, const std::string& path) {
  if (!v.is<PtValue::Dict>() || !(v.contains("model") || v.contains("state_dict")))
    throw FormatError(path +
                      ": expected a checkpoint dict with a 'model' (or 'state_dict') "
                      "entry, found a " +
                      std::string(PtValue::kind_name(v.v)) +
                      (v.is<PtValue::Dict>() ? " without one" : ""));
  Checkpoint ck;
  const auto& d = v.get<PtValue::Dict>();
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (!d.keys[i].is<std::string>()) continue;
    const auto& k = d.keys[i].get<std::string>();
    const auto& x = d.values[i];
    if (k == "model" || k == "state_dict") {
      ck.model = tensor_dict_of(x, path);
    } else if (k == "optimizer") {
      ck.optimizer = optimizer_state_from_pt(x, path);
    } else if (k == "scheduler" && x.is<PtValue::Dict>()) {
      const auto& sd = x.get<PtValue::Dict>();
      for (std::size_t j = 0; j < sd.size(); ++j) {
        if (!sd.keys[j].is<std::string>()) continue;
        const auto& sv = sd.values[j];
        if (sv.is<double>() || sv.is<std::int64_t>() || sv.is<bool>())
          ck.scheduler[sd.keys[j].get<std::string>()] =
              sv.is<double>()         ? sv.get<double>()
              : sv.is<std::int64_t>() ? static_cast<double>(sv.get<std::int64_t>())
                                      : (sv.get<bool>() ? 1.0 : 0.0);
      }
    } else if (k == "rng_state" && x.is<AnyTensor>()) {
      const auto state = to_dtype<std::uint8_t>(x.get<AnyTensor>());
      ck.rng_state.assign(state.data(), state.data() + state.numel());
    } else if (x.is<std::string>()) {
      ck.metadata[k] = x.get<std::string>();
    } else if (x.is<std::int64_t>()) {
      ck.metadata[k] = std::to_string(x.get<std::int64_t>());
    } else if (x.is<double>()) {
      ck.metadata[k] = detail::format_number(x.get<double>());
    } else if (x.is<bool>()) {
      ck.metadata[k] = x.get<bool>() ? "True" : "False";
    }
  }
  return ck;
}

}  // namespace io

/// Writes a whole checkpoint to one file (prefixes in the file comment; a .pt / .pth path:
/// PyTorch's checkpoint dict, see io::to_pt_value(const Checkpoint&)).
inline void save_checkpoint(const Checkpoint& ck, const std::string& path) {
  io::detail::check_user_metadata(ck.metadata, "save_checkpoint");
  if (io::detail::is_pt_path(path)) {
    io::save_pt(io::to_pt_value(ck), path);
    return;
  }
  std::vector<std::pair<std::string, io::AnyTensor>> tensors;
  auto meta = ck.metadata;
  meta["torchlet.kind"] = "checkpoint";
  for (const auto& [k, t] : ck.model) tensors.emplace_back("model." + k, t);
  if (ck.optimizer) io::detail::put_optimizer(*ck.optimizer, "optimizer.", tensors, meta);
  for (const auto& [k, v] : ck.scheduler) meta["scheduler." + k] = io::detail::format_number(v);
  if (!ck.rng_state.empty()) {
    auto state = ByteTensor::empty({static_cast<std::int64_t>(ck.rng_state.size())});
    std::copy(ck.rng_state.begin(), ck.rng_state.end(), state.data());
    tensors.emplace_back("rng_state", state);
  }
  detail::write_file_atomic(path, io::serialize(tensors, meta), "save_checkpoint");
}

/// The checkpoint held in a parsed safetensors file (load_checkpoint without the file
/// reading; `path` names it in errors). Throws FormatError.
inline Checkpoint checkpoint_from(const io::SafetensorsFile& f, const std::string& path) {
  const auto kind = f.metadata.find("torchlet.kind");
  if (kind == f.metadata.end() || kind->second != "checkpoint")
    throw FormatError(
        path + ": not a checkpoint written by save_checkpoint (metadata 'torchlet.kind' is " +
        (kind == f.metadata.end() ? std::string("missing") : "'" + kind->second + "'") + ")");
  Checkpoint ck;
  ck.model = io::detail::state_dict_of(f, "model.");
  if (f.metadata.count("optimizer.param_groups"))
    ck.optimizer = io::detail::get_optimizer(f, "optimizer.", path);
  for (const auto& [k, v] : f.metadata) {
    if (io::detail::starts_with(k, "scheduler."))
      ck.scheduler[k.substr(10)] = io::detail::parse_number(v, k, path);
    else if (!io::detail::starts_with(k, "optimizer.") && !io::detail::starts_with(k, "torchlet."))
      ck.metadata[k] = v;
  }
  for (const auto& [name, t] : f.tensors) {
    if (name == "rng_state") {
      const auto* state = std::get_if<ByteTensor>(&t);
      if (!state || state->dim() != 1)
        throw FormatError(path + ": tensor 'rng_state' must be a 1-D U8 tensor, found shape " +
                          to_string(io::shape_of(t)));
      ck.rng_state.assign(state->data(), state->data() + state->numel());
    } else if (!io::detail::starts_with(name, "model.") &&
               !io::detail::starts_with(name, "optimizer.")) {
      throw FormatError(
          path + ": unexpected tensor '" + name +
          "' in a checkpoint (expected the prefixes model. and optimizer., or rng_state)");
    }
  }
  return ck;
}

/// Reads a checkpoint written by save_checkpoint (validated as a whole first); a .pt / .pth
/// path reads PyTorch's checkpoint dict (io::checkpoint_from_pt).
inline Checkpoint load_checkpoint(const std::string& path) {
  if (io::detail::is_pt_path(path)) return io::checkpoint_from_pt(io::load_pt_value(path), path);
  return checkpoint_from(io::load_file(path), path);
}

namespace io {
/// torchlet::save under io:: too (io::save(model, "model.pt")): the format follows the
/// extension (.pt / .pth: PyTorch's, anything else: safetensors).
using torchlet::save;
/// torchlet::load under io:: too (io::load(model, "model.pt")), by extension like io::save.
using torchlet::load;
}  // namespace io

}  // namespace torchlet
