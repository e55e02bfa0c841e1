#pragma once
// optim::Optimizer: the interface every optimizer implements - step() and zero_grad() -
// plus what schedulers and checkpoints need: parameter groups with named options
// ("lr", "momentum", "betas.0", ...) and state_dict() / load_state_dict().
//
// Parameters are handles sharing storage with the model's, so step() updates the model
// in place. optim::OptimizerBase<Options, State> implements the groups and the state
// bookkeeping for an algorithm's Options struct and per-parameter State.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/fields.hpp"
#include "torchlet/tensor.hpp"

namespace torchlet::optim {

/// optimizer.state_dict() in PyTorch's layout: per-parameter state keyed by the
/// parameter's index counted through the groups in order ({"step", "exp_avg", ...}),
/// and each group's options and parameter indices.
struct OptimizerStateDict {
  /// One parameter group: its options and the indices of its parameters.
  struct Group {
    std::map<std::string, double> options;  ///< booleans as 0 / 1; "betas.0", "betas.1" for tuples
    std::vector<std::int64_t>
        params;  ///< Indices of the group's parameters, counted through all groups.
  };
  /// Per-parameter state by parameter index: name ("momentum_buffer", "exp_avg", ...) -> tensor.
  std::map<std::int64_t, std::map<std::string, Tensor>> state;
  /// The groups, in order.
  std::vector<Group> param_groups;
};

/// A group of parameters trained with their own options (PyTorch's {'params': ..., 'lr': ...}).
/// As in Python, the group's options override the optimizer's defaults only where they were
/// given: `{params, SGDOptions{.momentum = 0.5}}` takes lr and the rest from the defaults
/// (the option fields are Option<T>, which remember whether they were given).
template <class Options>
struct ParamGroup {
  /// The group's parameters.
  std::vector<Tensor> params;
  /// The group's options (the fields given override the defaults); nullopt: the defaults.
  std::optional<Options> options = std::nullopt;
};

}  // namespace torchlet::optim

namespace torchlet::optim {

/// Base class of the optimizers (torch.optim.Optimizer): step(), zero_grad(), options by
/// name, state_dict(). Hold any optimizer as std::unique_ptr<Optimizer> to choose one at run time.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Applies one update from the parameters' current gradients.
  virtual void step() = 0;
  /// step(closure) as in PyTorch: calls the closure (which clears the gradients, computes the
  /// loss and runs backward; graph recording on), updates, and returns the closure's loss.
  /// LBFGS calls it several times. A class derived from an optimizer that declares step()
  /// brings this overload back with `using Optimizer::step;`.
  virtual Tensor step(const std::function<Tensor()>& closure) {
    Tensor loss;
    {
      const bool prev = is_grad_enabled();
      set_grad_enabled(true);
      try {
        loss = closure();
      } catch (...) {
        set_grad_enabled(prev);
        throw;
      }
      set_grad_enabled(prev);
    }
    step();
    return loss;
  }
  /// Clears gradients: drops them (set_to_none, PyTorch's default) or zeroes them.
  void zero_grad(bool set_to_none = true) {
    NoGradGuard no_grad;
    for (std::size_t g = 0; g < num_param_groups(); ++g)
      for (auto& p : group_params(g)) {
        if (!p.grad().defined()) continue;
        if (set_to_none)
          p.set_grad({});
        else
          p.grad().zero_();
      }
  }
  /// Every parameter, group after group.
  std::vector<Tensor> parameters() const {
    std::vector<Tensor> out;
    for (std::size_t g = 0; g < num_param_groups(); ++g)
      out.insert(out.end(), group_params(g).begin(), group_params(g).end());
    return out;
  }

  /// Number of parameter groups.
  virtual std::size_t num_param_groups() const = 0;
  /// The parameters of a group.
  virtual const std::vector<Tensor>& group_params(std::size_t group) const = 0;
  /// Whether the optimizer has an option of this name ("momentum", "betas.0", ...).
  virtual bool has_option(const std::string& name) const = 0;
  /// The option `name` of a group (param_groups[group][name]); throws std::out_of_range if absent.
  virtual double get_option(std::size_t group, const std::string& name) const = 0;
  /// Sets the option `name` of a group (param_groups[group][name] = value); throws
  /// std::out_of_range if absent.
  virtual void set_option(std::size_t group, const std::string& name, double value) = 0;
  /// The learning rate of a group.
  double get_lr(std::size_t group = 0) const { return get_option(group, "lr"); }
  /// Sets the learning rate of a group (what the schedulers do).
  void set_lr(std::size_t group, double lr) { set_option(group, "lr", lr); }

  /// Options and per-parameter state, as PyTorch's optimizer.state_dict().
  virtual OptimizerStateDict state_dict() const = 0;
  /// Restores options and state saved by state_dict(); the groups must have the same
  /// sizes and the state the parameters' shapes, else throws and changes nothing.
  virtual void load_state_dict(const OptimizerStateDict& dict) = 0;
  /// "SGD", "Adam", ...
  virtual std::string name() const = 0;

  /// Each group's learning rate when the first scheduler was made on this optimizer
  /// (PyTorch's param_groups[g]['initial_lr']): the base_lrs of every scheduler after it.
  std::vector<double> initial_lrs;

 protected:
  Optimizer() = default;
};

/// Groups and state for an algorithm with options `Options` and per-parameter `State`,
/// aggregates that each list their fields once in a `fields()` member (see fields.hpp).
template <class Options, class State>
class OptimizerBase : public Optimizer {
 public:
  /// A parameter group with its options.
  struct Group {
    /// The group's parameters.
    std::vector<Tensor> params;
    /// The group's options.
    Options options;
  };
  /// The groups, as in PyTorch: opt.param_groups[0].options.lr = 0.01.
  std::vector<Group> param_groups;
  /// Options of groups given without their own.
  Options defaults;

  /// Adds a group (PyTorch's add_param_group); its parameters must not be in another group.
  /// The options the group was not given are the optimizer's defaults.
  void add_param_group(ParamGroup<Options> group) {
    Group g{std::move(group.params), defaults};
    if (group.options) {
      auto given = group.options->fields();
      auto merged = g.options.fields();
      for (std::size_t i = 0; i < given.size(); ++i)
        if (given[i].is_given()) merged[i].set(given[i].get());
    }
    detail::check_options(g.options, name_);
    for (std::size_t i = 0; i < g.params.size(); ++i) {
      const Tensor& p = g.params[i];
      if (!p.defined())
        throw std::invalid_argument(name_ + ": parameter " + std::to_string(i) + " of group " +
                                    std::to_string(param_groups.size()) +
                                    " is an undefined tensor");
      if (!p.is_leaf())
        throw std::invalid_argument(name_ + ": can't optimize a non-leaf Tensor (parameter " +
                                    std::to_string(i) + " of group " +
                                    std::to_string(param_groups.size()) + ")");
      for (auto& other : param_groups)
        for (auto& q : other.params)
          if (q.is_same(p))
            throw std::invalid_argument(
                name_ + ": some parameters appear in more than one parameter group");
    }
    param_groups.push_back(std::move(g));
    state_.emplace_back(param_groups.back().params.size());
  }

  /// "SGD", "Adam", ...
  std::string name() const override { return name_; }
  /// Number of parameter groups.
  std::size_t num_param_groups() const override { return param_groups.size(); }
  /// The parameters of group g.
  const std::vector<Tensor>& group_params(std::size_t g) const override {
    return group_at(g).params;
  }
  /// Whether Options has a field of this name.
  bool has_option(const std::string& key) const override {
    Options o = defaults;
    for (auto& f : o.fields())
      if (key == f.name) return true;
    return false;
  }
  /// The option `key` of group g; throws std::out_of_range if there is none.
  double get_option(std::size_t g, const std::string& key) const override {
    Options o = group_at(g).options;
    return field(o, key).get();
  }
  /// Sets the option `key` of group g; throws std::out_of_range if there is none.
  void set_option(std::size_t g, const std::string& key, double value) override {
    group_at(g);
    field(param_groups[g].options, key).set(value);
  }

  /// Options and per-parameter state, as PyTorch's optimizer.state_dict().
  OptimizerStateDict state_dict() const override {
    OptimizerStateDict out;
    std::int64_t index = 0;
    for (std::size_t g = 0; g < param_groups.size(); ++g) {
      OptimizerStateDict::Group grp;
      Options o = param_groups[g].options;
      for (auto& f : o.fields()) grp.options[f.name] = f.get();
      for (std::size_t i = 0; i < param_groups[g].params.size(); ++i, ++index) {
        grp.params.push_back(index);
        if (g < state_.size() && i < state_[g].size()) {
          auto m = detail::state_to_map(state_[g][i]);
          if (!m.empty()) {
            for (auto& [k, v] : m) v = v.clone();
            out.state[index] = std::move(m);
          }
        }
      }
      out.param_groups.push_back(std::move(grp));
    }
    return out;
  }

  /// Restores a state_dict(); throws (changing nothing) if groups or shapes differ.
  void load_state_dict(const OptimizerStateDict& dict) override {
    if (dict.param_groups.size() != param_groups.size())
      throw std::invalid_argument(
          name() + "::load_state_dict: the state has " + std::to_string(dict.param_groups.size()) +
          " parameter groups, the optimizer " + std::to_string(param_groups.size()));
    std::vector<Options> options;
    std::vector<std::vector<State>> state;
    std::int64_t index = 0;
    for (std::size_t g = 0; g < param_groups.size(); ++g) {
      const auto& saved = dict.param_groups[g];
      const auto& params = param_groups[g].params;
      if (saved.params.size() != params.size())
        throw std::invalid_argument(name() + "::load_state_dict: group " + std::to_string(g) +
                                    " has " + std::to_string(saved.params.size()) +
                                    " parameters in the state, " + std::to_string(params.size()) +
                                    " in the optimizer");
      Options o = param_groups[g].options;
      for (auto& f : o.fields()) {
        auto it = saved.options.find(f.name);
        if (it == saved.options.end())
          throw std::invalid_argument(name() + "::load_state_dict: group " + std::to_string(g) +
                                      " lacks option '" + f.name + "'");
        f.set(it->second);
      }
      detail::check_options(o, name_);
      options.push_back(o);
      state.emplace_back(params.size());
      for (std::size_t i = 0; i < params.size(); ++i, ++index) {
        auto it = dict.state.find(saved.params[i]);
        if (it == dict.state.end()) continue;
        std::map<std::string, Tensor> m;
        for (auto& [k, v] : it->second) {
          if (!scalar_state(k) && v.shape() != params[i].shape())
            throw ShapeError(name() + "::load_state_dict: state '" + k + "' of parameter " +
                             std::to_string(index) + " has shape " + to_string(v.shape()) +
                             ", the parameter " + to_string(params[i].shape()));
          m[k] = v.clone();
        }
        state.back()[i] = detail::state_from_map<State>(m);
      }
    }
    for (std::size_t g = 0; g < param_groups.size(); ++g) param_groups[g].options = options[g];
    state_ = std::move(state);
  }

 protected:
  /// One group of `params` with `options`.
  OptimizerBase(std::string name, std::vector<Tensor> params, Options options)
      : defaults(options), name_(std::move(name)) {
    detail::check_options(defaults, name_);
    add_param_group({std::move(params), std::nullopt});
  }
  /// Several groups; those without options take `options` (the defaults).
  OptimizerBase(std::string name, std::vector<ParamGroup<Options>> groups, Options options)
      : defaults(options), name_(std::move(name)) {
    detail::check_options(defaults, name_);
    for (auto& g : groups) add_param_group(std::move(g));
  }

  /// Calls fn(param, grad, state, options) for every parameter with a gradient.
  template <class F>
  void for_each_param(F fn) {
    NoGradGuard no_grad;
    for (std::size_t g = 0; g < param_groups.size(); ++g) {
      auto& group = param_groups[g];
      if (state_.size() <= g) state_.resize(g + 1);
      if (state_[g].size() < group.params.size()) state_[g].resize(group.params.size());
      for (std::size_t i = 0; i < group.params.size(); ++i) {
        const Tensor& p = group.params[i];
        const Tensor grad = p.grad();
        if (!grad.defined()) continue;
        fn(p, grad, state_[g][i], group.options);
        // An in-place update, as PyTorch's p.add_(...): a graph kept with retain_graph that
        // saved p now fails at backward instead of using the new values.
        torchlet::detail::bump_version(p);
      }
    }
  }

 private:
  const Group& group_at(std::size_t g) const {
    if (g >= param_groups.size())
      throw std::out_of_range(name() + ": parameter group " + std::to_string(g) +
                              " does not exist (" + std::to_string(param_groups.size()) +
                              " groups)");
    return param_groups[g];
  }
  static bool scalar_state(const std::string& key) {
    State s;
    for (const StateField& f : s.fields())
      if (key == f.name) return f.tensor == nullptr;
    return false;
  }
  OptionField field(Options& o, const std::string& key) const {
    for (auto& f : o.fields())
      if (key == f.name) return f;
    throw std::out_of_range(name() + " has no option '" + key + "'");
  }

  std::string name_;
  std::vector<std::vector<State>> state_;
};

}  // namespace torchlet::optim
