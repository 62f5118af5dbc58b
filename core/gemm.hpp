#pragma once
// C[m, n] = op(A) op(B) + beta C through cblas_sgemm, row-major: A is [m, k] (or [k, m] when trans_a),
// B is [k, n] (or [n, k] when trans_b). A thin wrapper so call sites read like the math. Empty products
// are handled here because BLAS rejects zero leading dimensions. (Internal: not an installed header.)
#include <cblas.h>

#include <algorithm>
#include <cstdint>

namespace tg::detail {

inline void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, const float* b,
                 float beta, float* c) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C
    if (beta == 0.0f) std::fill_n(c, m * n, 0.0f);
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, int(m),
              int(n), int(k), 1.0f, a, int(trans_a ? m : k), b, int(trans_b ? k : n), beta, c, int(n));
}

}  // namespace tg::detail
