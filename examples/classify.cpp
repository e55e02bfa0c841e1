// Using a trained model inside a program: classifies digit images with an MNIST CNN whose
// weights come from a file, on as many threads as asked, all sharing one model.
//
//   build/examples/classify --weights tests/fixtures/io/pt/mnist_cnn.pt digit1.png digit2.jpg
//   ls digits/*.png | build/examples/classify --weights model.safetensors --threads 4
//
// The weights are a state dict in PyTorch's .pt/.pth format or safetensors (the fixture above
// was trained by PyTorch on the bundled sample: scripts/make_pt_fixtures.py). The images
// (PNG, JPEG, BMP, ...) are named on the command line or, when none is, read as one path
// per line from standard input; they are read as gray, resized to 28 x 28 and normalised as
// in training (white digit on black, as MNIST). Prints "path<TAB>class<TAB>probability" per
// image, in the order given; an unreadable image gets one line on stderr and the others go
// on; the exit status is then 1.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/main.hpp"

using namespace torchlet;
namespace F = nn::functional;

// pytorch/examples' mnist Net with fewer channels (conv 1-8-16, fc 2304-32-10): the
// architecture of the weights file. Dropout is the identity in eval().
struct Net : nn::Module {
  nn::Conv2d conv1{1, 8, 3};
  nn::Conv2d conv2{8, 16, 3};
  nn::Dropout dropout1{0.25};
  nn::Dropout dropout2{0.5};
  nn::Linear fc1{2304, 32};
  nn::Linear fc2{32, 10};
  Net() {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("dropout1", dropout1);
    register_module("dropout2", dropout2);
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override {
    auto h = F::max_pool2d(relu(conv2(relu(conv1(x)))), 2);
    h = relu(fc1(dropout1(h).flatten(1)));
    return F::log_softmax(fc2(dropout2(h)), 1);
  }
};

struct Result {
  std::int64_t label = -1;
  double probability = 0;
  std::string error;  // one line; empty on success
};

// One image -> [1, 1, 28, 28], normalised as the training images were.
Tensor preprocess(const std::string& path) {
  using namespace vision::transforms;
  static const Compose transform{Resize({28, 28}), ToTensor{}, Normalize{{0.1307f}, {0.3081f}}};
  return transform(vision::read_image(path, vision::ImageReadMode::GRAY)).unsqueeze(0);
}

// Safe to call from many threads on one model: eval() mode, InferenceMode, no shared state.
Result classify(Net& model, const std::string& path) {
  try {
    InferenceMode inference;
    const Tensor log_probs = model(preprocess(path));
    const std::int64_t label = log_probs.argmax(1).item();
    return {label, std::exp(static_cast<double>(log_probs.data()[label])), {}};
  } catch (const std::exception& e) {
    std::string why = e.what();
    for (char& c : why)
      if (c == '\n' || c == '\r') c = ' ';
    return {-1, 0, why};
  }
}

int run(int argc, char** argv) {
  // Everything not an option (or an option's value) is an image path.
  std::vector<const char*> option_argv{argv[0]};
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--", 0) == 0 || a == "-h") {
      option_argv.push_back(argv[i]);
      if (a.find('=') == std::string::npos && a != "--help" && a != "-h" && i + 1 < argc)
        option_argv.push_back(argv[++i]);
    } else {
      paths.push_back(a);
    }
  }
  examples::Args args("classify [options] [IMAGE...]",
                      "Classifies digit images with an MNIST CNN; prints path<TAB>class<TAB>"
                      "probability.\nWithout IMAGE arguments, reads one path per line from "
                      "standard input.");
  args.add("weights", "", "the model's state dict (.pt/.pth or .safetensors), required")
      .add("threads", "1", "images classified in parallel, one thread each");
  if (!args.parse(static_cast<int>(option_argv.size()), option_argv.data())) return 0;
  if (args.str("weights").empty()) throw examples::UsageError("--weights FILE is required");
  const auto threads = static_cast<int>(args.integer("threads", 1, 256));
  if (paths.empty())
    for (std::string line; std::getline(std::cin, line);)
      if (!line.empty()) paths.push_back(line);

  Net model;
  torchlet::load(model, args.str("weights"));
  model.eval();
  set_num_threads(1);  // one thread per image; the images themselves run in parallel

  std::vector<Result> results(paths.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < paths.size();)
      results[i] = classify(model, paths[i]);
  };
  std::vector<std::jthread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins

  int status = 0;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!results[i].error.empty()) {
      std::fprintf(stderr, "classify: %s\n", results[i].error.c_str());
      status = 1;
    } else {
      std::printf("%s\t%lld\t%.4f\n", paths[i].c_str(), static_cast<long long>(results[i].label),
                  results[i].probability);
    }
  }
  return status;
}

int main(int argc, char** argv) { return examples::run_main("classify", "", run, argc, argv); }
