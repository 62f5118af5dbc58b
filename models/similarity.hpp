#pragma once
// Querying word vectors: cosine similarity, nearest neighbours, analogies, and the word-similarity
// evaluation (Spearman's rho against human scores, as WordSim-353).
//
//   tg::models::SimilarityIndex index(vectors);                  // normalises every row once
//   for (auto& n : index.neighbors("king", 10)) fmt::print("{} {:.4f}\n", n.word, n.similarity);
//   index.analogy("king", "man", "woman", 1);            // king - man + woman: "queen"
//   tg::models::SimilarityEval e = tg::models::evaluate_similarity(index, "wordsim353.tsv", {.lowercase = true});
//
// Neighbours are exact. A similarity is the dot product of two unit float32 rows summed in double and
// rounded to float; the k best rows under it come out in the same order whichever way they are found.
// One query first scores the whole table in one pass: over a float16 copy of the unit rows where the
// CPU has F16C, AVX2 and FMA (half the bytes of float32: a query is bound by memory bandwidth), else
// as one float32 sgemv over the rows as they are, [V, D] x [D] -> [V], each score then times the
// row's 1 / norm. Many queries are one float32 sgemm, [Q, D] x [D, V] -> [Q, V], the same way. Each
// pass's error has a proven bound, so only the rows whose approximate score is within twice that bound
// of the k-th best can be among the k best: those few are scored again exactly. The query words are
// never among the results; ties are broken by the lower row (the more frequent word, in a file sorted
// by frequency).
// Analogy is 3CosAdd as gensim's most_similar(positive=[a, c], negative=[b]): the unit vectors
// combined as unit(a) - unit(b) + unit(c), normalised, and a, b, c excluded.
// A row of zeros (a <pad> row) has cosine 0 with everything.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/vectors.hpp"

namespace tg::models {

// cos(a, b) = a.b / (|a| |b|); 0 when either is all zeros.
float cosine_similarity(const float* a, const float* b, int64_t dim);

struct Neighbor {
  int64_t id = 0;        // row in the vector set
  std::string word;
  float similarity = 0;  // cosine
};

struct SimilarityOptions {
  // Scan a float16 copy of the unit rows for single queries when the CPU can (F16C, AVX2, FMA). The
  // answers are the same either way; the copy costs 2 bytes a value (D rounded up to a multiple of 8):
  // 61 MB for 100k x 300.
  bool float16_scan = true;
};

class SimilarityIndex {
 public:
  // Keeps a reference and reads vectors.values at every query: the vectors must outlive the index and
  // stay unchanged while it is used.
  explicit SimilarityIndex(const WordVectors& vectors, SimilarityOptions options = {});

  const WordVectors& vectors() const { return vectors_; }
  std::vector<float> unit_row(int64_t id) const;  // [D]: the row divided by its norm, |row| = 1 (or 0)

  // The row of `word`; throws "unknown word 'xyz': not among the 400000 words" when absent.
  int64_t require(const std::string& word) const;

  // The k rows most similar to `query` [D] (any length; it is normalised here), best first, skipping
  // the rows in `exclude`. One pass over the table (float16 scan or sgemv), then the exact re-score.
  std::vector<Neighbor> nearest(const float* query, int64_t k, const std::vector<int64_t>& exclude = {}) const;
  // The same for many queries [Q, D] at once: one sgemm. excludes[q] are the rows skipped for query q
  // (excludes may be empty: none).
  std::vector<std::vector<Neighbor>> nearest(const float* queries, int64_t count, int64_t k,
                                             const std::vector<std::vector<int64_t>>& excludes) const;

  std::vector<Neighbor> neighbors(const std::string& word, int64_t k) const;  // the word itself excluded
  // a - b + c (3CosAdd): "king" "man" "woman" -> queen. The three words are excluded.
  std::vector<Neighbor> analogy(const std::string& a, const std::string& b, const std::string& c, int64_t k) const;
  float similarity(const std::string& a, const std::string& b) const;  // throws on an unknown word

  bool scans_float16() const { return float16_scan_; }  // whether single queries use the float16 copy

 private:
  float exact_score(int64_t id, const float* unit_query) const;
  void finish_float32_scan(float* scores, const float* unit_query) const;  // [V] raw dots -> approximate cosines
  std::vector<Neighbor> top_k(float* approx, double bound, const float* unit_query, int64_t k,
                              const std::vector<int64_t>& exclude) const;

  const WordVectors& vectors_;
  std::vector<float> inverse_norms_;  // [V]: 1 / |row| as a float, 0 for a row of zeros
  std::vector<int64_t> extreme_rows_; // rows of norm below 2^-20 or above 2^100: always scored exactly
  bool float16_scan_ = false;
  int64_t half_stride_ = 0;           // D rounded up to a multiple of 8
  std::vector<uint16_t> unit_half_;   // [V, half_stride_] float16 of the unit rows, each padded with zeros
};

// Spearman's rank correlation: Pearson's r of the ranks, tied values sharing their average rank
// (as scipy.stats.spearmanr). NaN when fewer than 2 pairs or when either side is constant.
double spearman_rho(const std::vector<double>& x, const std::vector<double>& y);

struct SimilarityEvalOptions {
  bool lowercase = false;         // lowercase (ASCII) the file's words before looking them up
  size_t missing_sample_size = 10;
};

struct SimilarityEval {
  int64_t pairs = 0;    // scored pairs in the file
  int64_t covered = 0;  // pairs whose two words both have vectors: rho is over these
  double rho = 0;       // Spearman's rho of human score vs cosine over the covered pairs
  std::vector<std::string> missing_sample;  // the first words without a vector
  bool more_missing = false;                // more words were missing than the sample holds
  std::string summary() const;  // "spearman 0.5123 over 331 of 353 pairs (93.8%); missing: ..."
};

// Reads `word1 word2 score` lines (tab- or space-separated; blank lines and lines starting with '#'
// skipped; a first line whose score is not a number is taken as a header) and compares the scores
// with the cosines. Errors name the line: "ws.tsv:7: expected 'word1 word2 score', found 2 fields".
SimilarityEval evaluate_similarity(const SimilarityIndex& index, const std::string& path,
                                   const SimilarityEvalOptions& options = {});

}  // namespace tg::models
