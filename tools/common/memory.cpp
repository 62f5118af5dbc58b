#include "tools/common/memory.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"

namespace tg {

double machine_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  double total = 0, available = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    double kib = 0;
    if (!(fields >> key >> kib)) continue;
    if (key == "MemTotal:") total = kib * 1024;
    if (key == "MemAvailable:") available = kib * 1024;
  }
  return available > 0 ? available : total;
}

std::string human_bytes(double bytes) {
  static const char* const units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  int unit = 0;
  while (bytes >= 999.5 && unit < 8) {
    bytes /= 1000;
    ++unit;
  }
  if (unit == 0) return fmt::format("{:.0f} bytes", bytes);
  return fmt::format("{:.3g} {}", bytes, units[unit]);
}

void check_fits_in_memory(const MemoryEstimate& need) {
  double machine = machine_memory_bytes();
  if (machine <= 0 || need.total() <= machine) return;
  fail("this run needs {} (parameters and gradients {}, optimizer moments {}, activations {}, data {}), the "
       "machine has {} available",
       human_bytes(need.total()), human_bytes(need.parameters), human_bytes(need.optimizer),
       human_bytes(need.activations), human_bytes(need.data), human_bytes(machine));
}

}  // namespace tg
