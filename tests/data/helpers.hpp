#pragma once
// Shared by the tests of torchlet::data: a dataset that counts its reads, and error capture.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include <torchlet/data.hpp>
#include <torchlet/tensor.hpp>

namespace test {

/// The message of the E that f() throws ("" if it throws nothing).
template <class E = std::exception, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// n samples (x = [i, i] as floats, y = i); counts operator[] calls (from any thread),
/// optionally sleeps per sample and throws at one index.
struct CountingDataset {
  explicit CountingDataset(std::size_t n) : n(n) {}
  std::size_t n;
  std::chrono::microseconds delay{0};
  std::optional<std::size_t> throw_at;
  mutable std::atomic<std::size_t> reads{0};

  std::size_t size() const { return n; }
  std::pair<torchlet::Tensor, std::int64_t> operator[](std::size_t i) const {
    ++reads;
    if (delay.count()) std::this_thread::sleep_for(delay);
    if (throw_at && i == *throw_at) throw std::runtime_error("boom at " + std::to_string(i));
    return {torchlet::full({2}, static_cast<float>(i)), static_cast<std::int64_t>(i)};
  }
};

/// The labels of every batch of one epoch.
template <class Loader>
std::vector<std::vector<std::int64_t>> epoch_labels(Loader& loader) {
  std::vector<std::vector<std::int64_t>> out;
  for (auto [x, y] : loader) out.push_back(y.to_vector());
  return out;
}

}  // namespace test
