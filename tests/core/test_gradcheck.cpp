// Every differentiable core op against central differences (tg::gradcheck), including
// broadcasting and dims other than the last.
#include <doctest/doctest.h>

#include "core/tapegrad.hpp"

using namespace tg;

static Tensor leaf(Shape shape, double low = -1.0, double high = 1.0) {
  return uniform(shape, low, high).requires_grad_();
}

static void expect_gradients_match(const GradcheckFn& f, const std::vector<Tensor>& inputs) {
  GradcheckResult r = gradcheck(f, inputs);
  INFO(r.report);
  CHECK(r.ok);
}

TEST_CASE("gradcheck: add, sub, mul, div with and without broadcasting") {
  manual_seed(1);
  std::vector<std::pair<Shape, Shape>> shapes = {{{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}},
                                                  {{4, 2, 3}, {2, 1}}, {{3}, {}}};
  for (auto& [sa, sb] : shapes) {
    CAPTURE(sa);
    CAPTURE(sb);
    expect_gradients_match([](auto& v) { return v[0] + v[1]; }, {leaf(sa), leaf(sb)});
    expect_gradients_match([](auto& v) { return v[0] - v[1]; }, {leaf(sa), leaf(sb)});
    expect_gradients_match([](auto& v) { return v[0] * v[1]; }, {leaf(sa), leaf(sb)});
    expect_gradients_match([](auto& v) { return v[0] / v[1]; }, {leaf(sa), leaf(sb, 0.5, 2.0)});
  }
}

TEST_CASE("gradcheck: scalar forms and negation") {
  manual_seed(2);
  expect_gradients_match([](auto& v) { return -v[0] * 3.0 + 1.0; }, {leaf({5})});
  expect_gradients_match([](auto& v) { return 2.0 - v[0] / 4.0; }, {leaf({5})});
  expect_gradients_match([](auto& v) { return 2.0 / v[0]; }, {leaf({5}, 0.5, 2.0)});
}

TEST_CASE("gradcheck: unary functions") {
  manual_seed(3);
  expect_gradients_match([](auto& v) { return exp(v[0]); }, {leaf({2, 3})});
  expect_gradients_match([](auto& v) { return log(v[0]); }, {leaf({2, 3}, 0.5, 2.0)});
  expect_gradients_match([](auto& v) { return sqrt(v[0]); }, {leaf({2, 3}, 0.5, 2.0)});
  expect_gradients_match([](auto& v) { return pow(v[0], 3.0); }, {leaf({2, 3})});
  expect_gradients_match([](auto& v) { return pow(v[0], -1.5); }, {leaf({2, 3}, 0.5, 2.0)});
  expect_gradients_match([](auto& v) { return tanh(v[0]); }, {leaf({2, 3}, -2, 2)});
  expect_gradients_match([](auto& v) { return sigmoid(v[0]); }, {leaf({2, 3}, -3, 3)});
  // Away from the kinks, where the derivative is defined.
  expect_gradients_match([](auto& v) { return relu(v[0]); }, {tensor({-1.0f, -0.3f, 0.2f, 0.9f}).requires_grad_()});
  expect_gradients_match([](auto& v) { return clamp(v[0], -0.5, 0.5); }, {tensor({-0.9f, -0.2f, 0.1f, 0.8f}).requires_grad_()});
}

TEST_CASE("gradcheck: reductions over all elements and over each dim") {
  manual_seed(4);
  expect_gradients_match([](auto& v) { return v[0].sum(); }, {leaf({2, 3, 4})});
  expect_gradients_match([](auto& v) { return v[0].mean(); }, {leaf({2, 3, 4})});
  for (int dim : {0, 1, 2, -1}) {
    CAPTURE(dim);
    for (bool keepdim : {false, true}) {
      expect_gradients_match([dim, keepdim](auto& v) { return v[0].sum(dim, keepdim); }, {leaf({2, 3, 4})});
      expect_gradients_match([dim, keepdim](auto& v) { return v[0].mean(dim, keepdim); }, {leaf({2, 3, 4})});
      expect_gradients_match([dim, keepdim](auto& v) { return max(v[0], dim, keepdim).first; }, {leaf({2, 3, 4})});
    }
  }
}

TEST_CASE("gradcheck: softmax and log_softmax over every dim") {
  manual_seed(5);
  for (int dim : {0, 1, 2}) {
    CAPTURE(dim);
    expect_gradients_match([dim](auto& v) { return softmax(v[0], dim); }, {leaf({2, 3, 4}, -2, 2)});
    expect_gradients_match([dim](auto& v) { return log_softmax(v[0], dim); }, {leaf({2, 3, 4}, -2, 2)});
  }
}

TEST_CASE("gradcheck: matmul of matrices and of a [B, T, K] batch, and transpose") {
  manual_seed(6);
  expect_gradients_match([](auto& v) { return matmul(v[0], v[1]); }, {leaf({3, 4}), leaf({4, 2})});
  expect_gradients_match([](auto& v) { return matmul(v[0], v[1]); }, {leaf({2, 3, 4}), leaf({4, 5})});
  expect_gradients_match([](auto& v) { return transpose(v[0]); }, {leaf({3, 4})});
  // Only one side requiring grad.
  expect_gradients_match([](auto& v) { return matmul(v[0], v[1]); }, {leaf({3, 4}), uniform({4, 2}, -1, 1)});
}

TEST_CASE("gradcheck: reshape, concat, stack, narrow, clone") {
  manual_seed(7);
  expect_gradients_match([](auto& v) { return v[0].reshape({4, 3}) * v[0].reshape({4, 3}); }, {leaf({2, 6})});
  expect_gradients_match([](auto& v) { return v[0].unsqueeze(1).squeeze(1).flatten(); }, {leaf({2, 3})});
  for (int dim : {0, 1}) {
    CAPTURE(dim);
    expect_gradients_match([dim](auto& v) { return concat({v[0], v[1], v[0]}, dim); }, {leaf({2, 3}), leaf({2, 3})});
    expect_gradients_match([dim](auto& v) { return stack({v[0], v[1]}, dim); }, {leaf({2, 3}), leaf({2, 3})});
    expect_gradients_match([dim](auto& v) { return narrow(v[0], dim, 1, 1); }, {leaf({3, 3})});
  }
  expect_gradients_match([](auto& v) { return concat({v[0], v[1]}, 1); }, {leaf({2, 1}), leaf({2, 3})});
  expect_gradients_match([](auto& v) { return v[0].clone() * 2.0; }, {leaf({4})});
  expect_gradients_match([](auto& v) { return v[0].squeeze() * 3.0; }, {leaf({1, 3, 1})});
  for (int dim : {0, 1, 2}) {
    CAPTURE(dim);
    expect_gradients_match([dim](auto& v) { return select(v[0], dim, -1); }, {leaf({2, 3, 2})});
  }
}

TEST_CASE("gradcheck: index_select adds repeated rows' gradients") {
  manual_seed(8);
  Tensor idx = indices({0, 2, 2, 4, 0, 0}, {2, 3});
  expect_gradients_match([idx](auto& v) { return index_select(v[0], idx); }, {leaf({5, 3})});
}

TEST_CASE("gradcheck: masked_fill and where pass gradient only where selected") {
  manual_seed(9);
  Tensor mask = indices({1, 0, 0, 1, 1, 0}, {2, 3});
  expect_gradients_match([mask](auto& v) { return masked_fill(v[0], mask, -5.0); }, {leaf({2, 3})});
  expect_gradients_match([](auto& v) { return masked_fill(v[0], indices({0, 1, 0}), 0.0); }, {leaf({2, 3})});
  expect_gradients_match([mask](auto& v) { return where(mask, v[0], v[1]); }, {leaf({2, 3}), leaf({3})});
}

TEST_CASE("gradcheck reports a wrong gradient") {
  // x * x recorded with a backward that forgets the factor 2: the check must fail and say where.
  auto wrong_square = [](const std::vector<Tensor>& v) {
    Tensor y = v[0].detach() * v[0].detach();
    record("wrong_square", y, {v[0]}, [](Node& n) {
      const float *x = n.input(0).f32(), *dy = n.grad_out();
      float* dx = n.grad_in(0);
      for (int64_t i = 0; i < n.output.numel(); ++i) dx[i] += dy[i] * x[i];
    });
    return y;
  };
  manual_seed(10);
  GradcheckResult r = gradcheck(wrong_square, {leaf({4}, 0.5, 1.0)});
  CHECK_FALSE(r.ok);
  CHECK(r.report.find("FAIL") != std::string::npos);
  CHECK(r.worst[0].numeric == doctest::Approx(2 * r.worst[0].analytic).epsilon(0.02));
}
