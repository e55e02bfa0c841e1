#pragma once
// optim::LBFGS, PyTorch's L-BFGS (after minFunc): step(closure) runs up to max_iter
// iterations, each a two-loop recursion over the last history_size (s, y) pairs for the
// direction d, then a fixed step t = lr (the first iteration: min(1, 1 / |g|_1) * lr) or a
// strong-Wolfe line search. The parameters are treated as one flat vector (float32); the
// scalars are doubles.
#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/detail/eigen.hpp"
#include "torchlet/detail/namespaces.hpp"
#include "torchlet/optim/optimizer.hpp"

namespace torchlet::optim {

/// Fields in the order of torch.optim.LBFGS's arguments.
struct LBFGSOptions {
  Option<double> lr = Default{1.0};               ///< Step length (scales the direction).
  Option<std::int64_t> max_iter = Default{20};    ///< Iterations per step().
  Option<std::int64_t> max_eval = Default{0};     ///< Closure calls per step (0: max_iter * 5 / 4).
  Option<double> tolerance_grad = Default{1e-7};  ///< Stop when max |gradient| is this small.
  Option<double> tolerance_change = Default{1e-9};   ///< Stop when loss or step change this little.
  Option<std::int64_t> history_size = Default{100};  ///< (s, y) pairs kept.
  /// "" (PyTorch's None: a fixed step) or "strong_wolfe" (a line search). Not a numeric
  /// option: absent from state_dict's groups, as strings are (LBFGS has one group).
  std::string line_search_fn{};

  /// Every numeric option once, with PyTorch's name and valid range (fields.hpp).
  std::vector<OptionField> fields() {
    return {option("lr", lr, OptionRange::nonnegative, "invalid learning rate"),
            option("max_iter", max_iter, OptionRange::nonnegative, "invalid max_iter value"),
            option("max_eval", max_eval, OptionRange::nonnegative, "invalid max_eval value"),
            option("tolerance_grad", tolerance_grad),
            option("tolerance_change", tolerance_change),
            option("history_size", history_size, OptionRange::nonnegative,
                   "invalid history_size value")};
  }
  /// line_search_fn must be "" or "strong_wolfe".
  void check_more(const std::string& op) const {
    if (!line_search_fn.empty() && line_search_fn != "strong_wolfe")
      throw std::invalid_argument(
          op + ": line_search_fn must be \"\" (none) or \"strong_wolfe\", got \"" + line_search_fn +
          "\"");
  }
};

/// LBFGS keeps its state for the whole flat parameter vector (see LBFGS::state_dict), none
/// per parameter.
struct LBFGSState {
  /// No per-parameter entries.
  std::vector<StateField> fields() { return {}; }
};

/// torch.optim.LBFGS: one parameter group; step(closure) only, as in PyTorch.
template <class = void>
class LBFGSImpl : public OptimizerBase<LBFGSOptions, LBFGSState> {
 public:
  using Optimizer::step;
  /// optim::LBFGS opt(model.parameters(), {.lr = 1, .history_size = 10, .line_search_fn =
  /// "strong_wolfe"});
  LBFGSImpl(std::vector<Tensor> params, LBFGSOptions options = {})
      : OptimizerBase("LBFGS", std::move(params), resolve(std::move(options))) {}

  /// L-BFGS needs to reevaluate the model: call step(closure).
  void step() override {
    throw std::invalid_argument(
        "LBFGS::step: L-BFGS reevaluates the model several times per step: call "
        "step(closure) with a closure that clears the gradients, computes the loss, runs "
        "backward and returns the loss");
  }

  /// Up to max_iter L-BFGS iterations; returns the closure's first loss (as PyTorch).
  Tensor step(const std::function<Tensor()>& closure) override {
    if (param_groups.size() != 1)
      throw std::invalid_argument("LBFGS doesn't support per-parameter options (parameter groups)");
    const LBFGSOptions& o = param_groups[0].options;
    const double lr = o.lr, tolerance_grad = o.tolerance_grad,
                 tolerance_change = o.tolerance_change;
    const std::int64_t max_iter = o.max_iter, max_eval = o.max_eval, history_size = o.history_size;
    NoGradGuard no_grad;
    Tensor orig_loss = evaluate(closure);
    double loss = orig_loss.item();
    std::int64_t current_evals = 1;
    ++func_evals_;
    Vec flat_grad = gather_flat_grad();
    bool opt_cond = flat_grad.abs().maxCoeff() <= tolerance_grad;
    if (opt_cond) return orig_loss;

    std::int64_t n_iter = 0;
    while (n_iter < max_iter) {
      ++n_iter;
      ++n_iter_total_;
      if (n_iter_total_ == 1) {
        d_ = -flat_grad;
        old_dirs_.clear();
        old_stps_.clear();
        ro_.clear();
        H_diag_ = 1.0;
      } else {
        const Vec y = flat_grad - prev_flat_grad_;
        const Vec s = d_ * static_cast<float>(t_);
        const double ys = dot(y, s);
        if (ys > 1e-10) {
          if (static_cast<std::int64_t>(old_dirs_.size()) == history_size) {
            old_dirs_.pop_front();
            old_stps_.pop_front();
            ro_.pop_front();
          }
          old_dirs_.push_back(y);
          old_stps_.push_back(s);
          ro_.push_back(1.0 / ys);
          H_diag_ = ys / dot(y, y);
        }
        // The two-loop recursion: d = -H g.
        const std::size_t num_old = old_dirs_.size();
        std::vector<double> al(num_old);
        Vec q = -flat_grad;
        for (std::size_t k = num_old; k-- > 0;) {
          al[k] = dot(old_stps_[k], q) * ro_[k];
          q += static_cast<float>(-al[k]) * old_dirs_[k];
        }
        Vec r = q * static_cast<float>(H_diag_);
        for (std::size_t k = 0; k < num_old; ++k) {
          const double be = dot(old_dirs_[k], r) * ro_[k];
          r += static_cast<float>(al[k] - be) * old_stps_[k];
        }
        d_ = std::move(r);
      }
      prev_flat_grad_ = flat_grad;
      prev_loss_ = loss;
      if (n_iter_total_ == 1)
        t_ = std::min(1.0, 1.0 / static_cast<double>(flat_grad.abs().sum())) * lr;
      else
        t_ = lr;
      const double gtd = dot(flat_grad, d_);
      if (gtd > -tolerance_change) break;

      std::int64_t ls_func_evals = 0;
      if (o.line_search_fn == "strong_wolfe") {
        const std::vector<Tensor> x_init = clone_params();
        auto [f_new, g_new, t, evals] =
            strong_wolfe(closure, x_init, t_, d_, loss, flat_grad, gtd, tolerance_change);
        loss = f_new;
        flat_grad = std::move(g_new);
        t_ = t;
        ls_func_evals = evals;
        add_grad(t_, d_);
        opt_cond = flat_grad.abs().maxCoeff() <= tolerance_grad;
      } else {
        add_grad(t_, d_);
        if (n_iter != max_iter) {
          loss = evaluate(closure).item();
          flat_grad = gather_flat_grad();
          opt_cond = flat_grad.abs().maxCoeff() <= tolerance_grad;
          ls_func_evals = 1;
        }
      }
      current_evals += ls_func_evals;
      func_evals_ += ls_func_evals;
      if (n_iter == max_iter || current_evals >= max_eval || opt_cond) break;
      if ((d_ * static_cast<float>(t_)).abs().maxCoeff() <= tolerance_change) break;
      if (std::abs(loss - prev_loss_) < tolerance_change) break;
    }
    return orig_loss;
  }

  /// The options, and LBFGS's state under parameter 0 as PyTorch keeps it (state[params[0]]):
  /// "func_evals", "n_iter", "d", "t", "H_diag", "prev_flat_grad", "prev_loss", and the
  /// history "old_dirs", "old_stps" ([k, numel] tensors where PyTorch has lists) and "ro" ([k]).
  OptimizerStateDict state_dict() const override {
    auto out = OptimizerBase::state_dict();
    if (n_iter_total_ == 0 && func_evals_ == 0) return out;
    auto& m = out.state[0];
    m["func_evals"] = scalar_tensor<float>(static_cast<float>(func_evals_));
    m["n_iter"] = scalar_tensor<float>(static_cast<float>(n_iter_total_));
    m["t"] = scalar_tensor<float>(static_cast<float>(t_));
    m["H_diag"] = scalar_tensor<float>(static_cast<float>(H_diag_));
    m["prev_loss"] = scalar_tensor<float>(static_cast<float>(prev_loss_));
    m["d"] = to_tensor(d_);
    m["prev_flat_grad"] = to_tensor(prev_flat_grad_);
    m["old_dirs"] = stack_history(old_dirs_);
    m["old_stps"] = stack_history(old_stps_);
    Tensor ro = zeros<float>({static_cast<std::int64_t>(ro_.size())});
    for (std::size_t k = 0; k < ro_.size(); ++k) ro.data()[k] = static_cast<float>(ro_[k]);
    m["ro"] = ro;
    return out;
  }

  /// Restores a state_dict() (options and the history); throws, changing nothing, if the
  /// sizes differ.
  void load_state_dict(const OptimizerStateDict& dict) override {
    OptimizerStateDict options_only = dict;
    options_only.state.clear();
    const std::int64_t n = numel();
    auto it = dict.state.find(0);
    if (it != dict.state.end()) {
      const auto& m = it->second;
      auto get = [&](const char* key) -> const Tensor& {
        auto f = m.find(key);
        if (f == m.end())
          throw std::invalid_argument(std::string("LBFGS::load_state_dict: the state lacks '") +
                                      key + "'");
        return f->second;
      };
      for (const char* key : {"d", "prev_flat_grad"})
        if (get(key).numel() != n)
          throw ShapeError(std::string("LBFGS::load_state_dict: state '") + key + "' has " +
                           std::to_string(get(key).numel()) + " elements, the parameters " +
                           std::to_string(n));
      const Tensor& dirs = get("old_dirs");
      const Tensor& stps = get("old_stps");
      const Tensor& ro = get("ro");
      const std::int64_t k = ro.numel();
      if (dirs.numel() != k * n || stps.numel() != k * n)
        throw ShapeError("LBFGS::load_state_dict: the history has " + std::to_string(k) +
                         " pairs, but old_dirs/old_stps hold " + std::to_string(dirs.numel()) +
                         "/" + std::to_string(stps.numel()) + " elements (expected " +
                         std::to_string(k * n) + ")");
      OptimizerBase::load_state_dict(options_only);
      func_evals_ = static_cast<std::int64_t>(get("func_evals").item());
      n_iter_total_ = static_cast<std::int64_t>(get("n_iter").item());
      t_ = get("t").item();
      H_diag_ = get("H_diag").item();
      prev_loss_ = get("prev_loss").item();
      d_ = from_tensor(get("d"), 0, n);
      prev_flat_grad_ = from_tensor(get("prev_flat_grad"), 0, n);
      old_dirs_.clear();
      old_stps_.clear();
      ro_.clear();
      for (std::int64_t i = 0; i < k; ++i) {
        old_dirs_.push_back(from_tensor(dirs, i * n, n));
        old_stps_.push_back(from_tensor(stps, i * n, n));
        ro_.push_back(ro.data()[i]);
      }
    } else {
      OptimizerBase::load_state_dict(options_only);
      reset();
    }
  }

 private:
  using Vec = Eigen::ArrayXf;
  struct Search {
    double f;
    Vec g;
    double t;
    std::int64_t evals;
  };

  static LBFGSOptions resolve(LBFGSOptions o) {
    if (!o.max_eval.given() || o.max_eval == 0) o.max_eval = o.max_iter * 5 / 4;
    return o;
  }
  // Forgets the run (load_state_dict of a state_dict without LBFGS's state).
  void reset() {
    func_evals_ = n_iter_total_ = 0;
    d_ = prev_flat_grad_ = Vec();
    old_dirs_.clear();
    old_stps_.clear();
    ro_.clear();
  }

  static double dot(const Vec& a, const Vec& b) {
    return static_cast<float>((a.cast<double>() * b.cast<double>()).sum());
  }
  static Tensor evaluate(const std::function<Tensor()>& closure) {
    const bool prev = is_grad_enabled();
    set_grad_enabled(true);
    Tensor loss;
    try {
      loss = closure();
    } catch (...) {
      set_grad_enabled(prev);
      throw;
    }
    set_grad_enabled(prev);
    if (!loss.defined() || loss.numel() != 1)
      throw std::invalid_argument("LBFGS::step: the closure must return the loss (one element)");
    return loss;
  }
  const std::vector<Tensor>& params() const { return param_groups[0].params; }
  std::int64_t numel() const {
    std::int64_t n = 0;
    for (auto& p : params()) n += p.numel();
    return n;
  }
  Vec gather_flat_grad() const {
    Vec g = Vec::Zero(numel());
    std::int64_t offset = 0;
    for (auto& p : params()) {
      if (p.grad().defined())
        g.segment(offset, p.numel()) = torchlet::detail::camap(p.grad().data(), p.numel());
      offset += p.numel();
    }
    return g;
  }
  void add_grad(double step, const Vec& update) const {
    std::int64_t offset = 0;
    const auto a = static_cast<float>(step);
    for (auto& p : params()) {
      torchlet::detail::amap(p.data(), p.numel()) += a * update.segment(offset, p.numel());
      torchlet::detail::bump_version(p);
      offset += p.numel();
    }
  }
  std::vector<Tensor> clone_params() const {
    std::vector<Tensor> out;
    for (auto& p : params()) out.push_back(p.detach().clone());
    return out;
  }
  void set_params(const std::vector<Tensor>& x) const {
    for (std::size_t i = 0; i < x.size(); ++i) {
      torchlet::detail::amap(params()[i].data(), x[i].numel()) =
          torchlet::detail::camap(x[i].data(), x[i].numel());
      torchlet::detail::bump_version(params()[i]);
    }
  }
  std::pair<double, Vec> directional_evaluate(const std::function<Tensor()>& closure,
                                              const std::vector<Tensor>& x, double t,
                                              const Vec& d) const {
    add_grad(t, d);
    const double loss = evaluate(closure).item();
    Vec g = gather_flat_grad();
    set_params(x);
    return {loss, std::move(g)};
  }
  static Tensor to_tensor(const Vec& v) {
    Tensor t = zeros<float>({static_cast<std::int64_t>(v.size())});
    torchlet::detail::amap(t.data(), t.numel()) = v;
    return t;
  }
  static Vec from_tensor(const Tensor& t, std::int64_t offset, std::int64_t n) {
    return torchlet::detail::camap(t.data() + offset, n);
  }
  Tensor stack_history(const std::deque<Vec>& h) const {
    const std::int64_t n = numel();
    Tensor t = zeros<float>({static_cast<std::int64_t>(h.size()), n});
    for (std::size_t k = 0; k < h.size(); ++k)
      torchlet::detail::amap(t.data() + static_cast<std::int64_t>(k) * n, n) = h[k];
    return t;
  }

  // The minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to the bounds.
  static double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                                  std::optional<std::pair<double, double>> bounds) {
    const auto [lo, hi] = bounds ? *bounds : (x1 <= x2 ? std::pair{x1, x2} : std::pair{x2, x1});
    const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
    const double d2_square = d1 * d1 - g1 * g2;
    if (d2_square >= 0) {
      const double d2 = std::sqrt(d2_square);
      const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                      : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
      return std::min(std::max(min_pos, lo), hi);
    }
    return (lo + hi) / 2.0;
  }

  // PyTorch's _strong_wolfe (c1 = 1e-4, c2 = 0.9, at most 25 evaluations).
  Search strong_wolfe(const std::function<Tensor()>& closure, const std::vector<Tensor>& x,
                      double t, const Vec& d, double f, const Vec& g, double gtd,
                      double tolerance_change) const {
    const double c1 = 1e-4, c2 = 0.9;
    const int max_ls = 25;
    const double d_norm = d.abs().maxCoeff();
    auto [f_new, g_new] = directional_evaluate(closure, x, t, d);
    std::int64_t ls_func_evals = 1;
    double gtd_new = dot(g_new, d);
    double t_prev = 0, f_prev = f, gtd_prev = gtd;
    Vec g_prev = g;
    bool done = false;
    int ls_iter = 0;
    std::vector<double> bracket, bracket_f, bracket_gtd;
    std::vector<Vec> bracket_g;
    while (ls_iter < max_ls) {
      if (f_new > (f + c1 * t * gtd) || (ls_iter > 1 && f_new >= f_prev)) {
        bracket = {t_prev, t};
        bracket_f = {f_prev, f_new};
        bracket_g = {g_prev, g_new};
        bracket_gtd = {gtd_prev, gtd_new};
        break;
      }
      if (std::abs(gtd_new) <= -c2 * gtd) {
        bracket = {t};
        bracket_f = {f_new};
        bracket_g = {g_new};
        done = true;
        break;
      }
      if (gtd_new >= 0) {
        bracket = {t_prev, t};
        bracket_f = {f_prev, f_new};
        bracket_g = {g_prev, g_new};
        bracket_gtd = {gtd_prev, gtd_new};
        break;
      }
      const double min_step = t + 0.01 * (t - t_prev), max_step = t * 10;
      const double tmp = t;
      t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                            std::pair{min_step, max_step});
      t_prev = tmp;
      f_prev = f_new;
      g_prev = g_new;
      gtd_prev = gtd_new;
      std::tie(f_new, g_new) = directional_evaluate(closure, x, t, d);
      ++ls_func_evals;
      gtd_new = dot(g_new, d);
      ++ls_iter;
    }
    if (ls_iter == max_ls) {
      bracket = {0, t};
      bracket_f = {f, f_new};
      bracket_g = {g, g_new};
      bracket_gtd = {gtd, gtd_new};
    }
    bool insuf_progress = false;
    std::size_t low = bracket_f.front() <= bracket_f.back() ? 0 : 1, high = 1 - low;
    while (!done && ls_iter < max_ls) {
      if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
      t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                            bracket_gtd[1], std::nullopt);
      const double hi_b = std::max(bracket[0], bracket[1]), lo_b = std::min(bracket[0], bracket[1]);
      const double eps = 0.1 * (hi_b - lo_b);
      if (std::min(hi_b - t, t - lo_b) < eps) {
        if (insuf_progress || t >= hi_b || t <= lo_b) {
          t = std::abs(t - hi_b) < std::abs(t - lo_b) ? hi_b - eps : lo_b + eps;
          insuf_progress = false;
        } else {
          insuf_progress = true;
        }
      } else {
        insuf_progress = false;
      }
      std::tie(f_new, g_new) = directional_evaluate(closure, x, t, d);
      ++ls_func_evals;
      gtd_new = dot(g_new, d);
      ++ls_iter;
      if (f_new > (f + c1 * t * gtd) || f_new >= bracket_f[low]) {
        bracket[high] = t;
        bracket_f[high] = f_new;
        bracket_g[high] = g_new;
        bracket_gtd[high] = gtd_new;
        low = bracket_f[0] <= bracket_f[1] ? 0 : 1;
        high = 1 - low;
      } else {
        if (std::abs(gtd_new) <= -c2 * gtd) {
          done = true;
        } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
          bracket[high] = bracket[low];
          bracket_f[high] = bracket_f[low];
          bracket_g[high] = bracket_g[low];
          bracket_gtd[high] = bracket_gtd[low];
        }
        bracket[low] = t;
        bracket_f[low] = f_new;
        bracket_g[low] = g_new;
        bracket_gtd[low] = gtd_new;
      }
    }
    if (bracket.size() == 1) low = 0;
    return {bracket_f[low], bracket_g[low], bracket[low], ls_func_evals};
  }

  std::int64_t func_evals_ = 0, n_iter_total_ = 0;
  Vec d_, prev_flat_grad_;
  double t_ = 0, H_diag_ = 1, prev_loss_ = 0;
  std::deque<Vec> old_dirs_, old_stps_;
  std::deque<double> ro_;
};
/// LBFGS: see LBFGSImpl.
using LBFGS = LBFGSImpl<>;

}  // namespace torchlet::optim
