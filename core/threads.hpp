#pragma once
// The CPU settings of the compute threads.
//
// set_num_threads: one knob for parallelism, OpenMP's thread count. OpenBLAS stays on one thread: large
// products are split between the OpenMP threads by core/gemm.hpp, which says why.
//
// set_flush_denormal: as torch.set_flush_denormal. Floats below 1.2e-38 ("denormals") cost about 100
// times a normal multiply on x86, and Adam's moments of rarely updated embedding rows decay into them
// (m *= 0.9 every step): dense Adam on SST-2 ran 3.7x slower for it. On, this thread and the OpenMP
// threads read and write them as zero (SSE's FTZ and DAZ). Returns false where that is not supported.
namespace tg {
void set_num_threads(int n);
int num_threads();
bool set_flush_denormal(bool on);
}  // namespace tg
