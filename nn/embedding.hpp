#pragma once
// Embedding: a table of vectors looked up by index, as torch.nn.Embedding. Parameter `weight` [V, D],
// initialised N(0, 1) from tapegrad's generator, with the padding row (if any) zeroed.
//
//   nn::Embedding embedding(10000, 64, {.padding_idx = 0, .sparse = true});
//   Tensor vectors = embedding.forward(token_ids);   // i64 [B, T] -> f32 [B, T, 64]
//
//   auto glove = nn::Embedding::from_pretrained(table, /*freeze=*/true);
#include <optional>

#include "nn/module.hpp"

namespace tg::nn {

struct EmbeddingOptions {
  // This row is looked up as usual but never receives a gradient. Negative counts from the end
  // (-1 = V-1), as in PyTorch.
  std::optional<int64_t> padding_idx = std::nullopt;
  // Before each lookup, every looked-up row whose norm_type-norm exceeds max_norm is scaled in place
  // to norm max_norm (PyTorch's embedding_renorm_: row *= max_norm / (norm + 1e-7)).
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.0;
  // The gradient of the table is row-sparse (weight.sparse_grad(): the touched rows only), for lazy
  // optimizers; no dense [V, D] gradient is allocated. Applies when the table is a leaf.
  bool sparse = false;
  // Each row's gradient is divided by how many times its index occurs in the batch.
  bool scale_grad_by_freq = false;
};

// The lookup op (torch.nn.functional.embedding): weight [V, D], idx i64 of any shape [*] -> [*, D].
// Throws "embedding: index 10000 at position [3, 7] is out of range for num_embeddings=10000".
// With max_norm it modifies `weight` in place (not recorded on the tape).
Tensor embedding(const Tensor& weight, const Tensor& idx, const EmbeddingOptions& options = {});

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {});
  // A module around an existing table [V, D] (shared, not copied; its padding row is left as given).
  // freeze = true: the table does not require grad (a fixed lookup).
  static Embedding from_pretrained(const Tensor& weights, bool freeze, EmbeddingOptions options = {});

  Tensor forward(const Tensor& idx) { return embedding(weight, idx, options_); }

  int64_t num_embeddings() const { return weight.size(0); }
  int64_t embedding_dim() const { return weight.size(1); }
  // The options, with padding_idx made non-negative.
  const EmbeddingOptions& options() const { return options_; }

  Tensor weight;  // [V, D]

 private:
  struct Pretrained {};
  Embedding(Pretrained, const Tensor& weights, bool freeze, const EmbeddingOptions& options);
  EmbeddingOptions options_;
};

}  // namespace tg::nn
