#pragma once
// vision::MNIST and vision::FashionMNIST: the IDX files of a root directory as a
// Dataset of (image, label) pairs. Sample i is (transform(images[i]), targets[i]):
// with no transform the image is ToTensor'd, a Tensor [1, 28, 28] in [0, 1].
//
// Files looked up (raw or .gz), in `root`, `root/<Name>/raw` or `root/raw`:
//   train-images-idx3-ubyte  train-labels-idx1-ubyte   (train = true)
//   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte    (train = false)
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/vision/idx.hpp"
#include "torchlet/vision/transforms.hpp"

namespace torchlet::vision {

/// Thrown when a dataset's files are not where they were looked for.
class DatasetNotFoundError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Options of the MNIST-style datasets, in torchvision's argument order.
struct MNISTOptions {
  bool train = true;
  std::function<Tensor(const ByteTensor&)> transform = {};
  std::function<std::int64_t(std::int64_t)> target_transform = {};
};

class MNIST {
 public:
  using sample_type = std::pair<Tensor, std::int64_t>;

  explicit MNIST(const std::string& root, MNISTOptions options = {}) : MNIST(root, std::move(options), "MNIST") {}

  /// Number of samples (len(dataset)).
  std::size_t size() const noexcept { return static_cast<std::size_t>(targets.numel()); }
  /// (image, label) of sample i; throws std::out_of_range past the end.
  sample_type operator[](std::size_t i) const {
    if (i >= size())
      throw std::out_of_range(name_ + ": index " + std::to_string(i) + " is out of range for a dataset of " +
                              std::to_string(size()) + " samples");
    const auto img = data[static_cast<std::int64_t>(i)];
    Tensor x = options_.transform ? options_.transform(img) : transforms::ToTensor{}(img);
    std::int64_t y = targets.data()[i];
    if (options_.target_transform) y = options_.target_transform(y);
    return {std::move(x), y};
  }
  bool train() const noexcept { return options_.train; }
  /// Class names, as torchvision spells them.
  virtual const std::vector<std::string>& classes() const {
    static const std::vector<std::string> names{"0 - zero", "1 - one", "2 - two",   "3 - three", "4 - four",
                                                "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"};
    return names;
  }
  virtual ~MNIST() = default;
  MNIST(const MNIST&) = default;
  MNIST(MNIST&&) = default;

  /// All images, ByteTensor [N, H, W] (dataset.data in torchvision).
  ByteTensor data;
  /// All labels, LongTensor [N] (dataset.targets).
  LongTensor targets;

  /// The files a split needs, without the optional ".gz".
  static std::pair<std::string, std::string> file_names(bool train) {
    return train ? std::pair{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}
                 : std::pair{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  }

 protected:
  MNIST(const std::string& root, MNISTOptions options, std::string name)
      : options_(std::move(options)), name_(std::move(name)) {
    const auto [img_name, lbl_name] = file_names(options_.train);
    const auto img_path = find(root, img_name), lbl_path = find(root, lbl_name);
    data = read_idx(img_path, 3);
    const ByteTensor labels = read_idx(lbl_path, 1);
    if (data.size(0) != labels.size(0))
      throw FormatError(img_path + " has " + std::to_string(data.size(0)) + " images but " + lbl_path + " has " +
                        std::to_string(labels.size(0)) + " labels");
    targets = labels.to<std::int64_t>();
  }

 private:
  std::string find(const std::string& root, const std::string& file) const {
    namespace fs = std::filesystem;
    const std::vector<fs::path> dirs{fs::path(root), fs::path(root) / name_ / "raw", fs::path(root) / "raw"};
    for (const auto& d : dirs)
      for (const char* ext : {"", ".gz"}) {
        const auto p = d / (file + ext);
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p.string();
      }
    const auto [a, b] = file_names(options_.train);
    throw DatasetNotFoundError(
        name_ + ": cannot find '" + file + "' (or '" + file + ".gz') in '" + root + "'. The " +
        (options_.train ? "training" : "test") + " split needs the IDX files " + a + " and " + b +
        " (raw or gzip-compressed) in that directory, or in its " + name_ +
        "/raw subdirectory. They are the files distributed on the MNIST page (http://yann.lecun.com/exdb/mnist/); "
        "Fashion-MNIST uses the same names (Debian: apt-get install dataset-fashion-mnist, files in "
        "/usr/share/datasets/fashion-mnist).");
  }

  MNISTOptions options_;
  std::string name_;
};

/// Fashion-MNIST: the same file layout as MNIST, with clothing classes.
class FashionMNIST : public MNIST {
 public:
  explicit FashionMNIST(const std::string& root, MNISTOptions options = {})
      : MNIST(root, std::move(options), "FashionMNIST") {}
  const std::vector<std::string>& classes() const override {
    static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
  }
};

}  // namespace torchlet::vision
