#include "core/random.hpp"

#include <cmath>
#include <numbers>

namespace tg {

static uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void Generator::seed_(uint64_t seed) {
  for (auto& word : s_) word = splitmix64(seed);
}

double Generator::normal() {
  double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
  double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

int64_t Generator::randint(int64_t n) {
  if (n <= 0) fail("randint: the upper bound must be positive, got {}", n);
  const uint64_t bound = uint64_t(n), limit = UINT64_MAX - UINT64_MAX % bound;  // reject the biased tail
  uint64_t r;
  do r = next_u64(); while (r >= limit);
  return int64_t(r % bound);
}

Generator& default_generator() {
  thread_local Generator g;
  return g;
}

void manual_seed(uint64_t seed) { default_generator().seed_(seed); }

Tensor& uniform_(Tensor& t, double low, double high) {
  check_defined("uniform_", t);
  check_dtype("uniform_", t, DType::f32);
  Generator& g = default_generator();
  float* p = t.f32();
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) p[i] = float(low + (high - low) * g.uniform());
  return t;
}

Tensor& normal_(Tensor& t, double mean, double std) {
  check_defined("normal_", t);
  check_dtype("normal_", t, DType::f32);
  Generator& g = default_generator();
  float* p = t.f32();
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) p[i] = float(mean + std * g.normal());
  return t;
}

Tensor uniform(Shape shape, double low, double high) {
  Tensor t = empty(shape);
  uniform_(t, low, high);
  return t;
}
Tensor normal(Shape shape, double mean, double std) {
  Tensor t = empty(shape);
  normal_(t, mean, std);
  return t;
}
Tensor rand(Shape shape) { return uniform(shape, 0.0, 1.0); }
Tensor randn(Shape shape) { return normal(shape, 0.0, 1.0); }

Tensor randint(int64_t high, Shape shape) {
  Tensor t = empty(shape, DType::i64);
  int64_t* p = t.i64();
  const int64_t n = t.numel();
  for (int64_t i = 0; i < n; ++i) p[i] = default_generator().randint(high);
  return t;
}

std::vector<int64_t> randperm(int64_t n, Generator& gen) {
  std::vector<int64_t> p(size_t(std::max<int64_t>(n, 0)));
  for (int64_t i = 0; i < n; ++i) p[size_t(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[size_t(i)], p[size_t(gen.randint(i + 1))]);
  return p;  // Fisher-Yates
}

}  // namespace tg
