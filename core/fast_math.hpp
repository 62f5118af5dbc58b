#pragma once
// The one home of the float math that the kernels inline: exp, log1p, sigmoid and tanh written so the
// compiler vectorises the loops that call them (glibc's expf, log1pf and tanhf are scalar calls), and an
// exact division by a loop's constant without the divider.
// Cephes' single-precision algorithms. Used by the sigmoid and tanh ops, the LSTM's gates and the
// losses. (Internal: not an installed header. tg::exp and tg::log keep glibc's, whose edge cases,
// exp(100) = inf, are PyTorch's; fast_exp clamps instead.)
#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>

namespace tg::detail {

// exp(x) = 2^n exp(r) with x = n ln2 + r, |r| <= ln2 / 2; exp(r) by a degree-6 polynomial, 2^n written
// straight into the exponent bits. Relative error below 1e-7 on [-87.3, 88.3]; x is clamped to that range.
inline float fast_exp(float x) {
  x = std::min(std::max(x, -87.3f), 88.3f);
  // n = round(x / ln2): adding and subtracting 1.5 * 2^23 rounds to an integer (a floor would not vectorise).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;  // ln2 in two parts, so n * part is exact
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float exp_r = p * r * r + r + 1.0f;
  return exp_r * std::bit_cast<float>((int32_t(n) + 127) << 23);
}

// e^x for x <= 0 (NaN stays NaN); 0 below -87, where float would underflow. fast_exp never sees the
// NaN: it gets the clamped value, and the NaN is passed through after.
inline float exp_nonpositive(float x) {
  const float e = fast_exp(x >= -87.0f ? x : -87.0f);
  return x >= -87.0f ? e : (x < -87.0f ? 0.0f : x);
}

// log(1 + u) for u in [0, 1] (NaN stays NaN), within ~2 ulp.
inline float log1p_unit(float u) {
  const float w = 1.0f + u;  // in [1, 2]; log w = e ln2 + log(1 + x), x in [-0.29, 0.42]
  const bool upper = w > 1.41421356f;
  const float x = upper ? 0.5f * w - 1.0f : w - 1.0f, e = upper ? 1.0f : 0.0f;
  const float z = x * x;
  float poly = 7.0376836292e-2f;
  poly = poly * x - 1.1514610310e-1f;
  poly = poly * x + 1.1676998740e-1f;
  poly = poly * x - 1.2420140846e-1f;
  poly = poly * x + 1.4249322787e-1f;
  poly = poly * x - 1.6668057665e-1f;
  poly = poly * x + 2.0000714765e-1f;
  poly = poly * x - 2.4999993993e-1f;
  poly = poly * x + 3.3333331174e-1f;
  const float log_w = x + (poly * x * z - 0.5f * z - e * 2.12194440e-4f) + e * 0.693359375f;
  // 1 + u was rounded; log w * u / (w - 1) corrects for it (Goldberg), and w == 1 means log1p(u) = u.
  return w == 1.0f ? u : log_w * (u / (w - 1.0f));
}

// sigmoid(x) = 1 / (1 + e^-x), never exp of a large positive number: e = e^-|x|, then 1 / (1 + e) for
// x >= 0 and e / (1 + e) below. Exact 0 and 1 at the far ends; NaN stays NaN.
inline float sigmoid(float x) {
  const float e = exp_nonpositive(-std::fabs(x));
  return x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

// tanh(x): an odd polynomial for |x| < 0.625 (where 1 - 2 / (e^2x + 1) would lose relative precision),
// 1 - 2 / (e^2|x| + 1) with x's sign elsewhere. Relative error below 2e-7; +-1 at the far ends.
inline float tanh(float x) {
  const float s = x * x;
  float p = -5.70498872745e-3f;
  p = p * s + 2.06390887954e-2f;
  p = p * s - 5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s - 3.33332819422e-1f;
  const float near_zero = p * s * x + x;
  const float away = std::copysign(1.0f - 2.0f / (fast_exp(2.0f * std::fabs(x)) + 1.0f), x);
  return std::fabs(x) < 0.625f ? near_zero : away;
}

// The LSTM's gate activations, sigmoid (scale 1) and tanh (scale 2), in one formula:
//   scale * sigmoid(scale * x) + 1 - scale:   scale 1: sigmoid(x);   scale 2: 2 sigmoid(2x) - 1 = tanh(x).
// sigmoid here is plainly 1 / (1 + e^-x) with fast_exp's clamp (no select between two forms): a row of
// gates costs 25% less than with sigmoid() and tanh() above. Within 3 ulp of sigmoid() for x > -87 (below,
// about 1e-38 instead of 0); the tanh has an absolute error below 2.4e-7 (not a relative one near 0:
// use tanh() where that matters). NaN stays NaN.
inline float gate_activation(float x, float scale) {
  return scale / (1.0f + fast_exp(-scale * x)) + (1.0f - scale);
}

// x / c with the same bits as the division, for a divisor c fixed over a loop and its reciprocal
// reciprocal_c = 1.0f / c (rounded once, outside the loop). The divider is the slowest unit of the core: a
// vector divide costs about 5 cycles per 8 floats, where this costs a product and two FMAs (a half cycle).
// q = x * reciprocal_c is within about an ulp of x / c, and the residual x - q c is exact with an FMA, so
// one correction q + residual * reciprocal_c rounds to the correctly rounded quotient (Markstein's
// theorem; checked in tests/core over every float mantissa for 19 divisors). Holds for x = 0 and for
// finite x of magnitude above 2^-100 (no residual underflows); an infinite x would make the residual NaN,
// so it takes q as it is (inf). Without hardware FMA (std::fma a library call), it divides.
inline float divide_by(float x, float c, float reciprocal_c) {
#ifdef __FMA__
  const float q = x * reciprocal_c;
  const float corrected = std::fma(std::fma(-q, c, x), reciprocal_c, q);
  return std::fabs(q) <= FLT_MAX ? corrected : q;
#else
  (void)reciprocal_c;
  return x / c;
#endif
}

}  // namespace tg::detail
