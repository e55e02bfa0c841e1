#pragma once
// Generator: a seeded, portable pseudo-random source (same numbers on every platform).
// The global generator is seeded with manual_seed(), like torch.manual_seed().
#include <cmath>
#include <cstdint>
#include <mutex>

namespace torchlet {

/// splitmix64-seeded xoshiro256** generator. Copyable: a copy continues the same stream.
class Generator {
 public:
  /// A generator seeded with `seed`.
  explicit Generator(std::uint64_t seed = 67280421310721ULL) { manual_seed(seed); }

  /// Restarts the stream from `seed` (torch.Generator.manual_seed).
  void manual_seed(std::uint64_t seed) {
    seed_ = seed;
    std::uint64_t z = seed;
    for (auto& s : s_) s = splitmix(z);
    has_spare_normal_ = false;
  }
  /// The seed of the stream (torch.Generator.initial_seed).
  std::uint64_t initial_seed() const { return seed_; }

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
  /// The next 64 random bits (a UniformRandomBitGenerator, usable with the standard random distributions).
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
  std::uint64_t seed_ = 0;
  std::uint64_t s_[4]{};
  double spare_normal_ = 0;
  bool has_spare_normal_ = false;
};

/// The process-wide default generator (torch.default_generator).
inline Generator& default_generator() {
  static Generator gen;
  return gen;
}
/// Seeds the default generator (torch.manual_seed).
inline void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace torchlet
