#pragma once
// nn::parallel::DistributedDataParallel (torch.nn.parallel.DistributedDataParallel): wraps a
// module so that every rank of a process group trains the same model on its own shard of
// the data. At construction the ranks check that their models have the same parameters and
// take rank 0's parameters and buffers. During backward, a hook on each parameter copies its
// gradient into a bucket (about bucket_cap_mb each, parameters in reverse registration order,
// the order backward usually produces them); a full bucket starts an asynchronous
// all-reduce at once, so communication overlaps the rest of backward. The hook of the last
// gradient waits for the buckets and writes the averaged gradients back into grad(), so after
// loss.backward() every rank holds the same gradients and optimizer.step() keeps the models
// equal. Buckets start in the same order on every rank, as MPI requires.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/distributed/collectives.hpp"
#include "torchlet/distributed/process_group.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::nn::parallel {

/// DistributedDataParallel's options, as PyTorch's constructor arguments.
struct DistributedDataParallelOptions {
  /// Size of a gradient bucket in MiB: each bucket is all-reduced as soon as all its
  /// gradients are ready. A bucket larger than the model means one all-reduce after backward.
  double bucket_cap_mb = 25.0;
  /// Whether some parameters may get no gradient in an iteration (a branch not taken): the
  /// graph of each forward's output is searched, and unreached parameters count as ready
  /// with a zero gradient. A parameter no rank used keeps its grad() untouched.
  bool find_unused_parameters = false;
  /// Copy rank 0's buffers (BatchNorm's running statistics) to every rank at each forward.
  bool broadcast_buffers = true;
  /// The group to train over; the default group when empty.
  std::optional<distributed::ProcessGroup> process_group{};
};

/// Where DistributedDataParallel's communication time went (torchlet's counters, for
/// benchmarks; reset_comm_stats() clears them).
struct DDPCommStats {
  std::int64_t iterations = 0;   ///< backward passes that synchronised gradients
  std::int64_t all_reduces = 0;  ///< bucket all-reduces started
  /// Seconds in the gradient hooks copying gradients into buckets and starting all-reduces.
  double launch_seconds = 0.0;
  /// Seconds the last hook of backward waited for unfinished all-reduces: the communication
  /// that did not overlap backward.
  double wait_seconds = 0.0;
  /// Seconds copying averaged gradients back into grad().
  double copy_back_seconds = 0.0;
};

/// torch.nn.parallel.DistributedDataParallel: data-parallel training of `module` over a
/// process group. Call it like the module; its state_dict's keys start with "module.", as in
/// PyTorch (save module.state_dict() for the plain keys). The module must outlive it.
class DistributedDataParallel : public Module {
 public:
  /// Wraps `module`: checks that every rank has the same parameter shapes (throws
  /// DistBackendError naming the rank otherwise), then copies rank 0's parameters and buffers.
  explicit DistributedDataParallel(Module& module, DistributedDataParallelOptions options = {})
      : module(module),
        options_(std::move(options)),
        group_(options_.process_group ? *options_.process_group : distributed::world_group()) {
    if (!(options_.bucket_cap_mb > 0))
      throw std::invalid_argument("DistributedDataParallel: bucket_cap_mb must be positive");
    register_module("module", module);
    for (auto& [name, p] : module.named_parameters())
      if (p.requires_grad()) {
        names_.push_back(name);
        params_.push_back(p);
      }
    verify_shapes();
    sync_module_states();
    build_buckets();
    for (std::size_t i = 0; i < params_.size(); ++i)
      handles_.push_back(params_[i].register_post_accumulate_grad_hook(
          [this, i](const Tensor&) { on_grad_ready(i); }));
  }
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;
  ~DistributedDataParallel() override {
    for (auto& h : handles_) h.remove();
  }

  /// The wrapped module (PyTorch's ddp.module).
  Module& module;

  /// Broadcasts rank 0's buffers (broadcast_buffers), prepares the gradient reduction of the
  /// coming backward, and runs the module. Throws std::runtime_error when the previous
  /// backward left parameters without a gradient (find_unused_parameters was needed).
  Tensor forward(const Tensor& x) override {
    if (in_backward_) {
      std::string missing;
      for (std::size_t i = 0; i < params_.size(); ++i)
        if (!ready_[i]) missing += (missing.empty() ? "" : ", ") + names_[i];
      in_backward_ = false;
      throw std::runtime_error(
          "DistributedDataParallel on rank " + std::to_string(distributed::get_rank()) +
          ": expected to have finished reduction in the prior iteration before starting a new "
          "one; these parameters received no gradient: " +
          missing + ". Pass find_unused_parameters = true if some are not used in forward.");
    }
    if (options_.broadcast_buffers && group_.size() > 1)
      for (auto& b : module.buffers()) distributed::broadcast(b, group_.ranks()[0], {group_});
    sync_this_pass_ = require_sync_ && is_grad_enabled();
    std::fill(ready_.begin(), ready_.end(), false);
    std::fill(unused_.begin(), unused_.end(), false);
    for (auto& b : buckets_) b.pending = b.params.size();
    next_bucket_ = 0;
    Tensor out = module(x);
    if (sync_this_pass_ && options_.find_unused_parameters) mark_unreached(out);
    return out;
  }

  /// While alive, backward passes accumulate gradients locally without communication
  /// (PyTorch's `with ddp.no_sync():`); the first backward after it averages the
  /// accumulated gradients.
  class NoSyncGuard {
   public:
    /// Turns synchronisation off for `ddp`.
    explicit NoSyncGuard(DistributedDataParallel& ddp) : ddp_(&ddp), prev_(ddp.require_sync_) {
      ddp.require_sync_ = false;
    }
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;
    /// Restores synchronisation.
    ~NoSyncGuard() { ddp_->require_sync_ = prev_; }

   private:
    DistributedDataParallel* ddp_;
    bool prev_;
  };
  /// `{ auto guard = ddp.no_sync(); ... }`: forward/backward passes inside accumulate gradients
  /// locally (gradient accumulation without communication).
  [[nodiscard]] NoSyncGuard no_sync() { return NoSyncGuard(*this); }

  /// Number of gradient buckets.
  std::size_t num_buckets() const noexcept { return buckets_.size(); }
  /// Communication counters since construction or reset_comm_stats().
  const DDPCommStats& comm_stats() const noexcept { return stats_; }
  /// Clears the communication counters.
  void reset_comm_stats() noexcept { stats_ = {}; }
  /// The process group the gradients are averaged over.
  const distributed::ProcessGroup& process_group() const noexcept { return group_; }

 private:
  struct Bucket {
    std::vector<std::size_t> params;    // indices into params_
    std::vector<std::int64_t> offsets;  // of each parameter in the bucket
    std::int64_t numel = 0;
    Tensor flat;  // the bucket's gradients, averaged in place (without shared memory)
    // With shared memory: this rank's part of the bucket's region holds the gradients.
    std::shared_ptr<distributed::detail::ShmRegion> region;
    std::uint64_t seq = 0;    // the region's operation of this backward (0: not acquired yet)
    std::string what;         // "all_reduce on rank 0 (tensor [N] torch.float32)"
    std::size_t pending = 0;  // gradients not ready yet in this backward
    distributed::Work work;
    float* data() const {
      return region ? std::launder(reinterpret_cast<float*>(region->mine())) : flat.data();
    }
  };

  // Every rank must have the same parameter shapes (PyTorch's
  // _verify_param_shape_across_processes): count, total size and a digest of the shapes.
  void verify_shapes() {
    std::int64_t digest = 1469598103934665603LL % 1000000007LL, total = 0;
    for (auto& p : params_) {
      total += p.numel();
      for (auto d : p.shape()) digest = (digest * 1000003 + d + 1) % 1000000007LL;
      digest = (digest * 31 + 7) % 1000000007LL;
    }
    const std::int64_t count = static_cast<std::int64_t>(params_.size());
    LongTensor mine = LongTensor::empty({3});
    mine.data()[0] = count;
    mine.data()[1] = total;
    mine.data()[2] = digest;
    LongTensor all = LongTensor::empty({group_.size(), 3});
    distributed::all_gather_into_tensor(all, mine, {group_});
    for (int r = 0; r < group_.size(); ++r) {
      const std::int64_t* o = all.data() + std::ptrdiff_t{3} * r;
      if (o[0] != count || o[1] != total || o[2] != digest)
        throw distributed::DistBackendError(
            "DistributedDataParallel on rank " + std::to_string(distributed::get_rank()) +
            ": the model has " + std::to_string(count) + " parameters (" + std::to_string(total) +
            " elements) but rank " + std::to_string(group_.ranks()[static_cast<std::size_t>(r)]) +
            "'s has " + std::to_string(o[0]) + " (" + std::to_string(o[1]) +
            " elements) or other shapes: every rank must build the same model");
    }
  }

  // Rank 0's parameters and buffers to every rank, in one message.
  void sync_module_states() {
    if (group_.size() == 1) return;
    std::vector<Tensor> states;
    for (auto& p : module.parameters()) states.push_back(p);
    for (auto& b : module.buffers()) states.push_back(b);
    std::int64_t n = 0;
    for (auto& t : states) n += t.numel();
    Tensor flat = Tensor::empty({n});
    std::int64_t off = 0;
    for (auto& t : states) {
      std::copy_n(t.data(), t.numel(), flat.data() + off);
      off += t.numel();
    }
    distributed::broadcast(flat, group_.ranks()[0], {group_});
    off = 0;
    for (auto& t : states) {
      std::copy_n(flat.data() + off, t.numel(), t.data());
      off += t.numel();
    }
  }

  void build_buckets() {
    const auto cap = static_cast<std::int64_t>(options_.bucket_cap_mb * 1024 * 1024);
    slot_.assign(params_.size(), {0, 0});
    ready_.assign(params_.size(), false);
    unused_.assign(params_.size(), false);
    std::int64_t bytes = 0;
    for (std::size_t k = params_.size(); k-- > 0;) {
      const std::int64_t b = params_[k].numel() * static_cast<std::int64_t>(sizeof(float));
      if (buckets_.empty() || (bytes > 0 && bytes + b > cap)) {
        buckets_.emplace_back();
        bytes = 0;
      }
      auto& bucket = buckets_.back();
      slot_[k] = {buckets_.size() - 1, bucket.params.size()};
      bucket.offsets.push_back(bucket.offsets.empty()
                                   ? 0
                                   : bucket.offsets.back() + params_[bucket.params.back()].numel());
      bucket.params.push_back(k);
      bytes += b;
    }
    // Buckets in shared memory when the group's ranks share a host (collective: every rank
    // builds the same buckets); otherwise private tensors all-reduced through MPI.
    auto* shm = distributed::detail::ShmEngine::of(group_);
    for (auto& bucket : buckets_) {
      bucket.numel = bucket.offsets.back() + params_[bucket.params.back()].numel();
      bucket.what = distributed::detail::describe(distributed::detail::Coll::all_reduce, group_,
                                                  Tensor::empty({bucket.numel}));
      if (shm)
        bucket.region = shm->make_region(static_cast<std::size_t>(bucket.numel) * sizeof(float));
      else
        bucket.flat = Tensor::empty({bucket.numel});
    }
  }

  // find_unused_parameters: parameters whose gradient accumulator the output's graph does
  // not reach get no hook call in this backward; they count as ready with a zero gradient.
  void mark_unreached(const Tensor& out) {
    if (!out.requires_grad()) return;
    std::unordered_set<const autograd::NodeBase*> reached;
    if (auto root = detail::gradient_edge(out))
      for (auto* n : autograd::topological_order(root.get())) reached.insert(n);
    for (std::size_t i = 0; i < params_.size(); ++i)
      unused_[i] = !reached.count(params_[i].impl()->grad_accumulator.get());
  }

  void on_grad_ready(std::size_t i) {
    if (!sync_this_pass_) return;
    const auto start = std::chrono::steady_clock::now();
    if (!in_backward_) {
      in_backward_ = true;
      for (std::size_t k = 0; k < params_.size(); ++k)
        if (unused_[k]) mark_ready(k);
    }
    if (ready_[i])
      throw std::runtime_error("DistributedDataParallel on rank " +
                               std::to_string(distributed::get_rank()) + ": parameter " +
                               names_[i] +
                               " received a gradient twice in one iteration (a second backward "
                               "through the same forward needs another forward first)");
    mark_ready(i);
    for (std::size_t b = 0; b < next_bucket_; ++b) buckets_[b].work.is_completed();  // progress
    stats_.launch_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (next_bucket_ == buckets_.size()) finish_backward();
  }

  // Copies parameter k's gradient (zero when it has none) into its bucket; starts the
  // all-reduce of every bucket that is full, in bucket order.
  void mark_ready(std::size_t k) {
    auto [b, s] = slot_[k];
    Bucket& bucket = buckets_[b];
    if (bucket.region && bucket.seq == 0)  // wait until every rank read the last result
      bucket.seq = bucket.region->acquire(bucket.what, group_.timeout());
    float* dst = bucket.data() + bucket.offsets[s];
    const Tensor g = params_[k].grad();
    if (g.defined())
      std::copy_n(g.data(), g.numel(), dst);
    else
      std::fill_n(dst, params_[k].numel(), 0.0f);
    ready_[k] = true;
    --bucket.pending;
    while (next_bucket_ < buckets_.size() && buckets_[next_bucket_].pending == 0) {
      Bucket& next = buckets_[next_bucket_++];
      next.work = next.region ? start_shm(next)
                              : distributed::all_reduce(next.flat, distributed::ReduceOp::AVG,
                                                        {.group = group_, .async_op = true});
      ++stats_.all_reduces;
    }
  }

  // The bucket's all-reduce in shared memory. Without find_unused_parameters every parameter
  // of the bucket has its gradient, and the averages go straight into grad(); otherwise into
  // the bucket, from where finish_backward copies them.
  distributed::Work start_shm(Bucket& bucket) {
    namespace dd = distributed::detail;
    if (distributed::get_debug_level() == distributed::DebugLevel::DETAIL)
      dd::handshake(dd::Coll::all_reduce, group_, Tensor::empty({bucket.numel}), -1, bucket.what);
    std::vector<dd::ShmSegment> out;
    if (!options_.find_unused_parameters)
      for (std::size_t s = 0; s < bucket.params.size(); ++s) {
        const Tensor g = params_[bucket.params[s]].grad();
        out.push_back({static_cast<std::size_t>(bucket.offsets[s]),
                       static_cast<std::size_t>(g.numel()), g.data()});
      }
    const std::uint64_t seq = std::exchange(bucket.seq, 0);
    return dd::shm_start<float>(bucket.region, seq, static_cast<std::size_t>(bucket.numel),
                                dd::ShmCombine::kSum, true, std::move(out), true, bucket.what,
                                group_.timeout(), nullptr);
  }

  void finish_backward() {
    auto t0 = std::chrono::steady_clock::now();
    for (auto& bucket : buckets_) bucket.work.wait();
    std::vector<std::uint8_t> used(params_.size(), 1);
    if (options_.find_unused_parameters) {
      ByteTensor flags = ByteTensor::empty({static_cast<std::int64_t>(params_.size())});
      for (std::size_t k = 0; k < params_.size(); ++k) flags.data()[k] = unused_[k] ? 0 : 1;
      distributed::all_reduce(flags, distributed::ReduceOp::MAX, {group_});
      std::copy_n(flags.data(), flags.numel(), used.begin());
    }
    auto t1 = std::chrono::steady_clock::now();
    for (std::size_t k = 0; k < params_.size(); ++k) {
      if (!used[k]) continue;  // no rank used it: grad() stays as it was
      auto [b, s] = slot_[k];
      if (buckets_[b].region && !options_.find_unused_parameters) continue;  // already there
      const float* src = buckets_[b].data() + buckets_[b].offsets[s];
      Tensor g = params_[k].grad();
      if (!g.defined()) {
        g = Tensor::empty(params_[k].shape());
        params_[k].set_grad(g);
      }
      std::copy_n(src, g.numel(), g.data());
    }
    in_backward_ = false;
    ++stats_.iterations;
    auto t2 = std::chrono::steady_clock::now();
    stats_.wait_seconds += std::chrono::duration<double>(t1 - t0).count();
    stats_.copy_back_seconds += std::chrono::duration<double>(t2 - t1).count();
  }

  DistributedDataParallelOptions options_;
  distributed::ProcessGroup group_;
  std::vector<std::string> names_;
  std::vector<Tensor> params_;  // those that require grad, in registration order
  std::vector<std::pair<std::size_t, std::size_t>> slot_;  // (bucket, index in it) per param
  std::vector<Bucket> buckets_;
  std::vector<bool> ready_, unused_;
  std::vector<torchlet::utils::hooks::RemovableHandle> handles_;
  std::size_t next_bucket_ = 0;
  bool require_sync_ = true, sync_this_pass_ = false, in_backward_ = false;
  DDPCommStats stats_;
};

}  // namespace torchlet::nn::parallel
