#include "core/threads.hpp"

#include <omp.h>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "core/error.hpp"
#include "core/gemm.hpp"

namespace tg {

void set_num_threads(int n) {
  if (n < 1) fail("set_num_threads: need at least 1 thread, got {}", n);
  omp_set_num_threads(n);
  // OpenBLAS's workers, started when it loaded, spin until they are ended; a tool calls this first,
  // before it reads its data, so they are ended now rather than at the first product.
  detail::keep_blas_on_one_thread();
}

int num_threads() { return omp_get_max_threads(); }

bool set_flush_denormal(bool on) {
#if defined(__SSE__)
  constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;  // MXCSR bits
#pragma omp parallel  // every OpenMP thread has its own MXCSR; this one is among them
  _mm_setcsr(on ? _mm_getcsr() | kFlushToZero | kDenormalsAreZero : _mm_getcsr() & ~(kFlushToZero | kDenormalsAreZero));
  return true;
#else
  (void)on;
  return false;
#endif
}

}  // namespace tg
