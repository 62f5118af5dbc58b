// float16 / bfloat16 conversion (core/half.hpp), Tensor::to between dtypes, and int8 per-row
// quantisation (core/quantize.hpp).
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/format.hpp"
#include "core/half.hpp"
#include "core/ops.hpp"
#include "core/quantize.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"
#include "tests/scratch.hpp"

using tg::test::error_of;

namespace {
bool is_half_nan(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0; }
}  // namespace

TEST_CASE("float16: exactly representable values convert to their bit patterns and back") {
  struct Case { float value; uint16_t bits; };
  const Case cases[] = {
      {0.0f, 0x0000},    {-0.0f, 0x8000},   {1.0f, 0x3c00},   {-2.0f, 0xc000},
      {0.5f, 0x3800},    {65504.0f, 0x7bff},                   // the largest half
      {0x1p-14f, 0x0400},                                      // the smallest normal
      {0x1p-24f, 0x0001}, {0x3ffp-24f, 0x03ff},                // the smallest and largest subnormals
      {1.0f + 0x1p-10f, 0x3c01},                               // one step above 1
  };
  for (const Case& c : cases) {
    CAPTURE(c.value);
    CHECK(tg::float_to_half(c.value) == c.bits);
    CHECK(std::bit_cast<uint32_t>(tg::half_to_float(c.bits)) == std::bit_cast<uint32_t>(c.value));
  }
}

TEST_CASE("float16: rounding is to nearest, ties to even") {
  CHECK(tg::float_to_half(1.0f + 0x1p-11f) == 0x3c00);                // halfway, 1 is even: down
  CHECK(tg::float_to_half(1.0f + 3 * 0x1p-11f) == 0x3c02);            // halfway, 1+2^-10 is odd: up
  CHECK(tg::float_to_half(1.0f + 0x1p-11f + 0x1p-20f) == 0x3c01);     // above halfway: up
  CHECK(tg::float_to_half(2.0f - 0x1p-11f) == 0x4000);                // tie, odd below: up into the next binade
  CHECK(tg::float_to_half(0x1p-25f) == 0x0000);                       // half the smallest subnormal, tie: to 0
  CHECK(tg::float_to_half(0x1.8p-24f) == 0x0002);                     // 1.5 subnormal steps, tie: to 2 (even)
  CHECK(tg::float_to_half(0x1p-25f + 0x1p-35f) == 0x0001);            // just above the tie: up
  CHECK(tg::float_to_half(0x3ff.8p-24f) == 0x0400);                   // the largest subnormal rounds up to normal
  CHECK(tg::float_to_half(1e-10f) == 0x0000);
  CHECK(tg::float_to_half(-1e-10f) == 0x8000);                        // underflow keeps the sign
}

TEST_CASE("float16: overflow, infinities and NaN") {
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(tg::float_to_half(65519.0f) == 0x7bff);  // below the midpoint to 65536: stays finite
  CHECK(tg::float_to_half(65520.0f) == 0x7c00);  // the midpoint, ties to even: inf
  CHECK(tg::float_to_half(1e10f) == 0x7c00);
  CHECK(tg::float_to_half(-1e10f) == 0xfc00);
  CHECK(tg::float_to_half(inf) == 0x7c00);
  CHECK(tg::float_to_half(-inf) == 0xfc00);
  CHECK(std::isinf(tg::half_to_float(0x7c00)));
  CHECK(is_half_nan(tg::float_to_half(std::numeric_limits<float>::quiet_NaN())));
  CHECK(is_half_nan(tg::float_to_half(std::bit_cast<float>(0x7f800001u))));  // a NaN whose payload is below half's bits
  CHECK(std::isnan(tg::half_to_float(0x7e00)));
  CHECK(std::isnan(tg::half_to_float(0xfc01)));
}

TEST_CASE("float16: every one of the 65536 bit patterns survives half -> float -> half") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = tg::half_to_float(uint16_t(h));
    const uint16_t back = tg::float_to_half(f);
    if (is_half_nan(uint16_t(h))) {
      CHECK(is_half_nan(back));
      continue;
    }
    if (back != h) FAIL_CHECK("pattern " << h << " came back as " << back);
  }
}

TEST_CASE("the array conversions (F16C where available) agree with the scalar code bit for bit") {
  tg::manual_seed(7);
  tg::Tensor x = tg::randn({1003});  // not a multiple of 8: the tail goes through the scalar code
  std::vector<float> values = x.to_vector();
  for (float scale : {1e-6f, 1e-3f, 1.0f, 1e4f, 1e6f})
    for (float v : x.to_vector()) values.push_back(v * scale);
  values.insert(values.end(), {0.0f, -0.0f, 65520.0f, 1e-8f, std::numeric_limits<float>::infinity(),
                               1.0f + 0x1p-11f, 0x1.8p-24f});
  const int64_t n = int64_t(values.size());
  std::vector<uint16_t> half(values.size()), bf(values.size());
  tg::floats_to_half(values.data(), half.data(), n);
  tg::floats_to_bfloat16(values.data(), bf.data(), n);
  std::vector<float> back(values.size());
  tg::half_to_floats(half.data(), back.data(), n);
  int differences = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    differences += half[i] != tg::float_to_half(values[i]);
    differences += std::bit_cast<uint32_t>(back[i]) != std::bit_cast<uint32_t>(tg::half_to_float(half[i]));
    differences += bf[i] != tg::float_to_bfloat16(values[i]);
  }
  MESSAGE("F16C in use: " << std::string(tg::has_f16c() ? "yes" : "no"));
  CHECK(differences == 0);
}

TEST_CASE("float16 and bfloat16 keep the relative error within 2^-11 and 2^-8") {
  tg::manual_seed(3);
  const tg::Tensor x = tg::randn({10000});
  const std::vector<float> half = x.to(tg::DType::f16).to(tg::DType::f32).to_vector();
  const std::vector<float> bf = x.to(tg::DType::bf16).to(tg::DType::f32).to_vector();
  const std::vector<float> exact = x.to_vector();
  double worst_half = 0, worst_bf = 0;
  for (size_t i = 0; i < exact.size(); ++i) {
    if (std::fabs(exact[i]) < 0x1p-14f) continue;  // subnormal halves have an absolute error bound instead
    worst_half = std::max(worst_half, std::fabs(double(half[i]) - exact[i]) / std::fabs(exact[i]));
    worst_bf = std::max(worst_bf, std::fabs(double(bf[i]) - exact[i]) / std::fabs(exact[i]));
  }
  CHECK(worst_half <= std::ldexp(1.0, -11));
  CHECK(worst_bf <= std::ldexp(1.0, -8));
  CHECK(worst_half > std::ldexp(1.0, -13));  // it does round: the bound is not vacuous
}

TEST_CASE("bfloat16: exact values, rounding to nearest even, infinities and NaN") {
  CHECK(tg::float_to_bfloat16(1.0f) == 0x3f80);
  CHECK(tg::float_to_bfloat16(-5.0f) == 0xc0a0);
  CHECK(tg::bfloat16_to_float(0x3e20) == 0.15625f);
  CHECK(tg::float_to_bfloat16(1.0f + 0x1p-8f) == 0x3f80);             // tie, 1 is even: down
  CHECK(tg::float_to_bfloat16(1.0f + 3 * 0x1p-8f) == 0x3f82);         // tie, odd: up
  CHECK(tg::float_to_bfloat16(std::numeric_limits<float>::max()) == 0x7f80);  // rounds up to inf
  CHECK(tg::float_to_bfloat16(std::numeric_limits<float>::denorm_min()) == 0x0000);
  CHECK(tg::float_to_bfloat16(0x1p-130f) == 0x0008);                   // a subnormal float keeps its top bits
  const uint16_t nan = tg::float_to_bfloat16(std::bit_cast<float>(0x7f800001u));  // payload only in the low bits
  CHECK(std::isnan(tg::bfloat16_to_float(nan)));
}

TEST_CASE("Tensor::to converts between dtypes and keeps shapes") {
  tg::Tensor x = tg::tensor({1.5f, -2.25f, 3.0f, 100.7f}, {2, 2});
  CHECK(x.to(tg::DType::f32).impl() == x.impl());  // already f32: the same tensor
  tg::Tensor h = x.to(tg::DType::f16);
  CHECK(h.dtype() == tg::DType::f16);
  CHECK(h.shape() == x.shape());
  CHECK(h.nbytes() == 8);
  CHECK(h.at({0, 1}) == -2.25);
  CHECK(h.to(tg::DType::f32).to_vector() == std::vector<float>{1.5f, -2.25f, 3.0f, 100.6875f});
  CHECK(x.to(tg::DType::bf16).to(tg::DType::f32).to_vector() == std::vector<float>{1.5f, -2.25f, 3.0f, 100.5f});
  CHECK(x.to(tg::DType::i64).to_indices() == std::vector<int64_t>{1, -2, 3, 100});
  CHECK(tg::tensor({300.0f, -300.0f, -7.9f}).to(tg::DType::i8).to_vector() == std::vector<float>{127, -128, -7});
  CHECK(h.to(tg::DType::bf16).dtype() == tg::DType::bf16);
  CHECK(tg::full({3}, 0.1, tg::DType::f16).f16()[2] == tg::float_to_half(0.1f));
}

TEST_CASE("ops refuse reduced-precision tensors with an error naming the op and the dtype") {
  tg::Tensor h = tg::ones({2, 2}).to(tg::DType::f16);
  tg::Tensor b = tg::ones({2, 2}).to(tg::DType::bf16);
  CHECK(error_of([&] { tg::matmul(h, h); }).find("float16") != std::string::npos);
  CHECK(error_of([&] { tg::add(b, b); }).find("bfloat16") != std::string::npos);
  CHECK(error_of([&] { tg::exp(h); }).find("exp") != std::string::npos);
  CHECK(error_of([&] { (void)h.f32(); }).find("float16") != std::string::npos);
  CHECK(error_of([&] { tg::ones({2}).to(tg::DType::i8).requires_grad_(); }).find("int8") != std::string::npos);
  h.requires_grad_();  // a float16 leaf may require grad (a half embedding table)
  CHECK(h.requires_grad());
}

TEST_CASE("set_data changes a tensor's dtype in place, keeping every handle and requires_grad") {
  tg::Tensor w = tg::tensor({1, 2, 3}).requires_grad_();
  tg::Tensor alias = w;
  w.set_data(w.to(tg::DType::f16));
  CHECK(alias.dtype() == tg::DType::f16);
  CHECK(alias.requires_grad());
  CHECK(alias.to_vector() == std::vector<float>{1, 2, 3});
  CHECK(error_of([&] { w.set_data(tg::zeros({4})); }).find("shape") != std::string::npos);
  CHECK(error_of([&] { w.set_data(tg::zeros({3}, tg::DType::i8)); }).find("requires grad") != std::string::npos);
}

TEST_CASE("int8 per-row quantisation: scale = max|row| / 127, error at most scale / 2") {
  tg::manual_seed(11);
  tg::Tensor table = tg::randn({50, 37});
  std::fill_n(table.f32() + 5 * 37, 37, 0.0f);  // an all-zero row
  tg::QuantizedRows q = tg::quantize_per_row(table);
  CHECK(q.values.dtype() == tg::DType::i8);
  CHECK(q.values.shape() == tg::Shape({50, 37}));
  CHECK(q.scales.shape() == tg::Shape({50}));
  tg::Tensor back = tg::dequantize_per_row(q.values, q.scales);
  for (int64_t r = 0; r < 50; ++r) {
    float largest = 0;
    for (int64_t e = 0; e < 37; ++e) largest = std::max(largest, std::fabs(table.f32()[r * 37 + e]));
    CHECK(q.scales.f32()[r] == doctest::Approx(largest / 127).epsilon(1e-6));
    int at_extreme = 0;
    for (int64_t e = 0; e < 37; ++e) {
      const int64_t i = r * 37 + e;
      CHECK(std::fabs(back.f32()[i] - table.f32()[i]) <= q.scales.f32()[r] / 2 * (1 + 1e-5f) + 1e-30f);
      at_extreme += std::abs(q.values.i8()[i]) == 127;
    }
    if (largest > 0) CHECK(at_extreme >= 1);  // the largest element uses the full range
  }
  CHECK(q.scales.f32()[5] == 0.0f);
  CHECK(error_of([&] { tg::quantize_per_row(tg::zeros({3})); }).find("2-D") != std::string::npos);
  CHECK(error_of([&] { tg::quantize_per_row(tg::full({2, 2}, NAN)); }).find("finite") != std::string::npos);
}

TEST_CASE("reduced-precision tensors print their values and their dtype") {
  CHECK(tg::to_string(tg::tensor({1.5f, -2.0f}).to(tg::DType::f16)) == "tensor([ 1.5000, -2.0000], shape=[2], dtype=float16)");
  CHECK(tg::to_string(tg::tensor({1.0f}).to(tg::DType::bf16)).find("dtype=bfloat16") != std::string::npos);
  CHECK(tg::to_string(tg::tensor({3.0f, -4.0f}).to(tg::DType::i8)) == "tensor([ 3, -4], shape=[2], dtype=int8)");
}
