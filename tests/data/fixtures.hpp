#pragma once
// What torch.utils.data computes for the cases the data tests check torchlet against
// (tests/fixtures/data/pytorch.safetensors, written by scripts/make_data_fixtures.py, which
// describes the tensor names): random_split lengths, DistributedSampler shares,
// BatchSampler batches, len(DataLoader), default_collate's dtypes and shapes.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <torchlet/io/safetensors.hpp>

namespace fixtures {

inline const torchlet::io::SafetensorsFile& file() {
  static const torchlet::io::SafetensorsFile f =
      torchlet::io::load_file(TORCHLET_SOURCE_DIR "/tests/fixtures/data/pytorch.safetensors");
  return f;
}

namespace detail {
inline std::vector<std::int64_t> longs(const std::string& name) {
  return file().get<std::int64_t>(name).to_vector();
}
inline std::size_t size(const std::string& name) {
  return static_cast<std::size_t>(longs(name).at(0));
}
inline std::vector<std::size_t> sizes(const std::string& name) {
  std::vector<std::size_t> out;
  for (auto v : longs(name)) out.push_back(static_cast<std::size_t>(v));
  return out;
}
inline bool flag(const std::string& name) { return file().get<bool>(name).to_vector().at(0); }
/// "<kind>/<i>/" for i = 0, 1, ... while "<kind>/<i>/<probe>" exists (at least one).
inline std::vector<std::string> prefixes(const std::string& kind, const std::string& probe) {
  std::vector<std::string> out;
  for (int i = 0; file().contains(kind + "/" + std::to_string(i) + "/" + probe); ++i)
    out.push_back(kind + "/" + std::to_string(i) + "/");
  if (out.empty())
    throw std::runtime_error("tests/fixtures/data/pytorch.safetensors has no " + kind +
                             " cases (run scripts/make_data_fixtures.py)");
  return out;
}
}  // namespace detail

/// random_split(range(n), fractions): the part lengths.
struct SplitCase {
  std::size_t n;
  std::vector<double> fractions;
  std::vector<std::size_t> lengths;
};
inline std::vector<SplitCase> split_cases() {
  std::vector<SplitCase> out;
  for (const auto& p : detail::prefixes("split", "n"))
    out.push_back({detail::size(p + "n"), file().get<double>(p + "fractions").to_vector(),
                   detail::sizes(p + "lengths")});
  return out;
}

/// DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last): its indices.
struct DistCase {
  std::size_t n, replicas, rank;
  bool drop_last;
  std::vector<std::size_t> indices;
};
inline std::vector<DistCase> dist_cases() {
  std::vector<DistCase> out;
  for (const auto& p : detail::prefixes("dist", "n"))
    out.push_back({detail::size(p + "n"), detail::size(p + "replicas"), detail::size(p + "rank"),
                   detail::flag(p + "drop_last"), detail::sizes(p + "indices")});
  return out;
}

/// BatchSampler(SequentialSampler(range(n)), batch_size, drop_last): its batches, and
/// len(DataLoader) with the same options.
struct BatchCase {
  std::size_t n, batch_size;
  bool drop_last;
  std::vector<std::vector<std::size_t>> batches;
  std::size_t loader_len;
};
inline std::vector<BatchCase> batch_cases() {
  std::vector<BatchCase> out;
  for (const auto& p : detail::prefixes("batch", "n")) {
    BatchCase c{detail::size(p + "n"),
                detail::size(p + "batch_size"),
                detail::flag(p + "drop_last"),
                {},
                detail::size(p + "loader_len")};
    const auto indices = detail::sizes(p + "indices");
    auto it = indices.begin();
    for (auto s : detail::sizes(p + "sizes")) {
      c.batches.emplace_back(it, it + static_cast<std::ptrdiff_t>(s));
      it += static_cast<std::ptrdiff_t>(s);
    }
    out.push_back(std::move(c));
  }
  return out;
}

/// default_collate of the batch described by `what`: str(dtype) and shape of the result.
struct CollateCase {
  std::string what;
  std::string dtype;
  std::vector<long> shape;
};
inline std::vector<CollateCase> collate_cases() {
  std::vector<CollateCase> out;
  for (const auto& p : detail::prefixes("collate", "shape")) {
    const auto shape = detail::longs(p + "shape");
    out.push_back({file().metadata.at(p + "what"), file().metadata.at(p + "dtype"),
                   std::vector<long>(shape.begin(), shape.end())});
  }
  return out;
}

}  // namespace fixtures
