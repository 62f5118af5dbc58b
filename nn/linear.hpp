#pragma once
// Linear: y = x W^T + b, as torch.nn.Linear. Parameters `weight` [out, in] and `bias` [out], both
// initialised U(-1/sqrt(in), 1/sqrt(in)) from tapegrad's generator (PyTorch's default).
//
//   nn::Linear fc(64, 2);
//   Tensor logits = fc.forward(features);   // [B, 64] -> [B, 2]; any leading dims: [B, T, 64] -> [B, T, 2]
#include "nn/module.hpp"

namespace tg::nn {

// The fused op behind Linear (torch.nn.functional.linear): one cblas_sgemm forward, and in backward
// dx += dy W, dW += dy^T x (sgemm each) and db += the column sums of dy.
//   x: [*, in]  weight: [out, in]  bias: [out] or undefined (no bias)  ->  [*, out]
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool with_bias = true);
  Tensor forward(const Tensor& x) const { return linear(x, weight, bias); }

  int64_t in_features() const { return weight.size(1); }
  int64_t out_features() const { return weight.size(0); }

  Tensor weight;  // [out, in]
  Tensor bias;    // [out]; undefined when built with with_bias = false
};

}  // namespace tg::nn
