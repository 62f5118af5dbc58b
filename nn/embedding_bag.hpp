#pragma once
// EmbeddingBag: the sum, mean or max of bags of embedding rows in one op, as torch.nn.EmbeddingBag.
// Parameter `weight` [V, D], initialised N(0, 1) from tapegrad's generator, the padding row zeroed.
//
//   nn::EmbeddingBag bag(10000, 64, {.mode = "mean", .padding_idx = 0});
//   Tensor sentences = bag.forward(token_ids);            // i64 [B, T] -> f32 [B, 64]: one bag a row
//   Tensor same = bag.forward(flat_ids, offsets);         // i64 [N], offsets i64 [B] -> [B, 64]
//
// The same as nn::embedding followed by a reduction over each bag, without the [B, T, D] lookup in
// between: forward adds the table's rows straight into [B, D], backward adds each bag's gradient row
// straight into the table's gradient rows (row-sparse with sparse = true, for LazyAdam; else the rows
// of the dense gradient, as nn::embedding does: nn/README.md).
// Not here (yet): PyTorch's max_norm, scale_grad_by_freq and per_sample_weights.
#include <cstdint>
#include <optional>
#include <string>

#include "nn/module.hpp"

namespace tg::nn {

struct EmbeddingBagOptions {
  // How each bag is reduced: "sum", "mean" (the sum times 1 / the number of entries counted, as
  // nn::masked_mean), or "max" (per column; the gradient goes to the first entry holding the max).
  std::string mode = "mean";
  // Entries equal to padding_idx are left out of the bag: not added, not counted in the mean, no
  // gradient. A bag with no other entries (or none at all) gives zeros (PyTorch >= 1.8). Negative
  // counts from the end (-1 = V-1).
  std::optional<int64_t> padding_idx = std::nullopt;
  // The table's gradient is row-sparse (weight.sparse_grad()), for lazy optimizers (optim::LazyAdam).
  bool sparse = false;
  // With offsets: offsets has B + 1 entries, the last one N (the end of the last bag), as in PyTorch.
  bool include_last_offset = false;
};

// torch.nn.functional.embedding_bag for fixed-length bags: input i64 [B, T], bag b = input[b, :].
//   weight [V, D] float32, float16 or bfloat16  ->  f32 [B, D]
// Throws "embedding_bag: index 10000 at position [3, 7] is out of range for num_embeddings=10000".
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const EmbeddingBagOptions& options = {});

// Bags of any length: input i64 [N] holds the bags one after another, bag b starts at offsets[b]
// (offsets i64 [B], offsets[0] = 0, non-decreasing, at most N; bag b ends where bag b + 1 starts, the
// last at N). Equal offsets make an empty bag (zeros).
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets,
                     const EmbeddingBagOptions& options = {});

class EmbeddingBag : public Module {
 public:
  EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, EmbeddingBagOptions options = {});
  // A module around an existing table [V, D] (shared, not copied; its padding row is left as given).
  // freeze = true: the table does not require grad. As torch.nn.EmbeddingBag.from_pretrained.
  static EmbeddingBag from_pretrained(const Tensor& embeddings, bool freeze = true, EmbeddingBagOptions options = {});

  Tensor forward(const Tensor& input);                         // [B, T] -> [B, D]
  Tensor forward(const Tensor& input, const Tensor& offsets);  // [N], [B] -> [B, D]

  int64_t num_embeddings() const { return weight.size(0); }
  int64_t embedding_dim() const { return weight.size(1); }
  // The options, with padding_idx made non-negative.
  const EmbeddingBagOptions& options() const { return options_; }

  Tensor weight;  // [V, D]

 private:
  struct Pretrained {};
  EmbeddingBag(Pretrained, const Tensor& embeddings, bool freeze, const EmbeddingBagOptions& options);
  EmbeddingBagOptions options_;
};

}  // namespace tg::nn
