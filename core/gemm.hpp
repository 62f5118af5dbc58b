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
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

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

// Work that is a chain of small gemms over independent rows (an LSTM's recurrence: batch rows never
// interact) runs as one slice of rows per thread, each slice's gemms single-threaded on its own core:
// one fork-join for the whole chain instead of a threaded sgemm (or none) per link. gemm_slices says how
// many slices: every thread's when the chain's multiply-adds reach kGemmThreadMin (the same threshold
// as one gemm's), else 1, so small work stays on this thread.
inline int gemm_slices(int64_t rows, double multiply_adds) {
  const int threads = omp_get_max_threads();
  if (threads == 1 || rows < 2 || multiply_adds < kGemmThreadMin) return 1;
  return int(std::min<int64_t>(threads, rows));
}

// f(slice, begin, end) for slice k of `slices` contiguous parts [begin, end) of [0, rows): slice 0 on
// this thread, each other one on a thread started for it (about 20 us, against milliseconds of work).
// Not OpenMP: its threads spin for a while after a region ends, and the threaded sgemm that follows
// (OpenBLAS's own threads) then shares a core with a spinning one: W4's step took 3x as long that way.
// OpenBLAS is set to one thread meanwhile (each slice's gemms run on its own core); f must not throw.
template <typename F>
void for_each_slice(int64_t rows, int slices, F f) {
  if (slices == 1) return f(0, int64_t(0), rows);
  const int blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
  std::vector<std::thread> others;
  for (int k = 1; k < slices; ++k) others.emplace_back([&f, k, rows, slices] { f(k, rows * k / slices, rows * (k + 1) / slices); });
  f(0, int64_t(0), rows / slices);
  for (std::thread& t : others) t.join();
  openblas_set_num_threads(blas_threads);
}

}  // namespace tg::detail
