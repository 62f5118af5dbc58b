// The sgemm rate alone, on the shapes a benchmark's layers call, for "% of the sgemm rate" figures.
// Through core/gemm.hpp, as the layers call it: OpenBLAS, or its own kernel for few rows (see there).
#include "core/gemm.hpp"
#include "core/random.hpp"
#include "tools/bench/bench.hpp"

namespace tg::bench {

GemmOperands::GemmOperands(const GemmShape& g)
    : shape(g), a(randn(g.trans_a ? Shape{g.k, g.m} : Shape{g.m, g.k})),
      b(randn(g.trans_b ? Shape{g.n, g.k} : Shape{g.k, g.n})), c(zeros({g.m, g.n})) {}

void GemmOperands::call() {
  const GemmShape& g = shape;
  detail::gemm(g.trans_a, g.trans_b, g.m, g.n, g.k, a.f32(), b.f32(), 1.0f, c.f32());
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
