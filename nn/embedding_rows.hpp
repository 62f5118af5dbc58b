#pragma once
// What nn::embedding and nn::embedding_bag share (nn/embedding.cpp holds them): the checks of a table
// and its options, and where and how the table's gradient rows are added. Internal to nn/ (not installed).
#include <cstdint>

#include "core/tape.hpp"
#include "nn/embedding.hpp"

namespace tg::nn::embedding_rows {

// A lookup table: float32, float16 or bfloat16, 2-D [num_embeddings, embedding_dim]; else a tg::Error
// naming `op`.
void check_table(const char* op, const Tensor& weight);

// The options checked against a table of num_embeddings rows, with padding_idx made non-negative.
EmbeddingOptions checked_options(const char* op, EmbeddingOptions options, int64_t num_embeddings);

// Where a lookup's gradient rows go, decided at its forward. A leaf table's go to its rows: the
// row-sparse gradient (sparse), or the rows of the dense one when the batch has fewer positions than the
// table has rows (and, at backward, no dense [V, D] gradient exists yet), so that none is zero-filled
// and scattered into (Adam then reads only these rows; grad() writes them out when asked). Otherwise (a
// computed table, a batch that covers it, or a dense gradient already there, perhaps one set by
// set_grad and shared) they are added to the dense gradient directly.
struct TableGradRoute {
  bool sparse = false, by_rows = false;
};
TableGradRoute table_grad_route(const Tensor& weight, bool sparse, int64_t positions);

// The backward of a lookup recorded with the table as input 0: dtable[idx[j], :] += scale[j] * src_j for
// every j in [0, n) with idx[j] != padding_idx, where src_j is row value_of[j] of values (value_of null:
// row j) and scale null means 1, by `route`. Repeated rows are summed in the order of j on every route
// (accumulate_rows; the dense scatter splits the D axis between threads), so the result is deterministic
// and the same bits whichever route it took.
void add_to_table_grad(Node& node, TableGradRoute route, const int64_t* idx, const int64_t* value_of, int64_t n,
                       const float* values, int64_t padding_idx, const float* scale);

}  // namespace tg::nn::embedding_rows
