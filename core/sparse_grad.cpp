#include "core/sparse_grad.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace tg {

void accumulate_sparse_grad(TensorImpl& table, const int64_t* rows, int64_t n, const float* values) {
  const int64_t width = table.shape.numel() / std::max<int64_t>(table.shape[0], 1);
  // Gather (row, source) pairs from the existing gradient and the new rows, then merge by row.
  std::vector<std::pair<int64_t, const float*>> items;
  Tensor old_rows, old_values;
  if (table.sparse_grad) {
    old_rows = table.sparse_grad->rows;
    old_values = table.sparse_grad->values;
    for (int64_t k = 0; k < old_rows.numel(); ++k) items.emplace_back(old_rows.i64()[k], old_values.f32() + k * width);
  }
  for (int64_t j = 0; j < n; ++j) items.emplace_back(rows[j], values + j * width);
  std::stable_sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first < b.first; });

  std::vector<int64_t> unique_rows;
  for (auto& [row, src] : items)
    if (unique_rows.empty() || unique_rows.back() != row) unique_rows.push_back(row);
  Shape value_shape = table.shape;
  value_shape[0] = int64_t(unique_rows.size());
  Tensor summed = zeros(value_shape);
  int64_t k = -1;
  int64_t previous = -1;
  for (auto& [row, src] : items) {
    if (k < 0 || row != previous) ++k, previous = row;
    float* dst = summed.f32() + k * width;
    for (int64_t e = 0; e < width; ++e) dst[e] += src[e];
  }
  auto g = std::make_shared<RowSparseGrad>();
  g->rows = indices(std::move(unique_rows));
  g->values = summed;
  table.sparse_grad = g;
}

Tensor to_dense(const RowSparseGrad& g, const Shape& table_shape) {
  Tensor dense = zeros(table_shape);
  const int64_t width = table_shape.numel() / std::max<int64_t>(table_shape[0], 1);
  for (int64_t k = 0; k < g.rows.numel(); ++k)
    std::memcpy(dense.f32() + g.rows.i64()[k] * width, g.values.f32() + k * width, size_t(width) * sizeof(float));
  return dense;
}

}  // namespace tg
