#pragma once
// What nn::embedding and nn::embedding_bag share (nn/embedding.cpp holds them): the checks of a table
// and its options, and the dense scatter-add of gradient rows. Internal to nn/ (not installed).
#include <cstdint>

#include "nn/embedding.hpp"

namespace tg::nn::embedding_rows {

// A lookup table: float32, float16 or bfloat16, 2-D [num_embeddings, embedding_dim]; else a tg::Error
// naming `op`.
void check_table(const char* op, const Tensor& weight);

// The options checked against a table of num_embeddings rows, with padding_idx made non-negative.
EmbeddingOptions checked_options(const char* op, EmbeddingOptions options, int64_t num_embeddings);

// dtable[idx[j], :] += scale[j] * src_j for every j in [0, n) with idx[j] != padding_idx, where src_j is
// row value_of[j] of values (value_of null: row j) and scale null means 1. Each element is summed in
// the order of j (threads split the D axis), so the result is deterministic.
void scatter_add_rows(float* dtable, const float* values, const int64_t* idx, const int64_t* value_of, int64_t n,
                      int64_t dim, int64_t padding_idx, const float* scale);

}  // namespace tg::nn::embedding_rows
