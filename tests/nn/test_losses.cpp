// Losses: PyTorch fixtures (tests/fixtures/losses.safetensors), gradient checks for every option,
// edge cases (p = 0 or 1, infinite logits, every target ignored, padding) and error messages.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/losses.hpp"
#include "tests/fixture.hpp"

using namespace tg;
using namespace tg::nn;
using tg::test::check_close;
using tg::test::Fixture;

namespace {

const float kInf = std::numeric_limits<float>::infinity();

// A fresh leaf that records gradients (sharing the values of t).
Tensor leaf(const Tensor& t) {
  Tensor x = t.detach();
  x.requires_grad_();
  return x;
}

Tensor leaf_uniform(Shape shape, double low, double high) { return leaf(uniform(shape, low, high)); }

// Runs loss_fn(input, target) on case `name` of losses.safetensors, backpropagates the stored upstream
// gradient and compares the loss and the input's gradient with PyTorch's.
template <typename LossFn>
void check_fixture_case(const std::string& name, LossFn loss_fn) {
  CAPTURE(name);
  Fixture fx("losses");
  Tensor input = leaf(fx[name + ".input"]);
  Tensor loss = loss_fn(input, fx[name + ".target"]);
  check_close(loss, fx[name + ".output"]);
  loss.backward(fx[name + ".grad_output"]);
  check_close(input.grad(), fx[name + ".grad.input"]);
}

// Central differences against the tape (eps 1e-3, atol 1e-3, rtol 1e-2: float32 precision).
void expect_gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs) {
  GradcheckResult r = gradcheck(f, inputs);
  CHECK_MESSAGE(r.ok, r.report);
}

// PyTorch's cross entropy of logits [N, C] written out in double: per kept row
//   (1 - e) w_t (-log p_t) + e / C sum_c w_c (-log p_c)
// summed, or divided by the summed w_t of kept rows for the mean.
double reference_cross_entropy(const Tensor& logits, const std::vector<int64_t>& targets, int64_t ignore_index,
                               double e, const std::vector<double>& w, Reduction reduction) {
  const int64_t N = logits.size(0), C = logits.size(1);
  auto x = logits.to_vector();
  double total = 0, kept_weight = 0;
  for (int64_t r = 0; r < N; ++r) {
    const int64_t t = targets[size_t(r)];
    if (t == ignore_index) continue;
    double z = 0;
    for (int64_t c = 0; c < C; ++c) z += std::exp(double(x[size_t(r * C + c)]));
    auto minus_log_p = [&](int64_t c) { return std::log(z) - x[size_t(r * C + c)]; };
    double smooth = 0;
    for (int64_t c = 0; c < C; ++c) smooth += w[size_t(c)] * minus_log_p(c);
    total += (1 - e) * w[size_t(t)] * minus_log_p(t) + e / double(C) * smooth;
    kept_weight += w[size_t(t)];
  }
  return reduction == Reduction::mean ? total / kept_weight : total;
}

}  // namespace

// ---- PyTorch fixtures ----

TEST_CASE("bce matches PyTorch, including its clamped logs and huge gradients at p = 0 and 1") {
  check_fixture_case("bce", [](const Tensor& p, const Tensor& y) { return bce(p, y); });
  // bce_edges: p exactly 0 or 1 against the wrong target costs 100 each, gradient ~1.67e11 (compared
  // relatively by check_close); against the right target 0 loss and 0 gradient.
  check_fixture_case("bce_edges", [](const Tensor& p, const Tensor& y) { return bce(p, y); });
}

TEST_CASE("bce_with_logits matches PyTorch at logits of +-30, with and without pos_weight") {
  check_fixture_case("bce_with_logits", [](const Tensor& x, const Tensor& y) { return bce_with_logits(x, y); });
  Tensor pos_weight = Fixture("losses")["bce_with_logits_pos_weight.pos_weight"];
  check_fixture_case("bce_with_logits_pos_weight",
                     [&](const Tensor& x, const Tensor& y) { return bce_with_logits(x, y, {.pos_weight = pos_weight}); });
}

TEST_CASE("cross_entropy matches PyTorch for every reduction, ignore_index and label_smoothing") {
  check_fixture_case("cross_entropy_mean", [](const Tensor& x, const Tensor& t) { return cross_entropy(x, t); });
  check_fixture_case("cross_entropy_sum", [](const Tensor& x, const Tensor& t) {
    return cross_entropy(x, t, {.reduction = Reduction::sum});
  });
  check_fixture_case("cross_entropy_none", [](const Tensor& x, const Tensor& t) {
    return cross_entropy(x, t, {.reduction = Reduction::none});
  });
  check_fixture_case("cross_entropy_ignore_index",
                     [](const Tensor& x, const Tensor& t) { return cross_entropy(x, t, {.ignore_index = 0}); });
  check_fixture_case("cross_entropy_all_ignored_sum", [](const Tensor& x, const Tensor& t) {
    return cross_entropy(x, t, {.ignore_index = 0, .reduction = Reduction::sum});
  });
  check_fixture_case("cross_entropy_label_smoothing",
                     [](const Tensor& x, const Tensor& t) { return cross_entropy(x, t, {.label_smoothing = 0.1}); });
  check_fixture_case("cross_entropy_label_smoothing_ignore_index", [](const Tensor& x, const Tensor& t) {
    return cross_entropy(x, t, {.ignore_index = 0, .label_smoothing = 0.1});
  });
}

TEST_CASE("cross_entropy with every target ignored gives 0 where PyTorch gives NaN, and a zero gradient") {
  Fixture fx("losses");
  const std::string name = "cross_entropy_all_ignored_mean";
  CHECK(std::isnan(fx[name + ".output"].item()));  // PyTorch's 0 / 0
  Tensor input = leaf(fx[name + ".input"]);
  Tensor loss = cross_entropy(input, fx[name + ".target"], {.ignore_index = 0});
  CHECK(loss.item() == 0.0);
  loss.backward();
  check_close(input.grad(), fx[name + ".grad.input"]);  // all zero
}

TEST_CASE("nll_loss matches PyTorch") {
  check_fixture_case("nll_loss", [](const Tensor& x, const Tensor& t) { return nll_loss(x, t); });
}

// ---- gradient checks ----

TEST_CASE("gradcheck: bce for every reduction, with and without a broadcast weight") {
  manual_seed(21);
  Tensor y = tensor({1, 0, 0, 1, 0, 1, 1, 0, 0.3f, 0.7f, 1, 0}, {3, 4});
  Tensor weight = tensor({0.5, 2, 1, 3});
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none}) {
    CAPTURE(int(r));
    expect_gradcheck([&](auto& v) { return bce(v[0], y, {.reduction = r}); }, {leaf_uniform({3, 4}, 0.1, 0.9)});
    expect_gradcheck([&](auto& v) { return bce(v[0], y, {weight, r}); }, {leaf_uniform({3, 4}, 0.1, 0.9)});
  }
}

TEST_CASE("gradcheck: bce_with_logits for every reduction, with and without weight and pos_weight") {
  manual_seed(22);
  Tensor y = tensor({1, 0, 0, 1, 0, 1, 1, 0, 0.3f, 0.7f, 1, 0}, {3, 4});
  Tensor pos_weight = tensor({2, 0.5, 1, 3}), weight = tensor({1.5, 0.25, 1, 2}, {1, 4});
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none}) {
    CAPTURE(int(r));
    expect_gradcheck([&](auto& v) { return bce_with_logits(v[0], y, {.reduction = r}); }, {leaf_uniform({3, 4}, -4, 4)});
    expect_gradcheck([&](auto& v) { return bce_with_logits(v[0], y, {.pos_weight = pos_weight, .reduction = r}); }, {leaf_uniform({3, 4}, -4, 4)});
    expect_gradcheck([&](auto& v) { return bce_with_logits(v[0], y, {.weight = weight, .pos_weight = pos_weight, .reduction = r}); },
                     {leaf_uniform({3, 4}, -4, 4)});
  }
}

TEST_CASE("gradcheck: cross_entropy with every combination of options") {
  manual_seed(23);
  Tensor targets = indices({2, 0, 4, 1, 0, 3});
  Tensor weight = tensor({0.5, 2, 1, 3, 0.25});
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none})
    for (int64_t ignore : {int64_t(-100), int64_t(0)})
      for (double smoothing : {0.0, 0.2})
        for (bool weighted : {false, true}) {
          CAPTURE(int(r));
          CAPTURE(ignore);
          CAPTURE(smoothing);
          CAPTURE(weighted);
          CrossEntropyOptions options{ignore, smoothing, r, weighted ? weight : Tensor()};
          expect_gradcheck([&](auto& v) { return cross_entropy(v[0], targets, options); },
                           {leaf_uniform({6, 5}, -2, 2)});
        }
}

TEST_CASE("gradcheck: cross_entropy on [B*T, C] rows of [B, T, C] logits and on [N, C, d] logits") {
  manual_seed(24);
  Tensor bt_targets = indices({0, 3, -100, 2, 1, 1}, {2, 3});
  expect_gradcheck(
      [&](auto& v) { return cross_entropy(v[0].reshape({-1, 4}), bt_targets.reshape({-1}), {.label_smoothing = 0.1}); },
      {leaf_uniform({2, 3, 4}, -2, 2)});
  Tensor ncd_targets = indices({0, 3, 2, 1, -100, 4, 2, 2}, {2, 4});  // logits [N=2, C=5, d=4]
  expect_gradcheck([&](auto& v) { return cross_entropy(v[0], ncd_targets, {.reduction = Reduction::none}); },
                   {leaf_uniform({2, 5, 4}, -2, 2)});
}

TEST_CASE("gradcheck: nll_loss with ignore_index, class weights and every reduction") {
  manual_seed(25);
  Tensor targets = indices({2, 0, 4, 1, 0, 3});
  Tensor weight = tensor({0.5, 2, 1, 3, 0.25});
  for (Reduction r : {Reduction::mean, Reduction::sum, Reduction::none}) {
    CAPTURE(int(r));
    expect_gradcheck(
        [&](auto& v) { return nll_loss(v[0], targets, {.ignore_index = 0, .reduction = r, .weight = weight}); },
        {leaf_uniform({6, 5}, -3, 0)});
    expect_gradcheck([&](auto& v) { return nll_loss(v[0], targets, {.reduction = r}); }, {leaf_uniform({6, 5}, -3, 0)});
  }
}

// ---- values and edge cases ----

TEST_CASE("cross_entropy with class weights and label smoothing equals PyTorch's formula") {
  manual_seed(26);
  Tensor logits = uniform({6, 5}, -3, 3);
  std::vector<int64_t> t = {2, 0, 4, 1, 0, 3};
  std::vector<double> w = {0.5, 2, 1, 3, 0.25}, ones(5, 1.0);
  Tensor weight = tensor({0.5, 2, 1, 3, 0.25});
  for (Reduction r : {Reduction::mean, Reduction::sum})
    for (double e : {0.0, 0.3})
      for (int64_t ignore : {int64_t(-100), int64_t(0)}) {
        CAPTURE(int(r));
        CAPTURE(e);
        CAPTURE(ignore);
        double want = reference_cross_entropy(logits, t, ignore, e, w, r);
        CHECK(cross_entropy(logits, indices(t), {ignore, e, r, weight}).item() == doctest::Approx(want).epsilon(1e-5));
        double want_unweighted = reference_cross_entropy(logits, t, ignore, e, ones, r);
        CHECK(cross_entropy(logits, indices(t), {ignore, e, r}).item() ==
              doctest::Approx(want_unweighted).epsilon(1e-5));
      }
}

TEST_CASE("cross_entropy of a weighted mean: reduction none summed over the kept rows' weights") {
  manual_seed(27);
  Tensor logits = uniform({6, 5}, -3, 3);
  Tensor targets = indices({2, 0, 4, 1, 0, 3});
  Tensor weight = tensor({0.5, 2, 1, 3, 0.25});
  Tensor per_row = cross_entropy(logits, targets, {.ignore_index = 0, .reduction = Reduction::none, .weight = weight});
  CHECK(per_row.at({1}) == 0.0);  // ignored rows
  CHECK(per_row.at({4}) == 0.0);
  const double kept_weight = 1 + 0.25 + 2 + 3;  // weights of targets 2, 4, 1, 3
  CHECK(cross_entropy(logits, targets, {.ignore_index = 0, .weight = weight}).item() ==
        doctest::Approx(per_row.sum().item() / kept_weight).epsilon(1e-6));
}

TEST_CASE("cross_entropy with every target ignored is 0 with a zero gradient, whatever the options") {
  Tensor targets = indices({-100, -100, -100});
  Tensor weight = tensor({1, 2, 3, 4});
  for (double e : {0.0, 0.5}) {
    CAPTURE(e);
    Tensor logits = leaf(uniform({3, 4}, -2, 2));
    Tensor loss = cross_entropy(logits, targets, {.label_smoothing = e, .weight = weight});
    CHECK(loss.item() == 0.0);
    loss.backward();
    for (float g : logits.grad().to_vector()) CHECK(g == 0.0f);
  }
}

TEST_CASE("cross_entropy never guesses the class dim: [B, T, C] with targets [B, T] is refused, even when T == C") {
  // PyTorch reads dim 1 as the classes; a [B, T, C] input must be reshaped to [B*T, C] by the caller.
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({2, 3, 4}), indices({0, 3, 1, 2, 1, 1}, {2, 3})),
                       "cross_entropy: logits [2, 3, 4] and targets [2, 3] do not match: expected targets [2, 4] "
                       "(classes on dim 1, as PyTorch); for classes last, pass logits.reshape({-1, 4}) and "
                       "targets.reshape({-1})",
                       Error);
  // T == C: [2, 3, 3] with targets [2, 3] is valid as classes on dim 1 (targets [N, d1]), never as classes last.
  Tensor logits = uniform({2, 3, 3}, -2, 2);
  Tensor targets = indices({0, 2, 1, 1, 0, 2}, {2, 3});
  Tensor as_dim1 = cross_entropy(logits, targets, {.reduction = Reduction::none});
  const double first = -std::log(std::exp(logits.at({0, 0, 0})) /
                                 (std::exp(logits.at({0, 0, 0})) + std::exp(logits.at({0, 1, 0})) +
                                  std::exp(logits.at({0, 2, 0}))));
  CHECK(as_dim1.at({0, 0}) == doctest::Approx(first).epsilon(1e-5));
}

TEST_CASE("cross_entropy on [C] logits with a 0-dim target is one example, as PyTorch") {
  Tensor logits = tensor({1, 2, 0.5});
  Tensor target = indices({1}).reshape(Shape{});
  const double want = -std::log(std::exp(2.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(0.5)));
  CHECK(cross_entropy(logits, target).item() == doctest::Approx(want).epsilon(1e-6));
}

TEST_CASE("cross_entropy on [N, C, d] reads classes from dim 1, as PyTorch") {
  manual_seed(29);
  const int64_t N = 2, C = 5, d = 3;
  Tensor logits = uniform({N, C, d}, -2, 2);
  Tensor targets = indices({4, 0, 2, 1, 1, 3}, {N, d});
  // The same logits with the classes moved last: rows[n * d + k][c] = logits[n][c][k].
  std::vector<float> rows(size_t(N * d * C));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t k = 0; k < d; ++k) rows[size_t((n * d + k) * C + c)] = float(logits.at({n, c, k}));
  Tensor a = cross_entropy(logits, targets, {.reduction = Reduction::none});
  Tensor b = cross_entropy(tensor(rows, {N * d, C}), targets.reshape({N * d}), {.reduction = Reduction::none});
  CHECK(a.shape() == Shape{N, d});
  check_close(a.reshape({N * d}), b);
}

TEST_CASE("cross_entropy: padded steps with ignored targets change no loss and no gradient") {
  // logits [B, T, C] of a padded batch (lengths 3 and 1); the same batch padded to T = 6, the extra
  // steps and the padded ones holding garbage.
  manual_seed(30);
  const int64_t B = 2, T = 3, C = 4, extra = 3;
  const std::vector<int64_t> lengths = {3, 1};
  Tensor base = uniform({B, T, C}, -2, 2);
  auto padded = [&](int64_t steps, float garbage) {
    std::vector<float> x(size_t(B * steps * C), garbage);
    std::vector<int64_t> t(size_t(B * steps), -100);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t s = 0; s < lengths[size_t(b)]; ++s) {
        t[size_t(b * steps + s)] = (b + s) % C;
        for (int64_t c = 0; c < C; ++c) x[size_t((b * steps + s) * C + c)] = float(base.at({b, s, c}));
      }
    return std::pair{leaf(tensor(x, {B, steps, C})), indices(t, {B, steps})};
  };
  CrossEntropyOptions plain{}, smoothed{.label_smoothing = 0.2, .weight = tensor({1, 2, 0.5, 3})};
  for (const CrossEntropyOptions& options : {plain, smoothed})
    for (float garbage : {1e6f, -1e6f, std::nanf("")}) {
      CAPTURE(garbage);
      auto [short_x, short_t] = padded(T, garbage);
      auto [long_x, long_t] = padded(T + extra, garbage);
      auto rows_loss = [&](const Tensor& x, const Tensor& t) {  // one row per position: [B*steps, C]
        return cross_entropy(x.reshape({-1, C}), t.reshape({-1}), options);
      };
      Tensor short_loss = rows_loss(short_x, short_t), long_loss = rows_loss(long_x, long_t);
      CHECK(short_loss.item() == long_loss.item());
      short_loss.backward(/*retain_graph=*/true);  // both graphs share the tape
      long_loss.backward();
      for (int64_t b = 0; b < B; ++b)
        for (int64_t s = 0; s < T + extra; ++s)
          for (int64_t c = 0; c < C; ++c) {
            const double g = long_x.grad().at({b, s, c});
            if (s < lengths[size_t(b)])
              CHECK(g == short_x.grad().at({b, s, c}));
            else
              CHECK(g == 0.0);
          }
    }
}

TEST_CASE("bce at p = 0 and 1 costs the clamp value 100 and its gradient is finite") {
  Tensor p = leaf(tensor({0, 1, 0, 1}));
  Tensor loss = bce(p, tensor({1, 0, 0, 1}), {.reduction = Reduction::none});
  CHECK(loss.to_vector() == std::vector<float>{100, 100, 0, 0});
  loss.sum().backward();
  auto g = p.grad().to_vector();
  CHECK(g[0] == doctest::Approx(-1e12).epsilon(1e-4));  // (0 - 1) / 1e-12
  CHECK(g[1] == doctest::Approx(1e12).epsilon(1e-4));
  CHECK(g[2] == 0.0f);
  CHECK(g[3] == 0.0f);
}

TEST_CASE("bce with a weight scales each element's loss and gradient") {
  Tensor p = tensor({0.2, 0.6, 0.9, 0.4}, {2, 2});
  Tensor y = tensor({1, 0, 1, 1}, {2, 2});
  Tensor w = tensor({2, 0.5});  // per column
  auto plain = bce(p, y, {.reduction = Reduction::none}).to_vector(), weighted = bce(p, y, {w, Reduction::none}).to_vector();
  for (size_t i = 0; i < 4; ++i) CHECK(weighted[i] == doctest::Approx(plain[i] * (i % 2 == 0 ? 2 : 0.5)));
  CHECK(plain[0] == doctest::Approx(-std::log(0.2)));
  CHECK(plain[1] == doctest::Approx(-std::log(0.4)));
}

TEST_CASE("bce_with_logits equals bce of the sigmoid for moderate logits") {
  manual_seed(31);
  Tensor x = uniform({3, 4}, -5, 5);
  Tensor y = tensor({1, 0, 0, 1, 0, 1, 1, 0, 0.3f, 0.7f, 1, 0}, {3, 4});
  check_close(bce_with_logits(x, y, {.reduction = Reduction::none}), bce(sigmoid(x), y, {.reduction = Reduction::none}), 1e-4, 1e-5);
}

TEST_CASE("bce_with_logits is finite at infinite logits where the loss is, and its gradient is never NaN") {
  Tensor x = leaf(tensor({kInf, kInf, -kInf, -kInf, 1000, -1000}));
  Tensor y = tensor({1, 0, 0, 1, 1, 0});
  Tensor pos_weight = tensor({2, 2, 2, 2, 2, 2});
  for (const Tensor& pw : {Tensor(), pos_weight}) {
    CAPTURE(pw.defined());
    x.zero_grad();
    Tensor loss = bce_with_logits(x, y, {.pos_weight = pw, .reduction = Reduction::none});
    auto l = loss.to_vector();
    CHECK(l[0] == 0.0f);  // right sign, infinitely sure
    CHECK(l[1] == kInf);  // wrong sign, infinitely sure: infinite
    CHECK(l[2] == 0.0f);
    CHECK(l[3] == kInf);
    CHECK(l[4] == 0.0f);
    CHECK(l[5] == 0.0f);
    loss.backward(ones({6}));
    auto g = x.grad().to_vector();
    const float scale = pw.defined() ? 2.0f : 1.0f;
    CHECK(g == std::vector<float>{0, 1, 0, -scale, 0, 0});  // (pw y + 1 - y) sigmoid(x) - pw y
  }
  // A mean over finite terms only stays finite.
  CHECK(bce_with_logits(tensor({kInf, -kInf}), tensor({1, 0})).item() == 0.0);
}

TEST_CASE("bce_with_logits is accurate to float precision from logit -80 to 80") {
  // Against the same formula in double with the standard library's exp and log1p.
  std::vector<float> xs, ys;
  for (int i = -160; i <= 160; ++i)
    for (float y : {0.0f, 0.3f, 1.0f}) {
      xs.push_back(float(i) * 0.5f + 0.01f * float(i % 7));
      ys.push_back(y);
    }
  const int64_t n = int64_t(xs.size());
  Tensor x = leaf(tensor(xs));
  Tensor loss = bce_with_logits(x, tensor(ys), {.pos_weight = tensor(std::vector<float>(xs.size(), 1.5f)), .reduction = Reduction::none});
  loss.backward(ones({n}));
  auto got = loss.to_vector(), grad = x.grad().to_vector();
  auto softplus = [](double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z))); };
  for (int64_t i = 0; i < n; ++i) {
    const double xi = xs[size_t(i)], yi = ys[size_t(i)], sigmoid = 1 / (1 + std::exp(-xi));
    const double want = 1.5 * yi * softplus(-xi) + (1 - yi) * softplus(xi);
    const double want_grad = (1.5 * yi + 1 - yi) * sigmoid - 1.5 * yi;
    CAPTURE(xi);
    CAPTURE(yi);
    CHECK(got[size_t(i)] == doctest::Approx(want).epsilon(2e-6).scale(0));
    CHECK(std::fabs(grad[size_t(i)] - want_grad) <= 1e-6 * std::max(1.0, std::fabs(want_grad)));
  }
}

TEST_CASE("cross_entropy is accurate to float precision for widely spread logits") {
  manual_seed(32);
  const int64_t N = 20, C = 300;
  Tensor logits = leaf(uniform({N, C}, -60, 60));
  std::vector<int64_t> t;
  for (int64_t r = 0; r < N; ++r) t.push_back((r * 37) % C);
  std::vector<double> ones_w(size_t(C), 1.0);
  for (double e : {0.0, 0.1}) {
    CAPTURE(e);
    double want = reference_cross_entropy(logits, t, -100, e, ones_w, Reduction::sum);
    CHECK(cross_entropy(logits, indices(t), {.label_smoothing = e, .reduction = Reduction::sum}).item() ==
          doctest::Approx(want).epsilon(1e-5));
  }
  // The gradient of the summed loss is softmax - onehot: compare with softmax in double.
  cross_entropy(logits, indices(t), {.reduction = Reduction::sum}).backward();
  auto x = logits.to_vector(), g = logits.grad().to_vector();
  for (int64_t r = 0; r < N; ++r) {
    double m = -1e30, z = 0;
    for (int64_t c = 0; c < C; ++c) m = std::max(m, double(x[size_t(r * C + c)]));
    for (int64_t c = 0; c < C; ++c) z += std::exp(x[size_t(r * C + c)] - m);
    for (int64_t c = 0; c < C; ++c) {
      const double want = std::exp(x[size_t(r * C + c)] - m) / z - (c == t[size_t(r)] ? 1.0 : 0.0);
      CHECK(std::fabs(g[size_t(r * C + c)] - want) <= 1e-6);
    }
  }
}

TEST_CASE("nll_loss picks minus the target's log-probability") {
  Tensor log_probs = tensor({-1, -2, -3, -0.5, -1.5, -2.5}, {2, 3});
  CHECK(nll_loss(log_probs, indices({2, 0})).item() == doctest::Approx((3 + 0.5) / 2));
  CHECK(nll_loss(log_probs, indices({2, 0}), {.weight = tensor({4, 1, 1})}).item() ==
        doctest::Approx((3 + 4 * 0.5) / 5));
  CHECK(nll_loss(log_probs, indices({2, 0}), {.ignore_index = 0, .reduction = Reduction::sum}).item() == 3.0);
}

TEST_CASE("accuracy counts argmax hits and skips ignored targets") {
  Tensor logits = tensor({0.1, 0.9, 0.0, 2.0, 1.0, 0.5, 0.3, 0.3, 0.1, 0.0, 0.0, 5.0}, {4, 3});
  CHECK(accuracy(logits, indices({1, 0, 0, 1})) == 3);  // row 2 ties: the first maximum (0) wins
  CHECK(accuracy(logits, indices({1, -100, 1, 2})) == 2);
  // The same four rows as [N=1, C=3, d=4] (classes on dim 1): column k of the class axis is row k above.
  Tensor columns = tensor({0.1, 2.0, 0.3, 0.0, 0.9, 1.0, 0.3, 0.0, 0.0, 0.5, 0.1, 5.0}, {1, 3, 4});
  CHECK(accuracy(columns, indices({1, 0, 0, 2}, {1, 4})) == 4);
  CHECK(accuracy(logits, indices({-100, -100, -100, -100})) == 0);
}

TEST_CASE("bce_with_logits weight scales each element's loss, as PyTorch's weight argument") {
  manual_seed(40);
  Tensor x = uniform({2, 3}, -3, 3), y = tensor({1, 0, 1, 0, 0, 1}, {2, 3}), w = tensor({0.5, 2, 0});
  auto plain = bce_with_logits(x, y, {.reduction = Reduction::none}).to_vector();
  auto weighted = bce_with_logits(x, y, {.weight = w, .reduction = Reduction::none}).to_vector();
  for (size_t i = 0; i < plain.size(); ++i) CHECK(weighted[i] == doctest::Approx(plain[i] * w.to_vector()[i % 3]));
  CHECK(binary_cross_entropy_with_logits(x, y, {.weight = w}).item() ==
        doctest::Approx(bce_with_logits(x, y, {.weight = w}).item()));
  CHECK(binary_cross_entropy(sigmoid(x), y).item() == doctest::Approx(bce(sigmoid(x), y).item()));
}

// ---- errors ----

TEST_CASE("cross_entropy names an out-of-range target, its position and the class count") {
  Tensor logits = zeros({6, 5});
  CHECK_THROWS_WITH_AS(cross_entropy(logits, indices({0, 1, 2, 7, 0, 0})),
                       "cross_entropy: target 7 at position [3] is out of range for 5 classes", Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({2, 5, 3}), indices({0, 1, 2, 4, -1, 0}, {2, 3})),
                       "cross_entropy: target -1 at position [1, 1] is out of range for 5 classes", Error);
  CHECK_THROWS_WITH_AS(nll_loss(logits, indices({0, 1, 2, 5, 0, 0})),
                       "nll_loss: target 5 at position [3] is out of range for 5 classes", Error);
  CHECK_NOTHROW(nll_loss(logits, indices({0, 1, 2, 5, 0, 0}), {.ignore_index = 5}));
  CHECK_THROWS_WITH_AS(accuracy(logits, indices({0, 1, 2, 9, 0, 0})),
                       "accuracy: target 9 at position [3] is out of range for 5 classes", Error);
}

TEST_CASE("cross_entropy names both shapes when logits and targets do not fit") {
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({6, 5}), indices({0, 1, 2, 3})),
                       "cross_entropy: logits [6, 5] and targets [4] do not match: expected targets [6] (classes on "
                       "dim 1, as PyTorch)",
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({2, 3, 5}), zeros({2, 4}, DType::i64)),
                       "cross_entropy: logits [2, 3, 5] and targets [2, 4] do not match: expected targets [2, 5] "
                       "(classes on dim 1, as PyTorch)",
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({5}), indices({1})),
                       "cross_entropy: logits must be [N, C], [N, C, d1, ...] or [C] with a 0-dim target, got [5]",
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(zeros({2, 3}), zeros({2})),
                       "cross_entropy: expected a int64 tensor, got float32 (shape [2])", Error);
  CHECK_THROWS_WITH_AS(nll_loss(zeros({2, 3}), indices({0, 1, 2})),
                       "nll_loss: log_probs [2, 3] and targets [3] do not match: expected targets [2] (classes on "
                       "dim 1, as PyTorch)",
                       Error);
}

TEST_CASE("cross_entropy rejects bad class weights and label_smoothing") {
  Tensor logits = zeros({2, 3});
  Tensor targets = indices({0, 2});
  CHECK_THROWS_WITH_AS(cross_entropy(logits, targets, {.weight = tensor({1, 2})}),
                       "cross_entropy: class weight has shape [2], expected [3] (one per class)", Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, targets, {.label_smoothing = 1.5}),
                       "cross_entropy: label_smoothing 1.5 is outside [0, 1]", Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, targets, {.weight = leaf(ones({3}))}),
                       "cross_entropy: weight must not require grad (no gradient flows into it); pass weight.detach()",
                       Error);
}

TEST_CASE("bce rejects probabilities outside [0, 1] and mismatched shapes") {
  CHECK_THROWS_WITH_AS(bce(tensor({0.5, 0.2, 1.5, 0}, {2, 2}), zeros({2, 2})),
                       "bce: probability 1.5 at position [1, 0] is outside [0, 1] (pass logits to bce_with_logits)",
                       Error);
  CHECK_THROWS_WITH_AS(bce(tensor({std::nanf("")}), zeros({1})),
                       "bce: probability nan at position [0] is outside [0, 1] (pass logits to bce_with_logits)",
                       Error);
  CHECK_THROWS_WITH_AS(bce(zeros({2, 2}), zeros({4})), "bce: probs [2, 2] and targets [4] must have the same shape",
                       Error);
  CHECK_THROWS_WITH_AS(bce_with_logits(zeros({3, 4}), zeros({3, 4}), {.pos_weight = ones({2, 1, 4})}),
                       "bce_with_logits: pos_weight [2, 1, 4] does not broadcast to the input's shape [3, 4]", Error);
  CHECK_THROWS_WITH_AS(
      bce_with_logits(zeros({3, 4}), leaf(zeros({3, 4}))),
      "bce_with_logits: targets must not require grad (no gradient flows into it); pass targets.detach()", Error);
}
