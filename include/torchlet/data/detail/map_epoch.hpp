#pragma once
// The epochs of a DataLoader over a map-style dataset (size() / operator[]):
//
//   MapEpoch         0 workers: the consumer draws the next batch's indices on ++ and reads
//                    the samples only when the batch is dereferenced (lazy).
//   MapWorkerEpoch   N workers: the consumer draws index lists ahead into a ring of
//                    C = N * prefetch_factor slots; batch k is loaded by worker k % N; the
//                    consumer takes slot k % C when batch k is reached.
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "torchlet/data/detail/epoch.hpp"
#include "torchlet/data/detail/loader_core.hpp"

namespace torchlet::data::detail {

template <class Core, class Batch>
class MapEpoch final : public LoaderEpoch<Batch> {
 public:
  explicit MapEpoch(std::shared_ptr<Core> core)
      : core_(std::move(core)),
        n_(static_cast<std::size_t>(core_->dataset.size())),
        cursor_(core_->batches.start()) {
    has_indices_ = cursor_->next(indices_);
  }

 private:
  bool ended() override { return !has_indices_; }
  void load_current() override {
    if (!has_indices_) this->throw_at_end();
    this->current_.emplace(core_->fetch(indices_, scratch_, this->pos_, n_, nullptr, nullptr));
  }
  void next() override {
    has_indices_ = cursor_->next(indices_);
    ++this->pos_;
  }

  std::shared_ptr<Core> core_;
  std::size_t n_;
  std::unique_ptr<AnyBatchSampler::Cursor> cursor_;
  std::vector<std::size_t> indices_;
  bool has_indices_ = false;
  std::vector<typename Core::sample_type> scratch_;  // the samples of the batch being loaded
};

template <class Core, class Batch>
class MapWorkerEpoch final : public LoaderEpoch<Batch> {
 public:
  explicit MapWorkerEpoch(std::shared_ptr<Core> core)
      : core_(std::move(core)),
        n_(static_cast<std::size_t>(core_->dataset.size())),
        cursor_(core_->batches.start()),
        ring_(core_->num_workers, core_->prefetch_factor,
              core_->gen ? core_->gen->next() : detail::locked_next(default_generator())) {
    ring_.init = core_->worker_init_fn;
    ring_.timeout = core_->timeout;
    ring_.pool = core_->persistent.get();
    dispatch();
    ring_.start([this](std::size_t w) { work(w); });
  }
  ~MapWorkerEpoch() override { this->stop(); }

 private:
  using Slot = typename WorkerRing<Batch>::Slot;

  bool ended() override { return exhausted_ && this->pos_ >= dispatched_; }
  void load_current() override {
    if (this->at_end()) this->throw_at_end();
    ring_.take(this->pos_, this->current_);
  }
  void next() override {
    ring_.release(this->pos_++);
    dispatch();
  }
  void stop_workers() override { ring_.stop(); }

  /// Consumer: keeps index lists for batches [pos_, pos_ + C) in the slots.
  void dispatch() {
    while (!exhausted_ && dispatched_ < this->pos_ + ring_.cap) {
      Slot& s = ring_.slots[dispatched_ % ring_.cap];
      const bool got = cursor_->next(s.indices);
      {
        std::lock_guard lk(ring_.mu);
        if (got)
          ++dispatched_;
        else
          exhausted_ = true;
      }
      ring_.work_cv.notify_all();
    }
  }
  /// Worker w: loads batches w, w + N, w + 2N, ... as their indices arrive.
  void work(std::size_t w) {
    std::vector<typename Core::sample_type> scratch;
    for (std::size_t seq = w;; seq += ring_.workers) {
      {
        std::unique_lock lk(ring_.mu);
        ring_.work_cv.wait(lk, [&] { return ring_.stopping || seq < dispatched_ || exhausted_; });
        if (ring_.stopping || seq >= dispatched_) return;
      }
      Slot& s = ring_.slots[seq % ring_.cap];
      try {
        s.batch.emplace(
            core_->fetch(s.indices, scratch, seq, n_, &ring_.stop_flag, &ring_.infos[w]));
      } catch (const Cancelled&) {
        return;
      } catch (...) {
        s.error = std::current_exception();
      }
      ring_.publish(s);
    }
  }

  std::shared_ptr<Core> core_;
  std::size_t n_;
  std::unique_ptr<AnyBatchSampler::Cursor> cursor_;
  std::size_t dispatched_ = 0;  // batches whose indices are in the slots (written under mu)
  bool exhausted_ = false;      // the batch sampler is done (written under mu)
  WorkerRing<Batch> ring_;      // last: its threads stop before the members above go
};

}  // namespace torchlet::data::detail
