#pragma once
// Embedding: a table of vectors looked up by index, as torch.nn.Embedding. Parameter `weight` [V, D],
// initialised N(0, 1) from tapegrad's generator, with the padding row (if any) zeroed.
//
//   nn::Embedding embedding(10000, 64, {.padding_idx = 0, .sparse = true});
//   Tensor vectors = embedding.forward(token_ids);   // i64 [B, T] -> f32 [B, T, 64]
//
//   auto glove = nn::Embedding::from_pretrained(table, /*freeze=*/true);
//
// Smaller tables (the lookup always gives float32 vectors, so the layers above do not change):
//   embedding.half();              // weight stored as float16 (2 bytes an element); .bfloat16() too.
//                                  // It still trains: the gradient and the optimizer's moments are
//                                  // float32, the update is computed in float32 and rounded once.
//   embedding.quantize_per_row();  // int8 values + a float32 scale per row (core/quantize.hpp):
//                                  // inference only; weight_scale [V] joins the parameters.
// A lookup then differs from the float32 one by the format's rounding: relative 2^-11 (float16),
// 2^-8 (bfloat16), at most weight_scale[row] / 2 per element (int8).
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
// weight may be float32, float16 or bfloat16; the result is float32 (the gathered rows converted)
// and the gradient of weight is float32 (dense or row-sparse) whatever weight's dtype.
// Throws "embedding: index 10000 at position [3, 7] is out of range for num_embeddings=10000".
// With max_norm it modifies `weight` in place (not recorded on the tape; float32 tables only).
Tensor embedding(const Tensor& weight, const Tensor& idx, const EmbeddingOptions& options = {});

// The lookup of an int8 table [V, D] with a float32 scale per row [V] (core/quantize.hpp):
// y[j, :] = scales[idx[j]] * values[idx[j], :], float32 [*, D]. Not differentiable.
Tensor embedding_int8(const Tensor& values, const Tensor& scales, const Tensor& idx);

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {});
  // A module around an existing table [V, D] (shared, not copied; its padding row is left as given).
  // freeze = true: the table does not require grad (a fixed lookup).
  static Embedding from_pretrained(const Tensor& weights, bool freeze, EmbeddingOptions options = {});

  Tensor forward(const Tensor& idx);

  // Replaces the table by its int8 per-row quantisation (weight becomes int8 [V, D], weight_scale
  // float32 [V], neither requires grad). For inference: a later requires_grad_(true) fails, and so
  // does forward if weight_scale was made trainable. Idempotent on an int8 table.
  Embedding& quantize_per_row();
  bool is_quantized() const { return weight.dtype() == DType::i8; }

  int64_t num_embeddings() const { return weight.size(0); }
  int64_t embedding_dim() const { return weight.size(1); }
  // The options, with padding_idx made non-negative.
  const EmbeddingOptions& options() const { return options_; }

  Tensor weight;        // [V, D]: float32, float16, bfloat16, or int8 after quantize_per_row()
  Tensor weight_scale;  // [V] float32 once quantised (a parameter then, "weight_scale"); else undefined

 private:
  struct Pretrained {};
  Embedding(Pretrained, const Tensor& weights, bool freeze, const EmbeddingOptions& options);
  EmbeddingOptions options_;
};

}  // namespace tg::nn
