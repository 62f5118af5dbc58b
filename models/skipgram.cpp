#include "models/skipgram.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <numeric>
#include <thread>

#include "core/error.hpp"
#include "core/random.hpp"
#include "models/tokenize.hpp"
#include "models/vocab.hpp"

namespace tg::models {

// ---------------------------------------------------------------- the corpus

SkipGramCorpus make_skipgram_corpus(const std::vector<std::string>& lines, const SkipGramCorpusOptions& options,
                                    const std::string& source) {
  if (options.min_count < 1) fail("{}: min_count is {}, expected >= 1", source, options.min_count);
  // First pass: counts, in order of first appearance.
  StringMap<int64_t> first_id;  // word -> index into seen
  std::vector<std::pair<std::string, int64_t>> seen;
  std::vector<int64_t> tokens;  // every token as an index into seen; -1 ends a sentence
  for (const std::string& line : lines) {
    std::string_view rest = line;
    while (true) {
      size_t begin = 0;
      while (begin < rest.size() && is_ascii_space(rest[begin])) ++begin;
      if (begin == rest.size()) break;
      size_t end = begin;
      while (end < rest.size() && !is_ascii_space(rest[end])) ++end;
      std::string_view word = rest.substr(begin, end - begin);
      rest.remove_prefix(end);
      auto it = first_id.find(word);
      if (it == first_id.end()) {
        it = first_id.emplace(std::string(word), static_cast<int64_t>(seen.size())).first;
        seen.emplace_back(std::string(word), 0);
      }
      ++seen[static_cast<size_t>(it->second)].second;
      tokens.push_back(it->second);
    }
    tokens.push_back(-1);
  }
  // The vocabulary: count >= min_count, most frequent first, ties in order of first appearance.
  std::vector<int64_t> order;
  for (int64_t i = 0; i < static_cast<int64_t>(seen.size()); ++i)
    if (seen[static_cast<size_t>(i)].second >= options.min_count) order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&seen](int64_t a, int64_t b) { return seen[size_t(a)].second > seen[size_t(b)].second; });
  if (order.empty())
    fail("{}: no word occurs at least {} times (min_count), found {} distinct words in {} tokens", source,
         options.min_count, seen.size(), tokens.size() - lines.size());
  std::vector<int32_t> id_of(seen.size(), -1);
  SkipGramCorpus corpus;
  for (int64_t i : order) {
    id_of[size_t(i)] = static_cast<int32_t>(corpus.words.size());
    corpus.words.push_back(seen[size_t(i)].first);
    corpus.counts.push_back(seen[size_t(i)].second);
  }
  for (int64_t t : tokens) {
    if (t < 0) {
      if (corpus.sentence_end.empty() ? !corpus.ids.empty() : corpus.sentence_end.back() < int64_t(corpus.ids.size()))
        corpus.sentence_end.push_back(static_cast<int64_t>(corpus.ids.size()));
      continue;
    }
    ++corpus.tokens_read;
    if (id_of[size_t(t)] >= 0) corpus.ids.push_back(id_of[size_t(t)]);
  }
  return corpus;
}

SkipGramCorpus read_skipgram_corpus(const std::string& path, const SkipGramCorpusOptions& options) {
  std::ifstream in(path);
  if (!in) fail("{}: cannot open the text", path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(std::move(line));
  if (in.bad()) fail("{}: cannot read the text", path);
  if (lines.empty()) fail("{}: the text is empty, expected whitespace-separated words", path);
  return make_skipgram_corpus(lines, options, path);
}

// ---------------------------------------------------------------- training

namespace {

// fastText's tables: sigmoid on [-8, 8] and log on (0, 1], 512 steps each.
constexpr int kSigmoidTableSize = 512;
constexpr float kMaxSigmoid = 8.0f;
constexpr int kLogTableSize = 512;

struct Tables {
  std::vector<float> sigmoid, log;
  Tables() : sigmoid(kSigmoidTableSize + 1), log(kLogTableSize + 1) {
    for (int i = 0; i <= kSigmoidTableSize; ++i) {
      const double x = double(i * 2 * kMaxSigmoid) / kSigmoidTableSize - kMaxSigmoid;
      sigmoid[size_t(i)] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    }
    for (int i = 0; i <= kLogTableSize; ++i) log[size_t(i)] = static_cast<float>(std::log((double(i) + 1e-5) / kLogTableSize));
  }
  float sigmoid_of(float x) const {
    if (x < -kMaxSigmoid) return 0.0f;
    if (x > kMaxSigmoid) return 1.0f;
    return sigmoid[size_t((x + kMaxSigmoid) * kSigmoidTableSize / kMaxSigmoid / 2)];
  }
  float log_of(float x) const { return x > 1.0f ? 0.0f : log[size_t(x * kLogTableSize)]; }
};

// The unigram^0.75 noise distribution as a table of ids: id appears in proportion to count^0.75.
std::vector<int32_t> noise_table(const std::vector<int64_t>& counts) {
  constexpr double kTableSize = 1e7;
  double total = 0;
  for (int64_t c : counts) total += std::pow(double(c), 0.75);
  std::vector<int32_t> table;
  table.reserve(size_t(kTableSize) + counts.size());
  for (size_t id = 0; id < counts.size(); ++id) {
    const double share = std::pow(double(counts[id]), 0.75) / total;
    for (int64_t n = 0, copies = std::max<int64_t>(1, int64_t(share * kTableSize)); n < copies; ++n)
      table.push_back(static_cast<int32_t>(id));
  }
  return table;
}

float dot(const float* a, const float* b, int64_t dim) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t d = 0; d < dim; ++d) sum += a[d] * b[d];
  return sum;
}

void axpy(float alpha, const float* x, float* y, int64_t dim) {
#pragma omp simd
  for (int64_t d = 0; d < dim; ++d) y[d] += alpha * x[d];
}

struct Shared {
  const SkipGramCorpus& corpus;
  const SkipGramConfig& config;
  float* in;   // [V, dim]
  float* out;  // [V, dim]
  std::vector<float> keep;  // keep[id]: the probability of keeping a token of id (subsampling)
  std::vector<int32_t> noise;
  Tables tables;
  std::atomic<int64_t> words_done{0};
  int64_t words_total = 0;
  std::chrono::steady_clock::time_point start;
};

struct ThreadResult {
  double loss_sum = 0;
  int64_t examples = 0;
};

double learning_rate(const Shared& s, int64_t words_done) {
  const double lr = s.config.lr * (1.0 - double(words_done) / double(s.words_total + 1));
  return std::max(lr, s.config.lr * 1e-4);
}

// Thread `t` of `threads`: its own sentences, every epoch.
void train_thread(Shared& s, int t, ThreadResult& result, const std::function<void(const SkipGramProgress&)>& on_progress) {
  const SkipGramCorpus& corpus = s.corpus;
  const SkipGramConfig& config = s.config;
  const int64_t dim = config.dim, sentences = static_cast<int64_t>(corpus.sentence_end.size());
  const int64_t first = sentences * t / config.threads, last = sentences * (t + 1) / config.threads;
  Generator rng(config.seed * 0x9E3779B97F4A7C15ull + uint64_t(t) + 1);
  std::vector<int32_t> sentence;
  std::vector<float> grad(static_cast<size_t>(dim));  // the input row's update, summed over a centre's examples
  const uint64_t noise_size = s.noise.size();
  int64_t local_words = 0;  // read since the last report to s.words_done
  double lr = learning_rate(s, 0);
  auto report = [&](bool final) {
    int64_t done = s.words_done.fetch_add(local_words) + local_words;
    local_words = 0;
    lr = learning_rate(s, done);
    if (t != 0 || !on_progress) return;
    SkipGramProgress p;
    p.words_done = final ? s.words_total : done;
    p.words_total = s.words_total;
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.start).count();
    p.words_per_second = p.seconds > 0 ? double(done) / p.seconds : 0;
    p.loss = result.examples ? result.loss_sum / double(result.examples) : 0;
    p.lr = lr;
    p.eta_seconds = p.words_per_second > 0 ? double(s.words_total - p.words_done) / p.words_per_second : 0;
    on_progress(p);
  };
  for (int64_t epoch = 0; epoch < config.epochs; ++epoch) {
    for (int64_t i = first; i < last; ++i) {
      const int64_t begin = i == 0 ? 0 : corpus.sentence_end[size_t(i - 1)], end = corpus.sentence_end[size_t(i)];
      sentence.clear();
      for (int64_t j = begin; j < end; ++j) {
        const int32_t id = corpus.ids[size_t(j)];
        if (s.keep[size_t(id)] >= 1.0f || float(rng.uniform()) < s.keep[size_t(id)]) sentence.push_back(id);
      }
      const int64_t n = static_cast<int64_t>(sentence.size());
      for (int64_t pos = 0; pos < n; ++pos) {
        const int64_t window = 1 + static_cast<int64_t>(rng.next_u64() % uint64_t(config.window));
        float* in = s.in + int64_t(sentence[size_t(pos)]) * dim;  // the centre's vector [dim]
        for (int64_t c = std::max<int64_t>(0, pos - window); c <= std::min(n - 1, pos + window); ++c) {
          if (c == pos) continue;
          const int32_t context = sentence[size_t(c)];
          std::fill(grad.begin(), grad.end(), 0.0f);
          for (int64_t k = 0; k <= config.negative; ++k) {
            int32_t target = context;
            if (k > 0)
              do target = s.noise[rng.next_u64() % noise_size]; while (target == context && corpus.vocab_size() > 1);
            const float label = k == 0 ? 1.0f : 0.0f;
            float* out = s.out + int64_t(target) * dim;
            const float p = s.tables.sigmoid_of(dot(in, out, dim));
            const float alpha = float(lr) * (label - p);
            axpy(alpha, out, grad.data(), dim);  // grad += alpha out
            axpy(alpha, in, out, dim);           // out += alpha in
            result.loss_sum -= k == 0 ? s.tables.log_of(p) : s.tables.log_of(1.0f - p);
            ++result.examples;
          }
          axpy(1.0f, grad.data(), in, dim);  // in += grad
        }
      }
      local_words += end - begin;
      if (local_words >= 10000) report(false);
    }
  }
  report(true);
}

}  // namespace

SkipGramModel train_skipgram(const SkipGramCorpus& corpus, const SkipGramConfig& config,
                             const std::function<void(const SkipGramProgress&)>& on_progress) {
  if (config.dim < 1 || config.window < 1 || config.negative < 0 || config.epochs < 1 || config.threads < 1 ||
      !(config.lr > 0) || !(config.sample >= 0))
    fail("train_skipgram: dim {}, window {}, negative {}, epochs {}, threads {}, lr {}, sample {}: expected dim, "
         "window, epochs, threads >= 1, negative >= 0, lr > 0, sample >= 0",
         config.dim, config.window, config.negative, config.epochs, config.threads, config.lr, config.sample);
  const int64_t vocab = corpus.vocab_size(), dim = config.dim;
  if (vocab == 0) fail("train_skipgram: the corpus has no words");
  std::vector<float> in(size_t(vocab * dim)), out(size_t(vocab * dim), 0.0f);
  Generator init(config.seed);
  for (float& v : in) v = static_cast<float>((init.uniform() - 0.5) / double(dim));  // U(-0.5/dim, 0.5/dim)

  Shared shared{corpus, config, in.data(), out.data(), {}, noise_table(corpus.counts), {}, {}, 0, {}};
  const double total = double(corpus.train_words());
  shared.keep.resize(size_t(vocab));
  for (int64_t id = 0; id < vocab; ++id) {
    const double f = double(corpus.counts[size_t(id)]) / total, ratio = config.sample / f;
    shared.keep[size_t(id)] = config.sample > 0 ? static_cast<float>(std::sqrt(ratio) + ratio) : 1.0f;
  }
  shared.words_total = config.epochs * corpus.train_words();
  shared.start = std::chrono::steady_clock::now();

  std::vector<ThreadResult> results(size_t(config.threads));
  if (config.threads == 1) {
    train_thread(shared, 0, results[0], on_progress);
  } else {
    std::vector<std::thread> threads;
    for (int t = 0; t < config.threads; ++t)
      threads.emplace_back([&, t] { train_thread(shared, t, results[size_t(t)], on_progress); });
    for (auto& thread : threads) thread.join();
  }
  SkipGramModel model;
  model.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - shared.start).count();
  model.words_done = shared.words_done.load();
  model.loss = results[0].examples ? results[0].loss_sum / double(results[0].examples) : 0;
  model.vectors = make_vectors(corpus.words, std::move(in), dim, "skip-gram");
  model.output = std::move(out);
  return model;
}

}  // namespace tg::models
