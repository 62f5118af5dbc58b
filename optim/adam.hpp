#pragma once
// Adam and AdamW: torch.optim.Adam's and torch.optim.AdamW's update, in the same operation order so
// results agree to float rounding. For each parameter p with gradient g, at its step t = 1, 2, ...:
//   Adam:   g = g + weight_decay * p                   (L2: the decay goes through the moments)
//   AdamW:  p = p * (1 - lr * weight_decay)            (decoupled: the decay skips the moments)
//   m = beta1 * m + (1 - beta1) * g                    ("exp_avg", fp32)
//   v = beta2 * v + (1 - beta2) * g * g                ("exp_avg_sq", fp32)
//   amsgrad: v_max = max(v_max, v), used below instead of v   ("max_exp_avg_sq")
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include "optim/optimizer.hpp"

namespace tg::optim {

struct AdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // L2, added to the gradient
  bool amsgrad = false;
};

// AdamW's options: the same fields, with PyTorch's default weight_decay of 0.01 (decoupled).
struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.01;
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  //   optim::Adam opt(params, 1e-3, {.weight_decay = 1e-4});
  explicit Adam(std::vector<Tensor> params, double lr = 1e-3, AdamOptions options = {});
  const AdamOptions& options() const { return options_; }

 protected:
  // AdamW: decoupled = true.
  Adam(std::string kind, std::vector<Tensor> params, double lr, AdamOptions options, bool decoupled);
  void update(size_t index, Tensor& param, ParamState& state) override;
  std::vector<std::string> buffer_names() const override;
  std::map<std::string, std::string> hyperparameters() const override;
  void set_hyperparameters(const std::map<std::string, std::string>& values) override;

 private:
  AdamOptions options_;
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<Tensor> params, double lr = 1e-3, AdamWOptions options = {});
};

}  // namespace tg::optim
