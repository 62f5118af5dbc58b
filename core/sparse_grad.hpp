#pragma once
// Row-sparse gradients: for an embedding table [V, D] a batch touches a few hundred rows, so its
// gradient is kept as (rows, values) instead of a dense [V, D] table of mostly zeros.
// Lazy optimizers update only these rows; dense ones call to_dense().
#include "core/tensor.hpp"

namespace tg {

struct RowSparseGrad {
  Tensor rows;    // i64 [n], sorted ascending, unique
  Tensor values;  // f32 [n, D...]: the summed gradient of each row
};

// Adds the gradient rows[j] += values[j] (rows may repeat, in any order) into the sparse gradient of
// `table`, keeping it sorted and unique. Deterministic: sums in input order, no atomics.
void accumulate_sparse_grad(TensorImpl& table, const int64_t* rows, int64_t n, const float* values);

// The [V, D...] dense table equal to a sparse gradient.
Tensor to_dense(const RowSparseGrad& g, const Shape& table_shape);

}  // namespace tg
