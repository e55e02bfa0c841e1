#pragma once
// Exceptions of the vision datasets (malformed files are torchlet::FormatError).
#include <stdexcept>

namespace torchlet::vision {

/// Thrown when a dataset's files are not where they were looked for (torchvision raises
/// FileNotFoundError / RuntimeError "Dataset not found").
class DatasetNotFoundError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace torchlet::vision
