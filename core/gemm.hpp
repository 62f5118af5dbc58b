#pragma once
// C[m, n] = op(A) op(B) + beta C through cblas_sgemm, row-major: A is [m, k] (or [k, m] when trans_a),
// B is [k, n] (or [n, k] when trans_b). A thin wrapper so call sites read like the math. Empty products
// are handled here because BLAS rejects zero leading dimensions. (Internal: not an installed header.)
//
// Threads: OpenBLAS always runs on one thread, and a product of at least kGemmThreadMin multiply-adds
// is split here between the OpenMP threads, each computing a band of C's rows (or columns) with its own
// one-thread call. Smaller products run on the calling thread: on this 2-core machine a [32, 128] x
// [128, 512] recurrence step took longer on two threads than on one (the hand-off costs more than the
// work). Why not OpenBLAS's own threads: they are a second pool beside OpenMP's, and each spins in
// sched_yield after every call it shares, so two cores ran three busy threads; W3's step on 2 threads
// then took 32.0 ms (eight 4 ms scheduler ticks) in half the runs, against 27-29 ms on 1 thread.
//
// Few rows times a B that stays in cache (an LSTM's per-step h W_hh^T and dgates W_hh) go to
// small_gemm_nn below instead: OpenBLAS copies ("packs") all of B into its own layout on every call,
// and with 32 rows of A that copy is a large part of the call. See small_gemm_fits for where it wins.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>

// OpenBLAS's own: ends its worker threads (it calls this at fork). Exported by OpenBLAS 0.3 though not
// in cblas.h; weak, so that a build against another BLAS links and skips the call.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

namespace tg::detail {

constexpr double kGemmThreadMin = double(1 << 24);

#if defined(__AVX512F__)
// 16 floats: one AVX-512 register. aligned(4): loads and stores need no alignment; may_alias: it may
// point into float arrays.
using Floats16 = float __attribute__((vector_size(64), aligned(4), may_alias));

// C[R, 16 P] (+)= A[R, k] B[k, 16 P], one block of C held in R * P registers over the whole sum:
// per p, P vectors of B's row p, each multiplied by A[r, p] (one float broadcast) for every row r.
// A's rows are lda apart, B's ldb, C's ldc.
template <int R, int P>
inline void small_gemm_block(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k, float* c,
                             int64_t ldc, bool accumulate) {
  Floats16 sum[R][P] = {};
  for (int64_t p = 0; p < k; ++p) {
    Floats16 b_row[P];
#pragma GCC unroll 3
    for (int q = 0; q < P; ++q) b_row[q] = *reinterpret_cast<const Floats16*>(b + p * ldb + 16 * q);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const float a_rp = a[r * lda + p];
#pragma GCC unroll 3
      for (int q = 0; q < P; ++q) sum[r][q] += a_rp * b_row[q];
    }
  }
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < P; ++q) {
      Floats16* to = reinterpret_cast<Floats16*>(c + r * ldc + 16 * q);
      *to = accumulate ? *to + sum[r][q] : sum[r][q];
    }
}

// Every row of C's columns [0, 16 P): blocks of 8 rows, then the rest.
template <int P>
inline void small_gemm_columns(int64_t m, const float* a, int64_t lda, const float* b, int64_t ldb, int64_t k,
                               float* c, int64_t ldc, bool accumulate) {
  int64_t i = 0;
  for (; i + 8 <= m; i += 8) small_gemm_block<8, P>(a + i * lda, lda, b, ldb, k, c + i * ldc, ldc, accumulate);
  a += i * lda, c += i * ldc;
  switch (m - i) {
    case 7: return small_gemm_block<7, P>(a, lda, b, ldb, k, c, ldc, accumulate);
    case 6: return small_gemm_block<6, P>(a, lda, b, ldb, k, c, ldc, accumulate);
    case 5: return small_gemm_block<5, P>(a, lda, b, ldb, k, c, ldc, accumulate);
    case 4: return small_gemm_block<4, P>(a, lda, b, ldb, k, c, ldc, accumulate);
    case 3: return small_gemm_block<3, P>(a, lda, b, ldb, k, c, ldc, accumulate);
    case 2: return small_gemm_block<2, P>(a, lda, b, ldb, k, c, ldc, accumulate);
    case 1: return small_gemm_block<1, P>(a, lda, b, ldb, k, c, ldc, accumulate);
    default: return;
  }
}

// C[m, n] = A[m, k] B[k, n] (+ C when accumulate), n a multiple of 16: 48 columns at a time (8 x 3 = 24
// registers of sums, the fastest of the block shapes tried: 8 x 2, 6 x 4, 7 x 4, 9 x 3, ...), then 32 or 16.
inline void small_gemm_nn(int64_t m, int64_t n, int64_t k, const float* a, const float* b, bool accumulate,
                          float* c) {
  int64_t j = 0;
  for (; j + 48 <= n; j += 48) small_gemm_columns<3>(m, a, k, b + j, n, k, c + j, n, accumulate);
  if (n - j == 32) return small_gemm_columns<2>(m, a, k, b + j, n, k, c + j, n, accumulate);
  if (n - j == 16) return small_gemm_columns<1>(m, a, k, b + j, n, k, c + j, n, accumulate);
}

// C[m, n] = A[m, k] B (+ C when accumulate), B laid out by pack_b as panels: strips of 48 columns (the
// last 32 or 16), each strip's k rows of 48 floats one after another.
inline void small_gemm_panels(int64_t m, int64_t n, int64_t k, const float* a, const float* panels, bool accumulate,
                              float* c) {
  int64_t j = 0;
  for (; j + 48 <= n; j += 48) small_gemm_columns<3>(m, a, k, panels + j * k, 48, k, c + j, n, accumulate);
  if (n - j == 32) return small_gemm_columns<2>(m, a, k, panels + j * k, 32, k, c + j, n, accumulate);
  if (n - j == 16) return small_gemm_columns<1>(m, a, k, panels + j * k, 16, k, c + j, n, accumulate);
}

// Where small_gemm_nn beats OpenBLAS (measured one thread, interleaved, by a throwaway program timing
// both on each shape): no transposes, beta 0 or 1, n a multiple of 16, k >= 128 (below, OpenBLAS's copy
// of B is cheap and its kernel at least as fast: on AMD EPYC, [49, 20] x [20, 80] took 0.87 us in
// either), B at most 1 MB (larger, it no longer stays in L2 while every block of rows reads it again),
// and below the size worth threading. [32, 128] x [128, 512] 39 -> 25 us, [32, 512] x [512, 128]
// 43 -> 24 us, [32, 256] x [256, 1024] 173 -> 109 us.
inline bool small_gemm_fits(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float beta) {
  return !trans_a && !trans_b && (beta == 0.0f || beta == 1.0f) && n % 16 == 0 && k >= 128 &&
         k * n <= (int64_t(1) << 18) && double(m) * double(n) * double(k) < kGemmThreadMin;
}
#endif

// Once per process, at set_num_threads (a tool's first call) or else before the first product: OpenBLAS
// is set to one thread (see the top of this file) and the workers it started when it loaded are ended.
// Left alone, they spun in sched_yield for their first ~0.13 s, which is all of a short run: W5 on 2
// threads 0.254 -> 0.222 ms, W3s 0.168 -> 0.152.
inline void keep_blas_on_one_thread() {
  static const bool done = [] {
    openblas_set_num_threads(1);
    if (blas_thread_shutdown_) blas_thread_shutdown_();
    return true;
  }();
  (void)done;
}

inline void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, const float* b,
                 float beta, float* c) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C
    if (beta == 0.0f) std::fill_n(c, m * n, 0.0f);
    return;
  }
#if defined(__AVX512F__)
  if (small_gemm_fits(trans_a, trans_b, m, n, k, beta)) return small_gemm_nn(m, n, k, a, b, beta != 0.0f, c);
#endif
  keep_blas_on_one_thread();
  const int lda = int(trans_a ? m : k), ldb = int(trans_b ? k : n);
  // C's rows [r0, r1) and columns [c0, c1): op(A)'s rows r0.. start at a + r0 (trans_a: they are A's
  // columns) or a + r0 lda; op(B)'s columns c0.. at b + c0 ldb (trans_b: B's rows) or b + c0.
  auto band = [&](int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    if (r1 <= r0 || c1 <= c0) return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                int(r1 - r0), int(c1 - c0), int(k), 1.0f, a + (trans_a ? r0 : r0 * lda), lda,
                b + (trans_b ? c0 * ldb : c0), ldb, beta, c + r0 * n + c0, int(n));
  };
  if (double(m) * double(n) * double(k) < kGemmThreadMin || omp_get_max_threads() == 1 || omp_in_parallel())
    return band(0, m, 0, n);
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), threads = omp_get_num_threads();
    if (m >= n) band(m * t / threads, m * (t + 1) / threads, 0, n);  // bands of rows
    else band(0, m, n * t / threads, n * (t + 1) / threads);          // bands of columns
  }
}

// y = x^T: x [rows, cols] -> y [cols, rows], both row-major, through OpenBLAS's somatcopy. The one
// transposed copy (tg::transpose's forward, the LSTM's W_hh^T for its per-step product): [512, 128] in
// 19 us alone against 25 us for the scalar blocked loop it replaced, W4's step 2% faster (same-run
// A/B, 1 thread).
inline void transpose_into(int64_t rows, int64_t cols, const float* x, float* y) {
  if (rows == 0 || cols == 0) return;
  cblas_somatcopy(CblasRowMajor, CblasTrans, int(rows), int(cols), 1.0f, x, int(cols), y, int(rows));
}

// Products of few rows by a B fixed over many of them (an LSTM's h W_hh^T at every step, and dgates W_hh
// in its backward): B [k, n] is laid out once, then read by every product. When the products of m rows
// go to small_gemm (small_gemm_fits), the layout is panels (small_gemm_panels): each 8-row block then
// reads its strip of B in one stream, where rows of B a row of n floats apart (4 KiB for an LSTM of 256)
// each fell in a new page and the same L1 sets. [32, 256] x [256, 1024]: 154 -> 142 us alone (a
// throwaway program, Zen 4, 1 thread). Otherwise it is B itself, row-major, for gemm.
inline bool packs_into_panels(int64_t m, int64_t k, int64_t n) {
#if defined(__AVX512F__)
  return small_gemm_fits(false, false, m, n, k, 1.0f);
#else
  (void)m, (void)k, (void)n;
  return false;
#endif
}

// packed [k * n floats] = B for products of m rows, B = b [k, n] or, when b_transposed, b^T (b [n, k]).
inline void pack_b(int64_t m, int64_t k, int64_t n, const float* b, bool b_transposed, float* packed) {
  if (!packs_into_panels(m, k, n)) {
    if (b_transposed) transpose_into(n, k, b, packed);
    else std::copy_n(b, k * n, packed);
    return;
  }
  for (int64_t j = 0; j < n; j += 48) {
    const int64_t width = std::min<int64_t>(48, n - j);
    float* panel = packed + j * k;  // [k, width]
    if (b_transposed) transpose_into(width, k, b + j * k, panel);  // b's rows j.. are B's columns j..
    else
      for (int64_t p = 0; p < k; ++p) std::copy_n(b + p * n + j, width, panel + p * width);
  }
}

// C[m, n] = A[m, k] B (+ C when accumulate), B from pack_b(m, k, n, ...).
inline void gemm_packed(int64_t m, int64_t n, int64_t k, const float* a, const float* packed, bool accumulate,
                        float* c) {
#if defined(__AVX512F__)
  if (packs_into_panels(m, k, n)) return small_gemm_panels(m, n, k, a, packed, accumulate, c);
#endif
  gemm(false, false, m, n, k, a, packed, accumulate ? 1.0f : 0.0f, c);
}

}  // namespace tg::detail
