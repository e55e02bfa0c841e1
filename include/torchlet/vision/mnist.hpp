#pragma once
// MNIST-style datasets: the IDX files of a directory as a Dataset of (image, label).
//   vision::MNIST, vision::FashionMNIST, vision::KMNIST(root, {.train, .transform,
//   .target_transform}) vision::IDXDataset(images_file, labels_file, {.transform,
//   .target_transform})
// Sample i is (transform(data[i]), target_transform(targets[i])) with data[i] a
// ByteTensor [H, W]; with no transform the image is ToTensor'd: Tensor [1, H, W] in [0, 1].
//
// Files looked up (raw or .gz), in `root`, `root/<Name>/raw` (torchvision's layout) or `root/raw`:
//   train-images-idx3-ubyte  train-labels-idx1-ubyte   (train = true)
//   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte    (train = false)
// Malformed files throw FormatError naming the file (see idx.hpp), and so do an image
// and a label file that disagree on the number of samples.
//
// Fast path: when the transform is elementwise (ToTensor, Normalize, ConvertImageDtype
// and Compose of them: see transforms.hpp), the dataset evaluates it once on the 256
// possible pixel values and then maps pixels through that table, in operator[] and in
// get_batch(indices, images, labels), which writes a whole batch [B, 1, H, W] straight
// into one buffer (no per-sample allocation). The results are bit-identical to calling
// the transform on each image.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/vision/errors.hpp"
#include "torchlet/vision/idx.hpp"
#include "torchlet/vision/transforms.hpp"

namespace torchlet::vision {

/// Options of the MNIST-style datasets, in torchvision's argument order.
struct MNISTOptions {
  bool train = true;  ///< The training split (train-*) or the test split (t10k-*).
  /// ByteTensor [H, W] -> Tensor; empty: ToTensor.
  ImageTransform transform = {};
  std::function<std::int64_t(std::int64_t)> target_transform =
      {};  ///< Applied to the label; empty: none.
};

/// torchvision.datasets.MNIST read from its IDX files (raw or .gz) in `root` (or root/MNIST/raw):
/// sample i is (transform(data[i]), target_transform(targets[i])), a Tensor and a class index.
class MNIST {
 public:
  /// One sample: (image, class index).
  using sample_type = std::pair<Tensor, std::int64_t>;
  /// A batch made by get_batch: images [B, C, H, W], labels [B].
  using batch_type = std::pair<Tensor, LongTensor>;

  /// Loads the split `options.train` from root; throws DatasetNotFoundError naming the files it
  /// looked for.
  explicit MNIST(const std::string& root, MNISTOptions options = {})
      : MNIST(root, std::move(options), "MNIST") {}
  virtual ~MNIST() = default;
  /// Copies share the loaded data.
  MNIST(const MNIST&) = default;
  /// Moves the dataset.
  MNIST(MNIST&&) = default;
  /// Copies share the loaded data.
  MNIST& operator=(const MNIST&) = default;
  /// Moves the dataset.
  MNIST& operator=(MNIST&&) = default;

  /// Number of samples (len(dataset)).
  std::size_t size() const {
    return targets.defined() ? static_cast<std::size_t>(targets.numel()) : 0;
  }

  /// (image, label) of sample i; throws std::out_of_range past the end.
  sample_type operator[](std::size_t i) const {
    check_index(i);
    Tensor x;
    if (table_) {
      x = Tensor::empty(sample_shape());
      map_pixels(i, x.data());
    } else {
      const auto img = data[static_cast<std::int64_t>(i)];
      x = options_.transform ? options_.transform(img) : transforms::ToTensor{}(img);
    }
    return {std::move(x), label(i)};
  }

  /// Loads the samples `indices` as one batch: images [B, *sample shape], labels [B]
  /// (what default_collate would make of the samples, in fewer steps). `images` and
  /// `labels` are written in place when they already have the batch's shape and nothing
  /// else shares their storage (so a loader can reuse its buffers); otherwise they are
  /// replaced by new tensors. Every index is checked before anything is written.
  void get_batch(std::span<const std::size_t> indices, Tensor& images, LongTensor& labels) const {
    for (auto i : indices) check_index(i);
    const auto b = static_cast<std::int64_t>(indices.size());
    if (!reusable(labels, {b})) labels = LongTensor::empty({b});
    for (std::size_t k = 0; k < indices.size(); ++k) labels.data()[k] = label(indices[k]);
    if (table_) {
      Shape s = sample_shape();
      s.insert(s.begin(), b);
      if (!reusable(images, s)) images = Tensor::empty(s);
      const auto per = plane();
      // Shuffled indices make every image a cold read: fetch the next ones while mapping this one.
      for (std::size_t k = 0; k < indices.size() && k < kPrefetchAhead; ++k)
        prefetch_image(indices[k]);
      for (std::size_t k = 0; k < indices.size(); ++k) {
        if (k + kPrefetchAhead < indices.size()) prefetch_image(indices[k + kPrefetchAhead]);
        map_pixels(indices[k], images.data() + static_cast<std::int64_t>(k) * per);
      }
      return;
    }
    if (indices.empty()) {
      Shape s = sample_shape();
      s.insert(s.begin(), 0);
      images = Tensor::empty(s);
      return;
    }
    Tensor first = (*this)[indices[0]].first;
    Shape s = first.shape();
    s.insert(s.begin(), b);
    if (!reusable(images, s)) images = Tensor::empty(s);
    const auto per = first.numel();
    for (std::size_t k = 0; k < indices.size(); ++k) {
      const Tensor x = k == 0 ? first : (*this)[indices[k]].first;
      if (x.shape() != first.shape())
        throw ShapeError(name_ + ".get_batch: sample " + std::to_string(indices[k]) +
                         " has shape " + to_string(x.shape()) + " but sample " +
                         std::to_string(indices[0]) + " has shape " + to_string(first.shape()) +
                         " (samples in a batch must match)");
      if (per)
        std::memcpy(images.data() + static_cast<std::int64_t>(k) * per, x.contiguous().data(),
                    sizeof(float) * per);
    }
  }
  /// The samples at `indices`, collated: images [B, C, H, W], labels [B] (what a DataLoader uses).
  batch_type get_batch(std::span<const std::size_t> indices) const {
    batch_type out;
    get_batch(indices, out.first, out.second);
    return out;
  }

  /// Whether this is the training split.
  bool train() const noexcept { return options_.train; }
  /// Class names, as torchvision spells them.
  virtual const std::vector<std::string>& classes() const {
    static const std::vector<std::string> names{"0 - zero",  "1 - one",  "2 - two", "3 - three",
                                                "4 - four",  "5 - five", "6 - six", "7 - seven",
                                                "8 - eight", "9 - nine"};
    return names;
  }
  /// {class name: index}.
  std::map<std::string, std::int64_t> class_to_idx() const {
    std::map<std::string, std::int64_t> m;
    const auto& c = classes();
    for (std::size_t i = 0; i < c.size(); ++i) m.emplace(c[i], static_cast<std::int64_t>(i));
    return m;
  }
  /// True when samples are produced through the per-pixel table (see the file comment).
  bool uses_pixel_table() const noexcept { return table_ != nullptr; }

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
  /// Loads the split of `options` from root for a dataset named `name`.
  MNIST(const std::string& root, MNISTOptions options, std::string name)
      : options_(std::move(options)), name_(std::move(name)) {
    const auto [img_name, lbl_name] = file_names(options_.train);
    load(find(root, img_name), find(root, lbl_name), 3);
  }
  /// Explicit files (IDXDataset): images of rank `rank` (3: [N, H, W]; 0: 3 or 4).
  struct Files {
    ///@{
    /// Paths of the images and labels files.
    std::string images, labels;
    ///@}
  };
  /// Loads explicit files for a dataset named `name`.
  MNIST(const Files& files, MNISTOptions options, std::string name)
      : options_(std::move(options)), name_(std::move(name)) {
    load(files.images, files.labels, 0);
  }

  /// "MNIST", "FashionMNIST", ...: used in messages and reprs.
  const std::string& dataset_name() const noexcept { return name_; }

 private:
  void load(const std::string& img_path, const std::string& lbl_path, int rank) {
    data = read_idx(img_path, rank);
    if (data.dim() != 3 && data.dim() != 4)
      throw FormatError(img_path +
                        ": expected images [N, H, W] or [N, C, H, W], found dimensions " +
                        to_string(data.shape()));
    const ByteTensor labels = read_idx(lbl_path, 1);
    if (data.size(0) != labels.size(0))
      throw FormatError(name_ + ": " + img_path + " has " + std::to_string(data.size(0)) +
                        " images but " + lbl_path + " has " + std::to_string(labels.size(0)) +
                        " labels");
    targets = labels.to<std::int64_t>();
    build_table();
  }

  void check_index(std::size_t i) const {
    if (i >= size() || static_cast<std::int64_t>(i) >= data.size(0))
      throw std::out_of_range(name_ + ": index " + std::to_string(i) +
                              " is out of range for a dataset of " + std::to_string(size()) +
                              " samples");
  }
  std::int64_t label(std::size_t i) const {
    const std::int64_t y = targets.data()[i];
    return options_.target_transform ? options_.target_transform(y) : y;
  }
  std::int64_t plane() const { return data.numel() / std::max<std::int64_t>(data.size(0), 1); }
  /// Shape of one transformed sample on the table path: [C, H, W] (C = 1 for [N, H, W] data).
  Shape sample_shape() const {
    Shape s(data.shape().begin() + 1, data.shape().end());
    if (s.size() == 2 && table_rank_ == 3) s.insert(s.begin(), 1);
    return s;
  }
  static constexpr std::size_t kPrefetchAhead = 16;
  void prefetch_image(std::size_t i) const {
#if defined(__GNUC__) || defined(__clang__)
    const auto n = plane();
    const char* p = reinterpret_cast<const char*>(data.data() + static_cast<std::int64_t>(i) * n);
    for (std::int64_t off = 0; off < n; off += 64) __builtin_prefetch(p + off);
#else
    (void)i;
#endif
  }
  void map_pixels(std::size_t i, float* dst) const {
    const auto n = plane();
    const std::uint8_t* src = data.data() + static_cast<std::int64_t>(i) * n;
    const float* lut = table_->data();
    for (std::int64_t k = 0; k < n; ++k) dst[k] = lut[src[k]];
  }
  static bool reusable(const auto& t, const Shape& s) {
    return t.defined() && t.shape() == s && t.impl().use_count() == 1 &&
           t.impl()->storage.use_count() == 1 && !t.requires_grad() && t.is_contiguous();
  }

  /// Evaluates an elementwise transform on the 256 pixel values (as a [1, 256] image of
  /// the data's kind) and checks on sample 0 that the table reproduces it exactly.
  void build_table() {
    table_.reset();
    const bool elementwise = options_.transform ? options_.transform.elementwise() : true;
    if (!elementwise || data.dim() != 3) return;
    const auto apply = [&](const ByteTensor& img) {
      return options_.transform ? options_.transform(img) : transforms::ToTensor{}(img);
    };
    auto probe = ByteTensor::empty({1, 256});
    for (int v = 0; v < 256; ++v) probe.data()[v] = static_cast<std::uint8_t>(v);
    Tensor lut;
    try {
      lut = apply(probe);
    } catch (const std::exception&) {
      return;  // the transform does not accept this image: operator[] will report it
    }
    if (lut.numel() != 256 || lut.size(-1) != 256 || (lut.dim() != 2 && lut.dim() != 3)) return;
    auto table = std::make_shared<std::vector<float>>(lut.contiguous().data(),
                                                      lut.contiguous().data() + 256);
    table_rank_ = lut.dim();
    table_ = table;
    if (data.size(0) > 0) {
      const Tensor want = apply(data[0]);
      const Shape s = sample_shape();
      bool same = want.shape() == s;
      for (std::int64_t k = 0; same && k < want.numel(); ++k)
        same = want.data()[k] == (*table)[data.data()[k]] || (want.data()[k] != want.data()[k]);
      if (!same) table_.reset();  // not elementwise after all: use the transform itself
    }
  }

  std::string find(const std::string& root, const std::string& file) const {
    namespace fs = std::filesystem;
    const std::vector<fs::path> dirs{fs::path(root), fs::path(root) / name_ / "raw",
                                     fs::path(root) / "raw"};
    for (const auto& d : dirs)
      for (const char* ext : {"", ".gz"}) {
        const auto p = d / (file + ext);
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p.string();
      }
    const auto [a, b] = file_names(options_.train);
    throw DatasetNotFoundError(name_ + ": cannot find '" + file + "' (or '" + file + ".gz') in '" +
                               root + "'. The " + (options_.train ? "training" : "test") +
                               " split needs the IDX files " + a + " and " + b +
                               " (raw or gzip-compressed) in that directory, or in its " + name_ +
                               "/raw subdirectory. They are the files distributed on the MNIST "
                               "page (http://yann.lecun.com/exdb/mnist/); "
                               "Fashion-MNIST uses the same names (Debian: apt-get install "
                               "dataset-fashion-mnist, files in "
                               "/usr/share/datasets/fashion-mnist).");
  }

  MNISTOptions options_;
  std::string name_;
  std::shared_ptr<const std::vector<float>> table_;  // 256 entries, shared by copies
  std::int64_t table_rank_ = 3;
};

/// Fashion-MNIST: the same file layout as MNIST, with clothing classes.
class FashionMNIST : public MNIST {
 public:
  /// Loads the split `options.train` from root (Debian: /usr/share/datasets/fashion-mnist).
  explicit FashionMNIST(const std::string& root, MNISTOptions options = {})
      : MNIST(root, std::move(options), "FashionMNIST") {}
  const std::vector<std::string>& classes() const override {
    static const std::vector<std::string> names{"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                "Bag",         "Ankle boot"};
    return names;
  }
};

/// Kuzushiji-MNIST: the same file layout, with cursive hiragana classes (romanised).
class KMNIST : public MNIST {
 public:
  /// Loads the split `options.train` from root.
  explicit KMNIST(const std::string& root, MNISTOptions options = {})
      : MNIST(root, std::move(options), "KMNIST") {}
  const std::vector<std::string>& classes() const override {
    static const std::vector<std::string> names{"o",  "ki", "su", "tsu", "na",
                                                "ha", "ma", "ya", "re",  "wo"};
    return names;
  }
};

/// Any pair of IDX files: images [N, H, W] or [N, C, H, W] (uint8) and labels [N] (uint8),
/// raw or gzip-compressed. `options.train` is ignored. Classes are named "0" .. "K-1",
/// K = largest label + 1.
class IDXDataset : public MNIST {
 public:
  /// Loads the two IDX files.
  IDXDataset(const std::string& images_file, const std::string& labels_file,
             MNISTOptions options = {})
      : MNIST(Files{images_file, labels_file}, std::move(options), "IDXDataset") {
    std::int64_t k = 0;
    for (std::int64_t i = 0; i < targets.numel(); ++i) k = std::max(k, targets.data()[i] + 1);
    for (std::int64_t c = 0; c < k; ++c) names_.push_back(std::to_string(c));
  }
  const std::vector<std::string>& classes() const override { return names_; }

 private:
  std::vector<std::string> names_;
};

}  // namespace torchlet::vision
