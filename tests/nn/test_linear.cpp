// Linear: PyTorch fixtures (tests/fixtures/linear.safetensors), gradchecks, init and error messages.
#include <algorithm>
#include <cmath>
#include <map>

#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/linear.hpp"
#include "tests/fixture.hpp"
#include "tests/stats.hpp"

using namespace tg;
using nn::Linear;
using test::check_close;
using test::Fixture;
using test::Stats;
using test::stats_of;

// A fixture case: load weight (and bias), run input forward, backpropagate grad_output.
static void check_fixture_case(const std::string& name, bool with_bias) {
  Fixture fx("linear");
  Linear fc(4, 5, with_bias);
  std::map<std::string, Tensor> state{{"weight", fx[name + ".weight"]}};
  if (with_bias) state["bias"] = fx[name + ".bias"];
  fc.load_state_dict(state);
  Tensor input = fx[name + ".input"].clone().requires_grad_();
  Tensor output = fc.forward(input);
  check_close(output, fx[name + ".output"]);
  output.backward(fx[name + ".grad_output"]);
  check_close(input.grad(), fx[name + ".grad.input"]);
  check_close(fc.weight.grad(), fx[name + ".grad.weight"]);
  if (with_bias) check_close(fc.bias.grad(), fx[name + ".grad.bias"]);
}

TEST_CASE("Linear matches PyTorch's output and gradients on every fixture case") {
  SUBCASE("bias") { check_fixture_case("bias", true); }
  SUBCASE("no bias") { check_fixture_case("no_bias", false); }
  SUBCASE("3-D input") { check_fixture_case("input_3d", true); }
}

static void expect_gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs) {
  GradcheckResult r = gradcheck(f, inputs);  // eps 1e-3, atol 1e-3, rtol 1e-2
  INFO(r.report);
  CHECK(r.ok);
}

static Tensor leaf(Shape shape) { return uniform(shape, -1, 1).requires_grad_(); }

TEST_CASE("linear gradient passes gradcheck with respect to x, W and b") {
  manual_seed(21);
  auto with_bias = [](auto& v) { return nn::linear(v[0], v[1], v[2]); };
  auto without_bias = [](auto& v) { return nn::linear(v[0], v[1]); };
  SUBCASE("2-D input") { expect_gradcheck(with_bias, {leaf({3, 4}), leaf({5, 4}), leaf({5})}); }
  SUBCASE("3-D input") { expect_gradcheck(with_bias, {leaf({2, 3, 4}), leaf({2, 4}), leaf({2})}); }
  SUBCASE("1-D input") { expect_gradcheck(with_bias, {leaf({4}), leaf({3, 4}), leaf({3})}); }
  SUBCASE("no bias") { expect_gradcheck(without_bias, {leaf({3, 4}), leaf({5, 4})}); }
}

TEST_CASE("Linear computes x W^T + b over any leading dims") {
  Linear fc(2, 3);
  fc.load_state_dict({{"weight", tensor({1, 2, 3, 4, 5, 6}, {3, 2})}, {"bias", tensor({10, 20, 30})}});
  Tensor x = tensor({1, 1, 0, 1, 2, 0, 1, 0}, {2, 2, 2});
  Tensor y = fc.forward(x);
  CHECK(y.shape() == Shape{2, 2, 3});
  // row [1, 1]: [1+2, 3+4, 5+6] + b; row [0, 1]: [2, 4, 6] + b; row [2, 0]: [2, 6, 10] + b; row [1, 0]: [1, 3, 5] + b
  CHECK(y.to_vector() == std::vector<float>{13, 27, 41, 12, 24, 36, 12, 26, 40, 11, 23, 35});
  CHECK(fc.forward(tensor({1, 0})).to_vector() == std::vector<float>{11, 23, 35});
  CHECK(fc.in_features() == 2);
  CHECK(fc.out_features() == 3);
}

TEST_CASE("Linear gradients accumulate over two backward passes") {
  manual_seed(22);
  Linear fc(3, 2);
  Tensor x = randn({4, 3}).requires_grad_();
  fc.forward(x).sum().backward();
  auto w1 = fc.weight.grad().to_vector(), b1 = fc.bias.grad().to_vector(), x1 = x.grad().to_vector();
  fc.forward(x).sum().backward();
  auto w2 = fc.weight.grad().to_vector(), b2 = fc.bias.grad().to_vector(), x2 = x.grad().to_vector();
  for (size_t i = 0; i < w1.size(); ++i) CHECK(w2[i] == doctest::Approx(2 * w1[i]));
  for (size_t i = 0; i < b1.size(); ++i) CHECK(b2[i] == doctest::Approx(2 * b1[i]));
  for (size_t i = 0; i < x1.size(); ++i) CHECK(x2[i] == doctest::Approx(2 * x1[i]));
  CHECK(b1 == std::vector<float>{4, 4});  // d(sum)/db = number of rows
}

TEST_CASE("Linear init draws weight and bias from U(-1/sqrt(in), 1/sqrt(in))") {
  manual_seed(23);
  Linear fc(400, 300);
  const double bound = 1.0 / std::sqrt(400.0), uniform_std = bound / std::sqrt(3.0);
  Stats w = stats_of(fc.weight), b = stats_of(fc.bias);  // 120000 and 300 draws
  CHECK(w.min >= -bound);
  CHECK(w.max < bound);
  CHECK(w.min < -0.99 * bound);
  CHECK(w.max > 0.99 * bound);
  CHECK(std::fabs(w.mean) < 0.02 * bound);
  CHECK(w.std == doctest::Approx(uniform_std).epsilon(0.02));
  CHECK(b.min >= -bound);
  CHECK(b.max < bound);
  CHECK(std::fabs(b.mean) < 0.2 * bound);
  CHECK(b.std == doctest::Approx(uniform_std).epsilon(0.15));
  CHECK(fc.named_parameters().size() == 2);
  CHECK(fc.named_parameters()[0].first == "weight");
  CHECK(fc.named_parameters()[1].first == "bias");
}

TEST_CASE("Linear without bias has only a weight") {
  Linear fc(3, 2, /*with_bias=*/false);
  CHECK_FALSE(fc.bias.defined());
  CHECK(fc.named_parameters().size() == 1);
  CHECK(fc.num_parameters() == 6);
  Tensor x = ones({1, 3});
  CHECK(fc.forward(x).at({0, 1}) == doctest::Approx(fc.weight.at({1, 0}) + fc.weight.at({1, 1}) + fc.weight.at({1, 2})));
}

TEST_CASE("linear names the shapes when input, weight or bias do not fit") {
  Linear fc(4, 5);
  CHECK_THROWS_WITH_AS(fc.forward(zeros({3, 5})), "linear: input of shape [3, 5] should end in in_features=4 (weight [5, 4])",
                       Error);
  CHECK_THROWS_WITH_AS(fc.forward(zeros({3, 4}, DType::i64)), "linear: expected a float32 tensor, got int64 (shape [3, 4])",
                       Error);
  CHECK_THROWS_WITH_AS(nn::linear(scalar(1), zeros({5, 4})),
                       "linear: input of shape [] should end in in_features=4 (weight [5, 4])", Error);
  CHECK_THROWS_WITH_AS(nn::linear(zeros({3, 4}), zeros({20})), "linear: the weight must be 2-D [out, in], got shape [20]",
                       Error);
  CHECK_THROWS_WITH_AS(nn::linear(zeros({3, 4}), zeros({5, 4}), zeros({4})),
                       "linear: the bias has shape [4], expected [5] (weight [5, 4])", Error);
}
