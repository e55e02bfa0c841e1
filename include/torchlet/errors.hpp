#pragma once
// Exception types thrown by torchlet. Every message names the operation, what was
// expected and what was found.
#include <stdexcept>
#include <string>

namespace torchlet {

/// Thrown when tensor shapes are incompatible for an operation.
class ShapeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Thrown when a file cannot be read or does not have the expected format.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace torchlet
