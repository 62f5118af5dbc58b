#include "core/sparse_grad.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "core/kernels.hpp"

namespace tg {

// Sorts keys row * 2^32 + j (pushed in ascending j) by row, keeping ascending j among equal rows: a
// least-significant-digit radix sort over the row's bytes, one pass a byte up to max_row's highest
// byte (two passes for a vocabulary below 65,536). Measured on SST-2 batches (~600 keys): a third of
// std::sort's time. Few keys: std::sort, which gives the same order (the keys are unique).
static void sort_by_row(std::vector<uint64_t>& keys, uint64_t max_row) {
  if (keys.size() < 64) {
    std::sort(keys.begin(), keys.end());
    return;
  }
  std::vector<uint64_t> sorted(keys.size());
  for (int shift = 32; shift < 64 && (max_row >> (shift - 32)) != 0; shift += 8) {
    size_t start[257] = {};  // start[digit + 1] counts the keys of that digit, then becomes where they go
    for (uint64_t key : keys) ++start[((key >> shift) & 0xff) + 1];
    for (int digit = 0; digit < 256; ++digit) start[digit + 1] += start[digit];
    for (uint64_t key : keys) sorted[start[(key >> shift) & 0xff]++] = key;
    keys.swap(sorted);
  }
}

void accumulate_rows(std::shared_ptr<RowSparseGrad>& into, const Shape& table_shape, const int64_t* rows, int64_t n,
                     const float* values, int64_t skip_row) {
  accumulate_rows(into, table_shape, rows, n, values, nullptr, skip_row);
}

void accumulate_rows(std::shared_ptr<RowSparseGrad>& into, const Shape& table_shape, const int64_t* rows, int64_t n,
                     const float* values, const int64_t* value_of, int64_t skip_row) {
  const int64_t width = table_shape.numel() / std::max<int64_t>(table_shape[0], 1);
  if (table_shape[0] > (int64_t(1) << 32) || n >= (int64_t(1) << 32))
    fail("accumulate_rows: {} positions into a table of {} rows, expected fewer than 2^32 of each", n, table_shape[0]);
  // The new positions as keys row * 2^32 + j, sorted by row, then by position: the order in which each
  // row's values are summed.
  // (Written into a sized vector, not push_back: its possible reallocation kept max_row in memory, a
  // store and load every position, a quarter of this function's time.)
  std::vector<uint64_t> keys(static_cast<size_t>(n));
  size_t kept = 0;
  uint64_t max_row = 0;
  for (int64_t j = 0; j < n; ++j) {
    const uint64_t row = uint64_t(rows[j]);
    if (rows[j] == skip_row) continue;
    keys[kept++] = row << 32 | uint64_t(j);
    max_row = std::max(max_row, row);
  }
  keys.resize(kept);
  sort_by_row(keys, max_row);

  // Merged with the existing rows (sorted, unique): each output row sums its existing value (if any)
  // first, then its new positions keys[begin, end) in order.
  struct Sum {
    int64_t row, existing;  // existing: the row's index in old->rows, or -1
    size_t begin, end;
  };
  const std::shared_ptr<RowSparseGrad> old = into;  // keeps the old values alive while we read them
  const int64_t old_count = old ? old->rows.numel() : 0;
  const int64_t* old_rows = old ? old->rows.i64() : nullptr;
  std::vector<Sum> sums;
  sums.reserve(keys.size() + size_t(old_count));
  constexpr int64_t kNone = std::numeric_limits<int64_t>::max();
  for (size_t i = 0, k = 0; i < keys.size() || int64_t(k) < old_count;) {
    const int64_t next_new = i < keys.size() ? int64_t(keys[i] >> 32) : kNone;
    const int64_t next_old = int64_t(k) < old_count ? old_rows[k] : kNone;
    Sum sum{std::min(next_new, next_old), -1, i, i};
    if (next_old == sum.row) sum.existing = int64_t(k++);
    while (sum.end < keys.size() && int64_t(keys[sum.end] >> 32) == sum.row) ++sum.end;
    i = sum.end;
    sums.push_back(sum);
  }

  const int64_t unique = int64_t(sums.size());
  Shape value_shape = table_shape;
  value_shape[0] = unique;
  Tensor row_index = empty({unique}, DType::i64);
  Tensor summed = empty(value_shape);
  int64_t* out_rows = row_index.i64();
  float* out = summed.f32();
  auto source = [&](uint64_t key) {
    const int64_t j = int64_t(key & 0xffffffffu);
    return values + (value_of ? value_of[j] : j) * width;
  };
  detail::parallel_for(unique, int64_t(keys.size() + size_t(old_count)) * width, [&](int64_t k) {
    const Sum& sum = sums[size_t(k)];
    out_rows[k] = sum.row;
    float* dst = out + k * width;
    size_t next = sum.begin;
    const float* first = sum.existing >= 0 ? old->values.f32() + sum.existing * width : source(keys[next++]);
    for (int64_t e = 0; e < width; ++e) dst[e] = 0.0f + first[e];  // 0 + x, not x: -0 becomes +0 as in a zeroed sum
    for (; next < sum.end; ++next) {
      const float* src = source(keys[next]);
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
