#pragma once
// tg-bench: one subcommand per benchmark. Each prints what it measured (median of `runs` timed runs
// after warm-up), the thread count, and how to compare with PyTorch (the *_torch.py beside it).
#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace tg::bench {

struct BenchOptions {
  int threads = 1;
  int runs = 20;
  int warmup = 3;
};

// Runs f warmup + runs times; returns the median wall time of the timed runs in seconds.
inline double median_seconds(const BenchOptions& opt, const std::function<void()>& f) {
  for (int i = 0; i < opt.warmup; ++i) f();
  std::vector<double> times;
  for (int i = 0; i < opt.runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + long(times.size() / 2), times.end());
  return times[times.size() / 2];
}

int bench_tape(const BenchOptions& opt);
int bench_lstm(const BenchOptions& opt);

}  // namespace tg::bench
