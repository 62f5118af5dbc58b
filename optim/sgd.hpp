#pragma once
// SGD with momentum, dampening, L2 weight decay and Nesterov momentum: torch.optim.SGD's update.
// For each parameter p with gradient g, at its step t = 1, 2, ...:
//   g = g + weight_decay * p
//   with momentum:  buf = g                                        (t = 1)
//                   buf = momentum * buf + (1 - dampening) * g     (t > 1)
//                   g = nesterov ? g + momentum * buf : buf
//   p = p - lr * g
#include "optim/optimizer.hpp"

namespace tg::optim {

struct SGDOptions {
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening 0
};

class SGD : public Optimizer {
 public:
  //   optim::SGD opt(params, 0.1, {.momentum = 0.9, .nesterov = true});
  SGD(std::vector<Tensor> params, double lr, SGDOptions options = {});
  const SGDOptions& options() const { return options_; }

 protected:
  void update(size_t index, Tensor& param, ParamState& state) override;
  std::vector<std::string> buffer_names() const override;
  std::map<std::string, std::string> hyperparameters() const override;
  void set_hyperparameters(const std::map<std::string, std::string>& values) override;

 private:
  SGDOptions options_;
};

}  // namespace tg::optim
