#pragma once
// The epochs of a DataLoader over an iterable dataset (begin() / end()):
//
//   StreamEpoch         0 workers: the consumer reads batch_size items when the batch is
//                       dereferenced (or, with drop_last, when the end is tested).
//   StreamWorkerEpoch   N workers: worker k % N reads the k-th chunk of the stream once
//                       chunk k-1 has been read (one reader at a time, in order), then
//                       collates it while the next worker reads; at most C batches ahead.
#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/data/detail/epoch.hpp"
#include "torchlet/data/detail/loader_core.hpp"

namespace torchlet::data::detail {

/// The stream of an iterable dataset: its iterator, its end and the items read so far.
template <class Core>
class StreamReader {
 public:
  using Sample = typename Core::sample_type;

  explicit StreamReader(Core& core)
      : it_(core.dataset.begin()), end_(core.dataset.end()), bs_(core.batch_size) {}

  /// Whether the stream has no more items.
  bool empty() { return !(it_ != end_); }
  /// Reads up to batch_size items into `out`; true if the stream is known to be exhausted
  /// after. Errors become a DataLoaderError naming the item and the batch.
  bool read_chunk(std::vector<Sample>& out, std::size_t batch, const WorkerInfo* w,
                  const std::atomic<bool>* stop) {
    out.clear();
    while (out.size() < bs_) {
      if (stop && stop->load(std::memory_order_relaxed)) throw Cancelled{};
      const std::size_t item = items_;
      try {
        if (!(it_ != end_)) return true;
        out.push_back(*it_);
        ++items_;
        ++it_;
      } catch (...) {
        std::throw_with_nested(DataLoaderError(
            "DataLoader: reading item " + std::to_string(item) +
                " of the iterable dataset (batch " + std::to_string(batch) + ") failed" +
                in_worker(w) + ": " + what_of(std::current_exception()),
            batch, item, w ? std::optional(w->id) : std::nullopt));
      }
    }
    return !(it_ != end_);
  }
  /// Passes over up to batch_size items unread.
  void skip_chunk() {
    for (std::size_t k = 0; k < bs_ && it_ != end_; ++k, ++items_) ++it_;
  }

 private:
  decltype(std::declval<typename Core::dataset_type&>().begin()) it_;
  decltype(std::declval<typename Core::dataset_type&>().end()) end_;
  std::size_t bs_;
  std::size_t items_ = 0;
};

template <class Core, class Batch>
class StreamEpoch final : public LoaderEpoch<Batch> {
 public:
  explicit StreamEpoch(std::shared_ptr<Core> core) : core_(std::move(core)), stream_(*core_) {}

 private:
  bool ended() override {
    if (!loaded_) {
      if (broken_ || stream_.empty()) return true;
      if (!core_->drop_last) return false;
      load();  // only reading tells whether the last batch is complete
    }
    return exhausted_;
  }
  void load_current() override {
    load();
    if (error_) std::rethrow_exception(error_);
    if (exhausted_) this->throw_at_end();
  }
  void next() override {
    if (!loaded_) stream_.skip_chunk();  // skip the batch unread
    loaded_ = false;
    error_ = nullptr;
    ++this->pos_;
  }

  /// Reads and collates the current batch of the stream, once.
  void load() {
    if (loaded_) return;
    loaded_ = true;
    exhausted_ = false;
    if (broken_) {
      exhausted_ = true;
      return;
    }
    try {
      stream_.read_chunk(scratch_, this->pos_, nullptr, nullptr);
    } catch (...) {
      error_ = std::current_exception();
      broken_ = true;  // the stream's state is unknown: it ends after this batch
      return;
    }
    if (scratch_.empty() || (core_->drop_last && scratch_.size() < core_->batch_size)) {
      exhausted_ = true;
      scratch_.clear();
      return;
    }
    try {
      this->current_.emplace(core_->collate_samples(scratch_, {}));
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  std::shared_ptr<Core> core_;
  StreamReader<Core> stream_;
  std::vector<typename Core::sample_type> scratch_;
  bool loaded_ = false, exhausted_ = false, broken_ = false;
  std::exception_ptr error_;
};

template <class Core, class Batch>
class StreamWorkerEpoch final : public LoaderEpoch<Batch> {
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 public:
  explicit StreamWorkerEpoch(std::shared_ptr<Core> core)
      : core_(std::move(core)),
        stream_(*core_),
        ring_(core_->num_workers, core_->prefetch_factor,
              core_->gen ? core_->gen->next() : detail::locked_next(default_generator())) {
    ring_.init = core_->worker_init_fn;
    ring_.timeout = core_->timeout;
    ring_.pool = core_->persistent.get();
    ring_.start([this](std::size_t w) { work(w); });
  }
  ~StreamWorkerEpoch() override { this->stop(); }

 private:
  using Slot = typename WorkerRing<Batch>::Slot;

  bool ended() override {
    std::unique_lock lk(ring_.mu);
    ring_.wait_done(lk, this->pos_, [&] { return turn_ > this->pos_ || end_seq_ <= this->pos_; });
    return ring_.stopping || end_seq_ <= this->pos_;
  }
  void load_current() override {
    if (this->at_end()) this->throw_at_end();
    ring_.take(this->pos_, this->current_);
  }
  void next() override {
    ring_.release(this->pos_);
    {
      std::lock_guard lk(ring_.mu);
      consumed_ = ++this->pos_;
    }
    ring_.work_cv.notify_all();
  }
  void stop_workers() override { ring_.stop(); }

  /// Worker w: reads chunks w, w + N, ... in turn, then collates each.
  void work(std::size_t w) {
    std::vector<typename Core::sample_type> scratch;
    const std::size_t cap = ring_.cap;
    for (std::size_t seq = w;; seq += ring_.workers) {
      {
        std::unique_lock lk(ring_.mu);
        ring_.work_cv.wait(lk, [&] {
          return ring_.stopping || end_seq_ <= seq || (turn_ == seq && seq < consumed_ + cap);
        });
        if (ring_.stopping || end_seq_ <= seq) return;
      }
      // Our turn: nobody else touches the stream until turn_ moves on.
      Slot& s = ring_.slots[seq % cap];
      std::exception_ptr err;
      bool ended = false;
      try {
        ended = stream_.read_chunk(scratch, seq, &ring_.infos[w], &ring_.stop_flag);
      } catch (const Cancelled&) {
        return;
      } catch (...) {
        err = std::current_exception();
        ended = true;
      }
      const bool exists =
          err || (!scratch.empty() && !(core_->drop_last && scratch.size() < core_->batch_size));
      {
        std::lock_guard lk(ring_.mu);
        turn_ = seq + 1;
        if (ended) end_seq_ = exists ? seq + 1 : seq;
      }
      ring_.work_cv.notify_all();
      ring_.done_cv.notify_all();
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
      ring_.publish(s);
    }
  }

  std::shared_ptr<Core> core_;
  StreamReader<Core> stream_;
  std::size_t consumed_ = 0;    // batches the consumer released (guarded by mu)
  std::size_t turn_ = 0;        // the batch whose chunk is read next (guarded by mu)
  std::size_t end_seq_ = npos;  // the number of batches, once known (guarded by mu)
  WorkerRing<Batch> ring_;      // last: its threads stop before the members above go
};

}  // namespace torchlet::data::detail
