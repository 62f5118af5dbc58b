#pragma once
// Loss functions with PyTorch's semantics (torch.nn.functional), each one fused op: the forward
// computes every element's loss and reduces it, the backward writes the input's gradient directly
// (no chain of small ops on the tape).
//
//   Tensor loss = nn::cross_entropy(logits, targets, {.ignore_index = 0, .label_smoothing = 0.1});
//   loss.backward();
//
// Targets, class weights and pos_weight are constants: passing one that requires grad is an error.
#include <cstdint>

#include "core/tensor.hpp"

namespace tg::nn {

// How the per-element (or per-row) losses become the result:
//   mean: their (weighted) average -> [];  sum: their sum -> [];  none: no reduction, one per element.
enum class Reduction { mean, sum, none };

struct BceOptions {
  Tensor weight = {};  // optional, broadcasts to the input's shape
  Reduction reduction = Reduction::mean;
};

// Binary cross entropy on probabilities (torch.nn.functional.binary_cross_entropy).  probs, targets: [*]
//   loss_i = -w_i * (y_i * max(log p_i, -100) + (1 - y_i) * max(log(1 - p_i), -100))
// Each log is clamped at -100 as in PyTorch, so p = 0 or 1 gives a finite loss; the gradient is
// PyTorch's  w_i * (p_i - y_i) / max(p_i * (1 - p_i), 1e-12),  huge but finite at p = 0 or 1.
// A probability outside [0, 1] (or NaN) is an error.
Tensor bce(const Tensor& probs, const Tensor& targets, const BceOptions& options = {});
inline Tensor binary_cross_entropy(const Tensor& probs, const Tensor& targets, const BceOptions& options = {}) {
  return bce(probs, targets, options);
}

struct BceWithLogitsOptions {
  Tensor weight = {};      // optional, broadcasts to the input's shape
  Tensor pos_weight = {};  // optional weight of the positive term, usually [C] (one per class, last dim)
  Reduction reduction = Reduction::mean;
};

// Binary cross entropy on logits (torch.nn.functional.binary_cross_entropy_with_logits), stable for
// every x including +-inf.                                                        logits, targets: [*]
//   loss_i = w * (pw * y * softplus(-x) + (1 - y) * softplus(x)),  softplus(z) = max(z, 0) + log1p(exp(-|z|))
// which is PyTorch's -w * (pw * y * log sigmoid(x) + (1 - y) * log(1 - sigmoid(x))); w = pw = 1 unless given.
// Gradient: w * ((pw * y + 1 - y) * sigmoid(x) - pw * y)  (= sigmoid(x) - y without weights).
Tensor bce_with_logits(const Tensor& logits, const Tensor& targets, const BceWithLogitsOptions& options = {});
inline Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& targets,
                                               const BceWithLogitsOptions& options = {}) {
  return bce_with_logits(logits, targets, options);
}

struct CrossEntropyOptions {
  int64_t ignore_index = -100;  // rows with this target add nothing to the loss nor to the count
  double label_smoothing = 0;   // eps in [0, 1]: loss = (1 - eps) * nll + eps * mean_c(-w_c log p_c)
  Reduction reduction = Reduction::mean;
  Tensor weight = {};  // optional class weights, f32 [C]
};

// Softmax cross entropy, log_softmax fused in. Shapes as PyTorch (C = number of classes, on dim 1):
//   logits [N, C]         targets [N]
//   logits [N, C, d...]   targets [N, d...]
//   logits [C]            targets []   (one example)
// Anything else is an error naming both shapes. A language model's [B, T, C] logits go in as
// logits.reshape({B * T, C}) with targets.reshape({B * T}) (a view: no copy).
// targets are i64, each in [0, C) or equal to ignore_index. reduction none gives targets' shape.
// The mean is over non-ignored targets, weighted by weight[target] when class weights are given
// (PyTorch's weighted mean). If every target is ignored the mean is 0 (PyTorch: NaN) and the
// gradient is zero.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& options = {});

struct NllLossOptions {
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::mean;
  Tensor weight = {};  // optional class weights, f32 [C]
};

// Negative log likelihood of log-probabilities (e.g. a log_softmax output): loss_r = -w_t * x[r, t].
// Same shapes, ignore_index and weighted mean as cross_entropy.
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, const NllLossOptions& options = {});

// How many rows have argmax(logits) == target (the first maximum on ties), ignoring rows whose
// target is ignore_index. Shapes as cross_entropy. Not differentiable.
int64_t accuracy(const Tensor& logits, const Tensor& targets, int64_t ignore_index = -100);

}  // namespace tg::nn
