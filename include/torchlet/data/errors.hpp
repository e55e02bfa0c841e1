#pragma once
// The error a DataLoader raises when reading a batch fails.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

namespace torchlet::data {

/// An error raised while a DataLoader read a batch: which batch (its number in the
/// epoch), which sample (dataset index, or item number for an iterable dataset) and, if
/// it happened in a worker thread, which worker. The original exception is nested:
/// std::rethrow_if_nested(e) rethrows it.
class DataLoaderError : public std::runtime_error {
 public:
  /// The message, the batch's number, the failing sample (if known) and worker (if any).
  DataLoaderError(const std::string& what, std::size_t batch, std::optional<std::size_t> sample,
                  std::optional<std::size_t> worker)
      : std::runtime_error(what), batch_(batch), sample_(sample), worker_(worker) {}
  /// The batch's number in the epoch.
  std::size_t batch() const noexcept { return batch_; }
  /// The dataset index (or, for an iterable dataset, the item number) that failed, if known.
  std::optional<std::size_t> sample() const noexcept { return sample_; }
  /// The worker that was reading, or nullopt for the iterating thread.
  std::optional<std::size_t> worker() const noexcept { return worker_; }

 private:
  std::size_t batch_;
  std::optional<std::size_t> sample_, worker_;
};

}  // namespace torchlet::data
