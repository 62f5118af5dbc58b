#include "tools/common/finite.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/sparse_grad.hpp"

namespace tg {

namespace {

bool all_finite(const Tensor& t) {
  if (!t.defined()) return true;
  const float* p = t.f32();  // tensors are contiguous
  // A float is nan or inf when its exponent bits are all ones. An OR of integer tests has no order to
  // keep, so the loop vectorises (a float sum would run one add at a time: 6% of a tg-classify run).
  uint32_t all_ones = 0;
  for (int64_t i = 0, n = t.numel(); i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, p + i, sizeof bits);
    all_ones |= (bits & 0x7f800000u) == 0x7f800000u;
  }
  return all_ones == 0;
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

std::string nonfinite_step(double loss, const nn::Module& model) {
  if (!std::isfinite(loss)) return fmt::format("the loss is {}", std::isnan(loss) ? "nan" : fmt::format("{}", loss));
  std::string bad = first_nonfinite_gradient(model);
  return bad.empty() ? "" : fmt::format("the gradient of {} is not finite", bad);
}

void fail_nonfinite(int64_t step, const std::string& what, const std::string& kept) {
  fail("step {}: {} (the learning rate may be too large); stopped before the update, {}; --skip-nonfinite "
       "skips such steps instead",
       step, what, kept);
}

}  // namespace tg
