// The sgemm rate alone, on the shapes a benchmark's layers call, for "% of the sgemm rate" figures.
#include <cblas.h>

#include "core/random.hpp"
#include "tools/bench/bench.hpp"

namespace tg::bench {

GemmOperands::GemmOperands(const GemmShape& g)
    : shape(g), a(randn(g.trans_a ? Shape{g.k, g.m} : Shape{g.m, g.k})),
      b(randn(g.trans_b ? Shape{g.n, g.k} : Shape{g.k, g.n})), c(zeros({g.m, g.n})) {}

void GemmOperands::call() {
  const GemmShape& g = shape;
  cblas_sgemm(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans, g.trans_b ? CblasTrans : CblasNoTrans, int(g.m),
              int(g.n), int(g.k), 1.0f, a.f32(), int(g.trans_a ? g.m : g.k), b.f32(), int(g.trans_b ? g.k : g.n),
              1.0f, c.f32(), int(g.n));
}

double time_gemm(const BenchOptions& opt, const GemmShape& g) {
  GemmOperands operands(g);
  const int reps = std::max<int>(1, int(2e8 / gemm_flops(g)));  // about 0.2 GFLOP per timed sample
  double seconds = median_seconds(opt, [&] {
    for (int r = 0; r < reps; ++r) operands.call();
  });
  return seconds / reps;
}

}  // namespace tg::bench
