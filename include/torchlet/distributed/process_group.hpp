#pragma once
// torch.distributed's process groups over MPI: init_process_group() joins the job that
// mpirun (or Slurm's srun) started, get_rank() / get_world_size() describe it,
// new_group() makes a group over a subset of ranks, destroy_process_group() leaves.
//
// A ProcessGroup is a handle on an MPI communicator of its own (a duplicate of
// MPI_COMM_WORLD or a subset of it), so torchlet's messages never mix with the program's own
// MPI traffic. Errors of MPI are returned, not fatal (MPI_ERRORS_RETURN), and surface as
// DistBackendError naming the collective, the rank and the tensor. A program started without
// a launcher is a world of one process: every collective is then a local no-op (a copy).
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace torchlet::distributed {

/// An error of the communication backend (torch.distributed.DistBackendError): the message
/// names the collective, this process's rank and the tensor's shape and dtype.
class DistBackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// How much checking the collectives do (torch.distributed.DebugLevel), from the environment
/// variable TORCHLET_DISTRIBUTED_DEBUG (OFF, INFO or DETAIL; PyTorch's TORCH_DISTRIBUTED_DEBUG)
/// read by init_process_group. DETAIL: before each collective the ranks exchange the
/// collective's name, the dtype and the shape, and every rank throws DistBackendError naming
/// all ranks' shapes when they differ (one small extra all-gather per collective).
enum class DebugLevel { OFF, INFO, DETAIL };

/// init_process_group's options (torch.distributed.init_process_group's arguments).
struct InitOptions {
  /// Only "mpi": the ranks and the world come from the MPI launcher.
  std::string backend = "mpi";
  /// A collective waiting longer than this aborts the whole job (MPI_Abort) with a message
  /// naming the collective, the rank and the tensor: a rank that died or skipped a
  /// collective never makes the others hang forever. PyTorch's default is 30 minutes.
  std::chrono::milliseconds timeout = std::chrono::minutes(30);
  /// When >= 0, must equal the launcher's world size (a check, as the world comes from MPI).
  int world_size = -1;
  /// When >= 0, must equal the launcher's rank for this process.
  int rank = -1;
};

namespace detail {

/// What a group's shared-memory fast path (detail/shm.hpp) looks like from here: its windows
/// are freed by release(), a collective call made by destroy_process_group only.
struct ShmEngineBase {
  ShmEngineBase() = default;
  ShmEngineBase(const ShmEngineBase&) = delete;
  ShmEngineBase& operator=(const ShmEngineBase&) = delete;
  virtual ~ShmEngineBase() = default;
  /// Frees the shared windows and communicators (collective over the group).
  virtual void release() noexcept = 0;
};

/// The state a ProcessGroup handle shares: its communicator and the global ranks of its members.
struct GroupState {
  MPI_Comm comm = MPI_COMM_NULL;  ///< MPI_COMM_NULL on a process outside the group
  std::vector<int> ranks;         ///< member i's rank in the default group
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
  /// The members as one shared-memory node (MPI_Comm_split_type), when they all share a host
  /// and TORCHLET_DISTRIBUTED_SHM is not 0 on any of them; MPI_COMM_NULL otherwise.
  MPI_Comm node = MPI_COMM_NULL;
  /// The shared-memory all-reduce over `node`, made on first use (detail/shm.hpp).
  std::shared_ptr<ShmEngineBase> shm;
  GroupState() = default;
  GroupState(const GroupState&) = delete;
  GroupState& operator=(const GroupState&) = delete;
  ~GroupState() {
    int finalized = 1;
    MPI_Finalized(&finalized);
    if (finalized) return;
    if (node != MPI_COMM_NULL) MPI_Comm_free(&node);
    if (comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
  }
};

/// Whether TORCHLET_DISTRIBUTED_SHM leaves the shared-memory all-reduce on (default: on).
inline bool shm_enabled_by_env() {
  const char* v = std::getenv("TORCHLET_DISTRIBUTED_SHM");
  if (!v || !*v) return true;
  const std::string s(v);
  if (s == "0" || s == "OFF" || s == "off" || s == "false") return false;
  if (s == "1" || s == "ON" || s == "on" || s == "true") return true;
  throw std::invalid_argument("TORCHLET_DISTRIBUTED_SHM must be 1 or 0, got '" + s + "'");
}

/// Sets state.node when every member of the group runs on this host (collective over the
/// group; part of making it, so every member does it at the same point).
inline void probe_shared_memory(GroupState& state, bool enabled) {
  int size = 1, rank = 0;
  MPI_Comm_size(state.comm, &size);
  MPI_Comm_rank(state.comm, &rank);
  if (size < 2) return;
  MPI_Comm node = MPI_COMM_NULL;
  int rc = MPI_Comm_split_type(state.comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  int node_size = 0;
  if (rc == MPI_SUCCESS) MPI_Comm_size(node, &node_size);
  int ok = enabled && rc == MPI_SUCCESS && node_size == size ? 1 : 0;
  rc = MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, state.comm);
  if (rc != MPI_SUCCESS || !ok) {
    if (node != MPI_COMM_NULL) MPI_Comm_free(&node);
    return;
  }
  MPI_Comm_set_errhandler(node, MPI_ERRORS_RETURN);
  state.node = node;
}

/// The process-wide state of torch.distributed.
struct Globals {
  std::shared_ptr<GroupState> world;  ///< the default group (null when not initialized)
  bool we_initialized_mpi = false;    ///< MPI_Finalize on destroy_process_group
  DebugLevel debug = DebugLevel::OFF;
  bool shm = true;  ///< TORCHLET_DISTRIBUTED_SHM, read by init_process_group
  std::terminate_handler previous_terminate = nullptr;
  /// Every group's shared-memory engine, in creation order (released by destroy_process_group).
  std::vector<std::shared_ptr<ShmEngineBase>> shm_engines;
};
inline Globals& globals() {
  static Globals g;
  return g;
}

/// MPI's text for an error code.
inline std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<std::size_t>(len));
}

/// This process's rank in the default group, or -1.
inline int world_rank() noexcept {
  const auto& w = globals().world;
  if (!w || w->comm == MPI_COMM_NULL) return -1;
  int r = -1;
  MPI_Comm_rank(w->comm, &r);
  return r;
}

/// std::terminate with a live process group: say so and abort the whole job at once
/// instead of leaving the other ranks waiting in a collective.
[[noreturn]] inline void terminate_job() noexcept {
  std::fprintf(stderr,
               "torchlet.distributed: rank %d terminated (uncaught exception?); aborting the "
               "job so that the other ranks do not wait for it\n",
               world_rank());
  std::fflush(stderr);
  int finalized = 1;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

inline DebugLevel debug_level_from_env() {
  const char* v = std::getenv("TORCHLET_DISTRIBUTED_DEBUG");
  if (!v || !*v) return DebugLevel::OFF;
  const std::string s(v);
  if (s == "OFF") return DebugLevel::OFF;
  if (s == "INFO") return DebugLevel::INFO;
  if (s == "DETAIL") return DebugLevel::DETAIL;
  throw std::invalid_argument("TORCHLET_DISTRIBUTED_DEBUG must be OFF, INFO or DETAIL, got '" + s +
                              "'");
}

}  // namespace detail

/// A group of processes collectives run over (torch.distributed.ProcessGroup): the default
/// group made by init_process_group, or a subset made by new_group. A handle: copies share it.
class ProcessGroup {
 public:
  /// A handle on state (the library makes groups; use init_process_group / new_group).
  explicit ProcessGroup(std::shared_ptr<detail::GroupState> s) : s_(std::move(s)) {}
  /// Whether this process belongs to the group (a non-member gets a handle from new_group too).
  bool is_member() const noexcept { return s_ && s_->comm != MPI_COMM_NULL; }
  /// This process's rank within the group (-1 for a non-member).
  int rank() const {
    if (!is_member()) return -1;
    int r = -1;
    MPI_Comm_rank(s_->comm, &r);
    return r;
  }
  /// Number of processes in the group.
  int size() const { return s_ ? static_cast<int>(s_->ranks.size()) : 0; }
  /// The default group's ranks of the members, in group-rank order.
  const std::vector<int>& ranks() const { return s_->ranks; }
  /// The group rank of the default group's rank `global` (torch.distributed.get_group_rank);
  /// throws std::invalid_argument naming it when it is not a member.
  int group_rank(int global) const {
    auto it = std::find(s_->ranks.begin(), s_->ranks.end(), global);
    if (it == s_->ranks.end())
      throw std::invalid_argument("rank " + std::to_string(global) +
                                  " is not part of the process group");
    return static_cast<int>(it - s_->ranks.begin());
  }
  /// The MPI communicator (for code that calls MPI itself; MPI_COMM_NULL for a non-member).
  MPI_Comm comm() const noexcept { return s_ ? s_->comm : MPI_COMM_NULL; }
  /// How long a collective may wait before the job is aborted.
  std::chrono::milliseconds timeout() const noexcept { return s_->timeout; }
  /// The state the handles share (for the library's internals).
  detail::GroupState& state() const noexcept { return *s_; }
  /// Whether both handles are the same group.
  bool operator==(const ProcessGroup& o) const noexcept { return s_ == o.s_; }

 private:
  std::shared_ptr<detail::GroupState> s_;
};

/// Whether init_process_group has run (and destroy_process_group not since).
inline bool is_initialized() noexcept { return detail::globals().world != nullptr; }

/// Whether torchlet was built with a backend: always true here (MPI).
inline bool is_available() noexcept { return true; }

/// Whether the MPI backend is usable (torch.distributed.is_mpi_available).
inline bool is_mpi_available() noexcept { return true; }

/// The debug level read from TORCHLET_DISTRIBUTED_DEBUG by init_process_group.
inline DebugLevel get_debug_level() noexcept { return detail::globals().debug; }

/// Joins the job (torch.distributed.init_process_group(backend="mpi")): initializes MPI unless
/// the program did, and makes the default group of all processes mpirun / srun started. Throws
/// std::invalid_argument for another backend or a world_size / rank that differs from the
/// launcher's, std::logic_error when already initialized. Started without a launcher, the world
/// is one process. Installs a std::terminate handler that aborts the whole job (MPI_Abort).
inline void init_process_group(const InitOptions& options = {}) {
  auto& g = detail::globals();
  if (g.world)
    throw std::logic_error(
        "init_process_group: trying to initialize the default process group twice");
  if (options.backend != "mpi")
    throw std::invalid_argument("init_process_group: backend '" + options.backend +
                                "' is not available; torchlet's backend is \"mpi\"");
  if (options.timeout.count() <= 0)
    throw std::invalid_argument("init_process_group: timeout must be positive");
  const DebugLevel debug = detail::debug_level_from_env();
  const bool shm = detail::shm_enabled_by_env();
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized)
    throw std::logic_error(
        "init_process_group: MPI was finalized by destroy_process_group; MPI cannot be "
        "initialized twice in one process");
  if (!initialized) {
    int provided = 0;
    const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    if (rc != MPI_SUCCESS)
      throw DistBackendError("init_process_group: MPI_Init_thread failed: " +
                             detail::mpi_error_string(rc));
    g.we_initialized_mpi = true;
  }
  auto state = std::make_shared<detail::GroupState>();
  MPI_Comm_dup(MPI_COMM_WORLD, &state->comm);
  MPI_Comm_set_errhandler(state->comm, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(state->comm, &rank);
  MPI_Comm_size(state->comm, &size);
  if ((options.world_size >= 0 && options.world_size != size) ||
      (options.rank >= 0 && options.rank != rank))
    throw std::invalid_argument(
        "init_process_group: world_size " + std::to_string(options.world_size) + " / rank " +
        std::to_string(options.rank) + " given, but the MPI launcher started rank " +
        std::to_string(rank) + " of " + std::to_string(size) + " processes");
  state->ranks.resize(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i) state->ranks[static_cast<std::size_t>(i)] = i;
  state->timeout = options.timeout;
  detail::probe_shared_memory(*state, shm);
  g.world = std::move(state);
  g.debug = debug;
  g.shm = shm;
  g.previous_terminate = std::set_terminate(detail::terminate_job);
}

/// The default group; throws std::logic_error before init_process_group.
inline ProcessGroup world_group() {
  if (!is_initialized())
    throw std::logic_error(
        "torchlet.distributed: default process group has not been initialized, please make "
        "sure to call init_process_group");
  return ProcessGroup(detail::globals().world);
}

/// This process's rank in `group` (the default group when omitted), -1 if not a member
/// (torch.distributed.get_rank).
inline int get_rank() { return world_group().rank(); }
/// This process's rank in `group`, -1 if not a member.
inline int get_rank(const ProcessGroup& group) { return group.rank(); }
/// Number of processes in the default group (torch.distributed.get_world_size).
inline int get_world_size() { return world_group().size(); }
/// Number of processes in `group`.
inline int get_world_size(const ProcessGroup& group) { return group.size(); }

/// A group over the given ranks of the default group (torch.distributed.new_group); empty:
/// all ranks. Every process of the default group must call it, members or not, with the same
/// ranks; a non-member gets a handle with is_member() == false. The group's rank i is ranks[i]
/// sorted ascending, as in PyTorch.
inline ProcessGroup new_group(std::vector<int> ranks = {}) {
  const ProcessGroup world = world_group();
  if (ranks.empty()) ranks = world.ranks();
  std::sort(ranks.begin(), ranks.end());
  for (std::size_t i = 0; i < ranks.size(); ++i)
    if (ranks[i] < 0 || ranks[i] >= world.size() || (i > 0 && ranks[i] == ranks[i - 1]))
      throw std::invalid_argument("new_group: rank " + std::to_string(ranks[i]) +
                                  " is out of range or repeated (world size " +
                                  std::to_string(world.size()) + ")");
  MPI_Group world_g = MPI_GROUP_NULL, sub = MPI_GROUP_NULL;
  MPI_Comm_group(world.comm(), &world_g);
  MPI_Group_incl(world_g, static_cast<int>(ranks.size()), ranks.data(), &sub);
  auto state = std::make_shared<detail::GroupState>();
  const int rc = MPI_Comm_create(world.comm(), sub, &state->comm);
  MPI_Group_free(&sub);
  MPI_Group_free(&world_g);
  if (rc != MPI_SUCCESS)
    throw DistBackendError("new_group failed on rank " + std::to_string(world.rank()) + ": " +
                           detail::mpi_error_string(rc));
  state->ranks = std::move(ranks);
  state->timeout = world.timeout();
  if (state->comm != MPI_COMM_NULL) {
    MPI_Comm_set_errhandler(state->comm, MPI_ERRORS_RETURN);
    detail::probe_shared_memory(*state, detail::globals().shm);
  }
  return ProcessGroup(std::move(state));
}

/// Leaves the job (torch.distributed.destroy_process_group): frees the default group and
/// finalizes MPI if init_process_group initialized it (every rank must call it; MPI cannot be
/// initialized again afterwards). Groups from new_group must not be used after it.
inline void destroy_process_group() {
  auto& g = detail::globals();
  if (!g.world)
    throw std::logic_error("destroy_process_group: the default process group is not initialized");
  std::set_terminate(g.previous_terminate);
  for (auto& e : g.shm_engines) e->release();  // collective, in the order they were made
  g.shm_engines.clear();
  g.world.reset();
  if (g.we_initialized_mpi) {
    MPI_Finalize();
    g.we_initialized_mpi = false;
  }
}

}  // namespace torchlet::distributed
