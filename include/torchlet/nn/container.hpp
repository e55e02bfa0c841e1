#pragma once
// Containers: nn::Sequential (a chain of modules run in order) and nn::ModuleList (an
// indexable list of modules with no forward of its own). Children are named "0",
// "1", ... as in PyTorch.
//
// Both are built from temporaries of library layers, which move into the container
// (`nn::Sequential model{nn::Flatten{}, nn::Linear{784, 256}, nn::ReLU{}}`), or from
// std::shared_ptr<M> for any module, which is how user modules (not movable) go in.
#include <iterator>
#include <memory>
#include <type_traits>
#include <vector>

#include "torchlet/detail/namespaces.hpp"
#include "torchlet/nn/module.hpp"

namespace torchlet::detail {

template <class T>
struct is_module_shared_ptr : std::false_type {};
template <class T>
struct is_module_shared_ptr<std::shared_ptr<T>> : std::true_type {};

/// A module argument turned into shared ownership: shared_ptrs are kept, temporaries moved.
template <class M>
std::shared_ptr<nn::Module> hold_module(const char* container, M&& m) {
  using D = std::remove_cvref_t<M>;
  if constexpr (is_module_shared_ptr<D>::value) {
    static_assert(
        std::is_base_of_v<nn::Module, typename D::element_type>,
        "nn containers hold nn::Module objects: the shared_ptr must point to a nn::Module");
    if (!m) throw std::invalid_argument(std::string(container) + ": null module pointer");
    return m;
  } else {
    static_assert(std::is_base_of_v<nn::Module, D>,
                  "nn containers hold nn::Module objects or std::shared_ptr to them");
    static_assert(!std::is_lvalue_reference_v<M>,
                  "nn containers take a temporary, std::move(layer), or std::make_shared<M>(...) - "
                  "modules are not copyable");
    static_assert(std::is_move_constructible_v<D>,
                  "this module type is not movable (user modules register member addresses): "
                  "pass std::make_shared<M>(...) instead");
    return std::make_shared<D>(std::forward<M>(m));
  }
}

/// Range-for over a list of shared_ptr<nn::Module> that yields nn::Module&.
class ModuleIterator {
 public:
  using base = std::vector<std::shared_ptr<nn::Module>>::const_iterator;
  using iterator_category = std::random_access_iterator_tag;
  using value_type = nn::Module;
  using difference_type = std::ptrdiff_t;
  using pointer = nn::Module*;
  using reference = nn::Module&;
  ModuleIterator() = default;
  explicit ModuleIterator(base it) : it_(it) {}
  nn::Module& operator*() const { return **it_; }
  nn::Module* operator->() const { return it_->get(); }
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
  nn::Module& operator[](difference_type n) const { return *it_[n]; }
  friend bool operator==(const ModuleIterator& a, const ModuleIterator& b) {
    return a.it_ == b.it_;
  }
  friend auto operator<=>(const ModuleIterator& a, const ModuleIterator& b) {
    return a.it_ <=> b.it_;
  }

 private:
  base it_{};
};

/// The list behind Sequential and ModuleList: owns the children, names them "0", "1", ...
class ModuleListBase : public nn::Module {
 public:
  using iterator = ModuleIterator;

  std::size_t size() const noexcept { return modules_.size(); }
  bool empty() const noexcept { return modules_.empty(); }
  iterator begin() const { return iterator(modules_.begin()); }
  iterator end() const { return iterator(modules_.end()); }

  /// The i-th module (negative i counts from the end, as in Python).
  nn::Module& operator[](std::int64_t i) const { return *modules_[index(i)]; }
  /// The i-th module as its concrete type: seq.at<nn::Linear>(1).weight. Throws on a wrong type.
  template <class M>
  M& at(std::int64_t i) const {
    auto* p = dynamic_cast<M*>(modules_[index(i)].get());
    if (!p)
      throw std::invalid_argument(name() + "::at: module " + std::to_string(i) + " is a " +
                                  modules_[index(i)]->name() + ", not the requested type");
    return *p;
  }
  /// Shared ownership of the i-th module.
  std::shared_ptr<nn::Module> ptr(std::int64_t i) const { return modules_[index(i)]; }

 protected:
  ModuleListBase() = default;
  // Not noexcept: registering the members again allocates.
  // NOLINTNEXTLINE(bugprone-exception-escape,performance-noexcept-move-constructor)
  ModuleListBase(ModuleListBase&& o) : Module(), modules_(std::move(o.modules_)) {
    copy_state_from(o);
    for (std::size_t i = 0; i < modules_.size(); ++i)
      register_module(std::to_string(i), modules_[i]);
  }
  void add(std::shared_ptr<nn::Module> m) {
    register_module(std::to_string(modules_.size()), m);
    modules_.push_back(std::move(m));
  }
  std::size_t index(std::int64_t i) const {
    const auto n = static_cast<std::int64_t>(modules_.size());
    if (i < -n || i >= n)
      throw std::out_of_range(name() + ": index " + std::to_string(i) + " is out of range for " +
                              std::to_string(n) + " modules");
    return static_cast<std::size_t>(i < 0 ? i + n : i);
  }

  std::vector<std::shared_ptr<nn::Module>> modules_;
};

template <class Self, class... Ms>
concept NotSelf = !(sizeof...(Ms) == 1 && (std::is_same_v<std::remove_cvref_t<Ms>, Self> && ...));

}  // namespace torchlet::detail

namespace torchlet::nn {

/// Runs its modules in order: forward(x) = m_{n-1}(...m_1(m_0(x))). Each child is called
/// through operator(), so its hooks run.
class Sequential : public detail::ModuleListBase {
 public:
  Sequential() = default;
  /// Sequential{nn::Linear{784, 256}, nn::ReLU{}, std::make_shared<Net>()}: children "0", "1", ...
  template <class... Ms>
  requires detail::NotSelf<Sequential, Ms...> Sequential(Ms&&... modules) {
    (add(detail::hold_module("Sequential", std::forward<Ms>(modules))), ...);
  }
  /// Moves the container and its children.
  Sequential(Sequential&& o) = default;

  /// Appends a module (a temporary library layer or a shared_ptr).
  template <class M>
  Sequential& push_back(M&& m) {
    add(detail::hold_module("Sequential", std::forward<M>(m)));
    return *this;
  }
  /// Same as push_back (PyTorch's append).
  template <class M>
  Sequential& append(M&& m) {
    return push_back(std::forward<M>(m));
  }

  Tensor forward(const Tensor& x) override {
    Tensor y = x;
    for (auto& m : modules_) y = (*m)(y);
    return y;
  }
};

/// Holds modules in a list, registered as children "0", "1", ...; it has no forward:
/// the owner decides how to call them.
class ModuleList : public detail::ModuleListBase {
 public:
  ModuleList() = default;
  /// ModuleList{a, b, ...}: children "0", "1", ... (temporaries of library layers or shared_ptrs).
  template <class... Ms>
  requires detail::NotSelf<ModuleList, Ms...> ModuleList(Ms&&... modules) {
    (add(detail::hold_module("ModuleList", std::forward<Ms>(modules))), ...);
  }
  /// Moves the list and its modules.
  ModuleList(ModuleList&& o) = default;

  /// Appends a module (a temporary library layer or a shared_ptr).
  template <class M>
  ModuleList& push_back(M&& m) {
    add(detail::hold_module("ModuleList", std::forward<M>(m)));
    return *this;
  }
  /// Same as push_back (PyTorch's append).
  template <class M>
  ModuleList& append(M&& m) {
    return push_back(std::forward<M>(m));
  }

  Tensor forward(const Tensor&) override {
    throw std::logic_error("ModuleList: has no forward(); iterate over it and call its modules");
  }
};

}  // namespace torchlet::nn
