#include <cmath>

#include <doctest/doctest.h>

#include "optim/lazy_adam.hpp"
#include "tests/optim/helpers.hpp"

using namespace tg;
using namespace tg::test;
using optim::LazyAdam;

// The state tensor `name` of an optimizer (it must exist).
static Tensor state_of(const optim::Optimizer& optimizer, const std::string& name) {
  for (auto& [key, tensor] : optimizer.state_tensors())
    if (key == name) return tensor;
  FAIL("no state tensor ", name);
  return {};
}

// Row r of a [V, D] tensor as a vector.
static std::vector<float> row(const Tensor& t, int64_t r) {
  auto all = t.to_vector();
  const int64_t width = t.size(1);
  return std::vector<float>(all.begin() + r * width, all.begin() + (r + 1) * width);
}

TEST_CASE("LazyAdam matches torch.optim.SparseAdam over three sparse steps") {
  Fixture fixture("optim");
  Tensor param = make_param(fixture["sparse_adam.p0"]);
  LazyAdam optimizer({param}, 0.01);
  for (int k = 1; k <= 3; ++k) {
    const Tensor rows = fixture[fmt::format("sparse_adam.rows{}", k)];
    const Tensor dense = fixture[fmt::format("sparse_adam.grad{}", k)];
    set_sparse_grad(param, rows.to_indices(), index_select(dense, rows));
    optimizer.step();
    INFO("after step ", k);
    check_close(param, fixture[fmt::format("sparse_adam.after{}", k)]);
  }
  CHECK(optimizer.steps(0) == 3);
}

TEST_CASE("LazyAdam never moves the padding row or rows absent from an embedding-like sparse gradient") {
  // A table [6, 3] with padding row 0, looked up by a batch of token ids. As an Embedding does, the
  // gradient sums one row per non-padding position: ids 0 (padding) add nothing.
  Tensor table = make_param(made_up_grad({6, 3}, 0, 0));
  const Tensor before = snapshot(table);
  LazyAdam optimizer({table}, 0.1);
  const std::vector<std::vector<int64_t>> batches = {{1, 3, 0, 3, 0}, {3, 4, 0, 0, 1}, {4, 4, 1, 0, 0}};
  for (int step = 0; step < 3; ++step) {
    std::vector<int64_t> rows;
    for (int64_t id : batches[size_t(step)])
      if (id != 0) rows.push_back(id);
    set_sparse_grad(table, rows, made_up_grad({int64_t(rows.size()), 3}, 1, step));
    optimizer.step();
  }
  for (int64_t untouched : {0, 2, 5}) {
    INFO("row ", untouched);
    CHECK(row(table, untouched) == row(before, untouched));
    CHECK(row(state_of(optimizer, "param.0.exp_avg"), untouched) == std::vector<float>(3, 0.f));
    CHECK(row(state_of(optimizer, "param.0.exp_avg_sq"), untouched) == std::vector<float>(3, 0.f));
  }
  for (int64_t looked_up : {1, 3, 4}) CHECK(row(table, looked_up) != row(before, looked_up));
}

TEST_CASE("LazyAdam keeps the moments of absent rows and bias-corrects with the parameter's step count") {
  // Row 1 gets a gradient at steps 1 and 3 only; row 0 at every step.
  const double lr = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  Tensor param = make_param(zeros({2, 2}));
  LazyAdam optimizer({param}, lr);
  const std::vector<float> g1 = {0.5f, -2.0f}, g3 = {1.5f, 0.25f};

  set_sparse_grad(param, {0, 1}, tensor({1, 1, g1[0], g1[1]}, {2, 2}));
  optimizer.step();
  const std::vector<float> m_after_1 = row(state_of(optimizer, "param.0.exp_avg"), 1);
  const std::vector<float> v_after_1 = row(state_of(optimizer, "param.0.exp_avg_sq"), 1);
  const std::vector<float> p_after_1 = row(param, 1);

  set_sparse_grad(param, {0}, tensor({1, 1}, {1, 2}));
  optimizer.step();
  CHECK(row(state_of(optimizer, "param.0.exp_avg"), 1) == m_after_1);  // not decayed
  CHECK(row(state_of(optimizer, "param.0.exp_avg_sq"), 1) == v_after_1);
  CHECK(row(param, 1) == p_after_1);

  set_sparse_grad(param, {1, 0}, tensor({g3[0], g3[1], 1, 1}, {2, 2}));
  optimizer.step();
  CHECK(optimizer.steps(0) == 3);
  // Row 1 by hand in double: two moment updates, bias correction with t = 3.
  for (size_t c = 0; c < 2; ++c) {
    double p = 0, m = 0, v = 0;
    const double grads[2] = {g1[c], g3[c]};
    const int steps[2] = {1, 3};
    for (int k = 0; k < 2; ++k) {
      m = beta1 * m + (1 - beta1) * grads[k];
      v = beta2 * v + (1 - beta2) * grads[k] * grads[k];
      const double t = steps[k];
      p -= lr * std::sqrt(1 - std::pow(beta2, t)) / (1 - std::pow(beta1, t)) * m / (std::sqrt(v) + eps);
    }
    CHECK(param.at({1, int64_t(c)}) == doctest::Approx(p).epsilon(1e-5));
  }
}

TEST_CASE("LazyAdam treats a dense gradient as every row present") {
  const Tensor start = made_up_grad({4, 3}, 0, 0);
  const Tensor grad = made_up_grad({4, 3}, 1, 1);
  Tensor dense = make_param(start), sparse = make_param(start);
  set_grad(dense, grad);
  set_sparse_grad(sparse, {0, 1, 2, 3}, grad);
  LazyAdam optimizer({dense, sparse}, 0.01);
  optimizer.step();
  CHECK(bit_equal(dense, sparse));
  CHECK_FALSE(bit_equal(dense, start));
}

TEST_CASE("LazyAdam leaves frozen parameters and parameters without a gradient untouched") {
  Tensor frozen = make_param(made_up_grad({4, 3}, 0, 0));
  Tensor no_grad = make_param(made_up_grad({4, 3}, 1, 0));
  set_sparse_grad(frozen, {1}, ones({1, 3}));
  frozen.requires_grad_(false);
  const Tensor frozen_before = snapshot(frozen), no_grad_before = snapshot(no_grad);
  LazyAdam optimizer({frozen, no_grad});
  optimizer.step();
  CHECK(bit_equal(frozen, frozen_before));
  CHECK(bit_equal(no_grad, no_grad_before));
  CHECK(optimizer.state_tensors().empty());
}

// Parameter 0 ([6, 3]) gets a sparse gradient on rows that change with the step; parameter 1 a dense one.
static void set_mixed_gradients(std::vector<Tensor>& params, int step) {
  const std::vector<int64_t> rows = step % 2 == 0 ? std::vector<int64_t>{1, 4} : std::vector<int64_t>{4, 5, 2};
  set_sparse_grad(params[0], rows, made_up_grad({int64_t(rows.size()), 3}, 0, step));
  set_grad(params[1], made_up_grad(params[1].shape(), 1, step));
}

TEST_CASE("LazyAdam resumes bit-exactly from a saved state") {
  check_resume_is_bit_exact(
      [](std::vector<Tensor> params) { return std::make_unique<LazyAdam>(std::move(params), 0.01); },
      set_mixed_gradients);
}

TEST_CASE("LazyAdam rejects bad betas and a sparse gradient row outside the table") {
  Tensor table = make_param(zeros({6, 3}));
  CHECK_THROWS_WITH_AS(LazyAdam({table}, 1e-3, {.beta1 = -0.5}), "LazyAdam: beta1 must be in [0, 1), got -0.5", Error);
  CHECK_THROWS_WITH_AS(LazyAdam({table}, 1e-3, {.beta2 = 1}), "LazyAdam: beta2 must be in [0, 1), got 1", Error);
  LazyAdam optimizer({table});
  set_sparse_grad(table, {2, 6}, ones({2, 3}));
  CHECK_THROWS_WITH_AS(optimizer.step(),
                       "LazyAdam: the sparse gradient of parameter 0 touches row 6, the parameter has 6 rows", Error);
  CHECK(optimizer.steps(0) == 0);
}
