#include "core/half.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define TG_HAVE_F16C_PATH 1
#endif

namespace tg {

// float -> half, round to nearest even, without branches on the common path (after F. Giesen's
// float_to_half_fast3_rtne). Works on the magnitude's bits; the sign is put back at the end.
uint16_t float_to_half(float value) {
  const uint32_t x = std::bit_cast<uint32_t>(value);
  const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  uint32_t magnitude = x & 0x7fffffffu;
  if (magnitude >= 0x7f800000u)  // inf stays inf; NaN stays a quiet NaN with the top of its payload
    return sign | (magnitude > 0x7f800000u ? uint16_t(0x7e00u | ((magnitude >> 13) & 0x3ffu)) : uint16_t(0x7c00u));
  if (magnitude >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520 rounds past 65504: inf
  if (magnitude < 0x38800000u) {
    // Below 2^-14: a subnormal half (a multiple of 2^-24) or zero. Adding 0.5 puts the value in
    // [0.5, 1), where a float's step is exactly 2^-24, so the FPU's own rounding (nearest even) does
    // the work; the low bits of the sum are then the half's mantissa (0x400 = rounded up to 2^-14).
    const float shifted = std::bit_cast<float>(magnitude) + 0.5f;
    return sign | uint16_t(std::bit_cast<uint32_t>(shifted) - 0x3f000000u);
  }
  // Normal: re-bias the exponent (127 -> 15: subtract 112 << 23) and round the 13 dropped bits to
  // nearest even (add 0xfff plus the lowest kept bit; a carry into the exponent is correct rounding).
  const uint32_t lowest_kept = (magnitude >> 13) & 1u;
  magnitude += 0xc8000fffu + lowest_kept;
  return sign | uint16_t(magnitude >> 13);
}

float half_to_float(uint16_t bits) {
  const uint32_t sign = uint32_t(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu, mantissa = bits & 0x3ffu;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));  // inf, NaN
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in float
    const float magnitude = float(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

#ifdef TG_HAVE_F16C_PATH
// Eight values at a time with F16C (vcvtps2ph / vcvtph2ps); the tail with the scalar code, which
// gives the same bits. target(): compiled for F16C even when the rest of the build is not.
__attribute__((target("avx,f16c"))) static void floats_to_half_f16c(const float* src, uint16_t* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), h);
  }
  for (; i < n; ++i) dst[i] = float_to_half(src[i]);
}
__attribute__((target("avx,f16c"))) static void half_to_floats_f16c(const uint16_t* src, float* dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  for (; i < n; ++i) dst[i] = half_to_float(src[i]);
}
// F16C from CPUID leaf 1 (clang 14's __builtin_cpu_supports does not know "f16c"); "avx" also says the
// OS saves the AVX registers.
bool has_f16c() {
  static const bool yes = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __builtin_cpu_supports("avx") && __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
  }();
  return yes;
}
#else
bool has_f16c() { return false; }
#endif

void floats_to_half(const float* src, uint16_t* dst, int64_t n) {
#ifdef TG_HAVE_F16C_PATH
  if (has_f16c()) return floats_to_half_f16c(src, dst, n);
#endif
  for (int64_t i = 0; i < n; ++i) dst[i] = float_to_half(src[i]);
}

void half_to_floats(const uint16_t* src, float* dst, int64_t n) {
#ifdef TG_HAVE_F16C_PATH
  if (has_f16c()) return half_to_floats_f16c(src, dst, n);
#endif
  for (int64_t i = 0; i < n; ++i) dst[i] = half_to_float(src[i]);
}

// bfloat16 needs no special instructions: the loops vectorise as they are.
void floats_to_bfloat16(const float* src, uint16_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = float_to_bfloat16(src[i]);
}
void bfloat16_to_floats(const uint16_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = bfloat16_to_float(src[i]);
}

}  // namespace tg
