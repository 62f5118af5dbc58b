#pragma once
// tg-bench: one subcommand per benchmark. Each prints what it measured (median of `runs` timed runs
// after warm-up), the thread count, and how to compare with PyTorch (the *_torch.py beside it).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace tg::bench {

struct BenchOptions {
  int threads = 1;
  int runs = 20;
  int warmup = 3;
};

// Wall time of one call of f, in seconds.
inline double seconds_of(const std::function<void()>& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline double median(std::vector<double> values) {
  std::nth_element(values.begin(), values.begin() + long(values.size() / 2), values.end());
  return values[values.size() / 2];
}

// Runs f warmup + runs times; returns the median wall time of the timed runs in seconds.
inline double median_seconds(const BenchOptions& opt, const std::function<void()>& f) {
  for (int i = 0; i < opt.warmup; ++i) f();
  std::vector<double> times;
  for (int i = 0; i < opt.runs; ++i) times.push_back(seconds_of(f));
  return median(times);
}

// One sgemm shape, C[m, n] = op(A) op(B) (+ C), as a layer calls it, and how often one step calls it.
struct GemmShape {
  const char* what;
  int64_t m, n, k;
  bool trans_a, trans_b;
  int64_t calls;
};

inline double gemm_flops(const GemmShape& g) { return 2.0 * double(g.m) * double(g.n) * double(g.k); }

// Operands for one sgemm shape, made once and reused (warm in cache, as a plain sgemm benchmark has them).
struct GemmOperands {
  GemmShape shape;
  Tensor a, b, c;
  explicit GemmOperands(const GemmShape& g);
  void call();  // one product through core/gemm.hpp, C += op(A) op(B)
};

// Median seconds of one sgemm call of this shape.
double time_gemm(const BenchOptions& opt, const GemmShape& g);

int bench_tape(const BenchOptions& opt);
int bench_lstm(const BenchOptions& opt);
int bench_neighbors(const BenchOptions& opt);  // bench_neighbors.cpp

// tg-bench workloads: the README's table of workloads (W1 ... W6s).
struct WorkloadOptions {
  int threads = 1;
  std::vector<std::string> only;  // names to run; empty: all
  bool json = false;              // one JSON object a line instead of the table
  std::string dump_dir;           // non-empty: write each training workload's start and first losses there
};
int bench_workloads(const WorkloadOptions& opt);

}  // namespace tg::bench
