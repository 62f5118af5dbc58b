// tg-bench neighbors: exact nearest-neighbour queries on a generated 100k x 300 table (target: under
// 10 ms a query on one thread). One query is one sgemv over the normalised table plus a top-k pass;
// a batch of queries is one sgemm.
#include <cblas.h>

#include <fmt/format.h>

#include "core/random.hpp"
#include "models/similarity.hpp"
#include "tools/bench/bench.hpp"

namespace tg::bench {

int bench_neighbors(const BenchOptions& opt) {
  constexpr int64_t kVocab = 100000, kDim = 300, kK = 10, kBatch = 64;
  Generator gen(1);
  std::vector<std::string> words;
  std::vector<float> values(size_t(kVocab * kDim));
  for (int64_t i = 0; i < kVocab; ++i) words.push_back(fmt::format("w{}", i));
  for (float& v : values) v = float(gen.normal());
  models::WordVectors vectors = models::make_vectors(std::move(words), std::move(values), kDim, "generated");
  double build = seconds_of([&] { models::SimilarityIndex index(vectors); });
  models::SimilarityIndex index(vectors);
  int64_t next = 0;
  double one = median_seconds(opt, [&] { index.neighbors(vectors.words[size_t(next++ % kVocab)], kK); });
  // The floor: the same sgemv alone, reading the whole normalised table (V D 4 bytes = 120 MB) once.
  std::vector<float> scores(static_cast<size_t>(kVocab));
  double floor = median_seconds(opt, [&] {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, int(kVocab), int(kDim), 1.0f, index.unit_row(0), int(kDim),
                index.unit_row(next++ % kVocab), 1, 0.0f, scores.data(), 1);
  });
  std::vector<std::vector<int64_t>> excludes;
  for (int64_t q = 0; q < kBatch; ++q) excludes.push_back({q});
  double batch = median_seconds(opt, [&] { index.nearest(index.unit_row(0), kBatch, kK, excludes); });
  fmt::print("neighbors: [{}, {}] table, k = {}, {} thread{}\n", kVocab, kDim, kK, opt.threads, opt.threads == 1 ? "" : "s");
  fmt::print("  normalising the table (once): {:.1f} ms\n", build * 1e3);
  fmt::print("  one query (sgemv + top-k):    {:.2f} ms   (target < 10 ms)\n", one * 1e3);
  fmt::print("  the sgemv alone (the floor):   {:.2f} ms   ({:.1f} GB/s of the table)\n", floor * 1e3,
             double(kVocab * kDim * 4) / floor / 1e9);
  fmt::print("  {} queries at once (sgemm):   {:.2f} ms a query\n", kBatch, batch / kBatch * 1e3);
  return 0;
}

}  // namespace tg::bench
