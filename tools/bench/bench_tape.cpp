// The cost of the tape itself: a chain of 10,000 adds on [8]-element tensors (the arithmetic is
// negligible), recorded, then backpropagated. Reported per op, forward + backward together.
#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "tools/bench/bench.hpp"

namespace tg::bench {

int bench_tape(const BenchOptions& opt) {
  constexpr int kOps = 10000;
  Tensor x = ones({8}).requires_grad_();
  Tensor c = full({8}, 0.5);
  double forward_only = median_seconds(opt, [&] {
    Tensor y = x;
    for (int i = 0; i < kOps; ++i) y = y + c;
    clear_tape();
  });
  double both = median_seconds(opt, [&] {
    Tensor y = x;
    for (int i = 0; i < kOps; ++i) y = y + c;
    y.sum().backward();
    x.zero_grad();
  });
  fmt::print("tape: {} chained adds on [8] tensors, threads={}, median of {} runs\n", kOps, opt.threads, opt.runs);
  fmt::print("  forward (record)      {:7.1f} ns/op\n", forward_only / kOps * 1e9);
  fmt::print("  forward + backward    {:7.1f} ns/op   (target < 500; compare: python3 tools/bench/tape_torch.py)\n",
             both / kOps * 1e9);
  return 0;
}

}  // namespace tg::bench
