#include <cmath>

#include <doctest/doctest.h>

#include "optim/schedule.hpp"
#include "optim/sgd.hpp"
#include "tests/optim/helpers.hpp"

using namespace tg;
using namespace tg::test;

// lrs[k] of schedule case `name` of optim.safetensors against schedule.lr_at(k), and apply() leaves
// that lr in an optimizer.
static void check_schedule_case(const std::string& name, const optim::Schedule& schedule) {
  Fixture fixture("optim");
  const std::vector<float> lrs = fixture[name + ".lrs"].to_vector();
  optim::SGD optimizer({make_param(zeros({2}))}, 0.1);
  for (size_t k = 0; k < lrs.size(); ++k) {
    INFO(name, " step ", k);
    CHECK(std::fabs(schedule.lr_at(int64_t(k)) - lrs[k]) <= 1e-7 + 1e-6 * lrs[k]);
    schedule.apply(optimizer, int64_t(k));
    CHECK(optimizer.lr() == schedule.lr_at(int64_t(k)));
  }
}

TEST_CASE("StepLR matches torch StepLR") {
  check_schedule_case("step_lr", optim::StepLR(0.1, 2, 0.5));
}

TEST_CASE("ExponentialLR matches torch ExponentialLR") {
  check_schedule_case("exponential_lr", optim::ExponentialLR(0.1, 0.9));
}

TEST_CASE("CosineWithWarmup matches the LambdaLR cosine with linear warmup of the fixture") {
  check_schedule_case("cosine_warmup", optim::CosineWithWarmup(0.1, 2, 8, 0.0));
}

TEST_CASE("CosineWithWarmup peaks at base_lr after warmup and stays at min_lr from total_steps on") {
  optim::CosineWithWarmup schedule(1.0, 4, 14, 0.2);
  CHECK(schedule.lr_at(0) == 0);
  CHECK(schedule.lr_at(2) == doctest::Approx(0.5));
  CHECK(schedule.lr_at(4) == doctest::Approx(1.0));
  CHECK(schedule.lr_at(9) == doctest::Approx(0.6));  // halfway down: (1 + 0.2) / 2
  for (int64_t k = 5; k < 14; ++k) CHECK(schedule.lr_at(k) < schedule.lr_at(k - 1));
  CHECK(schedule.lr_at(13) > 0.2);
  CHECK(schedule.lr_at(14) == 0.2);
  CHECK(schedule.lr_at(1000) == 0.2);
}

TEST_CASE("CosineWithWarmup without warmup starts at base_lr") {
  optim::CosineWithWarmup schedule(0.5, 0, 10);
  CHECK(schedule.lr_at(0) == 0.5);
  CHECK(schedule.lr_at(5) == doctest::Approx(0.25));
}

TEST_CASE("Schedules reject bad settings and a negative step") {
  CHECK_THROWS_WITH_AS(optim::StepLR(0.1, 0, 0.5), "StepLR: step_size must be > 0, got 0", Error);
  CHECK_THROWS_WITH_AS(optim::StepLR(-0.1, 2, 0.5), "StepLR: base_lr must be a finite number >= 0, got -0.1", Error);
  CHECK_THROWS_WITH_AS(optim::ExponentialLR(0.1, -0.9), "ExponentialLR: gamma must be >= 0, got -0.9", Error);
  CHECK_THROWS_WITH_AS(optim::CosineWithWarmup(0.1, 8, 8),
                       "CosineWithWarmup: total_steps (8) must be greater than warmup_steps (8)", Error);
  CHECK_THROWS_WITH_AS(optim::CosineWithWarmup(0.1, 2, 8, 0.5),
                       "CosineWithWarmup: min_lr must be in [0, base_lr = 0.1], got 0.5", Error);
  CHECK_THROWS_WITH_AS(optim::CosineWithWarmup(0.1, -1, 8), "CosineWithWarmup: warmup_steps must be >= 0, got -1", Error);
  CHECK_THROWS_WITH_AS(optim::ExponentialLR(0.1, 0.9).lr_at(-1), "ExponentialLR: step must be >= 0, got -1", Error);
}
