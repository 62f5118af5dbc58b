#include "tools/common/finite.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/sparse_grad.hpp"

namespace tg {

namespace {

bool all_finite(const Tensor& t) {
  if (!t.defined()) return true;
  const float* p = t.f32();  // tensors are contiguous
  float sum = 0;  // x * 0 is 0 for finite x and nan for nan or inf: one branch-free pass
  for (int64_t i = 0, n = t.numel(); i < n; ++i) sum += p[i] * 0.0f;
  return std::isfinite(sum);
}

}  // namespace

std::string first_nonfinite_gradient(const nn::Module& model) {
  for (const auto& [name, param] : model.named_parameters()) {
    // The dense gradient as it is held (not grad(), which would write held-apart rows into a [V, D] table).
    if (param.impl()->grad && !all_finite(Tensor(param.impl()->grad))) return name;
    if (const RowSparseGrad* rows = param.grad_rows(); rows && !all_finite(rows->values)) return name;
    if (const RowSparseGrad* sparse = param.sparse_grad(); sparse && !all_finite(sparse->values)) return name;
  }
  return "";
}

void fail_nonfinite(int64_t step, const std::string& what, const std::string& kept) {
  fail("step {}: {} (the learning rate may be too large); stopped before the update, {}; --skip-nonfinite "
       "skips such steps instead",
       step, what, kept);
}

}  // namespace tg
