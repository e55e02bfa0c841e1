#pragma once
// Containers, as in torch/nn/modules/container.py: nn::Sequential (a chain of one-tensor
// modules run in order), nn::ModuleList and nn::ModuleDict (modules indexed by position or
// by name, with no forward of their own); nn::ParameterList and nn::ParameterDict
// (nn/parameter_list.hpp, included here as container.py holds them too).
// Children are named "0", "1", ... (or by their keys) as in PyTorch, so state_dict keys match.
//
// Modules go in as temporaries, which move into the container
// (`nn::Sequential model{nn::Flatten{}, nn::Linear{784, 256}, nn::ReLU{}}`), or as
// std::shared_ptr<M>, shared with the caller. A Sequential holds nn::Module (one tensor in,
// one out) only: anything else is a compile error saying so. ModuleList and ModuleDict hold
// nn::Module too, typed so that `list[i](x)` compiles; ModuleListOf<M> / ModuleDictOf<M> hold
// another kind (ModuleListOf<nn::ModuleBase> holds any module).
#include <initializer_list>
#include <iterator>
#include <memory>
#include <type_traits>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/module.hpp"
#include "torchlet/nn/parameter_list.hpp"

namespace torchlet::detail {

template <class T>
struct is_module_shared_ptr : std::false_type {};
template <class T>
struct is_module_shared_ptr<std::shared_ptr<T>> : std::true_type {};

/// The module type behind a container argument: M for an M or a std::shared_ptr<M>.
template <class M>
struct module_arg {
  using type = std::remove_cvref_t<M>;
};
template <class M>
struct module_arg<std::shared_ptr<M>> {
  using type = M;
};
template <class M>
using module_arg_t = typename module_arg<std::remove_cvref_t<M>>::type;

/// A module, or a std::shared_ptr to one: what containers take.
template <class M>
concept ModuleArgument = std::is_base_of_v<nn::ModuleBase, module_arg_t<M>>;

/// A module argument turned into shared ownership: shared_ptrs are kept, temporaries moved.
template <class E, class M>
std::shared_ptr<E> hold_module(const char* container, M&& m) {
  using D = std::remove_cvref_t<M>;
  if constexpr (is_module_shared_ptr<D>::value) {
    static_assert(std::is_base_of_v<E, typename D::element_type>,
                  "this nn container holds modules of its element type: nn::ModuleList and "
                  "nn::ModuleDict hold one-tensor nn::Modules, ModuleListOf<nn::ModuleBase> and "
                  "ModuleDictOf<nn::ModuleBase> hold any module");
    if (!m) throw std::invalid_argument(std::string(container) + ": null module pointer");
    return m;
  } else {
    static_assert(std::is_base_of_v<nn::ModuleBase, D>,
                  "nn containers hold nn modules or std::shared_ptr to them");
    static_assert(std::is_base_of_v<E, D>,
                  "this nn container holds modules of its element type: nn::ModuleList and "
                  "nn::ModuleDict hold one-tensor nn::Modules, ModuleListOf<nn::ModuleBase> and "
                  "ModuleDictOf<nn::ModuleBase> hold any module");
    static_assert(!std::is_lvalue_reference_v<M>,
                  "nn containers take a temporary, std::move(layer), or std::make_shared<M>(...) - "
                  "modules are not copyable");
    static_assert(std::is_move_constructible_v<D>,
                  "this module type is not movable (a member is not movable): pass "
                  "std::make_shared<M>(...) instead");
    return std::make_shared<D>(std::forward<M>(m));
  }
}

/// Range-for over a list of shared_ptr<E> that yields E&.
template <class E>
class ModuleIterator {
 public:
  using base = typename std::vector<std::shared_ptr<E>>::const_iterator;
  using iterator_category = std::random_access_iterator_tag;
  using value_type = E;
  using difference_type = std::ptrdiff_t;
  using pointer = E*;
  using reference = E&;
  ModuleIterator() = default;
  explicit ModuleIterator(base it) : it_(it) {}
  E& operator*() const { return **it_; }
  E* operator->() const { return it_->get(); }
  ModuleIterator& operator++() {
    ++it_;
    return *this;
  }
  ModuleIterator operator++(int) {
    auto c = *this;
    ++it_;
    return c;
  }
  ModuleIterator& operator--() {
    --it_;
    return *this;
  }
  ModuleIterator operator--(int) {
    auto c = *this;
    --it_;
    return c;
  }
  ModuleIterator& operator+=(difference_type n) {
    it_ += n;
    return *this;
  }
  ModuleIterator& operator-=(difference_type n) {
    it_ -= n;
    return *this;
  }
  friend ModuleIterator operator+(ModuleIterator a, difference_type n) { return a += n; }
  friend ModuleIterator operator+(difference_type n, ModuleIterator a) { return a += n; }
  friend ModuleIterator operator-(ModuleIterator a, difference_type n) { return a -= n; }
  friend difference_type operator-(const ModuleIterator& a, const ModuleIterator& b) {
    return a.it_ - b.it_;
  }
  E& operator[](difference_type n) const { return *it_[n]; }
  friend bool operator==(const ModuleIterator& a, const ModuleIterator& b) {
    return a.it_ == b.it_;
  }
  friend auto operator<=>(const ModuleIterator& a, const ModuleIterator& b) {
    return a.it_ <=> b.it_;
  }

 private:
  base it_{};
};

/// The list behind Sequential and ModuleList: owns (or shares) its E children, in order.
template <class E, class Base>
class ModuleListBase : public Base {
 public:
  using iterator = ModuleIterator<E>;  ///< yields E&

  /// Number of modules.
  std::size_t size() const noexcept { return modules_.size(); }
  /// Whether there are no modules.
  bool empty() const noexcept { return modules_.empty(); }
  /// The first module.
  iterator begin() const { return iterator(modules_.begin()); }
  /// Past the last module.
  iterator end() const { return iterator(modules_.end()); }

  /// The i-th module (negative i counts from the end, as in Python).
  E& operator[](std::int64_t i) const { return *modules_[index(i)]; }
  /// The i-th module as its concrete type: seq.at<nn::Linear>(1).weight. Throws on a wrong type.
  template <class M>
  M& at(std::int64_t i) const {
    auto* p = dynamic_cast<M*>(modules_[index(i)].get());
    if (!p)
      throw std::invalid_argument(this->name() + "::at: module " + std::to_string(i) + " is a " +
                                  modules_[index(i)]->name() + ", not the requested type");
    return *p;
  }
  /// Shared ownership of the i-th module.
  std::shared_ptr<E> ptr(std::int64_t i) const { return modules_[index(i)]; }

 protected:
  ModuleListBase() = default;
  void add(std::shared_ptr<E> m) { add(std::to_string(modules_.size()), std::move(m)); }
  void add(const std::string& name, std::shared_ptr<E> m) {
    Base::register_module(name, std::shared_ptr<nn::ModuleBase>(m, m.get()));
    modules_.push_back(std::move(m));
  }
  std::size_t index(std::int64_t i) const {
    const auto n = static_cast<std::int64_t>(modules_.size());
    if (i < -n || i >= n)
      throw std::out_of_range(this->name() + ": index " + std::to_string(i) +
                              " is out of range for " + std::to_string(n) + " modules");
    return static_cast<std::size_t>(i < 0 ? i + n : i);
  }

  std::vector<std::shared_ptr<E>> modules_;
};

template <class Self, class... Ms>
concept NotSelf = !(sizeof...(Ms) == 1 && (std::is_same_v<std::remove_cvref_t<Ms>, Self> && ...));

}  // namespace torchlet::detail

namespace torchlet::nn {

/// Whether M (a module type, or std::shared_ptr to one) can go into a nn::Sequential: its
/// forward takes one Tensor and returns one (it derives from nn::Module).
template <class M>
concept CanAppendToSequential = std::is_base_of_v<Module, torchlet::detail::module_arg_t<M>>;

/// Runs its modules in order: forward(x) = m_{n-1}(...m_1(m_0(x))). Each child is called
/// through operator(), so its hooks run. Holds nn::Module (one tensor in, one out) only.
class Sequential : public torchlet::detail::ModuleListBase<Module, Module> {
  template <class M>
  static std::shared_ptr<Module> hold(M&& m) {
    static_assert(CanAppendToSequential<M>,
                  "nn::Sequential chains modules whose forward takes one Tensor and returns one "
                  "(classes deriving from nn::Module); this module's forward has another "
                  "signature: call it in your own module's forward, or hold it in a "
                  "ModuleListOf<nn::ModuleBase>");
    if constexpr (CanAppendToSequential<M>)  // (one error message, not two)
      return torchlet::detail::hold_module<Module>("Sequential", std::forward<M>(m));
    else
      return nullptr;
  }
  static std::shared_ptr<Module> borrow(const std::string& name, ModuleBase* m) {
    auto* p = dynamic_cast<Module*>(m);
    if (!p)
      throw std::invalid_argument(
          "Sequential: child '" + name + "' is a " + (m ? m->name() : std::string("null")) +
          ", whose forward does not take one tensor (it is not an nn::Module)");
    // Shared, not owned: the module stays where it is (its owner must outlive the Sequential).
    return {std::shared_ptr<Module>(), p};
  }

 public:
  Sequential() = default;
  /// Sequential{nn::Linear{784, 256}, nn::ReLU{}, std::make_shared<Net>()}: children "0", "1", ...
  template <class... Ms>
  requires(torchlet::detail::NotSelf<Sequential, Ms...> &&
           (torchlet::detail::ModuleArgument<Ms> && ...)) Sequential(Ms&&... modules) {
    (add(hold(std::forward<Ms>(modules))), ...);
  }
  /// nn.Sequential(*model.children()): existing modules, shared (not copied, not owned: their
  /// owner must outlive the Sequential), named "0", "1", ... Throws std::invalid_argument
  /// naming a child that is not a one-tensor nn::Module.
  explicit Sequential(const std::vector<ModuleBase*>& children) {
    for (auto* m : children) add(borrow(std::to_string(modules_.size()), m));
  }
  /// nn.Sequential(OrderedDict(model.named_children())): existing modules under their names,
  /// shared as above.
  explicit Sequential(const std::vector<std::pair<std::string, ModuleBase*>>& named_children) {
    for (auto& [n, m] : named_children) add(n, borrow(n, m));
  }
  /// Moves the container and its children.
  Sequential(Sequential&& o) noexcept = default;

  /// Appends a module (a temporary, or a shared_ptr).
  template <class M>
  Sequential& push_back(M&& m) {
    add(hold(std::forward<M>(m)));
    return *this;
  }
  /// Same as push_back (PyTorch's append).
  template <class M>
  Sequential& append(M&& m) {
    return push_back(std::forward<M>(m));
  }
  /// Appends a module under a name (PyTorch's Sequential.add_module); returns it (the
  /// shared_ptr given, or a reference to the module moved in).
  template <class M>
  std::shared_ptr<M> add_module(const std::string& name, std::shared_ptr<M> m) {
    add(name, hold(m));
    return m;
  }
  /// add_module of a temporary, which the Sequential then owns.
  template <class M>
  requires(!std::is_lvalue_reference_v<M>) std::remove_cvref_t<M>
  &add_module(const std::string& name, M&& m) {
    auto p = hold(std::forward<M>(m));
    add(name, p);
    return static_cast<std::remove_cvref_t<M>&>(*p);
  }
  /// register_module is add_module in a Sequential (the module joins the chain).
  template <class M>
  decltype(auto) register_module(const std::string& name, M&& m) {
    return add_module(name, std::forward<M>(m));
  }

  /// x through every module in order.
  Tensor forward(const Tensor& x) override {
    Tensor y = x;
    for (auto& m : modules_) y = (*m)(y);
    return y;
  }
};

/// Holds modules of type E (and derived) in a list, registered as children "0", "1", ...; it
/// has no forward: the owner decides how to call them (`for (auto& layer : layers) x =
/// layer(x);`). nn::ModuleList is ModuleListOf<nn::Module>; ModuleListOf<nn::ModuleBase>
/// holds any module, ModuleListOf<MyLayer> a list of one layer type.
template <class E>
class ModuleListOf : public torchlet::detail::ModuleListBase<E, ModuleBase> {
  static_assert(std::is_base_of_v<ModuleBase, E>, "ModuleListOf<E>: E must be a module type");

 public:
  ModuleListOf() = default;
  /// ModuleList{a, b, ...}: children "0", "1", ... (temporaries or shared_ptrs).
  template <class... Ms>
  requires(torchlet::detail::NotSelf<ModuleListOf, Ms...> &&
           (torchlet::detail::ModuleArgument<Ms> && ...)) ModuleListOf(Ms&&... modules) {
    (this->add(torchlet::detail::hold_module<E>("ModuleList", std::forward<Ms>(modules))), ...);
  }
  /// Moves the list and its modules.
  ModuleListOf(ModuleListOf&& o) noexcept = default;

  /// Appends a module (a temporary or a shared_ptr).
  template <class M>
  ModuleListOf& push_back(M&& m) {
    this->add(torchlet::detail::hold_module<E>("ModuleList", std::forward<M>(m)));
    return *this;
  }
  /// Same as push_back (PyTorch's append).
  template <class M>
  ModuleListOf& append(M&& m) {
    return push_back(std::forward<M>(m));
  }
  /// "ModuleList", as PyTorch prints it.
  std::string name() const override { return "ModuleList"; }
};

/// A list of one-tensor modules (torch.nn.ModuleList): `for (auto& l : layers) x = l(x);`.
using ModuleList = ModuleListOf<Module>;

/// Modules of type E by name, in insertion order (torch.nn.ModuleDict); the keys are the
/// children's names, so state_dict keys are "key.weight". No forward. nn::ModuleDict is
/// ModuleDictOf<nn::Module>; ModuleDictOf<nn::ModuleBase> holds any module.
template <class E>
class ModuleDictOf : public ModuleBase {
  static_assert(std::is_base_of_v<ModuleBase, E>, "ModuleDictOf<E>: E must be a module type");

 public:
  /// A (key, module) entry.
  using value_type = std::pair<std::string, std::shared_ptr<E>>;

  ModuleDictOf() = default;
  /// ModuleDict{{"conv", std::make_shared<nn::Conv2d>(1, 2, 3)}, {"act",
  /// std::make_shared<nn::ReLU>()}}: entries in the order given.
  ModuleDictOf(std::initializer_list<value_type> items) {
    for (auto& [k, m] : items) insert(k, m);
  }
  /// Moves the dict and its modules.
  ModuleDictOf(ModuleDictOf&& o) noexcept = default;

  /// dict[key] = module: adds the entry at the end, or replaces the module of an existing key
  /// in place; m is a temporary or a shared_ptr. Returns the module.
  template <class M>
  E& insert(const std::string& key, M&& m) {
    auto p = torchlet::detail::hold_module<E>("ModuleDict", std::forward<M>(m));
    for (auto& [k, v] : items_)
      if (k == key) {
        replace_module(key, std::shared_ptr<ModuleBase>(p, p.get()));
        v = std::move(p);
        return *v;
      }
    ModuleBase::register_module(key, std::shared_ptr<ModuleBase>(p, p.get()));
    items_.emplace_back(key, std::move(p));
    return *items_.back().second;
  }
  /// The module under key; throws std::out_of_range naming the key.
  E& operator[](const std::string& key) const { return *find(key); }
  /// The module under key as its concrete type; throws on a missing key or another type.
  template <class M>
  M& at(const std::string& key) const {
    auto* p = dynamic_cast<M*>(find(key).get());
    if (!p)
      throw std::invalid_argument("ModuleDict::at: '" + key + "' is a " + find(key)->name() +
                                  ", not the requested type");
    return *p;
  }
  /// Whether key is present (`key in dict`).
  bool contains(const std::string& key) const {
    return std::any_of(items_.begin(), items_.end(), [&](auto& e) { return e.first == key; });
  }
  /// The keys, in insertion order.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (auto& [k, v] : items_) out.push_back(k);
    return out;
  }
  /// Number of entries.
  std::size_t size() const noexcept { return items_.size(); }
  /// Whether there are no entries.
  bool empty() const noexcept { return items_.empty(); }
  /// The first (key, module) entry (dict.items()).
  typename std::vector<value_type>::const_iterator begin() const noexcept { return items_.begin(); }
  /// Past the last entry.
  typename std::vector<value_type>::const_iterator end() const noexcept { return items_.end(); }
  /// "ModuleDict", as PyTorch prints it.
  std::string name() const override { return "ModuleDict"; }

 private:
  const std::shared_ptr<E>& find(const std::string& key) const {
    for (auto& [k, v] : items_)
      if (k == key) return v;
    throw std::out_of_range("ModuleDict: no key '" + key + "'");
  }
  std::vector<value_type> items_;
};

/// One-tensor modules by name (torch.nn.ModuleDict): `dict["conv"](x)`.
using ModuleDict = ModuleDictOf<Module>;

}  // namespace torchlet::nn
