#pragma once
// One knob for parallelism: sets both OpenMP's and OpenBLAS's thread counts.
// Kernels never call a threaded BLAS from inside an OpenMP parallel region.
namespace tg {
void set_num_threads(int n);
int num_threads();
}  // namespace tg
