#include "tools/common/blas_kernels.hpp"

#include <cblas.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace tg {

bool on_fallback_blas_kernels() { return std::string_view(openblas_get_corename()) == "Prescott"; }

void use_fast_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") || !on_fallback_blas_kernels()) return;
  const char* core = __builtin_cpu_supports("avx512f") ? "SkylakeX" : __builtin_cpu_supports("avx2") ? "Haswell" : nullptr;
  if (!core) return;
  setenv("OPENBLAS_CORETYPE", core, 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on with the kernels we have
}

}  // namespace tg
