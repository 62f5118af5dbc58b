#include <doctest/doctest.h>

#include "optim/sgd.hpp"
#include "tests/optim/helpers.hpp"

using namespace tg;
using namespace tg::test;
using optim::SGD;

static MakeOptimizer sgd(double lr, optim::SGDOptions options = {}) {
  return [=](std::vector<Tensor> params) { return std::make_unique<SGD>(std::move(params), lr, options); };
}

TEST_CASE("SGD matches torch.optim.SGD over three steps") {
  check_fixture_case("sgd", sgd(0.1));
}

TEST_CASE("SGD with momentum matches torch.optim.SGD (the buffer starts as the first gradient)") {
  check_fixture_case("sgd_momentum", sgd(0.1, {.momentum = 0.9}));
}

TEST_CASE("SGD with nesterov and weight decay matches torch.optim.SGD") {
  check_fixture_case("sgd_nesterov_weight_decay", sgd(0.1, {.momentum = 0.9, .weight_decay = 0.01, .nesterov = true}));
}

TEST_CASE("SGD dampening applies from the second step on, as in torch.optim.SGD") {
  check_fixture_case("sgd_dampening", sgd(0.1, {.momentum = 0.9, .dampening = 0.1}));
}

TEST_CASE("SGD leaves frozen parameters and parameters without a gradient untouched") {
  Tensor frozen = make_param(made_up_grad({4, 3}, 0, 0));
  Tensor no_grad = make_param(made_up_grad({4, 3}, 1, 0));
  Tensor trained = make_param(made_up_grad({4, 3}, 2, 0));
  set_grad(frozen, made_up_grad({4, 3}, 3, 1));
  frozen.requires_grad_(false);
  set_grad(trained, made_up_grad({4, 3}, 4, 1));
  const Tensor frozen_before = snapshot(frozen), no_grad_before = snapshot(no_grad), trained_before = snapshot(trained);

  SGD optimizer({frozen, no_grad, trained}, 0.1, {.momentum = 0.9});
  optimizer.step();
  optimizer.step();
  CHECK(bit_equal(frozen, frozen_before));
  CHECK(bit_equal(no_grad, no_grad_before));
  CHECK_FALSE(bit_equal(trained, trained_before));
  CHECK(optimizer.steps(0) == 0);
  CHECK(optimizer.steps(1) == 0);
  CHECK(optimizer.steps(2) == 2);
  // Only the trained parameter has a momentum buffer.
  auto state = optimizer.state_tensors();
  REQUIRE(state.size() == 1);
  CHECK(state[0].first == "param.2.momentum_buffer");
}

TEST_CASE("SGD adds a row-sparse gradient to the dense one") {
  Tensor param = make_param(made_up_grad({4, 3}, 0, 0));
  const Tensor start = snapshot(param);
  const Tensor dense = made_up_grad({4, 3}, 1, 1);
  const Tensor sparse_values = made_up_grad({2, 3}, 2, 1);
  set_grad(param, dense);
  set_sparse_grad(param, {3, 1}, sparse_values);  // row 3 gets values row 0, row 1 gets values row 1

  SGD optimizer({param}, 0.5);
  optimizer.step();
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t c = 0; c < 3; ++c) {
      double g = dense.at({r, c});
      if (r == 3) g += sparse_values.at({0, c});
      if (r == 1) g += sparse_values.at({1, c});
      CHECK(param.at({r, c}) == doctest::Approx(start.at({r, c}) - 0.5 * g).epsilon(1e-6));
    }
}

TEST_CASE("SGD zero_grad drops dense and sparse gradients") {
  Tensor param = make_param(zeros({4, 3}));
  set_grad(param, ones({4, 3}));
  set_sparse_grad(param, {0}, ones({1, 3}));
  SGD optimizer({param}, 0.1);
  optimizer.zero_grad();
  CHECK_FALSE(param.grad().defined());
  CHECK(param.sparse_grad() == nullptr);
  optimizer.step();  // nothing to do
  CHECK(optimizer.steps(0) == 0);
}

TEST_CASE("SGD with momentum resumes bit-exactly from a saved state") {
  check_resume_is_bit_exact(sgd(0.1, {.momentum = 0.9, .weight_decay = 0.01, .nesterov = true}));
  check_resume_is_bit_exact(sgd(0.1, {.momentum = 0.9, .dampening = 0.2}));
  check_resume_is_bit_exact(sgd(0.1));
}

TEST_CASE("SGD rejects a negative lr, negative momentum and nesterov without momentum or with dampening") {
  Tensor param = make_param(zeros({2}));
  CHECK_THROWS_WITH_AS(SGD({param}, -0.1), "SGD: lr must be a finite number >= 0, got -0.1", Error);
  CHECK_THROWS_WITH_AS(SGD({param}, 0.1, {.momentum = -0.5}), "SGD: momentum must be >= 0, got -0.5", Error);
  CHECK_THROWS_WITH_AS(SGD({param}, 0.1, {.nesterov = true}),
                       "SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0", Error);
  CHECK_THROWS_WITH_AS(SGD({param}, 0.1, {.momentum = 0.9, .dampening = 0.1, .nesterov = true}),
                       "SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0.9 and dampening 0.1", Error);
  CHECK_THROWS_WITH_AS(SGD({param}, 0.1, {.weight_decay = -1}), "SGD: weight_decay must be >= 0, got -1", Error);
  SGD optimizer({param}, 0.1);
  CHECK_THROWS_WITH_AS(optimizer.set_lr(NAN), "SGD: lr must be a finite number >= 0, got nan", Error);
  CHECK(optimizer.lr() == 0.1);
}

TEST_CASE("SGD rejects a gradient whose shape differs from the parameter's") {
  Tensor param = make_param(zeros({4, 3}));
  param.impl()->grad = zeros({3, 4}).take_impl();  // what set_grad refuses, to reach SGD's own check
  SGD optimizer({param}, 0.1);
  CHECK_THROWS_WITH_AS(optimizer.step(),
                       "SGD: the gradient of parameter 0 is float32 [3, 4], expected float32 [4, 3] as the parameter",
                       Error);
  CHECK(optimizer.steps(0) == 0);
}
