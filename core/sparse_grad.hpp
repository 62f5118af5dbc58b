#pragma once
// Row-sparse gradients: for an embedding table [V, D] a batch touches a few hundred rows, so its
// gradient is kept as (rows, values) instead of a dense [V, D] table of mostly zeros.
// Two uses of the same form (core/tensor.hpp):
//   TensorImpl::sparse_grad  the gradient is row-sparse (Embedding sparse=true): lazy optimizers update
//                            only these rows; dense ones call to_dense().
//   TensorImpl::grad_rows    the gradient is dense (Embedding sparse=false), but held as its nonzero
//                            rows until someone reads it: Tensor::grad() adds them into the dense one.
#include <memory>

#include "core/tensor.hpp"

namespace tg {

struct RowSparseGrad {
  Tensor rows;    // i64 [n], sorted ascending, unique
  Tensor values;  // f32 [n, D...]: the summed gradient of each row
};

// Adds rows[j] += values[j] (rows may repeat, in any order) into `into` (null: no rows yet), a
// gradient of a table of table_shape, keeping it sorted and unique. Each row is summed from zero in
// order (the existing value first, then the new ones by j), as a dense += would: the same bits.
// Positions whose row is skip_row (an embedding's padding_idx; -1: none) are left out.
void accumulate_rows(std::shared_ptr<RowSparseGrad>& into, const Shape& table_shape, const int64_t* rows, int64_t n,
                     const float* values, int64_t skip_row = -1);

// The same with the values of position j at values[value_of[j]] (rows of `values` shared by several
// positions: an embedding bag's one scaled dy row for every entry of its bag). value_of null: j.
void accumulate_rows(std::shared_ptr<RowSparseGrad>& into, const Shape& table_shape, const int64_t* rows, int64_t n,
                     const float* values, const int64_t* value_of, int64_t skip_row);

// accumulate_rows into the row-sparse gradient of `table`.
void accumulate_sparse_grad(TensorImpl& table, const int64_t* rows, int64_t n, const float* values);

// dense[rows[k], :] += values[k, :] for every k; dense is [V, width].
void add_rows(const RowSparseGrad& g, float* dense, int64_t width);

// The [V, D...] dense table equal to a sparse gradient.
Tensor to_dense(const RowSparseGrad& g, const Shape& table_shape);

}  // namespace tg
