#pragma once
// int8 per-row quantisation of a table [V, D] (an embedding table, for inference).
//
// Each row r gets one float32 scale and D int8 values, symmetric around zero:
//   scale[r] = max_e |table[r, e]| / 127           (0 for an all-zero row)
//   q[r, e]  = round(table[r, e] / scale[r])       in [-127, 127], ties away from zero
//   table[r, e] ~ scale[r] * q[r, e]                error at most scale[r] / 2 per element
// Memory: D + 4 bytes a row instead of 4 D (a [100000, 300] table: 30.4 MB instead of 120 MB).
//
//   QuantizedRows q = quantize_per_row(table);             // i8 [V, D] and f32 [V]
//   Tensor approx = dequantize_per_row(q.values, q.scales); // f32 [V, D]
#include "core/tensor.hpp"

namespace tg {

struct QuantizedRows {
  Tensor values;  // i8 [V, D]
  Tensor scales;  // f32 [V]
};

// table: f32, f16 or bf16, 2-D. Throws "quantize_per_row: ..." otherwise, or on a non-finite value.
QuantizedRows quantize_per_row(const Tensor& table);
// values i8 [V, D], scales f32 [V] -> f32 [V, D].
Tensor dequantize_per_row(const Tensor& values, const Tensor& scales);

// One row: out[e] = scale * q[e], e < dim.
inline void dequantize_row(const int8_t* q, float scale, int64_t dim, float* out) {
  for (int64_t e = 0; e < dim; ++e) out[e] = scale * float(q[e]);
}

}  // namespace tg
