#pragma once
// Padding and mask helpers for batches of sequences of different lengths.
//
//   Tensor ids = nn::pad_sequence({indices({5, 3, 9}), indices({7})}, /*batch_first=*/true, 0);
//   // ids: [[5, 3, 9], [7, 0, 0]]
//   Tensor mask = nn::lengths_to_mask(indices({3, 1}), 3);   // [[1, 1, 1], [1, 0, 0]]
#include <vector>

#include "core/tensor.hpp"

namespace tg::nn {

// Stacks sequences [T_i, *] (same trailing dims *, same dtype: i64 ids or f32 vectors) into
// [B, T_max, *] if batch_first, else [T_max, B, *] (torch.nn.utils.rnn.pad_sequence), filling the
// steps past each sequence's end with padding_value. Differentiable for f32: sequence b gets back
// its steps of the gradient.
Tensor pad_sequence(const std::vector<Tensor>& seqs, bool batch_first = false, double padding_value = 0.0);

// mask[b, t] = 1 if t < lengths[b] else 0:   lengths i64 [B]  ->  f32 [B, max_len].
// Every length must be in [0, max_len].
Tensor lengths_to_mask(const Tensor& lengths, int64_t max_len);

}  // namespace tg::nn
