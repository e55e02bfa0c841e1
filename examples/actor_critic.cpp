// pytorch/examples' reinforcement_learning/actor_critic.py, ported line for line: one network
// with an actor head (a softmax policy over the two pushes) and a critic head (the state's
// value), actions sampled from distributions::Categorical, the policy loss -log_prob *
// advantage plus a smooth L1 value loss on the normalised discounted returns, Adam (lr 3e-2).
//
//   build/examples/actor_critic [--gamma 0.99] [--seed 543] [--log-interval 10]
//                               [--reward-threshold 475] [--max-episodes 0]
//
// The environment is CartPole written here (gym is Python): the cart-pole of Barto, Sutton
// and Anderson (1983), with CartPole-v1's constants, limits (12 degrees, 2.4 m), 500-step
// episodes and reward threshold (475). Its resets draw from a Generator seeded with --seed, so
// a run is deterministic. Differences from the original: no --render, and --reward-threshold
// and --max-episodes (0: run until solved, as the original) for short runs.
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;
namespace F = torchlet::nn::functional;

// Cart Pole: state (x, x_dot, theta, theta_dot); action 0 pushes left, 1 right; reward 1 per
// step until the pole falls past 12 degrees, the cart leaves [-2.4, 2.4], or 500 steps pass.
class CartPole {
 public:
  explicit CartPole(std::uint64_t seed) : gen_(seed) {}

  std::vector<float> reset() {
    for (auto& s : state_) s = gen_.uniform() * 0.1 - 0.05;  // uniform in [-0.05, 0.05)
    steps_ = 0;
    return observation();
  }

  struct Step {
    std::vector<float> state;
    double reward;
    bool terminated, truncated;
  };

  // One Euler step of tau seconds under a force of +-10 N.
  Step step(std::int64_t action) {
    constexpr double gravity = 9.8, masscart = 1.0, masspole = 0.1;
    constexpr double total_mass = masscart + masspole;
    constexpr double length = 0.5;  // half the pole's length
    constexpr double polemass_length = masspole * length;
    constexpr double force_mag = 10.0, tau = 0.02;
    auto& [x, x_dot, theta, theta_dot] = state_;
    const double force = action == 1 ? force_mag : -force_mag;
    const double c = std::cos(theta), s = std::sin(theta);
    const double temp = (force + polemass_length * theta_dot * theta_dot * s) / total_mass;
    const double thetaacc =
        (gravity * s - c * temp) / (length * (4.0 / 3.0 - masspole * c * c / total_mass));
    const double xacc = temp - polemass_length * thetaacc * c / total_mass;
    x += tau * x_dot;
    x_dot += tau * xacc;
    theta += tau * theta_dot;
    theta_dot += tau * thetaacc;
    ++steps_;
    const double theta_threshold = 12 * 2 * std::numbers::pi / 360, x_threshold = 2.4;
    const bool terminated =
        x < -x_threshold || x > x_threshold || theta < -theta_threshold || theta > theta_threshold;
    return {observation(), 1.0, terminated, steps_ >= kMaxSteps};
  }

  static constexpr std::int64_t kMaxSteps = 500;  // CartPole-v1's time limit

 private:
  std::vector<float> observation() const {
    return {static_cast<float>(state_[0]), static_cast<float>(state_[1]),
            static_cast<float>(state_[2]), static_cast<float>(state_[3])};
  }
  Generator gen_;
  std::array<double, 4> state_{};
  std::int64_t steps_ = 0;
};

struct SavedAction {
  Tensor log_prob, value;
};

// implements both actor and critic in one model: state [4] -> (action probabilities [2],
// state value [1])
struct Policy : nn::ModuleFor<std::tuple<Tensor, Tensor>(const Tensor&)> {
  nn::Linear affine1{4, 128};
  // actor's layer
  nn::Linear action_head{128, 2};
  // critic's layer
  nn::Linear value_head{128, 1};
  // action & reward buffer
  std::vector<SavedAction> saved_actions;
  std::vector<double> rewards;

  Policy() {
    register_module("affine1", affine1);
    register_module("action_head", action_head);
    register_module("value_head", value_head);
  }

  // forward of both actor and critic
  std::tuple<Tensor, Tensor> forward(const Tensor& input) override {
    auto x = F::relu(affine1(input));
    // actor: chooses the action to take from state s_t by returning the probability of each
    auto action_prob = F::softmax(action_head(x), -1);
    // critic: evaluates being in the state s_t
    auto state_values = value_head(x);
    return {action_prob, state_values};
  }
};

int run(int argc, char** argv) {
  examples::Args args("actor_critic", "PyTorch actor-critic example, in torchlet, on CartPole.");
  args.add("gamma", "0.99", "discount factor")
      .add("seed", "543", "random seed")
      .add("log-interval", "10", "interval between training status logs")
      .add("reward-threshold", "475", "running reward at which CartPole counts as solved")
      .add("max-episodes", "0", "stop after this many episodes (0: until solved)");
  if (!args.parse(argc, argv)) return 0;
  const double gamma = args.real("gamma", 0.0, 1.0);
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  const auto log_interval = args.integer("log-interval", 1, INT64_MAX);
  const double reward_threshold = args.real("reward-threshold", 0.0, 1e9);
  const auto max_episodes = args.integer("max-episodes", 0, INT64_MAX);

  CartPole env(seed);
  manual_seed(seed);

  Policy model;
  optim::Adam optimizer(model.parameters(), {.lr = 3e-2});
  const double eps = std::numeric_limits<float>::epsilon();
  nn::SmoothL1Loss smooth_l1_loss;

  const auto select_action = [&](const std::vector<float>& state_values) {
    const auto state = from_vector(state_values);  // torch.from_numpy(state).float()
    auto [probs, state_value] = model(state);

    // create a categorical distribution over the list of probabilities of actions
    const distributions::Categorical m(probs);

    // and sample an action using the distribution
    const auto action = m.sample();

    // save to action buffer
    model.saved_actions.push_back({m.log_prob(action), state_value});

    // the action to take (left or right)
    return action.item();
  };

  // Training code. Calculates actor and critic loss and performs backprop.
  const auto finish_episode = [&] {
    double R = 0;
    const auto& saved_actions = model.saved_actions;
    std::vector<Tensor> policy_losses;  // list to save actor (policy) loss
    std::vector<Tensor> value_losses;   // list to save critic (value) loss
    std::vector<float> returns;         // list to save the true values

    // calculate the true value using rewards returned from the environment
    for (auto r = model.rewards.rbegin(); r != model.rewards.rend(); ++r) {
      // calculate the discounted value
      R = *r + gamma * R;
      returns.insert(returns.begin(), static_cast<float>(R));
    }

    auto returns_t = from_vector(returns);
    returns_t = (returns_t - returns_t.mean()) / (returns_t.std() + static_cast<float>(eps));

    for (std::size_t i = 0; i < saved_actions.size(); ++i) {
      const auto& [log_prob, value] = saved_actions[i];
      const float R_i = returns_t.data()[i];
      const float advantage = R_i - value.item();

      // calculate actor (policy) loss
      policy_losses.push_back(-log_prob * advantage);

      // calculate critic (value) loss using L1 smooth loss
      value_losses.push_back(smooth_l1_loss(value, tensor<float>({R_i})));
    }

    // reset gradients
    optimizer.zero_grad();

    // sum up all the values of policy_losses and value_losses
    auto loss = stack(policy_losses).sum() + stack(value_losses).sum();

    // perform backprop
    loss.backward();
    optimizer.step();

    // reset rewards and action buffer
    model.rewards.clear();
    model.saved_actions.clear();
  };

  double running_reward = 10;

  // run infinitely many episodes (or --max-episodes)
  for (std::int64_t i_episode = 1; max_episodes == 0 || i_episode <= max_episodes; ++i_episode) {
    // reset environment and episode reward
    auto state = env.reset();
    double ep_reward = 0;

    // for each episode, only run 9999 steps so that we don't infinite loop while learning
    std::int64_t t = 1;
    for (; t < 10000; ++t) {
      // select action from policy
      const auto action = select_action(state);

      // take the action
      auto step = env.step(action);
      state = std::move(step.state);

      model.rewards.push_back(step.reward);
      ep_reward += step.reward;
      if (step.terminated || step.truncated) break;
    }

    // update cumulative reward
    running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward;

    // perform backprop
    finish_episode();

    // log results
    if (i_episode % log_interval == 0) {
      std::printf("Episode %lld\tLast reward: %.2f\tAverage reward: %.2f\n",
                  static_cast<long long>(i_episode), ep_reward, running_reward);
      std::fflush(stdout);
    }

    // check if we have "solved" the cart pole problem
    if (running_reward > reward_threshold) {
      std::printf(
          "Solved! Running reward is now %g and the last episode runs to %lld time steps!\n",
          running_reward, static_cast<long long>(t));
      return 0;
    }
  }
  std::printf("Not solved: running reward %.2f after %lld episodes\n", running_reward,
              static_cast<long long>(max_episodes));
  return 1;
}

int main(int argc, char** argv) { return examples::run_main("actor_critic", "", run, argc, argv); }
