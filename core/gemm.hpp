#pragma once
// C[m, n] = op(A) op(B) + beta C through cblas_sgemm, row-major: A is [m, k] (or [k, m] when trans_a),
// B is [k, n] (or [n, k] when trans_b). A thin wrapper so call sites read like the math. Empty products
// are handled here because BLAS rejects zero leading dimensions. (Internal: not an installed header.)
//
// Small products run on one thread whatever tg::set_num_threads says: OpenBLAS threads every sgemm
// above m n k = 2^18, and on this 2-core machine a [32, 128] x [128, 512] recurrence step took longer
// on two threads than on one (the hand-off costs more than the work, and far more when the other
// core is busy). Products of at least kGemmThreadMin multiply-adds keep every thread.
#include <cblas.h>

#include <algorithm>
#include <cstdint>

namespace tg::detail {

constexpr double kGemmThreadMin = double(1 << 24);

inline void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, const float* b,
                 float beta, float* c) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C
    if (beta == 0.0f) std::fill_n(c, m * n, 0.0f);
    return;
  }
  auto call = [&] {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, int(m),
                int(n), int(k), 1.0f, a, int(trans_a ? m : k), b, int(trans_b ? k : n), beta, c, int(n));
  };
  const int threads = openblas_get_num_threads();
  if (threads == 1 || double(m) * double(n) * double(k) >= kGemmThreadMin) return call();
  openblas_set_num_threads(1);  // about 4 ns each way
  call();
  openblas_set_num_threads(threads);
}

}  // namespace tg::detail
