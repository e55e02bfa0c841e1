#pragma once
// LoaderEpoch: one pass of a DataLoader - what its iterator points to. Internal to
// dataloader.hpp. Four ways to run, by dataset kind and num_workers:
//
//   map-style, 0 workers   the consumer draws the next batch's indices on ++ and reads the
//                          samples only when the batch is dereferenced (lazy).
//   map-style, N workers   the consumer draws index lists ahead into a ring of
//                          C = N * prefetch_factor slots; batch k is loaded by worker
//                          k % N; the consumer takes slot k % C when batch k is reached.
//   iterable,  0 workers   the consumer reads batch_size items when the batch is
//                          dereferenced (or, with drop_last, when the end is tested).
//   iterable,  N workers   worker k % N reads the k-th chunk of the stream once chunk k-1
//                          has been read (one reader at a time, in order), then collates
//                          it while the next worker reads; at most C batches ahead.
//
// Synchronisation (N workers): one mutex guards the counters and each slot's `ready`
// flag; a slot's contents are written by one side before it flips `ready` under the
// mutex and read by the other side after it saw the flip, so each slot is handed over,
// never shared. stop() (iterator or DataLoader destroyed) raises `stopping_`, wakes
// everyone and joins; a worker also polls an atomic flag between samples, so a stop never
// waits for more than one sample.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "torchlet/data/detail/loader_core.hpp"

namespace torchlet::data::detail {

template <class T, bool = IterableDataset<T>>
struct stream_types {
  using iterator = int;
  using sentinel = int;
};
template <class T>
struct stream_types<T, true> {
  using iterator = decltype(std::declval<T&>().begin());
  using sentinel = decltype(std::declval<T&>().end());
};

template <class Core, class Batch>
class LoaderEpoch {
  using Sample = typename Core::sample_type;
  using dataset_type = typename Core::dataset_type;
  static constexpr bool iterable = Core::iterable;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 public:
  explicit LoaderEpoch(std::shared_ptr<Core> core)
      : core_(std::move(core)), bs_(core_->batch_size), workers_(core_->num_workers) {
    if constexpr (iterable) {
      it_.emplace(core_->dataset.begin());
      end_.emplace(core_->dataset.end());
    } else {
      n_ = static_cast<std::size_t>(core_->dataset.size());
      cursor_ = core_->batches.start();
    }
    if (workers_ == 0) {
      if constexpr (!iterable) has_indices_ = cursor_->next(indices_);
      return;
    }
    cap_ = workers_ * core_->prefetch_factor;
    slots_.resize(cap_);
    const std::uint64_t base_seed = core_->gen ? core_->gen->next() : default_generator().next();
    infos_.resize(workers_);
    for (std::size_t w = 0; w < workers_; ++w) infos_[w] = WorkerInfo{w, workers_, base_seed + w};
    if constexpr (!iterable) dispatch();
    try {
      threads_.reserve(workers_);
      for (std::size_t w = 0; w < workers_; ++w)
        threads_.emplace_back([this, w] { worker_main(w); });
    } catch (...) {
      stop();
      throw;
    }
  }
  ~LoaderEpoch() { stop(); }
  LoaderEpoch(const LoaderEpoch&) = delete;
  LoaderEpoch& operator=(const LoaderEpoch&) = delete;

  /// True once every batch of the epoch has been passed (or the epoch was stopped).
  bool at_end() {
    if (stopped_) return true;
    if (workers_ == 0) {
      if constexpr (iterable) {
        if (!loaded_) {
          if (broken_ || !(*it_ != *end_)) return true;
          if (!core_->drop_last) return false;
          load_stream_batch();  // only reading tells whether the last batch is complete
        }
        return exhausted_;
      } else {
        return !has_indices_;
      }
    }
    if constexpr (iterable) {
      std::unique_lock lk(mu_);
      done_cv_.wait(lk, [&] { return stopping_ || turn_ > pos_ || end_seq_ <= pos_; });
      return stopping_ || end_seq_ <= pos_;
    } else {
      return exhausted_map_ && pos_ >= dispatched_;
    }
  }

  /// The current batch, loaded (or waited for) on first access; rethrows its error.
  Batch& current() {
    if (stopped_)
      throw std::logic_error(
          "DataLoader: this iterator's epoch was stopped (its DataLoader was destroyed)");
    if (current_) return *current_;
    if (workers_ == 0) {
      if constexpr (iterable) {
        load_stream_batch();
        if (error_) std::rethrow_exception(error_);
        if (exhausted_)
          throw std::logic_error("DataLoader: dereferencing an iterator at the end of the epoch");
      } else {
        if (!has_indices_)
          throw std::logic_error("DataLoader: dereferencing an iterator at the end of the epoch");
        current_.emplace(core_->fetch(indices_, scratch_, pos_, n_, nullptr, nullptr));
      }
      return *current_;
    }
    if (at_end())
      throw std::logic_error("DataLoader: dereferencing an iterator at the end of the epoch");
    Slot& s = wait_slot();
    if (s.error) std::rethrow_exception(s.error);
    current_.emplace(std::move(*s.batch));
    s.batch.reset();
    return *current_;
  }

  /// Moves to the next batch (without reading the current one if it was not accessed).
  void advance() {
    if (at_end()) return;
    current_.reset();
    if (workers_ == 0) {
      if constexpr (iterable) {
        if (!loaded_)  // skip the batch unread
          for (std::size_t k = 0; k < bs_ && *it_ != *end_; ++k, ++items_) ++*it_;
        loaded_ = false;
        error_ = nullptr;
      } else {
        has_indices_ = cursor_->next(indices_);
      }
      ++pos_;
      return;
    }
    Slot& s = wait_slot();  // a worker may still be filling it
    s.batch.reset();
    s.error = nullptr;
    {
      std::lock_guard lk(mu_);
      s.ready = false;
      consumed_ = ++pos_;
    }
    if constexpr (iterable)
      work_cv_.notify_all();
    else
      dispatch();
  }

  /// Stops the workers and joins them (idempotent); afterwards the epoch is at its end.
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    if (threads_.empty()) return;
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    stop_flag_.store(true, std::memory_order_relaxed);
    work_cv_.notify_all();
    done_cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  struct Slot {
    std::vector<std::size_t> indices;  // map-style: written by the consumer before dispatch
    std::optional<Batch> batch;
    std::exception_ptr error;
    bool ready = false;  // guarded by mu_
  };

  // ---- iterable datasets ----
  /// Reads up to bs_ items into `out`; true if the stream is known to be exhausted after.
  bool read_chunk(std::vector<Sample>& out, std::size_t batch, const WorkerInfo* w) {
    out.clear();
    auto& it = *it_;
    auto& end = *end_;
    while (out.size() < bs_) {
      if (stop_flag_.load(std::memory_order_relaxed)) throw Cancelled{};
      const std::size_t item = items_;
      try {
        if (!(it != end)) return true;
        out.push_back(*it);
        ++items_;
        ++it;
      } catch (...) {
        std::throw_with_nested(DataLoaderError(
            "DataLoader: reading item " + std::to_string(item) +
                " of the iterable dataset (batch " + std::to_string(batch) + ") failed" +
                in_worker(w) + ": " + what_of(std::current_exception()),
            batch, item, w ? std::optional(w->id) : std::nullopt));
      }
    }
    return !(it != end);
  }
  /// 0 workers: reads and collates the current batch of the stream, once.
  void load_stream_batch() {
    if (loaded_) return;
    loaded_ = true;
    exhausted_ = false;
    if (broken_) {
      exhausted_ = true;
      return;
    }
    try {
      read_chunk(scratch_, pos_, nullptr);
    } catch (...) {
      error_ = std::current_exception();
      broken_ = true;  // the stream's state is unknown: it ends after this batch
      return;
    }
    if (scratch_.empty() || (core_->drop_last && scratch_.size() < bs_)) {
      exhausted_ = true;
      scratch_.clear();
      return;
    }
    try {
      current_.emplace(core_->collate_samples(scratch_, {}));
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  // ---- workers ----
  /// Consumer: keeps index lists for batches [pos_, pos_ + cap_) in the slots.
  void dispatch() {
    while (!exhausted_map_ && dispatched_ < pos_ + cap_) {
      Slot& s = slots_[dispatched_ % cap_];
      const bool got = cursor_->next(s.indices);
      {
        std::lock_guard lk(mu_);
        if (got)
          ++dispatched_;
        else
          exhausted_map_ = true;
      }
      work_cv_.notify_all();
    }
  }
  Slot& wait_slot() {
    Slot& s = slots_[pos_ % cap_];
    std::unique_lock lk(mu_);
    done_cv_.wait(lk, [&] { return s.ready || stopping_; });
    if (!s.ready) throw std::logic_error("DataLoader: the epoch was stopped");
    return s;
  }
  void publish(Slot& s) {
    {
      std::lock_guard lk(mu_);
      s.ready = true;
    }
    done_cv_.notify_all();
  }
  void worker_main(std::size_t w) {
    current_worker_info() = &infos_[w];
    std::vector<Sample> scratch;
    if constexpr (iterable)
      stream_worker(w, scratch);
    else
      map_worker(w, scratch);
    current_worker_info() = nullptr;
  }
  void map_worker(std::size_t w, std::vector<Sample>& scratch) {
    for (std::size_t seq = w;; seq += workers_) {
      {
        std::unique_lock lk(mu_);
        work_cv_.wait(lk, [&] { return stopping_ || seq < dispatched_ || exhausted_map_; });
        if (stopping_ || seq >= dispatched_) return;
      }
      Slot& s = slots_[seq % cap_];
      try {
        s.batch.emplace(core_->fetch(s.indices, scratch, seq, n_, &stop_flag_, &infos_[w]));
      } catch (const Cancelled&) {
        return;
      } catch (...) {
        s.error = std::current_exception();
      }
      publish(s);
    }
  }
  void stream_worker(std::size_t w, std::vector<Sample>& scratch) {
    for (std::size_t seq = w;; seq += workers_) {
      {
        std::unique_lock lk(mu_);
        work_cv_.wait(lk, [&] {
          return stopping_ || end_seq_ <= seq || (turn_ == seq && seq < consumed_ + cap_);
        });
        if (stopping_ || end_seq_ <= seq) return;
      }
      // Our turn: nobody else touches the stream until turn_ moves on.
      Slot& s = slots_[seq % cap_];
      std::exception_ptr err;
      bool ended = false;
      try {
        ended = read_chunk(scratch, seq, &infos_[w]);
      } catch (const Cancelled&) {
        return;
      } catch (...) {
        err = std::current_exception();
        ended = true;
      }
      const bool exists = err || (!scratch.empty() && !(core_->drop_last && scratch.size() < bs_));
      {
        std::lock_guard lk(mu_);
        turn_ = seq + 1;
        if (ended) end_seq_ = exists ? seq + 1 : seq;
      }
      work_cv_.notify_all();
      done_cv_.notify_all();
      if (!exists) return;
      if (err) {
        s.error = std::move(err);  // the slot holds the only reference: the consumer may free it
      } else {
        try {
          s.batch.emplace(core_->collate_samples(scratch, {}));
        } catch (...) {
          s.error = std::current_exception();
        }
      }
      publish(s);
    }
  }

  std::shared_ptr<Core> core_;
  const std::size_t bs_, workers_;
  std::size_t pos_ = 0;  // number of the current batch
  bool stopped_ = false;
  std::optional<Batch> current_;
  std::vector<Sample> scratch_;  // 0 workers: the samples of the batch being loaded

  // map-style
  std::size_t n_ = 0;
  std::unique_ptr<AnyBatchSampler::Cursor> cursor_;
  std::vector<std::size_t> indices_;
  bool has_indices_ = false;

  // iterable
  std::optional<typename stream_types<dataset_type>::iterator> it_;
  std::optional<typename stream_types<dataset_type>::sentinel> end_;
  std::size_t items_ = 0;
  bool loaded_ = false, exhausted_ = false, broken_ = false;
  std::exception_ptr error_;

  // workers
  std::size_t cap_ = 0;
  std::vector<Slot> slots_;
  std::vector<WorkerInfo> infos_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::atomic<bool> stop_flag_{false};
  bool stopping_ = false;       // guarded by mu_
  std::size_t dispatched_ = 0;  // map: batches whose indices are in the slots (written under mu_)
  bool exhausted_map_ = false;  // map: the batch sampler is done (written under mu_)
  std::size_t consumed_ = 0;    // iterable: batches the consumer released (guarded by mu_)
  std::size_t turn_ = 0;        // iterable: the batch whose chunk is read next (guarded by mu_)
  std::size_t end_seq_ = npos;  // iterable: the number of batches, once known (guarded by mu_)
};

}  // namespace torchlet::data::detail
