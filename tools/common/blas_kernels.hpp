#pragma once
// OpenBLAS picks its kernels once, when the library loads, from the CPU's model number. On a CPU it
// does not know (a recent Xeon in a VM reports the plain "Intel(R) Xeon(R) Processor") it falls back
// to its SSE3 kernels, "Prescott", 3-4x slower than the AVX-512 ones here. The only way to choose is
// the environment variable OPENBLAS_CORETYPE, read at load time, so:
//
// If OpenBLAS chose Prescott, OPENBLAS_CORETYPE is unset and the CPU has AVX-512 (or AVX2), set it to
// SkylakeX (or Haswell) and re-run this same program with the same arguments. Otherwise, or if the
// re-run fails, do nothing. Set OPENBLAS_CORETYPE yourself to choose (or keep) any kernels.
namespace tg {

// True when OpenBLAS runs its fallback SSE3 kernels, whatever chose them (tg-bench only reports it).
bool on_fallback_blas_kernels();

void use_fast_blas_kernels(char** argv);

}  // namespace tg
