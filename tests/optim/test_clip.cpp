#include <cmath>

#include <doctest/doctest.h>

#include "core/threads.hpp"
#include "optim/clip.hpp"
#include "tests/optim/helpers.hpp"

using namespace tg;
using namespace tg::test;
using optim::clip_grad_norm;

// Runs clip case `name` of optim.safetensors: two gradients, their total norm and the clipped values.
static void check_clip_case(const std::string& name, double max_norm) {
  Fixture fixture("optim");
  Tensor a = make_param(zeros({4, 3})), b = make_param(zeros({3}));
  set_grad(a, fixture[name + ".grad_a"]);
  set_grad(b, fixture[name + ".grad_b"]);
  const double total = clip_grad_norm({a, b}, max_norm);
  CHECK(total == doctest::Approx(fixture[name + ".total_norm"].item()).epsilon(1e-6));
  check_close(a.grad(), fixture[name + ".clipped_a"]);
  check_close(b.grad(), fixture[name + ".clipped_b"]);
}

TEST_CASE("clip_grad_norm scales gradients as torch.nn.utils.clip_grad_norm_ when the norm is too large") {
  check_clip_case("clip_grad_norm", 1.0);
}

TEST_CASE("clip_grad_norm leaves gradients alone when the norm is below max_norm") {
  check_clip_case("clip_grad_norm_noop", 10.0);
}

TEST_CASE("clip_grad_norm counts row-sparse gradients and scales them too") {
  Tensor dense = make_param(zeros({2}));
  Tensor table = make_param(zeros({5, 2}));
  Tensor no_grad = make_param(zeros({3}));
  set_grad(dense, tensor({3, 0}));
  set_sparse_grad(table, {4, 1}, tensor({0, 4, 12, 0}, {2, 2}));  // row 4 = [0, 4], row 1 = [12, 0]
  const double total = clip_grad_norm({dense, table, no_grad}, 6.5);
  CHECK(total == doctest::Approx(13.0));  // sqrt(9 + 16 + 144)
  const double scale = 6.5 / (13.0 + 1e-6);
  CHECK(dense.grad().at({0}) == doctest::Approx(3 * scale));
  const RowSparseGrad* sparse = table.sparse_grad();
  REQUIRE(sparse != nullptr);
  CHECK(sparse->rows.to_indices() == std::vector<int64_t>{1, 4});
  CHECK(sparse->values.at({0, 0}) == doctest::Approx(12 * scale));
  CHECK(sparse->values.at({1, 1}) == doctest::Approx(4 * scale));
  CHECK_FALSE(no_grad.grad().defined());
}

TEST_CASE("clip_grad_norm with both a dense and a sparse gradient on one parameter takes the norm of their sum") {
  Tensor table = make_param(zeros({2, 2}));
  set_grad(table, tensor({1, 0, 3, 0}, {2, 2}));
  set_sparse_grad(table, {1}, tensor({1, 0}, {1, 2}));  // row 1 becomes [4, 0]
  CHECK(clip_grad_norm({table}, 100) == doctest::Approx(std::sqrt(1.0 + 16.0)));
}

TEST_CASE("clip_grad_norm supports the 1-norm, the p-norm and the infinity norm") {
  Tensor a = make_param(zeros({3})), b = make_param(zeros({2}));
  set_grad(a, tensor({1, -2, 3}));
  set_grad(b, tensor({-4, 0.5}));
  CHECK(optim::grad_norm({a, b}, 1) == doctest::Approx(10.5));
  CHECK(optim::grad_norm({a, b}, 3) == doctest::Approx(std::cbrt(1 + 8 + 27 + 64 + 0.125)));
  CHECK(clip_grad_norm({a, b}, 2, INFINITY) == doctest::Approx(4));
  CHECK(b.grad().at({0}) == doctest::Approx(-4 * 2 / (4 + 1e-6)));
}

TEST_CASE("clip_grad_norm reports a non-finite norm and scales nothing, so NaN never spreads") {
  Tensor a = make_param(zeros({3})), b = make_param(zeros({2}));
  set_grad(a, tensor({1, NAN, 3}));
  set_grad(b, tensor({100, 200}));
  const Tensor b_before = snapshot(b.grad());
  CHECK(std::isnan(clip_grad_norm({a, b}, 1.0)));
  CHECK(bit_equal(b.grad(), b_before));
  CHECK(std::isnan(clip_grad_norm({a, b}, 1.0, INFINITY)));

  set_grad(a, tensor({1, INFINITY, 3}));
  CHECK(std::isinf(clip_grad_norm({a, b}, 1.0)));
  CHECK(bit_equal(b.grad(), b_before));
  CHECK_THROWS_WITH_AS(clip_grad_norm({a, b}, 1.0, 2, true),
                       "clip_grad_norm: the total 2-norm of the gradients is inf (a gradient holds inf or nan), so they "
                       "cannot be clipped",
                       Error);
  CHECK(bit_equal(b.grad(), b_before));
}

TEST_CASE("clip_grad_norm of parameters without gradients is 0") {
  Tensor a = make_param(ones({3}));
  CHECK(clip_grad_norm({a}, 1.0) == 0);
  CHECK(clip_grad_norm({}, 1.0) == 0);
}

TEST_CASE("clip_grad_norm gives the same norm with one thread and with two") {
  Tensor big = make_param(zeros({300000}));
  set_grad(big, made_up_grad({300000}, 0, 1));
  const int previous = num_threads();
  set_num_threads(1);
  const double one = optim::grad_norm({big});
  set_num_threads(2);
  const double two = optim::grad_norm({big});
  set_num_threads(previous);
  CHECK(one == two);
  CHECK(one == doctest::Approx(std::sqrt(300000 / 2.0)).epsilon(0.01));  // mean of sin^2 is 1/2
}

TEST_CASE("clip_grad_norm rejects a negative max_norm and a norm_type <= 0") {
  Tensor a = make_param(zeros({3}));
  set_grad(a, ones({3}));
  CHECK_THROWS_WITH_AS(clip_grad_norm({a}, -1.0), "clip_grad_norm: max_norm must be >= 0, got -1", Error);
  CHECK_THROWS_WITH_AS(clip_grad_norm({a}, 1.0, 0), "clip_grad_norm: norm_type must be > 0 or INFINITY, got 0", Error);
}
