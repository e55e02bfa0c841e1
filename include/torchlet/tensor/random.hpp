#pragma once
// Generator: a seeded, portable pseudo-random source (same numbers on every platform).
// The global generator is seeded with manual_seed(), like torch.manual_seed().
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace torchlet {

/// splitmix64-seeded xoshiro256** generator. Copyable: a copy continues the same stream.
///
/// Thread safety, as PyTorch's CPU generator: each library op that draws numbers (rand,
/// randn, dropout, the nn::init functions, the samplers) holds mutex() while it draws, so
/// threads sharing a generator (e.g. default_generator()) never race; which thread gets
/// which numbers then depends on scheduling. For reproducible draws per thread, give each
/// thread its own Generator. Code calling next()/uniform()/normal() directly on a shared
/// generator locks mutex() itself.
class Generator {
 public:
  /// A generator seeded with `seed`.
  explicit Generator(std::uint64_t seed = 67280421310721ULL) { manual_seed(seed); }
  /// A copy continues the same stream (the mutex is not copied).
  Generator(const Generator& other) { copy_state(other); }
  /// Takes over `other`'s stream position.
  Generator& operator=(const Generator& other) {
    if (this != &other) copy_state(other);
    return *this;
  }
  ~Generator() = default;

  /// The lock an op holds while it draws from this generator (torch.Generator's mutex).
  std::mutex& mutex() const noexcept { return mutex_; }

  /// Restarts the stream from `seed` (torch.Generator.manual_seed).
  void manual_seed(std::uint64_t seed) {
    seed_ = seed;
    std::uint64_t z = seed;
    for (auto& s : s_) s = splitmix(z);
    has_spare_normal_ = false;
  }
  /// The seed of the stream (torch.Generator.initial_seed).
  std::uint64_t initial_seed() const { return seed_; }

  /// Bytes of get_state(): the seed, the four state words and the cached normal (each
  /// 8 bytes, little-endian), then 1 byte telling whether that normal is pending.
  static constexpr std::size_t kStateBytes = 49;
  /// The complete state (torch.Generator.get_state): set_state(get_state()) later makes the
  /// generator continue with exactly the numbers it would have produced.
  std::vector<std::uint8_t> get_state() const {
    std::vector<std::uint8_t> out(kStateBytes);
    const std::uint64_t words[6] = {seed_, s_[0], s_[1],
                                    s_[2], s_[3], std::bit_cast<std::uint64_t>(spare_normal_)};
    for (std::size_t w = 0; w < 6; ++w)
      for (std::size_t b = 0; b < 8; ++b)
        out[w * 8 + b] = static_cast<std::uint8_t>(words[w] >> (8 * b));
    out[48] = has_spare_normal_ ? 1 : 0;
    return out;
  }
  /// Restores a state from get_state() (torch.Generator.set_state). Throws
  /// std::invalid_argument for a buffer of the wrong size or an impossible state.
  void set_state(std::span<const std::uint8_t> state) {
    if (state.size() != kStateBytes)
      throw std::invalid_argument("Generator::set_state: expected " + std::to_string(kStateBytes) +
                                  " bytes (from get_state), got " + std::to_string(state.size()));
    std::uint64_t words[6] = {};
    for (std::size_t w = 0; w < 6; ++w)
      for (std::size_t b = 0; b < 8; ++b) words[w] |= std::uint64_t{state[w * 8 + b]} << (8 * b);
    if ((words[1] | words[2] | words[3] | words[4]) == 0 || state[48] > 1)
      throw std::invalid_argument(
          "Generator::set_state: not a generator state (all-zero state words or bad flag)");
    seed_ = words[0];
    for (std::size_t i = 0; i < 4; ++i) s_[i] = words[i + 1];
    spare_normal_ = std::bit_cast<double>(words[5]);
    has_spare_normal_ = state[48] == 1;
  }

  /// Next raw 64-bit value.
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// The next 64 random bits (a UniformRandomBitGenerator, usable with the standard random
  /// distributions).
  std::uint64_t operator()() { return next(); }
  /// Smallest value operator() returns.
  static constexpr std::uint64_t min() { return 0; }
  /// Largest value operator() returns.
  static constexpr std::uint64_t max() { return UINT64_MAX; }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, n) without modulo bias (n > 0).
  std::uint64_t randint(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t r;
    do r = next();
    while (r >= limit);
    return r % n;
  }
  /// Standard normal (Box-Muller, caching the second value).
  double normal() {
    if (has_spare_normal_) {
      has_spare_normal_ = false;
      return spare_normal_;
    }
    double u1;
    do u1 = uniform();
    while (u1 <= 0.0);
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_normal_ = r * std::sin(2.0 * M_PI * u2);
    has_spare_normal_ = true;
    return r * std::cos(2.0 * M_PI * u2);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix(std::uint64_t& z) {
    std::uint64_t r = (z += 0x9E3779B97F4A7C15ULL);
    r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9ULL;
    r = (r ^ (r >> 27)) * 0x94D049BB133111EBULL;
    return r ^ (r >> 31);
  }
  void copy_state(const Generator& o) {
    seed_ = o.seed_;
    std::copy(std::begin(o.s_), std::end(o.s_), std::begin(s_));
    spare_normal_ = o.spare_normal_;
    has_spare_normal_ = o.has_spare_normal_;
  }

  std::uint64_t seed_ = 0;
  std::uint64_t s_[4]{};
  double spare_normal_ = 0;
  bool has_spare_normal_ = false;
  mutable std::mutex mutex_;
};

/// The process-wide default generator (torch.default_generator).
inline Generator& default_generator() {
  static Generator gen;
  return gen;
}
namespace detail {
/// One 64-bit draw from `gen` under its lock (for seeding a pass, a worker, a split).
inline std::uint64_t locked_next(Generator& gen) {
  const std::lock_guard lock(gen.mutex());
  return gen.next();
}
}  // namespace detail

/// Seeds the default generator (torch.manual_seed).
inline void manual_seed(std::uint64_t seed) {
  const std::lock_guard lock(default_generator().mutex());
  default_generator().manual_seed(seed);
}
/// The default generator's state (torch.get_rng_state), e.g. to put in a checkpoint.
inline std::vector<std::uint8_t> get_rng_state() {
  const std::lock_guard lock(default_generator().mutex());
  return default_generator().get_state();
}
/// Restores the default generator's state (torch.set_rng_state).
inline void set_rng_state(std::span<const std::uint8_t> state) {
  const std::lock_guard lock(default_generator().mutex());
  default_generator().set_state(state);
}

}  // namespace torchlet
