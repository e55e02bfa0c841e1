#pragma once
// Eigen's QR module, which only nn::init::orthogonal_ needs (the rest of the library takes
// Eigen/Core through detail/eigen.hpp).
#include <Eigen/QR>

namespace torchlet::detail {

/// The m x n factor Q (m >= n) of the QR decomposition of `a`, with each column's sign chosen
/// so that R's diagonal is non-negative (the unique such Q for a full-rank `a`).
template <class = void>
Eigen::MatrixXd orthonormal_q(const Eigen::MatrixXd& a) {
  const Eigen::Index m = a.rows(), n = a.cols();
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(m, n);
  const Eigen::MatrixXd r = qr.matrixQR().topRows(n).triangularView<Eigen::Upper>();
  for (Eigen::Index j = 0; j < n; ++j)
    if (r(j, j) < 0) q.col(j) *= -1.0;
  return q;
}

}  // namespace torchlet::detail
