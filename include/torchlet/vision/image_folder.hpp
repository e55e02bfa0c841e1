#pragma once
// vision::ImageFolder: a directory of class folders as a Dataset of (image, class index),
// like torchvision.datasets.ImageFolder:
//
//   root/dog/xxx.png          classes()      = {"cat", "dog"}  (sorted subdirectory names)
//   root/dog/nested/yyy.jpg   class_to_idx() = {"cat": 0, "dog": 1}
//   root/cat/123.png          samples        = (path, class) sorted as torchvision sorts them:
//                                              class by class, directories in sorted
//                                              order (os.walk, symlinks followed), files
//                                              sorted within each directory
//
// Only the file list is built by the constructor; operator[] reads and decodes the image
// (read_image, then the transform), so DataLoader workers decode in parallel. Sample i is
// (transform(image), target_transform(class)); the image is a ByteTensor [C, H, W] (C per
// `mode`, RGB by default as torchvision's loader converts to RGB); with no transform
// it is ToTensor'd. A class folder without any file of an accepted extension, or a root
// without class folders, throws DatasetNotFoundError.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "torchlet/vision/errors.hpp"
#include "torchlet/vision/image.hpp"
#include "torchlet/vision/transforms.hpp"

namespace torchlet::vision {

/// ImageFolder's arguments after root, in torchvision's order (plus the read mode).
struct ImageFolderOptions {
  /// ByteTensor [C, H, W] -> Tensor; empty: ToTensor.
  ImageTransform transform = {};
  std::function<std::int64_t(std::int64_t)> target_transform =
      {};  ///< Applied to the class index; empty: none.
  /// Accepted file name endings, compared case-insensitively (torchvision's IMG_EXTENSIONS
  /// that stb decodes, plus .tga and .gif).
  std::vector<std::string> extensions = {".jpg", ".jpeg", ".png", ".ppm",
                                         ".bmp", ".pgm",  ".tga", ".gif"};
  ImageReadMode mode = ImageReadMode::RGB;  ///< Channels the files are decoded to (RGB by default,
                                            ///< as torchvision's loader).
  /// Reads one file; empty: read_image(path, mode).
  std::function<ByteTensor(const std::string&)> loader = {};
};

/// torchvision.datasets.ImageFolder: root/class_name/file_name as samples (image, class index),
/// classes from the sorted folder names. Images are read and decoded in operator[].
class ImageFolder {
 public:
  /// One sample: (transform(image), class index).
  using sample_type = std::pair<Tensor, std::int64_t>;

  /// Lists root's class folders and their image files (sorted as torchvision sorts them);
  /// throws DatasetNotFoundError for a missing root, no class folder, or a class without images.
  explicit ImageFolder(const std::string& root, ImageFolderOptions options = {})
      : root_(root), options_(std::move(options)) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(root, ec))
      throw DatasetNotFoundError("ImageFolder: '" + root + "' is not a directory");
    for (const auto& e : fs::directory_iterator(root, ec))
      if (e.is_directory()) classes_.push_back(e.path().filename().string());
    if (ec) throw DatasetNotFoundError("ImageFolder: cannot list '" + root + "': " + ec.message());
    std::sort(classes_.begin(), classes_.end());
    if (classes_.empty())
      throw DatasetNotFoundError("ImageFolder: couldn't find any class folder in '" + root + "'");
    std::vector<std::string> empty;
    for (std::size_t c = 0; c < classes_.size(); ++c) {
      const auto before = samples.size();
      collect((fs::path(root) / classes_[c]).string(), static_cast<std::int64_t>(c));
      if (samples.size() == before) empty.push_back(classes_[c]);
    }
    if (!empty.empty()) {
      std::string names, exts;
      for (auto& n : empty) {
        if (!names.empty()) names += ", ";
        names += n;
      }
      for (auto& x : options_.extensions) {
        if (!exts.empty()) exts += ", ";
        exts += x;
      }
      throw DatasetNotFoundError("ImageFolder: found no valid file for the classes " + names +
                                 " in '" + root + "'. Supported extensions are: " + exts);
    }
    targets.reserve(samples.size());
    for (auto& s : samples) targets.push_back(s.second);
  }

  /// Number of images.
  std::size_t size() const noexcept { return samples.size(); }

  /// Reads, decodes and transforms image i; throws std::out_of_range past the end and
  /// FormatError (naming the file) for an unreadable image.
  sample_type operator[](std::size_t i) const {
    if (i >= samples.size())
      throw std::out_of_range("ImageFolder: index " + std::to_string(i) +
                              " is out of range for a dataset of " +
                              std::to_string(samples.size()) + " samples");
    const auto& [path, target] = samples[i];
    const ByteTensor img =
        options_.loader ? options_.loader(path) : read_image(path, options_.mode);
    Tensor x = options_.transform ? options_.transform(img) : transforms::ToTensor{}(img);
    return {std::move(x), options_.target_transform ? options_.target_transform(target) : target};
  }

  /// Sorted class (subdirectory) names.
  const std::vector<std::string>& classes() const noexcept { return classes_; }
  /// {class name: index}.
  std::map<std::string, std::int64_t> class_to_idx() const {
    std::map<std::string, std::int64_t> m;
    for (std::size_t i = 0; i < classes_.size(); ++i)
      m.emplace(classes_[i], static_cast<std::int64_t>(i));
    return m;
  }
  /// The root directory given.
  const std::string& root() const noexcept { return root_; }

  /// (path, class index) of every sample, in dataset order (dataset.samples / .imgs).
  std::vector<std::pair<std::string, std::int64_t>> samples;
  /// The class index of every sample (dataset.targets).
  std::vector<std::int64_t> targets;

 private:
  bool accepted(const std::string& name) const {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    for (const auto& ext : options_.extensions) {
      std::string e = ext;
      std::transform(e.begin(), e.end(), e.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0)
        return true;
    }
    return false;
  }

  /// Appends the accepted files under `top` in os.walk order (directories sorted by path,
  /// files sorted within a directory), following symlinks but never a directory twice.
  void collect(const std::string& top, std::int64_t target) {
    namespace fs = std::filesystem;
    std::vector<std::string> dirs{top};
    std::set<fs::path> seen;
    std::vector<std::pair<std::string, std::vector<std::string>>> listing;  // dir -> files
    while (!dirs.empty()) {
      const std::string dir = dirs.back();
      dirs.pop_back();
      std::error_code ec;
      const auto canon = fs::canonical(dir, ec);
      if (ec || !seen.insert(canon).second) continue;
      std::vector<std::string> files;
      for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::error_code ec2;
        const auto name = e.path().filename().string();
        if (e.is_directory(ec2))
          dirs.push_back(dir + "/" + name);
        else if (accepted(name))
          files.push_back(name);
      }
      std::sort(files.begin(), files.end());
      listing.emplace_back(dir, std::move(files));
    }
    std::sort(listing.begin(), listing.end());
    for (auto& [dir, files] : listing)
      for (auto& f : files) samples.emplace_back(dir + "/" + f, target);
  }

  std::string root_;
  ImageFolderOptions options_;
  std::vector<std::string> classes_;
};

}  // namespace torchlet::vision
