#pragma once
// LazyAdam: Adam for embedding tables with row-sparse gradients, as torch.optim.SparseAdam.
// Only the rows present in a parameter's gradient move, and only their moments change; the other
// rows keep their values and their m and v (which do not decay). The step count t is the parameter's
// own: it counts every step() in which the parameter had a gradient. For each present row:
//   m = m + (1 - beta1) * (g - m)
//   v = v + (1 - beta2) * (g * g - v)
//   p = p - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
// (eps sits outside the bias correction, unlike Adam). A dense gradient is accepted too and counts
// every row as present; a parameter with both sums them and becomes dense for that step.
// A padding row never appears in an Embedding's sparse gradient, so it never moves.
// See optim/README.md for how this differs from dense Adam.
#include "optim/optimizer.hpp"

namespace tg::optim {

struct LazyAdamOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class LazyAdam : public Optimizer {
 public:
  //   optim::LazyAdam opt({embedding.weight}, 1e-3);
  explicit LazyAdam(std::vector<Tensor> params, double lr = 1e-3, LazyAdamOptions options = {});
  const LazyAdamOptions& options() const { return options_; }

 protected:
  void update(size_t index, Tensor& param, ParamState& state) override;
  // A float16 / bfloat16 table: each present row is converted to float32, updated, rounded back.
  bool updates_reduced_precision() const override { return true; }
  std::vector<std::string> buffer_names() const override { return {"exp_avg", "exp_avg_sq"}; }
  std::map<std::string, std::string> hyperparameters() const override;
  void set_hyperparameters(const std::map<std::string, std::string>& values) override;

 private:
  LazyAdamOptions options_;
};

}  // namespace tg::optim
