#include "core/buffer_cache.hpp"

#include <sys/mman.h>

#include <array>
#include <bit>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace tg::detail {

namespace {

constexpr size_t kHugePage = size_t(2) << 20;

// Size classes: 4 KiB * 2^(c / 4) * (4 + c % 4) / 4, i.e. four steps per power of two, so a buffer wastes
// at most 25% over its request.
constexpr int kClasses = 4 * 48;
size_t class_of(size_t bytes) {
  const size_t units = (bytes + 1023) / 1024;  // in KiB, >= 5
  const int e = std::bit_width(units - 1) - 1;   // 2^e < units <= 2^(e + 1)
  const size_t quarter = size_t(1) << (e - 2 > 0 ? e - 2 : 0);
  const size_t steps = (units - (size_t(1) << e) + quarter - 1) / quarter;  // 1..4 quarters above 2^e
  return size_t(4 * e) + steps - 1;
}
size_t class_bytes(size_t c) {
  const size_t e = c / 4, steps = c % 4 + 1;
  return ((size_t(1) << e) + steps * (size_t(1) << (e >= 2 ? e - 2 : 0))) * 1024;
}

struct Cache {
  std::mutex mutex;
  std::array<std::vector<void*>, kClasses> free;
  size_t cached_bytes = 0;
};
Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: tensors freed at exit still find it
  return *c;
}

void* system_allocate(size_t bytes) {
  if (bytes < kHugePage) return std::aligned_alloc(64, bytes);
  void* p = std::aligned_alloc(kHugePage, (bytes + kHugePage - 1) / kHugePage * kHugePage);
  if (p) madvise(p, bytes, MADV_HUGEPAGE);  // a hint: without transparent huge pages nothing changes
  return p;
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
void* allocate_buffer(size_t bytes) { return std::aligned_alloc(64, (bytes + 63) / 64 * 64); }
void free_buffer(void* buffer, size_t) { std::free(buffer); }
void release_cached_buffers() {}
#else
void* allocate_buffer(size_t bytes) {
  const size_t c = class_of(bytes);
  if (c >= kClasses) return system_allocate((bytes + 63) / 64 * 64);
  {
    Cache& k = cache();
    std::lock_guard lock(k.mutex);
    if (!k.free[c].empty()) {
      void* p = k.free[c].back();
      k.free[c].pop_back();
      k.cached_bytes -= class_bytes(c);
      return p;
    }
  }
  return system_allocate(class_bytes(c));
}

void free_buffer(void* buffer, size_t bytes) {
  const size_t c = class_of(bytes);
  if (c < kClasses) {
    Cache& k = cache();
    std::lock_guard lock(k.mutex);
    if (k.cached_bytes + class_bytes(c) <= kMaxCachedBytes) {
      k.free[c].push_back(buffer);
      k.cached_bytes += class_bytes(c);
      return;
    }
  }
  std::free(buffer);
}

void release_cached_buffers() {
  Cache& k = cache();
  std::lock_guard lock(k.mutex);
  for (auto& buffers : k.free) {
    for (void* p : buffers) std::free(p);
    buffers.clear();
  }
  k.cached_bytes = 0;
}
#endif

}  // namespace tg::detail
