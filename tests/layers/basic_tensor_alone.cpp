// A program that includes tensor/basic_tensor.hpp and nothing else of torchlet, and uses its
// autograd members: it must compile and link (autograd/ sits below tensor/, and
// basic_tensor.hpp brings the tape and the engine with it). Not a Catch2 program: the test
// "layers: basic_tensor.hpp alone compiles, links and runs backward" runs it and checks its
// exit code; each failed check prints its line and makes the exit code 1.
#include <cstdio>
#include <optional>

#include "torchlet/tensor/basic_tensor.hpp"

namespace {

int failures = 0;

void check(bool ok, int line) {
  if (ok) return;
  std::printf("basic_tensor_alone.cpp:%d: check failed\n", line);
  ++failures;
}
#define TORCHLET_CHECK(cond) check((cond), __LINE__)

template <class T>
torchlet::BasicTensor<T> filled(const torchlet::Shape& shape, T value) {
  auto t = torchlet::BasicTensor<T>::empty(shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = value;
  return t;
}

// y = 3 x, recorded with the recording API of autograd/record.hpp and a saved tensor of
// autograd/saved_tensor.hpp (its backward checks the saved input's version).
template <class T>
torchlet::BasicTensor<T> triple(const torchlet::BasicTensor<T>& x) {
  auto out = torchlet::BasicTensor<T>::empty(x.shape());
  for (std::int64_t i = 0; i < x.numel(); ++i) out.data()[i] = T(3) * x.data()[i];
  if (torchlet::detail::needs_graph<T>({&x}))
    torchlet::detail::record(out, "TripleBackward", {&x},
                             [sx = torchlet::detail::SavedTensor<T>(x),
                              shape = x.shape()](const torchlet::BasicTensor<T>& g) {
                               sx.check("TripleBackward");
                               auto gx = torchlet::BasicTensor<T>::empty(shape);
                               for (std::int64_t i = 0; i < gx.numel(); ++i)
                                 gx.data()[i] = T(3) * g.data()[i];
                               return std::vector<torchlet::BasicTensor<T>>{gx};
                             });
  return out;
}

}  // namespace

int main() {
  using torchlet::Tensor;
  // backward() of a one-element leaf: d x / d x = 1.
  auto x = filled<float>({1}, 2.f);
  x.requires_grad_();
  x.backward();
  TORCHLET_CHECK(x.grad().defined() && x.grad().data()[0] == 1.f);

  // A recorded op, a tensor hook, retain_grad and a post-accumulate hook.
  auto w = filled<float>({2}, 1.f);
  w.requires_grad_();
  auto y = triple(w);
  int hook_calls = 0, post_calls = 0;
  y.retain_grad();
  auto handle = y.register_hook([&](const Tensor&) { ++hook_calls; });
  auto post = w.register_post_accumulate_grad_hook([&](const Tensor&) { ++post_calls; });
  y.backward(filled<float>({2}, 1.f), true);
  TORCHLET_CHECK(y.grad_fn_name() == "TripleBackward");
  TORCHLET_CHECK(w.grad().data()[0] == 3.f && w.grad().data()[1] == 3.f);
  TORCHLET_CHECK(y.grad().data()[0] == 1.f);
  TORCHLET_CHECK(hook_calls == 1 && post_calls == 1);
  // A second backward adds into grad() (the engine's accumulation).
  y.backward(filled<float>({2}, 2.f));
  TORCHLET_CHECK(w.grad().data()[1] == 9.f);
  (void)handle;
  (void)post;

  // autograd::backward of two outputs of one leaf (float64): both gradients reach grad().
  auto v = filled<double>({1}, 1.0);
  v.requires_grad_();
  auto a = triple(v), b = triple(v);
  torchlet::autograd::backward({a, b}, {filled<double>({1}, 1.0), filled<double>({1}, 1.0)},
                               std::nullopt, false);
  TORCHLET_CHECK(v.grad().data()[0] == 6.0);

  // A saved tensor modified in place before backward throws.
  auto u = filled<float>({1}, 1.f);
  TORCHLET_CHECK(!triple(u).requires_grad());  // not recorded: u does not require grad
  auto c = filled<float>({1}, 1.f);
  c.requires_grad_();
  auto t = triple(c);
  torchlet::detail::bump_version(c);  // what an in-place op on c does
  bool threw = false;
  try {
    t.backward();
  } catch (const std::runtime_error&) {
    threw = true;
  }
  TORCHLET_CHECK(threw);

  std::printf("%s (%d failed)\n", failures ? "FAILED" : "passed", failures);
  return failures ? 1 : 0;
}
#undef TORCHLET_CHECK
