#pragma once
// Masked pooling over the time dim of a padded batch: one vector per sequence from its valid steps.
//
//   Tensor h = lstm(embedding(tokens), lengths).output;   // [B, T, H]
//   Tensor sentence = nn::masked_mean(h, lengths);         // [B, H]
//
// `lengths_or_mask` says which steps are valid, either as
//   lengths i64 [B]:  step t of row b is valid when t < lengths[b]  (each in [0, T]), or
//   mask    f32 [B, T]: 1 = valid, 0 = padding (holes allowed).
// Padded steps are never read: whatever they hold (even NaN) changes no result and no gradient, and
// their gradient is exactly 0. A row without valid steps gives 0 and no gradient.
#include "core/tensor.hpp"

namespace tg::nn {

// out[b] = sum of x[b, t] over the valid steps t.        x: [B, T, D] -> [B, D]
Tensor masked_sum(const Tensor& x, const Tensor& lengths_or_mask);

// out[b] = masked_sum / max(count_b, 1), count_b the number of valid steps.   [B, T, D] -> [B, D]
Tensor masked_mean(const Tensor& x, const Tensor& lengths_or_mask);

// out[b, d] = max of x[b, t, d] over the valid steps; the gradient goes to the arg-max step (the first
// one on ties; a NaN wins, as in torch.max).                                   [B, T, D] -> [B, D]
Tensor masked_max(const Tensor& x, const Tensor& lengths_or_mask);

// out[b] = x[b, t_b] with t_b the last valid step (lengths[b] - 1): the final output of an LSTM run
// over padded sequences.                                                        [B, T, D] -> [B, D]
Tensor last_valid(const Tensor& x, const Tensor& lengths_or_mask);

}  // namespace tg::nn
