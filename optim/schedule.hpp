#pragma once
// Learning-rate schedules: the lr for optimizer step k (k = 0, 1, 2, ...), as PyTorch's schedulers
// give it when scheduler.step() follows every optimizer.step().
//
//   optim::CosineWithWarmup schedule(0.1, /*warmup_steps=*/100, /*total_steps=*/1000);
//   for (int64_t k = 0; k < 1000; ++k) { schedule.apply(opt, k); ...; opt.step(); }
#include <cstdint>

#include "optim/optimizer.hpp"

namespace tg::optim {

class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual double lr_at(int64_t step) const = 0;  // step >= 0, else tg::Error
  void apply(Optimizer& optimizer, int64_t step) const { optimizer.set_lr(lr_at(step)); }
};

// lr(k) = base_lr * gamma^floor(k / step_size)     (torch StepLR)
class StepLR : public Schedule {
 public:
  StepLR(double base_lr, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t step) const override;

 private:
  double base_lr_;
  int64_t step_size_;
  double gamma_;
};

// lr(k) = base_lr * gamma^k     (torch ExponentialLR)
class ExponentialLR : public Schedule {
 public:
  ExponentialLR(double base_lr, double gamma);
  double lr_at(int64_t step) const override;

 private:
  double base_lr_;
  double gamma_;
};

// Linear warmup from 0, then a half cosine from base_lr down to min_lr (W = warmup_steps,
// N = total_steps):
//   lr(k) = base_lr * k / W                                                      k < W
//   lr(k) = min_lr + (base_lr - min_lr) * 0.5 * (1 + cos(pi * (k - W) / (N - W)))   W <= k < N
//   lr(k) = min_lr                                                               k >= N
// (LambdaLR with the factor in tests/fixtures/README.md, where min = min_lr / base_lr.)
class CosineWithWarmup : public Schedule {
 public:
  CosineWithWarmup(double base_lr, int64_t warmup_steps, int64_t total_steps, double min_lr = 0);
  double lr_at(int64_t step) const override;

 private:
  double base_lr_;
  int64_t warmup_steps_;
  int64_t total_steps_;
  double min_lr_;
};

}  // namespace tg::optim
