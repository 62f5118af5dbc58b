#pragma once
// float16 (IEEE binary16) and bfloat16: 16-bit floats stored as uint16_t bit patterns.
//
//   float16:  1 sign, 5 exponent (bias 15), 10 mantissa bits. Largest 65504, smallest normal 2^-14,
//             subnormals down to 2^-24; about 3 decimal digits (relative step 2^-10, rounding 2^-11).
//   bfloat16: the top 16 bits of a float32: 1 sign, 8 exponent, 7 mantissa bits. The range of float32,
//             about 2 decimal digits (relative rounding error 2^-8).
//
// float -> half rounds to nearest, ties to even (as the hardware and PyTorch do); too large a value
// becomes inf, NaN stays NaN (quiet), values below half's range become subnormals or zero.
// half -> float is exact. The array forms use the CPU's F16C instructions when it has them (checked
// once at run time), else the portable scalar code below; both give the same bits.
#include <bit>
#include <cstdint>

namespace tg {

// ---- one value (portable) ----
uint16_t float_to_half(float value);
float half_to_float(uint16_t bits);

inline float bfloat16_to_float(uint16_t bits) { return std::bit_cast<float>(uint32_t(bits) << 16); }
inline uint16_t float_to_bfloat16(float value) {
  const uint32_t x = std::bit_cast<uint32_t>(value);
  if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x0040u);  // NaN: keep it a quiet NaN
  // Round to nearest even: add 0x7fff plus the lowest kept bit, then drop the low 16 bits.
  return uint16_t((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// ---- arrays: n values from src to dst ----
void floats_to_half(const float* src, uint16_t* dst, int64_t n);
void half_to_floats(const uint16_t* src, float* dst, int64_t n);
void floats_to_bfloat16(const float* src, uint16_t* dst, int64_t n);
void bfloat16_to_floats(const uint16_t* src, float* dst, int64_t n);

// Whether floats_to_half / half_to_floats use F16C on this machine.
bool has_f16c();

}  // namespace tg
