#pragma once
// Skip-gram with negative sampling: word2vec's algorithm (Mikolov et al. 2013), as word2vec.c and
// fastText's `skipgram` train it.
//
//   tg::models::SkipGramCorpus corpus = tg::models::read_skipgram_corpus("text.txt", {.min_count = 5});
//   tg::models::SkipGramModel model = tg::models::train_skipgram(corpus, {.dim = 100, .threads = 2, .seed = 1});
//   tg::models::write_vectors("text.vec", model.vectors, tg::models::VectorFormat::fasttext_vec);
//
// The text is already tokenised: words are separated by whitespace, each line is a sentence (a window
// never crosses a line). Words seen fewer than min_count times are dropped; the rest are numbered
// most frequent first (ties: first seen first).
//
// Training, per epoch and per thread over its own slice of the sentences:
//   - subsampling: a word of frequency f (its count over all kept words) is kept with probability
//     sqrt(t / f) + t / f (word2vec's formula, t = sample; 0 keeps every word);
//   - each kept word w is a centre: a window size b is drawn uniformly from 1..window, and each word c
//     within b positions is predicted from w: the pair (w, c) is a positive example and `negative`
//     words drawn from the unigram^0.75 noise table are negatives (redrawn when equal to c);
//   - each example is a logistic regression step on sigmoid(in[w] . out[c]): the output row moves by
//     lr (label - p) in[w], the input row by the sum of lr (label - p) out[c] over the examples;
//   - lr decays linearly from `lr` to 0 over all epochs' words (floor lr * 1e-4), as word2vec.
// in (the word vectors) starts U(-0.5 / dim, 0.5 / dim), out at zeros. Threads update both matrices
// without locks (Hogwild), as word2vec and fastText do; each thread has its own generator seeded from
// `seed` and its index. With threads = 1 a run is bit-for-bit reproducible.
// The sigmoid and the log of the loss are read from tables as in fastText (512 entries; x clamped
// to [-8, 8]).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/vectors.hpp"

namespace tg::models {

struct SkipGramCorpusOptions {
  int64_t min_count = 5;
};

// A tokenised text as word ids.
struct SkipGramCorpus {
  std::vector<std::string> words;   // the vocabulary, most frequent first
  std::vector<int64_t> counts;      // counts[id]: occurrences in the text
  std::vector<int32_t> ids;         // every kept token in text order
  std::vector<int64_t> sentence_end;  // sentence i is ids[sentence_end[i-1] .. sentence_end[i])
  int64_t tokens_read = 0;          // all tokens, the dropped rare ones included

  int64_t vocab_size() const { return static_cast<int64_t>(words.size()); }
  int64_t train_words() const { return static_cast<int64_t>(ids.size()); }
};

// From the lines of a text. Throws when no word occurs min_count times.
SkipGramCorpus make_skipgram_corpus(const std::vector<std::string>& lines, const SkipGramCorpusOptions& options = {},
                                    const std::string& source = "text");
// From a file (one sentence per line). Throws naming the file when it cannot be read or has no word.
SkipGramCorpus read_skipgram_corpus(const std::string& path, const SkipGramCorpusOptions& options = {});

struct SkipGramConfig {
  int64_t dim = 100;
  int64_t window = 5;    // the largest window; each centre draws its own in 1..window
  int64_t negative = 5;  // negatives per positive pair
  int64_t epochs = 5;
  double lr = 0.025;     // the starting learning rate
  double sample = 1e-4;  // the subsampling threshold t; 0 = keep every word
  int threads = 1;
  uint64_t seed = 1;
};

// What the progress callback is told, about every 10,000 words (from thread 0) and once at the end.
struct SkipGramProgress {
  int64_t words_done = 0;   // tokens read so far, all threads and epochs (before subsampling)
  int64_t words_total = 0;  // epochs * train_words
  double seconds = 0;       // since training started
  double words_per_second = 0;
  double loss = 0;          // thread 0's mean loss per example so far
  double lr = 0;            // the current learning rate
  double eta_seconds = 0;
};

struct SkipGramModel {
  WordVectors vectors;        // the input matrix [V, dim], with the corpus' words
  std::vector<float> output;  // the output matrix [V, dim]
  double loss = 0;            // mean loss per example over the run (thread 0)
  double seconds = 0;
  int64_t words_done = 0;
};

SkipGramModel train_skipgram(const SkipGramCorpus& corpus, const SkipGramConfig& config,
                             const std::function<void(const SkipGramProgress&)>& on_progress = {});

}  // namespace tg::models
