// LSTM(64 -> 256) on B=32, T=64 (batch_first): forward + backward time and GFLOP/s, next to the sgemm
// rate of the machine on the very matmuls the LSTM does (measured here with one thread), so the overhead
// of everything that is not a matmul shows as the gap between the two. Compare with PyTorch:
//   /usr/bin/python3 tools/bench/lstm_torch.py <threads>
#include <cblas.h>
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <vector>

#include "core/tapegrad.hpp"
#include "nn/lstm.hpp"
#include "tools/bench/bench.hpp"

namespace tg::bench {

namespace {

constexpr int64_t kBatch = 32, kSteps = 64, kInput = 64, kHidden = 256, kGates = 4 * kHidden;

const GemmShape kLstmGemms[] = {
    {"input projection  X W_ih^T", kBatch * kSteps, kGates, kInput, false, true, 1},
    {"recurrence   h_{t-1} W_hh^T", kBatch, kGates, kHidden, false, false, kSteps},  // W_hh^T copied: NN
    {"BPTT       dgates_t W_hh", kBatch, kHidden, kGates, false, false, kSteps},
    {"dW_ih = dGates^T X", kGates, kInput, kBatch * kSteps, true, false, 1},
    {"dW_hh = dGates^T H_prev", kGates, kHidden, kBatch * kSteps, true, false, 1},
    {"dX = dGates W_ih", kBatch * kSteps, kInput, kGates, false, false, 1},
};

}  // namespace

int bench_lstm(const BenchOptions& opt) {
  manual_seed(0);
  nn::LSTM lstm(kInput, kHidden, {.batch_first = true});
  Tensor x = randn({kBatch, kSteps, kInput}).requires_grad_();
  Tensor grad_output = randn({kBatch, kSteps, kHidden});
  const double forward_flops = 2.0 * kBatch * kSteps * kGates * (kInput + kHidden);
  const double total_flops = 3.0 * forward_flops;  // backward: twice the forward's matmuls

  fmt::print("OpenBLAS kernels: {}\n", openblas_get_corename());  // main() says when they are the SSE3 ones
  set_num_threads(1);
  fmt::print("sgemm, 1 thread, the LSTM's shapes (C[m, n] = A[m, k] B[k, n]):\n");
  for (const GemmShape& g : kLstmGemms)
    fmt::print("  {:30} m={:5} n={:5} k={:5}  x{:3}  {:6.1f} GFLOP/s\n", g.what, g.m, g.n, g.k, g.calls,
               gemm_flops(g) / time_gemm(opt, g) / 1e9);
  const GemmShape square{"large square", 1024, 1024, 1024, false, false, 1};
  fmt::print("  {:30} m={:5} n={:5} k={:5}        {:6.1f} GFLOP/s\n", square.what, square.m, square.n, square.k,
             gemm_flops(square) / time_gemm(opt, square) / 1e9);

  // The LSTM step and the same sgemm calls alone, alternated run by run, so that both see the same
  // machine (on a shared host the speed drifts by 20-40% from one minute to the next).
  std::vector<GemmOperands> gemms(std::begin(kLstmGemms), std::end(kLstmGemms));
  auto lstm_step = [&] {
    set_num_threads(opt.threads);
    lstm.zero_grad();
    x.zero_grad();
    lstm.forward(x).output.backward(grad_output);
  };
  auto sgemms_alone = [&] {
    set_num_threads(1);
    for (GemmOperands& g : gemms)
      for (int64_t call = 0; call < g.shape.calls; ++call) g.call();
  };
  std::vector<double> step_times, sgemm_times, ratios;
  for (int run = 0; run < opt.warmup + opt.runs; ++run) {
    const double step = seconds_of(lstm_step), sgemm = seconds_of(sgemms_alone);
    if (run < opt.warmup) continue;
    step_times.push_back(step);
    sgemm_times.push_back(sgemm);
    ratios.push_back(sgemm / step);
  }
  set_num_threads(opt.threads);
  const double forward = median_seconds(opt, [&] {
    NoGradGuard no_grad;
    lstm.forward(x);
  });
  const double step = median(step_times), sgemm_seconds = median(sgemm_times);

  fmt::print("\nlstm: LSTM({} -> {}), B={}, T={}, batch_first, threads={}, median of {} runs\n", kInput, kHidden,
             kBatch, kSteps, opt.threads, opt.runs);
  fmt::print("  forward only          {:7.2f} ms        {:6.1f} GFLOP/s\n", forward * 1e3,
             forward_flops / forward / 1e9);
  fmt::print("  forward + backward    {:7.2f} ms/step   {:6.1f} GFLOP/s  ({:.2f} GFLOP per step)\n", step * 1e3,
             total_flops / step / 1e9, total_flops / 1e9);
  fmt::print("  the same sgemms alone {:7.2f} ms/step   {:6.1f} GFLOP/s  (1 thread, run after each step)\n",
             sgemm_seconds * 1e3, total_flops / sgemm_seconds / 1e9);
  fmt::print("  => {:.0f}% of the single-thread sgemm rate (median of the {} step/sgemm pairs; target: >= 80% "
             "with 1 thread, and faster with 2 threads than with 1)\n",
             100.0 * median(ratios), opt.runs);
  fmt::print("  compare: /usr/bin/python3 tools/bench/lstm_torch.py {}\n", opt.threads);
  return 0;
}

}  // namespace tg::bench
