#pragma once
// Eigen maps over tensor buffers. Nothing here escapes as an expression: callers
// evaluate into tensor storage.
#include <cstdint>

#include <Eigen/Core>

namespace torchlet::detail {

template <class T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstArrayMap = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using MatrixMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <class T>
using ConstMatrixMap =
    Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

template <class T>
ArrayMap<T> amap(T* p, std::int64_t n) {
  return ArrayMap<T>(p, static_cast<Eigen::Index>(n));
}
template <class T>
ConstArrayMap<T> camap(const T* p, std::int64_t n) {
  return ConstArrayMap<T>(p, static_cast<Eigen::Index>(n));
}
template <class T>
MatrixMap<T> mmap(T* p, std::int64_t r, std::int64_t c) {
  return MatrixMap<T>(p, static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
}
template <class T>
ConstMatrixMap<T> cmmap(const T* p, std::int64_t r, std::int64_t c) {
  return ConstMatrixMap<T>(p, static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
}

}  // namespace torchlet::detail
