#include "core/quantize.hpp"

#include <algorithm>
#include <cmath>

#include "core/kernels.hpp"

namespace tg {

QuantizedRows quantize_per_row(const Tensor& table) {
  check_defined("quantize_per_row", table);
  if (table.dim() != 2) fail("quantize_per_row: expected a 2-D table [rows, dim], got shape {}", table.shape());
  if (!is_floating(table.dtype()))
    fail("quantize_per_row: expected a float32, float16 or bfloat16 table, got {}", dtype_name(table.dtype()));
  const Tensor values = table.to(DType::f32);  // the table itself when it is already f32
  const int64_t rows = table.size(0), dim = table.size(1);
  QuantizedRows out{empty({rows, dim}, DType::i8), empty({rows})};
  const float* x = values.f32();
  int8_t* q = out.values.i8();
  float* scales = out.scales.f32();
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * dim;
    float largest = 0;
    for (int64_t e = 0; e < dim; ++e) {
      if (!std::isfinite(row[e])) fail("quantize_per_row: row {} holds {}, expected finite values", r, row[e]);
      largest = std::max(largest, std::fabs(row[e]));
    }
    const float scale = largest / 127.0f;
    scales[r] = scale;
    const float inverse = scale > 0 ? 1.0f / scale : 0.0f;
    for (int64_t e = 0; e < dim; ++e)
      q[r * dim + e] = int8_t(std::clamp(std::lround(row[e] * inverse), -127L, 127L));
  }
  return out;
}

Tensor dequantize_per_row(const Tensor& values, const Tensor& scales) {
  check_dtype("dequantize_per_row", values, DType::i8);
  check_dtype("dequantize_per_row", scales, DType::f32);
  if (values.dim() != 2 || scales.dim() != 1 || scales.size(0) != values.size(0))
    fail("dequantize_per_row: expected values [V, D] and scales [V], got {} and {}", values.shape(), scales.shape());
  const int64_t rows = values.size(0), dim = values.size(1);
  Tensor out = empty({rows, dim});
  for (int64_t r = 0; r < rows; ++r)
    dequantize_row(values.i8() + r * dim, scales.f32()[r], dim, out.f32() + r * dim);
  return out;
}

}  // namespace tg
