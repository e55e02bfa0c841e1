// torchvision's ImageFolder in C++: a directory of class folders is a dataset.
//
//   build/examples/image_folder [--data DIR] [--dir OUT] [--per-class 60] [--test-per-class 20]
//                               [--epochs 8] [--workers 2] [--seed 0]
//
// It first makes such a directory itself: digits from the bundled MNIST sample (DIR,
// default data/mnist) written as PNG files with vision::write_png,
//
//   OUT/train/zero/00000.png  OUT/train/one/00001.png ...  OUT/test/nine/00042.png
//
// then reads it back as a PyTorch user would: vision::ImageFolder + transforms +
// data::DataLoader (worker threads decode the PNGs), trains a small CNN and prints
// the test accuracy. OUT defaults to a fresh directory under the system's temp directory,
// removed at the end (pass --dir to keep the files). The last line is "test accuracy: 0.XXXX".
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <torchlet/torchlet.hpp>

#include "common/cli.hpp"
#include "common/evaluate.hpp"
#include "common/main.hpp"

using namespace torchlet;
namespace fs = std::filesystem;

// The folder names: ImageFolder sorts them, so class 0 is "eight", not "zero" - the
// class index comes from the sorted names, as in torchvision.
const std::vector<std::string> kDigitNames = {"zero", "one", "two",   "three", "four",
                                              "five", "six", "seven", "eight", "nine"};

// Writes the first `per_class` images of each digit of `ds` to root/<digit name>/NNNNN.png.
std::size_t write_split(const vision::MNIST& ds, const fs::path& root, std::int64_t per_class) {
  std::vector<std::int64_t> written(10, 0);
  std::size_t total = 0;
  for (const auto& name : kDigitNames) fs::create_directories(root / name);
  for (std::int64_t i = 0;
       i < ds.targets.numel() && total < static_cast<std::size_t>(10 * per_class); ++i) {
    const std::int64_t digit = ds.targets.data()[i];
    if (written[static_cast<std::size_t>(digit)] >= per_class) continue;
    char file[32];
    std::snprintf(file, sizeof file, "%05lld.png", static_cast<long long>(i));
    vision::write_png(
        ds.data[i],
        (root / kDigitNames[static_cast<std::size_t>(digit)] / file).string());  // [28, 28]
    ++written[static_cast<std::size_t>(digit)];
    ++total;
  }
  return total;
}

// Removes the directory it owns when the program ends, also after an exception.
struct TempDir {
  fs::path path;
  bool owned = false;
  ~TempDir() {
    std::error_code ec;
    if (owned) fs::remove_all(path, ec);
  }
};

int run(int argc, char** argv) {
  examples::Args args(
      "image_folder",
      "Writes MNIST digits as PNG class folders, then trains on them through ImageFolder.");
  args.add("data", TORCHLET_SOURCE_DIR "/data/mnist",
           "directory holding the MNIST IDX files the PNGs are made from")
      .add("dir", "",
           "where to write the image folders (default: a temporary directory, removed at the end)")
      .add("per-class", "60", "training images per class")
      .add("test-per-class", "20", "test images per class")
      .add("epochs", "8", "number of passes over the training folder")
      .add("workers", "2", "DataLoader worker threads decoding the PNGs")
      .add("seed", "0", "seed of the initial weights, the shuffling and the augmentation");
  if (!args.parse(argc, argv)) return 0;
  const auto per_class = args.integer("per-class", 1, 100000);
  const auto test_per_class = args.integer("test-per-class", 1, 100000);
  const auto epochs = args.integer("epochs", 0, 100000);
  const auto workers = static_cast<std::size_t>(args.integer("workers", 0, 64));
  const auto seed = static_cast<std::uint64_t>(args.integer("seed", 0, INT64_MAX));
  manual_seed(seed);

  // 1. Make the image folders from the MNIST sample.
  TempDir out;
  if (args.str("dir").empty()) {
    out.path = fs::temp_directory_path() / ("torchlet_image_folder_" + std::to_string(::getpid()));
    out.owned = true;
  } else {
    out.path = args.str("dir");
  }
  const vision::MNIST mnist_train(args.str("data"), {.train = true});
  const vision::MNIST mnist_test(args.str("data"), {.train = false});
  const std::size_t n_train = write_split(mnist_train, out.path / "train", per_class);
  const std::size_t n_test = write_split(mnist_test, out.path / "test", test_per_class);
  std::printf("wrote %zu training and %zu test PNGs under %s\n", n_train, n_test,
              out.path.string().c_str());

  // 2. Read them back as torchvision would: ImageFolder(root, transform=...).
  //    The augmentation (RandomCrop with padding) runs on the ByteTensor [1, 28, 28] the
  //    file decodes to; ToTensor and Normalize make the Tensor [1, 28, 28] the model takes.
  namespace T = vision::transforms;
  vision::ImageFolder train((out.path / "train").string(),
                            {.transform = T::Compose{T::RandomCrop(28, {2}), T::ToTensor{},
                                                     T::Normalize{{0.1307f}, {0.3081f}}},
                             .mode = vision::ImageReadMode::GRAY});
  vision::ImageFolder test(
      (out.path / "test").string(),
      {.transform = T::Compose{T::ToTensor{}, T::Normalize{{0.1307f}, {0.3081f}}},
       .mode = vision::ImageReadMode::GRAY});
  std::printf("classes (sorted folder names):");
  for (const auto& [name, index] : train.class_to_idx())
    std::printf(" %s=%lld", name.c_str(), static_cast<long long>(index));
  std::printf("\n");
  const auto [first_image, first_class] = train[0];
  std::printf("train[0]: image %s, class %lld (%s) from %s\n",
              to_string(first_image.shape()).c_str(), static_cast<long long>(first_class),
              train.classes()[static_cast<std::size_t>(first_class)].c_str(),
              train.samples[0].first.c_str());

  data::DataLoader loader(
      train, {.batch_size = 32, .shuffle = true, .num_workers = workers, .seed = seed});
  data::DataLoader test_loader(test, {.batch_size = 100, .num_workers = workers});

  // 3. A small CNN: [B, 1, 28, 28] -> [B, 8, 14, 14] -> [B, 16, 7, 7] -> logits [B, 10].
  nn::Sequential model{nn::Conv2d{1, 8, 3, {.padding = 1}},
                       nn::ReLU{},
                       nn::MaxPool2d{2},
                       nn::Conv2d{8, 16, 3, {.padding = 1}},
                       nn::ReLU{},
                       nn::MaxPool2d{2},
                       nn::Flatten{},
                       nn::Linear{16 * 7 * 7, 10}};
  optim::Adam opt(model.parameters(), {.lr = 3e-3});
  nn::CrossEntropyLoss criterion;

  double test_acc = 0.0;
  for (std::int64_t epoch = 1; epoch <= epochs; ++epoch) {
    double loss_sum = 0.0;
    std::int64_t steps = 0;
    auto bar = utils::progress(loader, "epoch " + std::to_string(epoch));
    for (auto [images, labels] : bar) {  // images [32, 1, 28, 28], labels [32]
      opt.zero_grad();
      auto loss = criterion(model(images), labels);
      loss.backward();
      opt.step();
      loss_sum += loss.item();
      ++steps;
      bar.set_postfix("loss=" + std::to_string(loss_sum / static_cast<double>(steps)).substr(0, 6));
    }
    test_acc = examples::evaluate(model, test_loader);
    std::printf("epoch %lld/%lld  loss %.4f  test acc %.4f\n", static_cast<long long>(epoch),
                static_cast<long long>(epochs), loss_sum / static_cast<double>(steps), test_acc);
    std::fflush(stdout);
  }
  if (epochs == 0) test_acc = examples::evaluate(model, test_loader);
  std::printf("test accuracy: %.4f\n", test_acc);
  return 0;
}

int main(int argc, char** argv) {
  return examples::run_main("image_folder", "Pass the MNIST directory with --data DIR.", run, argc,
                            argv);
}
