#include "core/sparse_grad.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/kernels.hpp"

namespace tg {

void accumulate_rows(std::shared_ptr<RowSparseGrad>& into, const Shape& table_shape, const int64_t* rows, int64_t n,
                     const float* values, int64_t skip_row) {
  accumulate_rows(into, table_shape, rows, n, values, nullptr, skip_row);
}

void accumulate_rows(std::shared_ptr<RowSparseGrad>& into, const Shape& table_shape, const int64_t* rows, int64_t n,
                     const float* values, const int64_t* value_of, int64_t skip_row) {
  const int64_t width = table_shape.numel() / std::max<int64_t>(table_shape[0], 1);
  // (row, order, source) for the existing rows (order -1, first) and the new ones (order j), sorted by
  // row then order: each row's sources in the order they are summed. The keys are unique, so an
  // in-place std::sort gives one answer (stable_sort would allocate a scratch buffer every call).
  struct Item {
    int64_t row, order;
    const float* src;
  };
  std::vector<Item> items;
  items.reserve(size_t(n) + size_t(into ? into->rows.numel() : 0));
  const std::shared_ptr<RowSparseGrad> old = into;  // keeps the old values alive while we read them
  if (old)
    for (int64_t k = 0; k < old->rows.numel(); ++k) items.push_back({old->rows.i64()[k], -1, old->values.f32() + k * width});
  for (int64_t j = 0; j < n; ++j)
    if (rows[j] != skip_row) items.push_back({rows[j], j, values + (value_of ? value_of[j] : j) * width});
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.row != b.row ? a.row < b.row : a.order < b.order;
  });

  std::vector<size_t> starts;  // starts[k]: the first item of the k-th distinct row; then items.size()
  for (size_t i = 0; i < items.size(); ++i)
    if (i == 0 || items[i].row != items[i - 1].row) starts.push_back(i);
  const int64_t unique = int64_t(starts.size());
  starts.push_back(items.size());
  Shape value_shape = table_shape;
  value_shape[0] = unique;
  Tensor row_index = empty({unique}, DType::i64);
  Tensor summed = empty(value_shape);
  int64_t* out_rows = row_index.i64();
  float* out = summed.f32();
  detail::parallel_for(unique, int64_t(items.size()) * width, [&](int64_t k) {
    out_rows[k] = items[starts[size_t(k)]].row;
    float* dst = out + k * width;
    const float* first = items[starts[size_t(k)]].src;
    for (int64_t e = 0; e < width; ++e) dst[e] = 0.0f + first[e];  // 0 + x, not x: -0 becomes +0 as in a zeroed sum
    for (size_t i = starts[size_t(k)] + 1; i < starts[size_t(k) + 1]; ++i) {
      const float* src = items[i].src;
      for (int64_t e = 0; e < width; ++e) dst[e] += src[e];
    }
  });
  auto g = std::make_shared<RowSparseGrad>();
  g->rows = row_index;
  g->values = summed;
  into = std::move(g);
}

void accumulate_sparse_grad(TensorImpl& table, const int64_t* rows, int64_t n, const float* values) {
  accumulate_rows(table.sparse_grad, table.shape, rows, n, values);
}

void add_rows(const RowSparseGrad& g, float* dense, int64_t width) {
  for (int64_t k = 0; k < g.rows.numel(); ++k) {
    float* dst = dense + g.rows.i64()[k] * width;
    const float* src = g.values.f32() + k * width;
    for (int64_t e = 0; e < width; ++e) dst[e] += src[e];
  }
}

Tensor to_dense(const RowSparseGrad& g, const Shape& table_shape) {
  Tensor dense = zeros(table_shape);
  add_rows(g, dense.f32(), table_shape.numel() / std::max<int64_t>(table_shape[0], 1));
  return dense;
}

}  // namespace tg
