#include "core/threads.hpp"

#include <omp.h>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "core/error.hpp"

namespace tg {

void set_num_threads(int n) {
  if (n < 1) fail("set_num_threads: need at least 1 thread, got {}", n);
  omp_set_num_threads(n);
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
