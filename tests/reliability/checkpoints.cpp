// No data lost: a checkpoint write killed at a random moment leaves the previous
// checkpoint intact, and a run resumed from a checkpoint (model + optimizer + scheduler +
// RNG state + epoch) follows the uninterrupted run's loss curve step for step.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <poll.h>
#include <unistd.h>

#include <sys/wait.h>
#define TORCHLET_TEST_FORK 1
#endif

#include <torchlet/torchlet.hpp>

#include "catch.hpp"

// A namespace per file: the folder's unity build (tests/CMakeLists.txt) compiles files together.
namespace TORCHLET_TEST_FILE {

using namespace torchlet;
namespace fs = std::filesystem;

namespace {

/// A fresh empty directory under the system's temporary directory, removed at the end.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() /
           ("torchlet_" + tag + "_" + std::to_string(static_cast<long long>(::getpid())) + "_" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// A checkpoint whose every weight equals `version` (so a torn file is visible).
Checkpoint big_checkpoint(std::int64_t numel, float version) {
  Checkpoint ck;
  ck.model.insert("big.weight", full({numel}, version));
  ck.model.insert("small.bias", full({3}, version));
  ck.metadata["version"] = std::to_string(static_cast<int>(version));
  ck.rng_state = get_rng_state();
  return ck;
}

}  // namespace

#ifdef TORCHLET_TEST_FORK
TEST_CASE("a checkpoint write killed at random moments never destroys the previous checkpoint") {
  TempDir dir("killed_save");
  const std::string path = (dir.path / "ckpt.safetensors").string();
  const std::int64_t numel =
      4 << 20;  // 16 MB of float32: a save takes milliseconds, not microseconds
  // How long one save takes here and now (a loaded machine is slower): the kills land
  // within two saves' time after the child's first completed save, so most hit a write.
  const auto t0 = std::chrono::steady_clock::now();
  save_checkpoint(big_checkpoint(numel, 0.0f), path);
  const auto one_save =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();

  Generator timing(20261126);
  int kills = 0, torn_temporaries = 0;
  std::string versions;  // the version found after each kill
  for (int round = 0; round < 20 && (kills < 6 || torn_temporaries == 0); ++round) {
    int done[2];  // the child writes a byte here after each completed save
    REQUIRE(::pipe(done) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // saves new versions in a loop until killed
      ::close(done[0]);
      try {
        for (int v = 1;; ++v) {
          save_checkpoint(big_checkpoint(numel, static_cast<float>(v)), path);
          [[maybe_unused]] const auto n = ::write(done[1], "s", 1);
        }
      } catch (...) {
        ::_exit(3);
      }
    }
    ::close(done[1]);
    // Wait (up to a minute, whatever the load) until the child has saved once, so the kill
    // lands while it is writing, not while it is still starting.
    pollfd first{done[0], POLLIN, 0};
    REQUIRE(::poll(&first, 1, 60'000) == 1);
    if (round % 2 == 0) {
      // A kill at a random moment within two saves' time.
      std::this_thread::sleep_for(std::chrono::microseconds(
          timing.randint(static_cast<std::uint64_t>(2 * std::max<std::int64_t>(one_save, 1000)))));
    } else {
      // A kill as soon as the child's temporary file appears: on a fast disk (or a tmpfs,
      // where fsync costs nothing) the write is a small part of each save, so random moments
      // alone may all land between writes. Waits at most ten seconds.
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      bool writing = false;
      while (!writing && std::chrono::steady_clock::now() < give_up) {
        std::error_code ec;
        for (fs::directory_iterator it(dir.path, ec), end; !ec && it != end; it.increment(ec)) {
          if (it->path().filename().string().rfind(".ckpt.safetensors.tmp.", 0) == 0) {
            writing = true;
            break;
          }
        }
      }
    }
    ::kill(child, SIGKILL);
    ::close(done[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));  // killed, not exited with an error
    ++kills;

    // The file at `path` is one complete version: every element equals its "version".
    const Checkpoint back = load_checkpoint(path);
    const int version = std::stoi(back.metadata.at("version"));
    versions += std::to_string(version) + " ";
    const Tensor& big = back.model.at("big.weight");
    REQUIRE(big.numel() == numel);
    const float want = static_cast<float>(version);
    CHECK(std::all_of(big.data(), big.data() + big.numel(), [&](float v) { return v == want; }));
    CHECK(back.model.at("small.bias").data()[2] == want);
    CHECK(back.rng_state == get_rng_state());

    // What a kill mid-write leaves behind is a hidden temporary that no reader takes for
    // the checkpoint: not the path, not ending in .safetensors.
    for (const auto& entry : fs::directory_iterator(dir.path)) {
      const std::string name = entry.path().filename().string();
      if (name == "ckpt.safetensors") continue;
      ++torn_temporaries;
      CHECK(name.rfind(".ckpt.safetensors.tmp.", 0) == 0);
      CHECK(entry.path().extension() != ".safetensors");
      fs::remove(entry.path());
    }
  }
  INFO("kills: " << kills << ", kills that left a half-written temporary file: " << torn_temporaries
                 << ", versions found: " << versions);
  CHECK(kills >= 6);
  // At least one kill landed in the middle of a write, so the test did test that.
  CHECK(torn_temporaries >= 1);
}
#endif

namespace {

// 96 samples of 8 features in 3 classes, made from a generator of their own.
data::TensorDataset<float, std::int64_t> toy_data() {
  Generator gen(7);
  Tensor x = randn<float>({96, 8}, gen);
  LongTensor y = randint<std::int64_t>(0, 3, {96}, gen);
  return data::TensorDataset<float, std::int64_t>(x, y);
}

struct Net : nn::Module {
  nn::Linear fc1{8, 16}, fc2{16, 3};
  nn::ReLU relu;
  nn::Dropout drop{0.25};  // draws from the default generator: the RNG state matters
  Net() {
    register_module("fc1", fc1);
    register_module("relu", relu);
    register_module("drop", drop);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override { return fc2(drop(relu(fc1(x)))); }
};

/// One training run: a model, its optimizer and scheduler, a shuffling DataLoader that
/// draws each epoch's order from the default generator.
template <class Opt, class Sched>
struct Run {
  data::TensorDataset<float, std::int64_t> dataset = toy_data();
  Net model;
  Opt opt;
  Sched sched;
  data::DataLoader<data::TensorDataset<float, std::int64_t>&> loader{
      dataset, {.batch_size = 16, .shuffle = true}};
  int epoch = 0;

  template <class MakeOpt, class MakeSched>
  Run(MakeOpt make_opt, MakeSched make_sched)
      : opt(make_opt(model.parameters())), sched(make_sched(opt)) {}

  /// Trains `epochs` epochs, appending each step's loss.
  void train(int epochs, std::vector<double>& losses) {
    for (int e = 0; e < epochs; ++e, ++epoch) {
      for (auto [x, y] : loader) {
        opt.zero_grad();
        auto loss = nn::functional::cross_entropy(model(x), y);
        loss.backward();
        opt.step();
        losses.push_back(loss.item());
      }
      sched.step();
    }
  }
  Checkpoint checkpoint() const {
    return {.model = model.state_dict(),
            .optimizer = opt.state_dict(),
            .scheduler = sched.state_dict(),
            .metadata = {{"epoch", std::to_string(epoch)}},
            .rng_state = get_rng_state()};
  }
  void resume(const Checkpoint& ck) {
    model.load_state_dict(ck.model);
    opt.load_state_dict(*ck.optimizer);
    sched.load_state_dict(ck.scheduler);
    set_rng_state(ck.rng_state);
    epoch = std::stoi(ck.metadata.at("epoch"));
  }
};

template <class Opt, class Sched, class MakeOpt, class MakeSched>
void check_resume(MakeOpt make_opt, MakeSched make_sched) {
  constexpr int kEpochs = 5, kSaveAfter = 2;
  // The uninterrupted run.
  manual_seed(42);
  std::vector<double> expected;
  {
    Run<Opt, Sched> run(make_opt, make_sched);
    run.train(kEpochs, expected);
  }
  REQUIRE(expected.size() == kEpochs * 6);

  // The same run, checkpointed after kSaveAfter epochs and abandoned.
  TempDir dir("resume");
  const std::string path = (dir.path / "run.safetensors").string();
  manual_seed(42);
  std::vector<double> losses;
  {
    Run<Opt, Sched> run(make_opt, make_sched);
    run.train(kSaveAfter, losses);
    save_checkpoint(run.checkpoint(), path);
    run.train(1, losses);  // work lost in the "crash"
    losses.resize(kSaveAfter * 6);
  }
  // A fresh process-like start: another seed, new objects, then the checkpoint.
  manual_seed(1234);
  Run<Opt, Sched> resumed(make_opt, make_sched);
  resumed.resume(load_checkpoint(path));
  REQUIRE(resumed.epoch == kSaveAfter);
  resumed.train(kEpochs - kSaveAfter, losses);

  REQUIRE(losses.size() == expected.size());
  for (std::size_t i = 0; i < losses.size(); ++i) {
    INFO("step " << i);
    CHECK(losses[i] == expected[i]);  // the same operations in the same order: bit for bit
  }
  // And the curve is a real training curve, not a constant.
  CHECK(expected.back() < expected.front());
}

}  // namespace

TEST_CASE(
    "a run resumed from a checkpoint repeats the uninterrupted loss curve with SGD momentum and "
    "StepLR") {
  check_resume<optim::SGD, optim::StepLR>(
      [](std::vector<Tensor> p) { return optim::SGD(std::move(p), {.lr = 0.1, .momentum = 0.9}); },
      [](optim::Optimizer& o) { return optim::StepLR(o, 2, 0.5); });
}

TEST_CASE(
    "a run resumed from a checkpoint repeats the uninterrupted loss curve with Adam and "
    "CosineAnnealingLR") {
  check_resume<optim::Adam, optim::CosineAnnealingLR>(
      [](std::vector<Tensor> p) { return optim::Adam(std::move(p), {.lr = 0.01}); },
      [](optim::Optimizer& o) { return optim::CosineAnnealingLR(o, 5); });
}

TEST_CASE("Generator get_state and set_state continue the same stream, like torch.Generator") {
  Generator g(5);
  (void)g.normal();  // leaves a cached second normal in the state
  const auto state = g.get_state();
  REQUIRE(state.size() == Generator::kStateBytes);
  std::vector<double> first;
  for (int i = 0; i < 5; ++i) first.push_back(g.normal());
  Generator other(99);
  other.set_state(state);
  for (int i = 0; i < 5; ++i) CHECK(other.normal() == first[static_cast<std::size_t>(i)]);
  CHECK(other.initial_seed() == 5);
  CHECK_THROWS_WITH(other.set_state(std::vector<std::uint8_t>(10)),
                    "Generator::set_state: expected 49 bytes (from get_state), got 10");
  CHECK_THROWS_AS(other.set_state(std::vector<std::uint8_t>(Generator::kStateBytes)),
                  std::invalid_argument);
}

TEST_CASE("a checkpoint whose rng_state is not a 1-D U8 tensor is refused with the file name") {
  TempDir dir("bad_rng");
  const std::string path = (dir.path / "bad.safetensors").string();
  std::vector<std::pair<std::string, io::AnyTensor>> tensors{{"model.w", zeros({2})},
                                                             {"rng_state", zeros({49})}};
  io::save_file(tensors, path, {{"torchlet.kind", "checkpoint"}});
  try {
    (void)load_checkpoint(path);
    FAIL("no exception");
  } catch (const FormatError& e) {
    CHECK(std::string(e.what()).find(path + ": tensor 'rng_state' must be a 1-D U8 tensor") !=
          std::string::npos);
  }
}

}  // namespace TORCHLET_TEST_FILE

// The file's macros end here (the unity build compiles the next file after it).
#undef TORCHLET_TEST_FORK
