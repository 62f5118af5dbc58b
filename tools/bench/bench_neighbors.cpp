// tg-bench neighbors: exact nearest-neighbour queries on a generated 100k x 300 table (target: under
// 10 ms a query on one thread). One query is one pass over the table, a float16 copy of the unit rows
// (60 MB) where the CPU has F16C/AVX2/FMA, else one float32 sgemv (120 MB), then a top-k pass and the
// exact re-score of the few rows near the k-th. Both indexes are built and timed query by query in
// turn (float32, float16, the bare sgemv), so a busy machine slows them alike and each query finds
// its table evicted by the others' passes (read from memory); then each alone, query after query,
// where a table that fits the CPU's last-level cache stays there. A batch of queries is one sgemm.
#include <cblas.h>
#include <time.h>

#include <memory>

#include <fmt/format.h>

#include "core/process_memory.hpp"
#include "core/random.hpp"
#include "models/similarity.hpp"
#include "tools/bench/bench.hpp"

namespace tg::bench {

namespace {

// CPU seconds this process has used (all its threads): unlike wall time, not inflated while the
// machine is busy and the query waits for a core.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// Wall and CPU seconds of one call of f.
std::pair<double, double> wall_and_cpu(const std::function<void()>& f) {
  const double cpu = cpu_seconds();
  const double wall = seconds_of(f);
  return {wall, cpu_seconds() - cpu};
}

}  // namespace

int bench_neighbors(const BenchOptions& opt) {
  constexpr int64_t kVocab = 100000, kDim = 300, kK = 10, kBatch = 64;
  Generator gen(1);
  std::vector<std::string> words;
  std::vector<float> values(size_t(kVocab * kDim));
  for (int64_t i = 0; i < kVocab; ++i) words.push_back(fmt::format("w{}", i));
  for (float& v : values) v = float(gen.normal());
  models::WordVectors vectors = models::make_vectors(std::move(words), std::move(values), kDim, "generated");
  const int64_t rss_start = resident_memory_bytes();
  double build_plain = 0, build_fast = 0;
  std::unique_ptr<models::SimilarityIndex> plain, fast;
  build_plain = seconds_of(
      [&] {
        plain = std::make_unique<models::SimilarityIndex>(vectors, models::SimilarityOptions{.float16_scan = false});
      });
  const int64_t rss_plain = resident_memory_bytes();
  build_fast = seconds_of([&] { fast = std::make_unique<models::SimilarityIndex>(vectors); });
  const int64_t rss_fast = resident_memory_bytes();

  // Interleaved: each round times one query of each kind, on the same word.
  std::vector<double> plain_times, fast_times, floor_times, plain_cpu, fast_cpu;
  std::vector<float> scores(static_cast<size_t>(kVocab));
  int64_t same = 0, queries = 0;
  for (int round = 0; round < opt.warmup + opt.runs; ++round) {
    const std::string& word = vectors.words[size_t((round * 7919) % kVocab)];
    std::vector<models::Neighbor> a, b;
    const auto [t_plain, c_plain] = wall_and_cpu([&] { a = plain->neighbors(word, kK); });
    const auto [t_fast, c_fast] = wall_and_cpu([&] { b = fast->neighbors(word, kK); });
    // The floor of the float32 path: the same sgemv alone, reading the whole table once.
    const double t_floor = seconds_of([&] {
      cblas_sgemv(CblasRowMajor, CblasNoTrans, int(kVocab), int(kDim), 1.0f, vectors.values.data(), int(kDim),
                  vectors.row(round % kVocab), 1, 0.0f, scores.data(), 1);
    });
    bool equal = a.size() == b.size();
    for (size_t i = 0; equal && i < a.size(); ++i) equal = a[i].id == b[i].id && a[i].similarity == b[i].similarity;
    same += equal;
    ++queries;
    if (round < opt.warmup) continue;
    plain_times.push_back(t_plain);
    fast_times.push_back(t_fast);
    floor_times.push_back(t_floor);
    plain_cpu.push_back(c_plain);
    fast_cpu.push_back(c_fast);
  }
  int64_t next = 0;
  auto some_word = [&] { return vectors.words[size_t((next++ * 7919) % kVocab)]; };
  const double alone_fast = median_seconds(opt, [&] { fast->neighbors(some_word(), kK); });
  const double alone_plain = median_seconds(opt, [&] { plain->neighbors(some_word(), kK); });
  std::vector<std::vector<int64_t>> excludes;
  for (int64_t q = 0; q < kBatch; ++q) excludes.push_back({q});
  double batch = median_seconds(opt, [&] { plain->nearest(vectors.values.data(), kBatch, kK, excludes); });

  const double one_plain = median(plain_times), one_fast = median(fast_times), floor = median(floor_times);
  auto mb = [](int64_t bytes) { return double(bytes) / 1e6; };
  fmt::print("neighbors: [{}, {}], k = {}, {} thread{}, median of {} interleaved runs:\n", kVocab, kDim, kK,
             opt.threads, opt.threads == 1 ? "" : "s", opt.runs);
  fmt::print("  float32 index: built in {:.0f} ms, +{:.1f} MB resident (1 / norm of each row)\n", build_plain * 1e3,
             mb(rss_plain - rss_start));
  fmt::print("  float16 index: built in {:.0f} ms, +{:.1f} MB resident (+ float16 unit rows){}\n",
             build_fast * 1e3, mb(rss_fast - rss_plain), fast->scans_float16() ? "" : " [no F16C/AVX2/FMA: not used]");
  fmt::print("  a query, float16 scan + exact re-score: {:.2f} ms (CPU {:.2f} ms; target < 10)\n",
             one_fast * 1e3, median(fast_cpu) * 1e3);
  fmt::print("  a query, float32 sgemv + exact re-score: {:.2f} ms (CPU {:.2f} ms)\n", one_plain * 1e3,
             median(plain_cpu) * 1e3);
  fmt::print("  the float32 sgemv alone:                 {:.2f} ms ({:.1f} GB/s of the table)\n", floor * 1e3,
             double(kVocab * kDim * 4) / floor / 1e9);
  fmt::print("  float16 / float32 time: {:.3f}; the same ids and scores in {} of {} queries\n",
             one_fast / one_plain, same, queries);
  fmt::print("  each alone, query after query: float16 {:.2f} ms, float32 {:.2f} ms ({:.3f})\n", alone_fast * 1e3,
             alone_plain * 1e3, alone_fast / alone_plain);
  fmt::print("  {} queries at once (float32 sgemm): {:.2f} ms a query\n", kBatch, batch / kBatch * 1e3);
  return 0;
}

}  // namespace tg::bench
