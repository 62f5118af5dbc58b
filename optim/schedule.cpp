#include "optim/schedule.hpp"

#include <cmath>
#include <numbers>

namespace tg::optim {

static void check_base_lr(const char* schedule, double base_lr) {
  if (!(base_lr >= 0) || std::isinf(base_lr)) fail("{}: base_lr must be a finite number >= 0, got {}", schedule, base_lr);
}

static void check_step(const char* schedule, int64_t step) {
  if (step < 0) fail("{}: step must be >= 0, got {}", schedule, step);
}

StepLR::StepLR(double base_lr, int64_t step_size, double gamma)
    : base_lr_(base_lr), step_size_(step_size), gamma_(gamma) {
  check_base_lr("StepLR", base_lr);
  if (step_size <= 0) fail("StepLR: step_size must be > 0, got {}", step_size);
  if (!(gamma >= 0)) fail("StepLR: gamma must be >= 0, got {}", gamma);
}

double StepLR::lr_at(int64_t step) const {
  check_step("StepLR", step);
  return base_lr_ * std::pow(gamma_, double(step / step_size_));
}

ExponentialLR::ExponentialLR(double base_lr, double gamma) : base_lr_(base_lr), gamma_(gamma) {
  check_base_lr("ExponentialLR", base_lr);
  if (!(gamma >= 0)) fail("ExponentialLR: gamma must be >= 0, got {}", gamma);
}

double ExponentialLR::lr_at(int64_t step) const {
  check_step("ExponentialLR", step);
  return base_lr_ * std::pow(gamma_, double(step));
}

CosineWithWarmup::CosineWithWarmup(double base_lr, int64_t warmup_steps, int64_t total_steps, double min_lr)
    : base_lr_(base_lr), warmup_steps_(warmup_steps), total_steps_(total_steps), min_lr_(min_lr) {
  check_base_lr("CosineWithWarmup", base_lr);
  if (warmup_steps < 0) fail("CosineWithWarmup: warmup_steps must be >= 0, got {}", warmup_steps);
  if (total_steps <= warmup_steps)
    fail("CosineWithWarmup: total_steps ({}) must be greater than warmup_steps ({})", total_steps, warmup_steps);
  if (!(min_lr >= 0 && min_lr <= base_lr))
    fail("CosineWithWarmup: min_lr must be in [0, base_lr = {}], got {}", base_lr, min_lr);
}

double CosineWithWarmup::lr_at(int64_t step) const {
  check_step("CosineWithWarmup", step);
  if (step < warmup_steps_) return base_lr_ * double(step) / double(warmup_steps_);
  if (step >= total_steps_) return min_lr_;
  const double progress = double(step - warmup_steps_) / double(total_steps_ - warmup_steps_);  // [0, 1)
  return min_lr_ + (base_lr_ - min_lr_) * 0.5 * (1 + std::cos(std::numbers::pi * progress));
}

}  // namespace tg::optim
