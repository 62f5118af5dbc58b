#pragma once
// How much memory this process really holds, to check what a table costs beyond arithmetic.
//
//   release_cached_memory();
//   int64_t before = resident_memory_bytes();
//   nn::Embedding table(100000, 300);          // allocated and written (N(0, 1) init)
//   int64_t used = resident_memory_bytes() - before;   // about 120 MB
//
// Resident memory (VmRSS in /proc/self/status) counts the pages the process has touched and still
// holds, so an allocation counts only once it is written. Linux only: elsewhere it returns -1.
#include <cstdint>

namespace tg {

// VmRSS of this process in bytes, or -1 where /proc/self/status cannot be read.
int64_t resident_memory_bytes();

// Gives the memory of freed tensors back to the system: the buffers core keeps for reuse (as
// torch.cuda.empty_cache() does for PyTorch's caching allocator) and malloc's free heap (malloc_trim).
// Call it before measuring, so a freed table no longer counts.
void release_cached_memory();

}  // namespace tg
