// Masked pooling: PyTorch fixtures (tests/fixtures/pooling.safetensors), gradient checks with lengths
// and masks, the padding invariance (extra garbage steps change nothing) and error messages.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/pooling.hpp"
#include "tests/fixture.hpp"

using namespace tg;
using namespace tg::nn;
using tg::test::check_close;
using tg::test::Fixture;

namespace {

using PoolFn = std::function<Tensor(const Tensor&, const Tensor&)>;

struct NamedPool {
  const char* name;
  PoolFn fn;
};

const std::vector<NamedPool> kPools = {
    {"masked_sum", masked_sum}, {"masked_mean", masked_mean}, {"masked_max", masked_max}, {"last_valid", last_valid}};

Tensor leaf(const Tensor& t) {
  Tensor x = t.detach();
  x.requires_grad_();
  return x;
}

// x [B, steps, D]: x[b, t] = base[b, t] on valid steps (t < lengths[b]), `garbage` everywhere else.
Tensor padded(const Tensor& base, const std::vector<int64_t>& lengths, int64_t steps, float garbage) {
  const int64_t B = base.size(0), D = base.size(2);
  std::vector<float> x(size_t(B * steps * D), garbage);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < lengths[size_t(b)]; ++t)
      for (int64_t d = 0; d < D; ++d) x[size_t((b * steps + t) * D + d)] = float(base.at({b, t, d}));
  return leaf(tensor(x, {B, steps, D}));
}

// The 0/1 mask [B, steps] equal to lengths.
Tensor mask_of(const std::vector<int64_t>& lengths, int64_t steps) {
  std::vector<float> m;
  for (int64_t len : lengths)
    for (int64_t t = 0; t < steps; ++t) m.push_back(t < len ? 1.0f : 0.0f);
  return tensor(m, {int64_t(lengths.size()), steps});
}

}  // namespace

// ---- PyTorch fixtures ----

TEST_CASE("masked_sum, masked_mean and masked_max match PyTorch, including a length-0 row") {
  Fixture fx("pooling");
  for (auto [name, fn] : {NamedPool{"sum", masked_sum}, NamedPool{"mean", masked_mean}, NamedPool{"max", masked_max}}) {
    CAPTURE(std::string(name));
    const std::string c = name;
    Tensor x = leaf(fx[c + ".input"]);
    Tensor y = fn(x, fx[c + ".lengths"]);
    check_close(y, fx[c + ".output"]);
    y.backward(fx[c + ".grad_output"]);
    check_close(x.grad(), fx[c + ".grad.input"]);
  }
}

// ---- gradient checks ----

TEST_CASE("gradcheck: every pooling op, with lengths (one of them 0) and with a mask with holes") {
  manual_seed(41);
  Tensor lengths = indices({3, 1, 0, 4});
  Tensor mask = tensor({1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1}, {4, 4});
  for (const auto& pool : kPools)
    for (const Tensor& valid : {lengths, mask}) {
      CAPTURE(std::string(pool.name));
      CAPTURE(valid.dtype() == DType::i64);
      GradcheckResult r = gradcheck([&](auto& v) { return pool.fn(v[0], valid); }, {leaf(uniform({4, 4, 3}, -1, 1))});
      CHECK_MESSAGE(r.ok, r.report);
    }
}

// ---- the padding invariance ----

TEST_CASE("extra padding with garbage changes no pooling result and no gradient") {
  manual_seed(42);
  const int64_t B = 4, T = 3, D = 2, extra = 3;
  const std::vector<int64_t> lengths = {3, 1, 0, 2};
  Tensor base = uniform({B, T, D}, -2, 2);
  Tensor grad_output = uniform({B, D}, -1, 1);
  for (const auto& pool : kPools)
    for (float garbage : {1e6f, -1e6f, std::nanf("")})
      for (bool use_mask : {false, true}) {
        CAPTURE(std::string(pool.name));
        CAPTURE(garbage);
        CAPTURE(use_mask);
        Tensor short_x = padded(base, lengths, T, garbage), long_x = padded(base, lengths, T + extra, garbage);
        Tensor short_valid = use_mask ? mask_of(lengths, T) : indices(lengths);
        Tensor long_valid = use_mask ? mask_of(lengths, T + extra) : indices(lengths);
        Tensor short_y = pool.fn(short_x, short_valid), long_y = pool.fn(long_x, long_valid);
        CHECK(short_y.to_vector() == long_y.to_vector());
        short_y.backward(grad_output, /*retain_graph=*/true);  // both graphs share the tape
        long_y.backward(grad_output);
        for (int64_t b = 0; b < B; ++b)
          for (int64_t t = 0; t < T + extra; ++t)
            for (int64_t d = 0; d < D; ++d) {
              const double g = long_x.grad().at({b, t, d});
              if (t < lengths[size_t(b)])
                CHECK(g == short_x.grad().at({b, t, d}));
              else
                CHECK(g == 0.0);
            }
      }
}

// ---- values ----

TEST_CASE("pooling ops compute sums, means, maxima and last steps of the valid steps") {
  // x [2, 3, 2]; row 0 has 2 valid steps, row 1 has 3.
  Tensor x = tensor({1, -1, 3, 5, 100, 100, 2, 0, -4, 7, 6, 1}, {2, 3, 2});
  Tensor lengths = indices({2, 3});
  CHECK(masked_sum(x, lengths).to_vector() == std::vector<float>{4, 4, 4, 8});
  CHECK(masked_mean(x, lengths).to_vector() == std::vector<float>{2, 2, 4.0f / 3, 8.0f / 3});
  CHECK(masked_max(x, lengths).to_vector() == std::vector<float>{3, 5, 6, 7});
  CHECK(last_valid(x, lengths).to_vector() == std::vector<float>{3, 5, 6, 1});
  CHECK(masked_max(x, lengths).shape() == Shape{2, 2});
}

TEST_CASE("a mask with holes pools only its marked steps; last_valid takes the last marked one") {
  Tensor x = tensor({1, 2, 3, 4, 5, 6}, {1, 3, 2});
  Tensor mask = tensor({1, 0, 1}, {1, 3});
  CHECK(masked_sum(x, mask).to_vector() == std::vector<float>{6, 8});
  CHECK(masked_mean(x, mask).to_vector() == std::vector<float>{3, 4});
  CHECK(masked_max(x, mask).to_vector() == std::vector<float>{5, 6});
  CHECK(last_valid(x, tensor({1, 1, 0}, {1, 3})).to_vector() == std::vector<float>{3, 4});
}

TEST_CASE("lengths and the equal mask give the same results") {
  manual_seed(43);
  Tensor x = uniform({3, 4, 2}, -1, 1);
  std::vector<int64_t> lengths = {4, 0, 2};
  for (const auto& pool : kPools) {
    CAPTURE(std::string(pool.name));
    CHECK(pool.fn(x, indices(lengths)).to_vector() == pool.fn(x, mask_of(lengths, 4)).to_vector());
  }
}

TEST_CASE("a row without valid steps gives 0 and no gradient in every pooling op") {
  for (const auto& pool : kPools) {
    CAPTURE(std::string(pool.name));
    Tensor x = leaf(full({2, 3, 2}, 5.0));
    Tensor y = pool.fn(x, indices({0, 3}));
    CHECK(y.at({0, 0}) == 0.0);
    CHECK(y.at({0, 1}) == 0.0);
    y.backward(ones({2, 2}));
    for (int64_t t = 0; t < 3; ++t) CHECK(x.grad().at({0, t, 0}) == 0.0);
  }
}

TEST_CASE("a padded step's gradient is exactly 0 in every pooling op, even for an infinite upstream gradient") {
  for (const auto& pool : kPools) {
    CAPTURE(std::string(pool.name));
    Tensor x = leaf(tensor({1, 2, 3, 4, 5, 6}, {1, 3, 2}));
    Tensor y = pool.fn(x, indices({2}));  // step 2 is padding
    y.backward(tensor({INFINITY, -INFINITY}, {1, 2}));
    CHECK(x.grad().at({0, 2, 0}) == 0.0);
    CHECK(x.grad().at({0, 2, 1}) == 0.0);
  }
}

TEST_CASE("masked_max sends the gradient to the first maximum and propagates NaN like torch.max") {
  Tensor x = leaf(tensor({2, 1, 2, 3, 0, std::nanf("")}, {1, 3, 2}));
  Tensor y = masked_max(x, indices({3}));
  CHECK(y.at({0, 0}) == 2.0);
  CHECK(std::isnan(y.at({0, 1})));
  y.backward(ones({1, 2}));
  CHECK(x.grad().to_vector() == std::vector<float>{1, 0, 0, 0, 0, 1});
}

// ---- errors ----

TEST_CASE("pooling names bad lengths, masks and shapes") {
  Tensor x = zeros({4, 5, 3});
  CHECK_THROWS_WITH_AS(masked_mean(x, indices({5, 7, 1, 1})),
                       "masked_mean: length 7 at position [1] is greater than T=5 of x [4, 5, 3]", Error);
  CHECK_THROWS_WITH_AS(masked_sum(x, indices({5, 2, -1, 1})), "masked_sum: length -1 at position [2] is negative",
                       Error);
  CHECK_THROWS_WITH_AS(masked_max(x, indices({5, 2, 1})),
                       "masked_max: lengths has shape [3], expected [4] (one per row of x [4, 5, 3])", Error);
  CHECK_THROWS_WITH_AS(last_valid(x, ones({4})),
                       "last_valid: mask has shape [4], expected [4, 5] (the [B, T] of x [4, 5, 3])", Error);
  CHECK_THROWS_WITH_AS(masked_mean(zeros({2, 2, 1}), tensor({1, 0.5, 1, 0}, {2, 2})),
                       "masked_mean: mask value 0.5 at position [0, 1] is not 0 or 1", Error);
  CHECK_THROWS_WITH_AS(masked_mean(zeros({4, 5}), indices({1, 1, 1, 1})),
                       "masked_mean: x must be [B, T, D], got [4, 5]", Error);
  CHECK_THROWS_WITH_AS(masked_sum(zeros({1, 1, 1}, DType::i64), indices({1})),
                       "masked_sum: expected a float32 tensor, got int64 (shape [1, 1, 1])", Error);
}
