#include "models/batching.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/ranges.h>

#include "core/error.hpp"

namespace tg::models {

std::vector<EncodedExample> encode_examples(const std::vector<Example>& examples, const Vocab& vocab,
                                            const LabelSet& labels, const Preprocessing& preprocessing,
                                            const std::string& source, const std::string& labels_from) {
  std::vector<EncodedExample> encoded;
  encoded.reserve(examples.size());
  for (const Example& example : examples) {
    if (!labels.contains(example.label))
      fail("{}: label '{}' is not one of {}: {}", source, example.label, labels_from, fmt::join(labels.names(), ", "));
    encoded.push_back({text_ids(example.text, vocab, preprocessing), labels.index(example.label)});
  }
  return encoded;
}

TrainValid split_train_valid(const std::vector<Example>& examples, double valid_fraction, uint64_t seed) {
  if (!(valid_fraction >= 0 && valid_fraction < 1))
    fail("split: valid fraction {} is out of range, expected a number in [0, 1)", valid_fraction);
  int64_t n = static_cast<int64_t>(examples.size());
  int64_t n_valid = std::llround(valid_fraction * n);
  if (valid_fraction > 0) n_valid = std::max<int64_t>(n_valid, 1);
  if (n_valid >= n)
    fail("split: valid fraction {} of {} examples leaves no training examples", valid_fraction, n);
  Generator gen(seed);
  std::vector<int64_t> order = randperm(n, gen);
  TrainValid split;
  for (int64_t k = 0; k < n; ++k) (k < n_valid ? split.valid : split.train).push_back(examples[order[k]]);
  return split;
}

Batch make_batch(const std::vector<EncodedExample>& examples, std::span<const int64_t> rows) {
  int64_t batch = static_cast<int64_t>(rows.size()), longest = 1;
  for (int64_t row : rows) longest = std::max<int64_t>(longest, examples[row].ids.size());
  std::vector<int64_t> tokens(batch * longest, Vocab::kPad), lengths, labels;
  for (int64_t b = 0; b < batch; ++b) {
    const EncodedExample& example = examples[rows[b]];
    std::copy(example.ids.begin(), example.ids.end(), tokens.begin() + b * longest);
    lengths.push_back(static_cast<int64_t>(example.ids.size()));
    labels.push_back(example.label);
  }
  return {indices(std::move(tokens), {batch, longest}), indices(std::move(lengths), {batch}),
          indices(std::move(labels), {batch}), std::vector<int64_t>(rows.begin(), rows.end())};
}

namespace {

void check_batch_size(const char* op, int64_t batch_size) {
  if (batch_size < 1) fail("{}: batch size must be at least 1, got {}", op, batch_size);
}

// Sorts order[begin, end) by example length; equal lengths keep their order.
void sort_by_length(const std::vector<EncodedExample>& examples, std::vector<int64_t>& order, size_t begin,
                    size_t end) {
  std::stable_sort(order.begin() + begin, order.begin() + end,
                   [&](int64_t a, int64_t b) { return examples[a].ids.size() < examples[b].ids.size(); });
}

// Consecutive runs of batch_size entries of `order` (the last one may be shorter).
std::vector<std::span<const int64_t>> cut(const std::vector<int64_t>& order, int64_t batch_size) {
  std::vector<std::span<const int64_t>> runs;
  for (size_t start = 0; start < order.size(); start += batch_size)
    runs.emplace_back(order.data() + start, std::min<size_t>(batch_size, order.size() - start));
  return runs;
}

}  // namespace

std::vector<Batch> shuffled_batches(const std::vector<EncodedExample>& examples, int64_t batch_size,
                                    Generator& gen, int64_t bucket_batches) {
  check_batch_size("shuffled_batches", batch_size);
  if (bucket_batches < 1) fail("shuffled_batches: bucket_batches must be at least 1, got {}", bucket_batches);
  std::vector<int64_t> order = randperm(static_cast<int64_t>(examples.size()), gen);
  size_t chunk = static_cast<size_t>(bucket_batches * batch_size);
  for (size_t begin = 0; begin < order.size(); begin += chunk)
    sort_by_length(examples, order, begin, std::min(order.size(), begin + chunk));
  std::vector<std::span<const int64_t>> runs = cut(order, batch_size);
  std::vector<Batch> batches;
  for (int64_t r : randperm(static_cast<int64_t>(runs.size()), gen))
    batches.push_back(make_batch(examples, runs[r]));
  return batches;
}

std::vector<Batch> eval_batches(const std::vector<EncodedExample>& examples, int64_t batch_size) {
  check_batch_size("eval_batches", batch_size);
  std::vector<int64_t> order(examples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  sort_by_length(examples, order, 0, order.size());
  std::vector<Batch> batches;
  for (std::span<const int64_t> run : cut(order, batch_size)) batches.push_back(make_batch(examples, run));
  return batches;
}

// ---- char language model ----

namespace {

// Rows b = 0..B-1 of inputs/targets: the window of seq_len + 1 tokens starting at starts[b].
LmBatch windows_at(std::span<const int64_t> stream, const std::vector<int64_t>& starts, int64_t seq_len) {
  int64_t batch = static_cast<int64_t>(starts.size());
  std::vector<int64_t> inputs, targets;
  inputs.reserve(batch * seq_len);
  targets.reserve(batch * seq_len);
  for (int64_t start : starts) {
    inputs.insert(inputs.end(), stream.begin() + start, stream.begin() + start + seq_len);
    targets.insert(targets.end(), stream.begin() + start + 1, stream.begin() + start + seq_len + 1);
  }
  return {indices(std::move(inputs), {batch, seq_len}), indices(std::move(targets), {batch, seq_len})};
}

void check_stream(const char* op, std::span<const int64_t> stream, int64_t batch_size, int64_t seq_len) {
  check_batch_size(op, batch_size);
  if (seq_len < 1) fail("{}: sequence length must be at least 1, got {}", op, seq_len);
  if (static_cast<int64_t>(stream.size()) < seq_len + 1)
    fail("{}: the text has {} tokens, expected at least seq_len + 1 = {}", op, stream.size(), seq_len + 1);
}

}  // namespace

LmBatch random_windows(std::span<const int64_t> stream, int64_t batch_size, int64_t seq_len, Generator& gen) {
  check_stream("random_windows", stream, batch_size, seq_len);
  int64_t n_starts = static_cast<int64_t>(stream.size()) - seq_len;  // starts 0 .. n - seq_len - 1
  std::vector<int64_t> starts;
  for (int64_t b = 0; b < batch_size; ++b) starts.push_back(gen.randint(n_starts));
  return windows_at(stream, starts, seq_len);
}

std::vector<LmBatch> sequential_windows(std::span<const int64_t> stream, int64_t batch_size,
                                       int64_t seq_len) {
  check_stream("sequential_windows", stream, batch_size, seq_len);
  int64_t n_windows = (static_cast<int64_t>(stream.size()) - 1) / seq_len;
  std::vector<LmBatch> batches;
  for (int64_t first = 0; first < n_windows; first += batch_size) {
    std::vector<int64_t> starts;
    for (int64_t w = first; w < std::min(n_windows, first + batch_size); ++w) starts.push_back(w * seq_len);
    batches.push_back(windows_at(stream, starts, seq_len));
  }
  return batches;
}

}  // namespace tg::models
