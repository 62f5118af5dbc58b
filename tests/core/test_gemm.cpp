// core/gemm.hpp: the one product wrapper against a plain triple loop, on the shapes that go to its own
// kernel for few rows (every row-block and column-block remainder, beta 0 and 1) and on those that go
// to OpenBLAS (transposes, k < 128, n not a multiple of 16), split between threads or not; its
// transposed copy; and the product with a B laid out once (pack_b, gemm_packed).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/gemm.hpp"
#include "core/tapegrad.hpp"

using namespace tg;

namespace {

// C = op(A) op(B) + beta C, summed in double.
std::vector<float> reference(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                             const float* b, float beta, std::vector<float> c) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < k; ++p)
        sum += double(trans_a ? a[p * m + i] : a[i * k + p]) * double(trans_b ? b[j * k + p] : b[p * n + j]);
      c[size_t(i * n + j)] = float(sum + double(beta) * double(c[size_t(i * n + j)]));
    }
  return c;
}

// Every element within float rounding of a k-term sum.
void require_close(const std::vector<float>& c, const std::vector<float>& want, int64_t k) {
  for (size_t e = 0; e < c.size(); ++e) {
    CAPTURE(e);
    REQUIRE(std::fabs(c[e] - want[e]) <= 1e-4 * std::sqrt(double(k)) * (1 + std::fabs(want[e])));
  }
}

void check_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float beta) {
  CAPTURE(trans_a);
  CAPTURE(trans_b);
  CAPTURE(m);
  CAPTURE(n);
  CAPTURE(k);
  CAPTURE(beta);
  Tensor a = randn({m * k}), b = randn({k * n}), c0 = randn({m * n});
  std::vector<float> c(c0.f32(), c0.f32() + m * n);
  const std::vector<float> want = reference(trans_a, trans_b, m, n, k, a.f32(), b.f32(), beta, c);
  detail::gemm(trans_a, trans_b, m, n, k, a.f32(), b.f32(), beta, c.data());
  require_close(c, want, k);
}

}  // namespace

TEST_CASE("gemm: the few-rows kernel's shapes, every remainder of rows and columns, beta 0 and 1") {
  manual_seed(5);
#if defined(__AVX512F__)
  CHECK(detail::small_gemm_fits(false, false, 32, 512, 128, 1.0f));  // an LSTM's h W_hh^T
  CHECK(detail::small_gemm_fits(false, false, 32, 128, 512, 1.0f));  // and dgates W_hh
  CHECK_FALSE(detail::small_gemm_fits(false, true, 32, 512, 128, 1.0f));
  CHECK_FALSE(detail::small_gemm_fits(false, false, 32, 520, 128, 1.0f));
  CHECK_FALSE(detail::small_gemm_fits(false, false, 32, 512, 64, 1.0f));
  CHECK_FALSE(detail::small_gemm_fits(false, false, 32, 512, 128, 0.5f));
#endif
  for (int64_t m : {1, 2, 3, 7, 8, 9, 17, 32})
    for (int64_t n : {16, 32, 48, 64, 80})
      for (float beta : {0.0f, 1.0f}) check_gemm(false, false, m, n, 130, beta);
  check_gemm(false, false, 32, 512, 128, 1.0f);
  check_gemm(false, false, 32, 128, 512, 1.0f);
}

TEST_CASE("gemm: the shapes OpenBLAS keeps agree too") {
  manual_seed(6);
  for (bool trans_a : {false, true})
    for (bool trans_b : {false, true}) check_gemm(trans_a, trans_b, 9, 20, 130, 1.0f);
  check_gemm(false, false, 9, 32, 20, 0.0f);    // k below 128
  check_gemm(false, false, 9, 32, 130, 0.5f);   // beta neither 0 nor 1
  check_gemm(false, false, 3, 5, 0, 0.0f);      // an empty sum
}

TEST_CASE("gemm: transpose_into is tg::transpose") {
  manual_seed(7);
  Tensor x = randn({37, 20});
  Tensor y = empty({20, 37});
  detail::transpose_into(37, 20, x.f32(), y.f32());
  CHECK(y.to_vector() == transpose(x).to_vector());
}

// pack_b lays B out (panels where the few-rows kernel takes the shape, rows otherwise) from B itself or
// from B^T; gemm_packed then gives C + A B, or A B over whatever C held. n = 80, 96 and 1024 end in strips
// of 32, 48 and 16 columns.
TEST_CASE("gemm: gemm_packed on pack_b's layout is C + A B or A B, from B or from B^T") {
  manual_seed(9);
#if defined(__AVX512F__)
  CHECK(detail::packs_into_panels(32, 256, 1024));  // an LSTM's h W_hh^T
#endif
  CHECK_FALSE(detail::packs_into_panels(32, 64, 1024));  // k below 128: OpenBLAS, on rows
  for (int64_t m : {1, 9, 32})
    for (int64_t n : {80, 96, 1024})
      for (int64_t k : {64, 130})
        for (bool b_transposed : {false, true})
          for (bool accumulate : {true, false}) {
            CAPTURE(m);
            CAPTURE(n);
            CAPTURE(k);
            CAPTURE(b_transposed);
            CAPTURE(accumulate);
            Tensor a = randn({m, k}), b = b_transposed ? randn({n, k}) : randn({k, n}), c0 = randn({m, n});
            std::vector<float> c(c0.f32(), c0.f32() + m * n);
            const std::vector<float> want =
                reference(false, b_transposed, m, n, k, a.f32(), b.f32(), accumulate ? 1.0f : 0.0f, c);
            std::vector<float> packed(size_t(k * n));
            detail::pack_b(m, k, n, b.f32(), b_transposed, packed.data());
            detail::gemm_packed(m, n, k, a.f32(), packed.data(), accumulate, c.data());
            require_close(c, want, k);
          }
}

// Products of at least kGemmThreadMin multiply-adds are split into bands of C's rows (m >= n) or columns
// (m < n), one per thread: every transpose, odd sizes so that the bands differ in size, 2 and 3 threads.
TEST_CASE("gemm: products split between threads agree with the plain loop") {
  manual_seed(8);
  const int threads_before = num_threads();
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    for (bool trans_a : {false, true})
      for (bool trans_b : {false, true}) {
        REQUIRE(301.0 * 257.0 * 263.0 >= detail::kGemmThreadMin);
        check_gemm(trans_a, trans_b, 301, 257, 263, 1.0f);  // bands of rows
        check_gemm(trans_a, trans_b, 257, 301, 263, 0.0f);  // bands of columns
      }
  }
  set_num_threads(threads_before);
}
