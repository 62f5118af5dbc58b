#include "nn/embedding.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "core/half.hpp"
#include "core/kernels.hpp"
#include "core/quantize.hpp"
#include "core/ops.hpp"
#include "core/sparse_grad.hpp"
#include "core/tape.hpp"
#include "core/threads.hpp"
#include "nn/embedding_rows.hpp"
#include "nn/init.hpp"

namespace tg::nn {

namespace embedding_rows {

void check_table(const char* op, const Tensor& weight) {
  check_defined(op, weight);
  if (weight.dtype() != DType::f32 && weight.dtype() != DType::f16 && weight.dtype() != DType::bf16)
    fail("{}: expected a float32, float16 or bfloat16 weight, got {} (an int8 table goes through "
         "embedding_int8 with its scales)", op, dtype_name(weight.dtype()));
  if (weight.dim() != 2)
    fail("{}: the weight must be 2-D [num_embeddings, embedding_dim], got shape {}", op, weight.shape());
}

EmbeddingOptions checked_options(const char* op, EmbeddingOptions options, int64_t num_embeddings) {
  if (options.padding_idx) {
    const int64_t p = *options.padding_idx;
    if (p < -num_embeddings || p >= num_embeddings)
      fail("{}: padding_idx {} is out of range for num_embeddings={} (expected {} <= padding_idx < {})", op, p,
           num_embeddings, -num_embeddings, num_embeddings);
    if (p < 0) options.padding_idx = p + num_embeddings;
  }
  if (options.max_norm && !(*options.max_norm > 0)) fail("{}: max_norm must be positive, got {}", op, *options.max_norm);
  if (!(options.norm_type > 0)) fail("{}: norm_type must be positive, got {}", op, options.norm_type);
  return options;
}

}  // namespace embedding_rows

using embedding_rows::checked_options;

// The p-norm of a row (p = inf: the largest magnitude), in double.
static double row_norm(const float* row, int64_t dim, double p) {
  double total = 0;
  if (std::isinf(p)) {
    for (int64_t e = 0; e < dim; ++e) total = std::max(total, double(std::fabs(row[e])));
    return total;
  }
  if (p == 2.0) {
    for (int64_t e = 0; e < dim; ++e) total += double(row[e]) * row[e];
    return std::sqrt(total);
  }
  for (int64_t e = 0; e < dim; ++e) total += std::pow(std::fabs(double(row[e])), p);
  return std::pow(total, 1.0 / p);
}

// PyTorch's embedding_renorm_: every distinct looked-up row whose norm exceeds max_norm is scaled in
// place by max_norm / (norm + 1e-7). It writes the table's data directly, so nothing is recorded on
// the tape, and no recorded backward reads these values: the tape stays valid.
static void renorm_rows(Tensor table, const Tensor& idx, double max_norm, double norm_type) {
  std::vector<int64_t> rows(idx.i64(), idx.i64() + idx.numel());
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  const int64_t dim = table.size(1);
  for (int64_t r : rows) {
    float* row = table.f32() + r * dim;
    const double norm = row_norm(row, dim, norm_type);
    if (norm <= max_norm) continue;
    const float scale = float(max_norm / (norm + 1e-7));
    for (int64_t e = 0; e < dim; ++e) row[e] *= scale;
  }
}

// scale[j] = 1 / (how many times idx[j] occurs in idx), for scale_grad_by_freq.
static std::vector<float> inverse_frequency(const int64_t* idx, int64_t n) {
  std::vector<int64_t> order(size_t(n), 0);
  std::iota(order.begin(), order.end(), int64_t(0));
  std::sort(order.begin(), order.end(), [idx](int64_t a, int64_t b) { return idx[a] < idx[b]; });
  std::vector<float> scale(static_cast<size_t>(n));
  for (size_t begin = 0, end = 0; begin < order.size(); begin = end) {
    while (end < order.size() && idx[order[end]] == idx[order[begin]]) ++end;
    for (size_t k = begin; k < end; ++k) scale[size_t(order[k])] = 1.0f / float(end - begin);
  }
  return scale;
}

namespace embedding_rows {

// dtable[idx[j], :] += scale[j] * values[value_of[j], :] (see add_to_table_grad). Threads split the D
// axis into column blocks (multiples of 16 floats, one cache line), so every element is summed by one
// thread in the order of j: deterministic, no atomics.
static void scatter_add_rows(float* dtable, const float* values, const int64_t* idx, const int64_t* value_of,
                             int64_t n, int64_t dim, int64_t padding_idx, const float* scale) {
  if (dim == 0) return;
  const int64_t threads = detail::worth_threads(n * dim) ? num_threads() : 1;
  const int64_t block = std::min(dim, ((dim + threads - 1) / threads + 15) / 16 * 16);
  const int64_t blocks = (dim + block - 1) / block;
  auto add_column_block = [&](int64_t b) {
    const int64_t lo = b * block, hi = std::min(dim, lo + block);
    for (int64_t j = 0; j < n; ++j) {
      if (idx[j] == padding_idx) continue;
      const float s = scale ? scale[j] : 1.0f;
      float* dst = dtable + idx[j] * dim;
      const float* src = values + (value_of ? value_of[j] : j) * dim;
      for (int64_t e = lo; e < hi; ++e) dst[e] += s * src[e];
    }
  };
  if (blocks == 1) return add_column_block(0);
#pragma omp parallel for
  for (int64_t b = 0; b < blocks; ++b) add_column_block(b);
}

TableGradRoute table_grad_route(const Tensor& weight, bool sparse, int64_t positions) {
  const bool leaf = weight.is_leaf();
  return {.sparse = sparse && leaf, .by_rows = !sparse && leaf && positions < weight.size(0)};
}

void add_to_table_grad(Node& node, TableGradRoute route, const int64_t* idx, const int64_t* value_of, int64_t n,
                       const float* values, int64_t padding_idx, const float* scale) {
  TensorImpl& table = *node.inputs[0].impl();
  const int64_t dim = table.shape[1];
  if (!route.sparse && !(route.by_rows && !table.grad))
    return scatter_add_rows(node.grad_in(0), values, idx, value_of, n, dim, padding_idx, scale);
  // As (rows, values) to accumulate_rows, which sums repeated rows in position order, into the row-sparse
  // gradient or the rows of the dense one (TensorImpl::grad_rows). Memory: [n, D], not [V, D].
  std::shared_ptr<RowSparseGrad>& into = route.sparse ? table.sparse_grad : table.grad_rows;
  if (!scale) return accumulate_rows(into, table.shape, idx, n, values, value_of, padding_idx);
  std::vector<int64_t> rows;
  rows.reserve(size_t(n));
  std::vector<float> scaled(size_t(n * dim));  // scale_grad_by_freq: each position's row times its scale
  for (int64_t j = 0; j < n; ++j) {
    if (idx[j] == padding_idx) continue;
    const float s = scale[j];
    const float* src = values + (value_of ? value_of[j] : j) * dim;
    float* dst = scaled.data() + int64_t(rows.size()) * dim;
    for (int64_t e = 0; e < dim; ++e) dst[e] = s * src[e];
    rows.push_back(idx[j]);
  }
  accumulate_rows(into, table.shape, rows.data(), int64_t(rows.size()), scaled.data());
}

}  // namespace embedding_rows

// A float32 lookup whose output has at least this many bytes writes it with streaming stores
// (detail::copy_streaming): 8 MiB is eight times a core's L2 here (1 MiB), so the output's first rows
// have left it before the last are written, and the next op reads them from further out either way.
// W1's 12 MB lookup, 3 alternated pairs on the AMD EPYC VM, 1 thread: 1.38, 1.32, 1.55 -> 1.10, 0.96,
// 1.37 ms; W6 and W6s (a 15 MB lookup that the mean reads back) took the same time as before.
constexpr int64_t kStreamingOutputMin = int64_t(8) << 20;

// y[j, :] = weight[idx[j], :]                        weight: [V, D]  idx: i64 [*]  y: [*, D]
// dweight[idx[j], :] += dy[j, :] / count(idx[j])     for j with idx[j] != padding_idx;
//                                                    count = 1 unless scale_grad_by_freq
Tensor embedding(const Tensor& weight, const Tensor& idx, const EmbeddingOptions& options) {
  embedding_rows::check_table("embedding", weight);
  check_defined("embedding", idx);
  const int64_t num_embeddings = weight.size(0), dim = weight.size(1);
  const EmbeddingOptions checked = checked_options("embedding", options, num_embeddings);
  check_index_range("embedding", idx, num_embeddings, "num_embeddings");
  if (checked.max_norm) {
    if (weight.dtype() != DType::f32)
      fail("embedding: max_norm renormalises the table in place and needs a float32 weight, got {}",
           dtype_name(weight.dtype()));
    renorm_rows(weight, idx, *checked.max_norm, checked.norm_type);
  }

  Shape out_shape = idx.shape();
  out_shape.push_back(dim);
  Tensor y = empty(out_shape);
  const int64_t* pi = idx.i64();
  float* py = y.f32();
  const int64_t n = idx.numel();
  if (weight.dtype() == DType::f32) {
    const float* table = weight.f32();
    constexpr int64_t kPrefetchAhead = 8;  // positions: the row eight ahead is fetched meanwhile
    if (n * dim * int64_t(sizeof(float)) < kStreamingOutputMin) {
      detail::parallel_for(n, n * dim, [=](int64_t j) {
        if (j + kPrefetchAhead < n) detail::prefetch_row(table, pi[j + kPrefetchAhead], dim);
        std::memcpy(py + j * dim, table + pi[j] * dim, size_t(dim) * sizeof(float));
      });
    } else {  // the same copies, streamed (see kStreamingOutputMin); one band of positions a thread
      const int64_t bands = detail::worth_threads(n * dim) ? num_threads() : 1;
      detail::parallel_for(bands, n * dim, [=](int64_t band) {
        for (int64_t j = n * band / bands, end = n * (band + 1) / bands; j < end; ++j) {
          if (j + kPrefetchAhead < n) detail::prefetch_row(table, pi[j + kPrefetchAhead], dim);
          detail::copy_streaming(py + j * dim, table + pi[j] * dim, dim);
        }
        detail::streaming_fence();
      });
    }
  } else if (weight.dtype() == DType::f16) {  // gather and convert each row to float32
    const uint16_t* table = weight.f16();
    detail::parallel_for(n, n * dim, [=](int64_t j) { half_to_floats(table + pi[j] * dim, py + j * dim, dim); });
  } else {
    const uint16_t* table = weight.bf16();
    detail::parallel_for(n, n * dim, [=](int64_t j) { bfloat16_to_floats(table + pi[j] * dim, py + j * dim, dim); });
  }

  const int64_t padding_idx = checked.padding_idx.value_or(-1);
  const embedding_rows::TableGradRoute route = embedding_rows::table_grad_route(weight, checked.sparse, n);
  const bool by_freq = checked.scale_grad_by_freq;
  record("embedding", y, {weight, idx}, [padding_idx, route, by_freq](Node& node) {
    if (!node.inputs[0].impl()->requires_grad) return;
    const Tensor& idx = node.input(1);
    const int64_t n = idx.numel();
    const std::vector<float> scale = by_freq ? inverse_frequency(idx.i64(), n) : std::vector<float>();
    embedding_rows::add_to_table_grad(node, route, idx.i64(), nullptr, n, node.grad_out(), padding_idx,
                                      by_freq ? scale.data() : nullptr);
  });
  return y;
}

// y[j, :] = scales[idx[j]] * values[idx[j], :]       values: i8 [V, D]  scales: f32 [V]  y: f32 [*, D]
Tensor embedding_int8(const Tensor& values, const Tensor& scales, const Tensor& idx) {
  check_dtype("embedding_int8", values, DType::i8);
  check_dtype("embedding_int8", scales, DType::f32);
  check_defined("embedding_int8", idx);
  if (values.dim() != 2 || scales.dim() != 1 || scales.size(0) != values.size(0))
    fail("embedding_int8: expected values [V, D] and scales [V], got {} and {}", values.shape(), scales.shape());
  const int64_t dim = values.size(1);
  check_index_range("embedding_int8", idx, values.size(0), "num_embeddings");
  Shape out_shape = idx.shape();
  out_shape.push_back(dim);
  Tensor y = empty(out_shape);
  const int8_t* table = values.i8();
  const float* scale = scales.f32();
  const int64_t* pi = idx.i64();
  float* py = y.f32();
  const int64_t n = idx.numel();
  detail::parallel_for(n, n * dim, [=](int64_t j) { dequantize_row(table + pi[j] * dim, scale[pi[j]], dim, py + j * dim); });
  return y;
}

Tensor Embedding::forward(const Tensor& idx) {
  if (weight.dtype() != DType::i8) return embedding(weight, idx, options_);
  if (weight_scale.requires_grad() && grad_enabled())
    fail("Embedding: the table is int8-quantised, for inference only; it cannot be trained (keep a float32 "
         "or float16 table to train, then quantize_per_row())");
  return embedding_int8(weight, weight_scale, idx);
}

Embedding& Embedding::quantize_per_row() {
  if (is_quantized()) return *this;
  if (options_.max_norm) fail("Embedding::quantize_per_row: a table with max_norm changes as it is used; cannot quantise it");
  QuantizedRows q = tg::quantize_per_row(weight);
  weight.requires_grad_(false);
  weight.set_data(q.values);
  weight_scale = q.scales;
  register_parameter("weight_scale", weight_scale);
  weight_scale.requires_grad_(false);
  return *this;
}

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options) {
  if (num_embeddings <= 0 || embedding_dim < 0)
    fail("Embedding: expected num_embeddings > 0 and embedding_dim >= 0, got {} and {}", num_embeddings, embedding_dim);
  options_ = checked_options("Embedding", options, num_embeddings);
  weight = empty({num_embeddings, embedding_dim});
  init::normal_(weight);
  if (options_.padding_idx)
    std::fill_n(weight.f32() + *options_.padding_idx * embedding_dim, embedding_dim, 0.0f);
  register_parameter("weight", weight);
}

Embedding::Embedding(Pretrained, const Tensor& weights, bool freeze, const EmbeddingOptions& options) {
  check_defined("Embedding::from_pretrained", weights);
  if (!is_floating(weights.dtype()))
    fail("Embedding::from_pretrained: expected a float32, float16 or bfloat16 table, got {}", dtype_name(weights.dtype()));
  if (weights.dim() != 2)
    fail("Embedding::from_pretrained: expected a 2-D table [num_embeddings, embedding_dim], got shape {}",
         weights.shape());
  options_ = checked_options("Embedding::from_pretrained", options, weights.size(0));
  weight = weights.detach();
  register_parameter("weight", weight);
  weight.requires_grad_(!freeze);
}

Embedding Embedding::from_pretrained(const Tensor& weights, bool freeze, EmbeddingOptions options) {
  return Embedding(Pretrained{}, weights, freeze, options);
}

}  // namespace tg::nn
