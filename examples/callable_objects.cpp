// Idioms 1-3: objects you call like functions.
//
// In Python, `layer(x)` works because nn.Module defines __call__, and __call__ runs
// forward() plus hooks. In C++ the same job is done by operator(): nn::Module's
// operator() runs the forward pre-hooks, the virtual forward(), then the forward hooks.
#include <functional>
#include <iostream>

#include <torchlet/torchlet.hpp>

using namespace torchlet;

// Python:  class Doubler:
//              def __call__(self, x): return 2 * x
struct Doubler {
  int operator()(int x) const { return 2 * x; }
};

int twice(int x) { return 2 * x; }

// Python:  class Net(nn.Module): def forward(self, x): ...
struct Net : nn::Module {
  nn::Linear fc{4, 2};
  Net() { register_module("fc", fc); }
  // x: [B, 4] -> [B, 2]
  Tensor forward(const Tensor& x) override { return fc(x).relu(); }
  std::string name() const override { return "Net"; }
};

int main() {
  // A class with operator(), a function and a lambda are all called alike...
  Doubler doubler;
  auto lambda = [](int x) { return 2 * x; };
  std::cout << "doubler(21) = " << doubler(21) << ", twice(21) = " << twice(21)
            << ", lambda(21) = " << lambda(21) << "\n";
  // ...and all fit the same slot, as Python's callables do.
  for (const std::function<int(int)>& f :
       {std::function<int(int)>(doubler), std::function<int(int)>(twice),
        std::function<int(int)>(lambda)})
    std::cout << "std::invoke(f, 5) = " << std::invoke(f, 5) << "\n";

  // nn::Linear is a class; its objects are called: layer(x) (Python: nn.Linear(784, 10)(x)).
  manual_seed(0);
  nn::Linear layer{3, 2};
  auto y = layer(ones({1, 3}));
  std::cout << "layer = " << layer << "\nlayer(x) has shape " << to_string(y.shape()) << "\n";

  // model(x) runs forward() because Module::operator() calls the virtual forward()...
  Net model;
  std::cout << model << "\n";
  // ...and does more than forward: here a hook observes every call, as in PyTorch.
  int calls = 0;
  auto handle =
      model.register_forward_hook([&](nn::Module& m, const Tensor& in, const Tensor& out) {
        ++calls;
        std::cout << "hook: " << m.name() << " mapped " << to_string(in.shape()) << " to "
                  << to_string(out.shape()) << "\n";
      });
  model(ones({2, 4}));
  handle.remove();
  model(ones({2, 4}));  // no hook any more
  std::cout << "the hook ran " << calls << " time(s)\n";
  return calls == 1 ? 0 : 1;
}
