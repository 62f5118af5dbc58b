// nn/init: gains and fans as torch.nn.init, statistics of each initialiser on large tensors,
// orthogonality, reproducibility and errors.
#include <algorithm>
#include <cmath>

#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/init.hpp"
#include "tests/stats.hpp"

using namespace tg;
namespace init = tg::nn::init;
using init::FanMode;
using init::Nonlinearity;
using test::Stats;
using test::stats_of;

// Samples from U(-bound, bound): inside the bounds, reaching close to both, mean 0, std bound / sqrt(3).
static void check_uniform_stats(const Tensor& t, double bound) {
  Stats s = stats_of(t);
  CHECK(s.min >= -bound);
  CHECK(s.max <= bound);
  CHECK(s.min < -0.99 * bound);
  CHECK(s.max > 0.99 * bound);
  CHECK(std::fabs(s.mean) < 0.02 * bound);
  CHECK(s.std == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02));
}

static void check_normal_stats(const Tensor& t, double mean, double std) {
  Stats s = stats_of(t);
  CHECK(std::fabs(s.mean - mean) < 0.02 * std);
  CHECK(s.std == doctest::Approx(std).epsilon(0.02));
}

TEST_CASE("calculate_gain gives torch.nn.init.calculate_gain's values") {
  CHECK(init::calculate_gain(Nonlinearity::linear) == 1.0);
  CHECK(init::calculate_gain(Nonlinearity::sigmoid) == 1.0);
  CHECK(init::calculate_gain(Nonlinearity::tanh) == doctest::Approx(5.0 / 3.0));
  CHECK(init::calculate_gain(Nonlinearity::relu) == doctest::Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain(Nonlinearity::leaky_relu) == doctest::Approx(std::sqrt(2.0 / (1 + 0.01 * 0.01))));
  CHECK(init::calculate_gain(Nonlinearity::leaky_relu, 0.2) == doctest::Approx(std::sqrt(2.0 / 1.04)));
}

TEST_CASE("fan_in_and_fan_out reads [out, in, kernel...]") {
  CHECK(init::fan_in_and_fan_out(zeros({30, 20})) == std::pair<int64_t, int64_t>{20, 30});
  CHECK(init::fan_in_and_fan_out(zeros({30, 20, 3})) == std::pair<int64_t, int64_t>{60, 90});
  CHECK_THROWS_WITH_AS(init::fan_in_and_fan_out(zeros({7})),
                       "fan_in_and_fan_out: needs a tensor with at least 2 dims [out, in, ...], got shape [7]", Error);
}

TEST_CASE("uniform_, normal_ and zeros_ fill the tensor with the asked distribution") {
  manual_seed(31);
  Tensor t = empty({200, 500});
  Stats u = stats_of(init::uniform_(t, 2.0, 5.0));
  CHECK(u.min >= 2.0);
  CHECK(u.max < 5.0);
  CHECK(u.mean == doctest::Approx(3.5).epsilon(0.01));
  CHECK(u.std == doctest::Approx(3.0 / std::sqrt(12.0)).epsilon(0.02));
  check_normal_stats(init::normal_(t, -1.0, 0.5), -1.0, 0.5);
  Stats z = stats_of(init::zeros_(t));
  CHECK(z.min == 0.0);
  CHECK(z.max == 0.0);
}

TEST_CASE("xavier_uniform_ and xavier_normal_ scale by sqrt(2 / (fan_in + fan_out))") {
  manual_seed(32);
  Tensor w = empty({300, 500});
  init::xavier_uniform_(w);
  check_uniform_stats(w, std::sqrt(6.0 / 800.0));
  init::xavier_uniform_(w, init::calculate_gain(Nonlinearity::tanh));
  check_uniform_stats(w, 5.0 / 3.0 * std::sqrt(6.0 / 800.0));
  init::xavier_normal_(w, 2.0);
  check_normal_stats(w, 0.0, 2.0 * std::sqrt(2.0 / 800.0));
}

TEST_CASE("kaiming_uniform_ and kaiming_normal_ use the chosen fan and nonlinearity") {
  manual_seed(33);
  Tensor w = empty({300, 500});  // fan_in 500, fan_out 300
  init::kaiming_uniform_(w, 0, FanMode::fan_in, Nonlinearity::relu);
  check_uniform_stats(w, std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(500.0));
  init::kaiming_uniform_(w, 0, FanMode::fan_out, Nonlinearity::relu);
  check_uniform_stats(w, std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(300.0));
  init::kaiming_uniform_(w, std::sqrt(5.0));  // PyTorch's Linear default: bound 1 / sqrt(fan_in)
  check_uniform_stats(w, 1.0 / std::sqrt(500.0));
  init::kaiming_normal_(w, 0, FanMode::fan_in, Nonlinearity::relu);
  check_normal_stats(w, 0.0, std::sqrt(2.0 / 500.0));
  init::kaiming_normal_(w, 0, FanMode::fan_out, Nonlinearity::linear);
  check_normal_stats(w, 0.0, 1.0 / std::sqrt(300.0));
}

// max |A A^T - gain^2 I| over the rows of t viewed as [rows, cols] (or over its columns when by_columns).
static double orthonormality_error(const Tensor& t, bool by_columns, double gain) {
  const int64_t rows = t.size(0), cols = t.numel() / rows;
  auto v = t.to_vector();
  auto at = [&](int64_t vec, int64_t i) { return double(by_columns ? v[size_t(i * cols + vec)] : v[size_t(vec * cols + i)]); };
  const int64_t count = by_columns ? cols : rows, length = by_columns ? rows : cols;
  double worst = 0;
  for (int64_t a = 0; a < count; ++a)
    for (int64_t b = 0; b < count; ++b) {
      double dot = 0;
      for (int64_t i = 0; i < length; ++i) dot += at(a, i) * at(b, i);
      worst = std::max(worst, std::fabs(dot - (a == b ? gain * gain : 0.0)));
    }
  return worst;
}

TEST_CASE("orthogonal_ makes the columns of a tall and the rows of a wide matrix orthonormal") {
  manual_seed(34);
  Tensor tall = empty({40, 25}), wide = empty({25, 40}), square = empty({30, 30}), kernel = empty({6, 2, 5});
  CHECK(orthonormality_error(init::orthogonal_(tall), true, 1.0) < 1e-5);
  CHECK(orthonormality_error(init::orthogonal_(wide), false, 1.0) < 1e-5);
  CHECK(orthonormality_error(init::orthogonal_(square), false, 1.0) < 1e-5);
  CHECK(orthonormality_error(square, true, 1.0) < 1e-5);
  CHECK(orthonormality_error(init::orthogonal_(kernel), false, 1.0) < 1e-5);  // viewed as [6, 10]
  CHECK(orthonormality_error(init::orthogonal_(tall, 2.0), true, 2.0) < 1e-4);
}

TEST_CASE("initialisers are reproducible from the seed") {
  Tensor a = empty({20, 10}), b = empty({20, 10});
  manual_seed(35);
  init::orthogonal_(a);
  init::xavier_normal_(a);
  manual_seed(35);
  init::orthogonal_(b);
  init::xavier_normal_(b);
  CHECK(a.to_vector() == b.to_vector());
}

TEST_CASE("initialisers reject integer tensors and too few dims") {
  Tensor ids = zeros({3}, DType::i64), v = zeros({3});
  CHECK_THROWS_WITH_AS(init::normal_(ids), "normal_: expected a float32 tensor, got int64 (shape [3])", Error);
  CHECK_THROWS_WITH_AS(init::zeros_(ids), "zeros_: expected a float32 tensor, got int64 (shape [3])", Error);
  CHECK_THROWS_WITH_AS(init::xavier_uniform_(v),
                       "fan_in_and_fan_out: needs a tensor with at least 2 dims [out, in, ...], got shape [3]", Error);
  CHECK_THROWS_WITH_AS(init::orthogonal_(v), "orthogonal_: needs a tensor with at least 2 dims, got shape [3]", Error);
  Tensor empty_rows = zeros({0, 3});
  CHECK_THROWS_WITH_AS(init::kaiming_uniform_(empty_rows, 0, FanMode::fan_out),
                       "kaiming_uniform_: the fan of a tensor of shape [0, 3] is 0", Error);
}
