// Dropout: the identity in eval mode and for p = 0, inverted scaling in training, the gradient through
// the same mask, reproducibility from the seed, p = 1 and bad p.
#include <cmath>

#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/dropout.hpp"

using namespace tg;

TEST_CASE("dropout is the identity in eval mode and for p = 0") {
  Tensor x = randn({4, 5}).requires_grad_();
  CHECK(nn::dropout(x, 0.5, /*training=*/false).impl() == x.impl());
  CHECK(nn::dropout(x, 0.0, /*training=*/true).impl() == x.impl());
  nn::Dropout drop(0.3);
  drop.eval();
  CHECK(drop.forward(x).impl() == x.impl());
  CHECK(drop.p() == 0.3);
}

TEST_CASE("dropout zeroes a fraction p and scales the survivors by 1 / (1 - p)") {
  manual_seed(61);
  const double p = 0.3;
  Tensor x = uniform({400, 500}, 1, 2);
  Tensor y = nn::dropout(x, p, /*training=*/true);
  auto xs = x.to_vector(), ys = y.to_vector();
  int64_t zeros_count = 0;
  double sum_x = 0, sum_y = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (ys[i] == 0.0f) ++zeros_count;
    else CHECK(ys[i] == doctest::Approx(xs[i] / (1 - p)).epsilon(1e-6));
    sum_x += xs[i], sum_y += ys[i];
  }
  CHECK(double(zeros_count) / double(xs.size()) == doctest::Approx(p).epsilon(0.02));
  CHECK(sum_y / sum_x == doctest::Approx(1.0).epsilon(0.01));  // the expected value is kept
}

TEST_CASE("dropout's gradient goes through the same mask") {
  manual_seed(62);
  Tensor x = ones({50, 40}).requires_grad_();
  Tensor y = nn::dropout(x, 0.5, /*training=*/true);
  y.backward(full({50, 40}, 3.0));
  CHECK(x.grad().to_vector().size() == y.to_vector().size());
  auto g = x.grad().to_vector(), v = y.to_vector();
  for (size_t i = 0; i < g.size(); ++i) CHECK(g[i] == 3 * v[i]);  // x = 1: y holds the mask itself
  GradcheckResult r = gradcheck(
      [](auto& in) {
        manual_seed(63);  // the same mask on every evaluation
        return nn::dropout(in[0], 0.4, /*training=*/true);
      },
      {uniform({3, 4}, -1, 1).requires_grad_()});
  INFO(r.report);
  CHECK(r.ok);
}

TEST_CASE("dropout masks are reproducible from the seed") {
  Tensor x = ones({100});
  manual_seed(64);
  auto a = nn::dropout(x, 0.5, true).to_vector();
  manual_seed(64);
  auto b = nn::dropout(x, 0.5, true).to_vector();
  auto c = nn::dropout(x, 0.5, true).to_vector();
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("dropout with p = 1 gives zeros and a zero gradient, as PyTorch") {
  Tensor x = randn({3, 4}).requires_grad_();
  Tensor y = nn::dropout(x, 1.0, true);
  CHECK(y.to_vector() == std::vector<float>(12, 0.0f));
  y.sum().backward();
  CHECK(x.grad().to_vector() == std::vector<float>(12, 0.0f));
}

TEST_CASE("dropout rejects p outside [0, 1] and integer input") {
  CHECK_THROWS_WITH_AS(nn::dropout(ones({2}), 1.5, true), "dropout: the drop probability p must be in [0, 1], got 1.5", Error);
  CHECK_THROWS_WITH_AS(nn::dropout(ones({2}), -0.1, false), "dropout: the drop probability p must be in [0, 1], got -0.1", Error);
  CHECK_THROWS_WITH_AS(nn::Dropout(2.0), "Dropout: the drop probability p must be in [0, 1], got 2", Error);
  CHECK_THROWS_WITH_AS(nn::dropout(zeros({2}, DType::i64), 0.5, true), "dropout: expected a float32 tensor, got int64 (shape [2])",
                       Error);
}
