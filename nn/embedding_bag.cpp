#include "nn/embedding_bag.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/half.hpp"
#include "core/kernels.hpp"
#include "core/ops.hpp"
#include "core/sparse_grad.hpp"
#include "core/tape.hpp"
#include "nn/embedding_rows.hpp"
#include "nn/init.hpp"

namespace tg::nn {

namespace {

enum class Mode { sum, mean, max };

Mode parse_mode(const char* op, const std::string& mode) {
  if (mode == "sum") return Mode::sum;
  if (mode == "mean") return Mode::mean;
  if (mode == "max") return Mode::max;
  fail("{}: mode '{}' is not one of: sum, mean, max", op, mode);
}

int64_t checked_padding_idx(const char* op, std::optional<int64_t> padding_idx, int64_t num_embeddings) {
  EmbeddingOptions checked = embedding_rows::checked_options(op, {.padding_idx = padding_idx}, num_embeddings);
  return checked.padding_idx.value_or(-1);
}

// Bag b holds the entries [starts[b], starts[b + 1]) of the flat input; starts has B + 1 values.
std::vector<int64_t> starts_of_rows(int64_t B, int64_t T) {
  std::vector<int64_t> starts(size_t(B + 1));
  for (int64_t b = 0; b <= B; ++b) starts[size_t(b)] = b * T;
  return starts;
}

std::vector<int64_t> starts_from_offsets(const Tensor& offsets, int64_t N, bool include_last_offset) {
  check_dtype("embedding_bag", offsets, DType::i64);
  if (offsets.dim() != 1) fail("embedding_bag: offsets must be 1-D [B], got shape {}", offsets.shape());
  const int64_t* o = offsets.i64();
  const int64_t count = offsets.numel();
  if (include_last_offset && count == 0)
    fail("embedding_bag: with include_last_offset, offsets needs B + 1 >= 1 entries, got none");
  if (count > 0 && o[0] != 0)
    fail("embedding_bag: offsets[0] is {}, expected 0 (the first bag starts at the first entry)", o[0]);
  for (int64_t b = 1; b < count; ++b)
    if (o[b] < o[b - 1])
      fail("embedding_bag: offsets[{}] = {} is less than offsets[{}] = {}, expected non-decreasing offsets", b, o[b],
           b - 1, o[b - 1]);
  if (count > 0 && o[count - 1] > N)
    fail("embedding_bag: offsets[{}] = {} is past the end of the input (N={})", count - 1, o[count - 1], N);
  if (include_last_offset && o[count - 1] != N)
    fail("embedding_bag: with include_last_offset, the last offset must be N={} (the end of the last bag), got {}",
         N, o[count - 1]);
  std::vector<int64_t> starts(o, o + count);
  if (!include_last_offset) starts.push_back(N);
  return starts;
}

// Row r of the table as float32: the row itself, or converted into `scratch` ([D]) for a 2-byte table.
const float* table_row(const Tensor& weight, int64_t r, float* scratch) {
  const int64_t D = weight.size(1);
  if (weight.dtype() == DType::f32) return weight.f32() + r * D;
  if (weight.dtype() == DType::f16) half_to_floats(weight.f16() + r * D, scratch, D);
  else bfloat16_to_floats(weight.bf16() + r * D, scratch, D);
  return scratch;
}

// out[d] += row[d]; the two never overlap (restrict lets the loop vectorize without a check).
void add_row(float* __restrict out, const float* __restrict row, int64_t D) {
  for (int64_t d = 0; d < D; ++d) out[d] += row[d];
}

// starts: [B + 1]  idx: [N]  weight: [V, D]  ->  y: [B, D]
//
// sum/mean:  y[b] = scale_b * sum of weight[idx[j]] over j in bag b, idx[j] != padding_idx, j ascending
//            (scale_b = 1 for sum, 1 / max(count_b, 1) for mean: nn::masked_mean's arithmetic)
//            dweight[idx[j]] += scale_b * dy[b]       ([B, D] scaled once, added by row: no [N, D])
// max:       y[b, d] = weight[idx[j*], d], j* the first entry of the bag holding the max (a NaN wins)
//            dweight[idx[j*], d] += dy[b, d]
Tensor bag_op(const Tensor& input, const Tensor& weight, std::vector<int64_t> starts, const EmbeddingBagOptions& options) {
  const int64_t V = weight.size(0), D = weight.size(1);
  const Mode mode = parse_mode("embedding_bag", options.mode);
  const int64_t padding_idx = checked_padding_idx("embedding_bag", options.padding_idx, V);
  const int64_t B = int64_t(starts.size()) - 1, N = input.numel();
  const int64_t* idx = input.i64();

  Tensor y = zeros({B, D});
  float* py = y.f32();
  constexpr int64_t kPrefetchAhead = 2;               // entries: the row two ahead is fetched meanwhile
  std::vector<float> scale(size_t(B), 1.0f);         // sum/mean: scale_b
  std::vector<int64_t> winner;                        // max: [B, D], the entry j* of each output, -1: none
  if (mode == Mode::max) winner.assign(size_t(B * D), -1);
  detail::parallel_for(B, N * D, [&](int64_t b) {
    std::vector<float> scratch(weight.dtype() == DType::f32 ? 0 : size_t(D));
    float* out = py + b * D;
    int64_t count = 0;
    for (int64_t j = starts[size_t(b)]; j < starts[size_t(b) + 1]; ++j) {
      if (j + kPrefetchAhead < N && weight.dtype() == DType::f32)
        detail::prefetch_row(weight.f32(), idx[j + kPrefetchAhead], D);
      if (idx[j] == padding_idx) continue;
      const float* row = table_row(weight, idx[j], scratch.data());
      if (mode != Mode::max) {
        add_row(out, row, D);
      } else {
        int64_t* best = winner.data() + b * D;
        for (int64_t d = 0; d < D; ++d) {
          const bool take = count == 0 || (out[d] == out[d] && !(row[d] <= out[d]));
          out[d] = take ? row[d] : out[d];
          best[d] = take ? j : best[d];
        }
      }
      ++count;
    }
    if (mode == Mode::mean) {
      scale[size_t(b)] = 1.0f / float(std::max<int64_t>(count, 1));
      for (int64_t d = 0; d < D; ++d) out[d] *= scale[size_t(b)];
    }
  });

  const embedding_rows::TableGradRoute route = embedding_rows::table_grad_route(weight, options.sparse, N);
  record("embedding_bag", y, {weight, input},
         [=, starts = std::move(starts), scale = std::move(scale), winner = std::move(winner)](Node& node) {
           if (!node.inputs[0].impl()->requires_grad) return;
           const int64_t* idx = node.input(1).i64();
           const float* dy = node.grad_out();  // [B, D]
           if (mode != Mode::max) {
             std::vector<float> scaled;  // mean: scale_b * dy[b], [B, D]
             if (mode == Mode::mean) {
               scaled.resize(size_t(B * D));
               for (int64_t b = 0; b < B; ++b)
                 for (int64_t d = 0; d < D; ++d) scaled[size_t(b * D + d)] = scale[size_t(b)] * dy[b * D + d];
             }
             std::vector<int64_t> bag_of(size_t(N), 0);  // the bag of each entry (entries past every bag: none read)
             for (int64_t b = 0; b < B; ++b)
               std::fill(bag_of.begin() + starts[size_t(b)], bag_of.begin() + starts[size_t(b) + 1], b);
             const int64_t used = starts[size_t(B)];  // entries in some bag
             embedding_rows::add_to_table_grad(node, route, idx, bag_of.data(), used,
                                               mode == Mode::mean ? scaled.data() : dy, padding_idx, nullptr);
             return;
           }
           // max: one gradient row per entry that won some column, holding dy there and 0 elsewhere, in
           // entry order.
           std::vector<int64_t> rows;
           std::vector<float> values;
           for (int64_t b = 0; b < B; ++b) {
             const int64_t* best = winner.data() + b * D;
             for (int64_t j = starts[size_t(b)]; j < starts[size_t(b) + 1]; ++j) {
               if (std::find(best, best + D, j) == best + D) continue;
               rows.push_back(idx[j]);
               values.resize(rows.size() * size_t(D), 0.0f);
               float* value = values.data() + (rows.size() - 1) * size_t(D);
               for (int64_t d = 0; d < D; ++d)
                 if (best[d] == j) value[d] = dy[b * D + d];
             }
           }
           embedding_rows::add_to_table_grad(node, route, rows.data(), nullptr, int64_t(rows.size()), values.data(), -1,
                                             nullptr);
         });
  return y;
}

}  // namespace

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const EmbeddingBagOptions& options) {
  embedding_rows::check_table("embedding_bag", weight);
  check_defined("embedding_bag", input);
  if (input.dim() == 1)
    fail("embedding_bag: a 1-D input {} needs offsets (where each bag starts); pass them, or a 2-D input [B, T]",
         input.shape());
  if (input.dim() != 2)
    fail("embedding_bag: input must be 2-D [B, T], or 1-D [N] with offsets, got shape {}", input.shape());
  check_index_range("embedding_bag", input, weight.size(0), "num_embeddings");
  return bag_op(input, weight, starts_of_rows(input.size(0), input.size(1)), options);
}

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets,
                     const EmbeddingBagOptions& options) {
  embedding_rows::check_table("embedding_bag", weight);
  check_defined("embedding_bag", input);
  if (input.dim() == 2)
    fail("embedding_bag: offsets go with a 1-D input [N], got a 2-D input {} (its rows are the bags; pass no offsets)",
         input.shape());
  if (input.dim() != 1)
    fail("embedding_bag: input must be 1-D [N] with offsets, or 2-D [B, T], got shape {}", input.shape());
  check_index_range("embedding_bag", input, weight.size(0), "num_embeddings");
  return bag_op(input, weight, starts_from_offsets(offsets, input.numel(), options.include_last_offset), options);
}

EmbeddingBag::EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, EmbeddingBagOptions options) {
  if (num_embeddings <= 0 || embedding_dim < 0)
    fail("EmbeddingBag: expected num_embeddings > 0 and embedding_dim >= 0, got {} and {}", num_embeddings,
         embedding_dim);
  parse_mode("EmbeddingBag", options.mode);
  options_ = options;
  if (options.padding_idx) options_.padding_idx = checked_padding_idx("EmbeddingBag", options.padding_idx, num_embeddings);
  weight = empty({num_embeddings, embedding_dim});
  init::normal_(weight);
  if (options_.padding_idx)
    std::fill_n(weight.f32() + *options_.padding_idx * embedding_dim, embedding_dim, 0.0f);
  register_parameter("weight", weight);
}

EmbeddingBag::EmbeddingBag(Pretrained, const Tensor& embeddings, bool freeze, const EmbeddingBagOptions& options) {
  embedding_rows::check_table("EmbeddingBag::from_pretrained", embeddings);
  parse_mode("EmbeddingBag::from_pretrained", options.mode);
  options_ = options;
  if (options.padding_idx)
    options_.padding_idx = checked_padding_idx("EmbeddingBag::from_pretrained", options.padding_idx, embeddings.size(0));
  weight = embeddings.detach();
  register_parameter("weight", weight);
  weight.requires_grad_(!freeze);
}

EmbeddingBag EmbeddingBag::from_pretrained(const Tensor& embeddings, bool freeze, EmbeddingBagOptions options) {
  return EmbeddingBag(Pretrained{}, embeddings, freeze, options);
}

Tensor EmbeddingBag::forward(const Tensor& input) { return embedding_bag(input, weight, options_); }

Tensor EmbeddingBag::forward(const Tensor& input, const Tensor& offsets) {
  return embedding_bag(input, weight, offsets, options_);
}

}  // namespace tg::nn
