#pragma once
// Will a training run fit in memory? Each tool estimates, before allocating anything large, the bytes a
// run needs (parameters, their gradients and optimizer moments, the activations of its largest batch)
// and refuses a run that cannot fit with the numbers:
//   "error: this run needs 756 GB (parameters and gradients 504 GB, optimizer moments 252 GB,
//    activations 12 MB), the machine has 24 GB available"
// An estimate, not a promise: it counts the big tensors and leaves out small ones and the allocator's slack.
#include <cstdint>
#include <string>

namespace tg {

struct MemoryEstimate {
  double parameters = 0;   // bytes of the parameters and their gradients
  double optimizer = 0;    // bytes of the optimizer's moments
  double activations = 0;  // bytes saved for backward by the largest batch, and their gradients
  double data = 0;         // bytes of the encoded data kept for the whole run
  double total() const { return parameters + optimizer + activations + data; }
};

// The bytes the machine can give a new process: /proc/meminfo's MemAvailable (MemTotal on old kernels),
// or 0 when unknown (then nothing is refused).
double machine_memory_bytes();

// "756 GB", "12 MB", "512 bytes": three significant digits at most, powers of 1000.
std::string human_bytes(double bytes);

// Throws tg::Error as above when `need.total()` exceeds machine_memory_bytes().
void check_fits_in_memory(const MemoryEstimate& need);

}  // namespace tg
