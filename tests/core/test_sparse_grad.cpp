// accumulate_rows (core/sparse_grad.hpp): sorted unique rows whose values are the bits of a dense
// zero-filled sum taken in position order, for few positions (std::sort) and many (the radix sort over
// one to three bytes of the row), with existing rows, skipped rows and shared value rows.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/random.hpp"
#include "core/sparse_grad.hpp"
#include "core/tensor.hpp"

using namespace tg;

namespace {

// dense[rows[j]] += values[value_of[j]] in order of j, after the existing gradient; skip_row left out.
std::vector<float> dense_sum(const RowSparseGrad* existing, int64_t V, int64_t D, const std::vector<int64_t>& rows,
                             const std::vector<float>& values, const std::vector<int64_t>& value_of, int64_t skip_row) {
  std::vector<float> dense(size_t(V * D), 0.0f);
  if (existing) add_rows(*existing, dense.data(), D);
  for (size_t j = 0; j < rows.size(); ++j) {
    if (rows[j] == skip_row) continue;
    for (int64_t e = 0; e < D; ++e) dense[size_t(rows[j] * D + e)] += values[size_t(value_of[j] * D + e)];
  }
  return dense;
}

}  // namespace

TEST_CASE("accumulate_rows gives sorted unique rows holding the bits of a dense sum in position order") {
  const int64_t D = 3;
  Generator gen(21);
  for (int64_t V : {7, 300, 70000}) {          // the rows need 1, 2 and 3 bytes
    for (int64_t n : {0, 5, 63, 64, 1000}) {   // below and above the radix sort's cut
      CAPTURE(V);
      CAPTURE(n);
      std::vector<int64_t> rows(static_cast<size_t>(n)), value_of(static_cast<size_t>(n));
      std::vector<float> values(size_t(n * D));
      for (int64_t j = 0; j < n; ++j) {
        rows[size_t(j)] = int64_t(gen.next_u64() % uint64_t(V < 1000 ? V : 50)) * (V < 1000 ? 1 : V / 50);
        value_of[size_t(j)] = int64_t(gen.next_u64() % uint64_t(n));  // rows of values shared by positions
      }
      for (float& v : values) v = float(gen.uniform() * 2 - 1);
      const int64_t skip = n > 0 ? rows[0] : -1;
      std::shared_ptr<RowSparseGrad> into;
      accumulate_rows(into, Shape{V, D}, rows.data(), n, values.data(), value_of.data(), skip);
      RowSparseGrad first = *into;
      accumulate_rows(into, Shape{V, D}, rows.data(), n, values.data(), value_of.data(), -1);  // onto existing rows
      for (const RowSparseGrad* g : {&first, into.get()}) {
        const int64_t* r = g->rows.i64();
        for (int64_t k = 1; k < g->rows.numel(); ++k) CHECK(r[k - 1] < r[k]);
      }
      CHECK(to_dense(first, Shape{V, D}).to_vector() == dense_sum(nullptr, V, D, rows, values, value_of, skip));
      CHECK(to_dense(*into, Shape{V, D}).to_vector() == dense_sum(&first, V, D, rows, values, value_of, -1));
      for (int64_t k = 0; k < first.rows.numel(); ++k) CHECK(first.rows.i64()[k] != skip);
    }
  }
}
