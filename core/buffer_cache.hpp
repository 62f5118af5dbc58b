#pragma once
// Tensor buffers of more than 4 KiB, kept for reuse instead of being given back to the system.
//
// Why: a training step frees and re-allocates the same large buffers every time (activations, the
// dense gradient of an embedding table). glibc hands blocks above its mmap threshold (at most 32 MiB)
// straight back to the kernel and trims its heap above 128 KiB, so each step paid a page fault for
// every 4 KiB page of those buffers, plus the kernel zero-filling them: a [100000, 300] gradient is
// 30,000 faults a step. Here a freed buffer joins a list for its size class (four classes per power of
// two) and the next request of that class takes it back, already mapped.
//
// Buffers of 2 MiB and more are 2 MiB aligned and asked to be transparent huge pages (madvise), which
// also spares the TLB misses of random row lookups into a large embedding table.
// At most kMaxCachedBytes are kept; beyond that a freed buffer goes back to the system. Any thread may
// free a buffer another made (one mutex, taken only for buffers above 4 KiB). Under AddressSanitizer
// the cache is bypassed, so use-after-free is still caught. (Internal: not an installed header.)
#include <cstddef>

namespace tg::detail {

constexpr size_t kMaxCachedBytes = size_t(1) << 30;

// At least `bytes` bytes, 64-byte aligned; nullptr when the system has no memory left.
void* allocate_buffer(size_t bytes);
// Gives back a buffer from allocate_buffer(bytes) (the same `bytes`).
void free_buffer(void* buffer, size_t bytes);
// Gives every kept buffer back to the system (tg::release_cached_memory, core/process_memory.hpp).
void release_cached_buffers();

}  // namespace tg::detail
