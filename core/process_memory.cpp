#include "core/process_memory.hpp"

#include <malloc.h>

#include <cstdio>
#include <cstring>

#include "core/buffer_cache.hpp"

namespace tg {

int64_t resident_memory_bytes() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (!status) return -1;
  char line[256];
  int64_t kib = -1;
  while (std::fgets(line, sizeof line, status))
    if (std::strncmp(line, "VmRSS:", 6) == 0) {  // "VmRSS:\t  123456 kB"
      long long value = 0;
      if (std::sscanf(line + 6, "%lld", &value) == 1) kib = value;
      break;
    }
  std::fclose(status);
  return kib < 0 ? -1 : kib * 1024;
}

void release_cached_memory() {
  detail::release_cached_buffers();
  malloc_trim(0);
}

}  // namespace tg
