// tg-bench: benchmarks of tapegrad (speed targets are checked here, never in unit tests).
//   tg-bench tape  [--threads N] [--runs R]   cost of recording ops on the tape
//   tg-bench lstm  [--threads N] [--runs R]   LSTM(64 -> 256) forward+backward vs. sgemm rate
//   tg-bench neighbors [--threads N] [--runs R]   exact neighbour queries on a 100k x 300 table
//   tg-bench workloads [--threads N] [--only W3,W5] [--json] [--dump DIR]   the README's workload table
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/threads.hpp"
#include "tools/bench/bench.hpp"
#include "tools/common/blas_kernels.hpp"
#include "tools/common/cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"tg-bench: tapegrad benchmarks (medians of repeated runs)"};
  app.require_subcommand(1);
  app.fallthrough();  // --threads and --runs may follow the subcommand
  tg::bench::BenchOptions opt;
  app.add_option("--threads", opt.threads, "threads for OpenMP and OpenBLAS")->check(CLI::PositiveNumber);
  app.add_option("--runs", opt.runs, "timed runs (the median is reported)")->check(CLI::PositiveNumber);
  auto* tape = app.add_subcommand("tape", "ns per recorded op: 10,000 chained adds on [8] tensors, forward+backward");
  auto* lstm = app.add_subcommand("lstm", "LSTM(64 -> 256), B=32, T=64: forward+backward GFLOP/s vs. sgemm");
  auto* neighbors = app.add_subcommand("neighbors", "ms per exact nearest-neighbour query on a generated 100k x 300 table");
  auto* workloads = app.add_subcommand("workloads", "the walkthrough's workloads W1 ... W6s (tools/bench/compare.sh "
                                       "runs them next to PyTorch)");
  tg::bench::WorkloadOptions workload_opt;
  workloads->add_option("--only", workload_opt.only, "comma-separated workload names, e.g. W3,W5")->delimiter(',');
  workloads->add_flag("--json", workload_opt.json, "one JSON object a line");
  workloads->add_option("--dump", workload_opt.dump_dir,
                        "write each training workload's start and first losses to DIR (for workloads_torch.py --check)")
      ->check(CLI::ExistingDirectory);
  tg::fit_help_to_80_columns(app);
  CLI11_PARSE(app, argc, argv);
  // On a CPU this OpenBLAS does not know, it falls back to SSE3 kernels (tools/common/blas_kernels.hpp).
  // The tools switch by themselves; a benchmark leaves the choice to you, and says which you timed.
  if (tg::on_fallback_blas_kernels())
    fmt::print(stderr, "note: OpenBLAS chose its SSE3 kernels (Prescott), 3-4x slower than its AVX-512\n"
                       "      ones: set OPENBLAS_CORETYPE=SkylakeX (compare.sh does), for PyTorch too\n");
  try {
    tg::set_num_threads(opt.threads);
    if (*tape) return tg::bench::bench_tape(opt);
    if (*lstm) return tg::bench::bench_lstm(opt);
    if (*neighbors) return tg::bench::bench_neighbors(opt);
    if (*workloads) {
      workload_opt.threads = opt.threads;
      return tg::bench::bench_workloads(workload_opt);
    }
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
