// Forward values of the core ops against hand-computed answers, and their error messages.
#include <cmath>

#include <doctest/doctest.h>

#include "core/fast_math.hpp"  // internal: gate_activation, divide_by
#include "core/kernels.hpp"    // internal: copy_streaming
#include "core/tapegrad.hpp"

using namespace tg;

static void check_values(const Tensor& t, std::vector<float> want, double eps = 1e-6) {
  auto got = t.to_vector();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(eps));
}

TEST_CASE("binary ops broadcast as NumPy does") {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor row = tensor({10, 20, 30});
  Tensor col = tensor({1, 2}, {2, 1});
  check_values(a + row, {11, 22, 33, 14, 25, 36});
  check_values(a * col, {1, 2, 3, 8, 10, 12});
  check_values(a - col, {0, 1, 2, 2, 3, 4});
  check_values(row / a, {10, 10, 10, 2.5, 4, 5});
  check_values(col * row, {10, 20, 30, 20, 40, 60});  // [2,1] x [3] -> [2,3]
  CHECK((col * row).shape() == Shape{2, 3});
  check_values(a + scalar(1), {2, 3, 4, 5, 6, 7});
  check_values(2.0 - a, {1, 0, -1, -2, -3, -4});
  check_values(6.0 / a, {6, 3, 2, 1.5, 1.2, 1});
}

TEST_CASE("binary ops name both shapes when they cannot broadcast") {
  CHECK_THROWS_WITH_AS(zeros({2, 3}) + zeros({4}), "add: shapes [2, 3] and [4] cannot be broadcast (dim 1: 3 vs 4)", Error);
  CHECK_THROWS_WITH_AS(mul(zeros({2}), arange(2)), "mul: expected a float32 tensor, got int64 (shape [2])", Error);
}

TEST_CASE("unary ops compute their functions") {
  Tensor x = tensor({-2, 0, 0.5, 3});
  check_values(exp(x), {std::exp(-2.0f), 1, std::exp(0.5f), std::exp(3.0f)});
  check_values(tanh(x), {std::tanh(-2.0f), 0, std::tanh(0.5f), std::tanh(3.0f)});
  check_values(sigmoid(x), {1 / (1 + std::exp(2.0f)), 0.5, 1 / (1 + std::exp(-0.5f)), 1 / (1 + std::exp(-3.0f))});
  check_values(relu(x), {0, 0, 0.5, 3});
  check_values(clamp(x, -1, 1), {-1, 0, 0.5, 1});
  check_values(pow(tensor({1, 2, 3}), 2), {1, 4, 9});
  check_values(sqrt(tensor({4, 9})), {2, 3});
  check_values(log(tensor({1, std::exp(2.0f)})), {0, 2});
  check_values(-x, {2, 0, -0.5, -3});
  CHECK(sigmoid(tensor({-1000.0f, 1000.0f})).to_vector() == std::vector<float>{0.0f, 1.0f});
}

TEST_CASE("sum, mean and max reduce over all elements or one dim") {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(a.sum().item() == 21);
  CHECK(a.mean().item() == 3.5);
  check_values(a.sum(0), {5, 7, 9});
  check_values(a.sum(-1), {6, 15});
  CHECK(a.sum(1, true).shape() == Shape{2, 1});
  check_values(a.mean(1), {2, 5});
  auto [values, idx] = max(tensor({1, 7, 3, 9, 2, 9}, {2, 3}), 1);
  check_values(values, {7, 9});
  CHECK(idx.to_indices() == std::vector<int64_t>{1, 0});  // the first of two equal maxima
  CHECK_THROWS_WITH_AS(a.sum(2), "sum: dim 2 is out of range for a tensor of shape [2, 3]", Error);
}

TEST_CASE("softmax and log_softmax are stable for large logits and sum to one") {
  Tensor x = tensor({1000, 1001, 1002, -5, 0, 5}, {2, 3});
  Tensor p = softmax(x, 1);
  double e1 = std::exp(-1.0), e2 = std::exp(-2.0), z = 1 + e1 + e2;
  check_values(narrow(p, 0, 0, 1), {float(e2 / z), float(e1 / z), float(1 / z)}, 1e-5);
  check_values(p.sum(1), {1, 1}, 1e-6);
  check_values(narrow(log_softmax(x, 1), 0, 0, 1), {float(std::log(e2 / z)), float(std::log(e1 / z)), float(-std::log(z))}, 1e-5);
  // Over dim 0: each column normalised.
  check_values(softmax(x, 0).sum(0), {1, 1, 1}, 1e-6);
}

TEST_CASE("matmul multiplies matrices and batches of rows") {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = tensor({1, 0, 0, 1, 1, 1}, {3, 2});
  check_values(matmul(a, b), {4, 5, 10, 11});
  Tensor batch = a.reshape({1, 2, 3});
  CHECK(matmul(batch, b).shape() == Shape{1, 2, 2});
  check_values(a.t(), {1, 4, 2, 5, 3, 6});
  CHECK_THROWS_WITH_AS(matmul(zeros({32, 100}), zeros({50, 5})), "matmul: [32, 100] x [50, 5]: inner dimensions 100 and 50 differ", Error);
  CHECK_THROWS_AS(transpose(zeros({2, 2, 2})), Error);
}

TEST_CASE("concat, stack and narrow move the right blocks") {
  Tensor a = tensor({1, 2, 3, 4}, {2, 2});
  Tensor b = tensor({5, 6}, {2, 1});
  check_values(concat({a, b}, 1), {1, 2, 5, 3, 4, 6});
  check_values(concat({a, a}, 0), {1, 2, 3, 4, 1, 2, 3, 4});
  CHECK(stack({a, a}, 0).shape() == Shape{2, 2, 2});
  check_values(stack({tensor({1, 2}), tensor({3, 4})}, 1), {1, 3, 2, 4});
  check_values(narrow(concat({a, b}, 1), 1, 1, 2), {2, 5, 4, 6});
  CHECK_THROWS_WITH_AS(concat({a, zeros({3, 1})}, 1), "concat: tensor 1 has shape [3, 1], expected [2, 2] except along dim 1", Error);
  CHECK_THROWS_WITH_AS(narrow(a, 1, 1, 2), "narrow: [1, 3) is out of range for dim 1 of size 2 (shape [2, 2])", Error);
}

TEST_CASE("squeeze() drops every size-1 dim; select(dim, index) takes one slice and drops the dim") {
  CHECK(zeros({1, 3, 1, 2}).squeeze().shape() == Shape{3, 2});
  CHECK(zeros({1, 1}).squeeze().shape() == Shape{});
  // o[:, -1, :] of a [B=2, T=3, H=2] output: the last step of each row.
  Tensor o = tensor({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 3, 2});
  check_values(select(o, 1, -1), {5, 6, 11, 12});
  CHECK(select(o, 1, -1).shape() == Shape{2, 2});
  check_values(select(o, 0, 1), {7, 8, 9, 10, 11, 12});
  check_values(select(o, -1, 0), {1, 3, 5, 7, 9, 11});
  CHECK_THROWS_WITH_AS(select(o, 1, 3), "select: index 3 is out of range for dim 1 of size 3 (shape [2, 3, 2])", Error);
  CHECK_THROWS_WITH_AS(select(o, 1, -4), "select: index -4 is out of range for dim 1 of size 3 (shape [2, 3, 2])", Error);
}

TEST_CASE("index_select gathers rows for an index tensor of any shape") {
  Tensor table = tensor({0, 0, 1, 1, 2, 2, 3, 3}, {4, 2});
  Tensor idx = indices({3, 1, 1, 0, 2, 3}, {2, 3});
  Tensor y = index_select(table, idx);
  CHECK(y.shape() == Shape{2, 3, 2});
  check_values(y, {3, 3, 1, 1, 1, 1, 0, 0, 2, 2, 3, 3});
}

TEST_CASE("index_select names the bad index, its position and the bound") {
  Tensor table = zeros({10, 2});
  CHECK_THROWS_WITH_AS(index_select(table, indices({1, 2, 3, 10}, {2, 2})),
                       "index_select: index 10 at position [1, 1] is out of range for table rows=10", Error);
  CHECK_THROWS_WITH_AS(index_select(table, indices({-1})),
                       "index_select: index -1 at position [0] is out of range for table rows=10", Error);
  CHECK_THROWS_WITH_AS(index_select(table, tensor({1})), "index_select: expected a int64 tensor, got float32 (shape [1])", Error);
}

TEST_CASE("masked_fill and where select by a mask of either dtype") {
  Tensor x = tensor({1, 2, 3, 4}, {2, 2});
  check_values(masked_fill(x, indices({0, 1}), -1), {1, -1, 3, -1});           // mask broadcast over rows
  check_values(masked_fill(x, tensor({1, 0}, {2, 1}), 0), {0, 0, 3, 4});
  check_values(where(indices({1, 0}), x, zeros({1})), {1, 0, 3, 0});
  CHECK_THROWS_WITH_AS(masked_fill(x, indices({1, 0, 1}), 0), "masked_fill: shapes [2, 2] and [3] cannot be broadcast (dim 1: 2 vs 3)", Error);
  CHECK_THROWS_WITH_AS(masked_fill(zeros({2}), zeros({2, 2}), 0), "masked_fill: mask of shape [2, 2] does not broadcast to the input's shape [2]", Error);
}

// The LSTM's gate activations (core/fast_math.hpp, internal): sigmoid within 3 ulp-ish relative, tanh
// within 2.4e-7 absolute, over the whole float range that matters; NaN stays NaN.

TEST_CASE("gate_activation: sigmoid (scale 1) and tanh (scale 2) within their stated errors") {
  double worst_sigmoid = 0, worst_tanh = 0;
  for (double x = -90.0; x <= 90.0; x += 0.0137) {
    const float xf = float(x);
    const double want_sigmoid = 1.0 / (1.0 + std::exp(-double(xf))), want_tanh = std::tanh(double(xf));
    if (xf > -87.0f)
      worst_sigmoid = std::max(worst_sigmoid, std::fabs(detail::gate_activation(xf, 1.0f) - want_sigmoid) / want_sigmoid);
    worst_tanh = std::max(worst_tanh, std::fabs(detail::gate_activation(xf, 2.0f) - want_tanh));
  }
  CHECK(worst_sigmoid < 4e-7);
  CHECK(worst_tanh < 2.4e-7);
  CHECK(detail::gate_activation(-1000.0f, 1.0f) < 1e-37f);
  CHECK(detail::gate_activation(1000.0f, 1.0f) == 1.0f);
  CHECK(detail::gate_activation(1000.0f, 2.0f) == 1.0f);
  CHECK(detail::gate_activation(-1000.0f, 2.0f) == -1.0f);
  CHECK(std::isnan(detail::gate_activation(NAN, 1.0f)));
  CHECK(std::isnan(detail::gate_activation(NAN, 2.0f)));
}

// divide_by (core/fast_math.hpp, internal) must give the division's bits. Scaling x or c by a power of two
// scales the quotient exactly, so every mantissa of x in [1, 2) covers every finite x (away from the
// underflow and overflow ends) for one divisor. The divisors: Adam's sqrt(1 - beta2^t) for its first
// steps, and ones with all-ones, all-zeros and scattered mantissas.
TEST_CASE("divide_by gives the bits of x / c for every mantissa of x") {
  std::vector<float> divisors;
  for (int t = 1; t <= 12; ++t) divisors.push_back(float(std::sqrt(1 - std::pow(0.999, t))));
  for (uint32_t bits : {0x3f800000u, 0x3fffffffu, 0x3f7fffffu, 0x3f800001u, 0x40400000u, 0x3dcccccdu, 0x3f5a5a5au})
    divisors.push_back(std::bit_cast<float>(bits));
  std::vector<float> x(size_t(1) << 23), quotient(x.size());
  for (uint32_t i = 0; i < x.size(); ++i) x[i] = std::bit_cast<float>(0x3f800000u | i);
  for (const float c : divisors) {
    CAPTURE(c);
    const float reciprocal = 1.0f / c;
    for (size_t i = 0; i < x.size(); ++i) quotient[i] = detail::divide_by(x[i], c, reciprocal);
    int64_t wrong = 0;
    for (size_t i = 0; i < x.size(); ++i) wrong += quotient[i] != x[i] / c;
    CHECK(wrong == 0);
    for (const float far : {0.0f, 3.0e-30f, 7.0e-23f, 1.0e19f, 3.0e38f, INFINITY}) {
      CAPTURE(far);
      CHECK(detail::divide_by(far, c, reciprocal) == far / c);
      CHECK(detail::divide_by(-far, c, reciprocal) == -far / c);
    }
    CHECK(std::isnan(detail::divide_by(NAN, c, reciprocal)));
  }
}

// copy_streaming (core/kernels.hpp, internal) streams whole lines and copies the partial ones at either
// end plainly: every length and starting offset within a line must copy exactly [0, n) and nothing else.
TEST_CASE("copy_streaming copies exactly n floats from every offset in a cache line") {
  std::vector<float> src(200), dst(200 + 64);
  for (size_t i = 0; i < src.size(); ++i) src[i] = float(i) + 0.5f;
  for (int64_t offset = 0; offset < 16; ++offset)
    for (int64_t n : {0, 1, 5, 15, 16, 17, 31, 32, 33, 48, 100, 183}) {
      std::fill(dst.begin(), dst.end(), -1.0f);
      float* to = dst.data() + 16 + offset;
      detail::copy_streaming(to, src.data() + 3, n);
      detail::streaming_fence();
      int64_t wrong = 0;  // elements of dst, inside [0, n) or around it, that differ from what they should be
      for (int64_t i = -16 - offset; i < int64_t(dst.size()) - 16 - offset; ++i)
        wrong += to[i] != (i >= 0 && i < n ? src[size_t(i + 3)] : -1.0f);
      CHECK_MESSAGE(wrong == 0, "offset ", offset, ", n ", n);
    }
}
