#pragma once
// e^x the compiler can vectorise (glibc's expf is a scalar call), for the loops of the LSTM gates and
// the losses. Cephes' single-precision algorithm. (Internal: not an installed header.)
#include <algorithm>
#include <bit>
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

}  // namespace tg::detail
