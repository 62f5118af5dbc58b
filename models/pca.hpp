#pragma once
// Principal component analysis: the directions along which a set of vectors varies most.
//
// The data are centred, their covariance C = Xc^T Xc / (N - 1) [D, D] is formed, and LAPACK's dsyevr
// (OpenBLAS ships it) gives its largest eigenvalues and their eigenvectors: the variance along each
// component and the component. An eigenvector's sign is arbitrary, so each component is flipped to make
// its largest-magnitude entry positive: the same data always give the same picture. Names as
// scikit-learn's PCA.
//
//   tg::models::PCAResult p = tg::models::pca(table, 2);           // table [N, D]
//   p.projected                                     // [N, 2]: the points to draw
//   p.explained_variance_ratio.to_vector()          // e.g. {0.41, 0.17}: the share of the variance kept
#include <cstdint>

#include "core/tensor.hpp"

namespace tg::models {

struct PCAResult {
  Tensor mean;                      // [D]
  Tensor components;                // [k, D], unit rows, the largest variance first
  Tensor explained_variance;        // [k], the variance along each component (denominator N - 1)
  Tensor explained_variance_ratio;  // [k], that variance over the total variance (0 when it is 0)
  Tensor projected;                 // [N, k], (data - mean) @ components^T
};

// data: [N, D] float32 with N >= 2; 1 <= n_components <= D. tg::Error otherwise.
PCAResult pca(const Tensor& data, int64_t n_components);

}  // namespace tg::models
