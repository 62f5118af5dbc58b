#pragma once
// Dropout, as torch.nn.Dropout: in training each element is zeroed with probability p and the
// survivors are scaled by 1 / (1 - p) (inverted dropout), so the expected value is unchanged and
// evaluation needs no rescaling. The mask comes from tapegrad's seeded generator.
//
//   nn::Dropout drop(0.1);
//   h = drop.forward(h);     // model.eval() turns it into the identity
#include "nn/module.hpp"

namespace tg::nn {

// Returns x itself when !training or p == 0. p == 1 zeroes everything (as PyTorch). p must be in [0, 1].
Tensor dropout(const Tensor& x, double p, bool training);

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) const { return dropout(x, p_, is_training()); }
  double p() const { return p_; }

 private:
  double p_;
};

}  // namespace tg::nn
