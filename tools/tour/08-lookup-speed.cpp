// Slide 8: why a table lookup is fast.
// Embedding(100000, 300) and 10,000 random ids. The embedding copies 10,000 contiguous rows of one
// array; the naive alternative, a hash map from id to its own vector, hashes each id and chases a
// pointer to a separate allocation. Both are timed the same way: the median of repeated runs.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"

namespace {

template <typename F>
double median_microseconds(F&& run, int repeats = 21) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + repeats / 2, times.end());
  return times[size_t(repeats / 2)];
}

}  // namespace

int main() {
  try {
    tg::manual_seed(0);
    const int64_t vocab = 100000, dim = 300, count = 10000;
    tg::nn::Embedding embedding(vocab, dim);
    tg::Tensor ids = tg::randint(vocab, {count});
    tg::NoGradGuard no_grad;  // lookups only, no training

    // The same table as a hash map: id -> its own vector.
    std::unordered_map<int64_t, std::vector<float>> table;
    for (int64_t v = 0; v < vocab; ++v) {
      const float* row = embedding.weight.f32() + v * dim;
      table.emplace(v, std::vector<float>(row, row + dim));
    }

    tg::Tensor out;
    const double embedding_us = median_microseconds([&] { out = embedding.forward(ids); });
    std::vector<float> map_out;
    const double map_us = median_microseconds([&] {
      map_out = std::vector<float>(size_t(count * dim));  // a new output each time, as the embedding makes
      const int64_t* id = ids.i64();
      for (int64_t j = 0; j < count; ++j)
        std::memcpy(map_out.data() + j * dim, table.at(id[j]).data(), size_t(dim) * sizeof(float));
    });
    const bool same = std::equal(map_out.begin(), map_out.end(), out.f32());

    fmt::print("{} lookups of {}-dim rows from a {}-row table (median of 21 runs):\n", count, dim, vocab);
    fmt::print("  embedding (one array):   {:8.1f} us\n", embedding_us);
    fmt::print("  hash map id -> vector:   {:8.1f} us\n", map_us);
    fmt::print("the hash map takes {:.1f}x the embedding's time; both give the same vectors: {}\n", map_us / embedding_us,
               same ? "yes" : "no");
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
