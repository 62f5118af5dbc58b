#pragma once
// One seeded generator for every random number tapegrad draws (init, dropout, shuffling,
// sampling), so a run is reproducible: tg::manual_seed(42) before building a model.
// The generator is xoshiro256** (4 x 64-bit state) seeded by splitmix64; its state can be saved
// and restored (for resuming training). Values do not match PyTorch's generator.
#include <array>
#include <cstdint>

#include "core/tensor.hpp"

namespace tg {

class Generator {
 public:
  explicit Generator(uint64_t seed = 5489) { seed_(seed); }
  void seed_(uint64_t seed);
  uint64_t next_u64();        // inline below: dropout draws one per element
  double uniform() { return double(next_u64() >> 11) * 0x1.0p-53; }  // [0, 1) with 53 random bits
  double normal();           // N(0, 1), Box-Muller (no cached second value: the state is all there is)
  int64_t randint(int64_t n);  // [0, n), unbiased
  std::array<uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<uint64_t, 4>& s) { s_ = s; }

 private:
  std::array<uint64_t, 4> s_{};
};

// xoshiro256** by Blackman and Vigna (public domain).
inline uint64_t Generator::next_u64() {
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

Generator& default_generator();  // the global one (thread-local)
void manual_seed(uint64_t seed);

Tensor rand(Shape shape);                           // U[0, 1)
Tensor randn(Shape shape);                          // N(0, 1)
Tensor uniform(Shape shape, double low, double high);
Tensor normal(Shape shape, double mean, double std);
Tensor randint(int64_t high, Shape shape);          // i64 in [0, high)
// A seeded permutation of 0..n-1 (Fisher-Yates), as torch.randperm(n, generator=gen).
std::vector<int64_t> randperm(int64_t n, Generator& gen = default_generator());

// In-place fills of an f32 tensor (for init; never recorded on the tape), as torch.Tensor.uniform_ /
// normal_. nn/init.hpp offers these same functions as nn::init::uniform_ / normal_.
Tensor& uniform_(Tensor& t, double low = 0.0, double high = 1.0);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0);

}  // namespace tg
